"""Accounts, caller IDs and per-call provider options in the main window: what each provider
offers (a DID pool, shuffle, Kazoo endpoints, a settings model) and what reaches the controller.

Widgets are found by objectName only; calls are stopped before the network (PrepareSpy) where
the provider is a real remote API, and placed through the sandbox where it is the sandbox.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QSpinBox, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from dialer.settings import Account
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, Recorder, button, combo, find, label, line
from tests.gui.test_main_window import ALOHAA, PrepareSpy, select_account, with_accounts


def test_caller_id_choice_is_remembered_per_account(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    accounts = combo(window, "account_selector")
    caller_ids = combo(window, "caller_id_selector")
    assert accounts.currentText() == "sandbox"
    assert caller_ids.count() == 2 and caller_ids.isEnabled()
    assert caller_ids.currentText() == "+91 80 6900 0001"  # shown readable, kept as E.164
    assert caller_ids.currentData() == "+918069000001"

    caller_ids.setCurrentIndex(1)
    caller_ids.activated.emit(1)  # what a user's pick emits
    task = window.tasks.save_task
    assert task is not None
    qtbot.waitUntil(task.done, timeout=5000)
    from dialer import paths

    saved = json.loads(paths.settings_file().read_text(encoding="utf-8"))
    assert saved["preferences"]["last_caller_id"] == {"sandbox": "+918069000002"}

    again = MainWindow()
    qtbot.addWidget(again)
    assert gui.window.settings is not None
    again.picker.set_settings(gui.window.settings)
    assert again.picker.current_caller_id() == "+918069000002"


def test_shuffle_where_the_provider_picks_the_caller_id(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = gui.window
    assert window.controller is not None
    spy = PrepareSpy()
    monkeypatch.setattr(window.controller, "prepare", spy)
    caller_ids = combo(window, "caller_id_selector")
    assert caller_ids.findText("Shuffle (from the pool)") == -1  # the sandbox cannot shuffle

    with_accounts(window, ALOHAA)
    select_account(window, "aloha")
    assert [caller_ids.itemText(i) for i in range(caller_ids.count())] == [
        "+91 80 6900 0001",
        "+91 80 6900 0002",
        "Shuffle (from the pool)",
    ]
    line(window, "number_input").setText("+91 98765 43210")
    assert "Alohaa receives 9876543210" in label(window, "number_preview").text()

    caller_ids.setCurrentIndex(2)
    caller_ids.activated.emit(2)
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(spy.calls), timeout=5000)
    assert spy.calls[-1]["caller_id"] is None
    assert spy.calls[-1]["options"] == {"did_shuffle": True}
    assert spy.calls[-1]["account"] == "aloha"
    # Refused before any call existed: said in the panel, in words.
    panel_message = label(window, "call_panel_message")
    qtbot.waitUntil(lambda: "stopped by the test" in panel_message.text(), timeout=5000)
    assert panel_message.text() == "Call not placed: stopped by the test"

    task = window.tasks.save_task
    assert task is not None
    qtbot.waitUntil(task.done, timeout=5000)
    assert window.settings is not None
    assert window.settings.preferences.last_caller_id["aloha"] == "shuffle"


def test_per_call_options_come_from_the_provider_model(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    options = find(window, QWidget, "provider_options")
    tabs = find(window, QTabWidget, "side_tabs")
    # The sandbox declares its per-call options (call_options): recording and ring time.
    recording = find(options, QCheckBox, "field_recording")
    ring = find(options, QSpinBox, "field_max_ring_time")
    assert options.findChild(QWidget, "field_crm_username") is None  # an account key
    assert (ring.minimum(), ring.maximum(), ring.value()) == (5, 120, 30)
    assert recording.isChecked() and recording.toolTip()
    assert tabs.tabText(1) == "Call options"

    ring.setValue(5)
    assert tabs.tabText(1) == "Call options (1 changed)"
    assert window.options.options() == {"max_ring_time": 5}
    # A customer ending 1111 rings until the ring time runs out: 5 s, not 15.
    seen = Recorder(window)
    line(window, "number_input").setText("+91 98765 41111")
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)
    assert seen.snapshots[-1].status == "NO_ANSWER"
    assert gui.services.history.recent(1)[0].status == "NO_ANSWER"

    qtbot.mouseClick(button(options, "provider_options_reset"), Qt.MouseButton.LeftButton)
    assert ring.value() == 30 and window.options.options() == {}
    assert tabs.tabText(1) == "Call options"


def test_options_of_a_provider_without_declared_ones_skip_secrets_and_keys(
    gui: Gui, qtbot: QtBot
) -> None:
    window = gui.window
    with_accounts(window, ALOHAA)
    select_account(window, "aloha")
    options = find(window, QWidget, "provider_options")
    shown = {w.objectName() for w in options.findChildren(QWidget) if w.objectName()}
    assert "field_is_agent_required" in shown and "field_rate_limit_retries" in shown
    for hidden in ("field_x_metro_api_key", "field_webhook_api_value", "field_did_shuffle"):
        assert hidden not in shown  # secrets never; shuffle is the caller-ID selector's


def test_kazoo_endpoints_are_the_caller_ids(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    endpoint = "3f" * 16
    kazoo = Account(
        name="pbx",
        provider="kazoo",
        base_url="http://127.0.0.1:9",
        caller_ids=[endpoint],
        settings={"account_id": "a1" * 16},
    )
    with_accounts(window, kazoo)
    select_account(window, "pbx")
    caller_ids = combo(window, "caller_id_selector")
    assert caller_ids.currentText() == "Endpoint 3f3f3f3f…"
    assert caller_ids.currentData() == endpoint
    assert "endpoint" in caller_ids.toolTip()
    options = find(window, QWidget, "provider_options")
    shown = {w.objectName() for w in options.findChildren(QWidget) if w.objectName()}
    assert {"field_blocking", "field_auto_answer", "field_contact_format"} <= shown
    assert "field_account_id" not in shown and "field_username" not in shown
    line(window, "number_input").setText("+91 98765 43210")
    assert button(window, "call_button").isEnabled(), button(window, "call_button").toolTip()
