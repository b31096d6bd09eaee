"""The system tray icon: the dialer for the hours its window is hidden behind a CRM.

The menu holds what an agent reaches for without the window: quick dial, the last numbers,
"dial the number on the clipboard", the live call (its status, hang up), show/hide and quit.
The tray only emits intents; `desktop.DesktopIntegration` decides what they do, so the menu
is the same whether or not the desktop has a tray to show it in (offscreen and Xvfb have
none: tests trigger the named actions directly).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from dialer.ui.style import app_icon

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.services.history import HistoryStore

log = logging.getLogger("dialer.ui")

#: Numbers in the "Recent" submenu.
MAX_RECENT = 8
#: A live call's status in the menu's first line.
LIVE_WORDS = {
    "DIALING": "Placing the call",
    "QUEUED": "Waiting to send",
    "INITIATED": "Ringing",
    "ANSWER": "Connected",
}


#: Qt platforms that draw nowhere: never a tray.
HEADLESS_PLATFORMS = ("offscreen", "minimal")


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class Tray(QObject):
    """The icon and its menu; every action has a stable objectName (`tray_*`)."""

    quick_dial_requested = Signal()
    recent_chosen = Signal(str)  # the number, as stored in history (E.164)
    dial_clipboard_requested = Signal()
    toggle_window_requested = Signal()
    hangup_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None, window: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setObjectName("tray_icon")
        self.icon.setToolTip("Dialer")
        # Owned by the window (a popup either way): a menu without a parent would be freed
        # by Python's exit after QApplication, which crashes Qt.
        self.menu = QMenu(window)
        self.menu.setObjectName("tray_menu")
        self.menu.setAccessibleName("Dialer")

        self.status_action = self._action("tray_call_status", "No call")
        self.status_action.setEnabled(False)
        self.hangup_action = self._action("tray_hangup", "Hang up")
        self.hangup_action.setEnabled(False)
        self.hangup_action.triggered.connect(self.hangup_requested)
        self.menu.addSeparator()
        self.quick_dial_action = self._action("tray_quick_dial", "Quick dial…")
        self.quick_dial_action.triggered.connect(self.quick_dial_requested)
        self.clipboard_action = self._action("tray_dial_clipboard", "Dial number from clipboard")
        self.clipboard_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.clipboard_action.triggered.connect(self.dial_clipboard_requested)
        self.recent_menu = self.menu.addMenu("Recent numbers")
        self.recent_menu.setObjectName("tray_recent")
        self.set_recent([])
        self.menu.addSeparator()
        self.toggle_action = self._action("tray_show", "Show Dialer")
        self.toggle_action.triggered.connect(self.toggle_window_requested)
        self.quit_action = self._action("tray_quit", "Quit Dialer")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.quit_requested)

        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)

    def _action(self, name: str, text: str) -> QAction:
        action = QAction(text, self.menu)
        action.setObjectName(name)
        self.menu.addAction(action)
        return action

    def actions(self) -> dict[str, QAction]:
        """Every action by objectName, for tests and the window's own shortcuts."""
        found = {a.objectName(): a for a in self.menu.findChildren(QAction) if a.objectName()}
        return found

    # --- what the integration tells it -----------------------------------------------------

    def show(self) -> None:
        """Show the icon, even where no tray is up yet.

        At login the app may start (autostart) before the panel that hosts the tray: Qt adds
        a shown icon once a tray appears (X11's tray selection; Windows re-adds icons when
        Explorer's taskbar comes back). Asking first and showing only where a tray was up
        left such an agent with no icon for the whole day. Not on Qt's headless platforms,
        which have no tray to wait for (and warn about the attempt)."""
        if QGuiApplication.platformName() not in HEADLESS_PLATFORMS:
            self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    @property
    def visible(self) -> bool:
        """In a tray the agent can click right now: asked live, as a tray may come later."""
        return self.icon.isVisible() and tray_available()

    def set_window_shown(self, shown: bool) -> None:
        self.toggle_action.setText("Hide Dialer" if shown else "Show Dialer")

    def set_recent(self, numbers: list[tuple[str, str]]) -> None:
        """(number, label) pairs, newest first."""
        self.recent_menu.clear()
        for i, (number, label) in enumerate(numbers[:MAX_RECENT]):
            action = QAction(label, self.recent_menu)
            action.setObjectName(f"tray_recent_{i}")
            action.setData(number)
            action.triggered.connect(lambda _checked=False, n=number: self.recent_chosen.emit(n))
            self.recent_menu.addAction(action)
        if not numbers:
            empty = QAction("No calls yet", self.recent_menu)
            empty.setEnabled(False)
            self.recent_menu.addAction(empty)
        self.recent_menu.setEnabled(bool(numbers))

    def set_call(self, status: str | None, *, can_hang_up: bool, reason: str = "") -> None:
        """The live call's status line and whether hang up can work (else why not)."""
        self.status_action.setText(status or "No call")
        self.hangup_action.setEnabled(can_hang_up)
        self.hangup_action.setToolTip(reason or ("End the call" if can_hang_up else "No call"))
        self.icon.setToolTip(f"Dialer — {status}" if status else "Dialer")

    def show_calls(self, live: list[CallSnapshot]) -> None:
        """The newest live call (the one hang up ends), and how many more there are."""
        if not live:
            self.set_call(None, can_hang_up=False)
            return
        current = live[-1]
        words = LIVE_WORDS.get(current.status.value, current.status.value.title())
        more = f" (+{len(live) - 1} more)" if len(live) > 1 else ""
        can = current.call_id is not None
        self.set_call(
            f"{words}: {current.to_number}{more}",
            can_hang_up=can,
            reason="" if can else "The call can be hung up once the provider has accepted it",
        )

    async def load_recent(self, history: HistoryStore) -> None:
        """Refill the Recent submenu from history, read on a worker thread."""
        import asyncio

        from dialer.ui.recent import load_recent

        try:
            rows = await asyncio.to_thread(load_recent, history, MAX_RECENT)
        except Exception as exc:  # history closed or locked: the menu keeps its list
            log.warning("could not read recent numbers for the tray: %s", exc)
            return
        self.set_recent([(row.number, f"Call {row.shown}") for row in rows])

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A left click shows or hides the window, as every softphone does; the menu is on the
        # right button (and on macOS, where Qt shows it for any click).
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window_requested.emit()
        elif reason == QSystemTrayIcon.ActivationReason.MiddleClick:
            self.quick_dial_requested.emit()
