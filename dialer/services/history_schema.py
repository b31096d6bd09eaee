"""The call-history schema and its in-place migrations, kept apart from the queries that use it.

Version 2 makes a million-row history searchable within a frame: number search becomes two
index range scans (E.164 prefix on `digits`, last digits on the reversed `rdigits`), text search
goes through an FTS5 trigram index, and every sort order the history view offers has an index
that yields rows already in order, so a page is a seek, never a sort of the whole table.

Triggers keep the FTS index in step with `calls.search_text` using plain SQL only, so a row
changed or deleted by any SQLite client (not just this app) never leaves the index stale or
corrupt; `search_text` itself is computed by the app (Unicode case folding, which SQLite lacks).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "NewerSchema", "migrate", "reverse", "search_text"]

SCHEMA_VERSION = 2


def reverse(value: str | None) -> str:
    """Reversed digits: "ends with 3210" becomes "starts with 0123", an index range scan."""
    return (value or "")[::-1]


def search_text(
    notes: str | None,
    disposition: str | None,
    account: str | None,
    to_number: str | None,
    from_number: str | None,
) -> str:
    """What text search looks in, case-folded once at write time (SQLite folds ASCII only).

    Fields are joined by newlines so that a search never matches across two of them.
    """
    parts = (account, to_number, from_number, disposition, notes)
    return "\n".join(part or "" for part in parts).casefold()


def register_functions(conn: sqlite3.Connection) -> None:
    """The app's SQL functions; only the app's own statements use them, never a trigger."""
    conn.create_function("dialer_reverse", 1, reverse, deterministic=True)
    conn.create_function("dialer_search_text", 5, search_text, deterministic=True)


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


_V2_INDEXES = (
    # Last-digits search: a prefix range on the reversed digits.
    "CREATE INDEX calls_rdigits ON calls (rdigits)",
    # A status or account filter in time order, and the status/account sort orders.
    "CREATE INDEX calls_status_started ON calls (status, started_at)",
    "CREATE INDEX calls_account_started ON calls (account, started_at)",
    # Sort by duration; calls without one sort as -1 (a NULL would break keyset paging).
    "CREATE INDEX calls_duration ON calls (IFNULL(duration, -1))",
    # Provider-side history is merged by the provider's own call id.
    "CREATE INDEX calls_provider_call ON calls (provider, call_id)",
)

_V2_FTS = (
    "CREATE VIRTUAL TABLE calls_fts USING fts5("
    "search_text, content='calls', content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
        INSERT INTO calls_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
        INSERT INTO calls_fts (calls_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER calls_fts_update AFTER UPDATE OF search_text ON calls
    WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO calls_fts (calls_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO calls_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)


def _schema_v2(conn: sqlite3.Connection) -> None:
    """Search columns, sort indexes, the FTS index; existing rows are filled in place."""
    register_functions(conn)
    conn.execute("ALTER TABLE calls ADD COLUMN rdigits TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE calls ADD COLUMN search_text TEXT NOT NULL DEFAULT ''")
    # 'app' for calls this app placed, 'provider' for rows imported from provider history.
    conn.execute("ALTER TABLE calls ADD COLUMN source TEXT NOT NULL DEFAULT 'app'")
    # Keyset paging compares (started_at, id): a NULL there would drop the row from every page.
    conn.execute(
        """
        UPDATE calls SET
            rdigits = dialer_reverse(digits),
            search_text = dialer_search_text(notes, disposition, account, to_number, from_number),
            started_at = COALESCE(started_at, connected_at, ended_at, '')
        """
    )
    for statement in (*_V2_INDEXES, *_V2_FTS):
        conn.execute(statement)
    conn.execute("INSERT INTO calls_fts (calls_fts) VALUES ('rebuild')")


#: Step to reach version N from N-1. A new release appends a step, never edits an old one.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _schema_v1, 2: _schema_v2}


class NewerSchema(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to `target`, one transaction per step; returns the version.

    Each step commits with its version number, so an interrupted upgrade resumes where it
    stopped. A file from a newer release is refused rather than written in an older shape.
    `conn` must be in autocommit mode (`isolation_level=None`): the steps manage their own
    transactions.
    """
    version = _version(conn)
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have upgraded while this one waited for the write lock.
            version = _version(conn)
            if version < target:
                MIGRATIONS[version + 1](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version:d}")  # PRAGMA takes no params
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    if version > target:
        raise NewerSchema(version)
    return version


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])
