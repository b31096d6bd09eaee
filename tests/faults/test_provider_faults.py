"""Every provider adapter against every way a network or a server can fail.

Each case goes through CallController, as the window and the CLI do, so it proves three things
at once: the error is typed with a readable message, the history row says what happened, and a
request that may have reached the provider is reported as unknown rather than as failed.

The rule, the same for every adapter (`dialer.providers._http.call_reply`): a fault on the
request that places the call (a timeout, a cut or unreadable body, a 5xx) is OutcomeUnknown,
sent once and never re-sent; a 429 or a provider's own rate-limit code is a refusal (nothing
rang); a fault before the call request (Kazoo's sign-in) is a plain failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dialer import paths
from dialer.domain import (
    CallStatus,
    DialerError,
    NetworkError,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
)
from dialer.providers import _http, alohaa
from dialer.providers.alohaa_wire import AlohaaSettings
from dialer.providers.clouddialer import CloudDialerProvider
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore
from dialer.settings import Settings
from tests.faults import accounts, fault_server
from tests.faults.fault_server import FaultServer

FAULTS = ("connect_refused", "connect_timeout", "tls_self_signed", *fault_server.SERVED_FAULTS)

#: The request never arrived: a plain failure whatever the request was.
NEVER_ARRIVED = {"connect_refused", "connect_timeout", "tls_self_signed"}
#: The provider refused to act and said so: nothing was placed.
RATE_LIMITS = {"http_429", "provider_rate_limit"}
#: Words that mean a raw library exception leaked into what a person reads.
RAW = ("Traceback", "httpx.", "JSONDecodeError", "KeyError", "TypeError", "NoneType")

#: Each provider's own documented "slow down" reply inside an HTTP 200, word for word from its
#: document. Only Alohaa documents one (1046, `alohaa-click-2-call.md`); Sarv's, Acefone's, the
#: Click-to-Call contract's and Kazoo's error tables have no rate-limit code, so those cells
#: stay "-" rather than testing a body nobody promised.
RATE_LIMIT_BODIES = {
    "alohaa": json.dumps(
        {
            "success": False,
            "error": {"code": 1046, "reason": "Rate limit exceeded. Please try again later."},
        }
    ),
}

#: The request that places the call, per provider: the one the shared rule is about.
CALL_REQUESTS = {
    "clouddialer": "/calls",
    "sandbox": "/calls",
    "alohaa": "/v1/external/click-2-call",
    "sarv": "/v2/clickToCall/para",
    "acefone": "/v1/click_to_call",
    "kazoo": "/connect",
}
#: Alohaa documents "exponential backoff" for 1046 and retries it this many times (its
#: account default), spaced; no other provider re-sends anything.
ALOHAA_RETRIES = AlohaaSettings().rate_limit_retries

KAZOO_TOKEN = "kz-fault-token"
KAZOO_SIGN_IN = "/v2/api_auth"


def kazoo_healthy(method: str, path: str) -> tuple[int, str] | None:
    """Kazoo's sign-in and endpoint look-up answered well: only `/connect` meets the fault."""
    if path == KAZOO_SIGN_IN:
        body = {"auth_token": KAZOO_TOKEN, "data": {"account_id": "0" * 32}, "status": "success"}
        return 201, json.dumps(body)
    if method == "GET" and "/clicktocall/" in path:
        endpoint = {"id": path.rsplit("/", 1)[1], "name": "fault", "extension": "1001"}
        return 200, json.dumps({"data": endpoint, "status": "success"})
    return None


@dataclass(frozen=True)
class Case:
    """One cell of the table: a provider, a fault, and which of its requests meets it."""

    provider: str
    fault: str
    #: "call": the fault meets the call request (every provider's first request, or Kazoo's
    #: `/connect` after a good sign-in); "sign-in": Kazoo's token request, before any call.
    meets: str = "call"

    @property
    def column(self) -> str:
        return f"kazoo ({self.meets})" if self.provider == "kazoo" else self.provider

    @property
    def id(self) -> str:
        return f"{self.column}-{self.fault}".replace(" ", "")


def cases() -> list[Case]:
    found: list[Case] = []
    for provider in accounts.PROVIDERS:
        for fault in FAULTS:
            if fault == "provider_rate_limit" and provider not in RATE_LIMIT_BODIES:
                continue  # undocumented: "-" in the table
            # Every path faults; Kazoo's first request is its sign-in.
            found.append(Case(provider, fault, "sign-in" if provider == "kazoo" else "call"))
    for fault in fault_server.SERVED_FAULTS:
        if fault != "provider_rate_limit":  # Kazoo documents no rate-limit code
            found.append(Case("kazoo", fault, "call"))
    return found


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    timeout = httpx.Timeout(fault_server.READ_TIMEOUT, connect=fault_server.READ_TIMEOUT)
    monkeypatch.setattr(_http, "DEFAULT_TIMEOUT", timeout)
    monkeypatch.setattr(CloudDialerProvider, "request_timeout", timeout)
    # Alohaa's spacing and backoff keep their logic and count, only on a shorter clock.
    monkeypatch.setattr(alohaa, "REQUEST_SPACING", 0.02)
    monkeypatch.setattr(alohaa, "BACKOFF_BASE", 0.01)
    monkeypatch.setattr(alohaa, "BACKOFF_CAP", 0.05)


