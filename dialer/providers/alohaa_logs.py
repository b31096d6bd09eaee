"""Reading a call's outcome from Alohaa's call logs, the only place Alohaa reports it.

`GET /v1/external/click-2-call-logs?page_no=&page_size=&caller_number=` lists `call_logs[]`
with `status`, `call_duration` and `recording_url` (Alohaa's public docs). Nothing else about a
row is documented, so matching uses the strongest evidence present:

1. the row names the call: `reference_id` or `call_id` equal to ours, or `metadata` carrying
   our uuid (the adapter sends it as `dialer_call_uuid`);
2. otherwise the row is to the same receiver, started at or after the call was placed (less a
   little clock skew), and carries no other dialer call's uuid; the newest such row wins.

A row that has neither identity nor a readable start time never matches: an older call to the
same person must not pass for this one. Row times may be ISO 8601 (naive ones are taken as
India time, where Alohaa runs) or epoch seconds or milliseconds.

Status mapping (`status`, or `call_status` as in the outgoing-call webhook), case- and
separator-insensitive: answered → ANSWER; notanswered, noanswer, unanswered, missed →
NO_ANSWER; busy → BUSY; failed → FAILED; cancelled, canceled → CANCELED. Any other word: the
call is over but its outcome unknown, so ENDED with the word in the message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from dialer import numbers
from dialer.domain import CallSnapshot, CallStatus, ProviderCall, ProviderReplyError

LOGS_PATH = "/v1/external/click-2-call-logs"
PAGE_SIZE = 20
#: How much earlier than our request a row may say it started (clocks differ a little).
CLOCK_SKEW = timedelta(seconds=5)
APP_METADATA_KEY = "dialer_call_uuid"
IST = timezone(timedelta(hours=5, minutes=30))

_STATUS = {
    "answered": CallStatus.ANSWER,
    "notanswered": CallStatus.NO_ANSWER,
    "noanswer": CallStatus.NO_ANSWER,
    "unanswered": CallStatus.NO_ANSWER,
    "missed": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "failed": CallStatus.FAILED,
    "cancelled": CallStatus.CANCELED,
    "canceled": CallStatus.CANCELED,
}
_WORDS = {
    CallStatus.ANSWER: "answered",
    CallStatus.NO_ANSWER: "not answered",
    CallStatus.BUSY: "busy",
    CallStatus.FAILED: "failed",
    CallStatus.CANCELED: "canceled",
}
_START_KEYS = ("received_at", "start_time", "started_at", "created_at", "call_start_time")
_END_KEYS = ("ended_at", "end_time", "call_end_time")


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The `call_logs` list, at the top level or inside `response` / `data`."""
    found: Any = data.get("call_logs")
    for envelope in ("response", "data"):
        inner = data.get(envelope)
        if found is None and isinstance(inner, dict):
            found = inner.get("call_logs")
    if found is None:
        raise ProviderReplyError("Alohaa's call-log reply has no call_logs")
    if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
        raise ProviderReplyError("Alohaa sent call logs in an unexpected shape")
    return found


def parse_time(value: Any) -> datetime | None:
    """A row time, or None when absent or unreadable (then the row cannot be placed in time)."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        return parse_time(int(text))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)


def _first_time(row: dict[str, Any], keys: tuple[str, ...]) -> datetime | None:
    for key in keys:
        moment = parse_time(row.get(key))
        if moment is not None:
            return moment
    return None


def _national(value: Any) -> str:
    return numbers.digits_only(str(value))[-10:] if value is not None else ""


def _dialer_uuid(row: dict[str, Any]) -> str | None:
    metadata = row.get("metadata")
    if isinstance(metadata, dict):
        value = metadata.get(APP_METADATA_KEY)
        return str(value) if value is not None else None
    return None


def _names_call(row: dict[str, Any], current: CallSnapshot) -> bool:
    ids = {str(row.get("reference_id")), str(row.get("call_id"))}
    return bool(current.call_id and current.call_id in ids) or _dialer_uuid(row) == current.uuid


def match(
    found: list[dict[str, Any]], current: CallSnapshot, placed_at: datetime
) -> dict[str, Any] | None:
    """The row that reports `current`, or None (see the module docstring for the rules)."""
    ours = [row for row in found if _names_call(row, current)]
    if ours:
        return ours[0]
    receiver = _national(current.to_number)
    candidates: list[tuple[datetime, dict[str, Any]]] = []
    for row in found:
        started = _first_time(row, _START_KEYS)
        if (
            started is not None
            and started >= placed_at - CLOCK_SKEW
            and _national(row.get("receiver_number")) == receiver
            and _dialer_uuid(row) is None
        ):
            candidates.append((started, row))
    if not candidates:
        return None
    return max(candidates, key=lambda item: item[0])[1]


def _duration(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def outcome(current: CallSnapshot, row: dict[str, Any]) -> CallSnapshot:
    """The final snapshot a matched row describes."""
    raw = row.get("status", row.get("call_status"))
    word = str(raw).strip() if raw is not None else ""
    status = _STATUS.get("".join(ch for ch in word.lower() if ch.isalpha()), CallStatus.ENDED)
    recording = row.get("recording_url")
    if not (isinstance(recording, str) and recording.startswith(("https://", "http://"))):
        recording = None
    message = f"Alohaa call log: {_WORDS.get(status, word or 'no status given')}"
    cause = row.get("hangup_cause")
    if isinstance(cause, str) and cause.strip():
        message += f" ({cause.strip().replace('_', ' ')[:60]})"
    return current.model_copy(
        update={
            "status": status,
            "final": True,
            "duration": _duration(row.get("call_duration")),
            "recording_url": recording,
            "ended_at": _first_time(row, _END_KEYS),
            "message": message,
        }
    )


def history(found: list[dict[str, Any]], account: str) -> list[ProviderCall]:
    """Call-log rows as provider history: each row's own id, number, times and outcome."""
    calls: list[ProviderCall] = []
    for row in found:
        call_id = str(row.get("reference_id") or row.get("call_id") or "").strip()
        receiver = _national(row.get("receiver_number"))
        if not call_id or len(receiver) != 10:
            continue  # a row we cannot tie to a call or a number adds nothing trustworthy
        placeholder = CallSnapshot(
            uuid=_dialer_uuid(row) or call_id,
            account=account,
            provider="alohaa",
            to_number=f"+91{receiver}",
            call_id=call_id,
            status=CallStatus.PLACED,
        )
        done = outcome(placeholder, row)
        did = _national(row.get("did_number"))
        calls.append(
            ProviderCall(
                call_id=call_id,
                to_number=done.to_number,
                from_number=f"+91{did}" if len(did) == 10 else None,
                status=done.status,
                started_at=_first_time(row, _START_KEYS),
                ended_at=done.ended_at,
                duration=done.duration,
                recording_url=done.recording_url,
                uuid=_dialer_uuid(row),
                message=done.message,
            )
        )
    return calls
