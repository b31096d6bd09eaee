"""The caller-ID pool editor: a list to add to, edit in place (F2) and remove from (Delete).

A list rather than one comma-separated line because agents read, reorder and prune DIDs one by
one; the first one is what a new call uses until the agent picks another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from dialer.providers.base import Provider


class CallerIdList(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account_caller_ids = QListWidget(self)
        self.account_caller_ids.setObjectName("account_caller_ids")
        self.account_caller_ids.setAccessibleName("Caller IDs")
        self.account_caller_ids.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.account_caller_ids.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.account_caller_ids.setMaximumHeight(132)
        self.account_caller_ids.setToolTip(
            "Numbers the customer may see. F2 edits, Delete removes, drag to reorder."
        )
        self.account_caller_id_input = QLineEdit(self)
        self.account_caller_id_input.setObjectName("account_caller_id_input")
        self.account_caller_id_input.setAccessibleName("New caller ID")
        self.account_caller_id_input.setPlaceholderText("Add a caller ID, e.g. +91 80690 00001")
        self.account_caller_id_add = QPushButton("Add", self)
        self.account_caller_id_add.setObjectName("account_caller_id_add")
        self.account_caller_id_add.setAccessibleName("Add caller ID")
        self.account_caller_id_remove = QPushButton("Remove", self)
        self.account_caller_id_remove.setObjectName("account_caller_id_remove")
        self.account_caller_id_remove.setAccessibleName("Remove the selected caller ID")
        self.account_caller_id_remove.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.account_caller_ids)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.account_caller_id_input, 1)
        row.addWidget(self.account_caller_id_add)
        row.addWidget(self.account_caller_id_remove)
        layout.addLayout(row)

        self.account_caller_id_input.returnPressed.connect(self.add_typed)
        self.account_caller_id_add.clicked.connect(self.add_typed)
        self.account_caller_id_remove.clicked.connect(self.remove_selected)
        self.account_caller_ids.itemSelectionChanged.connect(self._selection_changed)
        self.account_caller_ids.itemChanged.connect(lambda _item: self.changed.emit())
        self.account_caller_ids.model().rowsMoved.connect(lambda *_a: self.changed.emit())
        self.account_caller_ids.installEventFilter(self)

    def items(self) -> list[str]:
        box = self.account_caller_ids
        return [box.item(i).text().strip() for i in range(box.count()) if box.item(i).text()]

    def set_items(self, values: list[str]) -> None:
        box = self.account_caller_ids
        box.blockSignals(True)
        box.clear()
        for value in values:
            self._append(value)
        box.blockSignals(False)
        self._selection_changed()

    def set_capability(self, cls: type[Provider] | None) -> None:
        """A provider without a caller-ID pool: the list is off, with the reason."""
        usable = cls is None or cls.capabilities.caller_id_pool
        for widget in (self.account_caller_ids, self.account_caller_id_input):
            widget.setEnabled(usable)
        self.account_caller_id_add.setEnabled(usable)
        if usable:
            self.account_caller_ids.setToolTip(
                "Numbers the customer may see. F2 edits, Delete removes, drag to reorder."
            )
        else:
            assert cls is not None
            self.account_caller_ids.setToolTip(
                cls.missing_reasons.get("caller_id_pool", f"{cls.title} picks the caller ID")
            )
        self._selection_changed()

    def _append(self, value: str) -> None:
        item = QListWidgetItem(value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.account_caller_ids.addItem(item)

    def add_typed(self) -> None:
        text = self.account_caller_id_input.text().strip()
        if not text or not self.account_caller_id_input.isEnabled():
            return
        self.add_value(text)
        self.account_caller_id_input.clear()

    def add_value(self, value: str) -> None:
        if value not in self.items():
            self._append(value)
            self.changed.emit()

    def remove_value(self, value: str) -> None:
        box = self.account_caller_ids
        rows = [i for i in range(box.count()) if box.item(i).text().strip() == value]
        for row in reversed(rows):
            box.takeItem(row)
        if rows:
            self.changed.emit()

    def remove_selected(self) -> None:
        box = self.account_caller_ids
        rows = sorted((box.row(item) for item in box.selectedItems()), reverse=True)
        for row in rows:
            box.takeItem(row)
        if rows:
            self.changed.emit()

    def _selection_changed(self) -> None:
        box = self.account_caller_ids
        self.account_caller_id_remove.setEnabled(box.isEnabled() and bool(box.selectedItems()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.account_caller_ids
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
            and self.account_caller_ids.state() != QAbstractItemView.State.EditingState
        ):
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)
