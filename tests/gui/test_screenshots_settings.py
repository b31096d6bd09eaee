"""Screenshots of the settings dialog for review: accounts (after a passing connection test),
a provider's generated options, preferences, the light theme, no keyring, over the main window,
and at 200 % scale.

PNGs go to `$DIALER_SCREENSHOT_DIR`, else `<repo>/build/screenshots/`; paths are printed
(`pytest -s`). Each shot is also checked to be a real picture (right size, not one flat colour).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from keyring.backends import fail
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QListWidget, QWidget
from pytestqt.qtbot import QtBot

import dialer
from dialer import settings as settings_mod
from dialer.settings import Account
from dialer.ui import style, theme
from tests.gui import test_settings_dialog as dialog_tests
from tests.gui.conftest import Gui
from tests.gui.test_settings_dialog import (
    KAZOO_ACCOUNT,
    KAZOO_KEY,
    NETWORK_MS,
    Opened,
    find,
    open_dialog,
)

ROOT = Path(dialer.__file__).resolve().parent.parent
#: The Kazoo simulator fixture, shared with the dialog's tests.
kazoo_url = dialog_tests.kazoo_url
SIZE = (960, 700)


def shot_dir() -> Path:
    folder = Path(os.environ.get("DIALER_SCREENSHOT_DIR") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_picture(path: Path, width: int, height: int, scale: float = 1.0) -> None:
    image = QImage(str(path))
    assert not image.isNull(), path
    assert (image.width(), image.height()) == (round(width * scale), round(height * scale))
    step = max(4, round(6 * scale))
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    }
    assert len(colours) > 16, f"{path} looks blank"  # text is anti-aliased: many shades


def save(widget: QWidget, name: str) -> Path:
    for _ in range(3):  # let posted layout requests run: a grab does not lay out
        QApplication.processEvents()
    path = shot_dir() / name
    assert widget.grab().save(str(path)), f"could not write {path}"
    print(f"screenshot: {path}")
    check_picture(path, widget.width(), widget.height())
    return path


@pytest.fixture(autouse=True)
def _restore_the_look(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    sheet, palette, state = qapp.styleSheet(), qapp.palette(), (theme._applied, theme._mode)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    theme._applied, theme._mode = state


def with_alohaa() -> settings_mod.Settings:
    settings = settings_mod.load()
    settings.accounts.append(
        Account(
            name="Support (Alohaa)",
            provider="alohaa",
            agent="+919876500001",
            caller_ids=["+918069000011", "+918069000012"],
            settings={"did_shuffle": True, "status_poll_interval": 3.0},
        )
    )
    settings_mod.save(settings)
    return settings


def passing_test(ui: Opened) -> None:
    result = ui.w(QLabel, "test_connection_result")
    ui.click("test_connection_button")
    ui.qtbot.waitUntil(lambda: result.text().startswith(("✓", "✗")), timeout=NETWORK_MS)
    assert result.text().startswith("✓"), result.text()


def test_settings_dialog_shots(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path, qapp: QApplication
) -> None:
    with open_dialog(qtbot, with_alohaa()) as ui:
        ui.dialog.resize(*SIZE)
        ui.wait_probed()
        passing_test(ui)
        save(ui.dialog, "settings-dialog-accounts.png")

        ui.select_account("Support")
        ui.dialog.resize(SIZE[0], 1480)  # tall enough for the whole generated form
        qtbot.wait(50)
        save(ui.dialog, "settings-dialog-provider-form.png")
        ui.dialog.resize(*SIZE)

        ui.dialog.tabs.setCurrentIndex(1)
        save(ui.dialog, "settings-dialog-preferences.png")
        combo = ui.w(QComboBox, "pref_theme")
        combo.setCurrentIndex(combo.findData("light"))
        save(ui.dialog, "settings-dialog-preferences-light.png")
        ui.dialog.tabs.setCurrentIndex(0)
        ui.select_account("sandbox")
        save(ui.dialog, "settings-dialog-accounts-light.png")


def test_settings_dialog_without_a_keyring(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with open_dialog(qtbot, with_alohaa()) as ui:
            ui.dialog.resize(*SIZE)
            ui.wait_probed()
            ui.select_account("Support")
            assert ui.w(QLabel, "keyring_message").isVisible()
            save(ui.dialog, "settings-dialog-no-keyring.png")
    finally:
        keyring.set_keyring(previous)


def test_settings_dialog_over_the_main_window(gui: Gui, qtbot: QtBot) -> None:
    """The dialog as the agent sees it: over the window, which is dimmed behind it."""
    window = gui.window
    window.resize(1180, 780)
    qtbot.waitUntil(lambda: window.settings is not None, timeout=5000)
    window.open_settings()
    dialog = window.findChild(QWidget, "settings_dialog")
    assert dialog is not None and dialog.isVisible()
    dialog.resize(900, 640)
    qtbot.waitUntil(
        lambda: "Checking" not in find(dialog, QLabel, "pref_keyring").text(), timeout=5000
    )
    assert find(dialog, QListWidget, "account_list").count() >= 1
    canvas = window.grab()
    painter = QPainter(canvas)
    painter.fillRect(canvas.rect(), QColor(0, 0, 0, 120))
    top_left = QPoint(
        (canvas.width() - dialog.width()) // 2, (canvas.height() - dialog.height()) // 2
    )
    painter.drawPixmap(top_left, dialog.grab())
    painter.setPen(QColor(style.BORDER))
    painter.drawRect(top_left.x() - 1, top_left.y() - 1, dialog.width() + 1, dialog.height() + 1)
    painter.end()
    path = shot_dir() / "main-window-settings-open.png"
    assert canvas.save(str(path))
    print(f"screenshot: {path}")
    check_picture(path, window.width(), window.height())
    find(dialog, QWidget, "settings_cancel").click()  # type: ignore[attr-defined]


def test_settings_dialog_at_200_percent(tmp_path: Path) -> None:
    """A fresh process with QT_SCALE_FACTOR=2: nothing may clip or overlap at that scale."""
    target = shot_dir() / "settings-dialog-accounts-200.png"
    code = textwrap.dedent(
        f"""
        import asyncio
        import httpx, qasync
        from PySide6.QtWidgets import QApplication
        from dialer import settings
        from dialer.ui import style, theme
        from dialer.ui.settings_dialog import SettingsDialog

        app = QApplication([])
        theme.apply(app, "dark")

        async def main():
            async with httpx.AsyncClient() as client:
                dialog = SettingsDialog(settings.load(), client)
                dialog.resize(960, 700)
                dialog.open()
                await asyncio.sleep(0.3)
                print(dialog.width(), dialog.height())
                assert dialog.grab().save({str(target)!r})
                dialog.reject()

        qasync.run(main())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_SCALE_FACTOR": "2",
            "DIALER_HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        },
        capture_output=True,
        text=True,
        timeout=40,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    width, height = (int(v) for v in result.stdout.split())
    print(f"screenshot: {target}")
    check_picture(target, width, height, scale=2.0)


def test_kazoo_account_with_endpoints(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path, kazoo_url: str
) -> None:
    from dialer import credentials

    settings = settings_mod.load()
    settings.accounts.append(
        Account(
            name="PBX", provider="kazoo", base_url=kazoo_url, settings={"account_id": KAZOO_ACCOUNT}
        )
    )
    settings_mod.save(settings)
    credentials.set_secret("PBX", KAZOO_KEY)
    with open_dialog(qtbot, settings) as ui:
        ui.dialog.resize(SIZE[0], 1200)
        ui.wait_probed()
        ui.select_account("PBX")
        status = ui.w(QLabel, "kazoo_endpoints_status")
        for name, extension in (("Sales desk", "1001"), ("Support desk", "1002")):
            ui.line("kazoo_endpoint_name").setText(name)
            ui.line("kazoo_endpoint_extension").setText(extension)
            ui.click("kazoo_endpoint_create")
            qtbot.waitUntil(lambda: status.text().startswith(("Created", "✗")), timeout=NETWORK_MS)
            assert status.text().startswith("Created"), status.text()
        ui.click("kazoo_endpoint_use")
        save(ui.dialog, "settings-dialog-kazoo-endpoints.png")
