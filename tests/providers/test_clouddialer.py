"""The Click-to-Call OpenAPI adapter against its simulator, over real HTTP on loopback.

The simulator validates every request and reply against the seed's OpenAPI file, and every
request the adapter sends is validated against the same file on its way out (an httpx event
hook), so the two independent readings of the contract keep each other honest. Simulated time
is a fake clock (or a high speed), never a sleep.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from openapi_core import OpenAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dialer import paths
from dialer.domain import (
    AuthError,
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    CredentialsUnavailable,
    InvalidNumber,
    LegRole,
    LegState,
    NotFound,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
    Unsupported,
)
from dialer.providers import clouddialer_wire, registry
from dialer.providers.base import validate_settings
from dialer.providers.clouddialer import (
    DOCUMENTED_ERRORS,
    READABLE_ERRORS,
    CloudDialerProvider,
    CloudDialerSettings,
)
from dialer.providers.sandbox import SandboxProvider
from dialer.sandbox import clouddialer_sim
from dialer.sandbox.clouddialer_sim import create_app
from dialer.sandbox.clouddialer_sim_state import SimState
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore
from dialer.settings import Account, Settings
from tests.support.live_server import START, FakeClock, run_server
from tests.support.openapi import RequestValidator, load_openapi

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "dialer" / "sandbox" / "clouddialer-openapi.yaml"
SEED_DIR = REPO.parent / "shared" / "providers"
KEY = "ck_live_5f2a9c"
AGENT = "+919876543211"
CALLER_ID = "+919800000000"
CUSTOMER = "+919876543210"


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class Sim:
    url: str
    state: SimState


SimFactory = Callable[..., Sim]


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return load_openapi(SPEC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def start_sim(tmp_path: Path, clock: FakeClock) -> Iterator[SimFactory]:
    """Start simulators on loopback (fake clock unless a speed is given); all stop after."""
    count = itertools.count()
    with ExitStack() as stack:

        def start(**options: Any) -> Sim:
            options.setdefault("clock", None if "speed" in options else clock)
            app = create_app(tmp_path / f"sim{next(count)}", api_key=KEY, **options)
            state: SimState = app.state.sim
            url = stack.enter_context(contextmanager(run_server)(app))
            stack.callback(state.release)  # let a held reply finish before the server stops
            return Sim(url, state)

        yield start


@pytest.fixture
def sim(start_sim: SimFactory) -> Sim:
    return start_sim()


@pytest.fixture
def wire(openapi: OpenAPI) -> RequestValidator:
    return RequestValidator(openapi)


@pytest.fixture
def run(wire: RequestValidator) -> Callable[[Callable[[httpx.AsyncClient], Awaitable[T]]], T]:
    """Run a coroutine with a client whose every request is checked against the contract."""

    def runner(fn: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
        async def main() -> T:
            async with httpx.AsyncClient(event_hooks={"request": [wire]}) as client:
                return await fn(client)

        return asyncio.run(main())

    return runner


Run = Callable[[Callable[[httpx.AsyncClient], Awaitable[Any]]], Any]


def account(url: str | None = "http://127.0.0.1:9", **fields: Any) -> Account:
    values: dict[str, Any] = {
        "name": "cd",
        "provider": "clouddialer",
        "base_url": url,
        "agent": AGENT,
        "caller_ids": [CALLER_ID],
    }
    settings = {k: fields.pop(k) for k in list(fields) if k in CloudDialerSettings.model_fields}
    values.update(fields)
    return Account(**values, settings=settings)


def provider(client: httpx.AsyncClient, acc: Account, **kw: Any) -> CloudDialerProvider:
    return CloudDialerProvider(acc, kw.pop("secret", KEY), client, **kw)


def call(to: str = CUSTOMER, **options: Any) -> CallRequest:
    return CallRequest(account="cd", to_number=to, options=options)


def snapshot(call_id: str = "5deb67aa-d54d-4536-9a25-a29813b3bddd", **kw: Any) -> CallSnapshot:
    values: dict[str, Any] = {
        "uuid": "u-1",
        "account": "cd",
        "provider": "clouddialer",
        "to_number": CUSTOMER,
        "call_id": call_id,
        "status": CallStatus.INITIATED,
    }
    values.update(kw)
    return CallSnapshot(**values)


async def follow(
    p: CloudDialerProvider, snap: CallSnapshot, clock: FakeClock, step: float = 1.0
) -> list[CallSnapshot]:
    """Poll on the fake clock until final, keeping every distinct observation."""
    seen = [snap]
    for _ in range(200):
        if seen[-1].final:
            break
        clock.advance(step)
        fresh = await p.get_status(seen[-1])
        if fresh != seen[-1]:
            seen.append(fresh)
    return seen


# --- the document, the simulator and the adapter agree --------------------------------------


def test_spec_is_a_byte_copy_of_the_seed() -> None:
    seed = SEED_DIR / "clouddialer-openapi.yaml"
    if not seed.exists():
        pytest.skip("the seed documents are not next to the repository")
    assert SPEC.read_bytes() == seed.read_bytes()


def test_error_tables_match_the_document() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    from_spec = {
        f"{method.upper()} {path}": {
            int(code): reply["description"]
            for code, reply in operation["responses"].items()
            if int(code) >= 400
        }
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }
    assert from_spec == DOCUMENTED_ERRORS
    assert from_spec == clouddialer_sim.DOCUMENTED_ERRORS
    codes_file = SEED_DIR / "error-codes.json"
    if codes_file.exists():
        documented = json.loads(codes_file.read_text(encoding="utf-8"))["clouddialer"]["http"]
        as_ints = {op: {int(k): v for k, v in table.items()} for op, table in documented.items()}
        assert as_ints == DOCUMENTED_ERRORS
        assert as_ints == clouddialer_sim.DOCUMENTED_ERRORS
    # Every documented reply has a readable text of its own, and nothing else does.
    assert {op: set(t) for op, t in READABLE_ERRORS.items()} == {
        op: set(t) for op, t in DOCUMENTED_ERRORS.items()
    }


def test_registry_settings_and_capabilities() -> None:
    assert registry.get("clouddialer") is CloudDialerProvider
    assert issubclass(SandboxProvider, CloudDialerProvider)
    assert CloudDialerProvider.default_base_url == "https://api.clouddialer.in"
    assert CloudDialerProvider.secret_fields() == {"api_key"}
    assert CloudDialerProvider.needs_secret
    caps = CloudDialerProvider.capabilities
    assert caps.live_status and caps.add_leg and caps.recordings and caps.caller_id_pool
    assert not caps.hangup and not caps.provider_history and not caps.caller_id_shuffle
    for missing in ("hangup", "provider_history", "caller_id_shuffle"):
        assert CloudDialerProvider.missing_reasons[missing]
    schema = CloudDialerSettings.model_json_schema()["properties"]
    assert schema["api_key"]["secret"] is True
    assert all(field.get("description") for field in schema.values())
    ok = validate_settings(CloudDialerSettings, {"max_ring_time": "45", "recording": "false"})
    assert ok.model_dump(exclude_unset=True) == {"max_ring_time": 45, "recording": False}
    for bad in ({"max_ring_time": "0"}, {"max_ring_time": "301"}, {"crm_username": ""}):
        with pytest.raises(ConfigError, match="invalid settings"):
            validate_settings(CloudDialerSettings, bad)
    with pytest.raises(ConfigError, match="valid settings: api_key, crm_username"):
        validate_settings(CloudDialerSettings, {"agent_number": "1"})


def test_accounts_are_checked_before_they_are_saved() -> None:
    norm = CloudDialerProvider.normalize_account(account(agent="98765 43211"))
    assert norm.agent == AGENT and norm.caller_ids == [CALLER_ID]
    crm_only = account(agent=None, crm_username="agent.017")
    assert CloudDialerProvider.normalize_account(crm_only).agent is None
    with pytest.raises(ConfigError, match="not both"):
        CloudDialerProvider.normalize_account(account(crm_username="agent.017"))
    with pytest.raises(ConfigError, match="needs the agent"):
        CloudDialerProvider.normalize_account(account(agent=None))
    with pytest.raises(ConfigError, match="caller-id"):
        CloudDialerProvider.normalize_account(account(caller_ids=[]))
    with pytest.raises(InvalidNumber, match="not an Indian number"):
        CloudDialerProvider.normalize_account(account(agent="+14155550123"))


# --- calls through the real adapter ---------------------------------------------------------


def test_answered_call_full_life(
    sim: Sim, run: Run, clock: FakeClock, wire: RequestValidator
) -> None:
    async def go(client: httpx.AsyncClient) -> tuple[list[CallSnapshot], bytes]:
        p = provider(client, account(sim.url), clock=clock)
        request = call()
        snap = await p.place_call(request)
        assert snap.status is CallStatus.INITIATED and not snap.final
        assert snap.uuid == request.uuid and snap.from_number == CALLER_ID
        seen = await follow(p, snap, clock)
        return seen, await p.download_recording(seen[-1])

    seen, audio = run(go)
    [post] = wire.sent("POST", "/calls")
    assert json.loads(post.content) == {
        "from_number": "919800000000",
        "to_number": "9876543210",
        "agent_number": "9876543211",
        "uuid": seen[0].uuid,
        "recording": True,
        "max_ring_time": 30,
    }
    assert post.headers["authorization"] == f"Bearer {KEY}"
    states = [(s.status, tuple((leg.role, leg.state) for leg in s.legs)) for s in seen]
    agent, dest = LegRole.AGENT, LegRole.DESTINATION
    assert (CallStatus.INITIATED, ((agent, LegState.DIALING),)) in states
    assert (CallStatus.INITIATED, ((agent, LegState.JOINED), (dest, LegState.DIALING))) in states
    talking = next(s for s in seen if s.status is CallStatus.ANSWER)
    assert not talking.final and talking.ended_at is None and talking.connected_at
    last = seen[-1]
    assert last.final and last.status is CallStatus.ANSWER and last.duration == 8
    assert last.ended_at and last.connected_at and last.ended_at > last.connected_at
    assert [leg.number for leg in last.legs] == [AGENT, CUSTOMER]
    assert {leg.state for leg in last.legs} == {LegState.LEFT}
    assert last.recording_url and last.recording_url.startswith(sim.url + "/recordings/")
    assert audio[:4] == b"RIFF"
    [download] = wire.sent("GET", "/recordings/")
    assert "authorization" not in download.headers  # the URL is the access control


def test_answer_is_final_only_once_end_time_is_set(sim: Sim, run: Run, clock: FakeClock) -> None:
    async def go(client: httpx.AsyncClient) -> tuple[CallSnapshot, CallSnapshot]:
        p = provider(client, account(sim.url))
        snap = await p.place_call(call())
        clock.advance(12)
        talking = await p.get_status(snap)
        clock.advance(1)
        return talking, await p.get_status(talking)

    talking, ended = run(go)
    assert talking.status is CallStatus.ANSWER and not talking.final and talking.duration == 7
    assert ended.status is CallStatus.ANSWER and ended.final and ended.ended_at is not None


@pytest.mark.parametrize(
    ("number", "status"),
    [("+919876540000", CallStatus.BUSY), ("+919876541111", CallStatus.NO_ANSWER),
     ("+919876542222", CallStatus.FAILED)],
)  # fmt: skip
def test_unanswered_outcomes_are_final(
    sim: Sim, run: Run, clock: FakeClock, number: str, status: CallStatus
) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        p = provider(client, account(sim.url, max_ring_time=6))
        return (await follow(p, await p.place_call(call(number)), clock))[-1]

    last = run(go)
    assert last.final and last.status is status and last.recording_url is None


def test_crm_username_instead_of_agent_number(
    sim: Sim, run: Run, clock: FakeClock, wire: RequestValidator
) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        p = provider(client, account(sim.url, agent=None, crm_username="agent.017"))
        snap = await p.place_call(call())
        clock.advance(3)
        return await p.get_status(snap)

    snap = run(go)
    body = json.loads(wire.sent("POST", "/calls")[0].content)
    assert body["crm_username"] == "agent.017" and "agent_number" not in body
    assert snap.legs[0].role is LegRole.AGENT and snap.legs[0].number == "agent.017"


def test_per_call_options_override_the_account(
    sim: Sim, run: Run, clock: FakeClock, wire: RequestValidator
) -> None:
    async def go(client: httpx.AsyncClient) -> tuple[CallSnapshot, CallSnapshot]:
        p = provider(client, account(sim.url, max_ring_time=60, recording=True))
        ring = await follow(p, await p.place_call(call("9876541111", max_ring_time=5)), clock)
        quiet = await p.place_call(call(recording=False))
        return ring[-1], (await follow(p, quiet, clock))[-1]

    ring, quiet = run(go)
    first, second = (json.loads(r.content) for r in wire.sent("POST", "/calls"))
    assert (first["max_ring_time"], first["recording"]) == (5, True)
    assert (second["max_ring_time"], second["recording"]) == (60, False)
    # The customer leg is dialed at 2 s and gives up after the call's own 5 s, not 60.
    assert ring.status is CallStatus.NO_ANSWER and ring.ended_at == START + timedelta(seconds=7)
    assert quiet.status is CallStatus.ANSWER and quiet.recording_url is None


def test_add_leg_joins_the_call(
    sim: Sim, run: Run, clock: FakeClock, wire: RequestValidator
) -> None:
    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        p = provider(client, account(sim.url, max_ring_time=20))
        snap = await p.place_call(call())
        clock.advance(6)
        leg = await p.add_leg(snap, "+919123456780")
        assert (leg.role, leg.number, leg.state) == (
            LegRole.DESTINATION, "+919123456780", LegState.DIALING,
        )  # fmt: skip
        return await follow(p, snap, clock)

    seen = run(go)
    [added] = wire.sent("POST", "/calls/")
    assert json.loads(added.content) == {"number": "9123456780", "max_ring_time": 20}
    assert any(
        leg.number == "+919123456780" and leg.state is LegState.JOINED
        for s in seen
        for leg in s.legs
    )
    assert len(seen[-1].legs) == 3


def test_refusals_before_sending(sim: Sim, run: Run) -> None:
    cases: list[tuple[Account, CallRequest, type[Exception], str]] = [
        (account(sim.url, crm_username="agent.017"), call(), ConfigError, "crm_username"),
        (account(sim.url, agent=None), call(), ConfigError, "no agent number"),
        (account(sim.url, caller_ids=[]), call(), ConfigError, "no caller ID"),
        (account(sim.url), call("+14155550123"), InvalidNumber, "only Indian numbers"),
        (account(sim.url, agent="+442079460000"), call(), InvalidNumber, "agent number"),
        (account(sim.url), call(colour="red"), ConfigError, "per-call options: max_ring_time"),
        (account(sim.url), call(max_ring_time=0), ConfigError, "max_ring_time"),
        (account(sim.url), call(recording="maybe"), ConfigError, "recording"),
    ]

    async def go(client: httpx.AsyncClient) -> None:
        for acc, request, error, text in cases:
            with pytest.raises(error, match=text):
                await provider(client, acc).place_call(request)
        with pytest.raises(ConfigError, match="HTTP header"):
            await provider(client, account(sim.url), secret="two words").place_call(call())
        with pytest.raises(CredentialsUnavailable):
            await provider(client, account(sim.url), secret=None).place_call(call())
        with pytest.raises(InvalidNumber, match="only Indian"):
            await provider(client, account(sim.url)).add_leg(snapshot(), "+14155550123")
        with pytest.raises(Unsupported, match="no hang-up"):
            await provider(client, account(sim.url)).hangup(snapshot())

    run(go)
    assert sim.state.received == []


# --- every documented error reply, through the real adapter ---------------------------------


async def _bad_caller_id(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    await provider(client, account(sim.url, caller_ids=["+919800000009"])).place_call(call())


async def _unknown_agent(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    acc = account(sim.url, agent=None, crm_username="agent.999")
    await provider(client, acc).place_call(call())


async def _wrong_key(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    await provider(client, account(sim.url), secret="wrong").place_call(call())


async def _ip_not_allowed(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    await provider(client, account(sim.url)).place_call(call())


async def _platform(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    await provider(client, account(sim.url)).place_call(call("9876545020"))


async def _unknown_call(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    await provider(client, account(sim.url)).get_status(snapshot())


async def _leg_after_end(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    p = provider(client, account(sim.url))
    snap = await p.place_call(call("9876542222"))
    clock.advance(5)  # FAILED at 3 s: the call is over
    await p.add_leg(snap, "9123456780")


async def _leg_unknown_call(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    await provider(client, account(sim.url)).add_leg(snapshot(), "9123456780")


async def _degraded(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    sim.state.degraded = True
    await provider(client, account(sim.url)).test_connection()


async def _no_recording(client: httpx.AsyncClient, sim: Sim, clock: FakeClock) -> None:
    url = f"{sim.url}/recordings/crm_5deb67aa-d54d-4536-9a25-a29813b3bddd.wav"
    await provider(client, account(sim.url)).download_recording(snapshot(recording_url=url))


Scenario = Callable[[httpx.AsyncClient, Sim, FakeClock], Awaitable[None]]
#: (operation, status) -> (how to provoke it, error type, error_code, readable words)
SCENARIOS: dict[tuple[str, int], tuple[Scenario, type[Exception], str, str]] = {
    ("POST /calls", 400): (_bad_caller_id, ProviderRefused, "INVALID_CALLER_ID", "caller ID"),
    ("POST /calls", 401): (_wrong_key, AuthError, "UNAUTHORIZED", "API key was refused"),
    ("POST /calls", 403): (_ip_not_allowed, ProviderRefused, "ORIGIN_NOT_PERMITTED", "from here"),
    ("POST /calls", 502): (_platform, ProviderRefused, "PLATFORM_ERROR", "could not queue"),
    ("GET /calls/{call_id}", 404): (_unknown_call, NotFound, "CALL_NOT_FOUND", "not know"),
    ("POST /calls/{call_id}/add-leg", 400): (
        _leg_after_end, ProviderRefused, "CALL_ENDED", "already ended",
    ),
    ("POST /calls/{call_id}/add-leg", 404): (
        _leg_unknown_call, NotFound, "CALL_NOT_FOUND", "not know",
    ),
    ("GET /health", 503): (_degraded, ProviderRefused, "SERVICE_UNAVAILABLE", "degraded"),
    ("GET /recordings/{filename}", 404): (
        _no_recording, NotFound, "RECORDING_NOT_FOUND", "not available",
    ),
}  # fmt: skip


def test_every_documented_error_has_a_scenario() -> None:
    documented = {(op, status) for op, table in DOCUMENTED_ERRORS.items() for status in table}
    assert set(SCENARIOS) == documented


@pytest.mark.parametrize("case", list(SCENARIOS), ids=lambda c: f"{c[0]} {c[1]}")
def test_documented_error_is_typed_and_readable(
    start_sim: SimFactory, run: Run, clock: FakeClock, case: tuple[str, int]
) -> None:
    operation, status = case
    scenario, error, code, words = SCENARIOS[case]
    sim = start_sim(allowed_ips=["203.0.113.7"] if status == 403 else None)

    async def go(client: httpx.AsyncClient) -> None:
        await scenario(client, sim, clock)

    with pytest.raises(error) as info:
        run(go)
    exc = info.value
    assert isinstance(exc, ProviderRefused)
    assert exc.code == code and exc.http_status == status
    assert words in exc.reason and READABLE_ERRORS[operation][status] in exc.reason
    assert code in str(exc)


def test_browser_origin_is_refused(start_sim: SimFactory) -> None:
    sim = start_sim(allowed_origins=["https://crm.example.com"])

    async def go(origin: str) -> CallSnapshot:
        async with httpx.AsyncClient(headers={"Origin": origin}) as client:
            return await provider(client, account(sim.url)).place_call(call())

    assert asyncio.run(go("https://crm.example.com")).call_id
    with pytest.raises(ProviderRefused, match="browser requests") as info:
        asyncio.run(go("https://evil.example"))
    assert info.value.http_status == 403


# --- never dialing twice --------------------------------------------------------------------


def _settings(url: str) -> Settings:
    acc = CloudDialerProvider.normalize_account(account(url))
    return Settings(default_account="cd", accounts=[acc])


def test_timed_out_post_is_unknown_and_never_retried(
    start_sim: SimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = start_sim(reply_delay=10.0)
    monkeypatch.setattr(CloudDialerProvider, "request_timeout", httpx.Timeout(0.3, connect=5.0))
    history = HistoryStore(paths.history_db())

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            controller = CallController(
                _settings(sim.url), history, client, secret_lookup=lambda name: KEY
            )
            await controller.dial("98765 43210", follow=False)

    try:
        with pytest.raises(OutcomeUnknown, match="may have been received"):
            asyncio.run(go())
        [row] = history.recent()
    finally:
        history.close()
    assert row.status is CallStatus.UNKNOWN and row.final
    assert "check before redialing" in row.message
    assert sim.state.count("POST", "/calls") == 1
    assert len(sim.state.received) == 1


def test_timeout_on_the_provider_itself(start_sim: SimFactory, run: Run) -> None:
    sim = start_sim(reply_delay=10.0)

    async def go(client: httpx.AsyncClient) -> None:
        await provider(client, account(sim.url), timeout=0.3).place_call(call())

    with pytest.raises(OutcomeUnknown):
        run(go)
    assert sim.state.count("POST", "/calls") == 1


def test_broken_reply_to_post_is_unknown_not_failed(sim: Sim, run: Run) -> None:
    # The simulator validates its own replies: a broken one becomes 500 CONTRACT_VIOLATION,
    # and an undocumented 5xx to a POST may hide a placed call.
    sim.state.tamper = lambda op, body: {**body, "call_id": "not-a-uuid"}

    async def go(client: httpx.AsyncClient) -> None:
        await provider(client, account(sim.url)).place_call(call())

    with pytest.raises(OutcomeUnknown, match="CONTRACT_VIOLATION"):
        run(go)


def test_broken_status_reply_is_a_reply_error(sim: Sim, run: Run) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        p = provider(client, account(sim.url))
        snap = await p.place_call(call())
        sim.state.tamper = lambda op, body: {**body, "call_status": "RINGING"}
        await p.get_status(snap)

    with pytest.raises(ProviderReplyError, match="CONTRACT_VIOLATION"):
        run(go)


def test_controller_follows_to_the_end(
    start_sim: SimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = start_sim(speed=100.0)
    monkeypatch.setattr(CloudDialerProvider, "poll_speedup", 50.0)
    history = HistoryStore(paths.history_db())
    statuses: list[CallStatus] = []

    async def go() -> CallSnapshot:
        async with httpx.AsyncClient() as client:
            controller = CallController(
                _settings(sim.url), history, client, secret_lookup=lambda name: KEY
            )
            controller.add_listener(lambda s: statuses.append(s.status))
            return await controller.dial("9876543210")

    try:
        final = asyncio.run(go())
        row = history.get(final.uuid)
    finally:
        history.close()
    assert final.final and final.status is CallStatus.ANSWER and final.duration == 8
    assert statuses[:2] == [CallStatus.DIALING, CallStatus.INITIATED]
    assert row is not None and row.status is CallStatus.ANSWER and row.call_id == final.call_id


# --- replies that are not the contract ------------------------------------------------------


def _garbage_app() -> Starlette:
    async def calls(request: Request) -> Response:
        kind = (await request.json())["to_number"]
        if kind == "9876543210":
            return Response("<html>oops</html>", media_type="text/html")
        if kind == "9876543299":
            return Response("<html>bad</html>", status_code=400, media_type="text/html")
        return JSONResponse(
            {"error_code": "SLOW_DOWN"}, status_code=429, headers={"Retry-After": "7"}
        )

    async def status(request: Request) -> Response:
        call_id = request.path_params["call_id"]
        bodies = {
            "00000000-0000-0000-0000-000000000001": {"call_status": "RINGING"},
            "00000000-0000-0000-0000-000000000002": {"call_status": "ANSWER", "legs": "x"},
            "00000000-0000-0000-0000-000000000003": {"call_status": "ANSWER", "call_id": "other"},
            "00000000-0000-0000-0000-000000000004": {"call_status": "ANSWER", "duration": "8"},
            "00000000-0000-0000-0000-000000000005": {"call_status": "ANSWER", "end_time": "soon"},
        }
        if call_id in bodies:
            return JSONResponse(bodies[call_id])
        if call_id == "00000000-0000-0000-0000-000000000006":
            return JSONResponse([1, 2])
        return Response("Not Found", status_code=404)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "success"})

    return Starlette(
        routes=[
            Route("/calls", calls, methods=["POST"]),
            Route("/calls/{call_id}", status, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def test_garbage_replies_are_typed(run: Run) -> None:
    with contextmanager(run_server)(_garbage_app()) as url:

        async def go(client: httpx.AsyncClient) -> None:
            p = provider(client, account(url))
            with pytest.raises(OutcomeUnknown) as accepted:
                await p.place_call(call())
            assert isinstance(accepted.value, ProviderReplyError)
            with pytest.raises(ProviderRefused) as refused:
                await p.place_call(call("9876543299"))
            assert refused.value.code == "HTTP 400" and refused.value.http_status == 400
            with pytest.raises(RateLimited) as limited:
                await p.place_call(call("9876543298"))
            assert limited.value.retry_after == 7.0 and limited.value.code == "SLOW_DOWN"
            for n in range(1, 7):
                with pytest.raises(ProviderReplyError):
                    await p.get_status(snapshot(f"00000000-0000-0000-0000-00000000000{n}"))
            with pytest.raises(ProviderReplyError, match="does not answer like"):
                await p.test_connection()

        run(go)


# --- connection test, polling, and the command line -----------------------------------------


def test_connection_test(sim: Sim, run: Run) -> None:
    async def ok(client: httpx.AsyncClient) -> str:
        return await provider(client, account(sim.url)).test_connection()

    assert run(ok) == f"connected to {sim.url}; the API key works"
    assert [m for m, _ in sim.state.received] == ["GET", "GET"]

    async def bad(client: httpx.AsyncClient) -> str:
        return await provider(client, account(sim.url), secret="nope").test_connection()

    with pytest.raises(AuthError, match="API key was refused"):
        run(bad)


def test_polling_backs_off_while_ringing_and_talking(clock: FakeClock) -> None:
    async def build() -> CloudDialerProvider:
        async with httpx.AsyncClient() as client:
            return CloudDialerProvider(account(), KEY, client, clock=clock)

    p = asyncio.run(build())  # polling intervals need no client, only the clock
    start = clock.now

    def interval(after: float, status: CallStatus = CallStatus.INITIATED) -> float:
        clock.now = start + timedelta(seconds=after)
        return p.poll_interval(snapshot(status=status, started_at=start, connected_at=start))

    ringing = [interval(s) for s in (0, 9, 10, 29, 30, 300)]
    talking = [interval(s, CallStatus.ANSWER) for s in (0, 29, 30, 119, 120, 3600)]
    assert ringing == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert talking == [2.0, 2.0, 4.0, 4.0, 6.0, 6.0]


def test_cli_add_test_and_call(start_sim: SimFactory, dialer_home: Path) -> None:
    sim = start_sim(speed=50.0)
    env = dict(os.environ, DIALER_HOME=str(dialer_home))

    def dialer(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dialer", *args],
            input=stdin, capture_output=True, text=True, env=env, timeout=30, check=False,
        )  # fmt: skip

    refused = dialer(
        "accounts", "add", "cd", "--provider", "clouddialer", "--set", f"api_key={KEY}"
    )
    assert refused.returncode == 2 and "secret" in refused.stderr
    added = dialer(
        "accounts", "add", "cd", "--provider", "clouddialer", "--base-url", sim.url,
        "--agent", "98765 43211", "--caller-id", "+91 98000 00000",
        "--set", "max_ring_time=25", "--default", stdin=KEY + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    saved = (paths.settings_file()).read_text(encoding="utf-8")
    assert KEY not in saved
    tested = dialer("accounts", "test", "cd")
    assert tested.returncode == 0, tested.stderr
    assert "the API key works" in tested.stdout
    placed = dialer("call", "9876543210", "--account", "cd", "--wait", "--json")
    assert placed.returncode == 0, placed.stderr
    data = json.loads(placed.stdout)
    assert data["provider"] == "clouddialer" and data["status"] == "ANSWER"
    assert data["duration"] == 8 and data["from"] == CALLER_ID and data["to"] == CUSTOMER
    assert sim.state.count("POST", "/calls") == 1
    abroad = dialer("call", "+14155550123", "--account", "cd", "--json")
    assert abroad.returncode == 2 and "only Indian numbers" in abroad.stderr
    assert sim.state.count("POST", "/calls") == 1


def test_wire_module_is_not_a_provider() -> None:
    assert not hasattr(clouddialer_wire, "PROVIDER")


# --- the simulator on its own: what it validates ---------------------------------------------

AUTH = {"Authorization": f"Bearer {KEY}"}
GOOD = {"from_number": "919800000000", "to_number": "9876543210", "agent_number": "9876543211",
        "uuid": "crm-42"}  # fmt: skip


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error_code", "message"} and body["status"] == "error"
    assert body["error_code"] == code, body
    return str(body["message"])


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"from_number": None}, "INVALID_REQUEST", "from_number"),
        ({"uuid": None}, "INVALID_REQUEST", "uuid"),
        ({"to_number": 9876543210}, "INVALID_REQUEST", "to_number"),
        ({"recording": "yes"}, "INVALID_REQUEST", "recording"),
        ({"max_ring_time": "30"}, "INVALID_REQUEST", "max_ring_time"),
        ({"max_ring_time": 0}, "INVALID_REQUEST", "max_ring_time"),
        ({"uuid": " "}, "INVALID_REQUEST", "uuid"),
        ({"crm_username": "agent.017"}, "AGENT_CONFLICT", "agent_number"),
        ({"agent_number": None}, "MISSING_AGENT", "agent_number"),
        ({"to_number": "+14155550123"}, "INVALID_NUMBER", "to_number"),
        ({"to_number": "98765 43210"}, "INVALID_NUMBER", "to_number"),
        ({"to_number": "919876543210"}, "INVALID_NUMBER", "to_number"),
        ({"agent_number": "12345"}, "INVALID_NUMBER", "agent_number"),
        ({"from_number": "919800000001"}, "INVALID_CALLER_ID", "from_number"),
        ({"from_number": "caller"}, "INVALID_CALLER_ID", "from_number"),
        ({"agent_number": None, "crm_username": "agent.999"}, "UNKNOWN_AGENT", "crm_username"),
    ],
)
def test_sim_validates_initiate(sim: Sim, change: dict[str, Any], code: str, words: str) -> None:
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = httpx.post(f"{sim.url}/calls", json=body, headers=AUTH)
    assert words in _error(response, 400, code)


@pytest.mark.parametrize("from_number", ["919800000000", "+919800000000", "9800000000"])
def test_sim_accepts_documented_forms(sim: Sim, from_number: str) -> None:
    for to in ("9876543210", "+919876543210"):
        body = {**GOOD, "from_number": from_number, "to_number": to, "recording": False,
                "max_ring_time": 45, "extra": 1}  # fmt: skip
        response = httpx.post(f"{sim.url}/calls", json=body, headers=AUTH)
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"status", "call_id", "message"}


def test_sim_checks_every_request_against_the_contract(sim: Sim) -> None:
    url = sim.url
    call_id = httpx.post(f"{url}/calls", json=GOOD, headers=AUTH).json()["call_id"]
    no_json = httpx.post(f"{url}/calls", content=b"{}", headers=AUTH)
    assert "mimetype" in _error(no_json, 400, "INVALID_REQUEST")
    broken = httpx.post(
        f"{url}/calls", content=b"{", headers={**AUTH, "content-type": "application/json"}
    )
    _error(broken, 400, "INVALID_REQUEST")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {KEY}"}):
        for method, path in (("POST", "/calls"), ("GET", f"/calls/{call_id}"),
                             ("POST", f"/calls/{call_id}/add-leg")):  # fmt: skip
            response = httpx.request(method, f"{url}{path}", json={"number": "1"}, headers=headers)
            assert _error(response, 401, "UNAUTHORIZED") == "Invalid or missing API key"
    assert "call_id" in _error(
        httpx.get(f"{url}/calls/not-a-uuid", headers=AUTH), 400, "INVALID_REQUEST"
    )
    leg = httpx.post(
        f"{url}/calls/{call_id}/add-leg", json={"number": "+14155550123"}, headers=AUTH
    )
    _error(leg, 400, "INVALID_NUMBER")
    leg = httpx.post(f"{url}/calls/{call_id}/add-leg", json={"max_ring_time": 5}, headers=AUTH)
    _error(leg, 400, "INVALID_REQUEST")
    # The seed has no hang-up, and serves only its own paths.
    _error(httpx.post(f"{url}/calls/{call_id}/hangup", headers=AUTH), 404, "NOT_FOUND")
    _error(httpx.get(f"{url}/calls", headers=AUTH), 405, "METHOD_NOT_ALLOWED")
    assert httpx.get(f"{url}/health").json() == {"status": "success"}
    _error(httpx.get(f"{url}/recordings/crm_{call_id}.wav"), 404, "RECORDING_NOT_FOUND")
    _error(httpx.get(f"{url}/recordings/secret.wav"), 404, "RECORDING_NOT_FOUND")


def test_sim_checks_its_own_replies(sim: Sim) -> None:
    sim.state.tamper = lambda op, body: {**body, "leg_id": "three"} if "add-leg" in op else body
    call_id = httpx.post(f"{sim.url}/calls", json=GOOD, headers=AUTH).json()["call_id"]
    response = httpx.post(f"{sim.url}/calls/{call_id}/add-leg", json={"number": "9123456780"},
                          headers=AUTH)  # fmt: skip
    assert "leg_id" in _error(response, 500, "CONTRACT_VIOLATION")


def test_outgoing_requests_are_checked_too(wire: RequestValidator) -> None:
    from openapi_core.exceptions import OpenAPIError

    bad = httpx.Request("POST", "http://127.0.0.1:9/calls", json={"to_number": 1}, headers=AUTH)
    with pytest.raises(OpenAPIError):
        asyncio.run(wire(bad))
