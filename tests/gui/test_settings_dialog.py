"""The settings dialog against the real sandbox, the real settings file and a real keyring
backend (keyrings.alt's file, chosen explicitly by the test suite; `fail` when testing its
absence). Widgets are found by objectName only: the names are the dialog's public contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import keyring
import pytest
import qasync
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from dialer import credentials, paths
from dialer import settings as settings_mod
from dialer.settings import Account, Settings
from dialer.ui import theme
from dialer.ui.settings_dialog import SettingsDialog
from tests.gui.conftest import run_until_done

W = TypeVar("W", bound=QWidget)
NETWORK_MS = 20000

#: Every control of the dialog, by the name tests and tools find it with.
CONTROLS: dict[str, type[QWidget]] = {
    "account_list": QListWidget,
    "account_add": QPushButton,
    "account_remove": QPushButton,
    "account_provider": QComboBox,
    "account_name": QLineEdit,
    "account_default": QCheckBox,
    "account_base_url": QLineEdit,
    "account_agent": QLineEdit,
    "account_caller_ids": QListWidget,
    "account_caller_id_input": QLineEdit,
    "account_caller_id_add": QPushButton,
    "account_caller_id_remove": QPushButton,
    "account_secret": QLineEdit,
    "account_secret_show": QPushButton,
    "test_connection_button": QPushButton,
    "test_connection_result": QLabel,
    "settings_save": QPushButton,
    "settings_cancel": QPushButton,
    "pref_region": QComboBox,
    "pref_confirm_external": QCheckBox,
    "pref_start_minimized": QCheckBox,
    "pref_start_at_login": QCheckBox,
    "pref_theme": QComboBox,
    "account_calling_hours": QLineEdit,
}


def find(root: QWidget, kind: type[W], name: str) -> W:
    widget = root.findChild(kind, name)
    assert isinstance(widget, kind), f"no {kind.__name__} named {name!r}"
    return widget


@dataclass
class Opened:
    dialog: SettingsDialog
    qtbot: QtBot
    saved: list[Settings]

    def w(self, kind: type[W], name: str) -> W:
        return find(self.dialog, kind, name)

    def line(self, name: str) -> QLineEdit:
        return self.w(QLineEdit, name)

    def click(self, name: str) -> None:
        self.qtbot.mouseClick(self.w(QPushButton, name), Qt.MouseButton.LeftButton)

    def select_account(self, name: str) -> None:
        box = self.w(QListWidget, "account_list")
        rows = [i for i in range(box.count()) if box.item(i).text().split()[0] == name]
        assert rows, f"no account {name!r} in the list"
        box.setCurrentRow(rows[0])

    def pick_provider(self, name: str) -> None:
        combo = self.w(QComboBox, "account_provider")
        combo.setCurrentIndex(combo.findData(name))

    def save(self) -> Settings:
        """Click Save and wait for the outcome; a refusal fails with the dialog's words."""
        count = len(self.saved)
        status = self.w(QLabel, "settings_status")
        self.click("settings_save")
        self.qtbot.waitUntil(
            lambda: len(self.saved) > count or status.property("tone") == "bad", timeout=10000
        )
        assert len(self.saved) > count, status.text()
        return self.saved[-1]

    def wait_probed(self) -> None:
        """The keyring probe has answered (the secret field leaves "Checking…")."""
        secret = self.line("account_secret")
        self.qtbot.waitUntil(lambda: "Checking" not in secret.placeholderText(), timeout=5000)


