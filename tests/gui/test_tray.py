"""The tray: quick dial, recent numbers, the live call and its hang-up, show/hide, quit,
close-to-tray, and call notifications. Offscreen has no tray host, so the named actions are
triggered directly; the close-to-tray path runs with the tray reported present."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QSystemTrayIcon

from dialer.domain.models import CallSnapshot, CallStatus, Leg, LegRole, LegState
from dialer.ui import tray as tray_mod
from dialer.ui.desktop import DesktopIntegration
from dialer.ui.notifications import classify
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, button

NUMBER = "+919876543210"
TRAY_ACTIONS = {"tray_quick_dial", "tray_dial_clipboard", "tray_hangup", "tray_quit", "tray_show"}


@pytest.fixture
def desk(gui: Gui) -> Iterator[DesktopIntegration]:
    integration = DesktopIntegration(gui.window)
    assert gui.window.settings is not None
    integration.attach(gui.window.settings)
    yield integration
    integration.close()


def action(desk: DesktopIntegration, name: str) -> QAction:
    return desk.tray.actions()[name]


def placed(gui: Gui) -> list[str]:
    """Every call placed so far, over or not."""
    return [entry.to_number for entry in gui.services.history.recent(10)]


def calls(gui: Gui) -> list[str]:
    """Numbers of the calls that are over (so the sandbox they started is up, and stopped by
    the fixture at the end)."""
    return [entry.to_number for entry in gui.services.history.recent(10) if entry.final]


def final(gui: Gui) -> bool:
    rows = gui.services.history.recent(10)
    return bool(rows) and rows[0].final


def with_tray(desk: DesktopIntegration, monkeypatch: pytest.MonkeyPatch) -> None:
    """Act as on a desktop with a tray host (offscreen and Xvfb have none)."""
    monkeypatch.setattr(tray_mod.Tray, "visible", property(lambda self: True))


def test_the_tray_menu_has_every_named_action(desk: DesktopIntegration) -> None:
    assert set(desk.tray.actions()) >= TRAY_ACTIONS
    assert desk.tray.icon.objectName() == "tray_icon"
    assert isinstance(desk.tray.icon, QSystemTrayIcon)
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen
    assert desk.tray.visible is False
    assert not desk.tray.icon.isVisible()  # not even asked for: offscreen never has a tray
    assert not action(desk, "tray_hangup").isEnabled()  # no call yet
    for act in desk.tray.actions().values():
        assert act.text()


def test_quick_dial_calls_what_the_agent_types_without_asking(
    gui: Gui, desk: DesktopIntegration
) -> None:
    action(desk, "tray_quick_dial").trigger()
    box = desk.quick
    assert isinstance(box, QDialog) and box.isVisible()
    assert box.objectName() == "quick_dial"
    field = box.findChild(QLineEdit, "quick_dial_input")
    assert field is not None
    call = button(box, "quick_dial_button")
    assert not call.isEnabled()
    gui.qtbot.keyClicks(field, "12345")
    assert not call.isEnabled()  # invalid: Enter does nothing
    gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    assert box.isVisible() and placed(gui) == []
    field.clear()
    gui.qtbot.keyClicks(field, "98765 43210")
    preview = box.findChild(QLabel, "quick_dial_preview")
    assert preview is not None and "+91 98765 43210" in preview.text()
    gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.qtbot.waitUntil(lambda: calls(gui) == [NUMBER], timeout=CALL_TIMEOUT_MS)
    assert not box.isVisible()
    assert desk.consent is None


def test_live_status_and_hang_up_from_the_tray(
    gui: Gui, desk: DesktopIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "5")  # read when this call starts the sandbox
    desk.dial_now("+91 98765 41111")  # rings a long while in the sandbox
    hangup = action(desk, "tray_hangup")
    gui.qtbot.waitUntil(hangup.isEnabled, timeout=CALL_TIMEOUT_MS)
    status = action(desk, "tray_call_status").text()
    assert "+919876541111" in status
    assert status.split(":")[0] in ("Ringing", "Connected", "Placing the call")
    assert "+919876541111" in desk.tray.icon.toolTip()
    hangup.trigger()
    gui.qtbot.waitUntil(lambda: final(gui), timeout=CALL_TIMEOUT_MS)
    assert gui.services.history.recent(1)[0].status == "CANCELED"
    gui.qtbot.waitUntil(lambda: not hangup.isEnabled(), timeout=3000)
    assert action(desk, "tray_call_status").text() == "No call"


def test_recent_numbers_are_one_click_away(gui: Gui, desk: DesktopIntegration) -> None:
    desk.dial_now(NUMBER)
    gui.qtbot.waitUntil(lambda: final(gui), timeout=CALL_TIMEOUT_MS)
    gui.qtbot.waitUntil(lambda: "tray_recent_0" in desk.tray.actions(), timeout=5000)
    recent = action(desk, "tray_recent_0")
    assert recent.data() == NUMBER
    assert "+91 98765 43210" in recent.text()
    recent.trigger()
    gui.qtbot.waitUntil(lambda: len(calls(gui)) == 2, timeout=CALL_TIMEOUT_MS)


def test_without_a_tray_closing_the_window_quits(gui: Gui, desk: DesktopIntegration) -> None:
    closed: list[bool] = []
    gui.window.closed.connect(lambda: closed.append(True))
    gui.window.close()
    assert closed == [True]


def test_with_a_tray_closing_hides_and_quit_really_quits(
    gui: Gui, desk: DesktopIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_tray(desk, monkeypatch)
    closed: list[bool] = []
    gui.window.closed.connect(lambda: closed.append(True))
    gui.window.close()
    assert closed == [] and not gui.window.isVisible()
    assert action(desk, "tray_show").text() == "Show Dialer"

    action(desk, "tray_show").trigger()
    assert gui.window.isVisible()
    assert action(desk, "tray_show").text() == "Hide Dialer"
    action(desk, "tray_show").trigger()
    assert not gui.window.isVisible()

    action(desk, "tray_quit").trigger()
    assert closed == [True]


def test_close_to_tray_can_be_turned_off(
    gui: Gui, desk: DesktopIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_tray(desk, monkeypatch)
    assert gui.window.settings is not None
    gui.window.settings.preferences.close_to_tray = False
    closed: list[bool] = []
    gui.window.closed.connect(lambda: closed.append(True))
    gui.window.close()
    assert closed == [True]


def test_a_quit_from_outside_the_window_is_not_kept_in_the_tray(
    gui: Gui, desk: DesktopIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM and Ctrl+C (`quit_signals`) quit through the start-up session: nobody is there
    to bring a window hidden in the tray back."""
    from dialer.ui.desktop_start import Session

    with_tray(desk, monkeypatch)
    assert gui.window.settings is not None and gui.window.settings.preferences.close_to_tray
    session = Session(gui.window, None, False, None, None)
    session.desktop = desk
    closed: list[bool] = []
    gui.window.closed.connect(lambda: closed.append(True))
    session.quit()
    assert closed == [True]


