"""The Sarv adapter against its simulator over loopback HTTP, and the CLI path once.

The simulator and the adapter are two independent readings of `sarv-click-to-call.txt`. One table
(`CASES`) holds a request for every documented error code: the simulator must answer it with that
code, the adapter's own pre-send rules must refuse the same request with the same code (or let it
through when only Sarv can know), and the adapter, given the same options, must either refuse
before sending or map Sarv's reply to the typed error with the document's text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
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
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dialer import log as dialer_log
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
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    Unsupported,
)
from dialer.providers import registry, sarv_rules
from dialer.providers.base import validate_settings
from dialer.providers.sarv import SarvProvider
from dialer.providers.sarv_settings import SarvSettings
from dialer.sandbox import sarv_sim
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore
from dialer.settings import Account
from tests.support.live_server import START, FakeClock, run_server

T = TypeVar("T")
USER, TOKEN = "4242", "tok/en+42=x&y"
ERROR_CODES = Path(__file__).resolve().parents[2].parent / "shared/providers/error-codes.json"
AGENT, DID, CUSTOMER = "+919800000001", "+918069000001", "+919876543210"
serve = contextlib.contextmanager(run_server)


@dataclass
class Sim:
    url: str
    clock: FakeClock
    state: sarv_sim.SarvSim

    def account(self, url: str | None = None, *, agent: str | None = AGENT,
                caller_ids: tuple[str, ...] = (DID,), **values: Any) -> Account:  # fmt: skip
        raw = Account(name="sv", provider="sarv", base_url=url or self.url, agent=agent,
                      caller_ids=list(caller_ids),
                      settings={"user_id": USER, **values})  # fmt: skip
        return SarvProvider.normalize_account(raw)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """One simulator for the module (starting a server per test would dominate the run)."""
    clock = FakeClock()
    app = sarv_sim.create_app(tmp_path_factory.mktemp("sarv-sim"), user_id=USER, token=TOKEN,
                              clock=clock)  # fmt: skip
    with serve(app) as url:
        yield Sim(url, clock, app.state.sarv)


@pytest.fixture
def sim(served: Sim) -> Sim:
    """The shared simulator with a fresh account, no calls and the clock at its start."""
    served.state.account = sarv_sim.Account()
    served.state.requests.clear()
    served.state.calls.clear()
    served.clock.now = START
    return served


def run(fn: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient() as client:
            return await fn(client)

    return asyncio.run(main())


def place_with(account: Account, to: str = CUSTOMER, *, secret: str | None = TOKEN,
               caller_id: str | None = None, **options: Any) -> CallSnapshot:  # fmt: skip
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        request = CallRequest(account="sv", to_number=to, caller_id=caller_id, options=options)
        return await SarvProvider(account, secret, client).place_call(request)

    return run(go)


def doc_codes() -> dict[int, str]:
    return {int(k): v for k, v in json.loads(ERROR_CODES.read_text())["sarv"]["codes"].items()}


# --- the request on the wire ----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["+919876543210", "098765 43210", "98765-43210", "91 9876543210"])
def test_the_minimal_call(sim: Sim, typed: str) -> None:
    snap = place_with(sim.account(), typed)
    call = sim.state.calls[-1]
    assert call.params == {"user_id": USER, "from": "9800000001", "to": "9876543210",
                           "fromCLI": "8069000001"}  # fmt: skip
    assert snap.call_id == call.callid and snap.from_number == DID
    assert snap.status is CallStatus.PLACED and snap.final and snap.provider == "sarv"


def test_every_parameter_reaches_the_wire(sim: Sim) -> None:
    sent: list[dict[str, str]] = []
    agents = sim.account(agent="101", caller_ids=("AGENT_CLI",), fromType="Agent",
                         **{"from": "104"}, fromStrategy="TO_ALL", fromWebLogin="login",
                         to="98765 43211, +91 98765 43212", toType="Number",
                         toStrategy="ONE_BY_ONE", fromRingTime="40", toRingTime=50,
                         timeLimit="600", timeLimitHangup="false", timeLimtAlert="120,300",
                         alertAudio="1610448601_84.wav,1610448601_85.wav",
                         ringTone="1610448601_84.wav", fromRetryCount="3", toRetryCount=0,
                         toCLI="080 6900 0002", mode="Live")  # fmt: skip
    place_with(agents)
    sent.append(sim.state.calls[-1].params)
    assert sent[-1] == {
        "user_id": USER, "from": "101,104", "to": "9876543210,9876543211,9876543212",
        "fromType": "Agent", "fromStrategy": "TO_ALL", "toType": "Number",
        "toStrategy": "ONE_BY_ONE", "fromRingTime": "40", "toRingTime": "50", "timeLimit": "600",
        "timeLimitHangup": "false", "timeLimtAlert": "120,300",
        "alertAudio": "1610448601_84.wav,1610448601_85.wav", "ringTone": "1610448601_84.wav",
        "fromRetryCount": "3", "toRetryCount": "0", "fromWebLogin": "login",
        "toCLI": "8069000002", "mode": "Live", "fromCLI": "AGENT_CLI"}  # fmt: skip
    sticky = sim.account(agent="501", fromType="Group", fromCallLogin="login", sticky="yes",
                         stickyTimeType="Hour", stickyTimeValue="2",
                         stickyAgentBusy="retrySame", queueTimeout="45")  # fmt: skip
    place_with(sticky)
    sent.append(sim.state.calls[-1].params)
    assert sent[-1] == {
        "user_id": USER, "from": "501", "to": "9876543210", "fromType": "Group",
        "fromCallLogin": "login", "sticky": "yes", "stickyTimeType": "Hour",
        "stickyTimeValue": "2", "stickyAgentBusy": "retrySame", "queueTimeout": "45",
        "fromCLI": "8069000001"}  # fmt: skip
    to_agent = sim.account(toType="Agent", toWebLogin="login", toCallLogin="login",
                           toCLI="AGENT_CLI")  # fmt: skip
    place_with(to_agent, "101")
    sent.append(sim.state.calls[-1].params)
    assert sent[-1]["to"] == "101" and sent[-1]["toCLI"] == "AGENT_CLI"
    on_wire = {name for params in sent for name in params} | {"token"}
    assert set(SarvSettings.model_fields) <= on_wire, "a setting never reached the wire"


def test_per_call_options_override_the_accounts(sim: Sim) -> None:
    place_with(sim.account(toRingTime="20"), toRingTime=45, mode="Test")
    params = sim.state.calls[-1].params
    assert params["toRingTime"] == "45" and params["mode"] == "Test"
    with pytest.raises(ConfigError, match="code 1551"):
        place_with(sim.account(), toRingTime=51)


def test_the_token_is_sent_but_never_logged(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    urls: list[str] = []

    async def go(client: httpx.AsyncClient) -> None:
        client.event_hooks["request"].append(lambda r: _note(urls, r))
        await SarvProvider(sim.account(), TOKEN, client).place_call(
            CallRequest(account="sv", to_number=CUSTOMER)
        )

    caplog.set_level(logging.DEBUG)
    run(go)
    assert len(sim.state.calls) == 1 and "token" not in sim.state.calls[0].params
    assert urls and TOKEN not in urls[0] and "tok%2Fen%2B42%3Dx%26y" in urls[0]
    assert "tok" not in dialer_log.redact(urls[0]).split("token=")[1][:3]
    for record in caplog.records:
        assert "tok%2Fen" not in dialer_log.redact(record.getMessage())


async def _note(urls: list[str], request: httpx.Request) -> None:
    urls.append(str(request.url))


# --- settings and accounts ------------------------------------------------------------------


def test_settings_model_declares_secrets_requirements_and_limits() -> None:
    assert SarvProvider.secret_fields() == {"token"}
    fields = SarvSettings.model_fields
    assert fields["user_id"].is_required() and all(f.description for f in fields.values())
    schema = SarvSettings.model_json_schema()["properties"]
    assert schema["fromRingTime"]["anyOf"][0]["maximum"] == 50
    assert schema["toRetryCount"]["anyOf"][0]["maximum"] == 3
    assert schema["fromType"]["anyOf"][0]["enum"] == ["Number", "Agent", "Group"]
    assert schema["toStrategy"]["anyOf"][0]["enum"] == ["ONE_BY_ONE", "TO_ALL"]
    assert "timeLimtAlert" in fields and "dnd" not in " ".join(fields).lower()


@pytest.mark.parametrize(
    ("values", "problem"),
    [({}, "code 1002"), ({"user_id": "abc"}, "code 1013"), ({"colour": "red"}, "unknown setting"),
     ({"user_id": USER, "sticky": "no"}, "sticky"), ({"user_id": USER, "from": "1,2,3,4,5"},
      "code 1552"), ({"user_id": USER, "mode": "m" * 51}, "code 1569")],
)  # fmt: skip
def test_settings_are_validated_with_sarvs_codes(values: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        validate_settings(SarvSettings, values)


@pytest.mark.parametrize(
    ("changes", "error", "problem"),
    [({"agent": None}, ConfigError, "code 1506"),
     ({"agent": "+1 415 555 0123"}, InvalidNumber, "Indian numbers only"),
     ({"caller_ids": ["+44 20 7946 0958"]}, InvalidNumber, "code 1554"),
     ({"caller_ids": ["AGENT_CLI"]}, ConfigError, "code 1584"),
     ({"settings": {"user_id": USER, "token": TOKEN}}, ConfigError, "secret"),
     ({"settings": {"user_id": USER, "fromType": "Agent"}, "agent": "1,2"}, ConfigError, "one"),
     ({"base_url": "s-ct3.sarv.com"}, ConfigError, "https://")],
)  # fmt: skip
def test_accounts_are_checked_before_saving(
    changes: dict[str, Any], error: type[Exception], problem: str
) -> None:
    raw = Account(name="sv", provider="sarv", agent=AGENT, caller_ids=[DID],
                  settings={"user_id": USER}).model_copy(update=changes)  # fmt: skip
    with pytest.raises(error, match=problem):
        SarvProvider.normalize_account(raw)


def test_accounts_keep_agent_ids_and_agent_cli() -> None:
    raw = Account(name="sv", provider="sarv", agent=" 101 ",
                  caller_ids=["agent_cli", "08069000001"],
                  settings={"user_id": USER, "fromType": "Agent"})  # fmt: skip
    account = SarvProvider.normalize_account(raw)
    assert account.agent == "101" and account.caller_ids == ["AGENT_CLI", DID]


def test_foreign_numbers_are_refused_before_any_trace(sim: Sim, dialer_home: Path) -> None:
    conf = settings.Settings(accounts=[sim.account()], default_account="sv")
    history = HistoryStore(dialer_home / "history.sqlite3")

    async def go(client: httpx.AsyncClient) -> None:
        CallController(conf, history, client, secret_lookup=lambda _: TOKEN).prepare(
            "+44 20 7946 0958"
        )

    try:
        with pytest.raises(InvalidNumber, match="Indian numbers only") as info:
            run(go)
        assert "code 1509" in str(info.value) and history.recent() == []
    finally:
        history.close()
    with pytest.raises(InvalidNumber, match="Indian numbers only"):
        place_with(sim.account(), "+1 415 555 0123")
    assert sim.state.requests == []


# --- every documented error code ------------------------------------------------------------

SAME, PASS, CREDENTIALS = "same", "pass", "credentials"
Q = {"user_id": USER, "token": TOKEN, "from": "9800000001", "to": "9876543210"}
SIX = ",".join(f"98000000{i:02d}" for i in range(10, 16))
AGENT_101: dict[str, str | None] = {"fromType": "Agent", "from": "101"}
TO_101: dict[str, str | None] = {"toType": "Agent", "to": "101"}


def _state(**changes: Any) -> dict[str, Any]:
    return changes


#: code: (query changes (None removes a key), simulator account changes, what the adapter does)
CASES: dict[int, tuple[dict[str, str | None], dict[str, Any], str]] = {
    1002: ({"user_id": None}, {}, CREDENTIALS),
    1013: ({"user_id": "999"}, {}, CREDENTIALS),
    1014: ({"token": None}, {}, CREDENTIALS),
    1020: ({"token": "wrong"}, {}, CREDENTIALS),
    1501: ({}, _state(connected=False), PASS),
    1502: ({"fromType": ""}, {}, SAME),
    1503: ({"fromType": "Phone"}, {}, SAME),
    1504: ({"toType": ""}, {}, SAME),
    1505: ({"toType": "number"}, {}, SAME),
    1506: ({"from": None}, {}, SAME),
    1507: ({"to": None}, {}, SAME),
    1508: ({"from": "12345"}, {}, SAME),
    1509: ({"to": "0987654321"}, {}, SAME),
    1510: ({"from": "9800000001,9800000001"}, {}, SAME),
    1511: ({"to": "9876543210,9876543210"}, {}, SAME),
    1512: ({"fromType": "Agent", "from": "999"}, {}, PASS),
    1513: ({"toType": "Agent", "to": "999"}, {}, PASS),
    1514: ({"fromType": "Agent", "from": "101,101"}, {}, SAME),
    1515: ({"toType": "Agent", "to": "101,101"}, {}, SAME),
    1516: ({"fromType": "Group", "from": "501,502"}, {}, SAME),
    1517: ({"toType": "Group", "to": "501,502"}, {}, SAME),
    1518: ({"fromType": "Group", "from": "599"}, {}, PASS),
    1519: ({"toType": "Group", "to": "599"}, {}, PASS),
    1520: ({"to": "9800000001"}, {}, SAME),
    1521: ({"from": None, "to": None}, {}, SAME),
    1522: ({"fromStrategy": "ALL"}, {}, SAME),
    1523: ({"toStrategy": "one_by_one"}, {}, SAME),
    1524: ({"fromRingTime": "abc"}, {}, SAME),
    1525: ({"fromRingTime": "-5"}, {}, SAME),
    1526: ({"toRingTime": "1.5"}, {}, SAME),
    1527: ({"toRingTime": "-1"}, {}, SAME),
    1528: ({"fromRetryCount": "x"}, {}, SAME),
    1529: ({"fromRetryCount": "-1"}, {}, SAME),
    1530: ({"toRetryCount": "two"}, {}, SAME),
    1531: ({"toRetryCount": "-2"}, {}, SAME),
    1532: ({"timeLimit": ""}, {}, SAME),
    1533: ({"timeLimit": "-10"}, {}, SAME),
    1534: ({"timeLimit": "ten"}, {}, SAME),
    1535: ({"ringTone": "nope.wav"}, {}, PASS),
    1536: ({**AGENT_101, "fromWebLogin": "logout"}, {}, PASS),
    1537: ({"fromType": "Group", "from": "502", "fromWebLogin": "logout"}, {}, PASS),
    1538: ({**AGENT_101, "fromCallLogin": "logout"}, {}, PASS),
    1539: ({"to": "9876543210,,9876543211"}, {}, SAME),
    1540: ({"fromType": "Group", "from": "502", "fromCallLogin": "logout"}, {}, PASS),
    1541: ({**TO_101, "toWebLogin": "logout"}, {}, PASS),
    1542: ({"toType": "Group", "to": "502", "toWebLogin": "logout"}, {}, PASS),
    1543: ({**TO_101, "toCallLogin": "logout"}, {}, PASS),
    1544: ({"toType": "Group", "to": "502", "toCallLogin": "logout"}, {}, PASS),
    1545: ({"timeLimit": "300", "timeLimtAlert": "60,abc"}, {}, SAME),
    1546: ({"timeLimit": "300", "timeLimtAlert": "60", "alertAudio": "nope.wav"}, {}, PASS),
    1547: ({"timeLimit": "100", "timeLimtAlert": "120"}, {}, SAME),
    1548: ({"fromRetryCount": "4"}, {}, SAME),
    1549: ({"toRetryCount": "4"}, {}, SAME),
    1550: ({"fromRingTime": "51"}, {}, SAME),
    1551: ({"toRingTime": "51"}, {}, SAME),
    1552: ({"from": SIX}, {}, SAME),
    1553: ({"to": SIX}, {}, SAME),
    1554: ({"fromCLI": "8069000999"}, {}, PASS),
    1555: ({"toCLI": "8069000999"}, {}, PASS),
    1556: ({**AGENT_101, "fromStrategy": "TO_ALL", "fromCallLogin": "login"}, {}, SAME),
    1557: ({**TO_101, "toStrategy": "TO_ALL", "toCallLogin": "login"}, {}, SAME),
    1558: ({**AGENT_101, "toType": "Agent", "to": "102", "sticky": "yes"}, {}, SAME),
    1559: ({**AGENT_101, "sticky": "yes", "stickyTimeType": "Fortnight"}, {}, PASS),
    1560: ({**AGENT_101, "sticky": "yes", "stickyTimeValue": "x"}, {}, SAME),
    1561: ({"stickyTimeType": "Day"}, {}, SAME),
    1562: ({**AGENT_101, "sticky": "yes", "stickyAgentBusy": "hangUp"}, {}, PASS),
    1563: ({"fromType": "Group", "from": "501", "sticky": "yes", "queueTimeout": "x"}, {}, SAME),
    1564: ({**AGENT_101, "fromWebLogin": "away"}, {}, PASS),
    1565: ({**AGENT_101, "fromCallLogin": "away"}, {}, PASS),
    1566: ({**TO_101, "toWebLogin": "away"}, {}, PASS),
    1567: ({**TO_101, "toCallLogin": "away"}, {}, PASS),
    1568: ({**AGENT_101, "sticky": "yes", "queueTimeout": "30"}, {}, SAME),
    1569: ({"mode": "m" * 51}, {}, SAME),
    1570: ({}, _state(dnd_filter="all"), PASS),
    1571: (AGENT_101, _state(dnd_filter="from"), PASS),
    1572: (TO_101, _state(dnd_filter="both"), PASS),
    1573: ({}, _state(dnd_filter="from", dnd_numbers={"9800000001"}), PASS),
    1574: ({}, _state(dnd_filter="both", dnd_numbers={"9876543210"}), PASS),
    1575: ({}, _state(dnd_filter="to", dnd_api_up=False), PASS),
    1576: ({"fromType": "Agent", "from": "101,102", "sticky": "yes"}, {}, SAME),
    1577: ({"toType": "Agent", "to": "101,102", "sticky": "yes"}, {}, SAME),
    1578: ({"fromType": "Agent", "from": "103"}, {}, PASS),
    1579: ({"toType": "Agent", "to": "103"}, {}, PASS),
    1580: ({"fromType": "Group", "from": "501", "fromCLI": "AGENT_CLI"}, {}, SAME),
    1581: ({"toType": "Group", "to": "501", "toCLI": "AGENT_CLI"}, {}, SAME),
    1582: ({"fromType": "Agent", "from": "104", "fromCLI": "AGENT_CLI"}, {}, PASS),
    1583: ({"toType": "Agent", "to": "104", "toCLI": "AGENT_CLI"}, {}, PASS),
    1584: ({"fromCLI": "AGENT_CLI"}, {}, SAME),
    1585: ({**AGENT_101, "toType": "Group", "to": "501", "fromCLI": "AGENT_CLI"}, {}, SAME),
}
#: Requests the adapter cannot even express: it always sends `to` (the dialed number).
UNSENDABLE = {1507, 1521}


def _query(changes: dict[str, str | None]) -> dict[str, str]:
    query = {**Q, **changes}
    return {k: v for k, v in query.items() if v is not None}


def _apply(sim: Sim, state: dict[str, Any]) -> None:
    for name, value in state.items():
        setattr(sim.state.account, name, value)


def test_error_tables_match_the_document() -> None:
    doc = doc_codes()
    assert len(doc) == 89 and doc[1564] == doc[1566] == "invalid fromWebLogin value"
    assert doc == sarv_rules.ERRORS
    assert doc == sarv_sim.ERROR_TEXTS
    assert set(CASES) == set(doc), "every documented code has a case"


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_simulator_and_the_rules_agree_on_every_code(sim: Sim, code: int) -> None:
    changes, state, adapter = CASES[code]
    _apply(sim, state)
    reply = httpx.post(f"{sim.url}{sarv_sim.CALL_PATH}", params=_query(changes))
    assert reply.status_code == 200
    assert reply.json() == {"message": doc_codes()[code], "status": "error", "code": str(code)}
    local = {k: v for k, v in _query(changes).items() if k not in ("user_id", "token")}
    if adapter == SAME:
        with pytest.raises((sarv_rules.SarvRuleError, sarv_rules.SarvNumberError)) as info:
            sarv_rules.check(local)
        assert getattr(info.value, "code", None) == code
    elif adapter == PASS:
        sarv_rules.check(local)  # only Sarv can know: the request is sent


def _account_for(sim: Sim, query: dict[str, str]) -> tuple[Account, str, str | None]:
    """The account, dialed value and caller ID that make the adapter send `query`."""
    values = {k: v for k, v in query.items() if k not in ("user_id", "token", "fromCLI")}
    agent, _, more_from = values.pop("from", "").partition(",")
    to, _, more_to = values.pop("to").partition(",")
    if more_from:
        values["from"] = more_from
    if more_to:
        values["to"] = more_to
    account = Account(name="sv", provider="sarv", base_url=sim.url, agent=agent or None,
                      settings={"user_id": USER, **values})  # fmt: skip
    return account, to, query.get("fromCLI")


@pytest.mark.parametrize(
    "code", sorted(c for c, case in CASES.items() if case[2] == SAME and c not in UNSENDABLE)
)
def test_the_adapter_refuses_before_sending_with_sarvs_code(sim: Sim, code: int) -> None:
    account, to, cli = _account_for(sim, _query(CASES[code][0]))
    with pytest.raises((ConfigError, InvalidNumber)) as info:
        place_with(account, to, caller_id=cli)
    assert f"code {code}:" in str(info.value) and doc_codes()[code] in str(info.value)
    assert sim.state.requests == []


@pytest.mark.parametrize("code", sorted(c for c, case in CASES.items() if case[2] == PASS))
def test_sarvs_refusals_reach_the_user_typed_and_readable(sim: Sim, code: int) -> None:
    changes, state, _ = CASES[code]
    _apply(sim, state)
    account, to, cli = _account_for(sim, _query(changes))
    with pytest.raises(ProviderRefused) as info:
        place_with(account, to, caller_id=cli)
    assert not isinstance(info.value, AuthError)
    assert info.value.code == str(code) and doc_codes()[code] in str(info.value)
    assert len(sim.state.requests) == 1 and sim.state.calls == []


def test_credentials(sim: Sim) -> None:
    with pytest.raises(AuthError, match="Invalid token") as info:
        place_with(sim.account(), secret="wrong")
    assert info.value.code == "1020"
    with pytest.raises(AuthError, match="Invalid user id"):
        place_with(sim.account(user_id="999"))
    with pytest.raises(CredentialsUnavailable, match="code 1014"):
        place_with(sim.account(), secret=None)
    with pytest.raises(ConfigError, match="code 1002"):
        sim.account(user_id="")
    assert len(sim.state.requests) == 2 and sim.state.calls == []


@pytest.mark.parametrize("code", sorted(doc_codes()))
def test_every_code_maps_to_its_typed_error(sim: Sim, code: int) -> None:
    sim.state.account.force_code = code
    with pytest.raises(ProviderRefused) as info:
        place_with(sim.account())
    assert isinstance(info.value, AuthError) == (code in (1002, 1013, 1014, 1020))
    assert info.value.code == str(code) and doc_codes()[code] in info.value.reason


# --- replies that are not Sarv's -------------------------------------------------------------


def _app(reply: Response) -> Starlette:
    async def call(_: Request) -> Response:
        return reply

    return Starlette(routes=[Route(sarv_sim.CALL_PATH, call, methods=["POST"])])


@pytest.mark.parametrize(
    ("reply", "error", "problem"),
    [(PlainTextResponse("<html>Bad Gateway</html>", 502), OutcomeUnknown, "HTTP 502"),
     (PlainTextResponse("<html>Bad Request</html>", 400), ProviderReplyError, "not JSON"),
     (JSONResponse(["success"]), ProviderReplyError, "not a JSON object"),
     (JSONResponse({"status": "success", "code": "200"}), ProviderReplyError, "may have been"),
     (JSONResponse({"status": "success", "callid": ""}), ProviderReplyError, "no callid"),
     (JSONResponse({"status": "queued"}), ProviderReplyError, "unexpected reply"),
     (JSONResponse({"status": "error"}), ProviderReplyError, "unexpected reply"),
     (JSONResponse({"message": "Invalid From Type", "status": "error", "code": "105"}),
      ProviderRefused, "Invalid From Type"),
     (JSONResponse({"message": "Invalid token", "status": "error", "code": 1020}), AuthError,
      "code 1020")],
)  # fmt: skip
def test_unexpected_replies(
    sim: Sim, reply: Response, error: type[Exception], problem: str
) -> None:
    with serve(_app(reply)) as url, pytest.raises(error, match=problem):
        place_with(sim.account(url))


def test_a_dead_port_is_a_network_error(sim: Sim) -> None:
    with pytest.raises(NetworkError, match="could not reach") as info:
        place_with(sim.account("http://127.0.0.1:9"))
    assert info.value.exit_code == 1


def test_no_status_hangup_or_legs(sim: Sim) -> None:
    async def go(client: httpx.AsyncClient) -> list[str]:
        provider = SarvProvider(sim.account(), TOKEN, client)
        snap = await provider.place_call(CallRequest(account="sv", to_number=CUSTOMER))
        problems = []
        for attempt in (provider.get_status(snap), provider.hangup(snap),
                        provider.add_leg(snap, "+919876543211")):  # fmt: skip
            with pytest.raises(Unsupported) as info:
                await attempt
            problems.append(str(info.value))
        return problems

    assert [p.split(" ")[0] for p in run(go)] == ["Sarv's"] * 3
    assert len(sim.state.calls) == 1


# --- accounts test ---------------------------------------------------------------------------


def test_connection_test_sends_no_numbers(sim: Sim) -> None:
    summary = run(lambda c: SarvProvider(sim.account(), TOKEN, c).test_connection())
    assert "1521" in summary and "Not checked" in summary and "DND" in summary
    assert sim.state.requests == [{"user_id": USER}] and sim.state.calls == []
    with pytest.raises(AuthError, match="1020"):
        run(lambda c: SarvProvider(sim.account(), "wrong", c).test_connection())
    with pytest.raises(CredentialsUnavailable):
        run(lambda c: SarvProvider(sim.account(), None, c).test_connection())
    sim.state.account.connected = False
    with pytest.raises(ProviderRefused, match="Connection Issue"):
        run(lambda c: SarvProvider(sim.account(), TOKEN, c).test_connection())


def test_connection_test_on_a_host_that_is_not_sarv(sim: Sim) -> None:
    accepting = _app(JSONResponse({"status": "success", "callid": "x"}))
    with serve(accepting) as url, pytest.raises(ProviderReplyError, match="not behave like Sarv"):
        run(lambda c: SarvProvider(sim.account(url), TOKEN, c).test_connection())
    with serve(_app(PlainTextResponse("hello"))) as url, pytest.raises(ProviderReplyError):
        run(lambda c: SarvProvider(sim.account(url), TOKEN, c).test_connection())


# --- the app around it -----------------------------------------------------------------------


def test_the_controller_records_a_placed_call(sim: Sim, dialer_home: Path) -> None:
    conf = settings.Settings(accounts=[sim.account()], default_account="sv")
    history = HistoryStore(dialer_home / "history.sqlite3")
    seen: list[CallStatus] = []

    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        controller = CallController(conf, history, client, secret_lookup=lambda _: TOKEN)
        controller.add_listener(lambda s: seen.append(s.status))
        return await controller.dial("98765 43210")

    try:
        final = run(go)
        assert final.status is CallStatus.PLACED and final.final
        assert seen == [CallStatus.DIALING, CallStatus.PLACED]
        row = history.get(final.uuid)
        assert row is not None and row.call_id == sim.state.calls[-1].callid
    finally:
        history.close()


def test_cli_add_test_and_call(tmp_path: Path, dialer_home: Path) -> None:
    app = sarv_sim.create_app(tmp_path / "cli-sim", user_id=USER, token=TOKEN, speed=50.0)

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dialer", *args], input=stdin, text=True,
                              capture_output=True, env=dict(os.environ), timeout=30)  # fmt: skip

    with serve(app) as url:
        refused = cli("accounts", "add", "sv", "--provider", "sarv", "--base-url", url,
                      "--agent", "098000 00001", "--set", f"user_id={USER}",
                      "--set", "fromRingTime=60", stdin=TOKEN + "\n")  # fmt: skip
        assert refused.returncode == 2 and "code 1550" in refused.stderr
        added = cli("accounts", "add", "sv", "--provider", "sarv", "--base-url", url,
                    "--agent", "098000 00001", "--caller-id", "080-6900-0001",
                    "--set", f"user_id={USER}", "--set", "toRingTime=40",
                    "--set", "timeLimit=600", stdin=TOKEN + "\n")  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert TOKEN not in (dialer_home / "config" / "settings.json").read_text()
        tested = cli("accounts", "test", "sv")
        assert tested.returncode == 0 and "Not checked" in tested.stdout, tested.stderr
        called = cli("call", "+91 98765 43210", "--account", "sv", "--wait", "--json")
        assert called.returncode == 0, called.stderr
        result = json.loads(called.stdout)
        sim = app.state.sarv
        assert result["status"] == "PLACED" and result["provider"] == "sarv"
        assert result["call_id"] == sim.calls[-1].callid and result["from"] == DID
        assert sim.calls[-1].params["toRingTime"] == "40"
        foreign = cli("call", "+1 415 555 0123", "--account", "sv", "--json")
        assert foreign.returncode == 2 and "Indian numbers only" in foreign.stderr
        assert len(sim.calls) == 1


def test_registered_with_honest_capabilities() -> None:
    cls = registry.get("sarv")
    assert cls is SarvProvider and cls.default_base_url == "https://s-ct3.sarv.com"
    caps = cls.capabilities
    assert not (caps.live_status or caps.final_status or caps.hangup or caps.add_leg)
    assert not (caps.recordings or caps.provider_history or caps.caller_id_shuffle)
    assert caps.caller_id_pool
    reasons = cls.missing_reasons
    assert {"live_status", "hangup", "add_leg", "recordings", "dnd_filter"} <= set(reasons)
    assert "not name its parameter" in reasons["dnd_filter"]
