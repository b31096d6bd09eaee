"""Recordings for simulated calls: real WAV files, so the app's player and downloads are tested
against the same kind of bytes a provider serves.

The audio is a recording beep followed by two "speakers" taking turns: voiced syllables
(harmonics of a pitch, shaped by a vowel-like formant, with a little breath noise). It is seeded
by the call id, so every process that renders the same call writes identical bytes, and the
file is cached in the state dir after the first request.
"""

from __future__ import annotations

import math
import os
import random
import sys
import tempfile
import wave
from array import array
from pathlib import Path

SAMPLE_RATE = 8000
MAX_SECONDS = 6
BEEP_SECONDS = 0.25
_PEAK = 32767


def recording_seconds(duration: int) -> int:
    """A short clip keeps generation cheap; even a zero-length talk gets one second."""
    return max(1, min(duration, MAX_SECONDS))


def render(call_id: str, seconds: float) -> bytes:
    """16-bit little-endian mono PCM at 8 kHz."""
    rng = random.Random(call_id)
    total = round(seconds * SAMPLE_RATE)
    samples = [0.0] * total
    beep = min(total, round(BEEP_SECONDS * SAMPLE_RATE))
    for i in range(beep):
        samples[i] = 0.3 * math.sin(2 * math.pi * 1000.0 * i / SAMPLE_RATE)
    pitches = (rng.uniform(100.0, 135.0), rng.uniform(185.0, 235.0))
    pos = beep + round(rng.uniform(0.1, 0.3) * SAMPLE_RATE)
    speaker = 0
    while pos < total:
        turn_end = min(total, pos + round(rng.uniform(0.6, 1.6) * SAMPLE_RATE))
        while pos < turn_end:
            length = min(turn_end - pos, round(rng.uniform(0.12, 0.3) * SAMPLE_RATE))
            _syllable(samples, pos, length, pitches[speaker], rng)
            pos += length + round(rng.uniform(0.02, 0.08) * SAMPLE_RATE)
        pos += round(rng.uniform(0.15, 0.45) * SAMPLE_RATE)
        speaker = 1 - speaker
    pcm = array("h", (max(-_PEAK, min(_PEAK, round(s * _PEAK))) for s in samples))
    if pcm.itemsize != 2:  # pragma: no cover - every supported platform has 16-bit shorts
        raise RuntimeError("16-bit samples are required")
    if sys.byteorder == "big":  # pragma: no cover
        pcm.byteswap()
    return pcm.tobytes()


def _syllable(
    samples: list[float], start: int, length: int, pitch: float, rng: random.Random
) -> None:
    """Add one voiced syllable: a few pitch harmonics weighted around a random formant."""
    formant = rng.uniform(350.0, 1100.0)
    glide = rng.uniform(-0.15, 0.15)  # intonation: pitch drifts across the syllable
    harmonics = []
    for k in range(1, 9):
        distance = (k * pitch - formant) / 300.0
        harmonics.append((k, 0.6 * math.exp(-distance * distance) + 0.15 / k))
    norm = sum(weight for _, weight in harmonics)
    loudness = rng.uniform(0.35, 0.6)
    phase = 0.0
    for n in range(min(length, len(samples) - start)):
        x = n / length
        envelope = math.sin(math.pi * x) ** 1.5
        f0 = pitch * (1.0 + glide * x)
        phase += 2 * math.pi * f0 / SAMPLE_RATE
        voiced = sum(weight * math.sin(k * phase) for k, weight in harmonics) / norm
        breath = rng.uniform(-1.0, 1.0) * 0.08
        samples[start + n] += loudness * envelope * (voiced + breath)


def recording_path(directory: Path, call_id: str, duration: int) -> Path:
    """The cached WAV for a call, written atomically on first use.

    Two processes racing to render the same call both write identical bytes, and `os.replace`
    means a reader never sees a half-written file.
    """
    path = directory / f"crm_{call_id}.wav"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    frames = render(call_id, recording_seconds(duration))
    fd, tmp_name = tempfile.mkstemp(prefix=".crm_", suffix=".wav.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(frames)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path
