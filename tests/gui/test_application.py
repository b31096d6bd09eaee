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
