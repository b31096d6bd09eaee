"""SIGTERM and Ctrl+C quit the app the way its own Quit does: notes saved, history closed.

A desktop session that ends (logout, shutdown, `systemctl --user stop`, `kill`) sends SIGTERM;
Ctrl+C in the terminal that started the app sends SIGINT. Left to Python, the first ended the
process on the spot and the second broke out of the event loop past the cleanup, with a
traceback: either lost the notes typed in the last moments (they are saved after a pause, or
when the window closes), the window's place, and a clean close of the history file. Both now
take the path of Quit in the tray menu: the window closes (close-to-tray does not keep it:
nobody is there to bring it back) and the app shuts down as it always does. A second signal
while that runs is Python's again (Ctrl+C twice forces the exit).

Not on Windows, where asyncio has no signal handlers (a console's Ctrl+C there is Python's).

The platform's own quit request (macOS's Quit and logout, `QCoreApplication.quit()`) takes
the same path: `install` hands it to the app's `Application` (`ui/application.py`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

__all__ = ["install"]

log = logging.getLogger("dialer.app")

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def install(quit_app: Callable[[], None]) -> list[signal.Signals]:
    """Call `quit_app` on the first SIGINT or SIGTERM, or the platform's first quit request;
    returns the signals it took over."""
    _take_quit_requests(quit_app)
    loop = asyncio.get_running_loop()
    taken: list[signal.Signals] = []

    def received(signum: signal.Signals) -> None:
        for sig in taken:
            loop.remove_signal_handler(sig)  # the next one is Python's: a way out if stuck
        log.info("%s received: quitting", signum.name)
        quit_app()

    for sig in SIGNALS:
        try:
            loop.add_signal_handler(sig, received, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows; not the main thread
            continue
        taken.append(sig)
    return taken


def _take_quit_requests(quit_app: Callable[[], None]) -> None:
    from PySide6.QtCore import QCoreApplication

    from dialer.ui.application import Application

    app = QCoreApplication.instance()
    if not isinstance(app, Application):  # a QApplication made by someone else (a test, a host)
        return
    asked = False

    def requested() -> None:
        nonlocal asked
        if asked:  # asked again while quitting (a second Cmd+Q): already under way
            return
        asked = True
        log.info("the system asked to quit: quitting")
        quit_app()

    app.quit_request = requested
