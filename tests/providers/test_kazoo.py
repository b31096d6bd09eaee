"""The Kazoo adapter against the Kazoo simulator, over real loopback HTTP (no httpx mocking).

The simulator (`dialer.sandbox.kazoo_sim`) and the adapter (`dialer.providers.kazoo*`) are two
independent readings of Kazoo's click-to-call document and schemas; tests drive time with a
fake clock, except the CLI test, whose processes run on the real clock against a fast simulator.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import subprocess
import sys
import uuid
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
from dialer.providers import kazoo, kazoo_api, registry
from dialer.providers.base import validate_settings
from dialer.providers.kazoo import KazooProvider, kazoo_time
from dialer.providers.kazoo_settings import KazooSettings
from dialer.sandbox.kazoo_sim import create_app
from dialer.sandbox.kazoo_sim_state import KazooState
from dialer.settings import Account
from tests.support.live_server import FakeClock, run_server

T = TypeVar("T")

ACC = "0123456789abcdef0123456789abcdef"
KEY = hashlib.sha256(b"kazoo api key").hexdigest()  # 64 characters, as the schema wants
USER, PASSWORD, PHONE = "agent1", "s3cret pass", "+14155550100"
REALM = "sim.kazoo.test"
CUSTOMER = "+919876543210"
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "providers" / "kazoo-schemas"


@dataclass
class Sim:
    url: str
    kazoo: KazooState
    clock: FakeClock

    def endpoint(self, **doc: Any) -> str:
        """An endpoint stored straight into the simulated account; its id."""
        c2c_id = uuid.uuid4().hex
        self.kazoo.store(c2c_id, {"name": "Sales", "extension": "1001", **doc})
        return c2c_id

    def sent(self, fragment: str) -> list[tuple[str, str, dict[str, str], bool, Any]]:
        return [r for r in self.kazoo.requests if fragment in r[1]]


def start(tmp_path: Path, *, clock: FakeClock | None, speed: float = 1.0) -> Iterator[Sim]:
    app = create_app(
        tmp_path / "kazoo",
        account_id=ACC,
        api_key=KEY,
        users={USER: PASSWORD},
        phone_numbers={PHONE: USER},
        account_name="Acme",
        account_realm=REALM,
        clock=clock,
        speed=speed,
    )
    for url in run_server(app):
        yield Sim(url, app.state.kazoo, clock or FakeClock())


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Iterator[None]:
    kazoo_api._TOKENS.clear()
    kazoo._CONNECTED_AT.clear()
    yield
    kazoo_api._TOKENS.clear()


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    yield from start(tmp_path, clock=FakeClock())


@pytest.fixture
def fast_sim(tmp_path: Path) -> Iterator[Sim]:
    """Blocking connects wait in real time: at this speed, milliseconds."""
    yield from start(tmp_path, clock=FakeClock(), speed=1000.0)


def run(fn: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient() as client:
            return await fn(client)

    return asyncio.run(main())


def against(app: Starlette, fn: Callable[[str, httpx.AsyncClient], Awaitable[None]]) -> None:
    """Run `fn(url, client)` against `app` served on loopback."""
    for url in run_server(app):
        run(functools.partial(fn, url))


def account(url: str, caller_ids: tuple[str, ...] = (), **settings: Any) -> Account:
    return Account(
        name="kz",
        provider="kazoo",
        base_url=url,
        caller_ids=list(caller_ids),
        settings={"account_id": ACC, **settings},
    )


def make(
    sim: Sim, client: httpx.AsyncClient, *ids: str, secret: str = KEY, **settings: Any
) -> KazooProvider:
    provider = KazooProvider(account(sim.url, ids, **settings), secret, client)
    provider.clock = sim.clock
    return provider


def call(to: str = CUSTOMER, **options: Any) -> CallRequest:
    return CallRequest(account="kz", to_number=to, options=options)


async def follow(provider: KazooProvider, sim: Sim, snap: CallSnapshot) -> list[CallSnapshot]:
    seen = [snap]
    for _ in range(60):
        if seen[-1].final:
            break
        sim.clock.advance(1)
        fresh = await provider.get_status(seen[-1])
        if fresh != seen[-1]:
            seen.append(fresh)
    return seen


# --- the documents ----------------------------------------------------------------------------


@pytest.mark.parametrize("copy", ["providers", "sandbox"])
def test_schema_copies_equal_the_seed_files(copy: str) -> None:
    if not SEEDS.is_dir():
        pytest.skip("the seed schemas are not beside this checkout")
    here = Path(kazoo_api.__file__).parents[1] / copy / "kazoo_schemas"
    seeds = sorted(p.name for p in SEEDS.glob("*.json"))
    assert sorted(p.name for p in here.glob("*.json")) == seeds
    for name in seeds:
        assert (here / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_registry_finds_kazoo_and_not_its_helpers() -> None:
    found = registry.available()
    assert found["kazoo"] is KazooProvider
    assert not {"kazoo_api", "kazoo_endpoints", "kazoo_settings"} & set(found)


def test_capabilities_are_declared_with_reasons() -> None:
    caps = KazooProvider.capabilities
    assert caps.live_status and caps.hangup and caps.caller_id_pool and caps.provider_history
    assert not (caps.add_leg or caps.recordings or caps.caller_id_shuffle)
    assert set(KazooProvider.missing_reasons) == {"add_leg", "recordings", "caller_id_shuffle"}


# --- settings and accounts ------------------------------------------------------------------


def test_settings_model_fields_secrets_and_limits() -> None:
    assert KazooProvider.secret_fields() == {"api_key", "password"}
    fields = KazooSettings.model_fields
    assert fields["account_id"].is_required()
    assert all(f.description for f in fields.values())
    ok = validate_settings(KazooSettings, {"account_id": ACC, "blocking": "true"})
    assert isinstance(ok, KazooSettings) and ok.blocking and ok.auto_answer
    assert ok.auth_method == "api_key" and ok.method == "md5" and ok.contact_format == "e164"
    bad = [
        {},
        {"account_id": "ABC"},
        {"account_id": ACC, "auth_method": "token"},
        {"account_id": ACC, "auth_method": "user", "account_name": "Acme"},
        {"account_id": ACC, "auth_method": "user", "username": USER},
        {"account_id": ACC, "auth_method": "user", "username": USER, "account_name": "A",
         "phone_number": PHONE},
        {"account_id": ACC, "username": USER},
        {"account_id": ACC, "auth_method": "user", "username": USER, "account_realm": "a b"},
        {"account_id": ACC, "auth_method": "user", "username": USER, "account_name": "x" * 129},
        {"account_id": ACC, "method": "sha256"},
        {"account_id": ACC, "contact_format": "national"},
        {"account_id": ACC, "api_key": "short"},
        {"account_id": ACC, "extension": "1001"},
    ]  # fmt: skip
    for values in bad:
        with pytest.raises(ConfigError):
            validate_settings(KazooSettings, values)


def test_normalize_account_checks_the_url_the_agent_and_endpoint_ids() -> None:
    c2c = "ABCDEF0123456789abcdef0123456789"
    acc = account("http://pbx.example:8000/v2/", (c2c, c2c.lower()))
    norm = KazooProvider.normalize_account(acc)
    assert norm.base_url == "http://pbx.example:8000"
    assert norm.caller_ids == [c2c.lower()]
    for broken, text in [
        (acc.model_copy(update={"base_url": None}), "--base-url"),
        (acc.model_copy(update={"base_url": "pbx:8000"}), "http"),
        (acc.model_copy(update={"agent": "+919800000001"}), "no agent"),
        (acc.model_copy(update={"caller_ids": ["+918069000001"]}), "endpoint id"),
        (acc.model_copy(update={"settings": {}}), "account_id"),
    ]:
        with pytest.raises(ConfigError, match=text):
            KazooProvider.normalize_account(broken)


# --- authentication -------------------------------------------------------------------------


def test_api_key_token_is_fetched_once_and_sent_as_x_auth_token(sim: Sim) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> None:
        first = make(sim, client, c2c)
        await first.endpoints.list()
        await make(sim, client, c2c).endpoints.get(c2c)  # a second instance reuses the token

    run(go)
    assert sim.kazoo.auth_requests == 1
    auth = sim.sent("/v2/api_auth")
    assert auth[0][0] == "PUT" and auth[0][4] == {"data": {"api_key": KEY}}
    assert all(r[3] for r in sim.sent("/clicktocall"))


@pytest.mark.parametrize(
    ("settings", "field"),
    [({"account_name": "Acme"}, "account_name"), ({"account_realm": REALM}, "account_realm"),
     ({"phone_number": PHONE}, "phone_number"),
     ({"account_name": "Acme", "method": "sha"}, "account_name")],
)  # fmt: skip
def test_user_auth_sends_hashed_credentials(sim: Sim, settings: dict[str, str], field: str) -> None:
    async def go(client: httpx.AsyncClient) -> dict[str, Any]:
        provider = make(sim, client, secret=PASSWORD, auth_method="user", username=USER, **settings)
        return await provider.api.authenticate()

    assert run(go)["account_id"] == ACC
    body = sim.sent("/v2/user_auth")[0][4]["data"]
    method = settings.get("method", "md5")
    hasher = hashlib.md5 if method == "md5" else hashlib.sha1
    assert body == {
        "credentials": hasher(f"{USER}:{PASSWORD}".encode()).hexdigest(),
        "method": method,
        field: settings[field],
    }
    assert PASSWORD not in json.dumps(sim.kazoo.requests)


def test_wrong_password_and_wrong_api_key_are_auth_errors(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        user = make(sim, client, secret="nope", auth_method="user", username=USER,
                    account_name="Acme")  # fmt: skip
        with pytest.raises(AuthError, match="user 'agent1': invalid credentials"):
            await user.test_connection()
        other = make(sim, client, secret="f" * 64)
        with pytest.raises(AuthError, match="API key: invalid credentials") as err:
            await other.endpoints.list()
        assert err.value.http_status == 401 and "f" * 64 not in str(err.value)

    run(go)


def test_malformed_api_key_is_refused_before_sending_without_echoing_it(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        with pytest.raises(ConfigError, match="api_key: must be at least 64") as err:
            await make(sim, client, secret="short-key").endpoints.list()
        assert "short-key" not in str(err.value)
        with pytest.raises(AuthError, match="no Kazoo secret"):
            await make(sim, client, secret="").endpoints.list()

    run(go)
    assert sim.kazoo.requests == []


def test_expired_token_is_renewed_once_and_the_request_repeated(sim: Sim) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        provider = make(sim, client, c2c)
        await provider.endpoints.list()
        sim.kazoo.expire_tokens()
        return await provider.place_call(call())

    assert run(go).call_id
    assert sim.kazoo.auth_requests == 2
    statuses = [r[1].rsplit("/", 1)[-1] for r in sim.kazoo.requests]
    assert statuses.count(c2c) == 2  # the endpoint read was refused once (401), then repeated


def test_a_fresh_token_refused_is_not_retried(tmp_path: Path) -> None:
    async def always_401(request: Request) -> Response:
        return Response('{"status":"error","error":"401","message":"invalid credentials"}', 401)

    async def auth(request: Request) -> Response:
        return Response(json.dumps({"auth_token": "t", "data": {}, "status": "success"}), 201)

    app = Starlette(routes=[Route("/v2/api_auth", auth, methods=["PUT"]),
                            Route("/v2/accounts/{a}/clicktocall", always_401)])  # fmt: skip

    async def go(url: str, client: httpx.AsyncClient) -> None:
        with pytest.raises(AuthError):
            await KazooProvider(account(url), KEY, client).endpoints.list()

    against(app, go)


# --- endpoints ---------------------------------------------------------------------------------

EVERY_FIELD: dict[str, Any] = {
    "name": "Support line",
    "extension": "2002",
    "auth_required": False,
    "bypass_media": "auto",
    "caller_id_number": "+14155550199",
    "custom_application_vars": {"crm": "acme", "team-1": "b"},
    "custom_sip_headers": {"in": {"X-In": "1"}, "out": {"X-Out": "2"}},
    "dial_first": "contact",
    "media": {"ignore_early_media": False},
    "music_on_hold": {"media_id": "m" * 2048},
    "outbound_callee_id_name": "Acme",
    "outbound_callee_id_number": "+14155550198",
    "presence_id": "2002@sim.kazoo.test",
    "ringback": "%(2000,4000,440,480)",
    "throttle": 5,
    "timeout": 25,
    "whitelist": ["^\\+91", "^\\+1"],
}


def test_endpoint_crud_with_every_field(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        eps = make(sim, client).endpoints
        created = await eps.create(EVERY_FIELD)
        c2c = created["id"]
        assert {k: created[k] for k in EVERY_FIELD} == EVERY_FIELD
        assert await eps.list() == [{"extension": "2002", "id": c2c, "name": "Support line"}]
        assert (await eps.get(c2c))["custom_sip_headers"]["out"] == {"X-Out": "2"}
        patched = await eps.patch(c2c, {"custom_application_vars": {"extra": "1"}, "timeout": 9})
        assert patched["custom_application_vars"] == {"crm": "acme", "team-1": "b", "extra": "1"}
        assert patched["timeout"] == 9 and patched["throttle"] == 5
        replaced = await eps.update(c2c, {"name": "Plain", "extension": "3003"})
        assert "throttle" not in replaced and replaced["auth_required"] is True
        await eps.delete(c2c)
        with pytest.raises(NotFound, match="bad identifier"):
            await eps.get(c2c)
        assert await eps.history(sim.endpoint()) == []

    run(go)
    assert [r[0] for r in sim.sent("/clicktocall")] == [
        "PUT", "GET", "GET", "GET", "PATCH", "POST", "DELETE", "GET", "GET",
    ]  # fmt: skip
    patch = next(r for r in sim.kazoo.requests if r[0] == "PATCH")
    assert patch[4] == {"data": {"custom_application_vars": {"extra": "1"}, "timeout": 9}}


@pytest.mark.parametrize(
    ("doc", "problem"),
    [({"name": "x"}, "extension: required"),
     ({"name": "", "extension": "1"}, "name: must be at least 1"),
     ({"name": "x" * 129, "extension": "1"}, "name: must be at most 128"),
     ({"name": "n", "extension": 1001}, "extension: must be of type string"),
     ({"name": "n", "extension": "1", "dial_first": "agent"}, "dial_first: must be one of"),
     ({"name": "n", "extension": "1", "bypass_media": "sometimes"}, "bypass_media: is neither"),
     ({"name": "n", "extension": "1", "auth_required": "no"}, "auth_required: must be of type"),
     ({"name": "n", "extension": "1", "whitelist": [""]}, "whitelist.0: must be at least 1"),
     ({"name": "n", "extension": "1", "timeout": 2.5}, "timeout: must be of type integer"),
     ({"name": "n", "extension": "1", "custom_sip_headers": {"in": {"X": 1}}},
      "custom_sip_headers: matches none"),
     ({"name": "n", "extension": "1", "custom_application_vars": {"a": 1}},
      "custom_application_vars.a: must be of type string"),
     ({"name": "n", "extension": "1", "music_on_hold": {"media_id": "m" * 2049}},
      "music_on_hold.media_id: must be at most 2048")],
)  # fmt: skip
def test_schema_breaches_are_refused_before_sending(
    sim: Sim, doc: dict[str, Any], problem: str
) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        with pytest.raises(ConfigError, match="clicktocall schema") as err:
            await make(sim, client).endpoints.create(doc)
        assert problem in str(err.value)

    run(go)
    assert sim.sent("/clicktocall") == []


def test_patch_is_checked_after_merging(sim: Sim) -> None:
    c2c = sim.endpoint(media={"ignore_early_media": True})

    async def go(client: httpx.AsyncClient) -> None:
        eps = make(sim, client).endpoints
        with pytest.raises(
            ConfigError, match=r"media\.ignore_early_media: must be of type boolean"
        ):
            await eps.patch(c2c, {"media": {"ignore_early_media": "yes"}})

    run(go)
    assert not [r for r in sim.kazoo.requests if r[0] == "PATCH"]


def test_server_validation_errors_read_well_without_client_checks(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without jsonschema the adapter still works: Kazoo's own 400 explains the problem."""
    monkeypatch.setattr(kazoo_api, "_validator", lambda name: None)
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> None:
        eps = make(sim, client).endpoints
        with pytest.raises(ProviderRefused) as err:
            await eps.create({"extension": 5, "name": "x" * 200})
        text = str(err.value)
        assert "validation error" in text and err.value.http_status == 400
        assert "extension: Value is not of type string" in text
        assert "name: String must not be more than 128 characters" in text
        with pytest.raises(ProviderRefused, match="name: String must be at least 1"):
            await eps.patch(c2c, {"name": ""})

    run(go)


