"""The main window around the calls: number entry, dial pad, keyboard, accounts, caller IDs,
per-call options, recent numbers and settings, against the real controller and history.

Widgets are found by objectName only: those names are the window's public contract. The calls
themselves (cards, hang-up, participants, notes) are in test_call_panel.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QSpinBox,
    QTabBar,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from dialer.domain.errors import ConfigError
from dialer.domain.models import CallSnapshot, CallStatus
from dialer.settings import Account, Settings
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import (
    CALL_TIMEOUT_MS,
    Gui,
    Recorder,
    active_timers,
    button,
    combo,
    find,
    label,
    line,
)


def with_accounts(window: MainWindow, *accounts: Account) -> Settings:
    """The window's settings plus `accounts`, applied as the settings dialog applies them."""
    assert window.settings is not None
    new = window.settings.model_copy(deep=True)
    new.accounts.extend(accounts)
    window.apply_settings(new)
    return new


def select_account(window: MainWindow, name: str) -> None:
    accounts = combo(window, "account_selector")
    accounts.setCurrentIndex(accounts.findData(name))


CLOUD = Account(
    name="cloud",
    provider="clouddialer",
    base_url="http://127.0.0.1:9",
    agent="+919800000001",
    caller_ids=["+918069000001"],
)
ALOHAA = Account(
    name="aloha",
    provider="alohaa",
    base_url="http://127.0.0.1:9",
    agent="+919800000001",
    caller_ids=["+918069000001", "+918069000002"],
)


