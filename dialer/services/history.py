"""Call history in SQLite, written ahead of every request.

A row exists *before* the provider is asked to call, so a crash, a hang or a timeout can never
produce a call the agent has no record of: the row stays non-final and `unfinished()` finds it
on the next start. Each later observation of the call updates the same row (keyed by the
app's own uuid, which exists before the provider's call id does).

WAL mode lets the window read while the CLI (another process) writes; `PRAGMA user_version`
versions the schema so a later release can migrate in place instead of starting over.
Qt-free, stdlib only: the CLI, the GUI and the tests share it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from dialer.domain.errors import ConfigError, DialerError
from dialer.domain.models import FINAL_STATUSES, CallSnapshot, CallStatus, call_json_fields
from dialer.numbers import DEFAULT_REGION, digits_only
from dialer.numbers import parse as parse_number

__all__ = ["SCHEMA_VERSION", "HistoryEntry", "HistoryStore"]

SCHEMA_VERSION = 1

#: How long a writer waits for another process's write to finish before giving up (ms).
BUSY_TIMEOUT_MS = 5000

#: A search with at least this many digits is a search by number.
_MIN_SEARCH_DIGITS = 4

_COLUMNS = (
    "id, uuid, account, provider, call_id, to_number, from_number, status, final, message, "
    "started_at, connected_at, ended_at, duration, recording_url, notes, disposition, digits"
)


def _schema_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE IF NOT EXISTS calls (
            id INTEGER PRIMARY KEY,
            uuid TEXT UNIQUE NOT NULL,
            account TEXT NOT NULL,
            provider TEXT NOT NULL,
            call_id TEXT,
            to_number TEXT NOT NULL,
            from_number TEXT,
            status TEXT NOT NULL,
            final INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            started_at TEXT,
            connected_at TEXT,
            ended_at TEXT,
            duration INTEGER,
            recording_url TEXT,
            notes TEXT NOT NULL DEFAULT '',
            disposition TEXT NOT NULL DEFAULT '',
            digits TEXT NOT NULL DEFAULT ''
        )
        """
    )
    conn.execute("CREATE INDEX IF NOT EXISTS calls_started_at ON calls (started_at)")
    conn.execute("CREATE INDEX IF NOT EXISTS calls_digits ON calls (digits)")


#: Step to reach version N from N-1. A new release appends a step, never edits an old one.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _schema_v1}


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to `target`, one transaction per step; returns the version.

    Each step commits with its version number, so an interrupted upgrade resumes where it
    stopped. A file from a newer release is refused rather than written in an older shape.
    `conn` must be in autocommit mode (`isolation_level=None`): the steps manage their own
    transactions.
    """
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > target:
        raise _NewerSchema(version)
    while version < target:
        step = MIGRATIONS[version + 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(f"PRAGMA user_version = {version + 1:d}")  # PRAGMA takes no params
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        version += 1
    return version


class _NewerSchema(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def _iso(value: datetime | None) -> str | None:
    """UTC, second precision, "Z": sorts as text and reads the same in JSON and in SQLite."""
    if value is None:
        return None
    if value.tzinfo is None:  # the models promise UTC; a naive value is taken at its word
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_iso(value: str | None) -> datetime | None:
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

    def to_json_dict(self) -> dict[str, Any]:
        """The `dialer history --json` object: stable keys, times as ISO 8601 UTC with Z."""
        return {
            **call_json_fields(self),
            "duration": self.duration,
            "recording_url": self.recording_url,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
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
            started_at=_from_iso(row["started_at"]),
            connected_at=_from_iso(row["connected_at"]),
            ended_at=_from_iso(row["ended_at"]),
            duration=row["duration"],
            recording_url=row["recording_url"],
            notes=row["notes"] or "",
            disposition=row["disposition"] or "",
            digits=row["digits"] or "",
        )


# Upsert by uuid. Rules, so that a late or partial observation can never lose information:
# - a value the new snapshot lacks (NULL) keeps the stored one;
# - a final call stays final: a stale non-final poll result cannot revive it;
# - notes and disposition belong to the agent and are never touched here.
_UPSERT = """
INSERT INTO calls (
    uuid, account, provider, call_id, to_number, from_number, status, final, message,
    started_at, connected_at, ended_at, duration, recording_url, digits
) VALUES (
    :uuid, :account, :provider, :call_id, :to_number, :from_number, :status, :final, :message,
    :started_at, :connected_at, :ended_at, :duration, :recording_url, :digits
)
ON CONFLICT (uuid) DO UPDATE SET
    account = excluded.account,
    provider = excluded.provider,
    call_id = COALESCE(excluded.call_id, calls.call_id),
    to_number = excluded.to_number,
    digits = excluded.digits,
    from_number = COALESCE(excluded.from_number, calls.from_number),
    status = CASE WHEN calls.final AND NOT excluded.final
                  THEN calls.status ELSE excluded.status END,
    message = CASE WHEN calls.final AND NOT excluded.final
                   THEN calls.message ELSE excluded.message END,
    final = MAX(calls.final, excluded.final),
    started_at = COALESCE(excluded.started_at, calls.started_at),
    connected_at = COALESCE(excluded.connected_at, calls.connected_at),
    ended_at = COALESCE(excluded.ended_at, calls.ended_at),
    duration = COALESCE(excluded.duration, calls.duration),
    recording_url = COALESCE(excluded.recording_url, calls.recording_url)