# --- placing and following ------------------------------------------------------------------


def test_call_is_placed_then_answered_then_ends(sim: Sim) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = make(sim, client, c2c)
        snap = await provider.place_call(call())
        assert snap.status is CallStatus.INITIATED and snap.from_number == c2c
        assert snap.call_id and snap.call_id.startswith(f"c2c-{c2c}-")
        return await follow(provider, sim, snap)

    seen = run(go)
    assert [s.status for s in seen] == [CallStatus.INITIATED, CallStatus.ANSWER, CallStatus.ENDED]
    assert seen[-1].final and seen[-1].connected_at and seen[-1].ended_at
    method, _, query, token, body = sim.sent("/connect")[0]
    assert (method, query, token, body) == ("POST", {"contact": CUSTOMER}, True, {"data": {}})
    assert sim.sent("/history") and sim.sent("/channels/")


@pytest.mark.parametrize(
    ("fmt", "contact"),
    [("e164", CUSTOMER), ("e164_digits", "919876543210"), ("national_digits", "9876543210")],
)
def test_contact_format(sim: Sim, fmt: str, contact: str) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = make(sim, client, c2c, contact_format=fmt)
        return await follow(provider, sim, await provider.place_call(call()))

    assert run(go)[-1].status is CallStatus.ENDED
    assert sim.sent("/connect")[0][2]["contact"] == contact


