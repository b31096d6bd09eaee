"""The pre-dial guard in the window: the preview tells what will happen, the Call button
refuses do-not-call numbers with the reason, and calls outside calling hours or to premium-rate
numbers nobody looked at ask first. The clock is DIALER_NOW, never the wall clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from dialer import dnc
from dialer.settings import Account
from dialer.ui.guard_view import GuardView
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import Gui, button, find, label, line
from tests.gui.test_main_window import PrepareSpy, select_account, with_accounts

#: 16:00 UTC: 21:30 in India, after the regulator's 09:00-21:00.
EVENING = "2026-11-24T16:00:00+00:00"
CLOUD = Account(
    name="cloud",
    provider="clouddialer",
    base_url="http://127.0.0.1:9",
    agent="+919800000001",
    caller_ids=["+918069000001"],
)


def guard_of(window: MainWindow) -> GuardView:
    view = window.guard_view
    assert view is not None
    return view


def spy_on_prepare(gui: Gui, monkeypatch: pytest.MonkeyPatch) -> PrepareSpy:
    spy = PrepareSpy()
    assert gui.window.controller is not None
    monkeypatch.setattr(gui.window.controller, "prepare", spy)
    return spy


def dialog(qtbot: QtBot, window: MainWindow, name: str) -> QMessageBox:
    """The visible question named `name` (an answered one may linger until deleted)."""

    def shown() -> list[QMessageBox]:
        return [b for b in window.findChildren(QMessageBox, name) if b.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1, timeout=5000)
    return shown()[0]


def dialog_gone(window: MainWindow) -> bool:
    return all(not box.isVisible() for box in window.findChildren(QMessageBox))


def test_preview_tells_type_place_local_time_and_provider_form(gui: Gui) -> None:
    window = gui.window
    line(window, "number_input").setText("(080) 2345 6789")
    preview = label(window, "number_preview").text()
    assert "+918023456789" in preview and "valid fixed line number" in preview
    assert "Sandbox (simulated) receives +918023456789" in preview
    assert "Bangalore, Karnataka  ·  local time 15:30 Asia/Kolkata" in preview

    line(window, "number_input").setText("+1 800 555 0100")  # one prefix, many zones
    assert "across 42 time zones" in label(window, "number_preview").text()


def test_the_preview_follows_the_clock(gui: Gui, monkeypatch: pytest.MonkeyPatch) -> None:
    window = gui.window
    line(window, "number_input").setText("9876543210")
    assert "15:30 Asia/Kolkata" in label(window, "number_preview").text()
    monkeypatch.setenv("DIALER_NOW", "2026-11-24T10:05:00+00:00")
    guard_of(window)._tick()  # what the refresh timer does every 30 s
    assert "15:35 Asia/Kolkata" in label(window, "number_preview").text()


def test_do_not_call_disables_call_with_the_reason(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    view = guard_of(window)
    qtbot.waitUntil(lambda: view._dnc is not None, timeout=5000)
    with dnc.DncList() as listed:  # as `dialer dnc import` would, while the window is open
        listed.add("+91 98765 43210", "asked not to be called")
    view.reload_dnc()
    call_button = button(window, "call_button")
    number_input = line(window, "number_input")
    number_input.setText("098765 43210")
    qtbot.waitUntil(lambda: not call_button.isEnabled(), timeout=5000)
    assert "+919876543210 is on the do-not-call list (asked not to be called)" in (
        call_button.toolTip()
    )
    preview = label(window, "number_preview")
    assert preview.text().startswith("✗  +919876543210")
    assert "✗  On the do-not-call list: asked not to be called" in preview.text()
    assert "+919876543210 is on the do-not-call list (asked not" in preview.toolTip()
    spy = spy_on_prepare(gui, monkeypatch)
    qtbot.keyClick(number_input, Qt.Key.Key_Return)
    window.request_call()
    assert spy.calls == []
    number_input.setText("098765 43211")
    assert call_button.isEnabled()


def test_outside_calling_hours_asks_first(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    monkeypatch.setenv("DIALER_NOW", EVENING)
    with_accounts(window, CLOUD)
    select_account(window, "cloud")
    line(window, "number_input").setText("9876543210")
    preview = label(window, "number_preview")
    assert (
        "Local time 21:30 Asia/Kolkata  ·  ⚠ outside calling hours (09:00–21:00)" in preview.text()
    )
    assert "Outside calling hours: it is 21:30 in India (Asia/Kolkata)" in preview.toolTip()
    call_button = button(window, "call_button")
    assert call_button.isEnabled()  # it asks; it does not refuse
    spy = spy_on_prepare(gui, monkeypatch)

    call_button.click()
    box = dialog(qtbot, window, "calling_hours_confirm")
    assert box.informativeText() == (
        "It is 21:30 in India (Asia/Kolkata).\n"
        "Account 'cloud' calls only 09:00–21:00, the called person's local time."
    )
    assert box.defaultButton() is find(box, QPushButton, "cancel_call")
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter out of habit: the default is not to call
    qtbot.waitUntil(lambda: dialog_gone(window), timeout=5000)
    assert spy.calls == []

    call_button.click()
    box = dialog(qtbot, window, "calling_hours_confirm")
    find(box, QPushButton, "confirm_call").click()
    qtbot.waitUntil(lambda: len(spy.calls) == 1, timeout=5000)
    assert spy.calls[0]["number"] == "9876543210" and spy.calls[0]["account"] == "cloud"


def test_inside_calling_hours_calls_at_once(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    with_accounts(window, CLOUD)
    select_account(window, "cloud")
    line(window, "number_input").setText("9876543210")
    spy = spy_on_prepare(gui, monkeypatch)
    button(window, "call_button").click()
    qtbot.waitUntil(lambda: len(spy.calls) == 1, timeout=5000)
    assert dialog_gone(window)


def test_pasted_premium_number_asks_typed_does_not(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    spy = spy_on_prepare(gui, monkeypatch)
    number_input = line(window, "number_input")
    QGuiApplication.clipboard().setText("+44 909 879 0000")
    number_input.setFocus()
    number_input.paste()
    assert guard_of(window).source == "clipboard"
    preview = label(window, "number_preview")
    assert "⚠  Premium-rate number from the clipboard: Call asks first" in preview.text()
    button(window, "call_button").click()
    box = dialog(qtbot, window, "premium_confirm")
    assert "was pasted" in box.informativeText()
    find(box, QPushButton, "cancel_call").click()
    qtbot.waitUntil(lambda: dialog_gone(window), timeout=5000)
    assert spy.calls == []

    number_input.clear()
    qtbot.keyClicks(number_input, "+449098790000")
    assert guard_of(window).source == "typed"
    assert "⚠  Premium-rate number: charged at a premium" in preview.text()
    button(window, "call_button").click()
    qtbot.waitUntil(lambda: len(spy.calls) == 1, timeout=5000)
    assert dialog_gone(window)


def test_a_number_set_from_outside_counts_as_unseen(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    spy = spy_on_prepare(gui, monkeypatch)
    window.entry.set_text("tel:+44-909-879-0000")  # what a tel: link or a second launch does
    assert guard_of(window).source == "tel"
    window.request_call()
    box = dialog(qtbot, window, "premium_confirm")
    assert "came from a link" in box.informativeText()
    find(box, QPushButton, "confirm_call").click()
    qtbot.waitUntil(lambda: len(spy.calls) == 1, timeout=5000)

    guard_of(window).expect_source("typed")  # e.g. the agent's own redial
    window.entry.set_text("+44 909 879 0001")
    assert guard_of(window).source == "typed"


def test_emergency_numbers_are_refused_with_the_reason(gui: Gui) -> None:
    window = gui.window
    line(window, "number_input").setText("112")
    assert not button(window, "call_button").isEnabled()
    preview = label(window, "number_preview")
    assert "✗  Emergency number: dial it from a phone" in preview.text()
    assert "112 is an emergency number" in preview.toolTip()


def test_an_unreadable_list_blocks_calls_with_the_reason(
    gui: Gui, qtbot: QtBot, dialer_home: Path, sandbox_env: Path
) -> None:
    window = gui.window
    view = guard_of(window)
    qtbot.waitUntil(lambda: view._dnc is not None, timeout=5000)
    dnc.default_path().write_bytes(b"this is not a database" * 100)
    view.reload_dnc()
    line(window, "number_input").setText("9876543210")
    call_button = button(window, "call_button")
    qtbot.waitUntil(lambda: not call_button.isEnabled(), timeout=5000)
    assert "Cannot read the do-not-call list" in call_button.toolTip()


def test_a_number_listed_a_moment_ago_is_refused_when_placed(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    view = guard_of(window)
    qtbot.waitUntil(lambda: view._dnc is not None, timeout=5000)
    line(window, "number_input").setText("9876543210")
    assert button(window, "call_button").isEnabled()  # the preview's copy predates the import
    with dnc.DncList() as listed:
        listed.add("9876543210", "opted out today")
    window.request_call()

    def panel_text() -> str:
        return " ".join(w.text() for w in window.call_panel.findChildren(QLabel))

    qtbot.waitUntil(lambda: "opted out today" in panel_text(), timeout=5000)
    assert gui.services.history.recent(10) == []  # refused before history or the network
    qtbot.waitUntil(lambda: not button(window, "call_button").isEnabled(), timeout=5000)
