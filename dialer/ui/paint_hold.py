"""Let a widget's new state wait one frame to be laid out and painted.

At the Call click the button turns "Calling…" and disabled at once, but its repaint (~0.3 ms)
and the relayout its longer text asks for (~0.1 ms, the whole window's layout, though no
geometry changes) would run at the loop's next turns: before the dial task starts and while
httpx hands the loop a few turns before it writes the request (benchmarks/dial.py). Holding
them for a frame puts the request on the socket first. Only the picture waits, never the state:
the widget's own logic (a refused second click) applies at once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

__all__ = ["FRAME_MS", "PaintHold"]

#: One frame at 60 Hz.
FRAME_MS = 16


class PaintHold(QObject):
    """Holds `widget`'s painting and `container`'s layout for `delay_ms` after each `hold()`."""

    def __init__(self, widget: QWidget, container: QWidget, delay_ms: int = FRAME_MS) -> None:
        super().__init__(widget)
        self._widget = widget
        self._container = container
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.release)

    def hold(self) -> None:
        layout = self._container.layout()
        if layout is not None:
            layout.setEnabled(False)
        self._widget.setUpdatesEnabled(False)
        self._timer.start()

    def release(self) -> None:
        layout = self._container.layout()
        if layout is not None:
            layout.setEnabled(True)
            layout.activate()  # what changed meanwhile, laid out now
        self._widget.setUpdatesEnabled(True)  # repaints it
