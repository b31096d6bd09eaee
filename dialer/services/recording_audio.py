"""What a downloaded recording really is: its format from its bytes, WAV sanity, waveform peaks.

A server's Content-Type is a claim; the first bytes are the evidence. A WAV's header also says
how much audio it holds, so a download cut short (a proxy timeout, a full disk on the provider's
side) is caught here with a sentence a person understands, instead of a player that silently
stops early. Qt-free and stdlib only; the peaks are computed on a worker thread.
"""

from __future__ import annotations

import math
import struct
import sys
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dialer.domain.errors import DialerError

__all__ = ["RecordingError", "WavInfo", "sniff", "validate", "wav_info", "wav_peaks"]


class RecordingError(DialerError):
    """A recording that cannot be fetched or played; the message says why in plain words."""


def sniff(head: bytes) -> str | None:
    """The extension the first bytes of a file say it is, or None when they say no audio."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return ".wav"
    if head[:4] == b"OggS":
        return ".ogg"
    if head[:4] == b"fLaC":
        return ".flac"
    if head[:3] == b"ID3":
        return ".mp3"
    if head[4:8] == b"ftyp":
        return ".m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return ".webm"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return ".aac"  # ADTS frame sync (layer bits 00)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return ".mp3"  # MPEG audio frame sync
    return None


@dataclass(frozen=True)
class WavInfo:
    format_tag: int  # 1 PCM, 3 float, 6 A-law, 7 µ-law, 0xFFFE extensible
    channels: int
    rate: int
    bits: int
    data_offset: int
    data_size: int

    @property
    def frame_size(self) -> int:
        return max(1, self.channels * self.bits // 8)

    @property
    def seconds(self) -> float:
        byte_rate = self.rate * self.frame_size
        return self.data_size / byte_rate if byte_rate else 0.0


_STREAMING_SIZES = (0, 0xFFFFFFFF)  # written by recorders that did not know the length yet


def wav_info(path: Path) -> WavInfo:
    """Read and check a WAV header; RecordingError says what is wrong with it."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise RecordingError("the file is not a WAV recording (no RIFF/WAVE header)")
        fmt: tuple[int, int, int, int] | None = None
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                if fmt is None:
                    raise RecordingError("the WAV recording is truncated: its header is cut off")
                raise RecordingError("the WAV recording is truncated: it holds no audio data")
            chunk_id, chunk_size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            start = fh.tell()
            if chunk_id == b"fmt ":
                body = fh.read(16)
                if len(body) < 16:
                    raise RecordingError("the WAV recording is truncated: its header is cut off")
                tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body)
                if channels < 1 or rate < 1 or bits < 1:
                    raise RecordingError("the WAV recording has an impossible format header")
                fmt = (tag, channels, rate, bits)
            elif chunk_id == b"data":
                if fmt is None:
                    raise RecordingError("the WAV recording has audio data before its format")
                available = size - start
                if chunk_size in _STREAMING_SIZES:
                    chunk_size = available
                elif chunk_size > available:
                    raise RecordingError(
                        "the WAV recording is truncated: its header promises "
                        f"{_kb(chunk_size)} of audio but the file holds {_kb(available)}"
                    )
                return WavInfo(*fmt, data_offset=start, data_size=chunk_size)
            fh.seek(start + chunk_size + (chunk_size & 1))  # chunks are word-aligned


