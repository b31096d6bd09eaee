"""The real window against a provider that hangs: Qt keeps turning, the card ends "unknown".

A request that hangs is the fault most likely to freeze a desktop dialer (a blocking request on
the GUI thread). Each case places a call from the main window, as a person would, against the
fault server in `read_timeout` (no answer at all) and `slow_body` (headers, then silence), and
proves the event loop kept running *while the request was pending*: a timer kept firing and a
widget kept repainting before any outcome arrived. Nothing is timed; ticks and paints are
counted, and the hang lasts far longer than the counts need.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from dialer import credentials, settings
from dialer.providers import _http
from dialer.providers.clouddialer import CloudDialerProvider
from tests.faults import accounts, fault_server
from tests.faults.fault_server import FaultServer
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, Recorder, card_of, label, line

#: The client gives up after this; the server stays silent for READ_TIMEOUT * 6 (3 s).
CLIENT_TIMEOUT = fault_server.READ_TIMEOUT * 5
#: Heartbeat ticks (every 20 ms) and repaints that must happen while the request hangs: a
#: fraction of the hang, so a working loop reaches them long before the outcome.
TICKS, PAINTS = 10, 5

CASES = [
    (provider, fault)
    for fault in ("read_timeout", "slow_body")
    for provider in ("clouddialer", "alohaa", "sarv", "acefone")
]


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


@pytest.fixture(params=CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def hanging(
    request: pytest.FixtureRequest,
    sandbox_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, FaultServer]]:
    """The only account is `provider`, pointed at a server that hangs in `fault` mode."""
    provider, fault = request.param
    timeout = httpx.Timeout(CLIENT_TIMEOUT, connect=fault_server.READ_TIMEOUT)
    monkeypatch.setattr(_http, "DEFAULT_TIMEOUT", timeout)
    monkeypatch.setattr(CloudDialerProvider, "request_timeout", timeout)
    server = FaultServer(mode=fault)
    with fault_server.serve(server) as url:
        acc = accounts.account(provider, url)
        settings.save(settings.Settings(accounts=[acc], default_account=acc.name))
        credentials.set_secret(acc.name, accounts.SECRETS[provider])
        yield provider, server


@pytest.fixture
def hanging_gui(hanging: tuple[str, FaultServer], gui: Gui) -> Gui:
    return gui


def test_window_keeps_turning_while_the_call_request_hangs(
    hanging_gui: Gui, hanging: tuple[str, FaultServer], qtbot: QtBot
) -> None:
    provider, server = hanging
    window = hanging_gui.window
    seen = Recorder(window)

    ticks: list[int] = []
    probe = QLabel("0")
    qtbot.addWidget(probe)
    probe.show()
    painted = PaintCounter()
    probe.installEventFilter(painted)
    heartbeat = QTimer(window)
    heartbeat.setInterval(20)

    def tick() -> None:
        ticks.append(1)
        probe.setText(str(len(ticks)))  # a change that needs a repaint to be seen

    heartbeat.timeout.connect(tick)
    heartbeat.start()

    number_input = line(window, "number_input")
    qtbot.keyClicks(number_input, accounts.number(provider))
    qtbot.keyClick(number_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(server.requests), timeout=CALL_TIMEOUT_MS)
    ticks_at_send, paints_at_send = len(ticks), painted.paints
    qtbot.waitUntil(
        lambda: len(ticks) - ticks_at_send >= TICKS and painted.paints - paints_at_send >= PAINTS,
        timeout=CALL_TIMEOUT_MS,
    )
    # Reached while the request was still pending: a blocked loop would count only afterwards.
    assert not seen.final(), "the outcome came before the loop could prove it was turning"
    assert [s.status for s in seen.snapshots if s.final] == []

    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)
    heartbeat.stop()

    assert len(seen.uuids()) == 1
    assert sum(method == "POST" for method, _ in server.requests) == 1, server.requests
    final = seen.snapshots[-1]
    assert final.status == "UNKNOWN", final
    card = card_of(window, final.uuid)
    status_text = label(card, "call_status").text()
    message = label(card, "call_message")
    assert "unknown" in status_text.lower() and "check before redialing" in status_text
    [row] = hanging_gui.services.history.recent(10)
    assert row.status == "UNKNOWN" and row.message == final.message
    # The reason, readable, under the headline: what the provider did or did not say.
    assert message.isVisibleTo(card) and message.text().strip(), message.text()
    assert message.text() in row.message