def test_auto_answer_off_and_call_options_override_the_account(sim: Sim) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> None:
        provider = make(sim, client, c2c, auto_answer=False)
        await provider.place_call(call())
        await provider.place_call(call("+919876543211", auto_answer=True))

    run(go)
    queries = [r[2] for r in sim.sent("/connect")]
    assert queries == [{"contact": CUSTOMER, "auto_answer": "false"}, {"contact": "+919876543211"}]


@pytest.mark.parametrize(
    ("to", "status", "cause"),
    [("+919876540000", CallStatus.BUSY, "USER_BUSY"),
     ("+919876541111", CallStatus.FAILED, "timed out"),
     ("+919876542222", CallStatus.FAILED, "no resources"),
     ("+919876543333", CallStatus.FAILED, "request failed: CALL_REJECTED")],
)  # fmt: skip
def test_failed_attempts_carry_kazoos_cause(
    sim: Sim, to: str, status: CallStatus, cause: str
) -> None:
    c2c = sim.endpoint(timeout=8)

    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = make(sim, client, c2c)
        return await follow(provider, sim, await provider.place_call(call(to)))

    seen = run(go)
    assert [s.status for s in seen] == [CallStatus.INITIATED, status]
    assert seen[-1].final and seen[-1].message == f"Kazoo: {cause}"


