"""Scripts that run the real app (`dialer.app.run`, what `python -m dialer` runs) in a fresh
interpreter and act on it from inside: the app's own QApplication, event loop and shutdown.

`app_script(body)` puts the body after a prelude defining `after_paint(then)`, `once_ready(
window, then)` and `desktop(window)`; the body ends with `run()`, which prints
`run returned <status>`.
"""

from __future__ import annotations

import textwrap

PRELUDE = '''
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from dialer import app
from dialer.ui.desktop import DesktopIntegration


def desktop(window):
    """The window's desktop integration once it took over (None before)."""
    desk = window.findChild(DesktopIntegration)
    return desk if desk is not None and desk.prefs is not None else None


def after_paint(then):
    """`then(window)` right after the window's first paint, before the services are up."""
    real_wait = app._wait_for_first_paint

    def wait(window):
        real_wait(window)
        then(window)

    app._wait_for_first_paint = wait


def once_ready(window, then):
    """`then(window)` once the services and the desktop integration are up."""
    if window.controller is None or desktop(window) is None:
        QTimer.singleShot(50, lambda: once_ready(window, then))
        return
    then(window)


def run():
    print("run returned", app.run(None), flush=True)
'''


def app_script(body: str) -> str:
    return PRELUDE + textwrap.dedent(body)
