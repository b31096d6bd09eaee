"""The sandbox call model, driven by a fake clock: every timeline without a single sleep."""

from __future__ import annotations

import io
import sqlite3
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dialer.sandbox import wav
from dialer.sandbox.engine import (
    DB_NAME,
    CallEnded,
    CallEngine,
    CallNotFound,
    CallView,
    PlatformError,
)

START = datetime(2026, 7, 3, 10, 0, 0, tzinfo=UTC)
CUSTOMER = "9876543210"
AGENT = "9876543211"


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, wall_seconds: float) -> None:
        self.now = START + timedelta(seconds=wall_seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> CallEngine:
    return CallEngine(tmp_path, clock=clock)


def place(engine: CallEngine, to_number: str = CUSTOMER, **kwargs: object) -> str:
    options: dict[str, object] = {"agent_number": AGENT, **kwargs}
    return engine.create_call(
        from_number="919800000000",
        to_number=to_number,
        uuid="crm-1",
        **options,  # type: ignore[arg-type]
    )


def legs(view: CallView) -> list[tuple[str, str, str]]:
    return [(leg.role, leg.number, leg.status) for leg in view.legs]


def at(engine: CallEngine, clock: FakeClock, call_id: str, seconds: float) -> CallView:
    clock.at(seconds)
    return engine.get(call_id)


def test_answered_call_timeline(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)

    view = at(engine, clock, call_id, 0)
    assert (view.call_status, view.duration, view.start_time, view.end_time) == (
        "INITIATED",
        0,
        None,
        None,
    )
    assert legs(view) == [("agent", AGENT, "DIALING")]
    assert view.uuid == "crm-1" and not view.ended and not view.recording_available

    view = at(engine, clock, call_id, 2)
    assert view.call_status == "INITIATED"
    assert legs(view) == [("agent", AGENT, "JOINED"), ("destination", CUSTOMER, "DIALING")]
    assert at(engine, clock, call_id, 4.9).call_status == "INITIATED"

    view = at(engine, clock, call_id, 5)
    assert (view.call_status, view.duration) == ("ANSWER", 0)
    assert view.start_time == START + timedelta(seconds=5)
    assert view.end_time is None
    assert legs(view) == [("agent", AGENT, "JOINED"), ("destination", CUSTOMER, "JOINED")]

    view = at(engine, clock, call_id, 9.5)
    assert (view.call_status, view.duration, view.ended) == ("ANSWER", 4, False)

    for seconds in (13, 500):
        view = at(engine, clock, call_id, seconds)
        assert (view.call_status, view.duration, view.ended) == ("ANSWER", 8, True)
        assert view.start_time == START + timedelta(seconds=5)
        assert view.end_time == START + timedelta(seconds=13)
        assert legs(view) == [("agent", AGENT, "LEFT"), ("destination", CUSTOMER, "LEFT")]
        assert view.recording_available


def test_speed_scales_wall_time_not_simulated_durations(tmp_path: Path, clock: FakeClock) -> None:
    engine = CallEngine(tmp_path, speed=4.0, clock=clock)
    call_id = place(engine)
    view = at(engine, clock, call_id, 1.25)
    assert view.call_status == "ANSWER"
    assert view.start_time == START + timedelta(seconds=1.25)
    view = at(engine, clock, call_id, 3.25)
    assert (view.ended, view.duration) == (True, 8)
    assert view.end_time == START + timedelta(seconds=3.25)


def test_recording_off_means_no_recording(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine, recording=False)
    view = at(engine, clock, call_id, 20)
    assert view.call_status == "ANSWER" and view.ended
    assert not view.recording_available


def test_crm_username_is_the_agent_legs_number(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine, agent_number=None, crm_username="agent.017")
    assert legs(at(engine, clock, call_id, 6))[0] == ("agent", "agent.017", "JOINED")


def test_busy_customer(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine, "9876540000")
    view = at(engine, clock, call_id, 3.9)
    assert view.call_status == "INITIATED"
    assert legs(view) == [("agent", AGENT, "JOINED"), ("destination", "9876540000", "DIALING")]
    view = at(engine, clock, call_id, 4)
    assert (view.call_status, view.duration, view.start_time) == ("BUSY", 0, None)
    assert view.end_time == START + timedelta(seconds=4)
    assert legs(view) == [("agent", AGENT, "LEFT"), ("destination", "9876540000", "FAILED")]
    assert not view.recording_available


def test_failed_customer(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine, "9876542222")
    assert at(engine, clock, call_id, 2.9).call_status == "INITIATED"
    view = at(engine, clock, call_id, 3)
    assert view.call_status == "FAILED"
    assert view.end_time == START + timedelta(seconds=3)
    assert legs(view) == [("agent", AGENT, "LEFT"), ("destination", "9876542222", "FAILED")]


@pytest.mark.parametrize(("max_ring_time", "rings"), [(30, 15), (8, 8), (15, 15)])
def test_unanswered_customer_rings_capped(
    engine: CallEngine, clock: FakeClock, max_ring_time: int, rings: int
) -> None:
    call_id = place(engine, "9876541111", max_ring_time=max_ring_time)
    view = at(engine, clock, call_id, 2 + rings - 0.1)
    assert view.call_status == "INITIATED"
    assert legs(view)[1] == ("destination", "9876541111", "DIALING")
    view = at(engine, clock, call_id, 2 + rings)
    assert view.call_status == "NO_ANSWER"
    assert view.end_time == START + timedelta(seconds=2 + rings)
    assert legs(view) == [("agent", AGENT, "LEFT"), ("destination", "9876541111", "FAILED")]


def test_agent_who_never_answers(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine, agent_number="9876501111", max_ring_time=10)
    view = at(engine, clock, call_id, 9.9)
    assert view.call_status == "INITIATED"
    assert legs(view) == [("agent", "9876501111", "DIALING")]
    view = at(engine, clock, call_id, 10)
    assert view.call_status == "NO_ANSWER"
    assert view.end_time == START + timedelta(seconds=10)
    assert legs(view) == [("agent", "9876501111", "FAILED")]


def test_platform_refusal_creates_no_call(engine: CallEngine) -> None:
    with pytest.raises(PlatformError) as caught:
        place(engine, "9876545020")
    assert caught.value.error_code == "PLATFORM_ERROR"
    assert caught.value.message == "The telephony platform could not queue the call"
    with sqlite3.connect(engine.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM calls").fetchone() == (0,)


def test_hangup_while_agent_rings_cancels(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)
    clock.at(1)
    view = engine.hangup(call_id)
    assert (view.call_status, view.ended, view.start_time) == ("CANCELED", True, None)
    assert view.end_time == clock.now
    assert legs(view) == [("agent", AGENT, "FAILED")]
    assert legs(at(engine, clock, call_id, 30)) == [("agent", AGENT, "FAILED")]


def test_hangup_while_customer_rings_cancels(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)
    clock.at(3)
    view = engine.hangup(call_id)
    assert view.call_status == "CANCELED"
    assert view.end_time == clock.now
    assert legs(view) == [("agent", AGENT, "LEFT"), ("destination", CUSTOMER, "FAILED")]
    assert not view.recording_available


def test_hangup_while_talking_keeps_talk_time(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)
    clock.at(9.5)
    view = engine.hangup(call_id)
    assert (view.call_status, view.duration, view.ended) == ("ANSWER", 4, True)
    assert view.end_time == clock.now
    assert view.start_time == START + timedelta(seconds=5)
    assert legs(view) == [("agent", AGENT, "LEFT"), ("destination", CUSTOMER, "LEFT")]
    assert view.recording_available
    assert at(engine, clock, call_id, 60).duration == 4


def test_hangup_of_an_ended_call_is_refused(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)
    clock.at(1)
    engine.hangup(call_id)
    with pytest.raises(CallEnded):
        engine.hangup(call_id)
    other = place(engine, "9876540000")
    clock.at(30)
    with pytest.raises(CallEnded) as caught:
        engine.hangup(other)
    assert caught.value.error_code == "CALL_ENDED"


def test_add_leg_joins_then_leaves(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)
    clock.at(6)
    assert engine.add_leg(call_id, "9123456780") == 3
    view = engine.get(call_id)
    assert legs(view)[2] == ("destination", "9123456780", "DIALING")
    assert legs(at(engine, clock, call_id, 8.9))[2][2] == "DIALING"
    assert legs(at(engine, clock, call_id, 9))[2][2] == "JOINED"
    view = at(engine, clock, call_id, 13)
    assert view.call_status == "ANSWER" and view.duration == 8
    assert [leg.status for leg in view.legs] == ["LEFT", "LEFT", "LEFT"]
    assert len(view.legs) == 3


@pytest.mark.parametrize(
    ("number", "fails_after"), [("9123450000", 2), ("9123452222", 1), ("9123451111", 10)]
)
def test_added_leg_number_rules(
    engine: CallEngine, clock: FakeClock, number: str, fails_after: float
) -> None:
    call_id = place(engine)
    clock.at(1)
    engine.add_leg(call_id, number, max_ring_time=10)
    assert legs(at(engine, clock, call_id, 1 + fails_after - 0.1))[-1][2] == "DIALING"
    view = at(engine, clock, call_id, 1 + fails_after)
    assert legs(view)[-1] == ("destination", number, "FAILED")
    assert not view.ended  # the call itself is unaffected
    assert at(engine, clock, call_id, 13).call_status == "ANSWER"


def test_added_leg_still_ringing_when_call_ends_fails(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)
    clock.at(11)
    assert engine.add_leg(call_id, "+14155550123") == 3
    clock.at(11.5)
    assert engine.add_leg(call_id, "9123456780") == 4
    view = at(engine, clock, call_id, 13)
    assert [leg.status for leg in view.legs] == ["LEFT", "LEFT", "FAILED", "FAILED"]


def test_add_leg_refused_on_ended_or_unknown_call(engine: CallEngine, clock: FakeClock) -> None:
    call_id = place(engine)
    clock.at(13)
    with pytest.raises(CallEnded):
        engine.add_leg(call_id, "9123456780")
    with pytest.raises(CallNotFound) as caught:
        engine.add_leg("5deb67aa-d54d-4536-9a25-a29813b3bddd", "9123456780")
    assert caught.value.error_code == "CALL_NOT_FOUND"
    with pytest.raises(CallNotFound):
        engine.get("not-a-call")
    with pytest.raises(CallNotFound):
        engine.hangup("5deb67aa-d54d-4536-9a25-a29813b3bddd")


def test_calls_outlive_the_engine_and_agree_across_instances(
    tmp_path: Path, clock: FakeClock
) -> None:
    first = CallEngine(tmp_path, speed=2.0, clock=clock)
    call_id = place(first)
    clock.at(1.5)  # sim 3 s
    first.add_leg(call_id, "9123456780")
    # A second process with another speed: the call keeps the speed it was placed with.
    second = CallEngine(tmp_path, speed=1.0, clock=clock)
    view = second.get(call_id)
    assert legs(view) == [
        ("agent", AGENT, "JOINED"),
        ("destination", CUSTOMER, "DIALING"),
        ("destination", "9123456780", "DIALING"),
    ]
    clock.at(4)  # sim 8 s
    second.hangup(call_id)
    view = first.get(call_id)
    assert (view.call_status, view.duration, view.ended) == ("ANSWER", 3, True)
    assert first.get(call_id) == second.get(call_id)
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_speed_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        CallEngine(tmp_path, speed=0)


# --- recordings ------------------------------------------------------------------------------


def read_wav(data: bytes) -> tuple[int, int, int, float]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return (
            w.getnchannels(),
            w.getsampwidth(),
            w.getframerate(),
            w.getnframes() / w.getframerate(),
        )


@pytest.mark.parametrize(("duration", "seconds"), [(8, 6.0), (3, 3.0), (0, 1.0), (60, 6.0)])
def test_recording_is_a_short_real_wav(tmp_path: Path, duration: int, seconds: float) -> None:
    path = wav.recording_path(tmp_path, "5deb67aa-d54d-4536-9a25-a29813b3bddd", duration)
    assert path.name == "crm_5deb67aa-d54d-4536-9a25-a29813b3bddd.wav"
    channels, width, rate, length = read_wav(path.read_bytes())
    assert (channels, width, rate) == (1, 2, 8000)
    assert length == pytest.approx(seconds)


def test_recording_is_deterministic_audible_and_cached(tmp_path: Path) -> None:
    first = wav.render("call-a", 2)
    assert first == wav.render("call-a", 2)
    assert first != wav.render("call-b", 2)
    loudest = max(
        abs(int.from_bytes(first[i : i + 2], "little", signed=True))
        for i in range(0, len(first), 2)
    )
    assert loudest > 3000  # not silence

    path = wav.recording_path(tmp_path, "call-a", 2)
    path.write_bytes(b"cached")  # a second request must not regenerate
    assert wav.recording_path(tmp_path, "call-a", 2).read_bytes() == b"cached"
    assert not list(tmp_path.glob("*.tmp"))
