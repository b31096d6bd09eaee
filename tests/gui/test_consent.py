"""Numbers from outside (links, other programs, the clipboard) are dialed only after the agent
says so in `consent_dialog`, or when the agent turned on auto-dial for that one source.
Real window, real controller, real sandbox calls."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel

from dialer.ui.desktop import DesktopIntegration
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, button, run_until_done

NUMBER = "+919876543210"


@pytest.fixture
def desk(gui: Gui) -> Iterator[DesktopIntegration]:
    integration = DesktopIntegration(gui.window)
    assert gui.window.settings is not None
    integration.attach(gui.window.settings)
    yield integration
    integration.close()  # its pending reads are cancelled with the loop


def consent(desk: DesktopIntegration) -> QDialog:
    dialog = desk.consent
    assert dialog is not None and dialog.isVisible(), "no consent dialog is open"
    assert dialog.objectName() == "consent_dialog"
    return dialog


def no_call_placed(gui: Gui) -> bool:
    assert gui.window.controller is not None
    return not gui.window.controller.live() and not gui.services.history.recent(5)


def wait_for_call(gui: Gui) -> None:
    """Until the call is over: the sandbox it started is then up and stops with the test."""

    def ended() -> bool:
        rows = gui.services.history.recent(5)
        return bool(rows) and rows[0].final

    gui.qtbot.waitUntil(ended, timeout=CALL_TIMEOUT_MS)
    assert gui.services.history.recent(5)[0].to_number == NUMBER


def saved_prefs(gui: Gui) -> dict[str, object]:
    from dialer import paths

    prefs: dict[str, object] = json.loads(paths.settings_file().read_text())["preferences"]
    return prefs


def test_a_tel_link_fills_in_and_asks_then_calls_on_consent(
    gui: Gui, desk: DesktopIntegration
) -> None:
    desk.receive("tel:+91-98765-43210", "tel")
    dialog = consent(desk)
    assert gui.window.number_input.text() == "tel:+91-98765-43210"
    number = dialog.findChild(QLabel, "consent_number")
    assert number is not None and number.text() == "+91 98765 43210"
    source = dialog.findChild(QLabel, "consent_source")
    assert source is not None and "link" in source.text()
    gui.qtbot.wait(300)
    assert no_call_placed(gui)  # waiting on the question places nothing

    gui.qtbot.mouseClick(button(dialog, "consent_dial_button"), Qt.MouseButton.LeftButton)
    wait_for_call(gui)
    assert desk.consent is None
    assert saved_prefs(gui)["auto_dial_tel"] is False


@pytest.mark.parametrize("how", ["button", "escape"])
def test_not_now_keeps_the_number_and_calls_nobody(
    gui: Gui, desk: DesktopIntegration, how: str
) -> None:
    desk.receive("9876543210", "cli")
    dialog = consent(desk)
    if how == "button":
        gui.qtbot.mouseClick(button(dialog, "consent_cancel_button"), Qt.MouseButton.LeftButton)
    else:
        gui.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    gui.qtbot.waitUntil(lambda: desk.consent is None, timeout=2000)
    gui.qtbot.wait(300)
    assert no_call_placed(gui)
    assert gui.window.number_input.text() == "9876543210"  # still there, for the agent


def test_enter_confirms_from_the_keyboard(gui: Gui, desk: DesktopIntegration) -> None:
    desk.receive(NUMBER, "clipboard")
    dialog = consent(desk)
    # The dialog's focus (what it gives focus to when active) is its default button: Call.
    assert dialog.focusWidget() is button(dialog, "consent_dial_button")
    gui.qtbot.keyClick(dialog, Qt.Key.Key_Return)
    wait_for_call(gui)


def test_always_turns_on_auto_dial_for_that_source_only(gui: Gui, desk: DesktopIntegration) -> None:
    desk.receive("tel:" + NUMBER, "tel")
    dialog = consent(desk)
    always = dialog.findChild(QCheckBox, "consent_always_checkbox")
    assert always is not None and "links" in always.text()
    always.setChecked(True)
    gui.qtbot.mouseClick(button(dialog, "consent_dial_button"), Qt.MouseButton.LeftButton)
    wait_for_call(gui)
    gui.qtbot.waitUntil(lambda: saved_prefs(gui)["auto_dial_tel"] is True, timeout=5000)
    assert saved_prefs(gui)["auto_dial_cli"] is False
    assert saved_prefs(gui)["auto_dial_clipboard"] is False

    # Another source still asks.
    desk.receive("+14155550123", "cli")
    consent(desk).reject()
    gui.qtbot.waitUntil(lambda: desk.consent is None, timeout=2000)


def test_auto_dial_for_a_source_dials_without_a_question(
    gui: Gui, desk: DesktopIntegration
) -> None:
    assert gui.window.settings is not None
    gui.window.settings.preferences.auto_dial_cli = True
    desk.receive(NUMBER, "cli")
    assert desk.consent is None
    wait_for_call(gui)


def test_the_older_confirm_switch_off_means_links_dial_directly(
    gui: Gui, desk: DesktopIntegration
) -> None:
    assert gui.window.settings is not None
    gui.window.settings.preferences.confirm_external = False
    desk.receive("tel:" + NUMBER, "tel")
    assert desk.consent is None
    wait_for_call(gui)


def test_the_clipboard_is_never_auto_dialed_by_the_link_switches(
    gui: Gui, desk: DesktopIntegration
) -> None:
    assert gui.window.settings is not None
    prefs = gui.window.settings.preferences
    prefs.confirm_external = False
    prefs.auto_dial_tel = prefs.auto_dial_cli = True
    desk.receive(NUMBER, "clipboard")
    consent(desk).reject()
    gui.qtbot.wait(200)
    assert no_call_placed(gui)


def test_an_invalid_number_is_filled_in_with_the_reason_and_not_asked_about(
    gui: Gui, desk: DesktopIntegration
) -> None:
    desk.receive("tel:12345", "tel")
    assert desk.consent is None
    assert gui.window.number_input.text() == "tel:12345"
    assert "Cannot call" in gui.window.statusBar().currentMessage()
    assert no_call_placed(gui)


def test_a_newer_number_replaces_the_open_question(gui: Gui, desk: DesktopIntegration) -> None:
    desk.receive("+14155550123", "tel")
    first = consent(desk)
    desk.receive(NUMBER, "tel")
    second = consent(desk)
    assert second is not first
    assert not first.isVisible()
    assert second.findChild(QLabel, "consent_number").text() == "+91 98765 43210"  # type: ignore[union-attr]
    gui.qtbot.mouseClick(button(second, "consent_dial_button"), Qt.MouseButton.LeftButton)
    wait_for_call(gui)
    assert len(gui.services.history.recent(5)) == 1  # the replaced question dialed nothing


def test_numbers_that_arrive_while_starting_are_asked_about_once_ready(
    qtbot: object, gui: Gui
) -> None:
    window = gui.window
    settings = window.settings
    integration = DesktopIntegration(window)
    window.settings = None  # as during start-up: the preferences are not loaded yet
    try:
        integration.receive(NUMBER, "tel")
        assert integration.consent is None
        assert window.number_input.text() == NUMBER
        window.settings = settings
        assert settings is not None
        integration.attach(settings)
        assert integration.consent is not None and integration.consent.isVisible()
        integration.consent.reject()
    finally:
        run_until_done(gui.qtbot, integration.aclose())
