"""The Acefone adapter against the Acefone simulator, over real loopback HTTP.

Time is a FakeClock shared by the simulator and the adapter, so token lifetimes and call
timelines are stepped, never waited for. The Acefone document has no error-code table (replies
are `success` + `message` with HTTP statuses), so there is no code list to compare against.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialer.domain import (
    AuthError,
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    InvalidNumber,
    NetworkError,
    NotFound,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
    Unsupported,
)
from dialer.providers import acefone, acefone_settings, registry
from dialer.providers.acefone import AcefoneProvider, AcefoneSettings
from dialer.providers.base import validate_settings
from dialer.sandbox.acefone_sim import AcefoneSim, create_app
from dialer.settings import Account
from tests.support.live_server import FakeClock, run_server

T = TypeVar("T")

LOGIN_ID = "ops@example.co.uk"
PASSWORD = "correct horse battery"
API_TOKEN = "support-issued-token-1234"
AGENT = "0602049340005"
DIDS = ["442079460000", "442071838750"]
CUSTOMER = "+447400123456"


@dataclass
class Sim:
    url: str
    sim: AcefoneSim
    clock: FakeClock


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    acefone._TOKENS.clear()
    yield
    acefone._TOKENS.clear()


def start(tmp_path: Path, **kwargs: Any) -> Iterator[Sim]:
    clock = FakeClock()
    kwargs.setdefault("clock", clock)
    app = create_app(
        tmp_path / "acefone",
        login_id=LOGIN_ID,
        password=PASSWORD,
        api_token=API_TOKEN,
        dids=DIDS,
        **kwargs,
    )
    for url in run_server(app):
        yield Sim(url, app.state.acefone, clock)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    yield from start(tmp_path)


def account(url: str, *, caller_ids: list[str] | None = None, **settings: object) -> Account:
    return Account(
        name="ace",
        provider="acefone",
        base_url=url,
        agent=AGENT,
        caller_ids=["+442079460000"] if caller_ids is None else caller_ids,
        settings=dict(settings),
    )


def provider(
    s: Sim, client: httpx.AsyncClient, *, secret: str = PASSWORD, **settings: object
) -> AcefoneProvider:
    settings.setdefault("login_id", LOGIN_ID)
    if settings["login_id"] is None:
        del settings["login_id"]
    p = AcefoneProvider(account(s.url, **settings), secret, client)  # type: ignore[arg-type]
    p.clock = s.clock
    return p


def run(fn: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient() as client:
            return await fn(client)

    return asyncio.run(main())


def request(to: str = CUSTOMER, **kwargs: Any) -> CallRequest:
    return CallRequest(account="ace", to_number=to, agent=AGENT, **kwargs)


async def step(p: AcefoneProvider, s: Sim, snap: CallSnapshot, seconds: float) -> CallSnapshot:
    s.clock.advance(seconds)
    return await p.get_status(snap)


# --- placing: every parameter ---------------------------------------------------------------


def test_place_call_sends_every_parameter(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        p = provider(sim, client, call_timeout=30)
        return await p.place_call(request(caller_id="+442071838750", uuid="app-uuid-1"))

    snap = run(go)
    assert sim.sim.requests == [
        {
            "agent_number": AGENT,
            "destination_number": "447400123456",
            "caller_id": "442071838750",
            "async": "1",
            "call_timeout": 30,
            "custom_identifier": "app-uuid-1",
        }
    ]
    assert snap.status is CallStatus.INITIATED and not snap.final
    assert snap.call_id is None
    assert snap.message == "Originate successfully queued"
    assert snap.from_number == "+442071838750"
    reason = AcefoneProvider.hangup_unavailable_reason(snap)
    assert reason is not None and "call id" in reason


def test_optional_parameters_are_left_out(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        p = AcefoneProvider(account(sim.url, caller_ids=[]), API_TOKEN, client)
        await p.place_call(request())

    run(go)
    body = sim.sim.requests[0]
    assert set(body) == {"agent_number", "destination_number", "async", "custom_identifier"}


def test_call_options_override_account_settings(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        await provider(sim, client, call_timeout=30).place_call(
            request(options={"call_timeout": 45})
        )

    run(go)
    assert sim.sim.requests[0]["call_timeout"] == 45


def test_synchronous_mode_waits_for_the_agent(tmp_path: Path) -> None:
    for s in start(tmp_path, speed=200.0):

        async def go(client: httpx.AsyncClient, s: Sim = s) -> CallSnapshot:
            return await provider(s, client, **{"async": "0"}).place_call(request())

        assert run(go).status is CallStatus.INITIATED
        assert s.sim.requests[0]["async"] == "0"


def test_missing_agent_is_refused_before_sending(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        acc = account(sim.url).model_copy(update={"agent": None})
        await AcefoneProvider(acc, API_TOKEN, client).place_call(
            CallRequest(account="ace", to_number=CUSTOMER)
        )

    with pytest.raises(ConfigError, match="agent"):
        run(go)
    assert sim.sim.requests == []


@pytest.mark.parametrize(
    ("number", "match"),
    [("+919876543210", "India"), ("+12025550123", r"UK \(\+44\)"), ("+4474001", "cannot")],
)
def test_numbers_outside_the_uk_are_refused_before_sending(
    sim: Sim, number: str, match: str
) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        await provider(sim, client).place_call(request(to=number))

    with pytest.raises(InvalidNumber, match=match):
        run(go)
    assert sim.sim.requests == [] and sim.sim.logins == 0


def test_foreign_caller_id_is_refused_before_sending(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        await provider(sim, client).place_call(request(caller_id="+918069000001"))

    with pytest.raises(InvalidNumber, match="caller ID"):
        run(go)
    assert sim.sim.requests == []


# --- following: live_calls ------------------------------------------------------------------


def test_call_found_in_live_calls_then_ended_when_it_leaves(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        p = provider(sim, client)
        snap = await p.place_call(request())
        ringing = await step(p, sim, snap, 1)
        answered = await step(p, sim, ringing, 6)
        still = await step(p, sim, answered, 5)
        ended = await step(p, sim, still, 5)
        return [ringing, answered, still, ended]

    ringing, answered, still, ended = run(go)
    assert ringing.call_id and ringing.status is CallStatus.INITIATED
    assert "ringing" in ringing.message
    assert AcefoneProvider.hangup_unavailable_reason(ringing) is None
    assert answered.status is CallStatus.ANSWER and answered.call_id == ringing.call_id
    assert still == answered
    assert ended.final and ended.status is CallStatus.ENDED
    assert ended.ended_at == sim.clock.now
    assert "answered, then ended" in ended.message
    assert ended.duration is None and ended.recording_url is None  # not reported: not faked


def test_call_timeout_disconnects_early(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        p = provider(sim, client, call_timeout=2)
        snap = await p.place_call(request())
        answered = await step(p, sim, snap, 7)
        ended = await step(p, sim, answered, 1.5)
        return [answered, ended]

    answered, ended = run(go)
    assert answered.status is CallStatus.ANSWER
    assert ended.status is CallStatus.ENDED and ended.final


def test_unanswered_call_ends_without_an_outcome(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        p = provider(sim, client)
        snap = await p.place_call(request(to="+447400120000"))
        ringing = await step(p, sim, snap, 7)
        return [ringing, await step(p, sim, ringing, 3)]

    ringing, ended = run(go)
    assert ringing.status is CallStatus.INITIATED and ringing.call_id
    assert ended.status is CallStatus.ENDED
    assert "before it was answered" in ended.message


def test_each_call_is_matched_by_its_customer_number(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> tuple[CallSnapshot, CallSnapshot]:
        p = provider(sim, client)
        first = await p.place_call(request())
        second = await p.place_call(request(to="+447400123457"))
        sim.clock.advance(1)
        return await p.get_status(first), await p.get_status(second)

    first, second = run(go)
    ids = {c.customer_number: c.call_id for c in sim.sim.calls.values()}
    assert first.call_id == ids["447400123456"]
    assert second.call_id == ids["447400123457"]


def test_other_agents_calls_are_not_matched(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        p = provider(sim, client)
        other = request().model_copy(update={"agent": "0602049340099"})
        await p.place_call(other)
        snap = await p.place_call(request())
        sim.sim.hangup(next(c for c in sim.sim.calls.values() if c.agent_number == AGENT).call_id)
        return await step(p, sim, snap, 1)

    snap = run(go)
    assert snap.call_id is None and snap.status is CallStatus.INITIATED


@pytest.mark.parametrize(
    ("listed", "expected"),
    [("447400123456", True), ("+447400123456", True), ("07400123456", True),
     ("7400123456", True), ("447400123457", False), (447400123456, True), (None, False),
     (True, False)],
)  # fmt: skip
def test_customer_number_forms(listed: object, expected: bool) -> None:
    assert acefone_settings.same_number(listed, CUSTOMER) is expected


def test_a_call_never_listed_is_given_up_on(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        p = provider(sim, client)
        snap = await p.place_call(request())
        sim.sim.hangup(next(iter(sim.sim.calls)))  # it ends before the first poll sees it
        waiting = await step(p, sim, snap, 1)
        return [waiting, await step(p, sim, waiting, acefone.NOT_LISTED_GIVE_UP)]

    waiting, given_up = run(go)
    assert waiting.status is CallStatus.INITIATED and not waiting.final
    assert given_up.final and given_up.status is CallStatus.ENDED
    assert "never listed" in given_up.message


@pytest.mark.parametrize(
    ("state", "status", "shown"),
    [("connected", CallStatus.ANSWER, "connected"), ("Answered", CallStatus.ANSWER, "answered"),
     ("on hold", CallStatus.ANSWER, "on hold"), ("parked-xyz", CallStatus.INITIATED, "parked-xyz")],
)  # fmt: skip
def test_states_map_and_unknown_ones_stay_readable(
    sim: Sim, state: str, status: CallStatus, shown: str
) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        p = provider(sim, client)
        snap = await p.place_call(request())
        sim.sim.force_state(next(iter(sim.sim.calls)), state)
        return await step(p, sim, snap, 1)

    snap = run(go)
    assert snap.status is status and shown in snap.message and snap.call_id


def test_poll_interval_backs_off_while_talking() -> None:
    snap = CallSnapshot(
        uuid="u", account="ace", provider="acefone", to_number=CUSTOMER, status=CallStatus.ANSWER
    )
    ringing = snap.model_copy(update={"status": CallStatus.INITIATED})
    p = AcefoneProvider(account("http://127.0.0.1:9"), API_TOKEN, httpx.AsyncClient())
    assert p.poll_interval(snap) > p.poll_interval(ringing)


# --- hang-up --------------------------------------------------------------------------------


def test_hangup_once_the_call_id_is_known(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> tuple[CallSnapshot, CallSnapshot]:
        p = provider(sim, client)
        snap = await p.place_call(request())
        with pytest.raises(Unsupported, match="not listed"):
            await p.hangup(snap)
        known = await step(p, sim, snap, 1)
        await p.hangup(known)
        after = await step(p, sim, known, 1)
        with pytest.raises(NotFound, match="No live call"):
            await p.hangup(known)
        return known, after

    known, after = run(go)
    assert after.status is CallStatus.ENDED and after.final
    assert sim.sim.calls[known.call_id or ""].hangup_at is not None


# --- tokens ---------------------------------------------------------------------------------


def test_login_token_is_exchanged_once_and_shared(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        snap = await provider(sim, client).place_call(request())
        await provider(sim, client).get_status(snap)  # a new instance, as follow() makes
        await provider(sim, client).test_connection()  # the connection test logs in anew

    run(go)
    assert sim.sim.logins == 2


def test_login_token_is_renewed_shortly_before_it_expires(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> list[int]:
        p = provider(sim, client)
        snap = await p.place_call(request())
        seen = [sim.sim.logins]
        sim.clock.advance(3600 - acefone.REFRESH_MARGIN - 1)
        sim.sim.hangup(next(iter(sim.sim.calls)))
        await p.get_status(snap)
        seen.append(sim.sim.logins)
        sim.clock.advance(2)  # inside the margin: renewed before the sim would refuse it
        await p.get_status(snap)
        seen.append(sim.sim.logins)
        return seen

    assert run(go) == [1, 1, 2]


def test_a_401_renews_the_login_token_once(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        p = provider(sim, client)
        await p.place_call(request())
        sim.sim.tokens.clear()  # e.g. the service restarted and forgot its tokens
        await p.place_call(request(to="+447400123457"))

    run(go)
    assert sim.sim.logins == 2 and len(sim.sim.requests) == 2


def test_short_token_life_is_renewed_early(tmp_path: Path) -> None:
    for s in start(tmp_path, token_ttl=40):

        async def go(client: httpx.AsyncClient, s: Sim = s) -> None:
            p = provider(s, client)
            snap = await p.place_call(request())
            s.clock.advance(31)  # a quarter of 40 s is the margin here
            await p.get_status(snap)

        run(go)
        assert s.sim.logins == 2


def test_wrong_password_is_an_auth_error(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        await provider(sim, client, secret="wrong").place_call(request())

    with pytest.raises(AuthError, match="refused login") as info:
        run(go)
    assert info.value.http_status == 401 and "Invalid login_id or password" in str(info.value)
    assert sim.sim.requests == []


def test_api_token_never_expires(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        p = provider(sim, client, secret=API_TOKEN, login_id=None)
        snap = await p.place_call(request())
        sim.clock.advance(10 * 86400)
        return await p.get_status(snap)

    assert run(go).status is CallStatus.ENDED  # read with the same token ten days on
    assert sim.sim.logins == 0


def test_wrong_api_token_is_an_auth_error(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        await provider(sim, client, secret="nope-nope", login_id=None).place_call(request())

    with pytest.raises(AuthError, match="API token: Invalid token"):
        run(go)


def test_sim_refuses_an_expired_login_token(sim: Sim) -> None:
    with httpx.Client(base_url=sim.url) as client:
        login = client.post("/v1/auth/login", json={"login_id": LOGIN_ID, "password": PASSWORD})
        body = login.json()
        assert body["success"] is True and body["expires_in"] == 3600
        assert body["token_type"] == "bearer"
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert client.get("/v1/live_calls", headers=headers).status_code == 200
        sim.clock.advance(3600)
        expired = client.get("/v1/live_calls", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"success": False, "message": "Token has expired"}


# --- refusals and garbage -------------------------------------------------------------------


def test_caller_id_not_of_the_account_is_refused_by_acefone(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        await provider(sim, client).place_call(request(caller_id="+442071838751"))

    with pytest.raises(ProviderRefused, match="not a DID number") as info:
        run(go)
    assert info.value.code == "HTTP 400" and info.value.http_status == 400


def scripted(routes: dict[str, tuple[int, str, dict[str, str]]]) -> Starlette:
    """A stand-in Acefone that answers each path with a fixed status, body and headers."""

    async def answer(request: Request) -> Response:
        status, body, headers = routes[request.url.path]
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    return Starlette(routes=[Route(p, answer, methods=["GET", "POST"]) for p in routes])


def against(routes: dict[str, tuple[int, str, dict[str, str]]], action: str) -> CallSnapshot:
    """Run one adapter action (logged in with login_id) against a scripted server."""

    async def go(client: httpx.AsyncClient, *, url: str) -> CallSnapshot:
        p = AcefoneProvider(account(url, login_id=LOGIN_ID), PASSWORD, client)
        snap = CallSnapshot(
            uuid="u", account="ace", provider="acefone", to_number=CUSTOMER,
            status=CallStatus.INITIATED,
        )  # fmt: skip
        if action == "place":
            return await p.place_call(request())
        if action == "status":
            return await p.get_status(snap)
        known = snap.model_copy(update={"call_id": "1.1"})
        await p.hangup(known)
        return known

    for url in run_server(scripted(routes)):
        return run(functools.partial(go, url=url))
    raise AssertionError("the scripted server did not start")


LOGIN_OK: tuple[int, str, dict[str, str]] = (
    200,
    '{"success": true, "access_token": "tok-123456", "expires_in": 3600}',
    {},
)
REFUSED = '{"success": false, "message": "Agent is not available"}'


@pytest.mark.parametrize(
    ("path", "reply", "action", "error", "match"),
    [
        ("/v1/click_to_call", (200, REFUSED, {}), "place", ProviderRefused,
         r"Agent is not available \(code success=false\)"),
        ("/v1/click_to_call", (400, REFUSED, {}), "place", ProviderRefused, r"code HTTP 400"),
        ("/v1/click_to_call", (403, REFUSED, {}), "place", ProviderRefused, "not permitted"),
        ("/v1/click_to_call", (429, REFUSED, {"Retry-After": "7"}), "place", RateLimited,
         "slow down"),
        ("/v1/click_to_call", (500, "oops", {}), "place", OutcomeUnknown, r"HTTP 500\).*may"),
        ("/v1/click_to_call", (200, "<html>", {}), "place", ProviderReplyError, "not JSON"),
        ("/v1/click_to_call", (200, '{"message": "?"}', {}), "place", ProviderReplyError,
         "no success flag"),
        ("/v1/live_calls", (200, '{"calls": 3}', {}), "status", ProviderReplyError,
         "unexpected shape"),
        ("/v1/live_calls", (200, "[[1]]", {}), "status", ProviderReplyError, "unexpected shape"),
        ("/v1/live_calls", (200, "nope", {}), "status", ProviderReplyError, "not JSON"),
        ("/v1/live_calls", (200, '[{"call_id": "", "customer_number": "447400123456"}]', {}),
         "status", ProviderReplyError, "without a call_id"),
        ("/v1/call/hangup", (404, '{"success": false, "message": "gone"}', {}), "hangup",
         NotFound, "gone"),
        ("/v1/call/hangup", (200, REFUSED, {}), "hangup", ProviderRefused, "not available"),
    ],
)  # fmt: skip
def test_replies_become_typed_errors(
    path: str,
    reply: tuple[int, str, dict[str, str]],
    action: str,
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match) as info:
        against({"/v1/auth/login": LOGIN_OK, path: reply}, action)
    if isinstance(info.value, RateLimited):
        assert info.value.retry_after == 7.0


def test_wrapped_live_calls_list_is_read() -> None:
    item = '{"data": [{"call_id": 99, "state": "Ringing", "customer_number": "07400123456"}]}'
    snap = against({"/v1/auth/login": LOGIN_OK, "/v1/live_calls": (200, item, {})}, "status")
    assert snap.call_id == "99" and snap.status is CallStatus.INITIATED


def test_login_reply_without_token_is_a_reply_error() -> None:
    with pytest.raises(ProviderReplyError, match="access_token"):
        against({"/v1/auth/login": (200, '{"success": true}', {})}, "place")
    with pytest.raises(AuthError, match=r"refused login '[^']+': Locked"):
        against({"/v1/auth/login": (200, '{"success": false, "message": "Locked"}', {})}, "place")
    with pytest.raises(ProviderRefused, match="Acefone failed"):
        against({"/v1/auth/login": (503, "down", {})}, "place")


def test_dead_port_is_a_network_error() -> None:
    async def go(client: httpx.AsyncClient) -> None:
        await AcefoneProvider(account("http://127.0.0.1:9"), API_TOKEN, client).place_call(
            request()
        )

    with pytest.raises(NetworkError, match="could not reach"):
        run(go)


# --- the simulator's own checks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [({"agent_number": None}, "agent_number is required"),
     ({"destination_number": None}, "destination_number is required"),
     ({"agent_number": 12}, "agent_number must be a non-empty string"),
     ({"destination_number": "07400 123456"}, "destination_number is not a valid phone number"),
     ({"caller_id": "abc"}, "caller_id is not a valid phone number"),
     ({"async": 1}, "async must be a non-empty string"),
     ({"async": "2"}, 'async must be "1"'),
     ({"call_timeout": "30"}, "call_timeout must be a positive integer"),
     ({"call_timeout": 0}, "call_timeout must be a positive integer"),
     ({"custom_identifier": 5}, "custom_identifier must be a non-empty string")],
)  # fmt: skip
def test_sim_validates_the_request_table(sim: Sim, change: dict[str, Any], message: str) -> None:
    body: dict[str, Any] = {"agent_number": AGENT, "destination_number": "447400123456"}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    with httpx.Client(base_url=sim.url) as client:
        reply = client.post(
            "/v1/click_to_call", json=body, headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
    assert reply.status_code == 400
    assert reply.json()["success"] is False and message in reply.json()["message"]


def test_sim_accepts_custom_parameters_and_checks_auth_and_body(sim: Sim) -> None:
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    body = {"agent_number": AGENT, "destination_number": "447400123456", "async": "1",
            "crm_ticket": "T-1"}  # fmt: skip
    with httpx.Client(base_url=sim.url) as client:
        ok = client.post("/v1/click_to_call", json=body, headers=auth)
        no_auth = client.post("/v1/click_to_call", json=body)
        form = client.post("/v1/click_to_call", data={"a": "b"}, headers=auth)
        bad_json = client.post(
            "/v1/click_to_call", content=b"{", headers={**auth, "content-type": "application/json"}
        )
        no_password = client.post("/v1/auth/login", json={"login_id": LOGIN_ID})
        hangup_bad = client.post("/v1/call/hangup", json={}, headers=auth)
        unknown = client.get("/v1/nothing", headers=auth)
    assert ok.json() == {"success": True, "message": "Originate successfully queued"}
    assert sim.sim.requests[0]["crm_ticket"] == "T-1"
    assert (no_auth.status_code, no_auth.json()["success"]) == (401, False)
    assert form.status_code == 415
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json()["message"]
    assert no_password.status_code == 400 and "password is required" in no_password.text
    assert hangup_bad.status_code == 400 and "call_id is required" in hangup_bad.text
    assert unknown.status_code == 404 and unknown.json()["success"] is False


def test_sim_filters_live_calls(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        p = provider(sim, client, secret=API_TOKEN, login_id=None)
        await p.place_call(request())
        await p.place_call(request(caller_id="+442071838750", to="+447400123457"))

    run(go)
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    with httpx.Client(base_url=sim.url, headers=auth) as client:
        by_did = client.get("/v1/live_calls", params={"did_number": "442071838750"}).json()
        by_agent = client.get("/v1/live_calls", params={"agent_number": "other"}).json()
        everything = client.get("/v1/live_calls").json()
        one = client.get("/v1/live_calls", params={"call_id": everything[0]["call_id"]}).json()
    assert [c["customer_number"] for c in by_did] == ["447400123457"]
    assert by_agent == []
    assert len(everything) == 2 and one == everything[:1]
    assert everything[0]["type"] == "click-to-call" and everything[0]["state"] == "ringing"


def test_sim_state_survives_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    first = create_app(tmp_path, api_token=API_TOKEN, clock=clock).state.acefone
    first.create({"agent_number": AGENT, "destination_number": "447400123456"})
    again = create_app(tmp_path, api_token=API_TOKEN, clock=clock).state.acefone
    assert [c.customer_number for c in again.calls.values()] == ["447400123456"]


# --- settings, account checks, connection test ----------------------------------------------


def test_settings_model() -> None:
    assert registry.get("acefone") is AcefoneProvider
    assert AcefoneProvider.secret_fields() == {"password", "token"}
    assert set(AcefoneSettings.model_fields) == {
        "login_id", "password", "token", "call_timeout", "async",
    }  # fmt: skip
    ok = validate_settings(AcefoneSettings, {"async": "0", "call_timeout": "20"})
    assert ok.model_dump() == {
        "async": "0",
        "call_timeout": 20,
        "login_id": None,
        "password": None,
        "token": None,
    }
    for bad in ({"async": "2"}, {"call_timeout": "0"}, {"call_timeout": "86401"}, {"x": "1"}):
        with pytest.raises(ConfigError):
            validate_settings(AcefoneSettings, bad)
    schema = AcefoneSettings.model_json_schema()
    assert all(f.get("description") for f in schema["properties"].values())
    caps = AcefoneProvider.capabilities
    assert caps.live_status and caps.hangup and not caps.add_leg and not caps.recordings
    assert {"add_leg", "recordings", "provider_history"} <= set(AcefoneProvider.missing_reasons)


def test_normalize_account_reads_uk_caller_ids_and_keeps_the_agent_id() -> None:
    acc = Account(
        name="ace", provider="acefone", agent=" 0602049340005 ", caller_ids=["020 7946 0000"]
    )
    fixed = AcefoneProvider.normalize_account(acc, "IN")
    assert fixed.agent == AGENT and fixed.caller_ids == ["+442079460000"]
    with pytest.raises(ConfigError, match="UK"):
        AcefoneProvider.normalize_account(acc.model_copy(update={"caller_ids": ["+918069000001"]}))
    with pytest.raises(ConfigError, match="agent"):
        AcefoneProvider.normalize_account(acc.model_copy(update={"agent": "agent 7"}))
    with pytest.raises(ConfigError, match="base URL"):
        AcefoneProvider.normalize_account(acc.model_copy(update={"base_url": "ftp://x"}))


def test_connection_test_with_login_and_with_api_token(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> tuple[str, str]:
        login = await provider(sim, client).test_connection()
        token = await provider(sim, client, secret=API_TOKEN, login_id=None).test_connection()
        return login, token

    login, token = run(go)
    assert f"logged in as {LOGIN_ID} (token valid 3600 s)" in login
    assert "0 live for agent" in login and "not checked" in login
    assert "logged in" not in token and "reads live calls" in token
    assert PASSWORD not in login + token and API_TOKEN not in login + token


def test_connection_test_without_an_agent_says_so(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> str:
        acc = account(sim.url).model_copy(update={"agent": None})
        return await AcefoneProvider(acc, API_TOKEN, client).test_connection()

    assert "none is set" in run(go)


def test_connection_test_reports_a_bad_password(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> str:
        return await provider(sim, client, secret="bad").test_connection()

    with pytest.raises(AuthError, match="refused login"):
        run(go)


# --- the command line -----------------------------------------------------------------------


def dialer(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dialer", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=30,
        check=False,
    )


def test_cli_add_test_and_call(tmp_path: Path) -> None:
    # The CLI process runs on the real clock, so the simulator runs fast instead of faked.
    for s in start(tmp_path, clock=None, speed=6.0):
        refused = dialer(
            "accounts", "add", "ace", "--provider", "acefone", "--set", "password=x", stdin="x\n"
        )
        assert refused.returncode == 2 and "secret" in refused.stderr
        added = dialer(
            "accounts", "add", "ace", "--provider", "acefone", "--base-url", s.url,
            "--agent", AGENT, "--caller-id", "020 7946 0000", "--set", f"login_id={LOGIN_ID}",
            "--set", "call_timeout=60", stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        tested = dialer("accounts", "test", "ace")
        assert tested.returncode == 0, tested.stderr
        assert "logged in" in tested.stdout and "not checked" in tested.stdout
        called = dialer("call", CUSTOMER, "--account", "ace", "--wait", "--json")
        assert called.returncode == 0, called.stderr
        data = json.loads(called.stdout)
        assert data["provider"] == "acefone" and data["status"] == "ENDED"
        assert data["call_id"] in s.sim.calls
        assert data["to"] == CUSTOMER and data["from"] == "+442079460000"
        sent = s.sim.requests[0]
        assert sent["custom_identifier"] == data["uuid"] and sent["call_timeout"] == 60
        assert PASSWORD not in added.stdout + tested.stdout + called.stdout + called.stderr