"""


class HistoryStore:
    """The call history file. One instance per process; safe to share between threads."""

    def __init__(self, path: Path, *, default_region: str = DEFAULT_REGION) -> None:
        """Open (creating if needed) the history at `path`.

        A file that is not a usable SQLite database raises DialerError naming it, and is left
        exactly as it is: it may be the only copy of someone's call records, and deleting it
        to "recover" would lose them, while a restart loop would help nobody.
        """
        self.path = Path(path)
        self._region = default_region
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DialerError(
                f"cannot create the folder for the call history {self.path}: {exc.strerror}"
            ) from None
        self._conn: sqlite3.Connection | None = None
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            # Reading the header here turns "not a database" into an error now, not later.
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
            conn.execute("SELECT count(*) FROM calls").fetchone()
        except _NewerSchema as exc:
            if conn is not None:
                conn.close()
            raise DialerError(
                f"the call history {self.path} was written by a newer version of dialer "
                f"(schema {exc.version}, this version reads up to {SCHEMA_VERSION}); "
                "update dialer to open it"
            ) from None
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise DialerError(_open_error(self.path, exc)) from None
        conn.create_function("dialer_fold", 1, _fold, deterministic=True)
        self._conn = conn

    # --- writing -----------------------------------------------------------------------------

    def record(self, snapshot: CallSnapshot) -> None:
        """Insert the call the first time its uuid is seen, update it every time after."""
        final = snapshot.final or snapshot.status in FINAL_STATUSES
        started = snapshot.started_at
        params = {
            "uuid": snapshot.uuid,
            "account": snapshot.account,
            "provider": snapshot.provider,
            "call_id": snapshot.call_id,
            "to_number": snapshot.to_number,
            "from_number": snapshot.from_number,
            "status": snapshot.status.value,
            "final": int(final),
            "message": snapshot.message,
            "started_at": _iso(started),
            "connected_at": _iso(snapshot.connected_at),
            "ended_at": _iso(snapshot.ended_at),
            "duration": snapshot.duration,
            "recording_url": snapshot.recording_url,
            "digits": digits_only(snapshot.to_number),
        }
        with self._lock:
            conn = self._connection()
            conn.execute(_UPSERT, params)
            if started is None:
                # Every row needs a place in the newest-first order, even if the first
                # snapshot forgot to say when the call began.
                conn.execute(
                    "UPDATE calls SET started_at = ? WHERE uuid = ? AND started_at IS NULL",
                    (_iso(datetime.now(UTC)), snapshot.uuid),
                )

    def set_notes(self, uuid: str, notes: str, disposition: str | None = None) -> None:
        """Save the agent's notes (and disposition, if given); ConfigError for an unknown call."""
        with self._lock:
            cur = self._connection().execute(
                "UPDATE calls SET notes = ?, disposition = COALESCE(?, disposition) WHERE uuid = ?",
                (notes, disposition, uuid),
            )
            if cur.rowcount == 0:
                raise ConfigError(f"no call {uuid!r} in the call history")

    # --- reading -----------------------------------------------------------------------------

    def get(self, uuid: str) -> HistoryEntry | None:
        with self._lock:
            row = (
                self._connection()
                .execute(f"SELECT {_COLUMNS} FROM calls WHERE uuid = ?", (uuid,))
                .fetchone()
            )
        return HistoryEntry._from_row(row) if row is not None else None

    def recent(self, limit: int = 50, search: str | None = None) -> list[HistoryEntry]:
        """Newest first. `search` with 4+ digits finds a number however it was written
        (full international, national with or without trunk 0, or just its last digits);
        other text matches notes, disposition and account, ignoring case.
        """
        if limit <= 0:
            return []
        where, params = self._search_clause(search)
        sql = f"SELECT {_COLUMNS} FROM calls {where} ORDER BY started_at DESC, id DESC LIMIT ?"
        with self._lock:
            rows = self._connection().execute(sql, (*params, limit)).fetchall()
        return [HistoryEntry._from_row(row) for row in rows]

    def unfinished(self) -> list[HistoryEntry]:
        """Calls not known to have ended: candidates to re-attach to after a crash."""
        with self._lock:
            rows = (
                self._connection()
                .execute(f"SELECT {_COLUMNS} FROM calls WHERE final = 0 ORDER BY started_at, id")
                .fetchall()
            )
        return [HistoryEntry._from_row(row) for row in rows]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ---------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise DialerError(f"the call history {self.path} is closed")
        return self._conn

    def _search_clause(self, search: str | None) -> tuple[str, tuple[str, ...]]:
        text = (search or "").strip()
        if not text:
            return "", ()
        digits = digits_only(text)
        if len(digits) >= _MIN_SEARCH_DIGITS:
            # Suffix: the last digits as typed, minus a national trunk 0 ("098765 43210").
            # Prefix: what the text means as a number in E.164 ("+91 98765", "0091 98765").
            suffix = digits.lstrip("0") or digits
            parsed = parse_number(text, self._region)
            prefix = digits_only(parsed.e164) if parsed.e164 else digits
            # GLOB, not LIKE: case-sensitive, so SQLite can use the digits index for the
            # prefix; the operands are ASCII digits only, never wildcards.
            return "WHERE digits GLOB '*' || ? OR digits GLOB ? || '*'", (suffix, prefix)
        needle = _fold(text)
        return (
            "WHERE instr(dialer_fold(notes), ?) > 0 OR instr(dialer_fold(disposition), ?) > 0 "
            "OR instr(dialer_fold(account), ?) > 0",
            (needle, needle, needle),
        )


def _fold(value: str | None) -> str:
    """Unicode case folding: SQLite's own lower() and LIKE only fold ASCII."""
    return (value or "").casefold()


def _open_error(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (
            f"the call history {path} is locked by another program; close other copies "
            "of dialer and try again"
        )
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return (
            f"the call history {path} is not a readable SQLite database ({text}); "
            "it has been left untouched: move it aside (or restore a backup) and dialer "
            "will start a new history"
        )
    return f"cannot open the call history {path}: {text}"
