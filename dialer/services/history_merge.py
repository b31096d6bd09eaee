"""Merging a provider's own call history into ours without ever listing a call twice.

Providers that keep call logs (`Capabilities.provider_history`) know things the app may not:
the outcome of a call the app lost track of, the recording, calls placed from the provider's
own dashboard. Their rows are matched to the app's rows first, and only a call the app never
placed becomes a new row, under a uuid derived from (provider, account, call id) so the same
import twice is a no-op.
"""

from __future__ import annotations

import sqlite3
import uuid as uuid_mod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dialer.domain.models import FINAL_STATUSES, CallStatus, ProviderCall
from dialer.numbers import digits_only
from dialer.numbers import parse as parse_number
from dialer.services.history_query import iso
from dialer.services.history_schema import search_text

__all__ = ["ImportResult", "ProviderCall", "import_rows"]

#: Namespace of the uuids given to calls known only from a provider's history.
_NAMESPACE = uuid_mod.UUID("6f0d4c52-3b7e-4c1e-9a55-2f1f6c0d7e11")

#: A call whose provider id the app never learned (it crashed, or the reply was lost) is the
#: provider's call to the same number that started within this window of the app's request.
MATCH_WINDOW = timedelta(minutes=2)

#: Outcomes that say what happened; the app's vaguer ones give way to them.
_DEFINITIVE = frozenset(
    {
        CallStatus.ANSWER,
        CallStatus.NO_ANSWER,
        CallStatus.BUSY,
        CallStatus.FAILED,
        CallStatus.CANCELED,
    }
)


@dataclass(frozen=True)
class ImportResult:
    added: int = 0
    merged: int = 0
    unchanged: int = 0


def provider_uuid(provider: str, account: str, call_id: str) -> str:
    return str(uuid_mod.uuid5(_NAMESPACE, f"{provider}\x1f{account}\x1f{call_id}"))


def import_rows(
    conn: sqlite3.Connection,
    provider: str,
    account: str,
    rows: Iterable[ProviderCall],
    region: str,
) -> ImportResult:
    """One transaction: a failed import leaves the history exactly as it was."""
    added = merged = unchanged = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for row in rows:
            number = _e164(row.to_number, region)
            existing = _find(conn, provider, account, row, digits_only(number))
            if existing is None:
                _insert(conn, provider, account, row, number)
                added += 1
                continue
            changes = _changes(existing, row)
            if not changes:
                unchanged += 1
                continue
            sets = ", ".join(f"{name} = :{name}" for name in changes)
            conn.execute(
                f"UPDATE calls SET {sets}, search_text = dialer_search_text("
                "notes, disposition, account, to_number, from_number) WHERE id = :id",
                {**changes, "id": existing["id"]},
            )
            merged += 1
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return ImportResult(added=added, merged=merged, unchanged=unchanged)


def _e164(number: str, region: str) -> str:
    parsed = parse_number(number, region)
    return parsed.e164 if parsed.valid and parsed.e164 else number.strip()


def _find(
    conn: sqlite3.Connection, provider: str, account: str, row: ProviderCall, digits: str
) -> sqlite3.Row | None:
    if row.uuid:
        found: sqlite3.Row | None = conn.execute(
            "SELECT * FROM calls WHERE uuid = ? AND provider = ?", (row.uuid, provider)
        ).fetchone()
        if found is not None:
            return found
    found = conn.execute(
        "SELECT * FROM calls WHERE provider = ? AND call_id = ? AND account = ? LIMIT 1",
        (provider, row.call_id, account),
    ).fetchone()
    if found is not None or row.started_at is None or not digits:
        return found
    candidates = conn.execute(
        """
        SELECT * FROM calls
        WHERE digits = ? AND provider = ? AND account = ? AND call_id IS NULL
          AND started_at >= ? AND started_at <= ?
        LIMIT 2
        """,
        (
            digits,
            provider,
            account,
            iso(row.started_at - MATCH_WINDOW),
            iso(row.started_at + MATCH_WINDOW),
        ),
    ).fetchall()
    return candidates[0] if len(candidates) == 1 else None  # two candidates: cannot tell


def _insert(
    conn: sqlite3.Connection, provider: str, account: str, row: ProviderCall, number: str
) -> None:
    digits = digits_only(number)
    started = row.started_at or row.connected_at or row.ended_at
    conn.execute(
        """
        INSERT INTO calls (
            uuid, account, provider, call_id, to_number, from_number, status, final, message,
            started_at, connected_at, ended_at, duration, recording_url, digits, rdigits,
            search_text, source
        ) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'provider')
        """,
        (
            provider_uuid(provider, account, row.call_id),
            account,
            provider,
            row.call_id,
            number,
            row.from_number,
            row.status.value,
            # A row from a call-history listing records the past: the app cannot follow it.
            row.message or "from the provider's call history",
            iso(started) or "",
            iso(row.connected_at),
            iso(row.ended_at),
            row.duration,
            row.recording_url,
            digits,
            digits[::-1],
            search_text("", "", account, number, row.from_number),
        ),
    )


def _changes(existing: sqlite3.Row, row: ProviderCall) -> dict[str, Any]:
    """Fill what the app's row lacks; take the provider's outcome when ours is vaguer."""
    changes: dict[str, Any] = {}
    filled = {
        "call_id": row.call_id,
        "from_number": row.from_number,
        "connected_at": iso(row.connected_at),
        "ended_at": iso(row.ended_at),
        "duration": row.duration,
        "recording_url": row.recording_url,
    }
    for name, value in filled.items():
        if existing[name] is None and value is not None:
            changes[name] = value
    try:
        current = CallStatus(existing["status"])
    except ValueError:
        current = CallStatus.UNKNOWN
    provider_final = row.status in FINAL_STATUSES or row.ended_at is not None
    better = row.status in _DEFINITIVE and current not in _DEFINITIVE
    if current != row.status and (better or (not existing["final"] and provider_final)):
        changes["status"] = row.status.value
        changes["message"] = row.message or "outcome from the provider's call history"
    if provider_final and not existing["final"]:
        changes["final"] = 1
    return changes
