"""A call as history remembers it, and the JSON (and CSV) shape scripts depend on."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from dialer.domain.models import CallSnapshot, CallStatus, call_json_fields
from dialer.services.history_query import iso

__all__ = ["COLUMNS", "JSON_KEYS", "HistoryEntry"]

COLUMNS = (
    "id, uuid, account, provider, call_id, to_number, from_number, status, final, message, "
    "started_at, connected_at, ended_at, duration, recording_url, notes, disposition, digits, "
    "source"
)


def _fromiso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _status(value: str) -> CallStatus:
    """A status this version does not know (written by a newer one) reads as UNKNOWN."""
    try:
        return CallStatus(value)
    except ValueError:
        return CallStatus.UNKNOWN


class HistoryEntry(BaseModel):
    """One call as history remembers it: the latest snapshot plus the agent's notes."""

    model_config = ConfigDict(frozen=True)

    id: int
    uuid: str
    account: str
    provider: str
    call_id: str | None = None
    to_number: str
    from_number: str | None = None
    status: CallStatus
    final: bool = False
    message: str = ""
    started_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    duration: int | None = None
    recording_url: str | None = None
    notes: str = ""
    disposition: str = ""
    digits: str = ""
    #: "app" for calls placed here, "provider" for calls only the provider's history knew.
    source: str = "app"

    def to_snapshot(self, *, final: bool, message: str | None) -> CallSnapshot:
        """The call as a snapshot again: to resume following it after a restart, or to hand
        on the outcome a push already wrote."""
        return CallSnapshot(
            uuid=self.uuid,
            account=self.account,
            provider=self.provider,
            to_number=self.to_number,
            from_number=self.from_number,
            call_id=self.call_id,
            status=self.status,
            final=final,
            started_at=self.started_at,
            connected_at=self.connected_at,
            ended_at=self.ended_at,
            duration=self.duration,
            recording_url=self.recording_url,
            message=message,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The `dialer history --json` object: stable keys, times as ISO 8601 UTC with Z."""
        return {
            **call_json_fields(self),
            "duration": self.duration,
            "recording_url": self.recording_url,
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
            "notes": self.notes,
            "disposition": self.disposition,
        }

    @classmethod
    def _from_row(cls, row: sqlite3.Row) -> HistoryEntry:
        return cls(
            id=row["id"],
            uuid=row["uuid"],
            account=row["account"],
            provider=row["provider"],
            call_id=row["call_id"],
            to_number=row["to_number"],
            from_number=row["from_number"],
            status=_status(row["status"]),
            final=bool(row["final"]),
            message=row["message"] or "",
            started_at=_fromiso(row["started_at"]),
            connected_at=_fromiso(row["connected_at"]),
            ended_at=_fromiso(row["ended_at"]),
            duration=row["duration"],
            recording_url=row["recording_url"],
            notes=row["notes"] or "",
            disposition=row["disposition"] or "",
            digits=row["digits"] or "",
            source=row["source"] or "app",
        )


#: The keys of `HistoryEntry.to_json_dict`, in order: the CSV export's header.
JSON_KEYS = (
    "account", "provider", "call_id", "uuid", "to", "from", "status", "message",
    "duration", "recording_url", "started_at", "ended_at", "notes", "disposition",
)  # fmt: skip
