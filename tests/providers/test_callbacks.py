"""Status pushes from each provider's simulator reach the listener over loopback, once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from dialer.domain.models import CallSnapshot, CallStatus
from dialer.sandbox import callback_senders as senders
from dialer.services.callback_events import PushLedger
from dialer.services.callbacks import (
    SARV_ACTIVATION_REPLY,
    CallbackApp,
    CallbackListener,
    CallbackRoute,
    callback_token,
)
from dialer.services.history import HistoryStore
from tests.support.live_server import run_server

if TYPE_CHECKING:
    from dialer.settings import Settings

TOKEN = "0123456789abcdef0123456789abcdef"
ALOHAA_HEADER = ("x-webhook-key", "s3cr3t-webhook-value")
ROUTES = [
    CallbackRoute("cd", "clouddialer", token=TOKEN),
    CallbackRoute("ace", "acefone", token=TOKEN),
    CallbackRoute("sarv", "sarv", token=TOKEN),
    CallbackRoute("alo", "alohaa", header=ALOHAA_HEADER),
]


class Env:
    def __init__(self, tmp: Path) -> None:
        self.history = HistoryStore(tmp / "history.sqlite")
        self.ledger = PushLedger(tmp / "callbacks.sqlite", self.history)
        self.seen: list[CallSnapshot] = []
        self.app = CallbackApp(ROUTES, self.ledger, on_snapshot=self.seen.append, max_body=4096)
        self.url = ""

    def place(self, uuid: str, account: str, provider: str, call_id: str) -> None:
        self.history.record(
            CallSnapshot(
                uuid=uuid,
                account=account,
                provider=provider,
                to_number="+919876543210",
                call_id=call_id,
                status=CallStatus.INITIATED,
            )
        )

    def path(self, account: str) -> str:
        route = next(r for r in ROUTES if r.account == account)
        return self.url + route.path()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    environment = Env(tmp_path)
    server = run_server(environment.app)
    environment.url = next(server)
    try:
        yield environment
    finally:
        next(server, None)
        environment.ledger.close()
        environment.history.close()


def _final_once(env: Env, uuid: str, status: CallStatus) -> None:
    entry = env.history.get(uuid)
    assert entry is not None and entry.final and entry.status is status
    assert [s.uuid for s in env.seen] == [uuid]


def test_openapi_status_callback_with_retries_applies_once(env: Env) -> None:
    env.place("u-cd", "cd", "clouddialer", "c-1")
    payload = senders.clouddialer_status("u-cd", "c-1", "ANSWER", 150)
    delivery = senders.deliver(env.path("cd"), payload, repeat=3)
    assert [r.json()["status"] for r in delivery.replies] == ["applied", "duplicate", "duplicate"]
    _final_once(env, "u-cd", CallStatus.ANSWER)
    entry = env.history.get("u-cd")
    assert entry is not None and entry.duration == 150 and entry.recording_url


def test_alohaa_webhook_authenticated_by_its_header_pair(env: Env) -> None:
    env.place("u-alo", "alo", "alohaa", "a-1")
    payload = senders.alohaa_outgoing("u-alo", "a-1", "notanswered", 0)
    wrong = senders.deliver(env.path("alo"), payload, headers={ALOHAA_HEADER[0]: "nope"})
    assert [r.status_code for r in wrong.replies] == [401, 401, 401]
    assert env.history.get("u-alo").status is CallStatus.INITIATED  # type: ignore[union-attr]
    ok = senders.deliver(env.path("alo"), payload, headers=dict([ALOHAA_HEADER]), repeat=2)
    assert [r.status_code for r in ok.replies] == [200, 200]
    _final_once(env, "u-alo", CallStatus.NO_ANSWER)


def test_acefone_assumed_payload_matched_by_custom_identifier(env: Env) -> None:
    env.place("u-ace", "ace", "acefone", "f-1")
    senders.deliver(env.path("ace"), senders.acefone_event_assumed("u-ace", "f-1"), repeat=2)
    _final_once(env, "u-ace", CallStatus.ANSWER)


def test_sarv_push_report_answers_godblessyou_and_matches_call_id(env: Env) -> None:
    env.place("u-sarv", "sarv", "sarv", "s-77")
    delivery = senders.deliver(env.path("sarv"), senders.sarv_push_report("s-77", "busy"), repeat=2)
    assert [r.text for r in delivery.replies] == [SARV_ACTIVATION_REPLY] * 2
    _final_once(env, "u-sarv", CallStatus.BUSY)
    probe = senders.deliver(env.path("sarv"), senders.sarv_push_report("unknown"))
    assert probe.last.text == SARV_ACTIVATION_REPLY


def test_wrong_token_oversized_non_json_and_unknown_call(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    env.place("u-cd", "cd", "clouddialer", "c-1")
    payload = senders.clouddialer_status("u-cd", "c-1", "FAILED")
    caplog.set_level(logging.INFO, logger="dialer.callbacks")
    bad = httpx.post(f"{env.url}/callbacks/cd/{'f' * 32}", json=payload)
    assert bad.status_code == 401
    assert httpx.post(f"{env.url}/callbacks/nobody/{TOKEN}", json=payload).status_code == 401
    big = {**payload, "pad": "x" * 10_000}
    assert httpx.post(env.path("cd"), json=big).status_code == 413
    text = httpx.post(env.path("cd"), content=b"uuid=u-cd", headers={"content-type": "text/plain"})
    assert text.status_code == 415
    unknown = senders.clouddialer_status("u-nope", "c-9")
    assert senders.deliver(env.path("cd"), unknown, attempts=1).last.status_code == 404
    other_account = senders.deliver(env.path("ace"), senders.acefone_event_assumed("u-cd", "c-1"))
    assert other_account.last.status_code == 404  # one account cannot rewrite another's calls
    entry = env.history.get("u-cd")
    assert entry is not None and not entry.final and env.seen == []
    assert TOKEN not in caplog.text and "9876543210" not in caplog.text and "pad" not in caplog.text


def test_retry_after_restart_is_still_a_duplicate(env: Env, tmp_path: Path) -> None:
    env.place("u-cd", "cd", "clouddialer", "c-1")
    senders.deliver(env.path("cd"), senders.clouddialer_status("u-cd", "c-1"))
    again = PushLedger(tmp_path / "callbacks.sqlite", env.history)
    try:
        event = senders.clouddialer_status("u-cd", "c-1", "FAILED")
        from dialer.services.callback_events import parse

        assert again.apply("cd", parse("clouddialer", event)) == ("duplicate", None)
    finally:
        again.close()
    assert env.history.get("u-cd").status is CallStatus.ANSWER  # type: ignore[union-attr]


def test_listener_serves_on_the_running_loop_and_stops(tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "h.sqlite")
    ledger = PushLedger(tmp_path / "cb.sqlite", history)

    async def scenario() -> int:
        listener = CallbackListener(CallbackApp(ROUTES, ledger), port=0)
        await listener.start()
        assert listener.url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{listener.url}/health")
        await listener.stop()
        return health.status_code

    try:
        assert asyncio.run(scenario()) == 200
    finally:
        ledger.close()
        history.close()


def test_callback_token_is_128_bits_kept_in_the_keyring() -> None:
    from dialer import credentials

    first = callback_token("acct")
    assert len(first) == 32 and int(first, 16) >= 0
    assert callback_token("acct") == first
    assert credentials.get_secret("acct#callback") == first
    assert credentials.get_secret("acct") is None


def _settings(port: int, enabled: bool = True) -> Settings:
    from dialer.settings import Account, Preferences, Settings

    accounts = [
        Account(name="cd", provider="clouddialer"),
        Account(
            name="alo",
            provider="alohaa",
            settings={
                "send_webhook_details": True,
                "webhook_url": "http://127.0.0.1/callbacks/alo",
                "webhook_api_key": "x-webhook-key",
            },
        ),
        Account(name="alo-plain", provider="alohaa"),  # the app's own header pair
        Account(name="kz", provider="kazoo"),  # polls: no callback
    ]
    prefs = Preferences(callback_listener=enabled, callback_port=port)
    return Settings(accounts=accounts, preferences=prefs)


def test_routes_from_settings_and_keyring() -> None:
    from dialer import credentials
    from dialer.services import callback_setup

    credentials.set_secret("alo", '{"x-metro-api-key": "k-1", "webhook_api_value": "v-1"}')
    routes = {r.account: r for r in callback_setup.routes_for(_settings(8765))}
    assert sorted(routes) == ["alo", "alo-plain", "cd"]
    assert routes["alo"].header == ("x-webhook-key", "v-1")  # the user's webhook wins
    plain_token = credentials.get_secret("alo-plain#callback")
    assert plain_token and routes["alo-plain"].header == (callback_setup.ALOHAA_HEADER, plain_token)
    assert routes["alo"].path() == "/callbacks/alo"
    assert routes["cd"].token == credentials.get_secret("cd#callback")
    assert routes["cd"].path() == f"/callbacks/cd/{routes['cd'].token}"


def test_accounts_test_probe_reports_the_listener(tmp_path: Path) -> None:
    from dialer.services import callback_setup

    history = HistoryStore(tmp_path / "h.sqlite")
    ledger = PushLedger(tmp_path / "cb.sqlite", history)

    async def scenario() -> list[str]:
        listener = CallbackListener(CallbackApp(ROUTES, ledger), port=0)
        await listener.start()
        async with httpx.AsyncClient() as client:
            up = await callback_setup.probe(client, _settings(listener.port).preferences)
            off = await callback_setup.probe(client, _settings(1, False).preferences)
            await listener.stop()
            down = await callback_setup.probe(client, _settings(listener.port).preferences)
        return [up, off, down]

    try:
        up, off, down = asyncio.run(scenario())
    finally:
        ledger.close()
        history.close()
    assert "up at http://127.0.0.1:" in up
    assert "off" in off
    assert "NOT reachable" in down


def test_dialer_listen_command_serves_until_interrupted() -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "dialer", "listen", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(f"listening on http://127.0.0.1:{port}")
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_a_taken_port_leaves_the_app_running_without_a_listener(tmp_path: Path) -> None:
    import socket

    from dialer.services import callback_runtime

    history = HistoryStore(tmp_path / "h.sqlite")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = _settings(taken.getsockname()[1])
        running = asyncio.run(callback_runtime.start(settings, history, lambda _s: None))
    history.close()
    assert running is None
