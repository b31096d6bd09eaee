"""The sandbox's call model: what a simulated call looks like at any moment.

A call's state is derived from how much simulated time has passed since it was placed, never
advanced by background tasks. That keeps the simulator stateless between requests, lets a fake
clock drive every timeline in tests without sleeping, and lets several sandbox processes that
share one SQLite file agree on every call, because only the facts (creation time, speed,
numbers, hangup moment, added legs) are stored.

Timeline in simulated seconds (the customer is `to_number`):

* agent leg DIALING 0-2, JOINED at 2; customer leg DIALING from 2, JOINED at 5 (ANSWER);
  talk 8 s; at 13 every leg LEFT, duration 8.
* customer ending 0000: BUSY at 4; 2222: FAILED at 3; 1111: rings min(max_ring_time, 15)
  then NO_ANSWER; 5020: the platform refuses to queue the call.
* agent number ending 1111: the agent never answers; NO_ANSWER after min(max_ring_time, 15)
  and the customer is never dialed.
"""

from __future__ import annotations

import math
import sqlite3
import uuid as uuid_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

Clock = Callable[[], datetime]

DB_NAME = "sandbox.db"

AGENT_JOIN_AT = 2.0
CUSTOMER_DIAL_AT = 2.0
CUSTOMER_JOIN_AT = 5.0
TALK_SECONDS = 8.0
BUSY_AFTER = 2.0  # customer dialed at 2, BUSY at 4
FAILED_AFTER = 1.0  # customer dialed at 2, FAILED at 3
ADDED_JOIN_AFTER = 3.0
RING_CAP = 15

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    call_id TEXT PRIMARY KEY,
    uuid TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    agent_number TEXT,
    crm_username TEXT,
    recording INTEGER NOT NULL,
    max_ring_time INTEGER NOT NULL,
    speed REAL NOT NULL,
    created_at REAL NOT NULL,
    hangup_at REAL
);
CREATE TABLE IF NOT EXISTS added_legs (
    call_id TEXT NOT NULL REFERENCES calls(call_id),
    leg_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    max_ring_time INTEGER NOT NULL,
    added_at REAL NOT NULL,
    PRIMARY KEY (call_id, leg_id)
);
"""


class SandboxError(Exception):
    """A refusal the HTTP layer turns into the contract's error body."""

    error_code = "ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CallNotFound(SandboxError):
    error_code = "CALL_NOT_FOUND"


class CallEnded(SandboxError):
    error_code = "CALL_ENDED"


class PlatformError(SandboxError):
    error_code = "PLATFORM_ERROR"


@dataclass(frozen=True)
class LegView:
    role: str  # "agent" | "destination"
    number: str
    status: str  # DIALING | JOINED | LEFT | FAILED


@dataclass(frozen=True)
class CallView:
    """One call as the API reports it at one instant."""

    call_id: str
    uuid: str
    call_status: str
    duration: int
    start_time: datetime | None
    end_time: datetime | None
    legs: tuple[LegView, ...]
    ended: bool
    #: True once an answered call with recording on has ended: the WAV may be served.
    recording_available: bool


@dataclass(frozen=True)
class _Call:
    call_id: str
    uuid: str
    from_number: str
    to_number: str
    agent_number: str | None
    crm_username: str | None
    recording: bool
    max_ring_time: int
    speed: float
    created_at: float
    hangup_at: float | None


@dataclass(frozen=True)
class _AddedLeg:
    number: str
    max_ring_time: int
    added_at: float


@dataclass(frozen=True)
class _LegPlan:
    """When a leg starts ringing, and when it joins or fails (simulated seconds)."""

    role: str
    number: str
    dial_at: float
    settle_at: float
    joins: bool


def digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _ring_limit(max_ring_time: int) -> float:
    return float(min(max_ring_time, RING_CAP))


