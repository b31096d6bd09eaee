"""Spacing requests that share an API key, across every process of the app on this machine.

Some providers limit requests per organisation (Alohaa: one click-to-call request per second),
and the window, a CLI call from a CRM script and a second window may all dial with the same key
at once. Each request reserves the next free slot in a per-key timestamp file while holding a
per-key lock file, then sleeps until its slot: the lock is held for a read and a write only, never
across the sleep, so a slow or suspended process cannot stall the others, and waiting requests
leave in the order they asked.

Neither file holds the key: both are named by a hash of it, and the timestamp file holds one
number. The clock and the sleep are injectable so tests drive time without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["Clock", "Sleep", "Spacer", "key_id"]

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

#: A reserved slot further ahead than this is a clock that jumped back, not a queue: forget it.
DEFAULT_MAX_AHEAD = 300.0

if sys.platform == "win32":
    import msvcrt

    #: msvcrt's blocking lock retries for about 10 s, then raises; a holder keeps the lock only
    #: for one read and one write, so running out of these attempts means something is stuck.
    _WINDOWS_LOCK_ATTEMPTS = 6

    def _lock(fd: int) -> None:
        for attempt in range(_WINDOWS_LOCK_ATTEMPTS):
            os.lseek(fd, 0, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                if attempt == _WINDOWS_LOCK_ATTEMPTS - 1:
                    raise

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _system_clock() -> datetime:
    return datetime.now(UTC)


def key_id(namespace: str, key: str) -> str:
    """A stable file name for a key that reveals nothing about it."""
    return hashlib.sha256(f"{namespace}\0{key}".encode()).hexdigest()[:32]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Separate opens conflict with each other (flock and msvcrt both lock per open file), so
    # this excludes other processes and other threads or event loops of this one alike.
    with open(path, "a+b") as handle:
        _lock(handle.fileno())
        try:
            yield
        finally:
            _unlock(handle.fileno())


def _read_slot(path: Path) -> float | None:
    """The last reserved slot; a missing or damaged file (a crash mid-write) means none."""
    try:
        return float(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _write_slot(path: Path, slot: float) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".slot-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(f"{slot:.6f}\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Spacer:
    """Keeps requests with one key at least `interval` seconds apart, machine-wide."""

    def __init__(
        self,
        key: str,
        *,
        namespace: str,
        interval: float,
        directory: Path | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        max_ahead: float = DEFAULT_MAX_AHEAD,
    ) -> None:
        if not interval > 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.max_ahead = max_ahead
        self._id = key_id(namespace, key)
        self._directory = directory
        self._clock: Clock = clock or _system_clock
        self._sleep: Sleep = sleep or asyncio.sleep

    def _files(self) -> tuple[Path, Path]:
        directory = self._directory
        if directory is None:
            from dialer import paths

            directory = paths.state_dir() / "ratelimit"
        directory.mkdir(parents=True, exist_ok=True)
        return directory / f"{self._id}.lock", directory / f"{self._id}.slot"

    def reserve(self) -> float:
        """Take the next free slot; returns the seconds to wait before sending (0: now)."""
        lock_file, slot_file = self._files()
        with _locked(lock_file):
            now = self._clock().timestamp()
            last = _read_slot(slot_file)
            if last is None or last > now + self.max_ahead:
                slot = now
            else:
                slot = max(now, last + self.interval)
            _write_slot(slot_file, slot)
        return slot - now

    async def wait(self, on_wait: Callable[[float], None] | None = None) -> float:
        """Reserve a slot and sleep until it; `on_wait(seconds)` hears of a wait before it starts.

        Returns the seconds waited. The slot is taken even if the caller is cancelled while
        waiting: the others then just keep a one-interval gap, which is harmless.
        """
        delay = self.reserve()
        if delay > 0:
            if on_wait is not None:
                on_wait(delay)
            await self._sleep(delay)
        return delay
