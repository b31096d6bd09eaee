"""tel: and callto: links that the OS hands to the running app as open events (macOS).

On macOS a clicked link does not start a second process: Launch Services sends the URL to
the app bundle, which Qt delivers as a QFileOpenEvent, possibly before the window has even
painted. This catcher is installed on the application right away (it needs only QtCore,
already loaded) and holds the links until the desktop integration takes them.

Only on macOS: an application-wide filter written in Python runs for every event of every
object, and Qt still calls it while PySide tears the objects down at exit, which crashes.
It is removed again (`close`) before the app ends.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QFileOpenEvent

SCHEMES = ("tel", "callto")


class OpenEventCatcher(QObject):
    """`link_opened(url)` for each tel:/callto: open event, once `release()` was called."""

    link_opened = Signal(str)

    def __init__(self, app: QObject, platform: str = sys.platform) -> None:
        super().__init__(app)
        self._held: list[str] | None = []
        self._app: QObject | None = None
        if platform == "darwin":
            self._app = app
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url()
            if url.scheme().lower() in SCHEMES:
                link = url.toString()
                if self._held is not None:
                    self._held.append(link)
                else:
                    self.link_opened.emit(link)
                return True
        return super().eventFilter(watched, event)

    def close(self) -> None:
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    def release(self) -> None:
        held, self._held = self._held or [], None
        for link in held:
            self.link_opened.emit(link)
