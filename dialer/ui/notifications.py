"""Desktop notifications for calls that end, fail or are missed while the agent looks elsewhere.

An agent in a CRM tab does not see the dialer window; a call that failed or went unanswered
must still reach them. Notifications go through the tray icon (Qt shows them natively on
Windows and macOS, and through the freedesktop notification service on Linux desktops).
Desktops without a tray (GNOME as shipped) still have a notification service: there
`notify-send` carries the message, started detached so nothing waits for it. The window's
taskbar entry asks for attention as well. While the dialer window is active nothing pops up:
the call panel already shows it.

`classify` is pure so the words are tested without a desktop; every notification is also
emitted as `shown` (tests, and an in-window fallback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.ui.tray import Tray

#: How long a notification stays up (ms); the desktop may cap it.
TIMEOUT_MS = 8000

_FAILED = {
    "BUSY": "The line was busy",
    "FAILED": "The call failed",
    "CANCELED": "The call was canceled",
    "UNKNOWN": "The outcome is unknown — check before redialing",
    "INTERRUPTED": "The dialer stopped following the call",
}


def classify(snapshot: CallSnapshot) -> tuple[str, str, str] | None:
    """(kind, title, body) for a final snapshot: "ended", "failed" or "missed"; else None.

    Missed means the agent's own phone rang and nobody picked it up: the customer was never
    called, which is the case an agent most needs to hear about.
    """
    if not snapshot.final:
        return None
    status = snapshot.status.value
    number = snapshot.to_number
    agent = next((leg for leg in snapshot.legs if leg.role.value == "agent"), None)
    agent_joined = agent is not None and agent.state.value in ("JOINED", "LEFT")
    if status in ("ANSWER", "ENDED", "PLACED"):
        if status == "PLACED":
            return "ended", "Call placed", f"{number}: the provider reports no live status"
        talk = f" after {_talk(snapshot.duration)}" if snapshot.duration else ""
        return "ended", "Call ended", f"{number}{talk}"
    if agent is not None and not agent_joined and status in ("NO_ANSWER", "FAILED", "CANCELED"):
        return "missed", "Missed call", f"Your phone did not answer; {number} was not called"
    if status == "NO_ANSWER":
        return "failed", "No answer", f"{number} did not answer"
    reason = _FAILED.get(status, status.lower())
    detail = f" — {snapshot.message}" if snapshot.message else ""
    return "failed", reason, f"{number}{detail}"


def _talk(seconds: int) -> str:
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


class Notifier(QObject):
    """Sends call notifications; `shown(kind, title, body)` for each one sent."""

    shown = Signal(str, str, str)

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.tray: Tray | None = None
        self.enabled = True
        #: Notify even while the window is active (tests; a user who wants every one).
        self.always = False

    def set_tray(self, tray: Tray | None) -> None:
        self.tray = tray

    def call_finished(self, snapshot: CallSnapshot) -> None:
        if not self.enabled:
            return
        described = classify(snapshot)
        if described is None:
            return
        if self.window.isActiveWindow() and self.window.isVisible() and not self.always:
            return
        self.notify(*described)

    def notify(self, kind: str, title: str, body: str) -> None:
        tray = self.tray
        if tray is not None and tray.visible and QSystemTrayIcon.supportsMessages():
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if kind in ("failed", "missed")
                else QSystemTrayIcon.MessageIcon.Information
            )
            tray.icon.showMessage(title, body, icon, TIMEOUT_MS)
        else:
            # No tray to speak through: the desktop's notification service, if it has a
            # client for it, and the taskbar entry asks for attention.
            _notify_send(title, body, urgent=kind in ("failed", "missed"))
            QApplication.alert(self.window, 0)
        self.shown.emit(kind, title, body)


def _notify_send(title: str, body: str, *, urgent: bool) -> bool:
    """freedesktop notification through `notify-send` (libnotify), where it is installed."""
    import shutil

    from PySide6.QtCore import QProcess

    program = shutil.which("notify-send")
    if program is None:
        return False
    urgency = "critical" if urgent else "normal"
    args = ["--app-name=Dialer", "--icon=dialer", f"--urgency={urgency}", "--", title, body]
    started, _pid = QProcess.startDetached(program, args)
    return bool(started)
