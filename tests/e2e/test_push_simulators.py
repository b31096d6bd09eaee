"""From a call placed through the controller to the provider's own status push, over loopback.

Each simulator delivers its push by itself when the simulated call ends: Alohaa to the
`webhook_details` the call sent, the OpenAPI provider to its onboarding callback URL, Acefone
and Sarv to the URL set in their (simulated) dashboards. The listener runs on the test's loop
exactly as in the window; the history row must end in the push's outcome, applied once, even
when the simulator delivers it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from dialer import credentials
from dialer.domain.models import CallSnapshot, CallStatus
from dialer.sandbox import (
    acefone_sim,
    alohaa_sim,
    alohaa_sim_state,
    clouddialer_sim,
    clouddialer_sim_state,
    sarv_sim,
)
from dialer.sandbox.callback_senders import PushScheduler, ScheduledPush
from dialer.services import callback_runtime, callback_setup
from dialer.services.calls import CallController
from dialer.services.history import HistoryEntry, HistoryStore
from dialer.settings import Account, Preferences, Settings
from tests.support.live_server import run_server

#: Simulated seconds per real second: every call here ends in well under a second.
SPEED = 50.0
#: A guard against a hang, not a measurement: pushes normally land within a second.
WAIT_S = 30.0
serve = contextlib.contextmanager(run_server)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _until(done: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not done():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Outcome:
    placed: CallSnapshot
    followed: CallSnapshot
    row: HistoryEntry
    push: ScheduledPush
    emitted: list[CallSnapshot] = field(default_factory=list)

    @property
    def from_push(self) -> list[CallSnapshot]:
        return [s for s in self.emitted if "status push" in (s.message or "")]


def _call(
    tmp_path: Path,
    account: Account,
    number: str,
    pushes: PushScheduler,
    point_sim_at: Callable[[str], None] | None = None,
    *,
    url_of: Callable[[str], str] | None = None,
    after_place: Callable[[], None] | None = None,
    report: bool = True,
    before_poll: Callable[[httpx.Request], Awaitable[None]] | None = None,
) -> Outcome:
    """Place one call through the controller with the listener up; wait for the push."""
    conf = Settings(
        accounts=[account],
        preferences=Preferences(callback_listener=True, callback_port=_free_port()),
    )
    history = HistoryStore(tmp_path / "history.sqlite")
    emitted: list[CallSnapshot] = []

    async def scenario() -> Outcome:
        hooks = {"request": [before_poll]} if before_poll else {}
        async with httpx.AsyncClient(event_hooks=hooks) as client:
            controller = CallController(conf, history, client)
            controller.add_listener(emitted.append)
            # report=False: the listener runs as if in another process (`dialer listen`).
            on_push = controller.report if report else (lambda _s: None)
            running = await callback_runtime.start(conf, history, on_push)
            assert running is not None
            try:
                route = running.listener.app.routes[account.name]
                url = callback_setup.url_for(conf.preferences, account, route)
                if point_sim_at is not None:  # the simulated dashboard
                    point_sim_at(url_of(url) if url_of else url)
                placed = await controller.place(controller.prepare(number, account=account.name))
                if after_place is not None:
                    after_place()
                followed = await controller.follow(placed)
                await _until(lambda: bool(pushes.pushes) and not pushes.pending(), "the push")
            finally:
                await running.aclose()
        row = history.get(placed.uuid)
        assert row is not None
        return Outcome(placed, followed, row, pushes.pushes[-1], emitted)

    try:
        return asyncio.run(scenario())
    finally:
        history.close()


def _status_words(push: ScheduledPush) -> list[str]:
    return [json.loads(a.text)["status"] for a in push.attempts]


# --- Alohaa: webhook_details in the request, header pair back --------------------------------

ALOHAA_KEY = "metro-key-0123456789"


@pytest.fixture
def alohaa(tmp_path: Path) -> Iterator[tuple[str, alohaa_sim_state.AlohaaSim]]:
    app = alohaa_sim.create_app(tmp_path / "alohaa", api_key=ALOHAA_KEY, speed=SPEED)
    with serve(app) as url:
        yield url, app.state.alohaa
    app.state.alohaa.pushes.close()


def _al_account(url: str) -> Account:
    credentials.set_secret("al", ALOHAA_KEY)
    return Account(
        name="al", provider="alohaa", base_url=url, agent="+919800000001",
        caller_ids=["+918069000001"], settings={"status_poll_interval": 0.05},
    )  # fmt: skip


def test_alohaa_pushes_to_the_webhook_the_call_sent_and_it_applies_once(
    tmp_path: Path, alohaa: tuple[str, alohaa_sim_state.AlohaaSim]
) -> None:
    url, sim = alohaa
    account = _al_account(url)
    sim.pushes.lose_next = 1  # Alohaa "misses" the first reply and delivers again
    out = _call(tmp_path, account, "+919876543210", sim.pushes)

    call = sim.calls[-1]
    assert call.webhook_details is not None
    assert out.push.url == call.webhook_details["url"]
    assert out.push.headers == {callback_setup.ALOHAA_HEADER: credentials.get_secret("al#callback")}
    assert out.push.payload is not None
    assert out.push.payload["metadata"] == {"dialer_call_uuid": out.placed.uuid}
    assert _status_words(out.push) == ["applied", "duplicate"]
    assert [a.lost for a in out.push.attempts] == [True, False]
    assert out.row.final and out.row.status is CallStatus.ANSWER
    assert out.row.duration == alohaa_sim_state.TALK_SECONDS == out.push.payload["call_duration"]
    assert out.row.message == "reported by alohaa's status push"
    assert [(s.uuid, s.status, s.duration) for s in out.from_push] == [
        (out.placed.uuid, CallStatus.ANSWER, 12)
    ]
    assert out.followed.final


def test_alohaa_push_with_a_wrong_header_value_is_refused_every_time(
    tmp_path: Path, alohaa: tuple[str, alohaa_sim_state.AlohaaSim]
) -> None:
    url, sim = alohaa
    account = _al_account(url)

    def tamper() -> None:  # the push leaves with another value than the call sent
        sim.pushes.pushes[-1].headers[callback_setup.ALOHAA_HEADER] = "0" * 32

    out = _call(tmp_path, account, "+919876540000", sim.pushes, after_place=tamper)
    assert [a.status for a in out.push.attempts] == [401, 401, 401, 401]  # 1 + 3 retries
    assert out.from_push == []
    assert out.row.message != "reported by alohaa's status push"


# --- the Click-to-Call OpenAPI: onboarding callback URL, uuid, retries -----------------------

CD_KEY = "ck_live_5f2a9c"


@pytest.fixture
def clouddialer(tmp_path: Path) -> Iterator[tuple[str, clouddialer_sim_state.SimState]]:
    app = clouddialer_sim.create_app(tmp_path / "cd", api_key=CD_KEY, speed=SPEED)
    with serve(app) as url:
        yield url, app.state.sim
    app.state.sim.pushes.close()


def _cd_account(url: str) -> Account:
    credentials.set_secret("cd", CD_KEY)
    return Account(
        name="cd", provider="clouddialer", base_url=url, agent="+919876543211",
        caller_ids=["+919800000000"],
    )  # fmt: skip


def test_openapi_callback_reaches_the_listener_once_despite_redelivery(
    tmp_path: Path, clouddialer: tuple[str, clouddialer_sim_state.SimState]
) -> None:
    url, state = clouddialer
    state.pushes.lose_next = 2

    def point(listener_url: str) -> None:
        state.callback_url = listener_url

    out = _call(tmp_path, _cd_account(url), "+919876540000", state.pushes, point)  # busy
    assert out.push.payload is not None and out.push.payload["uuid"] == out.placed.uuid
    assert _status_words(out.push) == ["applied", "duplicate", "duplicate"]
    assert out.row.final and out.row.status is CallStatus.BUSY
    assert out.row.message == "reported by clouddialer's status push"
    assert [(s.uuid, s.status) for s in out.from_push] == [(out.placed.uuid, CallStatus.BUSY)]


def test_openapi_callback_with_a_wrong_token_is_retried_three_times_then_dropped(
    tmp_path: Path, clouddialer: tuple[str, clouddialer_sim_state.SimState]
) -> None:
    url, state = clouddialer

    def point(listener_url: str) -> None:
        state.callback_url = listener_url

    wrong = lambda u: u[:-32] + "0" * 32  # noqa: E731 - the same path, another token
    out = _call(tmp_path, _cd_account(url), "+919876543210", state.pushes, point, url_of=wrong)
    assert [a.status for a in out.push.attempts] == [401, 401, 401, 401]
    assert out.from_push == []
    # The live status still finished the call: the push was extra, not needed.
    assert out.row.final and out.row.status is CallStatus.ANSWER


# --- Acefone: the dashboard's webhook, custom_identifier (assumed payload) -------------------

ACE_TOKEN = "support-issued-token-1234"


@pytest.fixture
def acefone(tmp_path: Path) -> Iterator[tuple[str, acefone_sim.AcefoneSim]]:
    app = acefone_sim.create_app(tmp_path / "ace", api_token=ACE_TOKEN, speed=SPEED)
    with serve(app) as url:
        yield url, app.state.acefone
    app.state.acefone.pushes.close()


def _ace_account(url: str) -> Account:
    credentials.set_secret("ace", ACE_TOKEN)
    return Account(
        name="ace", provider="acefone", base_url=url, agent="0602049340005",
        caller_ids=["+442079460000"],
    )  # fmt: skip


def test_acefone_dashboard_webhook_gives_the_outcome_polling_cannot(
    tmp_path: Path, acefone: tuple[str, acefone_sim.AcefoneSim]
) -> None:
    url, sim = acefone
    account = _ace_account(url)
    sim.pushes.lose_next = 1

    def point(listener_url: str) -> None:  # through the simulated dashboard's route
        reply = httpx.post(f"{url}/sim/webhook", json={"url": listener_url})
        assert reply.status_code == 200

    out = _call(tmp_path, account, "+447400123456", sim.pushes, point)
    assert out.push.payload is not None
    assert out.push.payload["custom_identifier"] == out.placed.uuid
    assert _status_words(out.push) == ["applied", "duplicate"]
    assert out.row.final and out.row.status is CallStatus.ANSWER
    assert out.row.duration == acefone_sim.TALK_SECONDS == out.push.payload["duration"]
    assert out.row.message == "reported by acefone's status push"
    assert len(out.from_push) == 1


def test_a_push_taken_by_another_process_is_not_overwritten_by_the_follow(
    tmp_path: Path, acefone: tuple[str, acefone_sim.AcefoneSim]
) -> None:
    """`dialer listen` got the push; `dialer call --wait` then polls the call gone: it must
    keep the pushed outcome, not write its own "ended, outcome unknown" over it."""
    url, sim = acefone
    account = _ace_account(url)

    def point(listener_url: str) -> None:
        sim.webhook_url = listener_url

    async def push_first(request: httpx.Request) -> None:
        # Order the race the way it usually goes: a poll that would find the call gone
        # waits until the simulator has delivered its push.
        if request.url.path == "/v1/live_calls" and sim.calls:
            call = next(reversed(sim.calls.values()))
            if sim.state(call) is None:
                await _until(lambda: bool(sim.pushes.pushes) and not sim.pushes.pending(), "push")

    out = _call(
        tmp_path, account, "+447400123456", sim.pushes, point, report=False, before_poll=push_first
    )
    assert out.followed.final and out.followed.status is CallStatus.ANSWER
    assert out.followed.duration == acefone_sim.TALK_SECONDS
    assert out.row.status is CallStatus.ANSWER and out.row.message == out.followed.message
    assert [s.status for s in out.emitted if s.final] == [CallStatus.ANSWER]


# --- Sarv: the panel's push URL, GODBLESSYOU, callId --------------------------------------------

SARV_USER, SARV_TOKEN = "4242", "tok/en+42=x&y"


@pytest.fixture
def sarv(tmp_path: Path) -> Iterator[tuple[str, sarv_sim.SarvSim]]:
    app = sarv_sim.create_app(tmp_path / "sarv", user_id=SARV_USER, token=SARV_TOKEN, speed=SPEED)
    with serve(app) as url:
        yield url, app.state.sarv
    app.state.sarv.pushes.close()


@pytest.mark.parametrize(
    ("number", "status"),
    [("+919876543210", CallStatus.ANSWER), ("+919876540000", CallStatus.BUSY)],
)
def test_sarv_push_report_turns_placed_into_the_outcome(
    tmp_path: Path, sarv: tuple[str, sarv_sim.SarvSim], number: str, status: CallStatus
) -> None:
    url, sim = sarv
    credentials.set_secret("sv", SARV_TOKEN)
    account = Account(
        name="sv", provider="sarv", base_url=url, agent="+919800000001",
        caller_ids=["+918069000001"], settings={"user_id": SARV_USER},
    )  # fmt: skip
    sim.pushes.lose_next = 1

    def point(listener_url: str) -> None:
        reply = httpx.post(f"{url}/sim/push-url", json={"url": listener_url})
        assert reply.status_code == 200

    out = _call(tmp_path, account, number, sim.pushes, point)
    assert out.placed.final and out.placed.status is CallStatus.PLACED  # no live status
    assert out.push.payload is not None and out.push.payload["callId"] == out.placed.call_id
    assert [a.text for a in out.push.attempts] == ["GODBLESSYOU", "GODBLESSYOU"]
    assert sim.push_active
    assert out.row.final and out.row.status is status
    assert out.row.message == "reported by sarv's status push"
    assert [(s.uuid, s.status) for s in out.from_push] == [(out.placed.uuid, status)]
