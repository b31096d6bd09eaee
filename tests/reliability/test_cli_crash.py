"""An internal error in a command-line command: a redacted report and one line, no traceback.

Each case runs `dialer` in a real process whose code has a bug planted in it (the planted
function raises, naming a registered secret), the way an unexpected exception would surface.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "sk_live_CLICRASH_0a1b2c3d4e"

_SCRIPT = f"""
import logging, sys
from dialer import cli, log
from dialer.services import calls

def planted(*args, **kwargs):
    log.register_secret({SECRET!r})  # as a provider registers its key
    logging.getLogger("dialer.test").warning("using key {SECRET}")
    raise RuntimeError("internal trouble with {SECRET}")

async def planted_async(*args, **kwargs):
    planted()

calls.CallController.place = planted_async
from dialer.commands import history
history.run = planted
sys.exit(cli.main(sys.argv[1:]))
"""


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args],
        env=dict(os.environ, DIALER_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("call", "+919876543210"), 3),  # the request may have left: "unknown", never redial
        (("history",), 1),
    ],
)
def test_internal_error_writes_a_report_and_says_where(
    dialer_home: Path, args: tuple[str, ...], code: int
) -> None:
    result = _run(dialer_home, *args)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and SECRET not in result.stderr, result.stderr
    assert SECRET not in result.stdout
    match = re.search(
        r"internal error \(RuntimeError\); a crash report was written to (\S+)", result.stderr
    )
    assert match, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    report = Path(match.group(1))
    assert report.parent == dialer_home / "state" / "crashes"
    text = report.read_text(encoding="utf-8")
    assert f"Uncaught exception in `dialer {args[0]}`" in text
    assert "Traceback" in text and "RuntimeError: internal trouble with [redacted]" in text
    assert "using key [redacted]" in text  # the log lines that led up to it
    assert SECRET not in text
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_expected_errors_still_get_their_own_message_and_no_report(dialer_home: Path) -> None:
    result = _run(dialer_home, "call", "not a number")
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr
    assert not list((dialer_home / "state" / "crashes").glob("crash-*.txt"))