def test_blocking_connect_returns_the_outcome(fast_sim: Sim) -> None:
    c2c = fast_sim.endpoint()

    async def go(client: httpx.AsyncClient) -> tuple[CallSnapshot, CallSnapshot]:
        provider = make(fast_sim, client, c2c, blocking=True)
        answered = await provider.place_call(call())
        busy = await provider.place_call(call("+919876540000"))
        return answered, busy

    answered, busy = run(go)
    assert answered.status is CallStatus.ANSWER and not answered.final
    assert answered.call_id and answered.call_id.startswith(f"c2c-{c2c}-")
    assert busy.status is CallStatus.BUSY and busy.final and busy.message == "Kazoo: USER_BUSY"
    assert [r[2].get("blocking") for r in fast_sim.sent("/connect")] == ["true", "true"]


def test_endpoint_without_auth_is_dialed_without_a_token(sim: Sim) -> None:
    c2c = sim.endpoint(auth_required=False)

    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        return await make(sim, client, c2c).place_call(call())

    assert run(go).call_id
    assert [r[3] for r in sim.sent("/connect")] == [False]


def test_whitelist_refuses_before_sending(sim: Sim) -> None:
    c2c = sim.endpoint(whitelist=["^\\+1"], name="US only")

    async def go(client: httpx.AsyncClient) -> None:
        with pytest.raises(InvalidNumber, match=r"'US only': Contact doesn't match whitelist"):
            await make(sim, client, c2c).place_call(call())
        assert (await make(sim, client, c2c).place_call(call("+14155550123"))).call_id

    run(go)
    assert [r[2]["contact"] for r in sim.sent("/connect")] == ["+14155550123"]


def test_whitelist_refusal_by_kazoo_reads_well(sim: Sim) -> None:
    # A PCRE-only pattern the adapter cannot judge: Kazoo decides, and says no.
    c2c = sim.endpoint(whitelist=["(?<cc>\\+1)"])

    async def go(client: httpx.AsyncClient) -> None:
        with pytest.raises(ProviderRefused, match="Contact doesn't match whitelist") as err:
            await make(sim, client, c2c).place_call(call())
        assert err.value.http_status == 400 and err.value.code == "400"

    run(go)


