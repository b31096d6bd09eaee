"""The Alohaa adapter against its simulator over loopback HTTP, and the CLI path once.

The simulator and the adapter are two independent readings of `alohaa-click-2-call.md`. Time is
a FakeClock shared by both, and the adapter's sleep advances it, so the rate limiter, retries
and call logs are timed without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dialer import settings
from dialer.domain import (
    AuthError,
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    CredentialsUnavailable,
    InvalidNumber,
    NetworkError,
    NotFound,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
)
from dialer.providers import alohaa_logs, alohaa_wire, registry
from dialer.providers.alohaa import AlohaaProvider
from dialer.providers.base import validate_settings
from dialer.sandbox import alohaa_sim, alohaa_sim_state
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore
from dialer.settings import Account
from tests.support.live_server import FakeClock, run_server

T = TypeVar("T")
KEY = "metro-key-0123456789"
ERROR_CODES = Path(__file__).resolve().parents[2].parent / "shared/providers/error-codes.json"
AGENT, DID, CUSTOMER = "+919800000001", "+918069000001", "+919876543210"


@dataclass
class Sim:
    url: str
    clock: FakeClock
    state: alohaa_sim_state.AlohaaSim
    ratelimit_dir: Path
    sleeps: list[float] = field(default_factory=list)
    progress: list[tuple[CallStatus, str]] = field(default_factory=list)

    def account(self, url: str | None = None, **values: Any) -> Account:
        raw = Account(name="al", provider="alohaa", base_url=url or self.url, agent=AGENT,
                      caller_ids=[DID], settings=values)  # fmt: skip
        return AlohaaProvider.normalize_account(raw)

    def provider(
        self, client: httpx.AsyncClient, secret: str = KEY, **values: Any
    ) -> AlohaaProvider:
        provider = AlohaaProvider(self.account(**values), secret, client)
        self.rig(provider)
        return provider

    def rig(self, provider: AlohaaProvider) -> None:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(round(seconds, 3))
            self.clock.advance(seconds)

        provider.clock, provider.sleep, provider.jitter = self.clock, sleep, lambda: 0.5
        provider.ratelimit_dir = self.ratelimit_dir
        provider.on_progress = lambda status, text: self.progress.append((status, text))


serve = contextlib.contextmanager(run_server)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    clock = FakeClock()
    app = alohaa_sim.create_app(tmp_path / "sim", api_key=KEY, clock=clock)
    with serve(app) as url:
        yield Sim(url, clock, app.state.alohaa, tmp_path / "ratelimit")


def run(fn: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient() as client:
            return await fn(client)

    return asyncio.run(main())


def place(sim: Sim, to: str = CUSTOMER, secret: str = KEY, **values: Any) -> CallSnapshot:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        request = CallRequest(account="al", to_number=to, agent=AGENT, options=values)
        return await sim.provider(client, secret).place_call(request)

    return run(go)


def status(sim: Sim, snap: CallSnapshot, **values: Any) -> CallSnapshot:
    return run(lambda client: sim.provider(client, **values).get_status(snap))


# --- the request ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["+919876543210", "098765 43210", "98765-43210", "91 9876543210"])
def test_numbers_are_sent_in_each_fields_form(sim: Sim, typed: str) -> None:
    snap = place(sim, typed)
    call = sim.state.calls[-1]
    assert (call.caller_number, call.receiver_number, call.did_number) == (
        "9800000001", "9876543210", "918069000001")  # fmt: skip
    assert call.is_agent_required is True and call.did_shuffle is False
    assert call.metadata == {"dialer_call_uuid": snap.uuid}
    assert call.webhook_details is None
    assert call.headers["content-type"] == "application/json"
    assert snap.status is CallStatus.PLACED and not snap.final
    assert snap.call_id == call.reference_id and snap.from_number == DID


def test_every_optional_parameter_reaches_the_wire(sim: Sim) -> None:
    secret = json.dumps({"x-metro-api-key": KEY, "webhook_api_value": "hook-value-42"})
    snap = place(sim, secret=secret, did_shuffle="true", is_agent_required="false",
                 metadata='{"team": "north", "ticket": "T-7"}', send_webhook_details="true",
                 webhook_url="https://hooks.example.com/alohaa", webhook_request_type="PUT",
                 webhook_api_key="X-Hook-Key")  # fmt: skip
    call = sim.state.calls[-1]
    assert call.did_shuffle is True and call.did_number in sim.state.org.dids  # Alohaa picked
    assert call.is_agent_required is False
    assert call.metadata == {"team": "north", "ticket": "T-7", "dialer_call_uuid": snap.uuid}
    assert call.webhook_details == {"url": "https://hooks.example.com/alohaa",
        "request_type": "PUT", "api_key": "X-Hook-Key", "api_value": "hook-value-42"}  # fmt: skip
    assert snap.from_number is None  # the caller ID is Alohaa's choice


def test_webhook_is_off_by_default_and_warns_in_its_help(sim: Sim) -> None:
    place(sim, webhook_url="https://hooks.example.com/x")
    assert sim.state.calls[-1].webhook_details is None
    help_text = alohaa_wire.AlohaaSettings.model_fields["send_webhook_details"].description
    assert help_text and "discards the organisation's configured" in help_text
    with pytest.raises(ConfigError, match="set both or neither"):
        place(sim, send_webhook_details="true", webhook_url="https://h.example.com",
              webhook_api_key="X-Key")  # fmt: skip
    assert len(sim.state.calls) == 1


@pytest.mark.parametrize(
    ("values", "problem"),
    [({"metadata": '{"dialer_call_uuid": "x"}'}, "reserved"), ({"metadata": "{oops"}, "JSON"),
     ({"metadata": json.dumps({f"k{i}": "v" for i in range(21)})}, "metadata"),
     ({"send_webhook_details": "true"}, "needs webhook_url"),
     ({"webhook_url": "ftp://x"}, "http"), ({"webhook_request_type": "DELETE"}, "webhook_request"),
     ({"status_poll_interval": "0"}, "status_poll"), ({"rate_limit_retries": "9"}, "rate_limit"),
     ({"bogus": "1"}, "valid settings")],
)  # fmt: skip
def test_settings_are_validated(values: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        validate_settings(alohaa_wire.AlohaaSettings, values)


def test_secret_fields_are_declared_and_kept_out_of_settings(sim: Sim) -> None:
    assert AlohaaProvider.secret_fields() == {"x_metro_api_key", "webhook_api_value"}
    with pytest.raises(ConfigError, match="secret"):
        sim.account(webhook_api_value="v")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [({"agent": None}, "needs --agent"), ({"agent": "+14155550123"}, "Indian numbers only"),
     ({"caller_ids": ["+442071838750"]}, "United Kingdom"), ({"caller_ids": []}, "did_shuffle")],
)  # fmt: skip
def test_accounts_are_checked_before_saving(changes: dict[str, Any], problem: str) -> None:
    raw = Account(name="al", provider="alohaa", agent=AGENT, caller_ids=[DID]).model_copy(
        update=changes
    )
    with pytest.raises(ConfigError, match=problem):
        AlohaaProvider.normalize_account(raw)


def test_did_shuffle_needs_no_caller_id() -> None:
    raw = Account(name="al", provider="alohaa", agent="098000 00001",
                  settings={"did_shuffle": "true"})  # fmt: skip
    saved = AlohaaProvider.normalize_account(raw)
    assert saved.agent == AGENT and saved.caller_ids == []


@pytest.mark.parametrize(("number", "where"), [("+14155550123", "United States"),
                                               ("+442071838750", "United Kingdom")])  # fmt: skip
def test_foreign_numbers_are_refused_before_sending(sim: Sim, number: str, where: str) -> None:
    with pytest.raises(InvalidNumber, match=f"Indian numbers only.*{where}"):
        place(sim, number)
    assert sim.state.calls == []


# --- errors ---------------------------------------------------------------------------------


def test_error_tables_match_the_document() -> None:
    documented = {
        int(k): v for k, v in json.loads(ERROR_CODES.read_text())["alohaa"]["codes"].items()
    }
    assert documented == alohaa_sim_state.ERROR_TEXTS
    assert documented == alohaa_wire.ERRORS
    assert set(alohaa_wire.ADVICE) == set(documented)


@pytest.mark.parametrize(("flag", "code"), [("crm_integrated", 1041), ("crm_linked", 1042),
                                            ("outgoing_allowed", 1043)])  # fmt: skip
@pytest.mark.parametrize("http_status", [None, 200])
def test_documented_refusals_are_typed(
    sim: Sim, flag: str, code: int, http_status: int | None
) -> None:
    setattr(sim.state.org, flag, False)
    sim.state.org.failure_http_status = http_status
    with pytest.raises(ProviderRefused) as info:
        place(sim)
    assert type(info.value) is ProviderRefused  # 1043 comes as HTTP 403, yet is no auth error
    assert info.value.code == str(code)
    assert alohaa_wire.ERRORS[code] in str(info.value) and alohaa_wire.ADVICE[code] in str(
        info.value
    )


def test_1046_is_retried_with_backoff_then_succeeds(sim: Sim) -> None:
    sim.state.org.refuse_next = 2
    snap = place(sim)
    assert snap.call_id and len(sim.state.calls) == 1
    assert sim.sleeps == [1.5, 3.0]  # 1 s then 2 s, times the jitter factor 1.5
    assert [st for st, _ in sim.progress] == [CallStatus.QUEUED, CallStatus.DIALING] * 2
    assert "retrying in 1.5 s (1 of 3)" in sim.progress[0][1]


def test_1046_is_reported_after_the_bounded_retries(sim: Sim) -> None:
    sim.state.org.refuse_next = 10
    with pytest.raises(RateLimited) as info:
        place(sim, rate_limit_retries="2")
    assert info.value.code == "1046" and "tried 3 times" in str(info.value)
    assert "Rate limit exceeded" in str(info.value)
    assert sim.sleeps == [1.5, 3.0] and sim.state.calls == []


def test_1046_from_another_machine_of_the_organisation(sim: Sim) -> None:
    # Someone else in the organisation used this second: the sim refuses, the adapter retries.
    httpx.post(f"{sim.url}{alohaa_sim.CALL_PATH}", headers={"x-metro-api-key": KEY}, json={})
    snap = place(sim)
    assert snap.call_id and sim.sleeps == [1.5]


def test_requests_with_one_key_are_spaced_and_shown_as_queued(sim: Sim) -> None:
    first, second = place(sim), place(sim, "+919876543211")
    assert first.call_id != second.call_id and len(sim.state.calls) == 2
    assert sim.sleeps == [1.05]  # the second waited for its slot; the sim saw no 1046
    assert [st for st, _ in sim.progress] == [CallStatus.QUEUED, CallStatus.DIALING]
    assert "rate limit" in sim.progress[0][1]


def test_wrong_or_missing_key(sim: Sim) -> None:
    with pytest.raises(AuthError, match="x-metro-api-key"):
        place(sim, secret="wrong-key")
    with pytest.raises(AuthError):
        run(lambda client: sim.provider(client, "wrong-key").test_connection())
    with pytest.raises(CredentialsUnavailable):
        place(sim, secret="")
    with pytest.raises(ConfigError, match="not valid JSON"):
        place(sim, secret="{x-metro-api-key")
    assert sim.state.calls == []


def test_a_wrong_address_is_not_found(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = AlohaaProvider(sim.account(f"{sim.url}/v2"), KEY, client)
        sim.rig(provider)
        await provider.place_call(CallRequest(account="al", to_number=CUSTOMER))

    with pytest.raises(NotFound, match="Not Found"):
        run(go)


def test_an_undocumented_refusal_keeps_the_providers_reason(sim: Sim) -> None:
    sim.state.org.agents = frozenset({"9800000009"})
    with pytest.raises(ProviderRefused, match="not registered as an agent") as info:
        place(sim)
    assert info.value.code == "HTTP 400"
    place(sim, is_agent_required="false")  # then any caller may call


def _garbage_app(call_reply: Response, logs_reply: Response) -> Starlette:
    async def call(_: Any) -> Response:
        return call_reply

    async def logs(_: Any) -> Response:
        return logs_reply

    return Starlette(routes=[Route(alohaa_sim.CALL_PATH, call, methods=["POST"]),
                             Route(alohaa_sim.LOGS_PATH, logs, methods=["GET"])])  # fmt: skip


@pytest.mark.parametrize(
    ("call_reply", "logs_reply", "problem"),
    [(PlainTextResponse("<html>oops</html>", 400), JSONResponse([]), "not JSON"),
     (JSONResponse({"ok": 1}), JSONResponse([]), "success flag"),
     (JSONResponse({"success": True, "response": {}}), JSONResponse([]), "reference_id"),
     (JSONResponse({"success": True, "response": {"reference_id": "r1"}}), JSONResponse([]),
      "not a JSON object"),
     (JSONResponse({"success": True, "response": {"reference_id": "r1"}}),
      JSONResponse({"success": True, "response": {"call_logs": "x"}}), "unexpected shape")],
)  # fmt: skip
def test_garbage_replies(
    sim: Sim, call_reply: Response, logs_reply: Response, problem: str
) -> None:
    with serve(_garbage_app(call_reply, logs_reply)) as url:

        async def go(client: httpx.AsyncClient) -> None:
            provider = AlohaaProvider(sim.account(url), KEY, client)
            sim.rig(provider)
            snap = await provider.place_call(CallRequest(account="al", to_number=CUSTOMER))
            await provider.get_status(snap)

        with pytest.raises(ProviderReplyError, match=problem) as info:
            run(go)
    # An unreadable 2xx to the call request may hide a placed call; a 4xx or a status read not.
    accepted_garbage = problem in ("success flag", "reference_id")
    assert isinstance(info.value, OutcomeUnknown) is accepted_garbage


def test_dead_port_is_a_network_error_and_not_retried(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = AlohaaProvider(sim.account("http://127.0.0.1:9"), KEY, client)
        sim.rig(provider)
        await provider.place_call(CallRequest(account="al", to_number=CUSTOMER))

    with pytest.raises(NetworkError, match="could not reach"):
        run(go)
    assert sim.sleeps == []


def test_the_simulator_validates_like_the_document(sim: Sim) -> None:
    good = {"caller_number": "9800000001", "receiver_number": "9876543210",
            "did_number": "918069000001"}  # fmt: skip
    bad: list[tuple[dict[str, Any], str]] = [
        ({**good, "caller_number": "919800000001"}, '"91" prefix'),
        ({**good, "receiver_number": 9876543210}, "string"),
        ({**good, "did_number": "8069000001"}, "country code"),
        ({**good, "did_shuffle": True}, "leave did_number empty"),
        ({**good, "did_shuffle": "yes"}, "boolean"),
        ({**good, "metadata": ["x"]}, "key-value"),
        ({**good, "webhook_details": {"url": "https://h.example.com"}}, "request_type"),
        ({**good, "callerNumber": "1"}, "unknown field"),
        ({k: v for k, v in good.items() if k != "did_number"}, "did_number is required"),
    ]
    headers = {"x-metro-api-key": KEY}
    for body, reason in bad:
        sim.clock.advance(2)  # stay clear of the rate limit
        reply = httpx.post(f"{sim.url}{alohaa_sim.CALL_PATH}", headers=headers, json=body)
        assert reply.status_code == 400 and reason in reply.json()["error"]["reason"], body
    sim.clock.advance(2)
    reply = httpx.post(f"{sim.url}{alohaa_sim.CALL_PATH}", headers=headers, content=b"{}")
    assert "Content-type" in reply.json()["error"]["reason"]
    reply = httpx.get(f"{sim.url}{alohaa_sim.LOGS_PATH}?page_size=1000", headers=headers)
    assert reply.status_code == 400 and reply.json()["success"] is False
    assert httpx.get(f"{sim.url}{alohaa_sim.LOGS_PATH}").status_code == 401


# --- following the call through the logs ----------------------------------------------------


def test_answered_call_outcome_comes_from_the_logs(sim: Sim) -> None:
    snap = place(sim)
    assert status(sim, snap) == snap  # no row yet: still PLACED, not final
    sim.clock.advance(24)  # ended at 20 s, its row appears at 25 s
    assert status(sim, snap) == snap
    sim.clock.advance(1)
    final = status(sim, snap)
    assert final.status is CallStatus.ANSWER and final.final and final.duration == 12
    assert final.recording_url and final.recording_url.endswith(".wav")
    assert final.ended_at is not None and "answered" in final.message
    wav = httpx.get(final.recording_url)
    assert wav.headers["content-type"] == "audio/wav" and wav.content[:4] == b"RIFF"


@pytest.mark.parametrize("to", ["+919876540000", "+919876542222", "+919876541111"])
def test_unanswered_calls(sim: Sim, to: str) -> None:
    snap = place(sim, to)
    sim.clock.advance(60)
    final = status(sim, snap)
    assert final.status is CallStatus.NO_ANSWER and final.final
    assert final.duration == 0 and final.recording_url is None


def test_rows_without_ids_match_by_number_and_time_but_never_an_older_call(sim: Sim) -> None:
    sim.state.org.log_fields = frozenset({"receiver_number", "received_at", "status",
                                          "call_duration", "recording_url"})  # fmt: skip
    older = place(sim)
    sim.clock.advance(100)
    assert status(sim, older).status is CallStatus.ANSWER
    newer = place(sim).model_copy(update={"started_at": sim.clock()})
    assert status(sim, newer) == newer  # the older row is to the same number, but earlier
    sim.clock.advance(30)
    assert status(sim, newer).status is CallStatus.ANSWER


def test_no_matching_row_stays_placed_after_the_give_up_window(sim: Sim) -> None:
    sim.state.org.log_fields = frozenset({"status", "call_duration", "recording_url"})
    snap = place(sim).model_copy(update={"started_at": sim.clock()})
    sim.clock.advance(60)
    assert status(sim, snap, status_give_up_after="120") == snap
    sim.clock.advance(60)
    final = status(sim, snap, status_give_up_after="120")
    assert final.status is CallStatus.PLACED and final.final
    assert "the provider reports no live status" in final.message


@pytest.mark.parametrize(
    ("word", "expected"),
    [("answered", CallStatus.ANSWER), ("notanswered", CallStatus.NO_ANSWER),
     ("Not_Answered", CallStatus.NO_ANSWER), ("missed", CallStatus.NO_ANSWER),
     ("busy", CallStatus.BUSY), ("failed", CallStatus.FAILED),
     ("cancelled", CallStatus.CANCELED), ("transferred", CallStatus.ENDED)],
)  # fmt: skip
def test_log_status_mapping(word: str, expected: CallStatus) -> None:
    snap = CallSnapshot(uuid="u", account="al", provider="alohaa", to_number=CUSTOMER,
                        status=CallStatus.PLACED)  # fmt: skip
    final = alohaa_logs.outcome(snap, {"call_status": word, "call_duration": "7"})
    assert final.status is expected and final.final and final.duration == 7


def test_log_times_in_every_plausible_form() -> None:
    parse = alohaa_logs.parse_time
    assert parse("2026-07-03T15:30:00") == parse("2026-07-03T10:00:00Z")  # naive = India time
    assert parse(1783072800) == parse(1783072800000) == parse("2026-07-03T10:00:00+00:00")
    assert parse("yesterday") is None and parse(None) is None and parse(True) is None


# --- through the controller and the CLI -----------------------------------------------------


def test_controller_shows_queued_then_follows_the_logs(sim: Sim, dialer_home: Path) -> None:
    conf = settings.Settings(accounts=[sim.account(status_poll_interval="0.05")],
                             default_account="al")  # fmt: skip
    history = HistoryStore(dialer_home / "history.sqlite3")
    seen: list[CallStatus] = []

    class Rigged(CallController):
        def provider_for(self, account: Account) -> AlohaaProvider:
            provider = super().provider_for(account)
            assert isinstance(provider, AlohaaProvider)
            sim.rig(provider)
            original = provider.get_status

            async def stepped(current: CallSnapshot) -> CallSnapshot:
                sim.clock.advance(10)  # each poll is ten simulated seconds later
                return await original(current)

            provider.get_status = stepped  # type: ignore[method-assign]
            return provider

    async def go() -> CallSnapshot:
        async with httpx.AsyncClient() as client:
            controller = Rigged(conf, history, client, secret_lookup=lambda _: KEY)
            controller.add_listener(lambda s: seen.append(s.status))
            await controller.dial("9876543299", follow=False)
            return await controller.dial("98765 43210")

    try:
        final = asyncio.run(go())
        assert final.status is CallStatus.ANSWER and final.final and final.duration == 12
        assert seen[:5] == [CallStatus.DIALING, CallStatus.PLACED, CallStatus.DIALING,
                            CallStatus.QUEUED, CallStatus.DIALING]  # fmt: skip
        row = history.get(final.uuid)
        assert row is not None and row.status is CallStatus.ANSWER and row.duration == 12
    finally:
        history.close()


def test_cli_add_test_and_call(tmp_path: Path, dialer_home: Path) -> None:
    app = alohaa_sim.create_app(tmp_path / "cli-sim", api_key=KEY, speed=400.0)

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dialer", *args], input=stdin, text=True,
                              capture_output=True, env=dict(os.environ), timeout=30)  # fmt: skip

    with serve(app) as url:
        added = cli("accounts", "add", "al", "--provider", "alohaa", "--base-url", url,
                    "--agent", "098000 00001", "--caller-id", "080-6900-0001",
                    "--set", "status_poll_interval=0.05", "--set", 'metadata={"team": "north"}',
                    stdin=KEY + "\n")  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert KEY not in (dialer_home / "config" / "settings.json").read_text()
        tested = cli("accounts", "test", "al")
        assert tested.returncode == 0 and "API key works" in tested.stdout
        assert "Not checked" in tested.stdout and "1043" in tested.stdout
        called = cli("call", "+91 98765 43210", "--account", "al", "--wait", "--json")
        assert called.returncode == 0, called.stderr
        result = json.loads(called.stdout)
        assert result["status"] == "ANSWER" and result["duration"] == 12
        assert result["recording_url"].endswith(".wav") and result["provider"] == "alohaa"
        assert app.state.alohaa.calls[-1].metadata["team"] == "north"
        foreign = cli("call", "+1 415 555 0123", "--account", "al", "--json")
        assert foreign.returncode == 2 and "Indian numbers only" in foreign.stderr
    for path in (dialer_home / "state" / "ratelimit").iterdir():
        assert KEY not in path.name and KEY.encode() not in path.read_bytes()


def test_registered_with_honest_capabilities() -> None:
    cls = registry.get("alohaa")
    assert cls is AlohaaProvider
    caps = cls.capabilities
    assert not caps.live_status and caps.final_status and caps.recordings
    assert not caps.hangup and not caps.add_leg and caps.caller_id_shuffle
    assert {"live_status", "hangup", "add_leg"} <= set(cls.missing_reasons)


def test_call_logs_are_provider_history(sim: Sim) -> None:
    """Each log row becomes a provider-history call with its own id, number and outcome;
    a row the app placed carries the app's uuid back, so it merges instead of repeating."""
    placed = place(sim)
    sim.clock.advance(30)

    async def go(client: httpx.AsyncClient) -> list[Any]:
        return await sim.provider(client).fetch_history()

    [row] = run(go)
    assert row.call_id == placed.call_id and row.uuid == placed.uuid
    assert row.to_number == CUSTOMER and row.status is CallStatus.ANSWER
    assert row.duration == 12 and row.recording_url and row.started_at is not None
