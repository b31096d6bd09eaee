"""Owner locks on Windows, proven here with a stand-in for `msvcrt` that keeps Windows' rules.

The stand-in behaves like byte-range locks do: a range one handle holds cannot be locked through
another handle, even in the same process, and a dead process's locks vanish. Recovery's logic
then runs unchanged on top of it, as it would on Windows.
"""

from __future__ import annotations

import os
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialer import paths
from dialer.domain import CallSnapshot, CallStatus
from dialer.services import owner_locks, recovery
from dialer.services.history import HistoryStore


class FakeMsvcrt(types.ModuleType):
    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4

    def __init__(self) -> None:
        super().__init__("msvcrt")
        #: (device, inode, offset, length) -> the fd holding it
        self.held: dict[tuple[int, int, int, int], int] = {}
        self.calls: list[tuple[int, int, int]] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        self.calls.append((mode, offset, nbytes))
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino, offset, nbytes)
        holder = self.held.get(key)
        if mode == self.LK_UNLCK:
            if holder != fd:
                raise PermissionError(13, "Permission denied")
            del self.held[key]
        elif mode == self.LK_NBLCK:
            if holder is not None:
                raise PermissionError(36, "Resource deadlock avoided")
            self.held[key] = fd
        else:
            raise AssertionError(f"recovery must not use mode {mode}")

    def die(self, fd: int) -> None:
        """What Windows does when the holding process ends: its locks are gone."""
        self.held = {k: v for k, v in self.held.items() if v != fd}


@pytest.fixture
def fake_msvcrt(monkeypatch: pytest.MonkeyPatch) -> FakeMsvcrt:
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    return fake


def _open_row(history: HistoryStore, uuid: str) -> CallSnapshot:
    snapshot = CallSnapshot(
        uuid=uuid,
        account="sandbox",
        provider="sandbox",
        to_number="+919876543210",
        call_id=f"call-{uuid}",
        status=CallStatus.ANSWER,
        started_at=datetime.now(UTC),
    )
    history.record(snapshot)
    return snapshot


def test_each_platform_gets_its_own_lock(
    fake_msvcrt: FakeMsvcrt, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(owner_locks.select("win32"), owner_locks.MsvcrtLocks)
    assert isinstance(owner_locks.select("linux"), owner_locks.FlockLocks)
    assert isinstance(owner_locks.select("darwin"), owner_locks.FlockLocks)
    monkeypatch.setitem(sys.modules, "msvcrt", None)  # `import msvcrt` now fails
    assert owner_locks.select("win32") is None
    monkeypatch.setitem(sys.modules, "fcntl", None)
    assert owner_locks.select("linux") is None


def test_probe_says_free_only_when_no_one_holds_the_byte(
    fake_msvcrt: FakeMsvcrt, tmp_path: Path
) -> None:
    locks = owner_locks.MsvcrtLocks(fake_msvcrt)
    path = tmp_path / "1.lock"
    owner = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    probe = os.open(path, os.O_RDONLY)
    try:
        locks.hold(owner)
        assert not locks.is_free(probe)
        os.write(owner, b"uuid-1\n")  # O_APPEND: the claim lands at the start, not at 1 GiB
        assert path.read_text() == "uuid-1\n"
        locks.release(owner)
        assert locks.is_free(probe)
    finally:
        os.close(owner)
        os.close(probe)
    offsets = {(offset, nbytes) for _, offset, nbytes in fake_msvcrt.calls}
    assert offsets == {(owner_locks.WINDOWS_LOCK_OFFSET, 1)}
    modes = [mode for mode, _, _ in fake_msvcrt.calls]
    assert set(modes) == {FakeMsvcrt.LK_NBLCK, FakeMsvcrt.LK_UNLCK}, "never a blocking lock"


def test_recovery_on_windows_locks_keeps_live_claims_and_marks_dead_ones(
    fake_msvcrt: FakeMsvcrt, monkeypatch: pytest.MonkeyPatch, dialer_home: Path
) -> None:
    monkeypatch.setattr(recovery, "LOCKS", owner_locks.MsvcrtLocks(fake_msvcrt))
    history = HistoryStore(paths.history_db())
    owner = recovery.OwnerFile()
    try:
        owner(_open_row(history, "followed"))
        _open_row(history, "abandoned")
        left = recovery.mark_interrupted(history)
        assert [e.uuid for e in left] == ["abandoned"], "the live owner's claim was read"
        assert owner.path.exists()

        fake_msvcrt.die(owner._fd)
        assert [e.uuid for e in recovery.mark_interrupted(history)] == ["followed"]
        assert not owner.path.exists(), "a dead owner's file is removed"
    finally:
        owner.close()
        history.close()


def test_clean_close_releases_and_removes_the_owner_file(
    fake_msvcrt: FakeMsvcrt, monkeypatch: pytest.MonkeyPatch, dialer_home: Path
) -> None:
    monkeypatch.setattr(recovery, "LOCKS", owner_locks.MsvcrtLocks(fake_msvcrt))
    owner = recovery.OwnerFile()
    owner.close()
    assert fake_msvcrt.held == {}
    assert list(recovery.owners_dir().glob("*.lock")) == []