@pytest.fixture(autouse=True)
def _private_login_items_and_theme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: QApplication
) -> Iterator[None]:
    """Login items go to a temporary XDG_CONFIG_HOME; the app's look is restored after."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    sheet, palette = qapp.styleSheet(), qapp.palette()
    state = (theme._applied, theme._mode)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    theme._applied, theme._mode = state


@contextmanager
def open_dialog(qtbot: QtBot, settings: Settings | None = None) -> Iterator[Opened]:
    settings = settings or settings_mod.load()
    client = httpx.AsyncClient()
    dialog = SettingsDialog(settings, client)
    qtbot.addWidget(dialog)
    saved: list[Settings] = []
    dialog.settings_saved.connect(saved.append)
    dialog.open()
    opened = Opened(dialog, qtbot, saved)
    try:
        yield opened
    finally:
        if dialog.isVisible():
            dialog.reject()
        run_until_done(qtbot, client.aclose())


@pytest.fixture
def ui(qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path) -> Iterator[Opened]:
    with open_dialog(qtbot) as opened:
        yield opened


def file_settings() -> dict[str, object]:
    data = json.loads(paths.settings_file().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --- the contract -------------------------------------------------------------------------------


def test_every_control_is_named_and_labelled(ui: Opened) -> None:
    assert ui.dialog.objectName() == "settings_dialog"
    for name, kind in CONTROLS.items():
        widget = ui.w(kind, name)
        if not isinstance(widget, QLabel):
            assert widget.accessibleName(), f"{name} has no accessible name"
    assert (ui.dialog.isVisible() and not ui.dialog.isModal()) or ui.dialog.isVisible()
    # The sandbox account is selected and shown.
    assert ui.line("account_name").text() == "sandbox"
    assert ui.w(QComboBox, "account_provider").currentData() == "sandbox"
    assert ui.w(QListWidget, "account_caller_ids").count() == 2
    form = ui.w(QWidget, "account_settings_form")
    assert find(form, QSpinBox, "field_max_ring_time").value() == 30


def test_the_provider_form_follows_the_provider(ui: Opened) -> None:
    ui.pick_provider("alohaa")
    form = ui.w(QWidget, "account_settings_form")
    assert find(form, QCheckBox, "field_did_shuffle")
    # Secret fields are never in the form: they go to the keyring through account_secret.
    assert form.findChild(QLineEdit, "field_x_metro_api_key") is None
    assert "API key" in ui.w(QLabel, "account_secret_help").text()
    ui.pick_provider("sandbox")
    form = ui.w(QWidget, "account_settings_form")
    assert find(form, QSpinBox, "field_max_ring_time")
    assert form.findChild(QCheckBox, "field_did_shuffle") is None


# --- test connection ----------------------------------------------------------------------------


def test_test_connection_succeeds_for_the_sandbox(ui: Opened) -> None:
    result = ui.w(QLabel, "test_connection_result")
    button = ui.w(QPushButton, "test_connection_button")
    ui.click("test_connection_button")
    assert not button.isEnabled()  # one test at a time
    ui.qtbot.waitUntil(lambda: result.text().startswith(("✓", "✗")), timeout=NETWORK_MS)
    assert result.text().startswith("✓ Connected"), result.text()
    assert result.property("tone") == "ok"
    assert button.isEnabled()


def test_a_wrong_base_url_reads_as_a_network_error(ui: Opened) -> None:
    ui.line("account_base_url").setText("http://127.0.0.1:9")
    result = ui.w(QLabel, "test_connection_result")
    ui.click("test_connection_button")
    ui.qtbot.waitUntil(lambda: result.text().startswith(("✓", "✗")), timeout=NETWORK_MS)
    text = result.text()
    assert text.startswith("✗") and "127.0.0.1" in text, text
    assert "Traceback" not in text and "httpx" not in text
    assert result.property("tone") == "bad"


# --- secrets ------------------------------------------------------------------------------------


def add_clouddialer(ui: Opened, name: str = "Ops") -> None:
    ui.click("account_add")
    ui.pick_provider("clouddialer")
    name_box = ui.line("account_name")
    name_box.selectAll()
    ui.qtbot.keyClicks(name_box, name)
    ui.qtbot.keyClicks(ui.line("account_agent"), "+91 98765 43210")
    ui.qtbot.keyClicks(ui.line("account_caller_id_input"), "080 6900 0003")
    ui.qtbot.keyClick(ui.line("account_caller_id_input"), Qt.Key.Key_Return)


def test_a_secret_goes_to_the_keyring_and_never_to_the_file(ui: Opened) -> None:
    ui.wait_probed()
    add_clouddialer(ui)
    assert ui.dialog.isVisible(), "Enter in the caller-ID box adds a number, never saves"
    assert ui.w(QListWidget, "account_caller_ids").count() == 1
    secret = ui.line("account_secret")
    assert secret.echoMode() is QLineEdit.EchoMode.Password and secret.isEnabled()
    ui.qtbot.keyClicks(secret, "s3cret-Key-42")

    saved = ui.save()
    assert not ui.dialog.isVisible()
    account = saved.account("Ops")
    assert account.provider == "clouddialer"
    assert account.agent == "+919876543210" and account.caller_ids == ["+918069000003"]
    assert credentials.get_secret("Ops") == "s3cret-Key-42"
    text = paths.settings_file().read_text(encoding="utf-8")
    assert "s3cret-Key-42" not in text
    assert settings_mod.load().account("Ops") == account


def test_without_a_keyring_the_secret_field_is_off_and_says_why(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with open_dialog(qtbot) as ui:
            ui.wait_probed()
            message = ui.w(QLabel, "keyring_message")
            assert message.isVisible()
            assert "No usable system keyring" in message.text()
            assert "GNOME Keyring" in message.text() or "Keychain" in message.text()
            assert "never stores passwords in a plain-text file" in message.text()
            assert not ui.line("account_secret").isEnabled()
            # Everything else still saves.
            ui.line("account_agent").setText("+91 98000 00009")
            assert ui.save().account("sandbox").agent == "+919800000009"
    finally:
        keyring.set_keyring(previous)


def test_rename_moves_the_secret_and_remove_deletes_it(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path
) -> None:
    settings = settings_mod.load()
    for name in ("Alpha", "Beta"):
        settings.accounts.append(
            Account(
                name=name,
                provider="clouddialer",
                agent="+919800000002",
                caller_ids=["+918069000009"],
            )
        )
        credentials.set_secret(name, f"secret-of-{name}")
    settings_mod.save(settings)
    with open_dialog(qtbot, settings) as ui:
        ui.wait_probed()
        ui.select_account("Alpha")
        ui.line("account_name").setText("Gamma")
        ui.select_account("Beta")
        ui.qtbot.keyClick(ui.w(QListWidget, "account_list"), Qt.Key.Key_Delete)
        assert ui.w(QListWidget, "account_list").count() == 2
        saved = ui.save()
    assert [a.name for a in saved.accounts] == ["sandbox", "Gamma"]
    assert credentials.get_secret("Gamma") == "secret-of-Alpha"
    assert credentials.get_secret("Alpha") is None
    assert credentials.get_secret("Beta") is None


# --- checks and saving --------------------------------------------------------------------------


def test_mistakes_show_next_to_their_field_and_block_save(ui: Opened) -> None:
    before = paths.settings_file().read_text(encoding="utf-8")
    ui.line("account_agent").setText("12")
    error = ui.w(QLabel, "account_agent_error")
    assert error.isVisible() and "not a valid phone number" in error.text()
    ui.line("account_base_url").setText("ftp://example.com")
    assert "must start with https://" in ui.w(QLabel, "account_base_url_error").text()
    ui.click("settings_save")
    status = ui.w(QLabel, "settings_status")
    assert "sandbox" in status.text() and ui.dialog.isVisible()
    assert paths.settings_file().read_text(encoding="utf-8") == before
    ui.line("account_base_url").clear()
    ui.line("account_agent").setText("+91 98000 00001")
    assert not error.isVisible()

    ui.click("account_add")
    ui.line("account_name").setText("sandbox")
    assert "already named" in ui.w(QLabel, "account_name_error").text()


def test_calling_hours_are_edited_checked_and_saved(ui: Opened) -> None:
    hours = ui.line("account_calling_hours")
    assert hours.text() == ""  # the sandbox calls any time
    hours.setText("25:00-06:00")
    error = ui.w(QLabel, "account_calling_hours_error")
    assert error.isVisible() and error.text()
    hours.setText("22:00-06:00")  # a window may wrap midnight
    assert not error.isVisible()
    assert ui.save().account("sandbox").calling_hours == ("22:00", "06:00")
    assert settings_mod.load().account("sandbox").calling_hours == ("22:00", "06:00")

    # A new account shows the window it will get, and follows its provider until edited.
    ui.click("account_add")
    ui.pick_provider("alohaa")
    assert hours.text() == "09:00-21:00"
    ui.pick_provider("sandbox")
    assert hours.text() == ""
    ui.pick_provider("alohaa")
    hours.clear()  # the agent chose any time: it stays so
    ui.pick_provider("clouddialer")
    assert hours.text() == ""


def test_save_keeps_accounts_the_cli_added_meanwhile(ui: Opened) -> None:
    meanwhile = settings_mod.load()
    meanwhile.accounts.append(Account(name="from-cli", provider="sandbox"))
    meanwhile.preferences.last_caller_id["sandbox"] = "+918069000002"
    settings_mod.save(meanwhile)

    form = ui.w(QWidget, "account_settings_form")
    find(form, QSpinBox, "field_max_ring_time").setValue(45)
    saved = ui.save()
    assert [a.name for a in saved.accounts] == ["sandbox", "from-cli"]
    assert saved.account("sandbox").settings == {"max_ring_time": 45}
    assert saved.preferences.last_caller_id == {"sandbox": "+918069000002"}
    on_disk = settings_mod.load()
    assert on_disk == saved
    assert ui.saved == [saved]


def test_cancel_writes_nothing(ui: Opened) -> None:
    before = paths.settings_file().read_text(encoding="utf-8")
    ui.line("account_name").setText("renamed")
    ui.click("account_add")
    ui.click("settings_cancel")
    assert not ui.dialog.isVisible() and ui.saved == []
    assert paths.settings_file().read_text(encoding="utf-8") == before


# --- preferences --------------------------------------------------------------------------------


def test_preferences_save_and_the_theme_applies_live(
    ui: Opened, tmp_path: Path, qapp: QApplication
) -> None:
    ui.dialog.tabs.setCurrentIndex(1)
    confirm = ui.w(QCheckBox, "pref_confirm_external")
    assert confirm.isChecked(), "confirming outside numbers is on by default"
    region = ui.w(QComboBox, "pref_region")
    assert region.currentData() == "IN"
    region.setCurrentIndex(region.findData("GB"))
    ui.qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    ui.w(QCheckBox, "pref_start_minimized").setChecked(True)
    ui.w(QCheckBox, "pref_start_at_login").setChecked(True)
    combo = ui.w(QComboBox, "pref_theme")
    combo.setCurrentIndex(combo.findData("light"))
    assert theme.current() == "light"
    assert theme._LIGHT[theme.style.BG] in qapp.styleSheet()

    saved = ui.save()
    prefs = saved.preferences
    assert (prefs.default_region, prefs.confirm_external, prefs.theme) == ("GB", False, "light")
    assert prefs.start_minimized and prefs.start_at_login
    entry = tmp_path / "xdg-config" / "autostart" / "dialer.desktop"
    assert entry.exists() and "--minimized" in entry.read_text(encoding="utf-8")
    assert theme.current() == "light"  # saved, so kept


def test_cancel_reverts_a_previewed_theme_and_leaves_login_items(
    ui: Opened, tmp_path: Path
) -> None:
    combo = ui.w(QComboBox, "pref_theme")
    before = theme.current()
    combo.setCurrentIndex(combo.findData("light"))
    assert theme.current() == "light"
    ui.w(QCheckBox, "pref_start_at_login").setChecked(True)
    ui.click("settings_cancel")
    assert theme.current() == before or (before is None and theme.current() == "dark")
    assert not (tmp_path / "xdg-config" / "autostart" / "dialer.desktop").exists()


def test_keyboard_only(ui: Opened) -> None:
    """Tab reaches the editor from the list; Delete removes; Escape cancels."""
    box = ui.w(QListWidget, "account_list")
    box.setFocus()
    ui.qtbot.keyClick(box, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is ui.w(QPushButton, "account_add")
    ui.qtbot.keyClick(ui.w(QPushButton, "account_add"), Qt.Key.Key_Space)
    assert box.count() == 2
    assert QApplication.focusWidget() is ui.w(QComboBox, "account_provider")
    box.setFocus()
    ui.qtbot.keyClick(box, Qt.Key.Key_Delete)
    assert box.count() == 1
    ui.qtbot.keyClick(ui.dialog, Qt.Key.Key_Escape)
    assert not ui.dialog.isVisible() and ui.saved == []


# --- Kazoo endpoints ----------------------------------------------------------------------------

KAZOO_ACCOUNT = "0123456789abcdef0123456789abcdef"
KAZOO_KEY = "k" * 64


@pytest.fixture
def kazoo_url(tmp_path: Path) -> Iterator[str]:
    from dialer.providers import kazoo_api
    from dialer.sandbox.kazoo_sim import create_app
    from tests.support.live_server import run_server

    kazoo_api._TOKENS.clear()
    app = create_app(tmp_path / "kazoo", account_id=KAZOO_ACCOUNT, api_key=KAZOO_KEY)
    yield from run_server(app)
    kazoo_api._TOKENS.clear()


def test_kazoo_endpoints_are_managed_in_the_account(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path, kazoo_url: str
) -> None:
    settings = settings_mod.load()
    settings.accounts.append(
        Account(
            name="pbx", provider="kazoo", base_url=kazoo_url, settings={"account_id": KAZOO_ACCOUNT}
        )
    )
    settings_mod.save(settings)
    credentials.set_secret("pbx", KAZOO_KEY)
    with open_dialog(qtbot, settings) as ui:
        ui.wait_probed()
        ui.select_account("pbx")
        section = ui.w(QWidget, "kazoo_endpoints")
        assert section.isVisibleTo(ui.dialog)
        agent = ui.line("account_agent")
        assert not agent.isEnabled() and "no agent" in agent.toolTip()
        status = ui.w(QLabel, "kazoo_endpoints_status")
        table = ui.w(QTableView, "kazoo_endpoint_table")
        model = table.model()

        def settled() -> bool:
            return status.property("tone") in ("ok", "bad", "") and "Talking" not in status.text()

        ui.click("kazoo_endpoints_refresh")
        qtbot.waitUntil(lambda: "endpoint" in status.text().lower(), timeout=NETWORK_MS)
        assert model.rowCount() == 0

        ui.qtbot.keyClicks(ui.line("kazoo_endpoint_name"), "Sales desk")
        ui.qtbot.keyClicks(ui.line("kazoo_endpoint_extension"), "1001")
        ui.click("kazoo_endpoint_create")
        qtbot.waitUntil(lambda: status.text().startswith(("Created", "✗")), timeout=NETWORK_MS)
        assert status.text().startswith("Created"), status.text()
        assert model.rowCount() == 1
        assert model.index(0, 0).data() == "Sales desk"
        c2c_id = model.index(0, 3).data()
        table.selectRow(0)
        qtbot.waitUntil(settled, timeout=NETWORK_MS)

        ui.click("kazoo_endpoint_use")
        callers = ui.w(QListWidget, "account_caller_ids")
        assert [callers.item(i).text() for i in range(callers.count())] == [c2c_id]
        assert model.index(0, 2).data() == "✓ in use"

        ui.line("kazoo_endpoint_name").setText("Sales floor")
        ui.click("kazoo_endpoint_update")
        qtbot.waitUntil(lambda: status.text().startswith(("Saved", "✗")), timeout=NETWORK_MS)
        assert status.text().startswith("Saved"), status.text()
        assert model.index(0, 0).data() == "Sales floor"

        # The connection test now checks the chosen endpoint too.
        result = ui.w(QLabel, "test_connection_result")
        ui.click("test_connection_button")
        qtbot.waitUntil(lambda: result.text().startswith(("✓", "✗")), timeout=NETWORK_MS)
        assert result.text().startswith("✓") and "Sales floor" in result.text(), result.text()

        saved = ui.save()
        assert saved.account("pbx").caller_ids == [c2c_id]

    with open_dialog(qtbot, saved) as ui:
        ui.wait_probed()
        ui.select_account("pbx")
        status = ui.w(QLabel, "kazoo_endpoints_status")
        table = ui.w(QTableView, "kazoo_endpoint_table")
        ui.click("kazoo_endpoints_refresh")
        qtbot.waitUntil(lambda: "endpoint" in status.text().lower(), timeout=NETWORK_MS)
        table.selectRow(0)
        qtbot.waitUntil(lambda: "Talking" not in status.text(), timeout=NETWORK_MS)
        delete = ui.w(QPushButton, "kazoo_endpoint_delete")
        ui.click("kazoo_endpoint_delete")
        assert "again" in delete.text()  # the first click only arms it
        ui.click("kazoo_endpoint_delete")
        qtbot.waitUntil(lambda: status.text().startswith(("Deleted", "✗")), timeout=NETWORK_MS)
        assert status.text().startswith("Deleted"), status.text()
        assert table.model().rowCount() == 0
        assert ui.w(QListWidget, "account_caller_ids").count() == 0


def test_tab_order_follows_the_layout(ui: Opened) -> None:
    ui.wait_probed()
    expected = [
        "account_list",
        "account_add",
        "account_remove",
        "account_provider",
        "account_name",
        "account_default",
        "account_base_url",
        "account_secret",
        "account_secret_show",
        "test_connection_button",
        "account_agent",
        "account_caller_ids",
        "account_caller_id_input",
        "account_caller_id_add",
        "field_recording",
        "field_max_ring_time",
        "field_crm_username",
        "settings_cancel",
        "settings_save",
    ]
    seen: list[str] = []
    widget: QWidget | None = ui.w(QListWidget, "account_list")
    for _ in range(5000):  # the chain is a ring: once round is enough
        if widget is None or len(seen) == len(expected):
            break
        name = widget.objectName()
        focusable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled()
        if name in expected and focusable and name not in seen:
            seen.append(name)
        widget = widget.nextInFocusChain()
    # account_caller_id_remove is disabled until a caller ID is selected: not a Tab stop.
    assert seen == expected


def test_swapping_two_names_swaps_their_secrets() -> None:
    """Old secrets are all read before any is written: a swap never crosses or loses one."""
    from dialer.ui.account_draft import Draft
    from dialer.ui.settings_store import apply_secrets

    credentials.set_secret("Left", "secret-L")
    credentials.set_secret("Right", "secret-R")
    drafts = [
        Draft(provider="clouddialer", name="Right", original="Left"),
        Draft(provider="clouddialer", name="Left", original="Right"),
        Draft(provider="clouddialer", name="New", secret="secret-N"),
    ]
    apply_secrets(drafts, ["Left", "Right", "Gone"])
    assert credentials.get_secret("Right") == "secret-L"
    assert credentials.get_secret("Left") == "secret-R"
    assert credentials.get_secret("New") == "secret-N"
