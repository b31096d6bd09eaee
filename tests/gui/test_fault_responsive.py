"""The window against a provider that hangs: it keeps painting, and Enter twice dials once.

A provider that never answers is the case most likely to freeze a desktop dialer (a blocking
request on the GUI thread) or to make a person press Enter again and ring the customer twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from dialer import credentials, settings
from dialer.providers import _http
from dialer.providers.clouddialer import CloudDialerProvider
from tests.faults import accounts, fault_server
from tests.faults.fault_server import FaultServer
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, Recorder, line


@pytest.fixture
def hanging_provider(sandbox_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    """The only account is CloudDialer pointed at a server that answers after 3 s, too late."""
    timeout = httpx.Timeout(fault_server.READ_TIMEOUT * 2, connect=fault_server.READ_TIMEOUT)
    monkeypatch.setattr(_http, "DEFAULT_TIMEOUT", timeout)
    monkeypatch.setattr(CloudDialerProvider, "request_timeout", timeout)
    server = FaultServer(mode="read_timeout")
    with fault_server.serve(server) as url:
        acc = accounts.account("clouddialer", url)
        settings.save(settings.Settings(accounts=[acc], default_account=acc.name))
        credentials.set_secret(acc.name, accounts.SECRETS["clouddialer"])
        yield server


@pytest.fixture
def hanging_gui(hanging_provider: FaultServer, gui: Gui) -> Gui:
    return gui


def test_enter_twice_against_a_hanging_provider_dials_once_and_never_freezes(
    hanging_gui: Gui, hanging_provider: FaultServer, qtbot: QtBot
) -> None:
    window = hanging_gui.window
    seen = Recorder(window)
    ticks: list[int] = []
    heartbeat = QTimer(window)
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: ticks.append(1))
    heartbeat.start()

    number_input = line(window, "number_input")
    qtbot.keyClicks(number_input, "+91 98765 43210")
    qtbot.keyClick(number_input, Qt.Key.Key_Return)
    qtbot.keyClick(number_input, Qt.Key.Key_Return)
    window.request_call()
    qtbot.waitUntil(lambda: bool(seen.snapshots), timeout=CALL_TIMEOUT_MS)
    waiting_since = len(ticks)
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)
    heartbeat.stop()

    # ~1 s of waiting for the provider at one tick per 20 ms: the GUI thread never stalled.
    assert len(ticks) - waiting_since >= 20, "the window froze while the provider hung"
    assert len(seen.uuids()) == 1
    assert [r for r in hanging_provider.requests if r[0] == "POST"] == [("POST", "/calls")]
    final = seen.snapshots[-1]
    assert final.status == "UNKNOWN" and "check before redialing" in final.message
    [row] = hanging_gui.services.history.recent(10)
    assert row.status == "UNKNOWN" and "check before redialing" in row.message
    assert number_input.isEnabled()
