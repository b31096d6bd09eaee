"""CallController against the real sandbox process: write-ahead, following, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialer import paths, settings
from dialer.domain import CallSnapshot, CallStatus, DialerError, InvalidNumber, ProviderRefused
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore


@pytest.fixture
def fast_sandbox(dialer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "40")
    yield


@pytest.fixture
def history(dialer_home: Path) -> Iterator[HistoryStore]:
    store = HistoryStore(paths.history_db())
    yield store
    store.close()


def test_row_is_written_before_the_request_leaves(
    fast_sandbox: None, history: HistoryStore
) -> None:
    seen_at_send: list[CallStatus | None] = []

    async def on_request(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path == "/calls":
            rows = history.recent(limit=5)
            seen_at_send.append(rows[0].status if rows else None)

    async def go() -> CallSnapshot:
        async with httpx.AsyncClient(event_hooks={"request": [on_request]}) as client:
            controller = CallController(settings.load(), history, client)
            return await controller.dial("+91 98765 43210")

    final = asyncio.run(go())
    assert seen_at_send == [CallStatus.DIALING]
    assert final.status is CallStatus.ANSWER and final.final
    row = history.get(final.uuid)
    assert row is not None and row.final and row.duration == 8
    assert row.call_id == final.call_id


def test_listeners_see_every_stage_in_order(fast_sandbox: None, history: HistoryStore) -> None:
    statuses: list[CallStatus] = []

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            controller = CallController(settings.load(), history, client)
            controller.add_listener(lambda s: statuses.append(s.status))
            await controller.dial("9876543210")
            assert controller.live() == {}

    asyncio.run(go())
    assert statuses[0] is CallStatus.DIALING
    assert statuses[1] is CallStatus.INITIATED
    assert CallStatus.ANSWER in statuses
    assert statuses.index(CallStatus.INITIATED) < statuses.index(CallStatus.ANSWER)


def test_invalid_number_sends_nothing(history: HistoryStore) -> None:
    async def go() -> None:
        async with httpx.AsyncClient() as client:
            CallController(settings.load(), history, client).prepare("hello")

    with pytest.raises(InvalidNumber):
        asyncio.run(go())
    assert history.recent() == []


def test_refusal_is_recorded_as_failed(fast_sandbox: None, history: HistoryStore) -> None:
    async def go() -> None:
        async with httpx.AsyncClient() as client:
            await CallController(settings.load(), history, client).dial("9876545020")

    with pytest.raises(ProviderRefused):
        asyncio.run(go())
    [row] = history.recent()
    assert row.status is CallStatus.FAILED and row.final
    assert "PLATFORM_ERROR" in row.message


def test_a_second_dial_while_placing_is_refused(fast_sandbox: None, history: HistoryStore) -> None:
    async def go() -> list[object]:
        async with httpx.AsyncClient() as client:
            controller = CallController(settings.load(), history, client)
            return await asyncio.gather(
                controller.dial("9876543210", follow=False),
                controller.dial("98765 43210", follow=False),
                return_exceptions=True,
            )

    results = asyncio.run(go())
    errors = [r for r in results if isinstance(r, DialerError)]
    assert len(errors) == 1 and "already being placed" in str(errors[0])
    assert len(history.recent()) == 1


def test_hangup_through_the_controller(fast_sandbox: None, history: HistoryStore) -> None:
    async def go() -> CallSnapshot:
        async with httpx.AsyncClient() as client:
            controller = CallController(settings.load(), history, client)
            placed = await controller.dial("9876543210", follow=False)
            await controller.hangup(placed.uuid)
            return await controller.follow(placed)

    assert asyncio.run(go()).status is CallStatus.CANCELED


@pytest.mark.parametrize(
    ("provider", "number", "reason"),
    [
        ("clouddialer", "+44 20 7946 0958", "Indian"),
        ("alohaa", "+44 20 7946 0958", "Indian"),
        ("acefone", "+91 98765 43210", "UK"),
        ("sandbox", "12", "too short"),
    ],
)
def test_numbers_a_provider_cannot_dial_are_refused_before_any_trace(
    history: HistoryStore, provider: str, number: str, reason: str
) -> None:
    conf = settings.load()
    conf.accounts.append(
        settings.Account(name="p", provider=provider, base_url="http://127.0.0.1:9")
    )

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            CallController(conf, history, client).prepare(number, account="p")

    with pytest.raises(InvalidNumber, match=reason):
        asyncio.run(go())
    assert history.recent() == []


def test_secret_is_read_off_the_event_loop_thread_and_cached(history: HistoryStore) -> None:
    import threading

    conf = settings.load()
    conf.accounts.append(
        settings.Account(
            name="c",
            provider="clouddialer",
            base_url="http://127.0.0.1:9",
            agent="+919800000001",
            caller_ids=["+918069000001"],
        )
    )
    threads: list[threading.Thread] = []

    def lookup(account: str) -> str:
        threads.append(threading.current_thread())
        return "k3y-for-test"

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            controller = CallController(conf, history, client, secret_lookup=lookup)
            for _ in range(2):
                with pytest.raises(DialerError, match="could not reach"):
                    await controller.dial("9876543210", account="c", follow=False)

    asyncio.run(go())
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()


def test_no_stored_secret_is_said_from_one_read_off_the_event_loop(
    history: HistoryStore,
) -> None:
    import threading

    from dialer.domain import CredentialsUnavailable

    conf = settings.load()
    account = settings.Account(
        name="c", provider="clouddialer", base_url="http://127.0.0.1:9",
        agent="+919800000001", caller_ids=["+918069000001"],
    )  # fmt: skip
    conf.accounts.append(account)
    threads: list[threading.Thread] = []

    def lookup(name: str) -> None:
        threads.append(threading.current_thread())
        return None

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            controller = CallController(conf, history, client, secret_lookup=lookup)
            with pytest.raises(CredentialsUnavailable, match="no secret stored for account 'c'"):
                await controller.provider(account)

    asyncio.run(go())
    assert len(threads) == 1 and threads[0] is not threading.main_thread()


def test_add_leg_passes_the_chosen_ring_time(fast_sandbox: None, history: HistoryStore) -> None:
    import json

    bodies: list[dict[str, object]] = []

    async def on_request(request: httpx.Request) -> None:
        if request.url.path.endswith("/add-leg"):
            bodies.append(json.loads(request.content))

    async def go() -> None:
        async with httpx.AsyncClient(event_hooks={"request": [on_request]}) as client:
            controller = CallController(settings.load(), history, client)
            placed = await controller.dial("9876543210", follow=False)
            await controller.add_leg(placed.uuid, "91234 56780", ring_time=45)
            await controller.add_leg(placed.uuid, "91234 56781")
            await controller.hangup(placed.uuid)

    asyncio.run(go())
    assert [b["max_ring_time"] for b in bodies] == [45, 30]
    assert bodies[0]["number"] == "+919123456780"
