"""The crash handler, in real processes that really die: each way of dying leaves a report.

The secret is registered with the log redaction the way a provider registers its key; the
report must carry the log lines that led up to the crash but never the secret.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dialer import crash

SECRET = "sk_live_CRASHTEST_9f8e7d6c5b4a"

_PRELUDE = f"""
import logging, threading
from dialer import crash, log
log.setup(to_file=False)
crash.install()
log.register_secret({SECRET!r})
logging.getLogger("dialer.test").info("about to fail with key {SECRET}")
"""


def _die(home: Path, body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _PRELUDE + body],
        env=dict(os.environ, DIALER_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _reports(home: Path) -> list[Path]:
    return sorted((home / "state" / "crashes").glob("crash-*.txt"))


@pytest.mark.parametrize(
    ("body", "headline"),
    [
        (f"raise RuntimeError('boom {SECRET}')", "main thread"),
        (
            "t = threading.Thread(target=lambda: 1 / 0, name='poller'); t.start(); t.join()",
            "thread 'poller'",
        ),
    ],
)
def test_uncaught_exception_writes_a_redacted_report(
    dialer_home: Path, body: str, headline: str
) -> None:
    _die(dialer_home, body)
    [report] = _reports(dialer_home)
    text = report.read_text()
    assert headline in text
    assert "about to fail with key [redacted]" in text  # the ring buffer's lines
    assert SECRET not in text
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_fatal_fault_is_reported_on_the_next_start(
    dialer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _die(dialer_home, "import faulthandler; faulthandler._sigsegv()")
    assert result.returncode != 0
    assert _reports(dialer_home) == []  # faulthandler could only write its own file
    monkeypatch.setenv("DIALER_HOME", str(dialer_home))
    crash.install()
    try:
        text = crash.take_unseen()
    finally:
        crash.uninstall()
    assert text is not None and "Segmentation fault" in text
    assert crash.take_unseen() is None, "a report is shown once"


def test_clean_exit_leaves_nothing_to_show(dialer_home: Path) -> None:
    result = _die(dialer_home, "print('fine')")
    assert result.returncode == 0
    crash.install()
    try:
        assert crash.take_unseen() is None
    finally:
        crash.uninstall()
