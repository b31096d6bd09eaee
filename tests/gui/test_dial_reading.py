"""The Call click: `CallController.prepare` gets the number box's parse from `numbers.parse`'s
memory instead of parsing the number again, and the Call button's state is set at once while its
repaint and the window's relayout wait one frame."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from dialer import numbers
from dialer.domain.errors import ConfigError
from tests.gui.conftest import Gui, button, line
from tests.gui.test_main_window import PrepareSpy


def test_the_click_does_not_parse_the_typed_number_again(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    assert window.controller is not None
    line(window, "number_input").setText("98765 43210")
    qtbot.waitUntil(button(window, "call_button").isEnabled, timeout=5000)

    parses: list[str] = []
    real_parse = numbers._parse_safely

    def counted(text: str, region: str) -> numbers.ParsedNumber:
        parses.append(text)
        return real_parse(text, region)

    monkeypatch.setattr(numbers, "_parse_safely", counted)
    prepared: list[Any] = []
    real_prepare = window.controller.prepare

    def prepare(number: str, **kwargs: Any) -> Any:
        prepared.append(real_prepare(number, **kwargs))
        raise ConfigError("stopped by the test")  # nothing is sent

    monkeypatch.setattr(window.controller, "prepare", prepare)
    window.request_call()
    qtbot.waitUntil(lambda: len(prepared) == 1, timeout=5000)
    assert prepared[0].to_number == "+919876543210"
    assert parses == []  # the preview's parse, remembered


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
