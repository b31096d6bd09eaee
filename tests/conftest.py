"""Every test runs headless, with its own DIALER_HOME and a keyring that needs no desktop.

The environment is set at import time, before anything imports Qt or keyring. Set
DIALER_TEST_REAL_KEYRING=1 to leave the OS keyring selection alone (CI does, for the
`real_keyring` tests under gnome-keyring).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia.*=false")

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="dialer-tests-"))
if os.environ.get("DIALER_TEST_REAL_KEYRING") != "1":
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    # keyrings.alt keeps its file under the XDG data dir: never the developer's real one.
    os.environ["XDG_DATA_HOME"] = str(_SESSION_DIR / "xdg-data")
os.environ["DIALER_HOME"] = str(_SESSION_DIR / "home")
# The pre-dial guard holds calls outside an account's calling hours (09:00-21:00 destination
# time): a fixed instant inside them in India and the UK keeps every test off the wall clock.
os.environ.setdefault("DIALER_NOW", "2026-11-24T10:00:00+00:00")

# PySide6 6.12 on Python 3.11 leaks references to True/None on every emit; without the guard a
# long test session aborts (see dialer/ui/pyside_fix.py).
from dialer.ui import pyside_fix  # noqa: E402
from tests.support.stuck_resolver import StuckResolver  # noqa: E402

pyside_fix.install()


@pytest.fixture(autouse=True)
def dialer_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh DIALER_HOME per test; any sandbox process the test started is stopped after."""
    home = tmp_path / "dialer-home"
    monkeypatch.setenv("DIALER_HOME", str(home))
    yield home
    if (home / "state" / "sandbox" / "server.json").exists():
        from dialer.sandbox import process

        process.stop()


@pytest.fixture
def stuck_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[StuckResolver]:
    """A DNS server that never answers (`tests/support/stuck_resolver.py`); released after."""
    import socket

    resolver = StuckResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    yield resolver
    resolver.release.set()
