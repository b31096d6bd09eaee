"""The app's QApplication: what the platform asks of the app itself goes the app's own way.

macOS asks a running app to quit through Qt as `QEvent.Quit`: the app menu's Quit (Cmd+Q),
the Dock's Quit, a logout or shutdown; every platform does the same for
`QCoreApplication.quit()`. Qt's own answer closes the windows and then leaves the event loop
at once, before the window's close has been followed by the app's asynchronous shutdown
(the history file, the HTTP client, the instance socket): the app died in a traceback with
status 1. With close-to-tray on, the window is only hidden by that close, Qt sees no visible
window left, and the same abrupt exit follows.

Once the app can quit its own way (`quit_signals.install`), `quit_request` takes the event:
the tray's Quit path runs (notes saved, history closed, the window's place written) and the
event is accepted, which tells macOS the quit is under way; the process then ends from
`main`, as Qt's Cocoa integration expects of an accepting app. Before that (the first paint,
the single-instance claim), Qt's default stands.

macOS also hands the app the tel: and callto: links clicked anywhere as `QFileOpenEvent`s to
the application (Launch Services starts no second process): `open_request` takes them
(`open_events.OpenEventCatcher`); what it declines goes on to Qt.

Only events sent to the application object itself reach `event`: an application-wide event
filter would run Python for every event of every widget (measured: a quarter slower layout).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

__all__ = ["Application"]

_QUIT = QEvent.Type.Quit
_FILE_OPEN = QEvent.Type.FileOpen


class Application(QApplication):
    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        #: Called instead of Qt's default when the platform asks the app to quit.
        self.quit_request: Callable[[], None] | None = None
        #: Offered each URL the platform asks the app to open; True when it took it.
        self.open_request: Callable[[QUrl], bool] | None = None

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == _QUIT and self.quit_request is not None:
            event.accept()
            self.quit_request()
            return True
        if (
            kind == _FILE_OPEN
            and self.open_request is not None
            and isinstance(event, QFileOpenEvent)
            and self.open_request(event.url())
        ):
            return True
        return super().event(event)
