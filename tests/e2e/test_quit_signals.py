"""SIGTERM (a session ending), Ctrl+C and the platform's quit request (macOS's Quit and logout,
`QCoreApplication.quit()`) quit the real app the way Quit does, not mid-flight.

Proof that the whole shutdown ran: the exit status is 0, nothing is printed (no traceback),
the log says what asked, and the window's place was saved (`window.ini`, written when the
window closes), which a process killed on the spot never writes.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.running_app import Apps, app_env, running_apps
from tests.support.app_script import app_script
from tests.support.fresh_python import fresh_python

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


@pytest.fixture
def apps(tmp_path: Path, dialer_home: Path) -> Iterator[Apps]:
    yield from running_apps(tmp_path, dialer_home)


@posix_only
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


ASK_TO_QUIT = app_script(
    """
    def ask(window):
        QTimer.singleShot(300, QApplication.quit)  # what macOS's Quit reaches Qt as
        QTimer.singleShot(400, QApplication.quit)  # the agent presses Cmd+Q again


    after_paint(lambda window: once_ready(window, ask))
    run()
    """
)


def test_the_platform_s_quit_request_quits_through_the_app_s_own_shutdown(
    tmp_path: Path, dialer_home: Path
) -> None:
    """Qt's own answer left the event loop before the shutdown had run: a traceback, status 1."""
    out = fresh_python(ASK_TO_QUIT, env=app_env(dialer_home, None, TMPDIR=str(tmp_path)))
    assert out == "run returned 0\n"
    assert (dialer_home / "config" / "window.ini").is_file()
    log = (dialer_home / "state" / "logs" / "dialer.log").read_text(encoding="utf-8")
    assert log.count("the system asked to quit: quitting") == 1
