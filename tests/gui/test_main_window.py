"""The main window against the real controller, history store and sandbox process.

Widgets are found by objectName only: those names are the window's public contract.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from dialer.domain.models import CallSnapshot
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import Gui

CALL_TIMEOUT_MS = 20000


def find(window: QWidget, cls: type[QWidget], name: str) -> QWidget:
    widget = window.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def line(window: QWidget, name: str) -> QLineEdit:
    widget = find(window, QLineEdit, name)
    assert isinstance(widget, QLineEdit)
    return widget


def label(window: QWidget, name: str) -> QLabel:
    widget = find(window, QLabel, name)
    assert isinstance(widget, QLabel)
    return widget


def button(window: QWidget, name: str) -> QPushButton:
    widget = find(window, QPushButton, name)
    assert isinstance(widget, QPushButton)
    return widget


def legs_texts(window: QWidget) -> list[str]:
    legs = find(window, QListWidget, "call_legs")
    assert isinstance(legs, QListWidget)
    return [legs.item(i).text() for i in range(legs.count())]


def active_timers(window: MainWindow) -> list[QTimer]:
    """Timers running in the window's content: an idle window must have none (the status bar's
    own message timeout, outside the content, stops itself)."""
    content = window.centralWidget()
    assert content is not None
    return [t for t in content.findChildren(QTimer) if t.isActive()]


class Recorder:
    """What the panel showed after each snapshot (connected after the window's own slot)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.snapshots: list[CallSnapshot] = []
        self.statuses: list[str] = []
        self.legs: list[list[str]] = []
        self.ticking: list[bool] = []
        assert window.bridge is not None
        window.bridge.snapshot.connect(self._seen)

    def _seen(self, snapshot: CallSnapshot) -> None:
        self.snapshots.append(snapshot)
        self.statuses.append(label(self.window, "call_status").text())
        self.legs.append(legs_texts(self.window))
        self.ticking.append(self.window.call_panel.ticking)

    def final(self) -> bool:
        return bool(self.snapshots) and self.snapshots[-1].final


def test_call_end_to_end_through_the_sandbox(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    number_input = line(window, "number_input")
    call_button = button(window, "call_button")
    assert active_timers(window) == []

    qtbot.keyClicks(number_input, "+91 98765 43210")
    preview = label(window, "number_preview").text()
    assert "+919876543210" in preview and "India" in preview and "valid" in preview
    assert call_button.isEnabled()

    qtbot.mouseClick(call_button, Qt.MouseButton.LeftButton)
    assert not call_button.isEnabled()  # disabled at once, before any network reply

    qtbot.waitUntil(
        lambda: any(s.status == "ANSWER" and not s.final for s in seen.snapshots),
        timeout=CALL_TIMEOUT_MS,
    )
    connected = next(i for i, s in enumerate(seen.snapshots) if s.status == "ANSWER")
    assert "Connected" in seen.statuses[connected] and "ANSWER" in seen.statuses[connected]
    assert seen.ticking[connected], "the talk timer runs while connected"
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)

    final_status = label(window, "call_status").text()
    assert "ended" in final_status and "ANSWER" in final_status
    assert label(window, "call_timer").text() == "00:08"  # the sandbox talks 8 s
    assert seen.statuses[0].startswith("Placing")
    both = [legs for legs in seen.legs if len(legs) == 2]
    assert both, f"never showed both legs: {seen.legs}"
    assert any("agent" in text for text in both[-1]) and any("Customer" in t for t in both[-1])
    assert not button(window, "hangup_button").isEnabled()
    assert call_button.isEnabled()
    assert active_timers(window) == [], "no timer may run once the call is over"

    rows = gui.services.history.recent(10)
    assert len(rows) == 1
    assert rows[0].status == "ANSWER" and rows[0].to_number == "+919876543210"
    assert rows[0].final


def test_hangup_while_ringing_cancels(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slower simulated time (read when the first call starts the sandbox) leaves seconds, not
    # fractions of one, between the hang-up becoming possible and the ringing running out.
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "5")
    window = gui.window
    seen = Recorder(window)
    hangup = button(window, "hangup_button")
    assert not hangup.isEnabled() and hangup.toolTip()

    # A customer number ending 1111 rings for a long while in the sandbox.
    line(window, "number_input").setText("+91 98765 41111")
    line(window, "number_input").setFocus()
    qtbot.keyClick(line(window, "number_input"), Qt.Key.Key_Return)  # Enter places the call
    qtbot.waitUntil(hangup.isEnabled, timeout=CALL_TIMEOUT_MS)
    assert seen.snapshots[-1].status == "INITIATED"
    qtbot.mouseClick(hangup, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)

    assert seen.snapshots[-1].status == "CANCELED"
    assert "CANCELED" in label(window, "call_status").text()
    assert gui.services.history.recent(10)[0].status == "CANCELED"


def test_double_click_places_one_call(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    call_button = button(window, "call_button")
    qtbot.keyClicks(line(window, "number_input"), "9876543210")
    qtbot.mouseDClick(call_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(call_button, Qt.MouseButton.LeftButton)
    window.request_call()  # even a direct second request is refused while one is running
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)

    assert len({s.uuid for s in seen.snapshots}) == 1
    assert len(gui.services.history.recent(10)) == 1


def test_dialpad_edits_the_number(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    number_input = line(window, "number_input")
    for name in ("9", "8", "7", "star", "hash", "0"):
        qtbot.mouseClick(button(window, f"dialpad_{name}"), Qt.MouseButton.LeftButton)
    assert number_input.text() == "987*#0"
    qtbot.mouseClick(button(window, "dialpad_backspace"), Qt.MouseButton.LeftButton)
    assert number_input.text() == "987*#"
    qtbot.mouseClick(button(window, "dialpad_clear"), Qt.MouseButton.LeftButton)
    assert number_input.text() == ""
    for name in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"):
        assert button(window, f"dialpad_{name}").focusPolicy() == Qt.FocusPolicy.NoFocus


def test_digits_typed_anywhere_go_to_the_number(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    number_input = line(window, "number_input")
    assert window.focusWidget() is number_input  # focused at start
    accounts = find(window, QComboBox, "account_selector")
    assert isinstance(accounts, QComboBox)
    accounts.setFocus()
    qtbot.keyClicks(accounts, "98")
    qtbot.keyClicks(window, "7")
    assert number_input.text() == "987"
    assert accounts.currentText() == "sandbox"


def test_invalid_number_disables_call_with_the_reason(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    call_button = button(window, "call_button")
    assert not call_button.isEnabled()  # nothing typed yet
    qtbot.keyClicks(line(window, "number_input"), "12345")
    assert not call_button.isEnabled()
    assert "too short" in call_button.toolTip()
    preview = label(window, "number_preview").text()
    assert "invalid" in preview and "too short" in preview
    qtbot.keyClick(line(window, "number_input"), Qt.Key.Key_Return)
    assert gui.services.history.recent(10) == []  # Enter did not place it either


def test_caller_id_choice_is_remembered_per_account(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    accounts = find(window, QComboBox, "account_selector")
    caller_ids = find(window, QComboBox, "caller_id_selector")
    assert isinstance(accounts, QComboBox) and isinstance(caller_ids, QComboBox)
    assert accounts.currentText() == "sandbox"
    assert caller_ids.count() == 2 and caller_ids.isEnabled()
    assert caller_ids.currentText() == "+918069000001"

    caller_ids.setCurrentIndex(1)
    caller_ids.activated.emit(1)  # what a user's pick emits
    task = window._save_task
    assert task is not None
    qtbot.waitUntil(task.done, timeout=5000)
    from dialer import paths

    saved = json.loads(paths.settings_file().read_text(encoding="utf-8"))
    assert saved["preferences"]["last_caller_id"] == {"sandbox": "+918069000002"}

    again = MainWindow()
    qtbot.addWidget(again)
    assert gui.window.settings is not None
    again.picker.set_settings(gui.window.settings)
    assert again.picker.current_caller_id() == "+918069000002"


def test_errors_read_as_text_not_tracebacks(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    # The sandbox refuses to queue a call to a number ending 5020 (a documented error code).
    qtbot.keyClicks(line(window, "number_input"), "+91 98765 45020")
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window._dial_task is None, timeout=5000)

    message = label(window, "call_message").text()
    assert message and "Traceback" not in message
    assert "FAILED" in label(window, "call_status").text()
    assert window.statusBar().currentMessage() == message
    assert button(window, "call_button").isEnabled()


def test_window_paints_before_services(qtbot: QtBot) -> None:
    window = MainWindow("tel:+91-98765-43210")
    qtbot.addWidget(window)
    painted: list[bool] = []
    window.first_painted.connect(lambda: painted.append(True))
    window.show()
    qtbot.waitUntil(lambda: painted == [True], timeout=5000)
    assert line(window, "number_input").text() == "tel:+91-98765-43210"
    call_button = button(window, "call_button")
    assert not call_button.isEnabled() and "starting" in call_button.toolTip()
    assert active_timers(window) == []


def test_services_that_fail_to_start_are_explained_in_the_window(
    qtbot: QtBot,
    qasync_loop: object,
    sandbox_env: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dialer import app, paths

    def unwritable() -> Path:
        raise PermissionError("data folder is read-only")

    monkeypatch.setattr(paths, "history_db", unwritable)
    window = MainWindow("+919876543210")
    qtbot.addWidget(window)
    window.show()
    served = asyncio.ensure_future(app._serve(window))
    call_button = button(window, "call_button")
    qtbot.waitUntil(lambda: call_button.text() == "Unavailable", timeout=15000)
    assert not call_button.isEnabled()
    assert "read-only" in call_button.toolTip()
    assert "read-only" in label(window, "call_message").text()
    window.close()
    qtbot.waitUntil(served.done, timeout=5000)
    assert served.result() == 0