def test_unknown_or_missing_endpoint(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        with pytest.raises(ConfigError, match="no click-to-call endpoint"):
            await make(sim, client).place_call(call())
        with pytest.raises(NotFound, match="bad identifier"):
            await make(sim, client, "f" * 32).place_call(call())
        with pytest.raises(ConfigError, match="not a Kazoo click-to-call id"):
            await make(sim, client).place_call(
                CallRequest(account="kz", to_number=CUSTOMER, caller_id="../users")
            )

    run(go)


def test_an_older_failure_to_the_same_number_is_not_taken_for_this_call(sim: Sim) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = make(sim, client, c2c)
        first = await provider.place_call(call())
        await provider.hangup(first)  # ringing: the attempt fails with ORIGINATOR_CANCEL
        assert (await follow(provider, sim, first))[-1].status is CallStatus.CANCELED
        sim.clock.advance(30)
        return await follow(provider, sim, await provider.place_call(call()))

    assert [s.status for s in run(go)] == [
        CallStatus.INITIATED, CallStatus.ANSWER, CallStatus.ENDED,
    ]  # fmt: skip


def test_an_attempt_kazoo_never_records_is_given_up_on(sim: Sim) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = make(sim, client, c2c)
        snap = await provider.place_call(call())
        sim.kazoo.attempts.clear()
        snap = snap.model_copy(update={"started_at": sim.clock()})
        sim.clock.advance(kazoo.NOT_RECORDED_GIVE_UP - 5)
        assert not (await provider.get_status(snap)).final
        return await follow(provider, sim, snap)

    last = run(go)[-1]
    assert last.status is CallStatus.ENDED and "no outcome" in last.message


def test_poll_interval_backs_off_while_talking(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = make(sim, client)
        snap = CallSnapshot(uuid="u", account="kz", provider="kazoo", to_number=CUSTOMER,
                            status=CallStatus.INITIATED)  # fmt: skip
        assert provider.poll_interval(snap) == 1.0
        answered = snap.model_copy(update={"status": CallStatus.ANSWER})
        assert provider.poll_interval(answered) == 2.0
        assert await provider.get_status(snap) == snap  # nothing to follow without a call id

    run(go)


# --- hang-up ----------------------------------------------------------------------------------


def test_hangup_of_an_answered_call_ends_it(sim: Sim) -> None:
    c2c = sim.endpoint()

    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = make(sim, client, c2c)
        snap = await provider.place_call(call())
        sim.clock.advance(4)
        snap = await provider.get_status(snap)
        assert snap.status is CallStatus.ANSWER
        await provider.hangup(snap)
        seen = await follow(provider, sim, snap)
        with pytest.raises(NotFound, match="already ended"):
            await provider.hangup(snap)
        return seen

    assert run(go)[-1].status is CallStatus.ENDED
    posts = [r for r in sim.sent("/channels/") if r[0] == "POST"]
    assert posts[0][4] == {"data": {"action": "hangup"}}


def test_hangup_refused_by_kazoo_is_shown_as_such(sim: Sim) -> None:
    c2c = sim.endpoint()
    sim.kazoo.hangup_refused.add(c2c)

    async def go(client: httpx.AsyncClient) -> None:
        provider = make(sim, client, c2c)
        snap = await provider.place_call(call())
        with pytest.raises(ProviderRefused, match="refused the hang-up: metaflows") as err:
            await provider.hangup(snap)
        assert not isinstance(err.value, NotFound)
        with pytest.raises(Unsupported):
            await provider.hangup(snap.model_copy(update={"call_id": None}))

    run(go)


# --- errors from a scripted server ------------------------------------------------------------


def scripted(routes: dict[str, Callable[[], Response]]) -> Starlette:
    def handler(make_response: Callable[[], Response]) -> Any:
        async def endpoint(request: Request) -> Response:
            return make_response()

        return endpoint

    auth = Response(json.dumps({"auth_token": "tok", "data": {}, "status": "success"}), 201)
    table = [Route("/v2/api_auth", handler(lambda: auth), methods=["PUT"])]
    table += [Route(p, handler(r), methods=["GET", "POST"]) for p, r in routes.items()]
    return Starlette(routes=table)


def _json(status: int, body: Any, **headers: str) -> Callable[[], Response]:
    return lambda: Response(json.dumps(body), status, headers=headers)


LIST = f"/v2/accounts/{ACC}/clicktocall"
RETRY = {"retry-after": "7"}


@pytest.mark.parametrize(
    ("reply", "error", "text"),
    [(_json(403, {"status": "error", "error": "403", "message": "forbidden"}), ProviderRefused,
      "does not permit listing click-to-call endpoints: forbidden"),
     (_json(429, {"status": "error", "error": "429", "message": "slow down"}, **RETRY),
      RateLimited, "slow down"),
     (_json(500, {"status": "error", "error": "500", "message": "datastore fault"}),
      ProviderRefused, "Kazoo failed"),
     (lambda: Response("<html>bad gateway</html>", 502), ProviderRefused, "Bad Gateway"),
     (lambda: Response("not json", 200), ProviderReplyError, "not JSON"),
     (_json(200, {"status": "success"}), ProviderReplyError, "envelope"),
     (_json(200, {"status": "success", "data": {"a": 1}}), ProviderReplyError, "list"),
     (_json(200, {"status": "error", "data": {}, "message": "odd"}), ProviderRefused, "odd"),
     (_json(409, {"error": "409", "message": "conflict", "data": {"name": {"unique": {
         "message": "name already in use"}}}}), ProviderRefused,
      "conflict: name: name already in use")],
)  # fmt: skip
def test_replies_become_typed_errors(
    tmp_path: Path, reply: Callable[[], Response], error: type[Exception], text: str
) -> None:

    async def go(url: str, client: httpx.AsyncClient) -> None:
        with pytest.raises(error, match=text) as err:
            await KazooProvider(account(url), KEY, client).endpoints.list()
        if isinstance(err.value, RateLimited):
            assert err.value.retry_after == 7.0

    against(scripted({LIST: reply}), go)


@pytest.mark.parametrize(
    ("path", "body", "text"),
    [("/connect", {"data": {"no": "id"}}, "no outbound_call_id"),
     ("/connect", {"data": []}, "no outbound_call_id")],
)  # fmt: skip
def test_unreadable_connect_replies(tmp_path: Path, path: str, body: Any, text: str) -> None:
    c2c = "a" * 32
    base = f"{LIST}/{c2c}"
    doc = {"data": {"id": c2c, "name": "n", "extension": "1"}, "status": "success"}
    routes = {base: _json(200, doc), base + path: _json(202, body)}

    async def go(url: str, client: httpx.AsyncClient) -> None:
        # Accepted (202) but unreadable: the call may ring, so unknown, never a plain failure.
        with pytest.raises(OutcomeUnknown, match=text):
            await KazooProvider(account(url, (c2c,)), KEY, client).place_call(call())
        blocking = KazooProvider(account(url, (c2c,), blocking=True), KEY, client)
        with pytest.raises(OutcomeUnknown, match="no history record"):
            await blocking.place_call(call())

    against(scripted(routes), go)


def test_auth_reply_without_token_and_dead_port(tmp_path: Path) -> None:
    app = Starlette(routes=[Route("/v2/api_auth", lambda r: Response('{"data": {}}', 201),
                                  methods=["PUT"])])  # fmt: skip

    async def go(url: str, client: httpx.AsyncClient) -> None:
        with pytest.raises(ProviderReplyError, match="no auth_token"):
            await KazooProvider(account(url), KEY, client).endpoints.list()

    against(app, go)

    async def dead(client: httpx.AsyncClient) -> None:
        with pytest.raises(NetworkError):
            await KazooProvider(account("http://127.0.0.1:9"), KEY, client).endpoints.list()

    run(dead)


def test_kazoo_timestamps() -> None:
    unix = 1_780_000_000
    assert kazoo_time(unix + kazoo.GREGORIAN_OFFSET) == kazoo_time(unix)
    assert kazoo_time("2026-07-03T10:00:00Z") == kazoo_time("2026-07-03T10:00:00+00:00")
    assert kazoo_time("2026-07-03T10:00:00") is not None
    assert kazoo_time("yesterday") is None and kazoo_time(True) is None and kazoo_time(None) is None


# --- the simulator on its own ---------------------------------------------------------------


def _token(url: str) -> str:
    reply = httpx.put(f"{url}/v2/api_auth", json={"data": {"api_key": KEY}})
    assert reply.status_code == 201 and reply.json()["status"] == "success"
    token: str = reply.json()["auth_token"]
    return token


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "message", "data"),
    [("PUT", "/v2/api_auth", {"json": {"data": {"api_key": "short"}}}, 400, "validation error",
      {"api_key": {"minLength": {"message": "String must be at least 64 characters",
                                 "target": 64}}}),
     ("PUT", "/v2/api_auth", {"json": {"data": {"api_key": KEY, "x": 1}}}, 400,
      "validation error", None),
     ("PUT", "/v2/user_auth", {"json": {"data": {"method": "md5"}}}, 400, "validation error",
      {"credentials": {"required": {"message": "Field is required but missing"}}}),
     ("PUT", "/v2/user_auth", {"json": {"data": {"credentials": "abc", "account_name": "Acme"}}},
      401, "invalid credentials", None),
     ("PUT", "/v2/api_auth", {"content": b"{oops", "headers": {"content-type": "application/json"}},
      400, "invalid request body", None),
     ("PUT", "/v2/api_auth", {"content": b"api_key=x"}, 415, "unsupported media type", None),
     ("GET", f"/v2/accounts/{ACC}/clicktocall", {}, 401, "invalid credentials", None),
     ("GET", f"/v2/accounts/{'b' * 32}/clicktocall", {"auth": True}, 403, "forbidden", None),
     ("GET", f"/v2/accounts/{ACC}/clicktocall/{'c' * 32}", {"auth": True}, 404,
      "bad identifier", None),
     ("PUT", f"/v2/accounts/{ACC}/clicktocall", {"auth": True, "json": {"name": "no envelope"}},
      400, "validation error", None),
     ("GET", f"/v2/accounts/{ACC}/clicktocall/{{c2c}}/connect", {"auth": True}, 400,
      "validation error", {"contact": {"required": {"message": "Field is required but missing"}}}),
     ("GET", f"/v2/accounts/{ACC}/clicktocall/{{c2c}}/connect?contact=%2B91&blocking=yes",
      {"auth": True}, 400, "validation error", None),
     ("GET", f"/v2/accounts/{ACC}/clicktocall/{{c2c}}/connect?contact=%2B91", {}, 401,
      "invalid credentials", None),
     ("GET", f"/v2/accounts/{ACC}/clicktocall/{{c2c}}/connect?contact=+14155550123",
      {"auth": True}, 400, "Contact doesn't match whitelist", None),
     ("POST", f"/v2/accounts/{ACC}/channels/c2c-x", {"auth": True, "json": {"data": {}}}, 400,
      "validation error", {"action": {"required": {"message": "Field is required but missing"}}}),
     ("POST", f"/v2/accounts/{ACC}/channels/c2c-x", {"auth": True,
      "json": {"data": {"action": "transfer"}}}, 400, "validation error", None),
     ("POST", f"/v2/accounts/{ACC}/channels/c2c-x", {"auth": True,
      "json": {"data": {"action": "hangup"}}}, 404, "bad identifier", None),
     ("DELETE", "/v2/api_auth", {}, 405, None, None)],
)  # fmt: skip
def test_sim_refuses_what_kazoo_refuses(
    sim: Sim, method: str, path: str, kwargs: dict[str, Any], status: int,
    message: str | None, data: Any,
) -> None:  # fmt: skip
    c2c = sim.endpoint(whitelist=["^\\+91"])
    headers = dict(kwargs.pop("headers", {}))
    if kwargs.pop("auth", False):
        headers["X-Auth-Token"] = _token(sim.url)
    reply = httpx.request(method, sim.url + path.format(c2c=c2c), headers=headers, **kwargs)
    assert reply.status_code == status, reply.text
    if message is None:
        return
    body = reply.json()
    assert (body["status"], body["error"], body["message"]) == ("error", str(status), message)
    if data is not None:
        assert body["data"] == data


