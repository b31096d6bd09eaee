"""Caller IDs that are ids, not numbers (Kazoo endpoints), are offered by name in the window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dialer import credentials
from dialer.providers import kazoo, kazoo_api
from dialer.settings import Account
from tests.gui.conftest import Gui, combo
from tests.providers.test_kazoo import ACC, KEY, Sim, start


@pytest.fixture
def kazoo_sim(tmp_path: Path) -> Iterator[Sim]:
    kazoo_api._TOKENS.clear()
    kazoo._CONNECTED_AT.clear()
    yield from start(tmp_path, clock=None)
    kazoo_api._TOKENS.clear()


def test_kazoo_endpoints_show_their_names(gui: Gui, qtbot: QtBot, kazoo_sim: Sim) -> None:
    sales = kazoo_sim.endpoint()
    credentials.set_secret("pbx", KEY)
    window = gui.window
    assert window.settings is not None
    settings = window.settings.model_copy(deep=True)
    settings.accounts.append(
        Account(
            name="pbx",
            provider="kazoo",
            base_url=kazoo_sim.url,
            caller_ids=[sales],
            settings={"account_id": ACC},
        )
    )
    window.apply_settings(settings)
    accounts = combo(window, "account_selector")
    accounts.setCurrentIndex(accounts.findData("pbx"))
    caller_ids = combo(window, "caller_id_selector")
    qtbot.waitUntil(lambda: caller_ids.itemText(0) == "Sales (ext. 1001)", timeout=5000)
    assert caller_ids.itemData(0) == sales
