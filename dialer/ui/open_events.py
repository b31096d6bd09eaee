"""tel: and callto: links that the OS hands to the running app as open events (macOS).

On macOS a clicked link does not start a second process: Launch Services sends the URL to
the app bundle, which Qt delivers to the application object as a QFileOpenEvent, possibly
before the window has even painted. The catcher takes them from the app's `Application`
right away and holds them until the desktop integration takes them.

Taken in `Application.event`, never with an application-wide event filter: a filter written
in Python runs for every event of every object (a quarter slower layout, measured), and Qt
still calls it while PySide tears the objects down at exit, which crashes. Other platforms
send no open events; the hook costs nothing there.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Signal

from dialer.ui.application import Application

SCHEMES = ("tel", "callto")


class OpenEventCatcher(QObject):
    """`link_opened(url)` for each tel:/callto: open event, once `release()` was called.

    With a QApplication the app did not create (a host, a test's), there is nothing to
    catch: only `Application` hands its open events over."""

    link_opened = Signal(str)

    def __init__(self, app: QObject) -> None:
        super().__init__(app)
        self._held: list[str] | None = []
        self._app = app if isinstance(app, Application) else None
        if self._app is not None:
            self._app.open_request = self.take

    def take(self, url: QUrl) -> bool:
        """True for a tel:/callto: link (held or passed on); anything else is not ours."""
        if url.scheme().lower() not in SCHEMES:
            return False
        link = url.toString()
        if self._held is not None:
            self._held.append(link)
        else:
            self.link_opened.emit(link)
        return True

    def close(self) -> None:
        if self._app is not None:
            self._app.open_request = None
            self._app = None

    def release(self) -> None:
        held, self._held = self._held or [], None
        for link in held:
            self.link_opened.emit(link)
