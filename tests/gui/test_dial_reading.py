"""The Call click: it hands the number box's own parse to `CallController.prepare`, which takes
it instead of parsing the number again, and sets the Call button's state at once while its
repaint and the window's relayout wait one frame."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from dialer.services.calls import ReadNumber
from tests.gui.conftest import Gui, button, line
from tests.gui.test_main_window import PrepareSpy


def test_the_click_hands_the_preview_parse_to_prepare(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    spy = PrepareSpy()
    monkeypatch.setattr(window.controller, "prepare", spy)
    line(window, "number_input").setText("98765 43210")
    qtbot.waitUntil(button(window, "call_button").isEnabled, timeout=5000)
    window.request_call()
    qtbot.waitUntil(lambda: len(spy.calls) == 1, timeout=5000)
    read = spy.calls[0]["read"]
    assert isinstance(read, ReadNumber)
    assert read.text == spy.calls[0]["number"] == "98765 43210"
    assert read.parsed.e164 == "+919876543210"
    assert read.parsed is window.entry._parse("98765 43210")  # the preview's, not a new one


def test_the_call_button_is_laid_out_and_painted_again_after_the_click(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its state changes at once; its picture and the window's layout wait one frame, and
    never longer."""
    window = gui.window
    monkeypatch.setattr(window.controller, "prepare", PrepareSpy())
    call_button = button(window, "call_button")
    layout = window.centralWidget().layout()
    assert layout is not None
    line(window, "number_input").setText("98765 43210")
    qtbot.waitUntil(call_button.isEnabled, timeout=5000)
    window.request_call()
    assert not call_button.isEnabled() and call_button.text() == "Calling…"
    assert not call_button.updatesEnabled() and not layout.isEnabled()
    qtbot.waitUntil(lambda: call_button.updatesEnabled() and layout.isEnabled(), timeout=5000)
    qtbot.waitUntil(call_button.isEnabled, timeout=5000)  # the spy refused: Call again
    assert call_button.text() == "Call"
