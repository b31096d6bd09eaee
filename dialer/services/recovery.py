"""After a crash: mark the calls a dead process was following, and hand them back to be followed.

History is written ahead (`dialer.services.history`), so a process killed mid-call leaves its
row non-final. The next start must tell "left behind by a dead process" from "followed right
now by another live process" (a `dialer call --wait` in a terminal next to the window): every
process that follows calls holds an exclusive lock on its own owner file listing their uuids
(`owner_locks`: flock on POSIX, msvcrt.locking on Windows). The OS drops the lock when the
process dies, however it dies (SIGKILL included), so a lock that can be taken means its owner is
gone. Rows no live owner claims are marked
INTERRUPTED, their provider call ids kept, and returned so a caller holding the single-instance
lock can re-attach to those whose provider reports live status.

Where the platform has neither lock, no file is claimed and every unfinished row counts as left
behind, which is the old behaviour. Qt-free, stdlib only.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from dialer.domain.models import CallSnapshot, CallStatus
from dialer.services import owner_locks

if TYPE_CHECKING:
    from dialer.services.history import HistoryEntry, HistoryStore
    from dialer.services.owner_locks import OwnerLocks

#: This platform's locks (None: none), chosen once; tests swap in a fake Windows one.
LOCKS: OwnerLocks | None = owner_locks.select()

INTERRUPTED_MESSAGE = "the app stopped while following this call"


def owners_dir() -> Path:
    from dialer import paths

    folder = paths.state_dir() / "owners"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


class OwnerFile:
    """This process's claim on the calls it follows; a CallController listener keeps it current.

    Appends happen on the thread that emits (one short write per call, not per update); the
    file is never rewritten, so a crash mid-write loses at most the line being written.
    `before_history` makes CallController run it before each history write, so a row is
    claimed from the moment it exists.
    """

    before_history: ClassVar[bool] = True

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or owners_dir()) / f"{os.getpid()}.lock"
        self._locks = LOCKS
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if self._locks is not None:
            try:
                self._locks.hold(self._fd)
            except OSError:
                os.close(self._fd)
                raise
        self._claimed: set[str] = set()

    def __call__(self, snapshot: CallSnapshot) -> None:
        if not snapshot.final and snapshot.uuid not in self._claimed and self._fd >= 0:
            self._claimed.add(snapshot.uuid)
            os.write(self._fd, f"{snapshot.uuid}\n".encode())

    def close(self) -> None:
        """A clean exit removes the claim; a crash leaves the file for the next start."""
        if self._fd < 0:
            return
        if self._locks is not None:
            with contextlib.suppress(OSError):
                self._locks.release(self._fd)
        os.close(self._fd)  # before unlinking: Windows cannot delete an open file
        self._fd = -1
        with contextlib.suppress(OSError):
            self.path.unlink()


def _claimed_by_live_owners(folder: Path, locks: OwnerLocks | None) -> set[str]:
    claimed: set[str] = set()
    if locks is None:
        return claimed
    for path in folder.glob("*.lock"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            alive = not locks.is_free(fd)
            if alive:  # this process included: its calls are followed
                os.lseek(fd, 0, os.SEEK_SET)
                with os.fdopen(os.dup(fd), encoding="utf-8", errors="replace") as text:
                    claimed.update(line.strip() for line in text if line.strip())
        finally:
            os.close(fd)
        if not alive:
            with contextlib.suppress(OSError):
                path.unlink()  # its owner died; the rows it claimed are marked below
    return claimed


def mark_interrupted(history: HistoryStore, folder: Path | None = None) -> list[HistoryEntry]:
    """Mark rows left non-final by dead processes; returns them as they were before marking."""
    claimed = _claimed_by_live_owners(folder or owners_dir(), LOCKS)
    left: list[HistoryEntry] = []
    for entry in history.unfinished():
        if entry.uuid in claimed or entry.source != "app":
            continue
        history.record(
            snapshot_of(entry).model_copy(
                update={
                    "status": CallStatus.INTERRUPTED,
                    "final": True,
                    "message": INTERRUPTED_MESSAGE,
                }
            )
        )
        left.append(entry)
    return left


def snapshot_of(entry: HistoryEntry) -> CallSnapshot:
    """The last known observation of a call, rebuilt from its row to resume following it."""
    return entry.to_snapshot(final=False, message="re-attached after the app stopped")


def can_reattach(entry: HistoryEntry) -> bool:
    """Only a call the provider knows (a call id) on a provider that reports live status."""
    if not entry.call_id:
        return False
    from dialer.providers import registry

    try:
        return registry.get(entry.provider).capabilities.live_status
    except Exception:  # an unknown provider (removed plugin): nothing to follow
        return False
