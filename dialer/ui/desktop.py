"""Living on the desktop: where numbers come from when the agent does not type them.

Numbers arrive from tel: links and second launches (`instance_server`), from the clipboard
(`clipboard_watch`), from the global shortcut (`hotkey`) and from the tray (`tray`,
`quick_dial`). They all end here, in one rule: a number the agent did not type is filled in
and shown, and dialed only after `consent_dialog` — unless the agent turned on auto-dial for
that source. The tray's own menu and quick-dial box are the agent's hand, so they dial.

This object also keeps the app alive in the tray when the window is closed (where there is a
tray), and turns finished calls into notifications. The window knows nothing of it: it reads
the window's public parts (`entry`, `request_call`, `bridge`, `settings`) and filters its
close event.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QBoxLayout, QWidget

from dialer.ui.clipboard_watch import ClipboardHint, ClipboardWatcher
from dialer.ui.consent_dialog import ConsentFlow
from dialer.ui.notifications import Notifier
from dialer.ui.tray import Tray

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine

    from dialer.clipboard_numbers import Found
    from dialer.domain.models import CallSnapshot
    from dialer.ipc import Request, Source
    from dialer.numbers import ParsedNumber
    from dialer.settings import Preferences, Settings
    from dialer.ui.consent_dialog import ConsentDialog
    from dialer.ui.hotkey import GlobalHotkey
    from dialer.ui.instance_server import InstanceServer
    from dialer.ui.main_window import MainWindow
    from dialer.ui.open_events import OpenEventCatcher
    from dialer.ui.quick_dial import QuickDialBox

log = logging.getLogger("dialer.ui")


class DesktopIntegration(QObject):
    """Tray, clipboard, links, single instance and shortcut around one main window."""

    def __init__(self, window: MainWindow, parent: QObject | None = None) -> None:
        super().__init__(parent or window)
        self.window = window
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.app = app
        self.tray = Tray(self, window)
        self.notifier = Notifier(window, self)
        self.watcher = ClipboardWatcher(app.clipboard(), "IN", self)
        self.hint = ClipboardHint()
        self.hotkey: GlobalHotkey | None = None
        self.server: InstanceServer | None = None
        self.flow = ConsentFlow(window, lambda: self.prefs, self)
        self.flow.dial_requested.connect(self.dial_now)
        self.quick: QuickDialBox | None = None
        self._quitting = False
        self._told_about_tray = False
        self._pending: list[tuple[str | None, Source]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

        self._place_hint()
        self.hint.dial_requested.connect(self._hint_dial)
        self.watcher.number_copied.connect(self._number_copied)
        self.tray.quick_dial_requested.connect(self.open_quick_dial)
        self.tray.recent_chosen.connect(self.dial_now)
        self.tray.dial_clipboard_requested.connect(self.dial_from_clipboard)
        self.tray.toggle_window_requested.connect(self.toggle_window)
        self.tray.hangup_requested.connect(self.hang_up_live_call)
        self.tray.quit_requested.connect(self.quit)
        self.tray.icon.messageClicked.connect(self._message_clicked)
        # The window's own shortcuts: Ctrl+Shift+D dials from the clipboard, Ctrl+Q quits.
        window.addAction(self.tray.clipboard_action)
        window.addAction(self.tray.quit_action)
        window.installEventFilter(self)
        self._offered: str | None = None  # the number the last tray message offered

    # --- start-up -------------------------------------------------------------------------

    def adopt(self, server: InstanceServer | None, links: OpenEventCatcher | None = None) -> None:
        """Take over the launches and links that the app started listening for before the
        services were up; those that already arrived are delivered now."""
        self.server = server
        if server is not None:
            server.state = self.state
            server.open_requested.connect(self._open_requested)
            server.release()
        if links is not None:
            links.link_opened.connect(lambda link: self.receive(link, "tel"))
            links.release()

    def attach(self, settings: Settings) -> None:
        """Services are up: apply the preferences and ask about what arrived while starting."""
        self.apply_settings(settings)
        self.tray.show()
        self.notifier.set_tray(self.tray)
        if self.window.bridge is not None:
            self.window.bridge.snapshot.connect(self._on_snapshot)
        self.refresh_recent()
        pending, self._pending = self._pending, []
        for number, source in pending:
            self.offer(number, source)

    def apply_settings(self, settings: Settings) -> None:
        prefs = settings.preferences
        self.watcher.region = prefs.default_region
        self.watcher.set_enabled(prefs.watch_clipboard)
        if not prefs.watch_clipboard:
            self.hint.dismiss()
        self.notifier.enabled = prefs.notify_calls
        self._set_hotkey(prefs.global_hotkey)
        if self.quick is not None:
            self.quick.set_parser(self._parse)

    def _set_hotkey(self, text: str) -> None:
        if self.hotkey is None and not text:
            return
        if self.hotkey is None:
            from dialer.ui.hotkey import GlobalHotkey

            self.hotkey = GlobalHotkey(self)
            self.hotkey.triggered.connect(self.dial_selection)
        if text == self.hotkey.shortcut:
            return
        problem = self.hotkey.set_shortcut(text)
        if problem:
            self.window.statusBar().showMessage(f"Global shortcut {text}: {problem}", 15000)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        if self.hotkey is not None:
            self.hotkey.clear()
        self.watcher.set_enabled(False)
        self.tray.hide()

    @property
    def consent(self) -> ConsentDialog | None:
        """The open consent question, if any."""
        return self.flow.dialog

    @property
    def prefs(self) -> Preferences | None:
        settings = self.window.settings
        return settings.preferences if settings is not None else None

    def state(self) -> dict[str, Any]:
        """What `dialer.ipc.query_state` answers: what the window shows right now."""
        from dialer import __version__

        consent = self.consent
        return {
            "pid": os.getpid(),
            "version": __version__,
            "number": self.window.number_input.text(),
            "window_visible": self.window.isVisible(),
            "consent_open": consent is not None and consent.isVisible(),
            "consent_number": consent.parsed.e164 if consent is not None else None,
            "ready": self.window.controller is not None,
            "tray": self.tray.visible,
        }

    # --- numbers from outside -------------------------------------------------------------

    def _open_requested(self, request: Request) -> None:
        self.receive(request.number, request.source, minimized=request.minimized)

    def receive(self, number: str | None, source: Source, *, minimized: bool = False) -> None:
        """A launch, link or open event: bring the window up with the number filled in."""
        if number is None:
            if not minimized:
                self.show_window()
            return
        self.show_window()
        self.window.entry.set_text(number)
        self.window.focus_number()
        if self.prefs is None:
            self._pending.append((number, source))  # asked once the services are up
            return
        self.offer(number, source)

    def offer(self, number: str | None, source: Source) -> None:
        """Dial if the agent allowed it for this source, else ask; never dial unasked."""
        if number is None or self.prefs is None:
            return
        parsed = self._parse(number)
        if not parsed.valid:
            self.window.statusBar().showMessage(
                f"Cannot call {number.strip()[:40]}: {parsed.reason or 'not a phone number'}",
                10000,
            )
            return
        self.show_window()
        self._ensure_theme()
        self.flow.offer(parsed, source)

    def dial_now(self, number: str) -> None:
        """The agent's own choice (consent, tray, quick dial): fill in and place the call."""
        window = self.window
        window.entry.set_text(number)
        if window.controller is None:
            window.statusBar().showMessage("The dialer is still starting; call when ready", 8000)
            return
        if window.tasks.placing:
            window.statusBar().showMessage("A call is being placed; press Call after it", 8000)
            return
        window.request_call()
        if not window.tasks.placing:
            problem = window.entry.problem() or "this number cannot be called now"
            window.statusBar().showMessage(problem, 10000)

    # --- clipboard and shortcut -------------------------------------------------------------

    def _number_copied(self, found: Found) -> None:
        if self.prefs is not None and self.prefs.auto_dial_clipboard:
            self.dial_now(found.e164)
            return
        self.hint.offer(found)
        if self.tray.visible and not self.window.isActiveWindow():
            self._offered = found.e164
            self.tray.icon.showMessage(
                "Phone number copied", f"Click to call {found.international}"
            )

    def _hint_dial(self, number: str) -> None:
        # The hint shows the number on its Call button: pressing it is the confirmation.
        self.dial_now(number)

    def _message_clicked(self) -> None:
        # A click on a notification may be a dismissal: show the number and ask.
        number, self._offered = self._offered, None
        if number is not None:
            self.receive(number, "clipboard")

    def dial_from_clipboard(self) -> None:
        found = self.watcher.current_number()
        if found is None:
            self.show_window()
            self.window.statusBar().showMessage("No phone number on the clipboard", 6000)
            return
        self.hint.dismiss()
        self.receive(found.e164, "clipboard")

    def dial_selection(self) -> None:
        """The global shortcut: the selected text's number where there is one, else the
        clipboard's."""
        found = self.watcher.selected_number() or self.watcher.current_number()
        if found is None:
            self.show_window()
            self.window.statusBar().showMessage("No phone number selected or copied", 6000)
            return
        self.receive(found.e164, "clipboard")

    # --- the tray ---------------------------------------------------------------------------

    def open_quick_dial(self) -> None:
        from dialer.ui.quick_dial import QuickDialBox

        if self.quick is None:
            self._ensure_theme()
            self.quick = QuickDialBox(self._parse if self.prefs is not None else None, self.window)
            self.quick.dial_requested.connect(self._quick_dial)
        self.quick.open_fresh()

    def _quick_dial(self, number: str) -> None:
        self.dial_now(number)
        if not self.window.isVisible():
            self.show_window()  # the call's card is where it can be followed and hung up

    def show_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        else:
            window.show()
        window.raise_()
        window.activateWindow()
        self.tray.set_window_shown(True)

    def start_hidden(self) -> None:
        """Start minimized: into the tray where there is one, else to the taskbar."""
        if self.tray.visible:
            self.window.hide()
            self.tray.set_window_shown(False)
        else:
            self.window.showMinimized()

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
            self.tray.set_window_shown(False)
        else:
            self.show_window()

    def hang_up_live_call(self) -> None:
        live = self._live_calls()
        if live:
            self.window.tasks.hangup(live[-1].uuid)

    def quit(self) -> None:
        self._quitting = True
        self.window.close()

    def refresh_recent(self) -> None:
        controller = self.window.controller
        if controller is not None:
            self._spawn(self.tray.load_recent(controller.history))

    def _on_snapshot(self, snapshot: CallSnapshot) -> None:
        self.tray.show_calls(self._live_calls())
        if snapshot.final:
            self.notifier.call_finished(snapshot)
            self.refresh_recent()

    def _live_calls(self) -> list[CallSnapshot]:
        controller = self.window.controller
        return list(controller.live().values()) if controller is not None else []

    # --- closing to the tray --------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            if self._keep_running():
                event.ignore()
                self.window.hide()
                self.tray.set_window_shown(False)
                if not self._told_about_tray:
                    self._told_about_tray = True
                    self.tray.icon.showMessage(
                        "Dialer is still running",
                        "Calls and links keep working. Quit from the tray menu or with Ctrl+Q.",
                    )
                return True
            self.flow.close()
        elif watched is self.window and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.tray.set_window_shown(event.type() == QEvent.Type.Show)
        return super().eventFilter(watched, event)

    def _keep_running(self) -> bool:
        prefs = self.prefs
        return (
            not self._quitting and prefs is not None and prefs.close_to_tray and self.tray.visible
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _parse(self, text: str) -> ParsedNumber:
        from dialer import numbers

        prefs = self.prefs
        return numbers.parse(text, prefs.default_region if prefs is not None else "IN")

    def _place_hint(self) -> None:
        """Under the number box, where the eye already is; the status bar if that moved."""
        entry = self.window.entry
        central = self.window.centralWidget()
        layout = _layout_holding(central.layout(), entry) if central is not None else None
        if layout is not None:
            layout.insertWidget(layout.indexOf(entry) + 1, self.hint)
        else:
            self.window.statusBar().addPermanentWidget(self.hint)

    def _ensure_theme(self) -> None:
        """Dialogs need the form rules of the theme, which the first paint did not load."""
        from dialer.ui import theme

        prefs = self.prefs
        mode = prefs.theme if prefs is not None else "system"
        theme.ensure_applied(self.app, mode)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        import asyncio

        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        import asyncio

        self.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.flow.aclose()


def _layout_holding(layout: Any, widget: QWidget) -> QBoxLayout | None:
    """The box layout (searched depth-first) that holds `widget` directly."""
    if layout is None:
        return None
    if isinstance(layout, QBoxLayout) and layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        child = layout.itemAt(i).layout()
        found = _layout_holding(child, widget) if child is not None else None
        if found is not None:
            return found
    return None
