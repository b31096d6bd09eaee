"""The call history as a Qt table model that reads a page at a time, off the GUI thread.

A history can hold a million calls; the model holds only the pages the agent has scrolled to.
`canFetchMore`/`fetchMore` follow Qt's lazy-model protocol, but a page is read on a worker
thread (SQLite may be busy with the CLI's write, and a search can take milliseconds that a
frame cannot spare): `fetchMore` only starts the read, and the rows are inserted when it
lands. Every query change bumps a generation number, so a page of an old search arriving late
is dropped instead of mixing into the new one.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from dialer.ui import style

if TYPE_CHECKING:
    from dialer.services.history import HistoryEntry, HistoryQuery, HistoryStore
    from dialer.services.history_query import Cursor

log = logging.getLogger("dialer.ui.history")

PAGE_SIZE = 200

#: Columns, in order: (header, sort key or None when the column cannot sort).
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("", None),  # the recording's play button
    ("When", "started"),
    ("Number", "number"),
    ("Outcome", "status"),
    ("Duration", "duration"),
    ("Account", "account"),
    ("Caller ID", None),
    ("Notes", None),
)
RECORDING, WHEN, NUMBER, OUTCOME, DURATION, ACCOUNT, CALLER_ID, NOTES = range(len(COLUMNS))

#: Outcomes in a table's few words; the status code is in the tooltip.
OUTCOME_WORDS = {
    "ANSWER": "Answered",
    "NO_ANSWER": "No answer",
    "BUSY": "Busy",
    "FAILED": "Failed",
    "CANCELED": "Canceled",
    "UNKNOWN": "Unknown",
    "ENDED": "Ended",
    "INTERRUPTED": "Interrupted",
    "PLACED": "Placed",
    "DIALING": "Placing…",
    "QUEUED": "Queued…",
    "INITIATED": "Ringing…",
}
OUTCOME_COLOURS = {
    "ANSWER": style.GREEN_HI,
    "PLACED": style.GREEN_HI,
    "ENDED": style.GREEN_HI,
    "NO_ANSWER": style.AMBER,
    "CANCELED": style.AMBER,
    "UNKNOWN": style.AMBER,
    "INTERRUPTED": style.AMBER,
    "BUSY": style.RED_HI,
    "FAILED": style.RED_HI,
    "DIALING": style.BLUE,
    "QUEUED": style.BLUE,
    "INITIATED": style.BLUE,
}

#: The HistoryEntry of a row.
EntryRole = Qt.ItemDataRole.UserRole + 1
#: The number a redial or copy uses (E.164 as stored).
NumberRole = Qt.ItemDataRole.UserRole + 2


#: Numbers formatted for display, kept across pages (customers are called again and again).
_FORMAT_CACHE_SIZE = 4096


class NumberFormatter:
    """E.164 to "+91 98765 43210", only for rows that are painted, remembered.

    libphonenumber takes ~60 µs a number: formatting every loaded row would cost more than
    reading the page from SQLite, while a screen shows a few dozen. Until `dialer.numbers` is
    loaded (by the first page, on a worker thread) numbers show as stored.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._cache: dict[str, str] = {}

    def __call__(self, number: str | None) -> str:
        if not number:
            return "—"
        shown = self._cache.get(number)
        if shown is None:
            # libphonenumber itself, once loaded: `dialer.numbers.parse` also works out why an
            # invalid number is invalid, which a table cell painted on the GUI thread never shows.
            lib = sys.modules.get("phonenumbers")
            if lib is None:
                return number
            try:
                parsed = lib.parse(number, self.region)
                shown = lib.format_number(parsed, lib.PhoneNumberFormat.INTERNATIONAL)
            except lib.NumberParseException:
                shown = number
            if len(self._cache) >= _FORMAT_CACHE_SIZE:
                self._cache.clear()
            self._cache[number] = shown
        return shown


def format_when(started: datetime | None, today: datetime | None = None) -> str:
    """Today "14:05", this year "24 Nov 14:05", before that "24 Nov 2025" (local time)."""
    if started is None:
        return "—"
    local = started.astimezone()
    now = (today or datetime.now()).astimezone()
    if local.date() == now.date():
        return local.strftime("Today %H:%M")
    if local.year == now.year:
        return local.strftime("%d %b %H:%M").lstrip("0")
    return local.strftime("%d %b %Y").lstrip("0")


