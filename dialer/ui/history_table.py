"""The history's table: row selection, sizing from the font, keys, and the empty-state text.

Keys are read before QTableView's own handling, which would otherwise take Space (select) and
Ctrl+C (copy the cell's display text, "+91 98765 43210", where a redial wants the E.164), and
they are claimed at ShortcutOverride so a window-wide shortcut cannot take them while the table
has focus. The table only says what was asked (signals); the view decides what it means.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

from dialer.ui.history_delegate import PlayButtonDelegate
from dialer.ui.history_model import (
    ACCOUNT,
    CALLER_ID,
    DURATION,
    NUMBER,
    OUTCOME,
    RECORDING,
    WHEN,
    HistoryModel,
)

#: Below this width (in "M"s of the table font) the caller ID column gives its room to notes.
_NARROW_EMS = 72


class HistoryTable(QTableView):
    """objectName `history_table`; rows of a HistoryModel, a play button for recordings."""

    redial_requested = Signal(int)  # row
    play_requested = Signal(int)  # row
    copy_requested = Signal()
    delete_requested = Signal()
    menu_requested = Signal(QPoint)  # in viewport coordinates

    def __init__(self, model: HistoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history_table")
        self.setAccessibleName("Calls")
        self.setModel(model)
        self.delegate = PlayButtonDelegate(self)
        self.setItemDelegateForColumn(RECORDING, self.delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)  # the play circle lights up under the pointer
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move within it
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSectionResizeMode(RECORDING, QHeaderView.ResizeMode.Fixed)
        header.setSortIndicator(WHEN, Qt.SortOrder.DescendingOrder)
        self.empty = QLabel("", self.viewport())
        self.empty.setObjectName("history_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setVisible(False)
        self._sized = False
        self.delegate.play_clicked.connect(lambda index: self.play_requested.emit(index.row()))
        self.doubleClicked.connect(lambda index: self.redial_requested.emit(index.row()))
        self.customContextMenuRequested.connect(self.menu_requested)
        self.size_columns()

    def size_columns(self) -> None:
        """Widths from the font, so 125-200 % scaling and large fonts stay readable."""
        self.ensurePolished()
        metrics = self.fontMetrics()
        em = metrics.horizontalAdvance("M")
        pad = 42  # the stylesheet's 10 px a side, the style's own text margins, and air
        widths = {
            RECORDING: metrics.height() + 26,
            WHEN: metrics.horizontalAdvance("28 Nov 12:00") + pad + em,  # + the sort arrow
            NUMBER: metrics.horizontalAdvance("+91 98765 43210") + pad,
            OUTCOME: metrics.horizontalAdvance("Interrupted") + pad,
            DURATION: metrics.horizontalAdvance("Duration") + pad,
            ACCOUNT: metrics.horizontalAdvance("sales-north") + pad,
            CALLER_ID: metrics.horizontalAdvance("+91 80 6900 0001") + pad,
        }
        for column, width in widths.items():
            self.setColumnWidth(column, width)
        self.verticalHeader().setDefaultSectionSize(metrics.height() + 18)
        self.horizontalHeader().setMinimumSectionSize(metrics.height() + 18)

    def current_row(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def show_empty(self, text: str | None) -> None:
        """The text shown over an empty table (None: the table has rows)."""
        self.empty.setVisible(text is not None)
        if text is not None:
            self.empty.setText(text)
            self.empty.resize(self.viewport().size())

    def menu_at_current(self) -> None:
        index = self.currentIndex()
        rect = self.visualRect(index) if index.isValid() else self.viewport().rect()
        self.menu_requested.emit(rect.center())

    def index_at_row(self, row: int, column: int = NUMBER) -> QModelIndex:
        return self.model().index(row, column)

    # --- keys --------------------------------------------------------------------------------

    def _key_signal(self, event: QKeyEvent) -> Any:
        key, mods = event.key(), event.modifiers()
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            return lambda: self.redial_requested.emit(self.current_row())
        if key == Qt.Key.Key_Space and plain:
            return lambda: self.play_requested.emit(self.current_row())
        if event.matches(QKeySequence.StandardKey.Copy):
            return self.copy_requested.emit
        if event.matches(QKeySequence.StandardKey.Delete) or (key == Qt.Key.Key_Delete and plain):
            return self.delete_requested.emit
        if key == Qt.Key.Key_Menu or (
            key == Qt.Key.Key_F10 and mods == Qt.KeyboardModifier.ShiftModifier
        ):
            return self.menu_at_current
        return None

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._key_signal(event) is not None
        ):
            event.accept()  # ours, not a window shortcut's
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._key_signal(event)
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    # --- size and font -----------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True  # the stylesheet's font is known only once polished
            self.size_columns()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.empty.resize(self.viewport().size())
        em = self.fontMetrics().horizontalAdvance("M")
        self.setColumnHidden(CALLER_ID, self.width() < _NARROW_EMS * em)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.size_columns()