def validate(path: Path, expected_ext: str) -> str:
    """Check a downloaded file is the audio it claims; returns its real extension."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if not head:
        raise RecordingError("the recording download is empty")
    actual = sniff(head)
    if actual is None:
        raise RecordingError(
            f"the download is not an audio recording (it was served as {expected_ext[1:]} "
            "but its content is not audio)"
        )
    if actual == ".wav":
        info = wav_info(path)
        if info.data_size == 0:
            raise RecordingError("the WAV recording holds no audio")
    return actual


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n >= 1024 else f"{n} bytes"


def _ulaw_magnitude(code: int) -> int:
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return min(255, (magnitude - 0x84) >> 7)


def _alaw_magnitude(code: int) -> int:
    code ^= 0x55
    exponent = (code & 0x70) >> 4
    mantissa = code & 0x0F
    magnitude = (
        (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    return min(255, magnitude >> 7)


#: Byte -> loudness (0-255) tables: 8-bit samples are measured with bytes.translate + _max_byte.
_MAGNITUDE_TABLES = {
    1: bytes(min(255, abs(code - 128) * 2) for code in range(256)),  # unsigned 8-bit PCM
    6: bytes(_alaw_magnitude(code) for code in range(256)),
    7: bytes(_ulaw_magnitude(code) for code in range(256)),
}
#: The top byte t of a signed little-endian sample -> its loudness in 256ths of full scale:
#: 2t for t >= 0 (the sample is t/128 to (t+1)/128), 2|t| - 1 for t < 0 (the sample's
#: magnitude is above (|t|-1)/128, up to |t|/128), so the peak is within 1/128 of the exact one.
_SIGNED_TOP_BYTE = bytes(2 * code if code < 128 else 2 * (256 - code) - 1 for code in range(256))


def wav_peaks(path: Path, buckets: int = 800) -> list[float]:
    """Loudest sample (0..1 of full scale) in each of `buckets` equal slices of the audio.

    Read one slice at a time, so a long recording costs its slice size in memory, and measured
    with bytes operations on each sample's top byte (8, 16 and 24-bit PCM, A-law, µ-law) or
    C-level max()/min() over arrays (32-bit), so an hour of audio takes well under a second.
    """
    info = wav_info(path)
    tag = 1 if info.format_tag == 0xFFFE else info.format_tag
    frames = info.data_size // info.frame_size
    if frames == 0 or buckets <= 0:
        return []
    buckets = min(buckets, frames)
    peaks: list[float] = []
    with path.open("rb") as fh:
        fh.seek(info.data_offset)
        for i in range(buckets):
            size = (frames * (i + 1)) // buckets - (frames * i) // buckets
            peaks.append(_slice_peak(fh, info, tag, size))
            # This runs on a worker thread, and CPython 3.11 let it keep the GIL from the GUI
            # thread for 200+ ms at a time while it scanned a 20 MB recording (measured,
            # benchmarks/gui_stall.py): handing the GIL over after each slice keeps the
            # window's longest wait ~5 ms, for no measurable cost here.
            time.sleep(0)
    return peaks


def _slice_peak(fh: BinaryIO, info: WavInfo, tag: int, frames: int) -> float:
    data = fh.read(frames * info.frame_size)
    if not data:
        return 0.0
    if info.bits == 8 and tag in _MAGNITUDE_TABLES:
        return _max_byte(data.translate(_MAGNITUDE_TABLES[tag])) / 255
    if tag == 1 and info.bits in (16, 24):
        # The top byte of each little-endian sample is loud enough for a picture (within 1/128
        # of full scale), and measured with bytes operations it costs a fifth of converting
        # every sample to a Python int: this thread holds the GIL, which the window's thread
        # waits for on every call into Python, that much less (benchmarks/gui_stall.py).
        step = info.bits // 8
        return _max_byte(data[step - 1 :: step].translate(_SIGNED_TOP_BYTE)) / 256
    if tag == 1 and info.bits == 32:
        return _extreme(array("i", data[: len(data) // 4 * 4]), 2147483648.0)
    if tag == 3 and info.bits == 32:
        peak = _extreme(array("f", data[: len(data) // 4 * 4]), 1.0)
        return min(1.0, peak) if math.isfinite(peak) else 1.0
    return 0.0  # a codec this picture does not decode: flat, the player still plays it


_SINGLE_BYTES = [bytes([value]) for value in range(256)]
_HIGH_NIBBLE = bytes(value >> 4 for value in range(256))


def _max_byte(data: bytes) -> int:
    """`max(data)` (0 when empty) without a Python int per byte: which of the 16 high nibbles
    occur, then which of that nibble's 16 values, each a C-speed `in` (memchr). ~5 µs instead
    of ~75 µs for a 1,200th of a 20 MB recording, all of it GIL-holding time."""
    coarse = data.translate(_HIGH_NIBBLE)
    for high in range(15, -1, -1):
        if _SINGLE_BYTES[high] in coarse:
            for value in range(high * 16 + 15, high * 16 - 1, -1):
                if _SINGLE_BYTES[value] in data:
                    return value
    return 0


def _extreme(samples: array[int] | array[float], full_scale: float) -> float:
    if not samples:
        return 0.0
    if sys.byteorder == "big":  # pragma: no cover - WAV is little-endian
        samples.byteswap()
    return max(abs(max(samples)), abs(min(samples))) / full_scale