def format_duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(max(0, seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def load_page(
    store: HistoryStore, query: HistoryQuery, cursor: Cursor | None, limit: int
) -> tuple[list[HistoryEntry], Cursor | None]:
    """One page; blocking (SQLite), for a worker thread."""
    import phonenumbers  # noqa: F401  - loaded here, off the GUI thread, for NumberFormatter

    page = store.page(query, cursor, limit)
    return page.entries, page.cursor


class HistoryModel(QAbstractTableModel):
    """Rows of `store` matching `query`, fetched lazily; each row's EntryRole is its entry."""

    #: The first page of generation N is in (tests and the benchmark wait on this).
    first_page_loaded = Signal(int)
    #: How many calls match the current query (counted on a worker thread).
    count_changed = Signal(int)
    #: Reading failed; the text says why.
    failed = Signal(str)
    #: A page read started (True) or finished (False).
    loading_changed = Signal(bool)

    def __init__(
        self, store: HistoryStore, query: HistoryQuery, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._query = query
        self._rows: list[HistoryEntry] = []
        self._cursor: Cursor | None = None
        self._done = False
        self._loading = False
        self.generation = 0
        self.generation_loaded = 0
        self.total: int | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.format_number = NumberFormatter(query.region)

    @property
    def query(self) -> HistoryQuery:
        return self._query

    def set_query(self, query: HistoryQuery) -> int:
        """Show `query` from its first page; returns the generation it loads as."""
        self._query = query
        return self.reload()

    def reload(self) -> int:
        self.generation += 1
        self.beginResetModel()
        self._rows = []
        self._cursor = None
        self._done = False
        self._loading = False
        self.total = None
        self.endResetModel()
        self._fetch(first=True)
        self._spawn(self._count(self.generation, self._query))
        return self.generation

    # --- Qt's model interface --------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._done and not self._loading

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetch(first=False)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == DURATION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if section == RECORDING:
                return "Recording"
            return COLUMNS[section][0] + (" (click to sort)" if COLUMNS[section][1] else "")
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == EntryRole:
            return entry
        if role == NumberRole:
            return entry.to_number
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == RECORDING:
                return "Play recording" if entry.recording_url else "No recording"
            return self._display(entry, column) or "none"
        if role == Qt.ItemDataRole.ForegroundRole and column == OUTCOME:
            return QColor(style.painted(OUTCOME_COLOURS.get(entry.status.value, style.MUTED)))
        if role == Qt.ItemDataRole.ForegroundRole and column in (CALLER_ID, ACCOUNT, WHEN):
            return QColor(style.painted(style.MUTED))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == DURATION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a sortable column (through its index); other columns keep the order."""
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][1] is None:
            return
        from dataclasses import replace

        from dialer.services.history_query import SortKey

        key = SortKey(str(COLUMNS[column][1]))
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self._query.sort, self._query.descending):
            self.set_query(replace(self._query, sort=key, descending=descending))

    def sort_column(self) -> int:
        return next(i for i, (_, key) in enumerate(COLUMNS) if key == self._query.sort.value)

    # --- rows --------------------------------------------------------------------------------

    def entry(self, row: int) -> HistoryEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, uuid: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.uuid == uuid), None)

    def remove_uuids(self, uuids: set[str], deleted: int | None = None) -> None:
        """Drop deleted calls from the rows already shown, without a reload (keeps scroll);
        `deleted` is how many the store removed (the count drops by that much)."""
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].uuid in uuids:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        if self.total is not None:
            self.total = max(0, self.total - (len(uuids) if deleted is None else deleted))
            self.count_changed.emit(self.total)

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._done

    async def aclose(self) -> None:
        """Stop reading: cancel page and count reads in flight (the view is going away)."""
        self.generation += 1
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- internals ---------------------------------------------------------------------------

    def _display(self, entry: HistoryEntry, column: int) -> str:
        if column == WHEN:
            return format_when(entry.started_at)
        if column == NUMBER:
            return self.format_number(entry.to_number)
        if column == OUTCOME:
            return OUTCOME_WORDS.get(entry.status.value, entry.status.value.title())
        if column == DURATION:
            return format_duration(entry.duration)
        if column == ACCOUNT:
            return entry.account
        if column == CALLER_ID:
            return self.format_number(entry.from_number)
        if column == NOTES:
            text = entry.notes.replace("\n", " ")
            return (
                f"{entry.disposition} · {text}"
                if entry.disposition and text
                else (entry.disposition or text)
            )
        return ""

    def _tooltip(self, entry: HistoryEntry, column: int) -> str | None:
        if column == RECORDING:
            return "Play the recording (Space)" if entry.recording_url else None
        if column == OUTCOME:
            detail = f"{entry.status.value}" + (f": {entry.message}" if entry.message else "")
            return detail + ("\nFrom the provider's call history" if entry.source != "app" else "")
        if column == WHEN and entry.started_at is not None:
            return entry.started_at.astimezone().strftime("%A %d %B %Y, %H:%M:%S")
        if column == NOTES and (entry.notes or entry.disposition):
            return "\n".join(part for part in (entry.disposition, entry.notes) if part)
        if column == NUMBER:
            return f"{entry.to_number}\nEnter redials · Ctrl+C copies"
        return None

    def _fetch(self, *, first: bool) -> None:
        self._loading = True
        self.loading_changed.emit(True)
        self._spawn(self._load(self.generation, self._query, self._cursor, first))

    async def _load(
        self, generation: int, query: HistoryQuery, cursor: Cursor | None, first: bool
    ) -> None:
        from dialer.domain.errors import DialerError

        try:
            rows, after = await asyncio.to_thread(load_page, self.store, query, cursor, PAGE_SIZE)
        except DialerError as exc:
            if generation == self.generation:
                self._loading = False
                self._done = True
                self.loading_changed.emit(False)
                self.failed.emit(str(exc))
            return
        if generation != self.generation:
            return  # a page of a query that is no longer shown
        self._cursor = after
        self._done = after is None
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._loading = False
        self.loading_changed.emit(False)
        if first:
            self.generation_loaded = generation
            self.first_page_loaded.emit(generation)

    async def _count(self, generation: int, query: HistoryQuery) -> None:
        from dialer.domain.errors import DialerError

        try:
            total = await asyncio.to_thread(self.store.count, query)
        except DialerError:
            return  # the page read reports the problem
        if generation == self.generation:
            self.total = total
            self.count_changed.emit(total)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done_task)

    def _done_task(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("history read failed", exc_info=task.exception())
