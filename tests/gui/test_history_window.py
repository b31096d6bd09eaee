"""The history window reached from the main window: a real sandbox call shows up, the row
redials into the number box (never calls by itself), and closing the app stops its work."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, button, find, line


def test_a_placed_call_appears_in_history_and_redials_into_the_box(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    qtbot.keyClicks(line(window, "number_input"), "+91 98765 43210")
    qtbot.waitUntil(lambda: button(window, "call_button").isEnabled(), timeout=5000)
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    history = gui.services.history
    qtbot.waitUntil(
        lambda: bool(rows := history.recent(limit=1)) and rows[0].final, timeout=CALL_TIMEOUT_MS
    )

    qtbot.mouseClick(find(window, QToolButton, "open_history"), Qt.MouseButton.LeftButton)
    view = find(window, QWidget, "history_view")
    assert view.isVisible() and view.isWindow()
    sync = window.history._sync  # providers' own history is merged in on every open
    assert sync is not None
    qtbot.waitUntil(sync.done, timeout=5000)
    assert sync.exception() is None
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)  # type: ignore[attr-defined]

    line(window, "number_input").clear()
    view.redial_row(0)  # type: ignore[attr-defined]
    assert line(window, "number_input").text().replace(" ", "") == "+919876543210"
    assert len(history.recent(limit=5)) == 1  # redial filled the box; nothing was dialed


def test_history_opens_only_once_services_are_up(qtbot: QtBot) -> None:
    from dialer.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.history.open()
    assert window.findChild(QWidget, "history_view") is None
    assert "started" in window.statusBar().currentMessage()
