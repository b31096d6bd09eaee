"""A corrupt or locked history gives a clear message and a way out, never a crash loop."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dialer import paths
from dialer.domain import DialerError
from dialer.services.history import HistoryStore
from dialer.services.history_repair import HistoryUnreadable, move_aside

GARBAGE = b"SQLite format 3\x00" + b"\xde\xad\xbe\xef" * 2000


def _corrupt(db: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(GARBAGE)
    Path(f"{db}-wal").write_bytes(b"stale wal")


def test_corrupt_file_names_itself_and_the_command(dialer_home: Path) -> None:
    db = paths.history_db()
    _corrupt(db)
    with pytest.raises(HistoryUnreadable) as caught:
        HistoryStore(db)
    message = str(caught.value)
    assert str(db) in message and "mv " in message
    assert db.read_bytes() == GARBAGE, "the broken file must be left untouched"
    # The printed command is the recovery path: run it as a person would.
    command = message.split("run: ", 1)[1]
    subprocess.run(["sh", "-c", command], check=True)
    with HistoryStore(db) as fresh:
        assert fresh.recent() == []
    assert Path(f"{db}.broken").read_bytes() == GARBAGE


def test_move_aside_keeps_the_old_file_and_a_fresh_history_opens(dialer_home: Path) -> None:
    db = paths.history_db()
    _corrupt(db)
    moved = move_aside(db)
    assert moved.read_bytes() == GARBAGE and not db.exists()
    assert not Path(f"{db}-wal").exists(), "a stale WAL must not be replayed into the new file"
    assert Path(f"{moved}-wal").read_bytes() == b"stale wal"
    with HistoryStore(db) as fresh:
        assert fresh.count() == 0


def test_cli_prints_the_way_out_and_exits_cleanly(dialer_home: Path) -> None:
    db = paths.history_db()
    _corrupt(db)
    for _ in range(2):  # the same answer every time: no loop, no traceback
        result = subprocess.run(
            [sys.executable, "-m", "dialer", "history"],
            env=dict(os.environ, DIALER_HOME=str(dialer_home)),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert str(db) in result.stderr and "mv " in result.stderr


@pytest.mark.timeout(30)
def test_locked_file_says_so(dialer_home: Path) -> None:
    db = paths.history_db()
    HistoryStore(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(DialerError) as caught:
            HistoryStore(db)
        assert time.monotonic() - started < 15
        assert "locked" in str(caught.value) and str(db) in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    HistoryStore(db).close()  # usable again once the other program lets go
