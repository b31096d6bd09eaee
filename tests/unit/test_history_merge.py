"""Provider-side history merged into the app's history, using the sandbox's own call records.

No provider module offers a history listing yet, so the rows come from the sandbox engine (the
same records its API serves), translated the way a provider's `fetch_history` would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from dialer.domain import CallSnapshot, CallStatus
from dialer.sandbox.engine import CallEngine, CallView
from dialer.services.history import HistoryStore, ProviderCall
from tests.support.live_server import START, FakeClock

BASE = "http://127.0.0.1:9"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "history.sqlite3") as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> CallEngine:
    return CallEngine(tmp_path / "sandbox", clock=clock)


def as_provider_row(view: CallView, *, echo_uuid: bool = True) -> ProviderCall:
    """What a provider's call-history listing says about one sandbox call."""
    customer = next(leg.number for leg in view.legs if leg.role == "destination")
    return ProviderCall(
        call_id=view.call_id,
        uuid=view.uuid if echo_uuid else None,
        to_number=customer,
        status=CallStatus(view.call_status),
        started_at=view.start_time or (view.end_time - timedelta(seconds=20)),
        connected_at=view.start_time,
        ended_at=view.end_time,
        duration=view.duration,
        recording_url=(
            f"{BASE}/recordings/crm_{view.call_id}.wav" if view.recording_available else None
        ),
    )


def place(engine: CallEngine, number: str) -> tuple[str, str]:
    app_uuid = str(uuid.uuid4())
    call_id = engine.create_call(
        from_number="+918069000001",
        to_number=number,
        uuid=app_uuid,
        agent_number="+919800000001",
    )
    return app_uuid, call_id


def app_row(store: HistoryStore, app_uuid: str, number: str, **fields: object) -> None:
    store.record(
        CallSnapshot(
            uuid=app_uuid,
            account="sandbox",
            provider="sandbox",
            to_number=number,
            from_number="+918069000001",
            started_at=START,
            **fields,  # type: ignore[arg-type]
        )
    )


def test_provider_history_fills_in_and_adds_without_duplicates(
    store: HistoryStore, engine: CallEngine, clock: FakeClock
) -> None:
    # A: the app placed it and lost track while it rang (the window was closed).
    a_uuid, a_id = place(engine, "+919876543210")
    app_row(store, a_uuid, "+919876543210", status=CallStatus.INITIATED, call_id=a_id)
    store.set_notes(a_uuid, "asked for the brochure", "interested")
    # B: the app's request timed out: it never learned the call id (status UNKNOWN).
    b_uuid, b_id = place(engine, "+919812340000")
    app_row(store, b_uuid, "+919812340000", status=CallStatus.UNKNOWN, final=True)
    # C: placed from the provider's dashboard; the app never heard of it.
    _, c_id = place(engine, "+919811111111")
    clock.advance(120)
    views = {call_id: engine.get(call_id) for call_id in (a_id, b_id, c_id)}
    assert all(view.ended for view in views.values())

    rows = [
        as_provider_row(views[a_id]),
        as_provider_row(views[b_id], echo_uuid=False),
        as_provider_row(views[c_id], echo_uuid=False),
    ]
    result = store.import_provider_rows("sandbox", "sandbox", rows)
    assert (result.added, result.merged, result.unchanged) == (1, 2, 0)
    assert store.count() == 3

    a = store.get(a_uuid)
    assert a is not None
    assert a.status is CallStatus.ANSWER and a.final
    assert a.duration == views[a_id].duration > 0
    assert a.recording_url == f"{BASE}/recordings/crm_{a_id}.wav"
    assert (a.notes, a.disposition) == ("asked for the brochure", "interested")  # the agent's
    assert a.source == "app"

    b = store.get(b_uuid)
    assert b is not None
    assert b.call_id == b_id  # matched by number and time, now knows its id
    assert b.status is CallStatus.BUSY  # "UNKNOWN" gives way to what really happened

    c = next(e for e in store.recent() if e.call_id == c_id)
    assert c.source == "provider" and c.final
    assert c.status is CallStatus.NO_ANSWER
    assert c.to_number == "+919811111111"
    assert [e.call_id for e in store.recent(search="11111111")] == [c_id]

    again = store.import_provider_rows("sandbox", "sandbox", rows)
    assert (again.added, again.merged, again.unchanged) == (0, 0, 3)
    assert store.count() == 3


def test_the_apps_own_outcome_is_not_overruled(store: HistoryStore) -> None:
    app_row(store, "u1", "+919876543210", status=CallStatus.ANSWER, final=True, call_id="x1")
    row = ProviderCall(call_id="x1", to_number="+919876543210", status=CallStatus.NO_ANSWER)
    result = store.import_provider_rows("sandbox", "sandbox", [row])
    assert result.unchanged == 1
    entry = store.get("u1")
    assert entry is not None and entry.status is CallStatus.ANSWER


def test_an_ambiguous_match_adds_rather_than_guesses(store: HistoryStore) -> None:
    """Two unidentified calls to one number a minute apart: which one is the provider's?"""
    for n, uid in enumerate(("u1", "u2")):
        store.record(
            CallSnapshot(
                uuid=uid,
                account="sandbox",
                provider="sandbox",
                to_number="+919876543210",
                status=CallStatus.UNKNOWN,
                final=True,
                started_at=START + timedelta(minutes=n),
            )
        )
    row = ProviderCall(
        call_id="p1",
        to_number="9876543210",  # national digits, as Alohaa reports them
        status=CallStatus.BUSY,
        started_at=START + timedelta(seconds=30),
    )
    result = store.import_provider_rows("sandbox", "sandbox", [row])
    assert result.added == 1
    added = next(e for e in store.recent() if e.call_id == "p1")
    assert added.to_number == "+919876543210"  # normalised, so number search finds it
    assert {e.uuid for e in store.recent(search="98765 43210")} == {"u1", "u2", added.uuid}


def test_another_providers_uuid_is_not_matched(store: HistoryStore) -> None:
    app_row(store, "u1", "+919876543210", status=CallStatus.INITIATED, call_id="same")
    row = ProviderCall(call_id="same", uuid="u1", to_number="+919876543210",
                       status=CallStatus.ANSWER)  # fmt: skip
    result = store.import_provider_rows("alohaa", "sales", [row])
    assert result.added == 1
    entry = store.get("u1")
    assert entry is not None and entry.status is CallStatus.INITIATED


def test_a_bad_row_rolls_the_whole_import_back(store: HistoryStore) -> None:
    good = ProviderCall(call_id="g1", to_number="+919876543210", status=CallStatus.ANSWER)

    def rows() -> Iterator[ProviderCall]:
        yield good
        raise RuntimeError("the provider's listing broke off")

    with pytest.raises(RuntimeError):
        store.import_provider_rows("sandbox", "sandbox", rows())
    assert store.count() == 0
