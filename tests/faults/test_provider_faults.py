"""Every provider adapter against every way a network or a server can fail.

Each case goes through CallController, as the window and the CLI do, so it proves three things
at once: the error is typed with a readable message, the history row says what happened, and a
request that may have reached the provider is reported as unknown rather than as failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialer import paths
from dialer.domain import CallStatus, DialerError, NetworkError, OutcomeUnknown
from dialer.providers import _http
from dialer.providers.clouddialer import CloudDialerProvider
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore
from dialer.settings import Settings
from tests.faults import accounts, fault_server
from tests.faults.fault_server import FaultServer

FAULTS = ("connect_refused", "connect_timeout", "tls_self_signed", *fault_server.SERVED_FAULTS)

#: The request may have reached the provider: never "failed", always "check before redialing".
MAY_HAVE_ARRIVED = {"read_timeout", "slow_body", "truncated_body"}
#: The request certainly never arrived.
NEVER_ARRIVED = {"connect_refused", "connect_timeout", "tls_self_signed"}
#: Words that mean a raw library exception leaked into what a person reads.
RAW = ("Traceback", "httpx.", "JSONDecodeError", "KeyError", "TypeError", "NoneType")


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    timeout = httpx.Timeout(fault_server.READ_TIMEOUT, connect=fault_server.READ_TIMEOUT)
    monkeypatch.setattr(_http, "DEFAULT_TIMEOUT", timeout)
    monkeypatch.setattr(CloudDialerProvider, "request_timeout", timeout)


@contextlib.contextmanager
def target(fault: str, tmp_path: Path) -> Iterator[tuple[str, FaultServer]]:
    server = FaultServer(mode=fault)
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


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("provider", accounts.PROVIDERS)
def test_fault_ends_in_a_typed_error_and_a_marked_history_row(
    provider: str, fault: str, tmp_path: Path, outcomes: dict[tuple[str, str], str]
) -> None:
    started = time.monotonic()
    with target(fault, tmp_path) as (url, server):
        error, history = dial(provider, url)
    try:
        rows = history.recent(limit=5)
    finally:
        history.close()
    elapsed = time.monotonic() - started

    text = str(error)
    assert text.strip() and len(text) < 400, text
    assert not any(word in text for word in RAW), text
    assert accounts.SECRETS[provider] not in text or not accounts.SECRETS[provider]
    if fault in MAY_HAVE_ARRIVED:
        assert isinstance(error, OutcomeUnknown), f"{type(error).__name__}: {text}"
    if fault in NEVER_ARRIVED:
        assert isinstance(error, NetworkError) and not isinstance(error, OutcomeUnknown), text
    if fault != "http_429":  # only a provider's "slow down" may be retried, after waiting
        assert len(server.requests) == len(set(server.requests)), server.requests
    if fault == "huge_body":
        assert server.huge_sent < fault_server.FIFTY_MB, "the 50 MB body was read whole"
    assert elapsed < 15

    status = "-"
    if rows:  # a fault during sign-in (before the call request) leaves no row: nothing was sent
        (row,) = rows
        assert row.final, row
        expected = CallStatus.UNKNOWN if isinstance(error, OutcomeUnknown) else CallStatus.FAILED
        assert row.status is expected, (row.status, text)
        assert row.message and text in row.message
        if expected is CallStatus.UNKNOWN:
            assert "check before redialing" in row.message
        status = row.status.value
    outcomes[(provider, fault)] = f"{type(error).__name__}/{status}"