def _destination_plan(role: str, number: str, dial_at: float, max_ring_time: int) -> _LegPlan:
    """The number rules shared by the customer leg and added legs."""
    tail = digits(number)
    if tail.endswith("0000"):
        return _LegPlan(role, number, dial_at, dial_at + BUSY_AFTER, joins=False)
    if tail.endswith("2222"):
        return _LegPlan(role, number, dial_at, dial_at + FAILED_AFTER, joins=False)
    if tail.endswith("1111"):
        return _LegPlan(role, number, dial_at, dial_at + _ring_limit(max_ring_time), joins=False)
    join_after = CUSTOMER_JOIN_AT - CUSTOMER_DIAL_AT if role == "customer" else ADDED_JOIN_AFTER
    return _LegPlan(role, number, dial_at, dial_at + join_after, joins=True)


def _natural_outcome(call: _Call) -> tuple[str, float, float | None]:
    """(final status, end, connect) of a call nobody hangs up."""
    if call.agent_number is not None and digits(call.agent_number).endswith("1111"):
        return "NO_ANSWER", _ring_limit(call.max_ring_time), None
    tail = digits(call.to_number)
    customer = _destination_plan("customer", call.to_number, CUSTOMER_DIAL_AT, call.max_ring_time)
    if customer.joins:
        return "ANSWER", CUSTOMER_JOIN_AT + TALK_SECONDS, CUSTOMER_JOIN_AT
    if tail.endswith("0000"):
        return "BUSY", customer.settle_at, None
    if tail.endswith("2222"):
        return "FAILED", customer.settle_at, None
    return "NO_ANSWER", customer.settle_at, None


def _leg_plans(call: _Call, added: list[_AddedLeg]) -> list[_LegPlan]:
    agent_number = call.agent_number if call.agent_number is not None else call.crm_username or ""
    if call.agent_number is not None and digits(call.agent_number).endswith("1111"):
        # The agent never picks up, so the customer is never dialed.
        agent = _LegPlan("agent", agent_number, 0.0, _ring_limit(call.max_ring_time), False)
        plans = [agent]
    else:
        plans = [
            _LegPlan("agent", agent_number, 0.0, AGENT_JOIN_AT, joins=True),
            _destination_plan("customer", call.to_number, CUSTOMER_DIAL_AT, call.max_ring_time),
        ]
    plans.extend(
        _destination_plan("added", leg.number, leg.added_at, leg.max_ring_time) for leg in added
    )
    return plans


def _leg_status(plan: _LegPlan, at: float, ended: bool) -> str | None:
    """A leg's status at simulated time `at` (already capped at the call's end)."""
    if at < plan.dial_at:
        return None
    if at >= plan.settle_at:
        if not plan.joins:
            return "FAILED"
        return "LEFT" if ended else "JOINED"
    return "FAILED" if ended else "DIALING"


def _instant(created_at: float, sim_seconds: float, speed: float) -> datetime:
    return datetime.fromtimestamp(created_at + sim_seconds / speed, UTC)


def derive(call: _Call, added: list[_AddedLeg], now: datetime) -> CallView:
    """The whole call at wall-clock `now`: a pure function of the stored facts."""
    sim_now = max(0.0, (now.timestamp() - call.created_at) * call.speed)
    status, end, connect = _natural_outcome(call)
    if call.hangup_at is not None and call.hangup_at < end:
        end = call.hangup_at
        if connect is None or end < connect:
            status, connect = "CANCELED", None
        else:
            status = "ANSWER"
    ended = sim_now >= end
    at = min(sim_now, end)
    connected = connect is not None and at >= connect
    if not ended:
        status = "ANSWER" if connected else "INITIATED"
    duration = 0
    start_time = None
    if connect is not None and connected:
        # A hair of tolerance: float time must not turn 8.0 s of talk into 7.
        duration = math.floor(at - connect + 1e-6)
        start_time = _instant(call.created_at, connect, call.speed)
    legs = []
    for plan in _leg_plans(call, added):
        leg_status = _leg_status(plan, at, ended)
        if leg_status is not None:
            role = "agent" if plan.role == "agent" else "destination"
            legs.append(LegView(role, plan.number, leg_status))
    return CallView(
        call_id=call.call_id,
        uuid=call.uuid,
        call_status=status,
        duration=duration,
        start_time=start_time,
        end_time=_instant(call.created_at, end, call.speed) if ended else None,
        legs=tuple(legs),
        ended=ended,
        recording_available=ended and status == "ANSWER" and call.recording,
    )


