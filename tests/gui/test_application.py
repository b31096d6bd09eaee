"""The app's QApplication hands the platform's quit request to the app once it asks for it.

In a fresh interpreter: a process has one QApplication, and this session's is pytest-qt's.
The whole path (the request quitting the running app cleanly) is in
`tests/e2e/test_quit_signals.py`.
"""

from __future__ import annotations

import os

from tests.support.fresh_python import fresh_python

SCRIPT = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from dialer.ui.application import Application

app = Application([])
QTimer.singleShot(0, QApplication.quit)
print("nobody asked:", app.exec())
asked = []
app.quit_request = lambda: asked.append(True)
QTimer.singleShot(0, QApplication.quit)
QTimer.singleShot(0, QApplication.quit)
QTimer.singleShot(200, lambda: app.exit(7))
print("taken:", app.exec(), len(asked))
"""


def test_the_quit_request_goes_to_the_app_once_it_takes_it() -> None:
    out = fresh_python(SCRIPT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.splitlines() == ["nobody asked: 0", "taken: 7 2"]  # Qt's default, then ours


OPEN_EVENTS = """
from PySide6.QtCore import QCoreApplication, QTimer, QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication
from dialer.ui.application import Application
from dialer.ui.open_events import OpenEventCatcher

app = Application([])
catcher = OpenEventCatcher(app)
got = []
catcher.link_opened.connect(got.append)


def open_url(url):
    event = QFileOpenEvent(QUrl(url))
    QCoreApplication.sendEvent(app, event)


open_url("tel:+91-98765-43210")  # before the window is up: held
print("held:", got)
catcher.release()
open_url("CALLTO:+14155550123")
open_url("https://example.com/")  # not a link to call: Qt's, not ours
print("released:", got)
catcher.close()
open_url("tel:+14155550199")
print("closed:", got)
"""


def test_links_opened_by_the_os_are_held_until_released() -> None:
    out = fresh_python(OPEN_EVENTS, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.splitlines() == [
        "held: []",
        "released: ['tel:+91-98765-43210', 'callto:+14155550123']",
        "closed: ['tel:+91-98765-43210', 'callto:+14155550123']",
    ]
