"""The main window: type or paste a number, see what it will dial, call, watch the calls.

The window is built and painted before any service exists (start-up speed is a feature), so
it starts in a "Starting…" state and becomes usable in `attach`. Everything that waits on the
network, the keyring or the disk runs as an asyncio task on the qasync loop (`WindowTasks`);
slots themselves never block. Several calls may run at once: the Call button is disabled only
while a call is being *placed*, so a double click cannot place two.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dialer.ui.account_picker import AccountPicker
from dialer.ui.call_panel import CallPanel
from dialer.ui.dialpad import DialPad
from dialer.ui.history_window import HistoryWindow
from dialer.ui.number_entry import NumberEntry
from dialer.ui.provider_options import unavailable
from dialer.ui.side_tabs import SideTabs
from dialer.ui.style import app_icon
from dialer.ui.window_tasks import WindowTasks

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.providers.base import Provider
    from dialer.services.calls import CallController
    from dialer.settings import Settings
    from dialer.ui.call_bridge import CallBridge
    from dialer.ui.guard_view import GuardView
    from dialer.ui.paint_hold import PaintHold
    from dialer.ui.recent import RecentList
    from dialer.ui.window_keys import WindowKeys
    from dialer.ui.window_settings import WindowSettings

log = logging.getLogger("dialer.ui")


class MainWindow(QMainWindow):
    """The dialer window; its widgets' objectNames are a public contract for tests and tools."""

    #: After the first paint of the whole window (start-up continues from here).
    first_painted = Signal()
    #: The window was closed: the app shuts its services down and quits.
    closed = Signal()
    #: The window was hidden (closed, sent to the tray, minimized on some desktops): its
    #: place is worth remembering (`window_memory`). From `hideEvent`, so never for the hide Qt
    #: sends while destroying the window. Carries the window (receivers keep no reference).
    hidden = Signal(object)
    #: New settings were applied (the Settings object): tray, clipboard and shortcut follow.
    settings_applied = Signal(object)

    def __init__(self, number: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dialer")
        self.resize(1040, 700)
        # Small enough for 150 % scaling on a 1366×768 or 1080p screen.
        self.setMinimumSize(760, 540)
        self.painted = False
        self.settings: Settings | None = None
        self.controller: CallController | None = None
        self.bridge: CallBridge | None = None
        self.recent_list: RecentList | None = None
        #: The pre-dial guard (do-not-call, calling hours, premium numbers), once attached.
        self.guard_view: GuardView | None = None
        self._settings_flow: WindowSettings | None = None
        self._startup_error = ""
        self.tasks = WindowTasks(self)

        central = QWidget(self)
        central.setObjectName("central")
        self.setCentralWidget(central)

        self.picker = AccountPicker(central)
        self.account_selector = self.picker.account_selector
        self.caller_id_selector = self.picker.caller_id_selector
        self.settings_button = QToolButton(central)
        self.settings_button.setObjectName("open_settings")
        self.settings_button.setText("⚙")
        self.settings_button.setToolTip("Accounts and preferences (Ctrl+,)")
        self.settings_button.setAccessibleName("Settings")
        self.history_button = QToolButton(central)
        self.history_button.setObjectName("open_history")
        self.history_button.setText("↺")
        self.history_button.setToolTip("Call history and recordings (Ctrl+H)")
        self.history_button.setAccessibleName("Call history")
        self.history = HistoryWindow(self)
        self.entry = NumberEntry(central)
        self.number_input = self.entry.number_input
        self.number_preview = self.entry.number_preview
        self.dialpad = DialPad(central)
        self.call_button = QPushButton("Starting…", central)
        self.call_button.setObjectName("call_button")
        self.call_button.setAccessibleName("Call")
        self.call_button.setEnabled(False)
        self.call_panel = CallPanel(central)
        self.side_tabs = SideTabs(central)
        self.options = self.side_tabs.options
        self._lay_out(central)
        self.statusBar().showMessage("Starting…")

        self.entry.changed.connect(self.refresh_call_button)
        self.entry.submitted.connect(self.request_call)
        self.call_button.clicked.connect(self.request_call)
        self.settings_button.clicked.connect(self.open_settings)
        self.history_button.clicked.connect(self.history.open)
        self.dialpad.key_pressed.connect(self.entry.append)
        self.dialpad.backspace_pressed.connect(self.entry.backspace)
        self.dialpad.clear_pressed.connect(self.number_input.clear)
        self.call_panel.hangup_requested.connect(self.tasks.hangup)
        self.call_panel.add_leg_requested.connect(self.tasks.add_leg)
        self.call_panel.notes_changed.connect(self.tasks.save_notes)
        #: The keyboard's rules (`window_keys`), from the first paint on.
        self.keys: WindowKeys | None = None
        self.call_panel.card_closed.connect(lambda _uuid: self._refresh_tab_order())
        self.picker.account_changed.connect(self._account_changed)
        self.picker.caller_id_chosen.connect(self.tasks.remember_caller_id)
        self.options.changed.connect(self.refresh_call_button)
        # The central widget always paints (styled background, never fully covered): its
        # first paint event marks the window's first paint.
        central.installEventFilter(self)
        self._central = central
        self._paint_hold: PaintHold | None = None  # the Call button's, made at the first click
        self._setup_finished = False
        # At the next turn of the loop, not in the paint's own handler: the paint is done.
        self.first_painted.connect(lambda: QTimer.singleShot(0, self._finish_setup))

        if number:
            self.entry.set_text(number.strip())
        self.number_input.setFocus()
        self.refresh_call_button()

    def _lay_out(self, central: QWidget) -> None:
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.picker, 1)
        # Bottom-aligned with the combo boxes, not with their captions.
        gear = QVBoxLayout()
        gear.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.settings_button)
        gear.addLayout(buttons)
        top.addLayout(gear)
        left = QVBoxLayout()
        left.setSpacing(12)
        left.addLayout(top)
        left.addSpacing(2)
        left.addWidget(self.entry)
        left.addWidget(self.dialpad, 3)
        left.addStretch(1)
        left.addWidget(self.call_button)
        right = QVBoxLayout()
        right.setSpacing(14)
        right.addWidget(self.call_panel, 5)
        right.addWidget(self.side_tabs, 3)
        row = QHBoxLayout(central)
        row.setContentsMargins(22, 18, 22, 18)
        row.setSpacing(22)
        row.addLayout(left, 4)
        row.addLayout(right, 6)

    # --- start-up ------------------------------------------------------------------------------

    def _finish_setup(self) -> None:
        """Cursors, shortcuts, the recent list: they need PySide6's `Qt` enum namespace (~11 ms
        to load), which nothing needs for the first paint."""
        if self._setup_finished:
            return
        self._setup_finished = True
        from PySide6.QtCore import Qt

        self.entry.finish_setup()
        self.setWindowIcon(app_icon())
        self.call_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.settings_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.history_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.dialpad.finish_setup()
        self.recent_list = self.side_tabs.finish_setup()
        self.recent_list.number_chosen.connect(self.redial)
        from dialer.ui.window_keys import WindowKeys

        self.keys = WindowKeys(self)
        self.keys.watch(self.account_selector, self.caller_id_selector, self.recent_list)
        self.keys.make_shortcuts()
        self.keys.refresh_tab_order()

    def attach(self, settings: Settings, controller: CallController) -> None:
        """Wire the services in once they are loaded; until then the window only paints."""
        from dialer import numbers
        from dialer.ui.call_bridge import CallBridge

        self._finish_setup()  # a minimized start may never have painted
        from dialer.ui.window_settings import apply_theme

        apply_theme(settings.preferences.theme)

        self.settings = settings
        self.controller = controller
        self.bridge = CallBridge(controller, self)
        self.bridge.snapshot.connect(self._on_snapshot)
        self.call_panel.set_ring_time_unavailable(self.tasks.ring_time_unavailable())
        self.entry.enable_parsing(numbers, settings.preferences.default_region)
        self.picker.set_settings(settings)
        from dialer.ui.guard_view import GuardView

        self.guard_view = GuardView(self)  # after the account is known: it judges with it
        self.tasks.refresh_recent()
        app = QApplication.instance()
        if isinstance(app, QApplication):  # a bound slot: gone with the window
            app.commitDataRequest.connect(self._session_ending)
        self.statusBar().showMessage("Ready", 5000)
        QTimer.singleShot(0, self, self._prepare_call_card)

    def save_before_session_end(self) -> None:
        """The desktop session is ending (Qt's `commitDataRequest`: a logout or a shutdown,
        on Windows `WM_QUERYENDSESSION`): the process may be killed as soon as it has
        answered, with no window closed and no task run, so the notes still being typed are
        written now, on this thread, rather than by a task after a pause."""
        self.history.remember()
        self.tasks.save_pending_notes_now()

    def _session_ending(self, _manager: object) -> None:
        self.save_before_session_end()

    def _prepare_call_card(self) -> None:
        """Import the card's module now and build a spare card on the next idle turn: each is
        a few ms here, but 20-40 ms together when the first call's card appears."""
        import dialer.ui.call_card  # noqa: F401

        QTimer.singleShot(0, self.call_panel, self.call_panel.prepare_spare)

    def services_failed(self, text: str) -> None:
        """Start-up could not load the services: say so where the agent looks, keep the window."""
        self._startup_error = text
        self.refresh_call_button()
        self.call_panel.show_error(text, headline="The dialer could not start")
        self.statusBar().showMessage(text)

    async def aclose(self) -> None:
        """Stop following calls (they go on at the provider); finish saving notes and choices.

        Touches no widget: it runs after the window closed, when Qt may have deleted it.
        """
        if self.bridge is not None:
            self.bridge.detach()
        await self.history.aclose()
        await self.tasks.aclose()

    # --- the call button ----------------------------------------------------------------------

    def refresh_call_button(self) -> None:
        button = self.call_button
        if self.controller is None:
            button.setEnabled(False)
            button.setText("Unavailable" if self._startup_error else "Starting…")
            button.setToolTip(self._startup_error or "The dialer is still starting")
            return
        if self.tasks.placing:
            button.setEnabled(False)
            button.setText("Calling…")
            button.setToolTip("A call is being placed")
            return
        button.setText("Call")
        if self.picker.current_account() is None:
            button.setEnabled(False)
            button.setToolTip("No account to call with: add one in Settings (Ctrl+,)")
            return
        guard = self.guard_view.problem() if self.guard_view is not None else None
        problem = self.entry.problem() or guard or self.options.problem()
        button.setEnabled(problem is None)
        button.setToolTip(problem or "Call this number (Enter or Ctrl+Enter)")

    # --- calling -------------------------------------------------------------------------------

    def request_call(self) -> None:
        """Call (button, Enter, Ctrl+Enter): never two at once while one is being placed."""
        if self.controller is None or self.tasks.placing:
            return
        account = self.picker.current_account()
        if account is None or self.entry.problem() is not None or self.options.problem():
            self.refresh_call_button()
            return
        if self.guard_view is not None and self.guard_view.hold(self.request_call):
            return  # refused, or asking the agent first; a "Call anyway" calls again
        self.call_panel.clear_error()
        self.tasks.dial(
            self.number_input.text(),
            account,
            self.picker.current_caller_id(),
            {**self.options.options(), **self.picker.call_options()},
        )
        self._hold_call_button_paint()
        self.refresh_call_button()

    def _hold_call_button_paint(self) -> None:
        """The Call button's new look waits a frame to be laid out and painted
        (`ui/paint_hold.py`); its state, set by `refresh_call_button`, does not."""
        if self._paint_hold is None:
            from dialer.ui.paint_hold import PaintHold

            self._paint_hold = PaintHold(self.call_button, self._central)
        self._paint_hold.hold()

    def redial(self, number: str) -> None:
        """A recent number back in the box, ready to call: calling stays the agent's choice."""
        self.entry.set_text(number)
        self.focus_number()
        self.statusBar().showMessage("Press Enter to call this number again", 5000)

    def focus_number(self) -> None:
        self.number_input.setFocus()
        self.number_input.selectAll()

    def _on_snapshot(self, snapshot: CallSnapshot) -> None:
        is_new = self.call_panel.card(snapshot.uuid) is None
        provider = self._provider(snapshot.provider)
        self.call_panel.show_snapshot(
            snapshot,
            hangup_unavailable=unavailable(provider, "hangup", snapshot, snapshot.provider),
            add_leg_unavailable=unavailable(provider, "add_leg", None, snapshot.provider),
        )
        if is_new:
            self._refresh_tab_order()
        if snapshot.final:
            card = self.call_panel.card(snapshot.uuid)
            if card is not None:
                self.statusBar().showMessage(card.status_label.text(), 10000)
            self.tasks.refresh_recent()

    @staticmethod
    def _provider(name: str) -> type[Provider] | None:
        from dialer.domain.errors import ConfigError
        from dialer.providers import registry

        try:
            return registry.get(name)
        except ConfigError:
            return None

    # --- accounts, options, settings ------------------------------------------------------------

    def _account_changed(self, name: str) -> None:
        settings = self.settings
        account = (
            settings.account(name) if settings and name and settings.has_account(name) else None
        )
        provider = self._provider(account.provider) if account is not None else None
        self.entry.set_provider(provider)
        self.options.set_account(provider, account)
        if account is not None and self.controller is not None:
            self.tasks.label_caller_ids(account.name)
        self.refresh_call_button()

    @property
    def settings_flow(self) -> WindowSettings:
        """The settings dialog's flow, made at its first use: nothing of it is needed to paint."""
        if self._settings_flow is None:
            from dialer.ui.window_settings import WindowSettings

            self._settings_flow = WindowSettings(self)
        return self._settings_flow

    def open_settings(self) -> None:
        """Accounts and preferences (`window_settings`)."""
        self.settings_flow.open()

    def apply_settings(self, settings: object) -> None:
        """New settings from the dialog, in force at once (`window_settings`)."""
        self.settings_flow.apply(settings)

    def _refresh_tab_order(self) -> None:
        if self.keys is not None:
            self.keys.refresh_tab_order()

    # --- events ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched is self._central and not self.painted:
            self.painted = True
            # The zero timer fires after this paint pass has painted every child and flushed.
            QTimer.singleShot(0, self.first_painted.emit)
        elif self.keys is not None and watched is not self._central and self.keys.number_key(event):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Digits typed while focus is elsewhere still go to the number box (`WindowKeys`)."""
        if self.keys is None or not self.keys.key_press(event):
            super().keyPressEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.hidden.emit(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.call_panel.flush_all_notes()  # typed a moment ago: saved before the app quits
        self.history.remember()  # its place, if it is open as the app quits
        self.call_panel.drop_spare()
        self.closed.emit()
        super().closeEvent(event)
