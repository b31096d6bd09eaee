"""Screenshots for review: the main window idle and during calls, at 100 % and 200 % scale.

PNGs go to `$DIALER_SCREENSHOT_DIR`, else `<repo>/build/screenshots/` (git-ignored); the paths
are printed (`pytest -s` shows them). Besides writing them, each test checks that the shot is
a real picture of the window (right size, not blank), so a broken grab fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QSpinBox, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

import dialer
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, Recorder, button, card_of, find, line

ROOT = Path(dialer.__file__).resolve().parent.parent


def shot_dir() -> Path:
    folder = Path(os.environ.get("DIALER_SCREENSHOT_DIR") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(widget: QWidget, name: str) -> Path:
    for _ in range(3):  # pending layout requests: a grown label gets its room before the grab
        QApplication.processEvents()
    path = shot_dir() / name
    assert widget.grab().save(str(path)), f"could not write {path}"
    print(f"screenshot: {path}")
    check_picture(path, widget.width(), widget.height())
    return path


def check_picture(path: Path, width: int, height: int, scale: float = 1.0) -> None:
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (round(width * scale), round(height * scale))
    # Not blank: a grab of an unpainted window is one flat colour, a painted one has text
    # (anti-aliased: many shades).
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50


def test_main_window_idle(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    window.resize(1040, 700)
    qtbot.keyClicks(line(window, "number_input"), "+91 98765 43210")
    qtbot.waitUntil(lambda: button(window, "call_button").isEnabled(), timeout=5000)
    save(window, "main-window-idle.png")
    tabs = find(window, QTabWidget, "side_tabs")
    tabs.setCurrentIndex(1)
    find(window, QSpinBox, "field_max_ring_time").setValue(45)
    save(window, "main-window-call-options.png")


def test_main_window_during_calls(gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slow simulated time: the connected state lasts seconds, long enough to be photographed.
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "4")
    window = gui.window
    window.resize(1060, 980)  # room for both cards
    seen = Recorder(window)
    number_input = line(window, "number_input")
    number_input.setText("+91 98765 40000")  # busy
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(s.final for s in seen.snapshots), timeout=CALL_TIMEOUT_MS)
    busy = card_of(window, seen.snapshots[-1].uuid)
    busy.notes.setPlainText("Line busy, try after lunch")
    busy.disposition.setCurrentText("Call back")

    number_input.setText("+91 98765 43210")
    qtbot.waitUntil(lambda: button(window, "call_button").isEnabled(), timeout=5000)
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(s.status == "ANSWER" and not s.final for s in seen.snapshots),
        timeout=CALL_TIMEOUT_MS,
    )
    live = card_of(window, seen.snapshots[-1].uuid)
    live.notes.setPlainText("Asked about the renewal price")
    qtbot.wait(1100)  # let the talk timer show a second or so
    save(window, "main-window-call.png")
    assert live.ticking


def test_main_window_at_200_percent(tmp_path: Path) -> None:
    """A fresh process with QT_SCALE_FACTOR=2: nothing may clip or overlap at that scale."""
    target = shot_dir() / "main-window-idle-200.png"
    code = textwrap.dedent(
        f"""
        from PySide6.QtWidgets import QApplication
        from dialer.ui import style
        from dialer.ui.main_window import MainWindow

        app = QApplication([])
        style.apply(app)
        window = MainWindow("+91 98765 43210")
        window.resize(1040, 700)
        window.show()
        for _ in range(5):
            app.processEvents()
        window._finish_setup()
        app.processEvents()
        print(window.width(), window.height())
        assert window.grab().save({str(target)!r})
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_SCALE_FACTOR": "2",
            "DIALER_HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=40,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    width, height = (int(v) for v in result.stdout.split())
    print(f"screenshot: {target}")
    check_picture(target, width, height, scale=2.0)


def test_shots_need_no_services(qtbot: QtBot) -> None:
    """The window before services (what the first paint shows) grabs too."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.painted, timeout=5000)
    save(window, "main-window-starting.png")
