"""Call recordings: downloaded once into a private cache, checked, replayed from disk.

A recording URL is a bearer capability (whoever has it can download the call), and the file is
a customer's voice, so: the URL never reaches a log line; the file is stored user-only (0600,
folder 0700) under a name derived from the app's call uuid, never the server's path or file
name (which could hold `../` or a name the agent should not see); a download that goes past the
size cap is stopped at that byte, not after reading the rest; and what arrives must be the audio
it claims to be. The cache stays under its size limit by dropping the least recently played.
Qt-free: the player widget drives it from the qasync loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dialer.services.recording_audio import RecordingError, sniff, validate

if TYPE_CHECKING:
    import httpx

    from dialer.settings import Preferences

__all__ = ["RecordingCache", "RecordingError", "save_copy"]

log = logging.getLogger("dialer.recordings")

MB = 1024 * 1024

#: Media types accepted as recordings, and the extension each is stored under.
AUDIO_TYPES = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/vnd.wave": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/ogg": ".ogg",
    "audio/opus": ".ogg",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/aac": ".aac",
    "audio/flac": ".flac",
    "audio/x-flac": ".flac",
}
#: Generic types some servers use for any file: accepted only when the bytes say audio.
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", ""})
_EXTENSIONS = frozenset(AUDIO_TYPES.values())
_PART = ".part"
#: Bytes gathered before each write to disk (a worker-thread hop per write).
_FLUSH_BYTES = 1 * MB

Progress = Callable[[int, "int | None"], None]


class RecordingCache:
    """The recordings folder: one file per call, a size cap per file and for the whole cache."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int = 500 * MB,
        max_file_bytes: int = 50 * MB,
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.max_file_bytes = max_file_bytes
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_preferences(cls, preferences: Preferences | None = None) -> RecordingCache:
        from dialer import paths

        cache_mb = preferences.recording_cache_mb if preferences else 500
        file_mb = preferences.recording_max_mb if preferences else 50
        return cls(
            paths.cache_dir() / "recordings", max_bytes=cache_mb * MB, max_file_bytes=file_mb * MB
        )

    # --- names -----------------------------------------------------------------------------

    @staticmethod
    def key(call_uuid: str) -> str:
        """The file name stem for a call: not guessable from, nor revealing, anything else."""
        return hashlib.sha256(b"dialer-recording\0" + call_uuid.encode()).hexdigest()[:40]

    def cached(self, call_uuid: str) -> Path | None:
        """The call's recording if it is already here, marked as just used (blocking I/O)."""
        stem = self.key(call_uuid)
        for ext in sorted(_EXTENSIONS):
            path = self.directory / (stem + ext)
            if path.is_file():
                _touch(path)
                return path
        return None

    def forget(self, call_uuid: str) -> None:
        """Delete the call's recording from the cache (the call was deleted from history)."""
        stem = self.key(call_uuid)
        for ext in _EXTENSIONS:
            _unlink(self.directory / (stem + ext))

    # --- download ----------------------------------------------------------------------------

    async def fetch(
        self,
        client: httpx.AsyncClient,
        call_uuid: str,
        url: str,
        progress: Progress | None = None,
    ) -> Path:
        """The call's recording on disk: from the cache, or downloaded now.

        `progress(received, total)` is called as bytes arrive (total None when the server does
        not say). Raises RecordingError with a readable reason; never leaves a partial file.
        """
        lock = self._locks.setdefault(call_uuid, asyncio.Lock())
        async with lock:
            found = await asyncio.to_thread(self.cached, call_uuid)
            if found is not None:
                return found
            if not url.lower().startswith(("https://", "http://")):
                raise RecordingError("the recording address is not a web address")
            await asyncio.to_thread(self._prepare_folder)
            path = await self._download(client, call_uuid, url, progress)
            await asyncio.to_thread(self.evict, {path})
            return path

    async def _download(
        self, client: httpx.AsyncClient, call_uuid: str, url: str, progress: Progress | None
    ) -> Path:
        import httpx

        stem = self.key(call_uuid)
        part = self.directory / (stem + _PART)
        log.info("downloading the recording of call %s", call_uuid)  # never the URL
        try:
            timeout = httpx.Timeout(30.0, connect=10.0)
            async with client.stream("GET", url, timeout=timeout, follow_redirects=True) as reply:
                _check_status(reply.status_code)
                media = reply.headers.get("content-type", "").split(";")[0].strip().lower()
                if media not in AUDIO_TYPES and media not in GENERIC_TYPES:
                    raise RecordingError(f"the server sent {media}, not an audio recording")
                total = _content_length(reply.headers.get("content-length"))
                if total is not None and total > self.max_file_bytes:
                    raise RecordingError(self._too_big(total))
                received = await self._receive(reply, part, total, progress)
            if total is not None and received < total:
                raise RecordingError("the recording download was cut off before the end")
            claimed = AUDIO_TYPES.get(media, "")
            ext = await asyncio.to_thread(validate, part, claimed or ".audio")
            if claimed and claimed != ext and not {claimed, ext} <= {".m4a", ".aac"}:
                raise RecordingError(
                    f"the server said {media} but sent a {ext[1:].upper()} file; "
                    "not playing a file that is not what it claims"
                )
            final = self.directory / (stem + ext)
            await asyncio.to_thread(os.replace, part, final)
            log.info("recording of call %s stored (%d bytes)", call_uuid, received)
            return final
        except RecordingError as exc:
            log.warning("recording of call %s: %s", call_uuid, exc)
            raise
        except httpx.TimeoutException:
            raise RecordingError("the recording download timed out") from None
        except httpx.RemoteProtocolError:
            raise RecordingError("the recording download was cut off before the end") from None
        except httpx.TransportError as exc:
            raise RecordingError(f"could not download the recording ({_reason(exc)})") from None
        except OSError as exc:
            raise RecordingError(f"could not store the recording: {exc.strerror}") from None
        finally:
            await asyncio.to_thread(_unlink, part)

    async def _receive(
        self, reply: httpx.Response, part: Path, total: int | None, progress: Progress | None
    ) -> int:
        fd = await asyncio.to_thread(os.open, part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        received = 0
        pending: list[bytes] = []
        pending_size = 0
        try:
            if progress is not None:
                progress(0, total)
            async for chunk in reply.aiter_bytes(64 * 1024):
                received += len(chunk)
                if received > self.max_file_bytes:  # stop at the byte, whatever the header said
                    raise RecordingError(self._too_big(None))
                if received == len(chunk) and sniff(chunk[:16]) is None and len(chunk) >= 16:
                    # An error page served as audio: no need to read the rest to know.
                    raise RecordingError("the download is not an audio recording")
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= _FLUSH_BYTES:
                    await asyncio.to_thread(_write_all, fd, b"".join(pending))
                    pending, pending_size = [], 0
                if progress is not None:
                    progress(received, total)
            if pending:
                await asyncio.to_thread(_write_all, fd, b"".join(pending))
        finally:
            await asyncio.to_thread(os.close, fd)
        return received

    def _too_big(self, size: int | None) -> str:
        limit = f"{self.max_file_bytes / MB:g} MB"
        if size is None:
            return f"the recording is larger than the {limit} limit; download stopped"
        return f"the recording is {size / MB:.1f} MB, over the {limit} limit; not downloaded"

    # --- housekeeping ------------------------------------------------------------------------

    def _prepare_folder(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(self.directory, 0o700)

    def usage(self) -> int:
        return sum(size for _, _, size in self._files())

    def evict(self, keep: set[Path] | None = None) -> list[Path]:
        """Delete the least recently used recordings until the cache fits its limit."""
        keep = keep or set()
        files = sorted(self._files(), key=lambda item: item[1])  # oldest use first
        total = sum(size for _, _, size in files)
        removed: list[Path] = []
        for path, _, size in files:
            if total <= self.max_bytes:
                break
            if path in keep:
                continue
            _unlink(path)
            total -= size
            removed.append(path)
        stale = time.time() - 24 * 3600  # a .part left by a crash
        for path in self.directory.glob("*" + _PART):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < stale:
                    path.unlink()
        return removed

    def _files(self) -> list[tuple[Path, float, int]]:
        if not self.directory.is_dir():
            return []
        out = []
        for path in self.directory.iterdir():
            if path.suffix in _EXTENSIONS:
                with contextlib.suppress(OSError):
                    st = path.stat()
                    out.append((path, max(st.st_atime, st.st_mtime), st.st_size))
        return out


def save_copy(source: Path, target: Path) -> None:
    """Save as…: a copy the agent chose to keep, so it gets normal (umask) permissions."""
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise RecordingError(f"could not save the recording to {target}: {exc.strerror}") from None


def _touch(path: Path) -> None:
    """Mark as used now: eviction goes by this, and `noatime` mounts never update atime."""
    with contextlib.suppress(OSError):
        now = time.time()
        os.utime(path, (now, now))


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _content_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _check_status(status: int) -> None:
    if status == 200:
        return
    if status == 404 or status == 410:
        raise RecordingError(f"the provider no longer has this recording (HTTP {status})")
    if status in (401, 403):
        raise RecordingError(
            f"the provider refused the download (HTTP {status}); the link may have expired"
        )
    raise RecordingError(f"the recording server answered HTTP {status}")


def _reason(exc: Exception) -> str:
    """A transport error in words, without the URL some httpx messages carry."""
    import httpx

    if isinstance(exc, httpx.ConnectError):
        return "cannot connect to the server"
    return type(exc).__name__
