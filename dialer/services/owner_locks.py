"""The lock that says "this process is alive": flock on POSIX, msvcrt.locking on Windows.

Crash recovery (`dialer.services.recovery`) needs one property from the OS: a lock held by a
process is dropped when that process dies, however it dies. POSIX `flock` and Windows byte-range
locks both give it, through different calls; this module puts both behind one small interface
so recovery's logic is the same on every platform.

Windows locks are mandatory: a locked range cannot be read through another handle, and the
owner file's claims must stay readable by the process probing it. So the Windows lock covers
one byte far past anything an owner file holds (`WINDOWS_LOCK_OFFSET`), never its text.
Locking past the end of a file is allowed there.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Protocol

#: Where the Windows lock sits: past any owner file's text (a line per call), within the
#: 32-bit offsets `msvcrt.locking` can reach.
WINDOWS_LOCK_OFFSET = 1 << 30


class OwnerLocks(Protocol):
    def hold(self, fd: int) -> None:
        """Take the lock for this process's own owner file (nobody else can hold it yet)."""

    def is_free(self, fd: int) -> bool:
        """Try the lock without waiting: True (and taken) if no live process holds it."""

    def release(self, fd: int) -> None:
        """Give the lock back before a clean close."""


class FlockLocks:
    """POSIX: an exclusive `flock` on the whole file."""

    def __init__(self, fcntl: ModuleType) -> None:
        self._fcntl = fcntl

    def hold(self, fd: int) -> None:
        self._fcntl.flock(fd, self._fcntl.LOCK_EX)

    def is_free(self, fd: int) -> bool:
        try:
            self._fcntl.flock(fd, self._fcntl.LOCK_EX | self._fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self, fd: int) -> None:
        self._fcntl.flock(fd, self._fcntl.LOCK_UN)


class MsvcrtLocks:
    """Windows: `msvcrt.locking` on one byte at WINDOWS_LOCK_OFFSET.

    `locking` starts at the file position, so each call seeks there first; the owner file is
    opened with O_APPEND, so its writes still go to the end.
    """

    def __init__(self, msvcrt: ModuleType) -> None:
        self._msvcrt = msvcrt

    def _lock(self, fd: int, mode: int) -> None:
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        self._msvcrt.locking(fd, mode, 1)

    def hold(self, fd: int) -> None:
        # Non-blocking even here: LK_LOCK would retry for ten seconds on a file that, being
        # named after this process, no one else should hold.
        self._lock(fd, self._msvcrt.LK_NBLCK)

    def is_free(self, fd: int) -> bool:
        try:
            self._lock(fd, self._msvcrt.LK_NBLCK)
        except OSError:  # Windows reports a held range as a permission/lock violation
            return False
        return True

    def release(self, fd: int) -> None:
        self._lock(fd, self._msvcrt.LK_UNLCK)


def select(platform: str = sys.platform) -> OwnerLocks | None:
    """The locks this platform offers; None where there are none (every row then counts as
    left behind, as before owner files existed)."""
    if platform == "win32":
        try:
            import msvcrt
        except ImportError:
            return None
        return MsvcrtLocks(msvcrt)
    try:
        import fcntl
    except ImportError:
        return None
    return FlockLocks(fcntl)