def test_sim_envelope_bearer_tokens_expiry_and_connect_by_post(sim: Sim) -> None:
    c2c = sim.endpoint()
    token = _token(sim.url)
    bearer = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{sim.url}/v2/accounts/{ACC}/clicktocall", headers=bearer).json()
    assert listed["page_size"] == 1 and listed["auth_token"] == token
    assert {"request_id", "revision", "node", "timestamp", "version"} <= set(listed)
    placed = httpx.post(
        f"{sim.url}/v2/accounts/{ACC}/clicktocall/{c2c}/connect",
        json={"data": {"contact": CUSTOMER, "auto_answer": False}},
        headers=bearer,
    )
    assert placed.status_code == 202
    data = placed.json()["data"]
    assert data["outbound_call_id"].startswith(f"c2c-{c2c}-")
    assert data["custom_channel_vars"]["auto_answer_loopback"] is False
    assert data["application_data"] == {"route": CUSTOMER}
    assert data["custom_application_vars"]["contact"] == CUSTOMER
    sim.clock.advance(3601)
    expired = httpx.get(f"{sim.url}/v2/accounts/{ACC}/clicktocall", headers=bearer)
    assert expired.status_code == 401


def test_sim_dial_first_and_state_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    for sim in start(tmp_path, clock=clock):
        c2c = sim.endpoint(dial_first="contact", extension="1009")
        token = _token(sim.url)
        reply = httpx.get(
            f"{sim.url}/v2/accounts/{ACC}/clicktocall/{c2c}/connect",
            params={"contact": CUSTOMER},
            headers={"X-Auth-Token": token},
        )
        assert reply.json()["data"]["endpoints"][0]["route"] == CUSTOMER
        assert reply.json()["data"]["application_data"]["route"] == "1009"
    clock.advance(5)
    for sim in start(tmp_path, clock=clock):
        assert c2c in sim.kazoo.endpoints
        records = sim.kazoo.history(c2c)
        assert [(r["contact"], r["result"]) for r in records] == [(CUSTOMER, "success")]


