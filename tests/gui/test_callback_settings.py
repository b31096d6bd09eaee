"""The status-push controls of the settings dialog, driven by objectName: what they save, what
they show (masked URLs, plain words for providers that cannot push) and that saving moves the
window's listener to the new port for real."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import httpx
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QListWidget, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from dialer import credentials
from dialer import settings as settings_mod
from dialer.settings import Account, Settings
from dialer.ui import callback_window
from dialer.ui.callback_prefs import MASK
from dialer.ui.settings_dialog import SettingsDialog
from tests.gui.conftest import Gui, run_until_done
from tests.gui.test_settings_dialog import Opened, file_settings, find, open_dialog


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _accounts() -> Settings:
    conf = settings_mod.load()
    conf.accounts += [
        Account(name="cd", provider="clouddialer", agent="+919876543211",
                caller_ids=["+919800000000"]),
    ]  # fmt: skip
    settings_mod.save(conf)
    return conf


def _list_rows(ui: Opened) -> list[str]:
    box = ui.w(QListWidget, "callbackUrlList")
    return [box.item(i).text() for i in range(box.count())]


def _select_row(ui: Opened, starts: str) -> None:
    box = ui.w(QListWidget, "callbackUrlList")
    rows = [i for i in range(box.count()) if box.item(i).text().startswith(starts)]
    assert rows, _list_rows(ui)
    box.setCurrentRow(rows[0])


def test_listener_preferences_urls_and_account_overrides_are_saved(
    qtbot: QtBot,
    qasync_loop: qasync.QEventLoop,
    sandbox_env: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _accounts()
    shared, own = _free_port(), _free_port()
    with open_dialog(qtbot) as ui:
        check = ui.w(QCheckBox, "callbackListenerCheck")
        assert not check.isChecked() and check.accessibleName() == "Receive status pushes"
        assert any("tick “Receive status pushes”" in r for r in _list_rows(ui))
        assert any(r.startswith("sandbox (") and "does not push" in r for r in _list_rows(ui))
        check.setChecked(True)
        ui.w(QLineEdit, "callbackHostEdit").setText("127.0.0.1")
        ui.w(QSpinBox, "callbackPortSpin").setValue(shared)
        prefs = ui.dialog.preferences.callbacks
        qtbot.waitUntil(lambda: len(prefs.shown_urls()) == 1, timeout=5000)
        token = credentials.get_secret("cd#callback")
        assert token and len(token) == 32
        (shown,) = prefs.shown_urls()
        assert shown == f"http://127.0.0.1:{shared}/callbacks/cd/{MASK}"
        assert token not in "\n".join(_list_rows(ui))
        # Revealed on request, copied in full.
        ui.click("callbackUrlRevealButton")
        assert f"/callbacks/cd/{token}" in "\n".join(_list_rows(ui))
        _select_row(ui, "cd (")
        copy = ui.w(QPushButton, "callbackUrlCopyButton")
        assert copy.isEnabled()
        qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == (
            f"http://127.0.0.1:{shared}/callbacks/cd/{token}"
        )
        ui.w(QLineEdit, "callbackPublicUrlEdit").setText("https://tunnel.example/d/")
        assert f"https://tunnel.example/d/callbacks/cd/{token}" in "\n".join(_list_rows(ui))

        # The account editor: a provider that cannot push says so and offers nothing.
        ui.select_account("sandbox")
        port_spin = ui.w(QSpinBox, "accountCallbackPortSpin")
        path_edit = ui.w(QLineEdit, "accountCallbackPathEdit")
        assert not port_spin.isEnabled() and not path_edit.isEnabled()
        assert "does not push" in ui.w(QLabel, "accountCallbackNote").text()
        ui.select_account("cd")
        assert port_spin.isEnabled() and port_spin.text() == "Shared port"
        port_spin.setValue(own)
        path_edit.setText("pbx north")  # a space: refused, under the field
        error = ui.w(QLabel, "account_callback_path_error")
        assert error.isVisible() and "segments" in error.text()
        status = ui.w(QLabel, "settings_status")
        ui.click("settings_save")
        qtbot.waitUntil(lambda: status.property("tone") == "bad", timeout=5000)
        path_edit.setText("/pbx/north/")
        saved = ui.save()
    prefs_saved = file_settings()["preferences"]
    assert isinstance(prefs_saved, dict)
    assert prefs_saved["callback_listener"] is True
    assert prefs_saved["callback_port"] == shared
    assert prefs_saved["callback_public_url"] == "https://tunnel.example/d/"
    cd = saved.account("cd")
    assert (cd.callback_port, cd.callback_path) == (own, "pbx/north")
    assert settings_mod.load().account("cd").callback_path == "pbx/north"
    assert token not in caplog.text


def test_saving_restarts_the_windows_listener_on_the_new_port(gui: Gui) -> None:
    qtbot, window = gui.qtbot, gui.window
    holder = run_until_done(qtbot, callback_window.attach(window, gui.services.history))
    assert holder.running is None  # off by default
    first, second = _free_port(), _free_port()

    async def health(port: int) -> int | str:
        async with httpx.AsyncClient() as client:
            try:
                return (await client.get(f"http://127.0.0.1:{port}/health")).status_code
            except httpx.ConnectError:
                return "refused"

    def save_with(on: bool, port: int) -> None:
        """Save through the dialog, then wait for the listener's restart to finish."""
        done = holder.applied + 1
        window.open_settings()
        dialog = window.settings_flow.dialog
        assert isinstance(dialog, SettingsDialog)
        find(dialog, QCheckBox, "callbackListenerCheck").setChecked(on)
        find(dialog, QSpinBox, "callbackPortSpin").setValue(port)
        qtbot.mouseClick(find(dialog, QPushButton, "settings_save"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.settings_flow.dialog is None, timeout=10000)
        qtbot.waitUntil(lambda: holder.applied == done, timeout=10000)

    try:
        save_with(True, first)
        assert holder.running is not None and holder.running.listener.port == first
        assert run_until_done(qtbot, health(first)) == 200
        save_with(True, second)
        assert holder.running is not None and holder.running.listener.port == second
        assert run_until_done(qtbot, health(second)) == 200
        assert run_until_done(qtbot, health(first)) == "refused"
        save_with(False, second)
        assert holder.running is None
        assert run_until_done(qtbot, health(second)) == "refused"
    finally:
        run_until_done(qtbot, holder.aclose())
    assert settings_mod.load().preferences.callback_listener is False
