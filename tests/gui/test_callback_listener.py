"""The status-push listener runs on the window's qasync loop and reaches the controller."""

from __future__ import annotations

import asyncio
import socket

from dialer.domain.models import CallSnapshot, CallStatus
from dialer.sandbox import callback_senders as senders
from dialer.services import callback_runtime
from dialer.settings import Account, Preferences, Settings
from tests.gui.conftest import Gui, run_until_done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_push_on_the_qasync_loop_updates_history_and_listeners_once(gui: Gui) -> None:
    controller = gui.window.controller
    assert controller is not None
    history = gui.services.history
    history.record(
        CallSnapshot(
            uuid="u-push",
            account="cd",
            provider="clouddialer",
            to_number="+919876543210",
            call_id="c-1",
            status=CallStatus.INITIATED,
        )
    )
    seen: list[CallSnapshot] = []
    controller.add_listener(seen.append)
    settings = Settings(
        accounts=[Account(name="cd", provider="clouddialer")],
        preferences=Preferences(callback_listener=True, callback_port=_free_port()),
    )
    running = run_until_done(
        gui.qtbot, callback_runtime.start(settings, history, controller.report)
    )
    assert running is not None
    try:
        route = running.listener.app.routes["cd"]
        url = running.listener.url + route.path()
        payload = senders.clouddialer_status("u-push", "c-1", "NO_ANSWER")
        delivery = run_until_done(
            gui.qtbot, asyncio.to_thread(senders.deliver, url, payload, repeat=3)
        )
        assert [r.status_code for r in delivery.replies] == [200, 200, 200]
    finally:
        run_until_done(gui.qtbot, running.aclose())
    assert [(s.uuid, s.status, s.final) for s in seen] == [("u-push", CallStatus.NO_ANSWER, True)]
    entry = history.get("u-push")
    assert entry is not None and entry.final and entry.status is CallStatus.NO_ANSWER


def test_listener_off_by_default(gui: Gui) -> None:
    assert gui.window.settings is not None
    assert not gui.window.settings.preferences.callback_listener
    history = gui.services.history
    started = run_until_done(gui.qtbot, callback_runtime.start(Settings(), history, print))
    assert started is None