# --- the connection test and the command line -----------------------------------------------


def test_connection_test_reports_endpoints_and_missing_ones(sim: Sim) -> None:
    open_one = sim.endpoint(auth_required=False, name="Web")

    async def go(client: httpx.AsyncClient) -> None:
        summary = await make(sim, client, open_one).test_connection()
        assert "authenticated (API key" in summary and "1 click-to-call endpoint" in summary
        assert "'Web' rings extension 1001 (no token needed)" in summary
        assert "not checked" in summary
        bare = await make(sim, client).test_connection()
        assert "no endpoint chosen" in bare
        with pytest.raises(NotFound, match=f"no such endpoint: {'e' * 32}"):
            await make(sim, client, "e" * 32).test_connection()
        user = make(sim, client, secret=PASSWORD, auth_method="user", username=USER,
                    account_realm=REALM)  # fmt: skip
        assert "user agent1" in await user.test_connection()

    run(go)


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


def kz(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`dialer kazoo ...` in this process: the same parser and command, without a start-up."""
    from dialer import cli

    code = cli.main(["kazoo", "endpoints", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_endpoints_account_test_and_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In-process commands must not configure this test process's logging for good.
    monkeypatch.setattr("dialer.log.setup", lambda **kwargs: None)
    # The CLI processes run on the real clock, so the simulator runs fast instead of faked.
    for s in start(tmp_path, clock=None, speed=20.0):
        refused = dialer(
            "accounts",
            "add",
            "kz",
            "--provider",
            "kazoo",
            "--base-url",
            s.url,
            "--set",
            f"account_id={ACC}",
            "--set",
            f"api_key={KEY}",
            stdin="x\n",
        )
        assert refused.returncode == 2 and "secret" in refused.stderr
        added = dialer("accounts", "add", "kz", "--provider", "kazoo", "--base-url", s.url + "/v2",
                       "--set", f"account_id={ACC}", "--default", stdin=KEY + "\n")  # fmt: skip
        assert added.returncode == 0, added.stderr
        code, out, err = kz(
            capsys, "create", "--name", "Sales", "--extension", "1001",
            "--whitelist", "^\\+91", "--set", "timeout=20", "--set", "auth_required=false",
            "--set", "media.ignore_early_media=true", "--set", "custom_sip_headers.in.X-A=1",
            "--use", "--json",
        )  # fmt: skip
        assert code == 0, err
        doc = json.loads(out)
        c2c = doc["id"]
        assert doc["timeout"] == 20 and doc["auth_required"] is False
        assert doc["whitelist"] == ["^\\+91"] and doc["media"] == {"ignore_early_media": True}
        assert doc["custom_sip_headers"] == {"in": {"X-A": "1"}}
        code, out, _ = kz(capsys, "update", c2c, "--set", "extension=1002")
        assert code == 0 and '"extension": "1002"' in out
        code, _, err = kz(capsys, "update", c2c, "--set", "timeout=soon")
        assert code == 2 and "whole number" in err
        code, _, err = kz(capsys, "update", c2c)
        assert code == 2 and "nothing to change" in err
        code, out, _ = kz(capsys, "list")
        assert code == 0 and c2c in out and "extension 1002" in out
        tested = dialer("accounts", "test", "kz")
        assert tested.returncode == 0, tested.stderr
        assert "'Sales' rings extension 1002" in tested.stdout
        called = dialer("call", CUSTOMER, "--wait", "--json")
        assert called.returncode == 0, called.stderr
        data = json.loads(called.stdout)
        assert (data["provider"], data["status"], data["from"]) == ("kazoo", "ENDED", c2c)
        assert data["call_id"].startswith(f"c2c-{c2c}-")
        # Another agent's dialer (its own DIALER_HOME) calls through the same endpoint;
        # `history --sync` brings that call into this one's history, once.
        other = dict(os.environ, DIALER_HOME=str(tmp_path / "other-agent"))
        elsewhere = subprocess.run(
            [sys.executable, "-m", "dialer", "accounts", "add", "kz", "--provider", "kazoo",
             "--base-url", s.url + "/v2", "--set", f"account_id={ACC}", "--caller-id", c2c,
             "--default"],
            input=KEY + "\n", capture_output=True, text=True, env=other, timeout=30, check=False,
        )  # fmt: skip
        assert elsewhere.returncode == 0, elsewhere.stderr
        elsewhere = subprocess.run(
            [sys.executable, "-m", "dialer", "call", "+919876540000", "--wait", "--json"],
            capture_output=True, text=True, env=other, timeout=30, check=False,
        )  # fmt: skip
        assert elsewhere.returncode == 0, elsewhere.stderr
        synced = dialer("history", "--sync", "--json")
        assert synced.returncode == 0, synced.stderr
        assert "sync kz: 1 new, " in synced.stderr
        numbers = sorted(r["to"] for r in json.loads(synced.stdout))
        assert numbers == ["+919876540000", CUSTOMER]
        again = dialer("history", "--sync", "--json")
        assert "sync kz: 0 new, 0 updated, 2 unchanged" in again.stderr, again.stderr
        assert len(json.loads(again.stdout)) == 2
        code, out, _ = kz(capsys, "history", c2c, "--json")
        assert [r["result"] for r in json.loads(out)] == ["success", "error"]  # 0000: busy
        code, out, _ = kz(capsys, "history", c2c)
        assert f"{CUSTOMER}  success  {data['call_id']}" in out
        code, out, _ = kz(capsys, "replace", c2c, "--name", "B", "--extension", "7")
        assert code == 0 and "timeout" not in out
        code, out, _ = kz(capsys, "show", c2c)
        assert code == 0 and json.loads(out)["name"] == "B"
        code, out, _ = kz(capsys, "delete", c2c)
        assert code == 0 and "deleted" in out
        accounts = json.loads(dialer("accounts", "list", "--json").stdout)
        assert next(a for a in accounts if a["name"] == "kz")["caller_ids"] == []
        code, _, err = kz(capsys, "list", "--account", "sandbox")
        assert code == 2 and "not a Kazoo account" in err


def test_cli_field_values_are_typed_by_the_schema() -> None:
    import argparse

    from dialer.commands.kazoo import _document

    def doc(*values: str) -> dict[str, Any]:
        ns = argparse.Namespace(values=list(values), name=None, extension=None, whitelist=[])
        return _document(ns)

    assert doc("extension=1001", "throttle=3", "bypass_media=true", "ringback=tone") == {
        "extension": "1001", "throttle": 3, "bypass_media": True, "ringback": "tone",
    }  # fmt: skip
    assert doc("bypass_media=auto", "whitelist=[\"^1\"]", "custom_application_vars.k=v") == {
        "bypass_media": "auto", "whitelist": ["^1"], "custom_application_vars": {"k": "v"},
    }  # fmt: skip
    assert doc("music_on_hold.media_id=m1", "custom_sip_headers.X-B=2") == {
        "music_on_hold": {"media_id": "m1"}, "custom_sip_headers": {"X-B": "2"},
    }  # fmt: skip
    for bad, text in [("colour=red", "unknown click-to-call field"), ("auth_required=yes", "true"),
                      ("whitelist=^1", "JSON"), ("name", "KEY=VALUE")]:  # fmt: skip
        with pytest.raises(ConfigError, match=text):
            doc(bad)


def test_caller_id_labels_name_the_endpoints(sim: Sim) -> None:
    sales = sim.endpoint()
    other = sim.endpoint(name="Back office", extension="2002")

    async def go(client: httpx.AsyncClient) -> dict[str, str]:
        return await make(sim, client, sales).caller_id_labels()

    labels = run(go)
    assert labels[sales] == "Sales (ext. 1001)"
    assert labels[other] == "Back office (ext. 2002)"


def test_provider_history_merges_into_ours_without_duplicates(sim: Sim, tmp_path: Path) -> None:
    """A call the app placed is matched, not repeated; one placed elsewhere is added; a second
    sync changes nothing."""
    from dialer.services import history_sync
    from dialer.services.calls import CallController
    from dialer.services.history import HistoryStore
    from dialer.settings import Settings

    c2c = sim.endpoint()
    store = HistoryStore(tmp_path / "history.sqlite3")
    conf = Settings(accounts=[account(sim.url, (c2c,))], default_account="kz")

    async def go(client: httpx.AsyncClient) -> list[dict[str, str]]:
        controller = CallController(conf, store, client, secret_lookup=lambda _name: KEY)
        ours = await controller.dial(CUSTOMER, follow=False)
        elsewhere = make(sim, client, c2c)
        await elsewhere.place_call(call("+919876540000"))  # USER_BUSY, not through the app
        sim.clock.advance(30)
        first = await history_sync.sync(controller)
        second = await history_sync.sync(controller)
        assert store.get(ours.uuid) is not None
        return [first, second]

    first, second = run(go)
    assert first == {"kz": "1 new, 1 updated, 0 unchanged"}
    assert second == {"kz": "0 new, 0 updated, 2 unchanged"}
    rows = store.recent(limit=10)
    assert sorted(r.to_number for r in rows) == ["+919876540000", CUSTOMER]
    busy = next(r for r in rows if r.to_number == "+919876540000")
    assert busy.status is CallStatus.BUSY and busy.provider == "kazoo"
    store.close()
