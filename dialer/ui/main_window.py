"""The main window: type or paste a number, see what it will dial, call, watch the call.

The window is built and painted before any service exists (start-up speed is a feature), so
it starts in a "Starting…" state and becomes usable in `attach`. Everything that waits on the
network runs as an asyncio task on the qasync loop; slots themselves never block.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dialer.ui.account_picker import AccountPicker
from dialer.ui.call_panel import CallPanel
from dialer.ui.dialpad import DialPad
from dialer.ui.number_entry import NumberEntry
from dialer.ui.style import app_icon

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine
    from typing import Any

    from dialer.domain.models import CallSnapshot
    from dialer.services.calls import CallController
    from dialer.settings import Settings
    from dialer.ui.call_bridge import CallBridge

log = logging.getLogger("dialer.ui")

#: Keys that, typed anywhere in the window, go to the number box.
NUMBER_KEYS = frozenset("0123456789*#+")


class MainWindow(QMainWindow):
    """The dialer window; its widgets' objectNames are a public contract for tests and tools."""

    #: After the first paint of the whole window (start-up continues from here).
    first_painted = Signal()
    #: The window was closed: the app shuts its services down and quits.
    closed = Signal()

    def __init__(self, number: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dialer")
        self.resize(860, 640)
        self.setMinimumSize(720, 600)
        self.painted = False
        self.settings: Settings | None = None
        self.controller: CallController | None = None
        self.bridge: CallBridge | None = None
        self._dial_task: asyncio.Task[None] | None = None
        self._placing = False
        self._active_uuid: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._save_task: asyncio.Task[None] | None = None
        self._startup_error = ""

        central = QWidget(self)
        central.setObjectName("central")
        self.setCentralWidget(central)

        self.picker = AccountPicker(central)
        self.account_selector = self.picker.account_selector
        self.caller_id_selector = self.picker.caller_id_selector
        self.entry = NumberEntry(central)
        self.number_input = self.entry.number_input
        self.number_preview = self.entry.number_preview
        self.dialpad = DialPad(central)
        self.call_button = QPushButton("Starting…", central)
        self.call_button.setObjectName("call_button")
        self.call_button.setEnabled(False)
        self.call_panel = CallPanel(central)

        left = QVBoxLayout()
        left.setSpacing(12)
        left.addWidget(self.picker)
        left.addSpacing(4)
        left.addWidget(self.entry)
        left.addSpacing(4)
        left.addWidget(self.dialpad, 1)
        left.addSpacing(4)
        left.addWidget(self.call_button)
        row = QHBoxLayout(central)
        row.setContentsMargins(24, 20, 24, 20)
        row.setSpacing(24)
        row.addLayout(left, 5)
        row.addWidget(self.call_panel, 6)
        self.statusBar().showMessage("Starting…")

        self.entry.changed.connect(self._refresh_call_button)
        self.entry.submitted.connect(self.request_call)
        self.call_button.clicked.connect(self.request_call)
        self.dialpad.key_pressed.connect(self.entry.append)
        self.dialpad.backspace_pressed.connect(self.entry.backspace)
        self.dialpad.clear_pressed.connect(self.number_input.clear)
        self.call_panel.hangup_requested.connect(self._hangup_requested)
        self.picker.account_changed.connect(self._account_changed)
        self.picker.caller_id_chosen.connect(self._remember_caller_id)
        for combo in (self.account_selector, self.caller_id_selector):
            combo.installEventFilter(self)
        # The central widget always paints (styled background, never fully covered): its
        # first paint event marks the window's first paint.
        central.installEventFilter(self)
        self._central = central
        self._setup_finished = False
        # At the next turn of the loop, not in the paint's own handler: the paint is done.
        self.first_painted.connect(lambda: QTimer.singleShot(0, self._finish_setup))

        if number:
            self.entry.set_text(number.strip())
        self.number_input.setFocus()
        self._refresh_call_button()

    # --- start-up ------------------------------------------------------------------------------

    def _finish_setup(self) -> None:
        """Cursors, focus and selection flags: they need PySide6's `Qt` enum namespace, which
        costs ~11 ms to load and nothing needs for the first paint."""
        if self._setup_finished:
            return
        self._setup_finished = True
        from PySide6.QtCore import Qt

        self.entry.finish_setup()
        self.setWindowIcon(app_icon())
        self.call_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.dialpad.finish_setup()
        self.call_panel.finish_setup()

    def attach(self, settings: Settings, controller: CallController) -> None:
        """Wire the services in once they are loaded; until then the window only paints."""
        from dialer import numbers
        from dialer.ui.call_bridge import CallBridge

        self._finish_setup()  # a minimized start may never have painted

        self.settings = settings
        self.controller = controller
        self.bridge = CallBridge(controller, self)
        self.bridge.snapshot.connect(self._on_snapshot)
        self.picker.set_settings(settings)
        self.entry.enable_parsing(numbers, settings.preferences.default_region)
        self.statusBar().showMessage("Ready", 5000)

    def services_failed(self, text: str) -> None:
        """Start-up could not load the services: say so where the agent looks, keep the window."""
        self._startup_error = text
        self._refresh_call_button()
        self.call_panel.show_error(text, headline="The dialer could not start")
        self.statusBar().showMessage(text)

    async def aclose(self) -> None:
        """Stop following calls (they go on at the provider) and finish pending saves."""
        import asyncio

        if self.bridge is not None:
            self.bridge.detach()
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            if task is not self._save_task:
                task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # --- the call button ----------------------------------------------------------------------

    def _refresh_call_button(self) -> None:
        button = self.call_button
        if self.controller is None:
            button.setEnabled(False)
            button.setText("Unavailable" if self._startup_error else "Starting…")
            button.setToolTip(self._startup_error or "The dialer is still starting")
            return
        if self._dial_task is not None:
            button.setEnabled(False)
            button.setText("Calling…" if self._placing else "On a call")
            button.setToolTip(
                "A call is being placed"
                if self._placing
                else "Hang up or wait for the current call to end"
            )
            return
        button.setText("Call")
        if self.picker.current_account() is None:
            button.setEnabled(False)
            button.setToolTip("No account to call with")
            return
        problem = self.entry.problem()
        button.setEnabled(problem is None)
        button.setToolTip(problem or "Call this number (Enter)")

    # --- calling -------------------------------------------------------------------------------

    def request_call(self) -> None:
        """Call (button or Enter): one call at a time, however often it is clicked."""
        if self.controller is None or self._dial_task is not None:
            return
        if self.entry.problem() is not None or self.picker.current_account() is None:
            self._refresh_call_button()
            return
        self._placing = True
        self._dial_task = self._spawn(
            self._dial(
                self.number_input.text(),
                self.picker.current_account(),
                self.picker.current_caller_id(),
            )
        )
        self._refresh_call_button()

    async def _dial(self, number: str, account: str | None, caller_id: str | None) -> None:
        from dialer.domain.errors import DialerError

        controller = self.controller
        assert controller is not None
        self._active_uuid = None
        placed = False
        try:
            request = controller.prepare(number, account=account, caller_id=caller_id)
            self._active_uuid = request.uuid
            snapshot = await controller.place(request)
            placed = True
            self._placing = False
            self._refresh_call_button()
            final = await controller.follow(snapshot)
            if not final.final:
                self._report(final.message or "Stopped following the call", placed=True)
        except DialerError as exc:
            self._report(str(exc), placed=placed)
        except Exception as exc:  # a bug must read as a message, not kill the window
            log.exception("placing a call failed")
            self._report(f"Unexpected error ({type(exc).__name__}): {exc}", placed=placed)
        finally:
            self._placing = False
            self._dial_task = None
            self._refresh_call_button()

    def _on_snapshot(self, snapshot: CallSnapshot) -> None:
        if snapshot.uuid != self._active_uuid:
            return
        self.call_panel.show_snapshot(
            snapshot, hangup_unavailable=self._hangup_unavailable(snapshot.provider)
        )
        if snapshot.final:
            self.statusBar().showMessage(self.call_panel.status_label.text(), 10000)

    def _hangup_unavailable(self, provider_name: str) -> str | None:
        from dialer.domain.errors import ConfigError
        from dialer.providers import registry

        try:
            cls = registry.get(provider_name)
        except ConfigError as exc:
            return str(exc)
        if cls.capabilities.hangup:
            return None
        return cls.missing_reasons.get("hangup", f"{cls.title} has no hang-up API")

    def _hangup_requested(self, uuid: str) -> None:
        self._spawn(self._hangup(uuid))

    async def _hangup(self, uuid: str) -> None:
        from dialer.domain.errors import DialerError

        if self.controller is None:
            return
        try:
            await self.controller.hangup(uuid)
            self.statusBar().showMessage("Hang-up sent", 5000)
        except DialerError as exc:
            self.call_panel.hangup_failed(str(exc))
            self.statusBar().showMessage(f"Could not hang up: {exc}", 10000)
        except Exception as exc:
            log.exception("hang-up failed")
            self.call_panel.hangup_failed(f"unexpected error ({type(exc).__name__}): {exc}")

    def _report(self, text: str, *, placed: bool) -> None:
        """Show a failure; the headline says what it means for the call on screen."""
        shown = self.call_panel.snapshot
        if shown is not None and shown.uuid == self._active_uuid and shown.final:
            headline = None  # the controller's final snapshot already tells how it ended
        elif placed:
            headline = "Lost track of the call"
        else:
            headline = "Call not placed"
        self.call_panel.show_error(text, headline=headline)
        self.statusBar().showMessage(text, 15000)

    # --- account preferences -------------------------------------------------------------------

    def _account_changed(self, _name: str) -> None:
        self._refresh_call_button()

    def _remember_caller_id(self, account: str, caller_id: str) -> None:
        if self.settings is None:
            return
        self.settings.preferences.last_caller_id[account] = caller_id
        previous = self._save_task
        self._save_task = self._spawn(self._save_caller_id(previous, account, caller_id))

    async def _save_caller_id(
        self, previous: asyncio.Task[None] | None, account: str, caller_id: str
    ) -> None:
        """Re-read, change one key, write, off the GUI thread and in click order.

        Re-reading keeps accounts that `dialer accounts add` wrote while the window was open.
        """
        import asyncio

        from dialer import settings as settings_mod

        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)

        def write() -> None:
            fresh = settings_mod.load()
            fresh.preferences.last_caller_id[account] = caller_id
            settings_mod.save(fresh)

        try:
            await asyncio.to_thread(write)
        except (OSError, ValueError) as exc:
            self.statusBar().showMessage(f"Could not save the caller ID choice: {exc}", 10000)

    # --- plumbing ------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a coroutine on the loop, keeping a reference so it is not garbage-collected."""
        import asyncio

        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Paint and watched is self._central and not self.painted:
            self.painted = True
            # The zero timer fires after this paint pass has painted every child and flushed.
            QTimer.singleShot(0, self.first_painted.emit)
        elif (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.text()
            and event.text() in NUMBER_KEYS
        ):
            self.entry.append(event.text())
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Digits typed while focus is elsewhere still go to the number box."""
        text = event.text()
        if text and text in NUMBER_KEYS:
            self.entry.append(text)
            return
        from PySide6.QtCore import Qt

        if event.key() == Qt.Key.Key_Backspace:
            self.entry.backspace()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
