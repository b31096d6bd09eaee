"""The Call click hands the number box's own parse to `CallController.prepare`, which takes it
instead of parsing the number again."""

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
