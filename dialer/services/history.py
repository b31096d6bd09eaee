"""Call history in SQLite, written ahead of every request.

A row exists *before* the provider is asked to call, so a crash, a hang or a timeout can never
produce a call the agent has no record of: the row stays non-final and `unfinished()` finds it
on the next start. Each later observation of the call updates the same row (keyed by the
app's own uuid, which exists before the provider's call id does).

WAL mode lets the window read while the CLI (another process) writes; `PRAGMA user_version`
versions the schema (see `history_schema`) so a release migrates in place instead of starting
over. Reads that a person waits on (pages, counts, exports) use their own connection, so a long
search on a worker thread never holds up the GUI thread recording a live call.
Qt-free, stdlib only: the CLI, the GUI and the tests share it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dialer.domain.errors import ConfigError, DialerError
from dialer.domain.models import FINAL_STATUSES, CallSnapshot
from dialer.numbers import DEFAULT_REGION, digits_only
from dialer.services import history_merge
from dialer.services.history_entry import COLUMNS, JSON_KEYS, HistoryEntry
from dialer.services.history_merge import ImportResult, ProviderCall
from dialer.services.history_query import Cursor, HistoryQuery, SortKey, iso, walk_in_order
from dialer.services.history_schema import (
    SCHEMA_VERSION,
    NewerSchema,
    migrate,
    register_functions,
    search_text,
)

__all__ = [
    "COLUMNS",
    "JSON_KEYS",
    "SCHEMA_VERSION",
    "HistoryEntry",
    "HistoryPage",
    "HistoryQuery",
    "HistoryStore",
    "ImportResult",
    "ProviderCall",
    "SortKey",
    "migrate",
]

#: How long a writer waits for another process's write to finish before giving up (ms).
BUSY_TIMEOUT_MS = 5000

#: Rows per statement when deleting many: well under SQLite's bound-parameter limit.
_DELETE_CHUNK = 500

_SELECT_COLUMNS = ", ".join(f"c.{name.strip()}" for name in COLUMNS.split(","))


@dataclass(frozen=True)
class HistoryPage:
    entries: list[HistoryEntry]
    #: Where the next page starts; None when this page reached the end.
    cursor: Cursor | None


# Upsert by uuid. Rules, so that a late or partial observation can never lose information:
# - a value the new snapshot lacks (NULL) keeps the stored one;
# - a final call stays final: a stale non-final poll result cannot revive it;
# - notes and disposition belong to the agent and are never touched here.
_UPSERT = """
INSERT INTO calls (
    uuid, account, provider, call_id, to_number, from_number, status, final, message,
    started_at, connected_at, ended_at, duration, recording_url, digits, rdigits, search_text
) VALUES (
    :uuid, :account, :provider, :call_id, :to_number, :from_number, :status, :final, :message,
    :started_at, :connected_at, :ended_at, :duration, :recording_url, :digits, :rdigits,
    :search_text
)
ON CONFLICT (uuid) DO UPDATE SET
    account = excluded.account,
    provider = excluded.provider,
    call_id = COALESCE(excluded.call_id, calls.call_id),
    to_number = excluded.to_number,
    digits = excluded.digits,
    rdigits = excluded.rdigits,
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
    recording_url = COALESCE(excluded.recording_url, calls.recording_url),
    search_text = dialer_search_text(calls.notes, calls.disposition, excluded.account,
                                     excluded.to_number,
                                     COALESCE(excluded.from_number, calls.from_number))
