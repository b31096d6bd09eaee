"""The call's progress as a row of dots: where it is, how far it got, how it ended.

Painted rather than built from labels so five steps fit a narrow card at any scaling: sizes
come from the font metrics, which follow the screen's scale factor. The same steps are the
widget's accessible description and tooltip, so a screen reader hears what the eye sees.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from dialer.ui import style

#: Colour per step state; "ok"/"bad"/"warn" are the final step's tones.
COLOURS = {
    "done": style.GREEN_HI,
    "current": style.BLUE,
    "todo": style.BORDER,
    "skipped": style.BORDER,
    "ok": style.GREEN_HI,
    "bad": style.RED_HI,
    "warn": style.AMBER,
}
STATE_WORDS = {
    "done": "done",
    "current": "now",
    "todo": "not yet",
    "skipped": "skipped",
    "ok": "ended",
    "bad": "ended",
    "warn": "ended",
}


class CallTimeline(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("call_timeline")
        self.setAccessibleName("Call progress")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._steps: list[tuple[str, str]] = []

    @property
    def steps(self) -> list[tuple[str, str]]:
        return list(self._steps)

    def set_steps(self, steps: list[tuple[str, str]]) -> None:
        if steps == self._steps:
            return
        self._steps = list(steps)
        words = ", ".join(f"{label}: {STATE_WORDS.get(state, state)}" for label, state in steps)
        self.setAccessibleDescription(words)
        self.setToolTip(words)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 60, self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:
        # Two lines of label: "Customer ringing" wraps in a narrow card instead of overlapping.
        metrics = self.fontMetrics()
        return QSize(
            metrics.averageCharWidth() * 36, self._dot() * 2 + metrics.lineSpacing() * 2 + 6
        )

    def _dot(self) -> int:
        return max(8, self.fontMetrics().height() // 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._steps:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        dot = float(self._dot())
        count = len(self._steps)
        cell = self.width() / count  # each step owns an equal cell; its dot sits in the middle
        centre_y = dot + 2
        xs = [cell * (i + 0.5) for i in range(count)]

        # Connectors first, so dots sit on top; one is lit where the call went both ends.
        unreached = ("todo", "skipped")
        for i in range(count - 1):
            here, there = self._steps[i][1], self._steps[i + 1][1]
            lit = here not in unreached and there not in unreached
            tone = COLOURS.get(there, COLOURS["done"]) if there != "current" else COLOURS["done"]
            colour = QColor(style.painted(tone if lit else style.BORDER))
            painter.setPen(QPen(colour, max(2.0, dot / 4)))
            painter.drawLine(
                QPointF(xs[i] + dot / 2 + 2, centre_y), QPointF(xs[i + 1] - dot / 2 - 2, centre_y)
            )

        label_font = QFont(self.font())
        for i, (label, state) in enumerate(self._steps):
            colour = QColor(style.painted(COLOURS.get(state, style.MUTED)))
            radius = dot / 2 + (1.5 if state == "current" else 0)
            centre = QPointF(xs[i], centre_y)
            if state in ("todo", "skipped"):
                painter.setPen(QPen(colour, 2.0))
                painter.setBrush(QColor(style.painted(style.SURFACE)))
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
            painter.drawEllipse(centre, radius, radius)
            if state == "current":
                halo = QColor(colour)
                halo.setAlpha(70)
                painter.setPen(QPen(halo, 3.0))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(centre, radius + 3, radius + 3)

            emphasised = state not in ("todo", "skipped", "done")
            label_font.setBold(emphasised)
            painter.setFont(label_font)
            if state in ("todo", "skipped"):
                text_colour = "#64748b"
            elif state == "done":
                text_colour = style.MUTED
            elif state == "current":
                text_colour = style.TEXT
            else:
                text_colour = COLOURS.get(state, style.TEXT)
            painter.setPen(QColor(style.painted(text_colour)))
            rect = QRectF(cell * i + 2, centre_y + dot, cell - 4, metrics.lineSpacing() * 2 + 4)
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
            painter.drawText(rect, int(flags) | int(Qt.TextFlag.TextWordWrap), label)
        painter.end()
