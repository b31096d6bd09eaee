"""What a call snapshot means in an agent's words: headline, timeline stage, legs, talk time.

Kept apart from the widgets so the rules can be read (and tested) without Qt: a card only
renders what these functions say. Nothing here imports pydantic or Qt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for annotations: the domain pulls in pydantic, which the first paint must not wait for.
    from dialer.domain.models import CallSnapshot, Leg

#: Final statuses in words; the code itself stays visible because agents and logs speak it.
FINAL_WORDS = {
    "ANSWER": "answered",
    "NO_ANSWER": "no answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CANCELED": "canceled",
    "UNKNOWN": "outcome unknown — check before redialing",
    "ENDED": "ended",
    "INTERRUPTED": "interrupted",
    "PLACED": "placed; no live status",
}
FINAL_TONES = {"ANSWER": "ok", "PLACED": "ok", "ENDED": "ok", "UNKNOWN": "warn", "CANCELED": "warn"}

ROLE_WORDS = {"agent": "You (agent)", "destination": "Customer"}
LEG_STATE_WORDS = {
    "DIALING": "ringing",
    "JOINED": "on the call",
    "LEFT": "left",
    "FAILED": "failed",
}

#: The timeline an agent reads at a glance; the last step carries the final status.
STAGES = ("Placing", "Agent ringing", "Customer ringing", "Connected", "Ended")
PLACING, AGENT_RINGING, CUSTOMER_RINGING, CONNECTED, ENDED = range(len(STAGES))


def headline(snapshot: CallSnapshot) -> tuple[str, str]:
    """(text, tone) for the status line: a person's words for what the call is doing."""
    status = snapshot.status.value
    if snapshot.final:
        if status == "PLACED":
            verb = "Call placed"
        elif snapshot.call_id is None and status in ("FAILED", "UNKNOWN"):
            verb = "Call not placed" if status == "FAILED" else "Call request unanswered"
        else:
            verb = "Call ended"
        word = FINAL_WORDS.get(status, status.lower())
        words = "" if word == status.lower() else f" ({word})"  # "BUSY (busy)" says it twice
        return f"{verb} — {status}{words}", FINAL_TONES.get(status, "bad")
    if status == "DIALING":
        return "Placing the call…", "live"
    if status == "QUEUED":
        return "Waiting to send (rate limit)…", "live"
    if status == "ANSWER":
        return "Connected — ANSWER", "ok"
    if status == "INITIATED":
        return _ringing(snapshot.legs), "live"
    if status == "PLACED":
        return "Call placed — waiting for the outcome…", "live"
    return status, "live"


def _ringing(legs: tuple[Leg, ...]) -> str:
    states = {leg.role.value: leg.state.value for leg in legs}
    agent, customer = states.get("agent"), states.get("destination")
    if agent == "DIALING":
        return "Ringing your phone…"
    if agent == "JOINED" and customer in (None, "DIALING"):
        return "Ringing the customer…"
    return "Call initiated — ringing…"


def stage(snapshot: CallSnapshot) -> int:
    """The timeline step this observation shows; a provider without legs rings "the agent"
    first because every click-to-call API rings the agent's phone before the customer's."""
    status = snapshot.status.value
    if snapshot.final:
        return ENDED
    if status in ("DIALING", "QUEUED"):
        return PLACING
    if status == "ANSWER":
        return CONNECTED
    states = {leg.role.value: leg.state.value for leg in snapshot.legs}
    if states.get("agent") == "JOINED" or states.get("destination") is not None:
        return CUSTOMER_RINGING
    return AGENT_RINGING


def reached_before_end(snapshot: CallSnapshot) -> int:
    """How far a call got, judged from one snapshot alone (a final one may be all we see)."""
    if snapshot.connected_at is not None or snapshot.status.value == "ANSWER":
        return CONNECTED
    states = {leg.role.value: leg.state.value for leg in snapshot.legs}
    if states.get("destination") is not None or states.get("agent") in ("JOINED", "LEFT"):
        return CUSTOMER_RINGING
    if snapshot.call_id is not None or snapshot.legs:
        return AGENT_RINGING
    return PLACING


def timeline(snapshot: CallSnapshot, furthest: int) -> list[tuple[str, str]]:
    """(label, state) per step; state is done, current, skipped, todo, or ok/bad/warn for a
    final step. `furthest` is the furthest step an earlier snapshot of the call showed."""
    current = stage(snapshot)
    steps: list[tuple[str, str]] = []
    if snapshot.final:
        reached = max(furthest, reached_before_end(snapshot))
        tone = FINAL_TONES.get(snapshot.status.value, "bad")
        for index, label in enumerate(STAGES[:ENDED]):
            steps.append((label, "done" if index <= reached else "skipped"))
        steps.append((f"Ended · {snapshot.status.value}", tone))
        return steps
    for index, label in enumerate(STAGES):
        if index < current:
            steps.append((label, "done"))
        elif index == current:
            steps.append((label, "current"))
        else:
            steps.append((label, "todo"))
    return steps


def format_talk_time(seconds: float) -> str:
    """mm:ss, growing to h:mm:ss for the rare call past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def talk_seconds(snapshot: CallSnapshot, now: datetime | None = None) -> float:
    if snapshot.final and snapshot.duration is not None:
        return float(snapshot.duration)
    if snapshot.connected_at is None:
        return 0.0
    end = snapshot.ended_at or now or datetime.now(UTC)
    return (end - snapshot.connected_at).total_seconds()


def leg_texts(legs: tuple[Leg, ...]) -> list[str]:
    """One line per leg; the first destination is the customer, later ones were added."""
    texts: list[str] = []
    customer_seen = False
    for leg in legs:
        role = ROLE_WORDS.get(leg.role.value, leg.role.value)
        if leg.role.value == "destination":
            role = "Participant" if customer_seen else role
            customer_seen = True
        state = LEG_STATE_WORDS.get(leg.state.value, leg.state.value.lower())
        texts.append(f"{role}   {leg.number}   ·   {state}")
    return texts


def readable(number: str) -> str:
    """+91 98765 43210 rather than +919876543210; anything else (an endpoint id) as it is."""
    from dialer import numbers  # loaded long before the first call; not before first paint

    parsed = numbers.parse(number)
    return parsed.international if parsed.valid and parsed.international else number


def parties(snapshot: CallSnapshot) -> str:
    """The one line that says who is called, from which number, through which account."""
    parts = [f"To {readable(snapshot.to_number)}"]
    if snapshot.from_number:
        parts.append(f"from {readable(snapshot.from_number)}")
    parts.append(f"via {snapshot.account}")
    return "  ·  ".join(parts)