"""


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    if read_only:
        conn.execute("PRAGMA query_only = 1")
    return conn


class HistoryStore:
    """The call history file. One instance per process; safe to share between threads."""

    def __init__(self, path: Path, *, default_region: str = DEFAULT_REGION) -> None:
        """Open (creating if needed) the history at `path`, upgrading an older schema.

        A file that is not a usable SQLite database raises DialerError naming it, and is left
        exactly as it is: it may be the only copy of someone's call records, and deleting it
        to "recover" would lose them, while a restart loop would help nobody.
        """
        self.path = Path(path)
        self.region = default_region
        self._lock = threading.RLock()
        #: One read connection per purpose ("page", "count", "export"), each with its lock:
        #: a slow count or a long export never makes the next page wait behind it.
        self._readers: dict[str, tuple[threading.Lock, sqlite3.Connection]] = {}
        self._readers_lock = threading.Lock()
        #: Walk-or-collect decisions by (query, page size): the same query pages on alike.
        self._plans: dict[tuple[HistoryQuery, int], bool] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():  # SQLite would create it (and -wal, -shm) per the umask
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError as exc:
            raise DialerError(
                f"cannot create the folder for the call history {self.path}: {exc.strerror}"
            ) from None
        self._conn: sqlite3.Connection | None = None
        conn: sqlite3.Connection | None = None
        try:
            conn = _connect(self.path)
            # Reading the header here turns "not a database" into an error now, not later.
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            register_functions(conn)
            migrate(conn)
            conn.execute("SELECT count(*) FROM calls WHERE id = 0").fetchone()
        except NewerSchema as exc:
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
            message = _open_error(self.path, exc)
            if "not a readable SQLite database" in message:  # issue 8: a way out, see below
                from dialer.services.history_repair import HistoryUnreadable, repair_commands

                message += f"; to do that now, run: {repair_commands(self.path)}"
                raise HistoryUnreadable(message, self.path) from None
            raise DialerError(message) from None
        self._conn = conn

    # --- writing -----------------------------------------------------------------------------

    def record(self, snapshot: CallSnapshot) -> None:
        """Insert the call the first time its uuid is seen, update it every time after."""
        final = snapshot.final or snapshot.status in FINAL_STATUSES
        started = snapshot.started_at
        digits = digits_only(snapshot.to_number)
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
            # Every row needs a place in the newest-first order, even if the first snapshot
            # forgot to say when the call began (a later one without it keeps the stored one).
            "started_at": iso(started),
            "connected_at": iso(snapshot.connected_at),
            "ended_at": iso(snapshot.ended_at),
            "duration": snapshot.duration,
            "recording_url": snapshot.recording_url,
            "digits": digits,
            "rdigits": digits[::-1],
            "search_text": search_text(
                "", "", snapshot.account, snapshot.to_number, snapshot.from_number
            ),
        }
        with self._lock:
            conn = self._connection()
            conn.execute(_UPSERT, params)
            if started is None:
                conn.execute(
                    "UPDATE calls SET started_at = ? WHERE uuid = ? AND started_at IS NULL",
                    (iso(datetime.now(UTC)), snapshot.uuid),
                )

    def set_notes(self, uuid: str, notes: str, disposition: str | None = None) -> None:
        """Save the agent's notes (and disposition, if given); ConfigError for an unknown call."""
        with self._lock:
            cur = self._connection().execute(
                """
                UPDATE calls SET
                    notes = :notes,
                    disposition = COALESCE(:disposition, disposition),
                    search_text = dialer_search_text(:notes, COALESCE(:disposition, disposition),
                                                     account, to_number, from_number)
                WHERE uuid = :uuid
                """,
                {"notes": notes, "disposition": disposition, "uuid": uuid},
            )
            if cur.rowcount == 0:
                raise ConfigError(f"no call {uuid!r} in the call history")

    def delete(self, uuids: Iterable[str]) -> int:
        """Delete calls by uuid (one transaction); returns how many rows went."""
        wanted = list(dict.fromkeys(uuids))
        deleted = 0
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(wanted), _DELETE_CHUNK):
                    chunk = wanted[start : start + _DELETE_CHUNK]
                    marks = ", ".join("?" * len(chunk))
                    cur = conn.execute(f"DELETE FROM calls WHERE uuid IN ({marks})", chunk)
                    deleted += cur.rowcount
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return deleted

    def import_provider_rows(
        self, provider: str, account: str, rows: Iterable[ProviderCall]
    ) -> ImportResult:
        """Merge a provider's own call history in, never duplicating a call.

        A provider row joins the app's row for the same call (by the app's uuid when the
        provider echoes it, else by provider + call id, else by number and start time for a
        call whose id the app never learned); only a call the app never placed adds a row.
        Importing the same rows again changes nothing.
        """
        with self._lock:
            return history_merge.import_rows(
                self._connection(), provider, account, rows, self.region
            )

    # --- reading -----------------------------------------------------------------------------

    def get(self, uuid: str) -> HistoryEntry | None:
        with self._reading("page") as conn:
            row = conn.execute(f"SELECT {COLUMNS} FROM calls WHERE uuid = ?", (uuid,)).fetchone()
        return HistoryEntry._from_row(row) if row is not None else None

    def recent(self, limit: int = 50, search: str | None = None) -> list[HistoryEntry]:
        """Newest first. `search` with 4+ digits finds a number however it was written
        (full international, national with or without trunk 0, or just its last digits);
        other text matches notes, disposition, account and numbers, ignoring case.
        """
        if limit <= 0:
            return []
        return self.page(self.query(search=search or ""), limit=limit).entries

    def query(self, **fields: Any) -> HistoryQuery:
        """A HistoryQuery that reads national numbers in this store's default region."""
        return HistoryQuery(region=self.region, **fields)

    def page(
        self, query: HistoryQuery, after: Cursor | None = None, limit: int = 200
    ) -> HistoryPage:
        """One page of `query`, continuing after `after` (the previous page's cursor)."""
        with self._reading("page") as conn:
            return self._page(conn, query, after, limit)

    def _page(
        self, conn: sqlite3.Connection, query: HistoryQuery, after: Cursor | None, limit: int
    ) -> HistoryPage:
        if limit <= 0:
            return HistoryPage([], None)
        by_order = self._walk_in_order(conn, query, limit)
        sql, params = query.page_sql(after, limit, _SELECT_COLUMNS, by_order=by_order)
        rows = conn.execute(sql, params).fetchall()
        entries = [HistoryEntry._from_row(row) for row in rows]
        cursor = query.cursor_of(rows[-1]) if len(rows) == limit else None
        return HistoryPage(entries, cursor)

    def _walk_in_order(self, conn: sqlite3.Connection, query: HistoryQuery, limit: int) -> bool:
        key = (query, limit)
        cached = self._plans.get(key)
        if cached is None:
            cached = walk_in_order(conn, query, limit)
            if len(self._plans) >= 64:
                self._plans.clear()
            self._plans[key] = cached
        return cached

    def count(self, query: HistoryQuery | None = None) -> int:
        sql, params = (query or self.query()).count_sql()
        with self._reading("count") as conn:
            return int(conn.execute(sql, params).fetchone()[0])

    def iter_entries(self, query: HistoryQuery, batch: int = 1000) -> Iterator[HistoryEntry]:
        """Every call matching `query`, in its order, a page at a time (memory stays flat)."""
        cursor: Cursor | None = None
        while True:
            with self._reading("export") as conn:
                page = self._page(conn, query, cursor, batch)
            yield from page.entries
            if page.cursor is None:
                return
            cursor = page.cursor

    def accounts(self) -> list[str]:
        """Account names in the history, sorted: one index seek per name, not a table scan."""
        sql = """
            WITH RECURSIVE names(name) AS (
                SELECT min(account) FROM calls
                UNION ALL
                SELECT (SELECT min(account) FROM calls WHERE account > names.name)
                FROM names WHERE names.name IS NOT NULL
            )
            SELECT name FROM names WHERE name IS NOT NULL
        """
        with self._reading("count") as conn:
            return [row[0] for row in conn.execute(sql).fetchall()]

    def unfinished(self) -> list[HistoryEntry]:
        """Calls not known to have ended: candidates to re-attach to after a crash."""
        with self._reading("page") as conn:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM calls WHERE final = 0 ORDER BY started_at, id"
            ).fetchall()
        return [HistoryEntry._from_row(row) for row in rows]

    def export_csv(self, query: HistoryQuery, path: Path, limit: int | None = None) -> int:
        """Write the calls matching `query` to `path` as CSV; returns the number of calls."""
        from dialer.services import history_csv

        entries: Iterable[HistoryEntry] = self.iter_entries(query)
        if limit is not None:
            entries = _take(entries, limit)
        return history_csv.write(path, entries)

    def close(self) -> None:
        with self._lock, self._readers_lock:
            for lock, conn in self._readers.values():
                with lock:
                    conn.close()
            self._readers.clear()
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

    @contextlib.contextmanager
    def _reading(self, purpose: str) -> Iterator[sqlite3.Connection]:
        with self._readers_lock:
            if self._conn is None:
                raise DialerError(f"the call history {self.path} is closed")
            reader = self._readers.get(purpose)
            if reader is None:
                try:
                    reader = (threading.Lock(), _connect(self.path, read_only=True))
                except sqlite3.Error as exc:
                    raise DialerError(_open_error(self.path, exc)) from None
                self._readers[purpose] = reader
        lock, conn = reader
        with lock:
            yield conn


def _take(entries: Iterable[HistoryEntry], limit: int) -> Iterator[HistoryEntry]:
    for n, entry in enumerate(entries):
        if n >= limit:
            return
        yield entry


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