class PrepareSpy:
    """Records what the window asks the controller for, then refuses: nothing is sent."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, number: str, **kwargs: Any) -> Any:
        self.calls.append({"number": number, **kwargs})
        raise ConfigError("stopped by the test")


# --- number entry and preview ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "e164"),
    [
        ("+91 98765-43210", "+919876543210"),
        ("098765 43210", "+919876543210"),
        ("tel:+91-98765-43210", "+919876543210"),
        ("(987) 654-3210 ext 12", "+919876543210"),
        ("+1 (415) 555-0123", "+14155550123"),
        ("+91 12345", None),
    ],
)
def test_whatever_is_pasted_is_previewed(
    gui: Gui, qtbot: QtBot, pasted: str, e164: str | None
) -> None:
    window = gui.window
    line(window, "number_input").setText(pasted)
    preview = label(window, "number_preview").text()
    if e164 is None:
        assert "invalid" in preview and "too short" in preview
        assert not button(window, "call_button").isEnabled()
        return
    if "ext" in pasted:
        assert "ext. 12 is not dialed" in preview
    if e164.startswith("+1"):
        assert "United States" in preview and f"receives {e164}" in preview
        return
    assert e164 in preview and "India" in preview and "valid mobile number" in preview
    assert "Sandbox (simulated) receives +919876543210" in preview
    assert button(window, "call_button").isEnabled()


def test_preview_shows_the_form_the_provider_receives(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    with_accounts(window, CLOUD)
    select_account(window, "cloud")
    number_input = line(window, "number_input")
    number_input.setText("+91 98765 43210")
    preview = label(window, "number_preview")
    assert "Click-to-Call API (clouddialer) receives 9876543210" in preview.text()
    assert button(window, "call_button").isEnabled()

    number_input.setText("+1 415 555 0123")  # valid, but this API dials India only
    assert "valid" in preview.text() and "not an Indian number" in preview.text()
    call_button = button(window, "call_button")
    assert not call_button.isEnabled()
    assert "cannot dial this number" in call_button.toolTip()
    assert "not an Indian number" in call_button.toolTip()

    select_account(window, "sandbox")  # the sandbox dials any country, in E.164
    assert "receives +14155550123" in preview.text()
    assert call_button.isEnabled()


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


# --- dial pad and keyboard ------------------------------------------------------------------------


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
    for name in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "star", "hash"):
        assert button(window, f"dialpad_{name}").focusPolicy() == Qt.FocusPolicy.NoFocus


def test_digits_typed_anywhere_go_to_the_number(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    number_input = line(window, "number_input")
    assert window.focusWidget() is number_input  # focused at start
    accounts = combo(window, "account_selector")
    accounts.setFocus()
    qtbot.keyClicks(accounts, "98")
    qtbot.keyClicks(window, "7")
    recent = find(window, QListView, "recent_list")
    recent.setFocus()
    qtbot.keyClicks(recent, "6")
    assert number_input.text() == "9876"
    assert accounts.currentText() == "sandbox"


def test_backspace_anywhere_edits_the_number_and_ctrl_l_returns_to_it(
    gui: Gui, qtbot: QtBot
) -> None:
    window = gui.window
    number_input = line(window, "number_input")
    qtbot.keyClicks(number_input, "98765")
    recent = find(window, QListView, "recent_list")
    recent.setFocus()
    qtbot.keyClick(recent, Qt.Key.Key_Backspace)  # the list has no use for it: the window's
    assert number_input.text() == "9876"
    window.activateWindow()
    qtbot.keyClick(recent, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is number_input and number_input.selectedText() == "9876"


def test_escape_clears_and_ctrl_enter_calls(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    number_input = line(window, "number_input")
    qtbot.keyClicks(number_input, "+91 98765 43210")
    qtbot.keyClick(number_input, Qt.Key.Key_Escape)
    assert number_input.text() == ""
    qtbot.keyClicks(number_input, "+91 98765 43210")
    window.activateWindow()
    qtbot.keyClick(number_input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen.snapshots), timeout=CALL_TIMEOUT_MS)
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)
    assert len(seen.uuids()) == 1


def tab_through(window: MainWindow, qtbot: QtBot, start: QWidget, count: int) -> list[str]:
    start.setFocus()
    names = [start.objectName()]
    for _ in range(count):
        focused = window.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        now = window.focusWidget()
        names.append(now.objectName() if now is not None else "")
    return names


def test_tab_order_follows_the_layout(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    line(window, "number_input").setText("+91 98765 43210")
    assert tab_through(window, qtbot, combo(window, "account_selector"), 8) == [
        "account_selector",
        "caller_id_selector",
        "open_history",
        "open_settings",
        "number_input",
        "call_button",
        "qt_tabwidget_tabbar",  # the side tabs' bar: Recent | Call options
        "recent_list",
        "account_selector",  # round again (the option fields are on the hidden tab)
    ]
    # A live call's card sits between the Call button and the tabs, in reading order.
    assert window.bridge is not None
    window.bridge.snapshot.emit(fake_call())
    ring = [] if window.tasks.ring_time_unavailable() else ["add_leg_ring_time"]
    # Add waits for a number and the close button for the call to end: both are skipped.
    expected = ["call_button", "hangup_button", "add_leg_input", *ring, "call_notes"]
    assert tab_through(window, qtbot, button(window, "call_button"), len(expected) - 1) == expected


def fake_call() -> CallSnapshot:
    """A ringing sandbox call as the controller would report it (never placed)."""
    return CallSnapshot(
        uuid="fake-1",
        account="sandbox",
        provider="sandbox",
        to_number="+919876543210",
        from_number="+918069000001",
        call_id="c1",
        status=CallStatus.INITIATED,
    )


def test_every_control_has_an_accessible_name(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    assert window.bridge is not None
    window.bridge.snapshot.emit(fake_call())  # a call card's controls are checked too
    kinds = (
        QAbstractButton,
        QLineEdit,
        QComboBox,
        QAbstractSpinBox,
        QPlainTextEdit,
        QAbstractItemView,
    )
    nameless = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, kinds) or widget.window() is not window:
            continue  # combo pop-ups are windows of their own, named by their combo
        if isinstance(widget.parent(), QComboBox | QSpinBox | QLineEdit | QTabBar):
            continue  # parts of a control (its editor, clear button, scroll arrows)
        name = widget.accessibleName() or (
            widget.text() if isinstance(widget, QAbstractButton) else ""
        )
        if not name.strip():
            nameless.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert nameless == []


# --- recent numbers -------------------------------------------------------------------------------


def test_recent_numbers_redial_into_the_box_without_calling(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    recent = find(window, QListView, "recent_list")
    number_input = line(window, "number_input")
    for number in ("+91 98765 40000", "+91 98765 42222"):  # busy, failed: quick endings
        number_input.setText(number)
        qtbot.waitUntil(lambda: button(window, "call_button").isEnabled(), timeout=5000)
        qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: len(seen.uuids()) >= 1 and seen.final(seen.uuids()[-1]), timeout=CALL_TIMEOUT_MS
        )
    assert window.recent_list is not None
    qtbot.waitUntil(lambda: recent.model().rowCount() == 2, timeout=5000)
    assert window.recent_list.numbers() == ["+919876542222", "+919876540000"]

    number_input.clear()
    first = recent.model().index(1, 0)
    rect = recent.visualRect(first)
    qtbot.mouseClick(recent.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(recent.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert number_input.text() == "+919876540000"
    assert window.focusWidget() is number_input

    number_input.clear()
    recent.setFocus()
    recent.setCurrentIndex(recent.model().index(0, 0))
    qtbot.keyClick(recent, Qt.Key.Key_Return)
    assert number_input.text() == "+919876542222"
    qtbot.wait(200)
    assert len(gui.services.history.recent(10)) == 2  # redial never calls by itself


# --- settings -------------------------------------------------------------------------------------


def test_settings_button_opens_the_dialog_and_saving_reloads_accounts(
    gui: Gui, qtbot: QtBot
) -> None:
    window = gui.window
    assert window.controller is not None
    gear = find(window, QToolButton, "open_settings")
    qtbot.mouseClick(gear, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QWidget, "settings_dialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5000)

    new = window.settings.model_copy(deep=True) if window.settings else None
    assert new is not None
    new.accounts.append(CLOUD)
    dialog.settings_saved.emit(new)  # type: ignore[attr-defined]
    accounts = combo(window, "account_selector")
    assert [accounts.itemText(i) for i in range(accounts.count())] == ["sandbox", "cloud"]
    assert accounts.currentText() == "sandbox"  # the shown account stays selected
    assert window.controller.settings is new
    dialog.close()
    qtbot.waitUntil(lambda: window.settings_flow.dialog is None, timeout=5000)

    window.activateWindow()
    qtbot.keyClick(
        line(window, "number_input"), Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: window.settings_flow.dialog is not None, timeout=5000)
    assert window.settings_flow.dialog is not None
    window.settings_flow.dialog.close()


# --- start-up -------------------------------------------------------------------------------------


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
    assert "read-only" in label(window, "call_panel_message").text()
    window.close()
    qtbot.waitUntil(served.done, timeout=5000)
    assert served.result() == 0
