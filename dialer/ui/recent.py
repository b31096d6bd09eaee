"""Recent numbers for redial: the last numbers dialed, one row each, newest first.

Redial puts the number back in the number box and stops there: calling someone again is
the agent's decision, made with the Call button, never a side effect of a double-click.
The rows come from the call history, read on a worker thread (`load_recent`), because a
SQLite read on the GUI thread would stall the window whenever the CLI holds a write lock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from dialer.ui import style

if TYPE_CHECKING:
    from dialer.services.history import HistoryStore

#: How many distinct numbers the list shows.
RECENT_LIMIT = 20
#: History rows read to find them (a number called often fills several rows).
_ROWS_READ = 200

STATUS_COLOURS = {
    "ANSWER": style.GREEN_HI,
    "PLACED": style.GREEN_HI,
    "ENDED": style.GREEN_HI,
    "NO_ANSWER": style.AMBER,
    "CANCELED": style.AMBER,
    "UNKNOWN": style.AMBER,
    "BUSY": style.RED_HI,
    "FAILED": style.RED_HI,
}

EMPTY_TEXT = "Numbers you call appear here. Double-click one to dial it again."

#: Role carrying the number to redial (E.164).
NumberRole = Qt.ItemDataRole.UserRole + 1


class RecentNumber(NamedTuple):
    number: str  # E.164, what redial puts in the box
    shown: str  # "+91 98765 43210"
    status: str
    when: str  # "14:03" today, "12 Nov" before
    account: str


def load_recent(
    history: HistoryStore, limit: int = RECENT_LIMIT, now: datetime | None = None
) -> list[RecentNumber]:
    """The last `limit` distinct numbers from history; blocking, so call it off the GUI thread."""
    from dialer.ui.call_words import readable

    today = (now or datetime.now(UTC)).astimezone().date()
    seen: set[str] = set()
    rows: list[RecentNumber] = []
    for entry in history.recent(_ROWS_READ):
        if entry.to_number in seen:
            continue
        seen.add(entry.to_number)
        when = ""
        if entry.started_at is not None:
            local = entry.started_at.astimezone()
            when = local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b")
        rows.append(
            RecentNumber(
                number=entry.to_number,
                shown=readable(entry.to_number),
                status=entry.status.value,
                when=when,
                account=entry.account,
            )
        )
        if len(rows) >= limit:
            break
    return rows


class RecentModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RecentNumber] = []

    def set_rows(self, rows: list[RecentNumber]) -> None:
        if rows == self._rows:
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[RecentNumber]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.shown
        if role == NumberRole:
            return row.number
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{row.shown}, {row.status}, {row.when}, via {row.account}"
        return None


class RecentDelegate(QStyledItemDelegate):
    """Two lines per number: the number itself, then how the last call went and when."""

    def _lines(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, int, int]:
        big = QFont(option.font)
        big.setWeight(QFont.Weight.DemiBold)
        small = QFont(option.font)
        # Stylesheet fonts are sized in pixels (pointSize is then -1), system fonts in points.
        if small.pixelSize() > 0:
            small.setPixelSize(max(9, round(small.pixelSize() * 0.86)))
        else:
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.86))

        return big, small, QFontMetrics(big).height(), QFontMetrics(small).height()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        _, _, big_h, small_h = self._lines(option)
        return QSize(200, big_h + small_h + 14)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        model = index.model()
        if not isinstance(model, RecentModel):
            super().paint(painter, option, index)
            return
        row = model.rows()[index.row()]
        rect: QRect = option.rect
        state = option.state
        big, small, big_h, small_h = self._lines(option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state & QStyle.StateFlag.State_Selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(style.painted(style.SURFACE_HI)))
            painter.drawRoundedRect(rect.adjusted(2, 1, -2, -1), 8, 8)
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(style.painted(style.BG)))
            painter.drawRoundedRect(rect.adjusted(2, 1, -2, -1), 8, 8)
        dot = max(6, small_h // 2)
        x = rect.left() + 12
        top = rect.top() + 7
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(style.painted(STATUS_COLOURS.get(row.status, style.MUTED))))
        painter.drawEllipse(x, top + (big_h - dot) // 2, dot, dot)
        text_left = x + dot + 10
        painter.setFont(big)
        painter.setPen(QColor(style.painted(style.TEXT)))
        painter.drawText(
            QRect(text_left, top, rect.right() - text_left - 8, big_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            row.shown,
        )
        painter.setFont(small)
        painter.setPen(QColor(style.painted(style.MUTED)))
        meta = "  ·  ".join(part for part in (row.status, row.when, row.account) if part)
        painter.drawText(
            QRect(text_left, top + big_h, rect.right() - text_left - 8, small_h + 2),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            meta,
        )
        if state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QColor(style.painted(style.BLUE)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(2, 1, -3, -2), 8, 8)
        painter.restore()


class RecentList(QListView):
    """objectName `recent_list`; double-click or Enter puts the number in the number box."""

    number_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recent_list")
        self.setAccessibleName("Recent numbers")
        self.setToolTip("Double-click or press Enter to put the number back in the box")
        self.recent_model = RecentModel(self)
        self.setModel(self.recent_model)
        self.setItemDelegate(RecentDelegate(self))
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.activated.connect(self._chosen)

    def set_rows(self, rows: list[RecentNumber]) -> None:
        self.recent_model.set_rows(rows)

    def numbers(self) -> list[str]:
        return [row.number for row in self.recent_model.rows()]

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.recent_model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(style.painted(style.MUTED)))
            painter.drawText(
                self.viewport().rect().adjusted(16, 16, -16, -16),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                EMPTY_TEXT,
            )
            painter.end()

    def _chosen(self, index: QModelIndex) -> None:
        number = index.data(NumberRole)
        if isinstance(number, str):
            self.number_chosen.emit(number)
