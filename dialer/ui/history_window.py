"""The call history in a window of its own, opened from the main window (Ctrl+H).

A table of thousands of calls needs room the dialer's compact main window does not have, and
agents look things up while a call runs, so it is a separate, non-modal window. It is built on
first use: its modules (and QtMultimedia, on first play) cost nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from dialer.ui.history_view import HistoryView
    from dialer.ui.main_window import MainWindow
    from dialer.ui.window_memory import WindowMemory


class HistoryWindow:
    def __init__(self, main: MainWindow) -> None:
        self._main = main
        self.view: HistoryView | None = None
        self._memory: WindowMemory | None = None
        self._sync: asyncio.Future[None] | None = None

    def open(self) -> None:
        main = self._main
        controller, bridge = main.controller, main.bridge
        if controller is None or bridge is None:
            main.statusBar().showMessage("History opens once the dialer has started", 5000)
            return
        if self.view is None:
            from PySide6.QtCore import Qt

            from dialer.services.recordings import RecordingCache
            from dialer.ui.history_view import HistoryView
            from dialer.ui.window_memory import WindowMemory

            view = HistoryView(
                controller.history,
                controller.client,
                main,
                recordings=RecordingCache.from_preferences(controller.settings.preferences),
            )
            view.setWindowFlag(Qt.WindowType.Window, True)
            # Embedded, the view sits flush in its host; as its own window it needs a margin.
            if (layout := view.layout()) is not None:
                layout.setContentsMargins(12, 12, 12, 12)
            view.setWindowTitle("Call history — Dialer")
            view.resize(960, 600)
            # Where the agent last left it (window.ini, section "history").
            self._memory = WindowMemory(parent=view, section="history", keeps_theme=False)
            self._memory.restore(view)
            self._memory.watch(view)
            view.redial_requested.connect(self._redial)
            bridge.snapshot.connect(self._calls_changed)
            self.view = view
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        self._start_sync()

    def _start_sync(self) -> None:
        """Merge providers' own history in (Kazoo, Alohaa) each time the window opens."""
        import asyncio

        if self._sync is not None and not self._sync.done():
            return
        self._sync = asyncio.ensure_future(self._sync_now())

    async def _sync_now(self) -> None:
        from dialer.services import history_sync

        controller = self._main.controller
        if controller is None:
            return
        results = await history_sync.sync(controller)
        problems = [f"{name}: {text}" for name, text in results.items() if "not synced" in text]
        if self.view is not None:
            self.view.refresh()
        if problems:
            self._main.statusBar().showMessage("History " + "; ".join(problems), 10000)

    def _redial(self, number: str) -> None:
        """The number goes back into the main window's box; calling stays the agent's choice."""
        self._main.redial(number)
        self._main.raise_()
        self._main.activateWindow()

    def remember(self) -> None:
        """Keep the window's place for the next time it opens (it hid, or the app quits)."""
        if self.view is not None and self._memory is not None:
            self._memory.remember(self.view)

    def _calls_changed(self, _snapshot: object) -> None:
        if self.view is not None:
            self.view.refresh()

    async def aclose(self) -> None:
        """Stop the view's background work before the store and HTTP client close."""
        if self._sync is not None and not self._sync.done():
            self._sync.cancel()
        if self.view is not None:
            await self.view.aclose()
