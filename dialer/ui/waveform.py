"""A recording's waveform: the shape of the call at a glance, and a place to click to seek.

Agents skip to where the customer speaks; the loudness picture shows where that is (the
beep, the turns, the silences) before anyone presses play. The peaks are computed on a worker
thread by `services.recording_audio.wav_peaks`; this widget only draws them, as mirrored
bars, the played part in the accent colour.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from dialer.ui import style

#: A quiet recording is scaled up to fill the picture, but silence must stay flat.
_MIN_SCALE_PEAK = 0.02


class Waveform(QWidget):
    """objectName `recording_waveform`. Emits `seek_requested(fraction)` on click or drag."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recording_waveform")
        self.setAccessibleName("Waveform of the recording")
        self.setAccessibleDescription("Click to move playback to that point")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the position slider is the keyboard way
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._peaks: list[float] = []
        self._note = ""
        self._progress = 0.0

    def sizeHint(self) -> QSize:
        return QSize(480, self.fontMetrics().height() * 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.fontMetrics().height() * 4)

    @property
    def peaks(self) -> list[float]:
        return list(self._peaks)

    def set_peaks(self, peaks: list[float], note: str = "") -> None:
        """Show these peaks (0..1); with none, `note` says why the picture is flat."""
        self._peaks = list(peaks)
        self._note = note
        self.update()

    def set_progress(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        if abs(fraction - self._progress) * max(1, self.width()) >= 0.5:
            self._progress = fraction
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._seek(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._seek(event)

    def _seek(self, event: QMouseEvent) -> None:
        if self._peaks and self.width() > 0:
            self.seek_requested.emit(min(1.0, max(0.0, event.position().x() / self.width())))

    def _bars(self, count: int) -> list[float]:
        """The peaks resampled to `count` bars (the loudest of each group), scaled to fit."""
        peaks = self._peaks
        if not peaks or count <= 0:
            return []
        scale = 1.0 / max(max(peaks), _MIN_SCALE_PEAK)
        bars = []
        for i in range(count):
            start = i * len(peaks) // count
            end = max(start + 1, (i + 1) * len(peaks) // count)
            bars.append(min(1.0, max(peaks[start:end]) * scale))
        return bars

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(style.painted(style.BG)))
        painter.drawRoundedRect(rect, 10, 10)
        inner = rect.adjusted(10, 8, -10, -8)
        mid = inner.center().y()
        if not self._peaks:
            painter.setPen(QPen(QColor(style.painted(style.BORDER)), 1))
            painter.drawLine(QPointF(inner.left(), mid), QPointF(inner.right(), mid))
            if self._note:
                painter.setPen(QColor(style.painted(style.MUTED)))
                painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self._note)
            painter.end()
            return
        ratio = self.devicePixelRatioF()
        bar = max(2.0, round(2.0 * ratio) / ratio)
        gap = max(1.0, round(1.5 * ratio) / ratio)
        count = max(1, int(inner.width() / (bar + gap)))
        played = inner.left() + inner.width() * self._progress
        done = QColor(style.painted(style.BLUE))
        todo = QColor(style.painted(style.MUTED))
        todo.setAlphaF(0.55)
        half = inner.height() / 2
        for i, level in enumerate(self._bars(count)):
            x = inner.left() + i * (bar + gap)
            h = max(1.0, level * half)
            painter.setBrush(done if x + bar / 2 <= played else todo)
            painter.drawRoundedRect(QRectF(x, mid - h, bar, 2 * h), bar / 2, bar / 2)
        if self._progress > 0:
            painter.setPen(QPen(QColor(style.painted(style.TEXT)), 1.5))
            painter.drawLine(QPointF(played, inner.top()), QPointF(played, inner.bottom()))
        painter.end()