def _system_clock() -> datetime:
    return datetime.now(UTC)


class CallEngine:
    """Places, reads and changes simulated calls stored in `<state_dir>/sandbox.db`.

    Each operation opens its own short-lived connection: the HTTP layer calls in from worker
    threads, and other processes may write the same file, so no connection is shared.
    """

    def __init__(self, state_dir: Path, *, speed: float = 1.0, clock: Clock | None = None) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        state_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = state_dir / DB_NAME
        self.speed = speed
        self._clock: Clock = clock or _system_clock
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        finally:
            conn.close()

    def now(self) -> datetime:
        return self._clock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=10.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A read-modify-write under SQLite's write lock, so racing processes serialise."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def create_call(
        self,
        *,
        from_number: str,
        to_number: str,
        uuid: str,
        agent_number: str | None = None,
        crm_username: str | None = None,
        recording: bool = True,
        max_ring_time: int = 30,
    ) -> str:
        """Queue a call and return its call_id; input is assumed already validated."""
        if digits(to_number).endswith("5020"):
            raise PlatformError("The telephony platform could not queue the call")
        call_id = str(uuid_module.uuid4())
        created_at = self.now().timestamp()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    call_id,
                    uuid,
                    from_number,
                    to_number,
                    agent_number,
                    crm_username,
                    int(recording),
                    max_ring_time,
                    self.speed,
                    created_at,
                ),
            )
        return call_id

    def get(self, call_id: str) -> CallView:
        conn = self._connect()
        try:
            call, added = self._load(conn, call_id)
        finally:
            conn.close()
        return derive(call, added, self.now())

    def hangup(self, call_id: str) -> CallView:
        """End a live call now; an ended call refuses (CallEnded)."""
        with self._write() as conn:
            call, added = self._load(conn, call_id)
            now = self.now()
            if derive(call, added, now).ended:
                raise CallEnded("The call has already ended")
            sim_now = max(0.0, (now.timestamp() - call.created_at) * call.speed)
            conn.execute("UPDATE calls SET hangup_at = ? WHERE call_id = ?", (sim_now, call_id))
        return self.get(call_id)

    def add_leg(self, call_id: str, number: str, max_ring_time: int = 30) -> int:
        """Dial one more participant into a live call; returns the leg_id (agent is 1)."""
        with self._write() as conn:
            call, added = self._load(conn, call_id)
            now = self.now()
            if derive(call, added, now).ended:
                raise CallEnded("The call has already ended")
            sim_now = max(0.0, (now.timestamp() - call.created_at) * call.speed)
            leg_id = len(added) + 3  # 1 agent, 2 customer, then the added ones
            conn.execute(
                "INSERT INTO added_legs VALUES (?, ?, ?, ?, ?)",
                (call_id, leg_id, number, max_ring_time, sim_now),
            )
        return leg_id

    def _load(self, conn: sqlite3.Connection, call_id: str) -> tuple[_Call, list[_AddedLeg]]:
        row = conn.execute(
            "SELECT call_id, uuid, from_number, to_number, agent_number, crm_username,"
            " recording, max_ring_time, speed, created_at, hangup_at"
            " FROM calls WHERE call_id = ?",
            (call_id,),
        ).fetchone()
        if row is None:
            raise CallNotFound("Unknown call_id")
        call = _Call(
            call_id=row[0],
            uuid=row[1],
            from_number=row[2],
            to_number=row[3],
            agent_number=row[4],
            crm_username=row[5],
            recording=bool(row[6]),
            max_ring_time=int(row[7]),
            speed=float(row[8]),
            created_at=float(row[9]),
            hangup_at=None if row[10] is None else float(row[10]),
        )
        added = [
            _AddedLeg(number=r[0], max_ring_time=int(r[1]), added_at=float(r[2]))
            for r in conn.execute(
                "SELECT number, max_ring_time, added_at FROM added_legs"
                " WHERE call_id = ? ORDER BY leg_id",
                (call_id,),
            )
        ]
        return call, added
