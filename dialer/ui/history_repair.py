"""When the history file cannot be read: say so, and offer to start a fresh one in place.

Without this an unreadable file means a window that cannot call, every start, until someone
finds the file by hand. The offer moves the file aside (never deletes it: it may be the only
copy of the records) and starts the services again in the same window; "Not now" leaves
everything as it is, so nothing is ever done without the agent asking.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from dialer.app import Services
    from dialer.services.history_repair import HistoryUnreadable
    from dialer.ui.main_window import MainWindow

log = logging.getLogger("dialer.app")


class HistoryRepairDialog(QDialog):
    def __init__(self, error: HistoryUnreadable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history_repair_dialog")
        self.setWindowTitle("Call history cannot be read")
        self.setAccessibleName("The call history cannot be read")
        headline = QLabel("The call history file cannot be read.")
        headline.setStyleSheet("font-weight: bold;")
        body = QLabel(
            f"{error.path}\n\nCalls cannot be placed without a history (every call is written "
            "there first). The file can be moved aside — it is kept, not deleted — and a new, "
            "empty history started."
        )
        body.setWordWrap(True)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fresh_button = QPushButton("&Move aside and start fresh")
        self.fresh_button.setObjectName("history_repair_fresh")
        self.fresh_button.setAccessibleName("Move the broken history aside and start a new one")
        self.fresh_button.setDefault(True)
        self.fresh_button.clicked.connect(self.accept)
        self.later_button = QPushButton("Not now")
        self.later_button.setObjectName("history_repair_later")
        self.later_button.setAccessibleName("Leave the history file as it is")
        self.later_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        buttons.addWidget(self.fresh_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(headline)
        layout.addWidget(body)
        layout.addLayout(buttons)
        self.setTabOrder(self.later_button, self.fresh_button)
        self.resize(520, self.sizeHint().height())


class Repair:
    """The offer on screen and, once accepted, the services it started (closed with the app)."""

    def __init__(self, window: MainWindow, error: HistoryUnreadable) -> None:
        self.window = window
        self.error = error
        self.services: Services | None = None
        self.done: asyncio.Future[Services | None] = asyncio.get_running_loop().create_future()
        self.dialog = HistoryRepairDialog(error, window)
        self.dialog.accepted.connect(lambda: self._task(asyncio.ensure_future(self._repair())))
        self.dialog.rejected.connect(lambda: self._finish(None))
        self.dialog.open()

    def _task(self, task: asyncio.Task[None]) -> None:
        self._running = task  # keep a reference: an unreferenced task may be collected

    def _finish(self, services: Services | None) -> None:
        if not self.done.done():
            self.done.set_result(services)

    async def _repair(self) -> None:
        from dialer.app import start_services
        from dialer.domain.errors import DialerError
        from dialer.services.history_repair import move_aside

        try:
            moved = await asyncio.to_thread(move_aside, self.error.path)
            self.services = await start_services(self.window)
        except (OSError, DialerError) as exc:
            log.warning("starting a fresh history failed: %s", exc)
            self.window.services_failed(f"Could not start a fresh history: {exc}")
            self._finish(None)
            return
        self.window.statusBar().showMessage(
            f"Started a new call history; the old one is {moved}. "
            "Restart the dialer to get the tray and links back."
        )
        self._finish(self.services)

    async def aclose(self) -> None:
        self.dialog.close()
        self._finish(None)
        if self.services is not None:
            await self.services.aclose()


def offer(window: MainWindow, error: Exception) -> Repair | None:
    """Show the offer when `error` is an unreadable history; None for any other failure."""
    from dialer.services.history_repair import HistoryUnreadable

    if not isinstance(error, HistoryUnreadable):
        return None
    return Repair(window, error)
