"""The sandbox adapter against the real sandbox process, over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from dialer.domain import (
    AuthError,
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    LegRole,
    LegState,
    NetworkError,
    NotFound,
    ProviderRefused,
)
from dialer.providers.sandbox import SandboxProvider
from dialer.settings import Account

T = TypeVar("T")
SPEED = "40"


@pytest.fixture
def sandbox_url(dialer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", SPEED)
    from dialer.sandbox import process

    yield process.ensure_running_sync()


def run(fn: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient() as client:
            return await fn(client)

    return asyncio.run(main())


def account(url: str | None = None, **settings: object) -> Account:
    return Account(
        name="sb",
        provider="sandbox",
        base_url=url,
        agent="+919800000001",
        caller_ids=["+918069000001"],
        settings=dict(settings),
    )


async def follow(provider: SandboxProvider, snap: CallSnapshot) -> list[CallSnapshot]:
    seen = [snap]
    for _ in range(400):
        if seen[-1].final:
            break
        await asyncio.sleep(provider.poll_interval(seen[-1]))
        fresh = await provider.get_status(seen[-1])
        if fresh != seen[-1]:
            seen.append(fresh)
    return seen


def test_answered_call_full_life(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = SandboxProvider(account(sandbox_url), None, client)
        snap = await provider.place_call(CallRequest(account="sb", to_number="+919876543210"))
        assert snap.status is CallStatus.INITIATED and snap.call_id
        return await follow(provider, snap)

    seen = run(go)
    statuses = [s.status for s in seen]
    assert CallStatus.ANSWER in statuses
    last = seen[-1]
    assert last.final and last.status is CallStatus.ANSWER
    assert last.duration == 8
    assert last.ended_at is not None and last.connected_at is not None
    assert last.recording_url and last.recording_url.endswith(".wav")
    assert [(leg.role, leg.state) for leg in last.legs] == [
        (LegRole.AGENT, LegState.LEFT),
        (LegRole.DESTINATION, LegState.LEFT),
    ]
    # The agent leg joins before the customer leg is dialed.
    agent_joined_first = any(
        s.legs and s.legs[0].state is LegState.JOINED and len(s.legs) <= 2 for s in seen
    )
    assert agent_joined_first


def test_auto_started_sandbox_is_used_without_base_url(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> str:
        return await SandboxProvider(account(None), None, client).test_connection()

    assert "key works" in run(go)


@pytest.mark.parametrize(
    ("number", "status"),
    [("+919876540000", CallStatus.BUSY), ("+919876541111", CallStatus.NO_ANSWER),
     ("+919876542222", CallStatus.FAILED)],
)  # fmt: skip
def test_unanswered_outcomes(sandbox_url: str, number: str, status: CallStatus) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        provider = SandboxProvider(account(sandbox_url, max_ring_time=5), None, client)
        snap = await provider.place_call(CallRequest(account="sb", to_number=number))
        return (await follow(provider, snap))[-1]

    last = run(go)
    assert last.final and last.status is status
    assert last.recording_url is None


def test_hangup_while_ringing_cancels(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> CallSnapshot:
        provider = SandboxProvider(account(sandbox_url), None, client)
        snap = await provider.place_call(CallRequest(account="sb", to_number="+919876543210"))
        await provider.hangup(snap)
        return (await follow(provider, snap))[-1]

    assert run(go).status is CallStatus.CANCELED


def test_add_leg_joins_a_live_call(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> list[CallSnapshot]:
        provider = SandboxProvider(account(sandbox_url), None, client)
        snap = await provider.place_call(CallRequest(account="sb", to_number="+919876543210"))
        leg = await provider.add_leg(snap, "+919123456780")
        assert leg.state is LegState.DIALING
        return await follow(provider, snap)

    seen = run(go)
    numbers = {leg.number for s in seen for leg in s.legs}
    assert "+919123456780" in numbers or "9123456780" in numbers
    assert all(leg.state is LegState.LEFT for leg in seen[-1].legs)


def test_add_leg_after_end_is_refused(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = SandboxProvider(account(sandbox_url), None, client)
        snap = await provider.place_call(CallRequest(account="sb", to_number="+919876540000"))
        await follow(provider, snap)
        await provider.add_leg(snap, "+919123456780")

    with pytest.raises(ProviderRefused, match="CALL_ENDED"):
        run(go)


def test_platform_refusal_is_typed(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = SandboxProvider(account(sandbox_url), None, client)
        await provider.place_call(CallRequest(account="sb", to_number="+919876545020"))

    with pytest.raises(ProviderRefused) as info:
        run(go)
    assert info.value.code == "PLATFORM_ERROR"
    assert info.value.http_status == 502


def test_wrong_key_is_auth_error(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = SandboxProvider(account(sandbox_url), "wrong-key", client)
        await provider.place_call(CallRequest(account="sb", to_number="+919876543210"))

    with pytest.raises(AuthError, match="refused"):
        run(go)

    async def probe(client: httpx.AsyncClient) -> str:
        return await SandboxProvider(account(sandbox_url), "wrong-key", client).test_connection()

    with pytest.raises(AuthError):
        run(probe)


def test_unknown_call_is_not_found(sandbox_url: str) -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = SandboxProvider(account(sandbox_url), None, client)
        snap = CallSnapshot(
            uuid="u",
            account="sb",
            provider="sandbox",
            to_number="+919876543210",
            call_id="5deb67aa-d54d-4536-9a25-a29813b3bddd",
            status=CallStatus.INITIATED,
        )
        await provider.get_status(snap)

    with pytest.raises(NotFound):
        run(go)


def test_agent_and_crm_username_together_are_refused_before_sending() -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = SandboxProvider(
            account("http://127.0.0.1:9", crm_username="agent.7"), None, client
        )
        await provider.place_call(CallRequest(account="sb", to_number="+919876543210"))

    with pytest.raises(ConfigError, match="crm_username"):
        run(go)


def test_dead_port_is_network_error() -> None:
    async def go(client: httpx.AsyncClient) -> None:
        provider = SandboxProvider(account("http://127.0.0.1:9"), None, client)
        await provider.place_call(CallRequest(account="sb", to_number="+919876543210"))

    with pytest.raises(NetworkError, match="could not reach"):
        run(go)
