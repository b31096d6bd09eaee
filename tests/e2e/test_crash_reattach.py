"""SIGKILL in the middle of a live call: the row survives, is marked, and is followed again.

The call is placed by a real `dialer call --wait` process against the sandbox at a slow speed,
killed with SIGKILL (no cleanup runs), then the window is started as a real process: it marks
the row INTERRUPTED (keeping the provider call id) and, holding the single-instance lock,
re-attaches and follows the call until the sandbox reports its end.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.running_app import Apps, running_apps, wait_for

NUMBER = "+91 98765 43210"


@pytest.fixture
def apps(tmp_path: Path, dialer_home: Path) -> Iterator[Apps]:
    yield from running_apps(tmp_path, dialer_home)


def _row(home: Path) -> sqlite3.Row | None:
    db = home / "data" / "history.sqlite3"
    if not db.exists():
        return None
    with sqlite3.connect(db, timeout=5) as conn:
        conn.row_factory = sqlite3.Row
        row: sqlite3.Row | None = conn.execute(
            "SELECT status, final, call_id, message FROM calls ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row


def _kill_mid_call(apps: Apps) -> None:
    env = dict(apps.env, DIALER_SANDBOX_SPEED="1.5")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dialer", "call", NUMBER, "--account", "sandbox", "--wait"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(("INITIATED", "ANSWER")):
                break
        else:
            raise AssertionError(
                f"the call never started: {proc.stderr.read() if proc.stderr else ''}"
            )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    row = _row(apps.home)
    assert row is not None and not row["final"], "the killed process left no open row"


@pytest.mark.timeout(90)
def test_cli_history_marks_the_killed_call_interrupted(apps: Apps) -> None:
    _kill_mid_call(apps)
    result = subprocess.run(
        [sys.executable, "-m", "dialer", "history", "--json"],
        env=apps.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["status"] == "INTERRUPTED"
    assert row["call_id"], "the provider call id was lost"


@pytest.mark.timeout(90)
def test_window_reattaches_and_follows_to_the_end(apps: Apps) -> None:
    _kill_mid_call(apps)
    apps.extra_env["DIALER_SANDBOX_SPEED"] = "1.5"
    proc = apps.start()
    seen: set[str] = set()

    def final() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited: {proc.stderr.read() if proc.stderr else ''}")
        row = _row(apps.home)
        if row is None:
            return False
        seen.add(row["status"])
        return bool(row["final"]) and row["status"] != "INTERRUPTED"

    wait_for(final, 40, "the re-attached call to end")
    row = _row(apps.home)
    assert row is not None
    assert "INTERRUPTED" in seen, f"never marked interrupted: {seen}"
    assert row["status"] == "ANSWER" and row["call_id"]
