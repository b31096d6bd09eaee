"""Waveform peaks from the samples' top bytes: the loudest byte found without a Python int per
byte must be `max()`'s answer, and a 16-bit peak must stay within 1/128 of the exact one."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from dialer.services.recording_audio import _max_byte, wav_peaks


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",
        b"\x00" * 5000,
        b"\xff",
        bytes(range(256)),
        bytes(range(255, -1, -1)) * 3,
        bytes([17]) * 4000 + bytes([18]),
        bytes([0x0F]) * 100 + bytes([0x10]),  # the next nibble up, once, at the end
        bytes([0xEF, 0xE0]) * 50,
    ],
)
def test_max_byte_is_max(data: bytes) -> None:
    assert _max_byte(data) == (max(data) if data else 0)


def test_max_byte_on_random_data() -> None:
    rng = random.Random(11)
    for _ in range(300):
        data = bytes(rng.randrange(rng.randrange(1, 257)) for _ in range(rng.randrange(1, 400)))
        assert _max_byte(data) == max(data)


def write_wav(path: Path, bits: int, samples: list[int], channels: int = 1) -> None:
    width = bits // 8
    data = b"".join(s.to_bytes(4, "little", signed=True)[:width] for s in samples)
    block = channels * width
    fmt = struct.pack("<HHIIHH", 1, channels, 8000, 8000 * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


@pytest.mark.parametrize(("bits", "full"), [(16, 32768), (24, 8388608)])
@pytest.mark.parametrize("channels", [1, 2])
def test_peaks_within_a_128th_of_the_exact_peak(
    tmp_path: Path, bits: int, full: int, channels: int
) -> None:
    rng = random.Random(bits * channels)
    slices = 40
    per_slice = 200 * channels
    samples: list[int] = []
    exact: list[float] = []
    for _ in range(slices):
        loudness = rng.random()
        chunk = [int(rng.uniform(-loudness, loudness) * (full - 1)) for _ in range(per_slice)]
        samples += chunk
        exact.append(max(abs(s) for s in chunk) / full)
    path = tmp_path / "p.wav"
    write_wav(path, bits, samples, channels)
    peaks = wav_peaks(path, buckets=slices)
    assert len(peaks) == slices
    assert peaks == pytest.approx(exact, abs=1 / 128 + 1e-9)
    assert max(peaks) > 0.5  # loud slices were in the picture
