"""Recording downloads over real loopback HTTP: cache, caps, types, truncation, permissions."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import os
import stat
import struct
import wave
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from dialer.services.recording_audio import RecordingError, sniff, wav_info, wav_peaks
from dialer.services.recordings import MB, RecordingCache, save_copy
from tests.support.live_server import run_server


def make_wav(seconds: float = 1.0, rate: int = 8000, loud_from: float = 0.5) -> bytes:
    """Silence, then a 440 Hz tone at half scale from `loud_from` of the way in."""
    frames = int(seconds * rate)
    samples = [
        int(16384 * math.sin(2 * math.pi * 440 * n / rate)) if n >= frames * loud_from else 0
        for n in range(frames)
    ]
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{frames}h", *samples))
    return buf.getvalue()


WAV = make_wav()
SERVED: dict[str, int] = {}


def count(request: Request) -> None:
    SERVED[request.url.path] = SERVED.get(request.url.path, 0) + 1


async def ok(request: Request) -> Response:
    count(request)
    return Response(WAV, media_type="audio/wav")


async def octet(request: Request) -> Response:
    return Response(WAV, media_type="application/octet-stream")


async def page(request: Request) -> Response:
    return Response("<html><body>Login</body></html>", media_type="text/html")


async def liar(request: Request) -> Response:
    return Response(b"<html>Not found</html>" * 10, media_type="audio/wav")


async def mp3_as_wav(request: Request) -> Response:
    return Response(b"ID3\x03\x00\x00\x00" + b"\x00" * 500, media_type="audio/wav")


async def truncated(request: Request) -> Response:
    return Response(WAV[: len(WAV) // 2], media_type="audio/wav")


async def big(request: Request) -> Response:
    return Response(b"RIFF" + b"\x00" * (2 * MB), media_type="audio/wav")


async def endless(request: Request) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield WAV[:44]
        for _ in range(10_000):  # 640 MB if nobody stopped reading
            SERVED["endless-bytes"] = SERVED.get("endless-bytes", 0) + 65536
            yield b"\x00" * 65536
            await asyncio.sleep(0)

    return StreamingResponse(body(), media_type="audio/wav")


async def missing(request: Request) -> Response:
    return Response("no such recording", status_code=404)


async def forbidden(request: Request) -> Response:
    return Response("expired", status_code=403)


APP = Starlette(
    routes=[
        Route("/rec/ok.wav", ok),
        Route("/rec/octet", octet),
        Route("/rec/page", page),
        Route("/rec/liar.wav", liar),
        Route("/rec/mp3.wav", mp3_as_wav),
        Route("/rec/truncated.wav", truncated),
        Route("/rec/big.wav", big),
        Route("/rec/endless.wav", endless),
        Route("/rec/missing.wav", missing),
        Route("/rec/forbidden.wav", forbidden),
    ]
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    yield from run_server(APP)


@pytest.fixture
def cache(tmp_path: Path) -> RecordingCache:
    return RecordingCache(tmp_path / "cache" / "recordings", max_file_bytes=1 * MB)


def fetch(cache: RecordingCache, uuid: str, url: str, **kw: Any) -> Path:
    async def go() -> Path:
        async with httpx.AsyncClient() as client:
            return await cache.fetch(client, uuid, url, **kw)

    return asyncio.run(go())


def test_download_is_private_named_by_the_app_and_reused(
    cache: RecordingCache, server: str
) -> None:
    SERVED.clear()
    seen: list[tuple[int, int | None]] = []
    path = fetch(cache, "call-1", f"{server}/rec/ok.wav", progress=lambda r, t: seen.append((r, t)))
    assert path.read_bytes() == WAV
    assert path.parent == cache.directory
    assert path.name == cache.key("call-1") + ".wav"
    assert "ok" not in path.name and "call-1" not in path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
    assert seen[0] == (0, len(WAV)) and seen[-1] == (len(WAV), len(WAV))
    assert [r for r, _ in seen] == sorted(r for r, _ in seen)
    again = fetch(cache, "call-1", f"{server}/rec/ok.wav")
    assert again == path
    assert SERVED["/rec/ok.wav"] == 1  # the second time came from the cache
    assert list(cache.directory.iterdir()) == [path]  # no partial files left


def test_generic_type_is_accepted_when_the_bytes_are_audio(
    cache: RecordingCache, server: str
) -> None:
    assert fetch(cache, "c", f"{server}/rec/octet").suffix == ".wav"


@pytest.mark.parametrize(
    ("route", "words"),
    [
        ("page", "the server sent text/html, not an audio recording"),
        ("liar.wav", "not an audio recording"),
        ("mp3.wav", "said audio/wav but sent a MP3 file"),
        ("truncated.wav", "truncated: its header promises 16 KB of audio but the file holds 8 KB"),
        ("big.wav", "2.0 MB, over the 1 MB limit; not downloaded"),
        ("endless.wav", "larger than the 1 MB limit; download stopped"),
        ("missing.wav", "no longer has this recording (HTTP 404)"),
        ("forbidden.wav", "refused the download (HTTP 403); the link may have expired"),
    ],
)
def test_bad_downloads_say_why_and_leave_nothing(
    cache: RecordingCache, server: str, route: str, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{server}/rec/{route}"
    with caplog.at_level(logging.DEBUG, logger="dialer"), pytest.raises(RecordingError) as info:
        fetch(cache, "call-x", url)
    assert words in str(info.value)
    assert cache.cached("call-x") is None
    assert list(cache.directory.glob("*")) == []
    assert all(url not in record.getMessage() for record in caplog.records)  # never logged
    assert server not in str(info.value)


def test_an_oversized_stream_is_stopped_at_the_cap(cache: RecordingCache, server: str) -> None:
    SERVED.pop("endless-bytes", None)
    with pytest.raises(RecordingError):
        fetch(cache, "e", f"{server}/rec/endless.wav")
    # The server got to send little more than the cap (plus socket buffers), not 640 MB.
    assert SERVED.get("endless-bytes", 0) < 40 * MB


def test_unreachable_server_and_non_web_address(cache: RecordingCache) -> None:
    with pytest.raises(RecordingError, match="cannot connect"):
        fetch(cache, "a", "http://127.0.0.1:9/rec.wav")
    with pytest.raises(RecordingError, match="not a web address"):
        fetch(cache, "b", "file:///etc/passwd")


def test_least_recently_played_is_evicted_first(tmp_path: Path, server: str) -> None:
    cache = RecordingCache(tmp_path / "r", max_bytes=int(len(WAV) * 2.5))
    first = fetch(cache, "one", f"{server}/rec/ok.wav")
    second = fetch(cache, "two", f"{server}/rec/ok.wav")
    old = first.stat().st_mtime - 100
    os.utime(first, (old, old))
    os.utime(second, (old + 10, old + 10))
    assert cache.cached("one") == first  # played again: now the most recent
    third = fetch(cache, "three", f"{server}/rec/ok.wav")
    assert not second.exists()
    assert first.exists() and third.exists()
    assert cache.usage() == 2 * len(WAV)


def test_a_file_alone_over_the_cache_limit_is_kept_while_in_use(
    tmp_path: Path, server: str
) -> None:
    cache = RecordingCache(tmp_path / "r", max_bytes=10)
    path = fetch(cache, "one", f"{server}/rec/ok.wav")
    assert path.exists()
    assert cache.evict() == [path]


def test_save_copy(tmp_path: Path) -> None:
    source = tmp_path / "a.wav"
    source.write_bytes(WAV)
    save_copy(source, tmp_path / "b.wav")
    assert (tmp_path / "b.wav").read_bytes() == WAV
    with pytest.raises(RecordingError, match="could not save"):
        save_copy(source, tmp_path / "missing" / "b.wav")


def test_from_preferences_uses_the_cache_dir_and_limits(dialer_home: Path) -> None:
    from dialer.settings import Preferences

    cache = RecordingCache.from_preferences(Preferences(recording_cache_mb=20, recording_max_mb=3))
    assert cache.directory == dialer_home / "cache" / "recordings"
    assert (cache.max_bytes, cache.max_file_bytes) == (20 * MB, 3 * MB)


# --- what the bytes are ----------------------------------------------------------------------


def test_sniff() -> None:
    assert sniff(WAV[:16]) == ".wav"
    assert sniff(b"OggS\x00\x02") == ".ogg"
    assert sniff(b"ID3\x04") == ".mp3"
    assert sniff(b"\xff\xfb\x90\x00") == ".mp3"
    assert sniff(b"\x00\x00\x00\x20ftypM4A ") == ".m4a"
    assert sniff(b"fLaC\x00") == ".flac"
    assert sniff(b"<!DOCTYPE html>") is None
    assert sniff(b"") is None


def test_wav_info_and_peaks(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(make_wav(seconds=2.0, loud_from=0.5))
    info = wav_info(path)
    assert (info.channels, info.rate, info.bits) == (1, 8000, 16)
    assert info.seconds == pytest.approx(2.0)
    peaks = wav_peaks(path, buckets=100)
    assert len(peaks) == 100
    assert max(peaks[:49]) == 0.0
    assert all(0.45 < p <= 0.51 for p in peaks[51:])


def write_wav(path: Path, tag: int, bits: int, data: bytes, channels: int = 1) -> None:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, 8000, 8000 * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # an odd-sized chunk before the data
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


@pytest.mark.parametrize(
    ("tag", "bits", "quiet", "loud", "expected"),
    [
        (1, 8, bytes([128]), bytes([255]), 0.99),  # unsigned 8-bit PCM
        (7, 8, bytes([0xFF]), bytes([0x80]), 0.98),  # µ-law: 0xFF is silence, 0x80 the peak
        (6, 8, bytes([0xD5]), bytes([0xAA]), 0.98),  # A-law: 0xD5 silence, 0xAA the peak
        (1, 24, b"\x00\x00\x00", b"\xff\xff\x7f", 0.99),
        (3, 32, struct.pack("<f", 0.0), struct.pack("<f", -0.75), 0.75),
        (1, 32, struct.pack("<i", 0), struct.pack("<i", -(2**30)), 0.5),
    ],
)
def test_peaks_of_telephony_and_other_encodings(
    tmp_path: Path, tag: int, bits: int, quiet: bytes, loud: bytes, expected: float
) -> None:
    path = tmp_path / "x.wav"
    write_wav(path, tag, bits, quiet * 400 + loud * 400)
    peaks = wav_peaks(path, buckets=8)
    assert peaks[:4] == pytest.approx([0.0] * 4, abs=0.01)
    assert peaks[4:] == pytest.approx([expected] * 4, abs=0.02)


def test_streaming_wav_size_means_until_the_end(tmp_path: Path) -> None:
    path = tmp_path / "s.wav"
    write_wav(path, 1, 16, b"\x00\x10" * 800)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"data") + 4
    raw[at : at + 4] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(raw))
    assert wav_info(path).data_size == 1600


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "header is cut off"),
        (b"RIFF\x24\x00\x00\x00WAVE", "header is cut off"),
        (b"MThd\x00\x00\x00\x06", "not a WAV recording"),
    ],
)
def test_broken_wav_headers(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "b.wav"
    path.write_bytes(content)
    with pytest.raises(RecordingError, match=words):
        wav_info(path)
