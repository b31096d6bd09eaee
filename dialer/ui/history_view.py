"""Call history: search, filter, sort, redial, copy, delete, export, and play recordings.

Embed it as a page or a dock: `HistoryView(history, client)`; connect `redial_requested(str)`
to put the number in the number box (a redial is a decision the agent makes with the Call
button, never a side effect of a double-click), and call `refresh()` when calls change.

Everything that touches the disk runs on worker threads: pages and counts (the model), delete,
CSV export, recording downloads. The player, and with it QtMultimedia, is created the first
time a recording is asked for.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication, QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from dialer.ui import history_style, pyside_fix
from dialer.ui.history_filters import HistoryFilters
from dialer.ui.history_model import (
    COLUMNS,
    DURATION,
    NUMBER,
    OUTCOME,
    HistoryModel,
    format_when,
)
from dialer.ui.history_table import HistoryTable

if TYPE_CHECKING:
    import httpx

    from dialer.services.history import HistoryEntry, HistoryStore
    from dialer.services.recordings import RecordingCache
    from dialer.ui.player import RecordingPlayer

log = logging.getLogger("dialer.ui.history")

#: Calls arriving in quick succession (a call's every status change) refresh once.
REFRESH_DEBOUNCE_MS = 400


class HistoryView(QWidget):
    """objectName `history_view`. Public names: history_search, history_table, history_export,
    history_count, recording_player (once a recording is played)."""

    #: The agent asked to call this number (E.164) again.
    redial_requested = Signal(str)
    #: The view was hidden (as a window: closed): its place is worth remembering. A signal
    #: from `hideEvent`, not an event filter: a filter would also be handed the hide Qt sends
    #: while destroying the widget, which PySide6 cannot convert. Carries the view.
    hidden = Signal(object)

    def __init__(
        self,
        history: HistoryStore,
        client: httpx.AsyncClient,
        parent: QWidget | None = None,
        *,
        recordings: RecordingCache | None = None,
    ) -> None:
        super().__init__(parent)
        pyside_fix.install()  # emits and void calls here would otherwise drain True/None
        self.setObjectName("history_view")
        self.setAccessibleName("Call history")
        self.history = history
        self.client = client
        self._recordings = recordings
        self.player: RecordingPlayer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._styled_for: str | None = None
        #: Calls selected before a refresh, selected again when they come back.
        self._reselect: set[str] = set()

        self.filters = HistoryFilters(self)
        self.search = self.filters.search
        self.export_button = self.filters.export_button
        self.model = HistoryModel(history, history.query(), self)
        self.table = HistoryTable(self.model, self)
        self.delegate = self.table.delegate
        self.empty = self.table.empty
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("history_count")
        self.count_label.setAccessibleName("Number of calls shown")
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("history_status")
        self.status_label.setProperty("role", "help")

        footer = QHBoxLayout()
        footer.addWidget(self.count_label)
        footer.addStretch(1)
        footer.addWidget(self.status_label)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(10)
        self._layout.addWidget(self.filters)
        self._layout.addWidget(self.table, 1)
        self._layout.addLayout(footer)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DEBOUNCE_MS)
        self._refresh_timer.timeout.connect(self._refresh_now)
        self.filters.changed.connect(self._apply_filters)
        self.filters.to_results.connect(self._focus_results)
        self.filters.export_button.clicked.connect(self._ask_export_path)
        self.model.count_changed.connect(self._show_count)
        self.model.first_page_loaded.connect(self._first_page)
        self.model.failed.connect(lambda text: self._say(text, bad=True))
        self.model.modelReset.connect(self._update_empty)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)
        self.table.redial_requested.connect(self.redial_row)
        self.table.play_requested.connect(self.play_row)
        self.table.copy_requested.connect(self.copy_selected)
        self.table.delete_requested.connect(self.delete_selected)
        self.table.menu_requested.connect(self._context_menu)
        self.table.horizontalHeader().sectionClicked.connect(self._header_clicked)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self._focus_search)
        self._restyle()
        self.model.set_query(history.query())
        self._load_accounts()

    # --- public ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Calls changed (placed, updated, imported): reload soon, coalescing bursts."""
        self._refresh_timer.start()

    def apply_search(self, text: str) -> int:
        """Search now (no typing pause); returns the model generation that will show it."""
        self.search.setText(text)
        self.filters.flush()
        return self.model.generation

    def selected_entries(self) -> list[HistoryEntry]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [entry for row in rows if (entry := self.model.entry(row)) is not None]

    def redial_row(self, row: int) -> None:
        entry = self.model.entry(row)
        if entry is not None:
            self.redial_requested.emit(entry.to_number)

    def copy_selected(self) -> None:
        numbers = [entry.to_number for entry in self.selected_entries()]
        if numbers:
            QGuiApplication.clipboard().setText("\n".join(numbers))
            self._say("Copied " + (numbers[0] if len(numbers) == 1 else f"{len(numbers)} numbers"))

    def delete_selected(self) -> None:
        entries = self.selected_entries()
        if not entries:
            return
        many = len(entries) > 1
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete from history",
            f"Delete {len(entries)} calls from the history?"
            if many
            else f"Delete the call to {entries[0].to_number} from the history?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("history_delete_confirm")
        box.setInformativeText("Their notes and downloaded recordings are removed too.")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        uuids = [entry.uuid for entry in entries]

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self._spawn(self._delete(uuids))

        box.finished.connect(answered)
        box.finished.connect(box.deleteLater)
        box.open()

    def export_to(self, path: str) -> None:
        """Write the calls the filters select (in the shown order) to `path` as CSV."""
        if path:
            self._spawn(self._export(path))

    def play_row(self, row: int) -> None:
        entry = self.model.entry(row)
        if entry is None or not entry.recording_url:
            return
        player = self._ensure_player()
        when = entry.started_at.astimezone().strftime("%Y%m%d-%H%M") if entry.started_at else ""
        title = "  ·  ".join(
            part
            for part in (
                self.model.data(self.model.index(row, NUMBER)),
                format_when(entry.started_at),
                self.model.data(self.model.index(row, DURATION)),
                self.model.data(self.model.index(row, OUTCOME)),
            )
            if part
        )
        player.load(entry.uuid, entry.recording_url, title, f"call-{entry.digits}-{when}")
        self.delegate.playing_uuid = entry.uuid
        self.table.viewport().update()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.hidden.emit(self)

    async def aclose(self) -> None:
        """Stop background work before the store and HTTP client close."""
        self._refresh_timer.stop()
        await self.model.aclose()
        if self.player is not None:
            await self.player.aclose()
        tasks = [task for task in self._tasks if not task.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- filters, counts ---------------------------------------------------------------------

    def _apply_filters(self) -> None:
        from dataclasses import replace

        self.model.set_query(replace(self.model.query, **self.filters.fields()))

    def _refresh_now(self) -> None:
        selected = {entry.uuid for entry in self.selected_entries()}
        self._reselect = selected
        self.model.reload()
        self._load_accounts()

    def _first_page(self, generation: int) -> None:
        reselect, self._reselect = self._reselect, set()
        model = self.table.selectionModel()
        for uuid in reselect:
            row = self.model.row_of(uuid)
            if row is not None:
                model.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        self._update_empty()

    def _show_count(self, total: int) -> None:
        noun = "call" if total == 1 else "calls"
        verb = " match" if self.filters.is_filtered() else ""
        if total == 1 and verb:
            verb = " matches"
        self.count_label.setText(f"{total:,} {noun}{verb}")

    def _load_accounts(self) -> None:
        async def load() -> None:
            from dialer.domain.errors import DialerError

            try:
                names = await asyncio.to_thread(self.history.accounts)
            except DialerError:
                return
            self.filters.set_accounts(names)

        self._spawn(load())

    def _update_empty(self, *args: object) -> None:
        if self.model.rowCount() or self.model.loading:
            self.table.show_empty(None)
        elif self.filters.is_filtered():
            self.table.show_empty("No calls match these filters.")
        else:
            self.table.show_empty(
                "No calls yet.\nCalls you place appear here, with their recordings."
            )

    def _header_clicked(self, column: int) -> None:
        """Sort by that column; a column that cannot sort leaves the indicator where it was."""
        header = self.table.horizontalHeader()
        if COLUMNS[column][1] is None:
            order = (
                Qt.SortOrder.DescendingOrder
                if self.model.query.descending
                else Qt.SortOrder.AscendingOrder
            )
            header.setSortIndicator(self.model.sort_column(), order)
            return
        self.model.sort(column, header.sortIndicatorOrder())

    # --- actions -----------------------------------------------------------------------------

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        entries = self.selected_entries()
        if not entries:
            return
        row = index.row() if index.isValid() else self.table.current_row()
        menu = QMenu(self)
        menu.setObjectName("history_menu")

        def add(text: str, slot: Any, shortcut: str, enabled: bool = True) -> QAction:
            action = menu.addAction(text)
            action.setShortcut(QKeySequence(shortcut))
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            return action

        single = len(entries) == 1
        add("Redial", lambda: self.redial_row(row), "Return", single).setObjectName(
            "history_redial"
        )
        add("Copy number" if single else "Copy numbers", self.copy_selected, "Ctrl+C")
        has_recording = single and bool(entries[0].recording_url)
        add("Play recording", lambda: self.play_row(row), "Space", has_recording)
        menu.addSeparator()
        add("Delete…", self.delete_selected, "Delete")
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _ask_export_path(self) -> None:
        from PySide6.QtCore import QStandardPaths

        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = f"call-history-{datetime.now():%Y-%m-%d}.csv"
        dialog = QFileDialog(self, "Export call history", f"{folder}/{name}", "CSV files (*.csv)")
        dialog.setObjectName("history_export_dialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    async def _export(self, path: str) -> None:
        from pathlib import Path

        from dialer.domain.errors import DialerError

        query = self.model.query
        self.export_button.setEnabled(False)
        self._say("Exporting…")
        try:
            count = await asyncio.to_thread(self.history.export_csv, query, Path(path))
        except DialerError as exc:
            self._say(str(exc), bad=True)
            return
        finally:
            self.export_button.setEnabled(True)
        self._say(f"Exported {count:,} call{'s' if count != 1 else ''} to {path}")

    async def _delete(self, uuids: list[str]) -> None:
        from dialer.domain.errors import DialerError

        try:
            deleted = await asyncio.to_thread(self.history.delete, uuids)
        except DialerError as exc:
            self._say(str(exc), bad=True)
            return
        cache = self.recordings

        def forget() -> None:
            for uuid in uuids:
                cache.forget(uuid)

        await asyncio.to_thread(forget)
        if self.player is not None and self.player.call_uuid in uuids:
            self._close_player()
        self.model.remove_uuids(set(uuids), deleted)
        self._say(f"Deleted {deleted} call{'s' if deleted != 1 else ''}")

    # --- the player --------------------------------------------------------------------------

    @property
    def recordings(self) -> RecordingCache:
        if self._recordings is None:
            from dialer.services.recordings import RecordingCache

            self._recordings = RecordingCache.from_preferences()
        return self._recordings

    def _ensure_player(self) -> RecordingPlayer:
        if self.player is None:
            from dialer.ui.player import RecordingPlayer

            self.player = RecordingPlayer(self.recordings, self.client, self)
            self.player.close_requested.connect(self._close_player)
            self.player.setStyleSheet(history_style.player_qss())
            self._layout.addWidget(self.player)
        self.player.setVisible(True)
        return self.player

    def _close_player(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setVisible(False)
        self.delegate.playing_uuid = None
        self.table.viewport().update()
        self.table.setFocus()

    # --- housekeeping ------------------------------------------------------------------------

    def _say(self, text: str, *, bad: bool = False) -> None:
        from dialer.ui.style import set_tone

        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        set_tone(self.status_label, "bad" if bad else "")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _restyle(self) -> None:
        """The view's own rules, in the theme's colours (re-run when the theme changes)."""
        from dialer.ui.style import painted

        key = painted("#0f172a")
        if key == self._styled_for:
            return
        self._styled_for = key
        self.setStyleSheet(history_style.view_qss())
        if self.player is not None:
            self.player.setStyleSheet(history_style.player_qss())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

    def index_of(self, row: int, column: int = NUMBER) -> QModelIndex:
        return self.model.index(row, column)