def test_ctrl_q_quits_even_with_a_tray(
    gui: Gui, desk: DesktopIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_tray(desk, monkeypatch)
    closed: list[bool] = []
    gui.window.closed.connect(lambda: closed.append(True))
    gui.window.activateWindow()
    gui.qtbot.keyClick(gui.window.number_input, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert closed == [True]


def test_a_call_that_ends_while_the_window_is_hidden_is_notified(
    gui: Gui, desk: DesktopIntegration
) -> None:
    shown: list[tuple[str, str, str]] = []
    desk.notifier.shown.connect(lambda *args: shown.append(args))
    gui.window.hide()
    desk.dial_now(NUMBER)
    gui.qtbot.waitUntil(lambda: bool(shown), timeout=CALL_TIMEOUT_MS)
    kind, title, body = shown[0]
    assert (kind, title) == ("ended", "Call ended")
    assert NUMBER in body


def test_without_a_tray_the_desktop_notification_service_carries_it(
    gui: Gui, desk: DesktopIntegration, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "notified.txt"
    fake = tmp_path / "bin" / "notify-send"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    desk.notifier.notify("missed", "Missed call", "Your phone did not answer")
    gui.qtbot.waitUntil(log.exists, timeout=5000)
    gui.qtbot.waitUntil(lambda: "Missed call" in log.read_text(encoding="utf-8"), timeout=5000)
    args = log.read_text(encoding="utf-8").splitlines()
    assert args[-2:] == ["Missed call", "Your phone did not answer"]
    assert "--urgency=critical" in args and "--app-name=Dialer" in args


def test_notifications_can_be_turned_off(gui: Gui, desk: DesktopIntegration) -> None:
    settings = gui.window.settings
    assert settings is not None
    settings.preferences.notify_calls = False
    desk.apply_settings(settings)
    shown: list[object] = []
    desk.notifier.shown.connect(lambda *args: shown.append(args))
    gui.window.hide()
    desk.dial_now(NUMBER)
    gui.qtbot.waitUntil(lambda: final(gui), timeout=CALL_TIMEOUT_MS)
    gui.qtbot.wait(200)
    assert shown == []


def snapshot(status: str, agent: str | None, duration: int | None = None) -> CallSnapshot:
    legs = () if agent is None else (Leg(role=LegRole.AGENT, number="+1", state=LegState(agent)),)
    return CallSnapshot(
        uuid="u",
        account="a",
        provider="sandbox",
        to_number=NUMBER,
        status=CallStatus(status),
        final=status not in ("INITIATED", "ANSWER"),
        legs=legs,
        ended_at=datetime.now(UTC),
        duration=duration,
    )


@pytest.mark.parametrize(
    ("status", "agent", "duration", "kind", "title"),
    [
        ("ENDED", "LEFT", 83, "ended", "Call ended"),
        ("NO_ANSWER", "FAILED", None, "missed", "Missed call"),
        ("NO_ANSWER", "LEFT", None, "failed", "No answer"),
        ("BUSY", "LEFT", None, "failed", "The line was busy"),
        ("FAILED", None, None, "failed", "The call failed"),
        ("PLACED", None, None, "ended", "Call placed"),
    ],
)
def test_notification_words(
    status: str, agent: str | None, duration: int | None, kind: str, title: str
) -> None:
    described = classify(snapshot(status, agent, duration))
    assert described is not None
    assert described[:2] == (kind, title)
    if duration:
        assert "1 min 23 s" in described[2]


def test_live_calls_are_not_notified() -> None:
    assert classify(snapshot("INITIATED", "DIALING")) is None
