"""The play button drawn in each history row that has a recording.

Drawn by a delegate, not a QPushButton per row: a view over a million calls must cost the same
with ten rows on screen as with ten thousand loaded. Clicking the circle (or Space on the row,
handled by the view) asks to play; the row being played shows a ring so the agent can see which
call the player below belongs to.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from dialer.ui import style
from dialer.ui.history_model import EntryRole


class PlayButtonDelegate(QStyledItemDelegate):
    #: The play circle of this row was clicked.
    play_clicked = Signal(QModelIndex)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.playing_uuid: str | None = None

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        side = option.fontMetrics.height() + 10
        return QSize(side + 12, side)

    @staticmethod
    def _circle(option: QStyleOptionViewItem) -> QRectF:
        rect = QRectF(option.rect)
        side = min(rect.height() - 8, option.fontMetrics.height() + 8)
        return QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # Selection and focus backgrounds as any other cell, then the button on top.
        super().paint(painter, option, index)
        entry = index.data(EntryRole)
        if entry is None or not getattr(entry, "recording_url", None):
            return
        circle = self._circle(option)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        playing = entry.uuid == self.playing_uuid
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = style.BLUE if playing else (style.SURFACE_HI if hovered else style.BG)
        painter.setPen(QPen(QColor(style.painted(style.BLUE if playing else style.BORDER)), 1.5))
        painter.setBrush(QColor(style.painted(fill)))
        painter.drawEllipse(circle)
        # A play triangle, optically centred (nudged right of the geometric centre).
        r = circle.width() * 0.22
        cx = circle.center().x() + r * 0.25
        cy = circle.center().y()
        triangle = QPainterPath(QPointF(cx - r * 0.8, cy - r))
        triangle.lineTo(QPointF(cx + r, cy))
        triangle.lineTo(QPointF(cx - r * 0.8, cy + r))
        triangle.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        colour = style.BG if playing else (style.BLUE if hovered else style.TEXT)
        painter.setBrush(QColor(style.painted(colour)))
        painter.drawPath(triangle)
        painter.restore()

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and self._circle(option).contains(event.position())
        ):
            entry = index.data(EntryRole)
            if entry is not None and getattr(entry, "recording_url", None):
                self.play_clicked.emit(model.index(index.row(), index.column()))
                return True
        return super().editorEvent(event, model, option, index)
