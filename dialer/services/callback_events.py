"""Provider status pushes turned into call updates, applied to history exactly once.

Providers retry a delivery they think failed (the Click-to-Call OpenAPI up to 3 times, with the
same `uuid`), and a retry can also arrive after a restart, so "already applied" is remembered in
SQLite, keyed by account + provider + the app's own call uuid: every push these providers send
is the call's final report, so one per call is exactly the right number.

Matching is by the id the app itself sent: Alohaa's `metadata`, Acefone's `custom_identifier`,
the OpenAPI `uuid`. Sarv's push report carries only Sarv's `callId`, which history stored when
the call was accepted. A push is only applied to a call of the account whose path it came in
on, so one account's secret cannot rewrite another account's calls.
Qt-free, stdlib only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dialer.domain.models import CallSnapshot, CallStatus
from dialer.providers.alohaa_logs import APP_METADATA_KEY
from dialer.services.history import HistoryStore
from dialer.services.history_entry import HistoryEntry

#: Providers whose pushes the listener understands.
PUSH_PROVIDERS = frozenset({"alohaa", "acefone", "sarv", "clouddialer"})

_WORDS = {
    "answer": CallStatus.ANSWER,
    "answered": CallStatus.ANSWER,
    "completed": CallStatus.ANSWER,
    "connected": CallStatus.ANSWER,
    "notanswered": CallStatus.NO_ANSWER,
    "noanswer": CallStatus.NO_ANSWER,
    "unanswered": CallStatus.NO_ANSWER,
    "missed": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "failed": CallStatus.FAILED,
    "cancelled": CallStatus.CANCELED,
    "canceled": CallStatus.CANCELED,
}


@dataclass(frozen=True)
class PushEvent:
    """What one push says about one call; `raw` is kept as received (Acefone's is unofficial)."""

    provider: str
    #: The app's own uuid when the provider echoes it; None for Sarv (matched by call_id).
    uuid: str | None
    call_id: str | None
    status: CallStatus
    duration: int | None = None
    recording_url: str | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def _status(value: object) -> CallStatus:
    word = "".join(ch for ch in str(value or "").lower() if ch.isalpha())
    return _WORDS.get(word, CallStatus.ENDED)


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return str(value) if value not in (None, "") else None


def _int(body: dict[str, Any], key: str) -> int | None:
    try:
        return int(float(body[key]))
    except (KeyError, TypeError, ValueError):
        return None


def _time(body: dict[str, Any], key: str) -> datetime | None:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _alohaa_uuid(body: dict[str, Any]) -> str | None:
    metadata = body.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    if isinstance(metadata, dict):
        value = metadata.get(APP_METADATA_KEY)
        return str(value) if value else None
    return None


def parse(provider: str, body: dict[str, Any]) -> PushEvent:
    """The event in `body`, read by the field names each provider's documents give."""
    if provider == "clouddialer":
        raw_status = str(body.get("status") or "")
        status = (
            CallStatus(raw_status) if raw_status in CallStatus.__members__ else _status(raw_status)
        )
        return PushEvent(
            provider, _text(body, "uuid"), _text(body, "call_id"), status,
            _int(body, "duration"), _text(body, "recording_url"),
            _time(body, "start_time"), _time(body, "end_time"), body,
        )  # fmt: skip
    if provider == "alohaa":
        return PushEvent(
            provider, _alohaa_uuid(body), _text(body, "call_id"), _status(body.get("call_status")),
            _int(body, "call_duration"), _text(body, "call_recording_url"),
            _time(body, "received_at"), _time(body, "ended_at"), body,
        )  # fmt: skip
    if provider == "acefone":
        return PushEvent(
            provider, _text(body, "custom_identifier"), _text(body, "call_id"),
            _status(body.get("call_status")), _int(body, "duration"),
            _text(body, "recording_url"), _time(body, "answer_stamp"),
            _time(body, "end_stamp"), body,
        )  # fmt: skip
    if provider == "sarv":
        return PushEvent(
            provider,
            None,
            _text(body, "callId"),
            _status(body.get("callStatus")),
            raw=body,
            connected_at=_time(body, "firstAnswerTime"),
        )
    raise ValueError(f"no push format known for provider {provider!r}")


_LEDGER = """
CREATE TABLE IF NOT EXISTS applied (
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    uuid TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (account, provider, uuid)
)
"""


def snapshot_of(entry: HistoryEntry) -> CallSnapshot:
    """History's row as a final snapshot (what a push left there)."""
    return entry.to_snapshot(final=True, message=entry.message)


def pushed_outcome(
    history: HistoryStore, uuid: str, path: Path | None = None
) -> CallSnapshot | None:
    """The outcome a status push already wrote for this call, by any process (`dialer listen`
    beside `dialer call --wait`), or None. Blocking: call it on a worker thread.

    A poll that finds the call over knows less than the push did (Acefone's live list only
    says the call left it), so the follow keeps the push's outcome instead of overwriting it.
    """
    if path is None:
        from dialer import paths

        path = paths.data_dir() / "callbacks.sqlite"
    if not path.exists():
        return None
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 2000")
        row = conn.execute("SELECT 1 FROM applied WHERE uuid = ? LIMIT 1", (uuid,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    entry = history.get(uuid) if row else None
    if entry is None or not entry.final:
        return None
    return snapshot_of(entry)


class PushLedger:
    """Which pushes were applied, so a retried delivery (even after a restart) is a no-op."""

    def __init__(self, path: Path, history: HistoryStore) -> None:
        self.history = history
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout = 5000")
        self._conn.execute(_LEDGER)
        self._history_path = history.path

    def close(self) -> None:
        self._conn.close()

    def _uuid_for_call_id(self, account: str, provider: str, call_id: str) -> str | None:
        conn = sqlite3.connect(self._history_path, check_same_thread=False)
        try:
            row = conn.execute(
                "SELECT uuid FROM calls WHERE account = ? AND provider = ? AND call_id = ?",
                (account, provider, call_id),
            ).fetchone()
        finally:
            conn.close()
        return str(row[0]) if row else None

    def apply(self, account: str, event: PushEvent) -> tuple[str, CallSnapshot | None]:
        """Record `event` in history unless already done; ("applied" | "duplicate" | "unknown",
        the final snapshot when applied). Blocking: call it on a worker thread."""
        uuid = event.uuid
        if uuid is None and event.call_id:
            uuid = self._uuid_for_call_id(account, event.provider, event.call_id)
        entry = self.history.get(uuid) if uuid else None
        if entry is None or entry.account != account or entry.provider != event.provider:
            return "unknown", None
        with self._lock:
            seen = self._conn.execute(
                "SELECT 1 FROM applied WHERE account = ? AND provider = ? AND uuid = ?",
                (account, event.provider, entry.uuid),
            ).fetchone()
            if seen:
                return "duplicate", None
            snapshot = CallSnapshot(
                uuid=entry.uuid,
                account=entry.account,
                provider=entry.provider,
                to_number=entry.to_number,
                from_number=entry.from_number,
                call_id=event.call_id or entry.call_id,
                status=event.status,
                final=True,
                started_at=entry.started_at,
                connected_at=event.connected_at or entry.connected_at,
                ended_at=event.ended_at or entry.ended_at,
                duration=event.duration if event.duration is not None else entry.duration,
                recording_url=event.recording_url or entry.recording_url,
                message=f"reported by {event.provider}'s status push",
            )
            self.history.record(snapshot)
            self._conn.execute(
                "INSERT INTO applied (account, provider, uuid, applied_at) VALUES (?, ?, ?, ?)",
                (account, event.provider, entry.uuid, datetime.now(UTC).isoformat()),
            )
        return "applied", snapshot
