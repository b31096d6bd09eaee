"""The history view's search box and filters, turned into the fields of a HistoryQuery.

Typing is debounced (a search per keystroke would throw away most of the pages it reads);
choosing from a list applies at once. Date presets are computed when applied, in local time,
so "Today" is the agent's today even in a window left open overnight.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

#: Milliseconds after the last keystroke before the search runs.
SEARCH_DEBOUNCE_MS = 250

STATUS_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All outcomes", ()),
    ("Answered", ("ANSWER",)),
    ("No answer", ("NO_ANSWER",)),
    ("Busy", ("BUSY",)),
    ("Failed", ("FAILED",)),
    ("Canceled", ("CANCELED",)),
    ("Not connected", ("NO_ANSWER", "BUSY", "FAILED", "CANCELED")),
    ("Unknown or other", ("UNKNOWN", "ENDED", "PLACED", "INTERRUPTED")),
    ("In progress", ("DIALING", "QUEUED", "INITIATED")),
)
ANY_TIME, TODAY, YESTERDAY, LAST_7, LAST_30, THIS_MONTH, CUSTOM = range(7)
DATE_CHOICES = (
    "Any time",
    "Today",
    "Yesterday",
    "Last 7 days",
    "Last 30 days",
    "This month",
    "Custom range…",
)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


def date_range(choice: int, start: date, end: date, today: date | None = None) -> tuple[
    datetime | None, datetime | None
]:  # fmt: skip
    """(since, until) in UTC for a date choice; `start`/`end` are the custom range's days."""
    day = today or datetime.now().astimezone().date()
    one = timedelta(days=1)
    spans = {
        TODAY: (day, day + one),
        YESTERDAY: (day - one, day),
        LAST_7: (day - 6 * one, day + one),
        LAST_30: (day - 29 * one, day + one),
        THIS_MONTH: (day.replace(day=1), day + one),
        CUSTOM: (min(start, end), max(start, end) + one),
    }
    if choice not in spans:
        return None, None
    first, after = spans[choice]
    return _local_midnight(first).astimezone(UTC), _local_midnight(after).astimezone(UTC)


class HistoryFilters(QWidget):
    """objectNames: history_search, history_status_filter, history_account_filter,
    history_date_filter, history_date_from, history_date_to, history_export."""

    #: The filters changed (after the typing pause, or at once for a choice).
    changed = Signal()
    #: Down arrow or Enter in the search box: move to the results.
    to_results = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("history_search")
        self.search.setPlaceholderText("Search number, account or notes")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search call history")
        self.search.setToolTip(
            "A number in any format (or its last 4+ digits), or words from notes, "
            "disposition or account. Ctrl+F from anywhere in the history."
        )
        self.status = self._combo("history_status_filter", "Outcome filter")
        for text, _ in STATUS_CHOICES:
            self.status.addItem(text)
        self.account = self._combo("history_account_filter", "Account filter")
        self.account.addItem("All accounts")
        self.dates = self._combo("history_date_filter", "Date filter")
        self.dates.addItems(list(DATE_CHOICES))
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setObjectName("history_export")
        self.export_button.setAccessibleName("Export the calls shown to a CSV file")
        self.export_button.setToolTip("Save the calls matching these filters as a CSV file")

        today = QDate.currentDate()
        self.date_from = self._date_edit("history_date_from", "From date", today.addDays(-7))
        self.date_to = self._date_edit("history_date_to", "To date", today)
        self.custom_row = QWidget(self)
        custom = QHBoxLayout(self.custom_row)
        custom.setContentsMargins(0, 0, 0, 0)
        custom.setSpacing(8)
        from_label = QLabel("From", self.custom_row)
        from_label.setBuddy(self.date_from)
        to_label = QLabel("to", self.custom_row)
        to_label.setBuddy(self.date_to)
        for part in (from_label, self.date_from, to_label, self.date_to):
            custom.addWidget(part)
        custom.addStretch(1)
        self.custom_row.setVisible(False)

        self._top = QHBoxLayout()
        self._top.setSpacing(8)
        self._top.addWidget(self.search, 3)
        self._second = QHBoxLayout()
        self._second.setSpacing(8)
        self._wide: bool | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self._top)
        layout.addLayout(self._second)
        layout.addWidget(self.custom_row)
        self._arrange(wide=True)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.search.returnPressed.connect(self._search_entered)
        self.search.installEventFilter(self)
        for combo in (self.status, self.account):
            combo.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.dates.currentIndexChanged.connect(self._dates_chosen)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _: self.changed.emit())

    def _combo(self, name: str, accessible: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        # Shrink with the window (down to ~9 characters) rather than squeeze the search box.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(9)
        return combo

    def _date_edit(self, name: str, accessible: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        return edit

    # --- reading -----------------------------------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """The HistoryQuery fields these controls select."""
        since, until = date_range(
            self.dates.currentIndex(),
            self.date_from.date().toPython(),  # type: ignore[arg-type]
            self.date_to.date().toPython(),  # type: ignore[arg-type]
        )
        account = self.account.currentData()
        return {
            "search": self.search.text().strip(),
            "statuses": STATUS_CHOICES[max(0, self.status.currentIndex())][1],
            "accounts": (account,) if isinstance(account, str) else (),
            "since": since,
            "until": until,
        }

    def is_filtered(self) -> bool:
        fields = self.fields()
        return bool(fields["search"] or fields["statuses"] or fields["accounts"] or fields["since"])

    def set_accounts(self, names: list[str]) -> None:
        """Offer these accounts, keeping the current choice when it is still there."""
        current = self.account.currentData()
        self.account.blockSignals(True)
        try:
            self.account.clear()
            self.account.addItem("All accounts")
            for name in names:
                self.account.addItem(name, name)
            index = self.account.findData(current) if isinstance(current, str) else 0
            self.account.setCurrentIndex(max(0, index))
        finally:
            self.account.blockSignals(False)

    def flush(self) -> None:
        """Apply a pending search now instead of after the typing pause."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.changed.emit()

    # --- events ------------------------------------------------------------------------------

    def _arrange(self, *, wide: bool) -> None:
        """One row when there is room; narrow, the search keeps the first row to itself.
        (Tab order is unchanged: it follows creation, which follows reading order either way.)
        """
        if wide == self._wide:
            return
        self._wide = wide
        row = self._top if wide else self._second
        for widget in (self.status, self.account, self.dates, self.export_button):
            row.addWidget(widget, 0 if widget is self.export_button else 1)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._arrange(wide=self.width() >= self.fontMetrics().horizontalAdvance("M") * 74)

    def _dates_chosen(self, index: int) -> None:
        self.custom_row.setVisible(index == CUSTOM)
        self.changed.emit()

    def _search_entered(self) -> None:
        self.flush()
        self.to_results.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Esc clears the search (then a second Esc is the window's); Down goes to the rows."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
        ):
            if event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                self.flush()
                return True
            if event.key() == Qt.Key.Key_Down:
                self.flush()
                self.to_results.emit()
                return True
        return super().eventFilter(watched, event)
