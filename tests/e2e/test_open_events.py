"""The macOS tel: path through the real app: Launch Services hands a clicked link to the
running app as a QFileOpenEvent (no second process), here sent as Qt's Cocoa plug-in sends
it, once while the window is still starting and once when it is up."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.running_app import app_env
from tests.support.app_script import app_script
from tests.support.fresh_python import fresh_python

CLICKED = app_script(
    """
    from PySide6.QtCore import QCoreApplication, QUrl
    from PySide6.QtGui import QFileOpenEvent


    def click(url):
        QCoreApplication.sendEvent(QApplication.instance(), QFileOpenEvent(QUrl(url)))


    def when(window, wanted, then):
        desk = desktop(window)
        state = desk.state() if desk is not None else {}
        if state.get("consent_number") != wanted:
            QTimer.singleShot(50, lambda: when(window, wanted, then))
            return
        print({k: state[k] for k in ("number", "consent_open", "consent_number")}, flush=True)
        then()


    def painted(window):
        click("tel:+91-98765-43210")  # before the services: held, then asked about
        when(window, "+919876543210", lambda: second(window))


    def second(window):
        click("callto:+14155550123")
        when(window, "+14155550123", QApplication.quit)


    after_paint(painted)
    run()
    """
)


def test_links_the_os_opens_reach_the_window_and_are_asked_about(
    tmp_path: Path, dialer_home: Path
) -> None:
    out = fresh_python(CLICKED, env=app_env(dialer_home, None, TMPDIR=str(tmp_path)))
    assert out.splitlines() == [
        "{'number': 'tel:+91-98765-43210', 'consent_open': True, "
        "'consent_number': '+919876543210'}",
        "{'number': 'callto:+14155550123', 'consent_open': True, 'consent_number': '+14155550123'}",
        "run returned 0",
    ]
