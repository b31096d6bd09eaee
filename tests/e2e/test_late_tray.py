"""A tray that comes up after the app (a login's autostart racing the panel) still gets the
icon: the real app on a real X server (Xvfb), XEmbed tray host started once the app is up
(`tests/support/fake_tray.py`)."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.running_app import app_env
from tests.support.app_script import app_script

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or shutil.which("xvfb-run") is None
    or ctypes.util.find_library("X11") is None,
    reason="needs Xvfb (xvfb-run) and libX11",
)

FAKE_TRAY = Path(__file__).resolve().parents[1] / "support" / "fake_tray.py"

LATE_TRAY = app_script(
    """
    import subprocess, sys, threading

    host = []
    said = []  # the tray host's lines


    def up(window):
        desk = desktop(window)
        print("tray before the host:", desk.tray.visible, desk.state()["tray"], flush=True)
        host.append(subprocess.Popen([sys.executable, FAKE], stdout=subprocess.PIPE, text=True))
        threading.Thread(target=lambda: said.extend(host[0].stdout), daemon=True).start()
        docked(window, 200)


    def docked(window, tries):
        if not any(line.startswith("dock request") for line in said) and tries:
            QTimer.singleShot(50, lambda: docked(window, tries - 1))
            return
        desk = desktop(window)
        print("host:", [line.split()[0] for line in said], flush=True)
        print("tray after the host:", desk.tray.visible, desk.state()["tray"], flush=True)
        QApplication.quit()


    after_paint(lambda window: once_ready(window, up))
    run()
    host[0].terminate()
    """
)


def test_an_icon_shown_before_any_tray_is_docked_when_one_comes_up(
    tmp_path: Path, dialer_home: Path
) -> None:
    env = app_env(dialer_home, None, TMPDIR=str(tmp_path), QT_QPA_PLATFORM="xcb")
    for var in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):  # no D-Bus tray: the X11 one alone
        env.pop(var, None)
    result = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-c", f"FAKE = {str(FAKE_TRAY)!r}\n" + LATE_TRAY],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "tray before the host: False False",
        "host: ['tray', 'dock']",  # up, then the app's icon asked to be docked
        "tray after the host: True True",
        "run returned 0",
    ], result.stderr