@contextlib.contextmanager
def target(case: Case, tmp_path: Path) -> Iterator[tuple[str, FaultServer]]:
    server = FaultServer(mode=case.fault, rate_limit_body=RATE_LIMIT_BODIES.get(case.provider))
    if case.provider == "kazoo" and case.meets == "call":
        server.healthy = kazoo_healthy
    fault = case.fault
    if fault == "connect_refused":
        yield fault_server.refused_url(), server
    elif fault == "connect_timeout":
        with fault_server.blackhole() as url:
            yield url, server
    elif fault == "tls_self_signed":
        with fault_server.serve(server, tls=fault_server.self_signed(tmp_path)) as url:
            yield url, server
    else:
        with fault_server.serve(server) as url:
            yield url, server


def dial(provider: str, url: str) -> tuple[DialerError, HistoryStore]:
    account = accounts.account(provider, url)
    settings = Settings(accounts=[account], default_account=account.name)
    history = HistoryStore(paths.history_db())

    async def go() -> DialerError:
        async with httpx.AsyncClient() as client:
            controller = CallController(
                settings, history, client, secret_lookup=lambda _: accounts.SECRETS[provider]
            )
            request = controller.prepare(accounts.number(provider))
            try:
                snapshot = await controller.place(request)
                await asyncio.wait_for(controller.follow(snapshot), 5)
            except DialerError as exc:
                return exc
        raise AssertionError(f"{provider} accepted a call from a faulty server")

    return asyncio.run(go()), history


def call_sends(case: Case, server: FaultServer) -> int:
    return sum(
        method == "POST" and path.endswith(CALL_REQUESTS[case.provider])
        for method, path in server.requests
    )


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_fault_ends_in_a_typed_error_and_a_marked_history_row(
    case: Case, tmp_path: Path, outcomes: dict[tuple[str, str], str]
) -> None:
    provider, fault = case.provider, case.fault
    with target(case, tmp_path) as (url, server):
        error, history = dial(provider, url)
    try:
        rows = history.recent(limit=5)
    finally:
        history.close()

    text = str(error)
    name = type(error).__name__
    assert text.strip() and len(text) < 400, text
    assert not any(word in text for word in RAW), text
    assert accounts.SECRETS[provider] not in text or not accounts.SECRETS[provider]
    assert KAZOO_TOKEN not in text
    if fault in NEVER_ARRIVED:
        assert isinstance(error, NetworkError) and not isinstance(error, OutcomeUnknown), text
    elif fault in RATE_LIMITS:
        # Refused before anything rang: a refusal that says why, never "unknown".
        assert isinstance(error, RateLimited), f"{name}: {text}"
        assert re.search(r"rate limit|slow down", text, re.IGNORECASE), text
    elif case.meets == "sign-in":
        # No call request was sent, so no call can exist: a plain failure.
        assert not isinstance(error, OutcomeUnknown), f"{name}: {text}"
        assert isinstance(error, NetworkError | ProviderRefused | ProviderReplyError), name
    else:
        # The call request may have reached the provider and rung: "check before redialing".
        assert isinstance(error, OutcomeUnknown), f"{name}: {text}"

    if fault not in NEVER_ARRIVED:
        if case.meets == "sign-in":
            assert call_sends(case, server) == 0, server.requests
            assert {path for _, path in server.requests} == {KAZOO_SIGN_IN}, server.requests
        else:
            # Never a blind re-send: once, or Alohaa's documented backoff for its rate limit.
            retried = provider == "alohaa" and fault in RATE_LIMITS
            assert call_sends(case, server) == (ALOHAA_RETRIES + 1 if retried else 1), (
                server.requests
            )
    if fault == "huge_body":
        assert server.huge_sent < fault_server.FIFTY_MB, "the 50 MB body was read whole"

    (row,) = rows  # written before the first request left, whatever happened next
    assert row.final, row
    expected = CallStatus.UNKNOWN if isinstance(error, OutcomeUnknown) else CallStatus.FAILED
    assert row.status is expected, (row.status, text)
    assert row.message and text in row.message
    if expected is CallStatus.UNKNOWN:
        assert "check before redialing" in row.message
    outcomes[(case.column, fault)] = f"{name}/{row.status.value}"
