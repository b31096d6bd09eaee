"""SIGTERM (a session ending) and Ctrl+C quit the real app the way Quit does, not mid-flight.

Proof that the whole shutdown ran: the exit status is 0, nothing is printed (no traceback),
the log says which signal asked, and the window's place was saved (`window.ini`, written when
the window closes), which a process killed on the spot never writes.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.running_app import Apps, running_apps

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


@pytest.fixture
def apps(tmp_path: Path, dialer_home: Path) -> Iterator[Apps]:
    yield from running_apps(tmp_path, dialer_home)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_quits_through_the_app_s_own_shutdown(
    apps: Apps, dialer_home: Path, signum: signal.Signals
) -> None:
    app = apps.start()
    apps.wait_ready(app)
    memory = dialer_home / "config" / "window.ini"
    assert not memory.exists()
    app.send_signal(signum)
    assert app.wait(15) == 0
    assert app.stderr is not None and app.stderr.read() == ""
    assert memory.is_file()
    log = (dialer_home / "state" / "logs" / "dialer.log").read_text(encoding="utf-8")
    assert f"{signum.name} received: quitting" in log
