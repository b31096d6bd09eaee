"""Copied numbers: offered in the window for one-click dialing, dialed from the clipboard on
Ctrl+Shift+D after consent, and huge or binary contents ignored quickly."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QClipboard, QColor, QImage
from PySide6.QtWidgets import QApplication, QFrame

from dialer.ui import clipboard_watch
from dialer.ui.clipboard_watch import SETTLE_MS
from dialer.ui.desktop import DesktopIntegration
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, button, label

NUMBER = "+919876543210"


@pytest.fixture
def desk(gui: Gui) -> Iterator[DesktopIntegration]:
    integration = DesktopIntegration(gui.window)
    assert gui.window.settings is not None
    integration.attach(gui.window.settings)
    yield integration
    integration.close()


def clipboard() -> QClipboard:
    board = QApplication.clipboard()
    assert board is not None
    return board


def hint(gui: Gui) -> QFrame:
    frame = gui.window.findChild(QFrame, "clipboard_hint")
    assert frame is not None, "the clipboard hint is not in the window"
    return frame


def settle(gui: Gui) -> None:
    gui.qtbot.wait(SETTLE_MS * 3)


def placed(gui: Gui) -> list[str]:
    """Every call placed so far, over or not."""
    return [entry.to_number for entry in gui.services.history.recent(10)]


def calls(gui: Gui) -> list[str]:
    """Numbers of the calls that are over (waiting for the end also waits for the sandbox
    the call started, so the test's teardown finds and stops it)."""
    return [entry.to_number for entry in gui.services.history.recent(10) if entry.final]


def test_a_copied_number_is_offered_and_one_click_calls_it(
    gui: Gui, desk: DesktopIntegration
) -> None:
    assert hint(gui).isHidden()
    clipboard().setText("Asha Rao\nMobile: 098765 43210\nasha@example.com")
    gui.qtbot.waitUntil(lambda: hint(gui).isVisible(), timeout=3000)
    dial = button(hint(gui), "clipboard_dial_button")
    assert "+91 98765 43210" in label(hint(gui), "clipboard_hint_text").text()
    assert "+91 98765 43210" in dial.accessibleName()
    assert placed(gui) == []  # offered, not dialed
    gui.qtbot.mouseClick(dial, Qt.MouseButton.LeftButton)
    gui.qtbot.waitUntil(lambda: calls(gui) == [NUMBER], timeout=CALL_TIMEOUT_MS)
    assert desk.consent is None  # the button named the number: that click was the consent
    assert hint(gui).isHidden()


def test_dismissing_the_offer_dials_nothing(gui: Gui, desk: DesktopIntegration) -> None:
    clipboard().setText("call 9876543210")
    gui.qtbot.waitUntil(lambda: hint(gui).isVisible(), timeout=3000)
    gui.qtbot.mouseClick(button(hint(gui), "clipboard_dismiss_button"), Qt.MouseButton.LeftButton)
    assert hint(gui).isHidden()
    settle(gui)
    assert placed(gui) == []


@pytest.mark.parametrize(
    "text", ["Invoice 2024-01-15 total 4,999.00", "https://crm.example/lead/9876543210", ""]
)
def test_text_without_a_phone_number_is_not_offered(
    gui: Gui, desk: DesktopIntegration, text: str
) -> None:
    clipboard().setText(text)
    settle(gui)
    assert hint(gui).isHidden()


def test_images_and_binary_are_ignored(gui: Gui, desk: DesktopIntegration) -> None:
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    clipboard().setImage(image)
    settle(gui)
    assert hint(gui).isHidden()
    mime = QMimeData()
    mime.setData("application/octet-stream", b"\x00\x01\x02 9876543210 \x00" * 1000)
    clipboard().setMimeData(mime)
    settle(gui)
    assert hint(gui).isHidden()
    clipboard().setText("\x00\x01\x02\x03 9876543210 \x00\x00\x07\x08" * 20)
    settle(gui)
    assert hint(gui).isHidden()


def test_a_huge_copy_is_handled_quickly_and_only_its_start_is_read(
    gui: Gui, desk: DesktopIntegration
) -> None:
    huge = "lorem ipsum " * 1_000_000 + " 9876543210"  # ~12 MB, the number far past the cap
    clipboard().setText(huge)
    start = time.perf_counter()
    assert desk.watcher.current_number() is None
    assert time.perf_counter() - start < 0.5
    settle(gui)
    assert hint(gui).isHidden()

    clipboard().setText("9876543210 " + huge)
    gui.qtbot.waitUntil(lambda: hint(gui).isVisible(), timeout=3000)


def test_ctrl_shift_d_asks_then_dials_the_clipboard_number(
    gui: Gui, desk: DesktopIntegration
) -> None:
    clipboard().setText("ph: +91 98765 43210")
    gui.window.activateWindow()
    gui.qtbot.keyClick(
        gui.window.number_input,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    gui.qtbot.waitUntil(lambda: desk.consent is not None, timeout=3000)
    dialog = desk.consent
    assert dialog is not None and dialog.source == "clipboard"
    assert placed(gui) == []
    gui.qtbot.mouseClick(button(dialog, "consent_dial_button"), Qt.MouseButton.LeftButton)
    gui.qtbot.waitUntil(lambda: calls(gui) == [NUMBER], timeout=CALL_TIMEOUT_MS)


def test_dial_from_clipboard_with_no_number_says_so(gui: Gui, desk: DesktopIntegration) -> None:
    clipboard().setText("nothing to call here")
    desk.tray.actions()["tray_dial_clipboard"].trigger()
    assert desk.consent is None
    assert "No phone number" in gui.window.statusBar().currentMessage()


def test_auto_dial_for_the_clipboard_calls_on_copy(gui: Gui, desk: DesktopIntegration) -> None:
    assert gui.window.settings is not None
    gui.window.settings.preferences.auto_dial_clipboard = True
    clipboard().setText("9876543210")
    gui.qtbot.waitUntil(lambda: calls(gui) == [NUMBER], timeout=CALL_TIMEOUT_MS)
    assert desk.consent is None


def test_watching_can_be_turned_off(gui: Gui, desk: DesktopIntegration) -> None:
    settings = gui.window.settings
    assert settings is not None
    settings.preferences.watch_clipboard = False
    desk.apply_settings(settings)
    clipboard().setText("9876543210")
    settle(gui)
    assert hint(gui).isHidden()
    # Asking explicitly still works: the watch only decides whether copies are offered.
    desk.dial_from_clipboard()
    assert desk.consent is not None
    desk.consent.reject()


def test_the_same_number_set_again_at_once_is_one_copy(
    gui: Gui, desk: DesktopIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    offers: list[str] = []
    desk.watcher.number_copied.connect(lambda found: offers.append(found.e164))
    clipboard().setText("9876543210")
    settle(gui)
    clipboard().setText("again: 98765 43210")  # an app re-setting what was copied
    settle(gui)
    assert offers == [NUMBER]
    monkeypatch.setattr(clipboard_watch, "REPEAT_S", 0.0)  # later: a new copy, a new offer
    clipboard().setText("98765-43210")
    settle(gui)
    assert offers == [NUMBER, NUMBER]
