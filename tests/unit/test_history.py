"""Call history: written ahead, updated in place, searchable by number however it is written."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dialer.domain import CallSnapshot, CallStatus, ConfigError, DialerError
from dialer.services.history import SCHEMA_VERSION, HistoryEntry, HistoryStore, migrate

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def snap(
    uid: str | None = None,
    *,
    to: str = "+919876543210",
    status: CallStatus = CallStatus.DIALING,
    started: datetime | None = T0,
    **extra: Any,
) -> CallSnapshot:
    return CallSnapshot(
        uuid=uid or str(uuid.uuid4()),
        account=extra.pop("account", "sandbox"),
        provider=extra.pop("provider", "sandbox"),
        to_number=to,
        status=status,
        started_at=started,
        **extra,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(db_path) as s:
        yield s


def test_write_ahead_then_updates(store: HistoryStore) -> None:
    first = snap(from_number="+918069000001", message="placing the call")
    store.record(first)
    row = store.get(first.uuid)
    assert row is not None
    assert row.status is CallStatus.DIALING
    assert not row.final
    assert row.call_id is None
    assert row.started_at == T0
    assert row.digits == "919876543210"

    store.record(first.model_copy(update={"status": CallStatus.INITIATED, "call_id": "c-1"}))
    connected = T0 + timedelta(seconds=5)
    store.record(
        first.model_copy(
            update={"status": CallStatus.ANSWER, "call_id": "c-1", "connected_at": connected}
        )
    )
    ended = T0 + timedelta(seconds=65)
    store.record(
        first.model_copy(
            update={
                "status": CallStatus.ENDED,
                "final": True,
                "call_id": "c-1",
                "ended_at": ended,
                "duration": 60,
                "recording_url": "https://example.test/r.wav",
                "message": "done",
            }
        )
    )
    row = store.get(first.uuid)
    assert row is not None
    assert row.status is CallStatus.ENDED and row.final
    assert row.call_id == "c-1"
    assert row.from_number == "+918069000001"  # a later snapshot without it keeps it
    assert row.connected_at == connected
    assert row.ended_at == ended
    assert row.duration == 60
    assert row.recording_url == "https://example.test/r.wav"
    assert row.message == "done"
    assert len(store.recent()) == 1


def test_final_status_implies_final(store: HistoryStore) -> None:
    s = snap(status=CallStatus.BUSY)  # final flag not set by the sender
    store.record(s)
    row = store.get(s.uuid)
    assert row is not None and row.final
    assert store.unfinished() == []


def test_stale_non_final_snapshot_does_not_revive_a_final_call(store: HistoryStore) -> None:
    s = snap()
    store.record(s.model_copy(update={"status": CallStatus.NO_ANSWER, "final": True}))
    store.record(s.model_copy(update={"status": CallStatus.INITIATED, "message": "late"}))
    row = store.get(s.uuid)
    assert row is not None
    assert row.status is CallStatus.NO_ANSWER and row.final
    assert row.message == ""


def test_missing_started_at_gets_now(store: HistoryStore) -> None:
    s = snap(started=None)
    before = datetime.now(UTC).replace(microsecond=0)
    store.record(s)
    row = store.get(s.uuid)
    assert row is not None and row.started_at is not None
    assert row.started_at >= before


def test_times_are_stored_as_utc_z(store: HistoryStore, db_path: Path) -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    s = snap(started=datetime(2024, 5, 1, 15, 30, 0, tzinfo=ist))
    store.record(s)
    naive = snap(started=datetime(2024, 5, 1, 9, 0, 0))  # taken as UTC
    store.record(naive)
    raw = sqlite3.connect(db_path)
    try:
        values = dict(raw.execute("SELECT uuid, started_at FROM calls").fetchall())
    finally:
        raw.close()
    assert values[s.uuid] == "2024-05-01T10:00:00Z"
    assert values[naive.uuid] == "2024-05-01T09:00:00Z"


def test_get_unknown_is_none(store: HistoryStore) -> None:
    assert store.get("nope") is None


@pytest.mark.parametrize(
    "query",
    [
        "+91 98765 43210",
        "+919876543210",
        "919876543210",
        "9876543210",
        "098765 43210",
        "98765-43210",
        "3210",
        "43210",
        "+91 98765",
        "0091 98765 43210",
    ],
)
def test_search_by_number_in_any_written_form(store: HistoryStore, query: str) -> None:
    target = snap(to="+919876543210")
    store.record(target)
    store.record(snap(to="+12015550123"))
    store.record(snap(to="+442079460958"))
    found = [e.uuid for e in store.recent(search=query)]
    assert found == [target.uuid]


def test_search_by_number_prefix_finds_all_with_that_start(store: HistoryStore) -> None:
    a = snap(to="+919876543210")
    b = snap(to="+919876500000")
    store.record(a)
    store.record(b)
    store.record(snap(to="+918012345678"))
    assert {e.uuid for e in store.recent(search="+91 98765")} == {a.uuid, b.uuid}


def test_search_by_text_matches_notes_disposition_account(store: HistoryStore) -> None:
    a = snap(account="Sales-Team")
    b = snap()
    c = snap()
    for s in (a, b, c):
        store.record(s)
    store.set_notes(b.uuid, "Wants a DEMO next week", "Callback")
    store.set_notes(c.uuid, "Größe passt", "interested")
    assert [e.uuid for e in store.recent(search="sales")] == [a.uuid]
    assert [e.uuid for e in store.recent(search="demo")] == [b.uuid]
    assert [e.uuid for e in store.recent(search="CALLBACK")] == [b.uuid]
    assert [e.uuid for e in store.recent(search="GRÖSSE")] == [c.uuid]  # Unicode folding
    assert store.recent(search="nothing like it") == []
    # Fewer than 4 digits is text, not a number: "123" is not a number search.
    assert store.recent(search="123") == []


def test_search_text_is_not_sql(store: HistoryStore) -> None:
    s = snap()
    store.record(s)
    store.set_notes(s.uuid, "50% off; it's 'quoted' _x_")
    for query in ("%", "_", "'", "'; DROP TABLE calls; --", "50% off"):
        store.recent(search=query)
    assert [e.uuid for e in store.recent(search="50% off")] == [s.uuid]
    assert [e.uuid for e in store.recent(search="'quoted'")] == [s.uuid]
    assert store.recent(search="%x%") == []
    assert len(store.recent()) == 1


def test_blank_search_lists_everything(store: HistoryStore) -> None:
    for _ in range(3):
        store.record(snap())
    assert len(store.recent(search="   ")) == 3
    assert len(store.recent(search=None)) == 3


def test_newest_first_and_limit(store: HistoryStore) -> None:
    older = snap(started=T0)
    newer = snap(started=T0 + timedelta(minutes=5))
    same_a = snap(started=T0 + timedelta(minutes=1))
    same_b = snap(started=T0 + timedelta(minutes=1))
    for s in (newer, older, same_a, same_b):
        store.record(s)
    order = [e.uuid for e in store.recent()]
    assert order == [newer.uuid, same_b.uuid, same_a.uuid, older.uuid]
    assert [e.uuid for e in store.recent(limit=2)] == [newer.uuid, same_b.uuid]
    assert store.recent(limit=0) == []
    many = [snap(started=T0 - timedelta(minutes=i)) for i in range(60)]
    for s in many:
        store.record(s)
    assert len(store.recent()) == 50


def test_notes_survive_later_snapshots(store: HistoryStore) -> None:
    s = snap()
    store.record(s)
    store.set_notes(s.uuid, "asked for pricing", "interested")
    store.record(s.model_copy(update={"status": CallStatus.ANSWER}))
    store.record(s.model_copy(update={"status": CallStatus.ENDED, "final": True}))
    row = store.get(s.uuid)
    assert row is not None
    assert (row.notes, row.disposition) == ("asked for pricing", "interested")
    store.set_notes(s.uuid, "sent the quote")  # disposition kept when not given
    row = store.get(s.uuid)
    assert row is not None
    assert (row.notes, row.disposition) == ("sent the quote", "interested")


def test_set_notes_unknown_call(store: HistoryStore) -> None:
    with pytest.raises(ConfigError):
        store.set_notes("no-such-call", "x")


def test_unfinished(store: HistoryStore) -> None:
    live = snap(status=CallStatus.INITIATED)
    done = snap(status=CallStatus.ENDED, final=True)
    dialing = snap(started=T0 + timedelta(seconds=1))
    for s in (live, done, dialing):
        store.record(s)
    assert [e.uuid for e in store.unfinished()] == [live.uuid, dialing.uuid]


def test_reopen_keeps_rows(db_path: Path) -> None:
    s = snap()
    with HistoryStore(db_path) as first:
        first.record(s)
        first.set_notes(s.uuid, "kept")
    with HistoryStore(db_path) as again:
        row = again.get(s.uuid)
        assert row is not None and row.notes == "kept"


def test_schema_version_wal_and_busy_timeout(store: HistoryStore, db_path: Path) -> None:
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = [r[1] for r in raw.execute("PRAGMA table_info(calls)")]
        indexes = {r[1] for r in raw.execute("PRAGMA index_list(calls)")}
    finally:
        raw.close()
    assert columns == [
        "id",
        "uuid",
        "account",
        "provider",
        "call_id",
        "to_number",
        "from_number",
        "status",
        "final",
        "message",
        "started_at",
        "connected_at",
        "ended_at",
        "duration",
        "recording_url",
        "notes",
        "disposition",
        "digits",
        "rdigits",
        "search_text",
        "source",
    ]
    assert {
        "calls_started_at",
        "calls_digits",
        "calls_rdigits",
        "calls_status_started",
        "calls_account_started",
        "calls_duration",
        "calls_provider_call",
    } <= indexes
    conn = store._connection()
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_migrate_is_idempotent(db_path: Path) -> None:
    HistoryStore(db_path).close()
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert migrate(raw) == SCHEMA_VERSION
        assert migrate(raw) == SCHEMA_VERSION
    finally:
        raw.close()


def test_newer_schema_is_refused(db_path: Path) -> None:
    HistoryStore(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA user_version = 99")
    raw.commit()
    raw.close()
    with pytest.raises(DialerError, match="newer version"):
        HistoryStore(db_path)


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a database, it is a text file\n" * 100,
        b"SQLite format 3\x00" + b"\xff" * 4000,
    ],
)
def test_corrupt_file_is_reported_and_left_alone(db_path: Path, content: bytes) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(content)
    with pytest.raises(DialerError) as info:
        HistoryStore(db_path)
    message = str(info.value)
    assert str(db_path) in message
    assert "history" in message
    assert "Traceback" not in message
    assert db_path.read_bytes() == content  # not deleted, not rewritten


def test_unknown_status_from_a_newer_version_reads_as_unknown(
    store: HistoryStore, db_path: Path
) -> None:
    s = snap()
    store.record(s)
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE calls SET status = 'TELEPORTED' WHERE uuid = ?", (s.uuid,))
    raw.commit()
    raw.close()
    row = store.get(s.uuid)
    assert row is not None and row.status is CallStatus.UNKNOWN


def test_closed_store_says_so(db_path: Path) -> None:
    store = HistoryStore(db_path)
    store.close()
    store.close()  # idempotent
    with pytest.raises(DialerError, match="closed"):
        store.recent()


def test_concurrent_writers_from_threads(store: HistoryStore) -> None:
    def write() -> None:
        for _ in range(20):
            store.record(snap())

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.recent(limit=1000)) == 80


def test_two_stores_share_one_file(db_path: Path) -> None:
    """The CLI (another process) writes while the window reads: WAL makes that work."""
    with HistoryStore(db_path) as window, HistoryStore(db_path) as cli:
        s = snap()
        cli.record(s)
        assert window.get(s.uuid) is not None


def test_json_dict_keys_exact(store: HistoryStore) -> None:
    s = snap(
        status=CallStatus.ANSWER,
        call_id="c-9",
        from_number="+918069000001",
        duration=12,
        ended_at=T0 + timedelta(seconds=20),
        recording_url="https://example.test/r.wav",
    )
    store.record(s)
    store.set_notes(s.uuid, "note", "sale")
    entry = store.get(s.uuid)
    assert entry is not None
    data = entry.to_json_dict()
    assert list(data) == [
        "account",
        "provider",
        "call_id",
        "uuid",
        "to",
        "from",
        "status",
        "message",
        "duration",
        "recording_url",
        "started_at",
        "ended_at",
        "notes",
        "disposition",
    ]
    assert data["status"] == "ANSWER"
    assert data["to"] == "+919876543210"
    assert data["from"] == "+918069000001"
    assert data["started_at"] == "2024-05-01T10:00:00Z"
    assert data["ended_at"] == "2024-05-01T10:00:20Z"
    assert (data["notes"], data["disposition"]) == ("note", "sale")


def test_json_dict_null_times() -> None:
    entry = HistoryEntry(
        id=1, uuid="u", account="a", provider="p", to_number="+1", status=CallStatus.DIALING
    )
    data = entry.to_json_dict()
    assert data["started_at"] is None and data["ended_at"] is None
    assert data["status"] == "DIALING"


def test_entry_is_frozen() -> None:
    entry = HistoryEntry(
        id=1, uuid="u", account="a", provider="p", to_number="+1", status=CallStatus.DIALING
    )
    with pytest.raises(ValueError):
        entry.notes = "changed"  # type: ignore[misc]


# --- schema 1 -> 2 ---------------------------------------------------------------------------


def make_v1_history(path: Path) -> None:
    """A history file exactly as release 1 wrote it (its schema step and its upsert's columns)."""
    from dialer.services.history_schema import MIGRATIONS

    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    MIGRATIONS[1](raw)
    raw.execute("PRAGMA user_version = 1")
    rows = [
        ("u-old", "acme", "sandbox", "c-1", "+919876543210", "+918069000001", "ANSWER", 1,
         "2024-05-01T10:00:00Z", 60, "Größe passt, callback friday", "interested",
         "919876543210"),
        ("u-none", "acme", "sandbox", None, "+12015550123", None, "DIALING", 0, None, None, "",
         "", "12015550123"),
    ]  # fmt: skip
    raw.executemany(
        "INSERT INTO calls (uuid, account, provider, call_id, to_number, from_number, status, "
        "final, started_at, duration, notes, disposition, digits) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    raw.close()


def test_a_version_1_history_is_upgraded_in_place(db_path: Path) -> None:
    make_v1_history(db_path)
    with HistoryStore(db_path) as store:
        raw = sqlite3.connect(db_path)
        try:
            assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
            rdigits, text, source = raw.execute(
                "SELECT rdigits, search_text, source FROM calls WHERE uuid = 'u-old'"
            ).fetchone()
        finally:
            raw.close()
        assert rdigits == "012345678919"
        assert "grösse passt" in text and "interested" in text and "acme" in text
        assert source == "app"
        old = store.get("u-old")
        assert old is not None
        assert (old.notes, old.duration, old.status) == (
            "Größe passt, callback friday",
            60,
            CallStatus.ANSWER,
        )
        # Old rows are found through the new indexes: last digits, prefix, FTS words.
        assert [e.uuid for e in store.recent(search="43210")] == ["u-old"]
        assert [e.uuid for e in store.recent(search="+1 201 555")] == ["u-none"]
        assert [e.uuid for e in store.recent(search="GRÖSSE")] == ["u-old"]
        assert [e.uuid for e in store.recent(search="friday")] == ["u-old"]
        # The row without a start time still has a place in the order (first to last).
        assert {e.uuid for e in store.recent()} == {"u-old", "u-none"}
        assert [e.uuid for e in store.unfinished()] == ["u-none"]
        # And new writes keep working on the upgraded file.
        store.record(snap(to="+919876500000"))
        assert len(store.recent(search="+91 98765")) == 2


def test_a_failed_upgrade_leaves_version_1_intact(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dialer.services import history_schema

    make_v1_history(db_path)
    real_step = history_schema.MIGRATIONS[2]

    def broken(conn: sqlite3.Connection) -> None:
        real_step(conn)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setitem(history_schema.MIGRATIONS, 2, broken)
    with pytest.raises(DialerError):
        HistoryStore(db_path)
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
        columns = [r[1] for r in raw.execute("PRAGMA table_info(calls)")]
        assert "rdigits" not in columns
        assert raw.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    finally:
        raw.close()
    monkeypatch.setitem(history_schema.MIGRATIONS, 2, real_step)
    with HistoryStore(db_path) as store:
        assert store.get("u-old") is not None


def test_two_processes_upgrading_at_once_both_open_it(db_path: Path) -> None:
    """The window and a `dialer history` run may both find the old file: one upgrades, the
    other waits for its write lock, sees version 2 and does nothing."""
    make_v1_history(db_path)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            HistoryStore(db_path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with HistoryStore(db_path) as store:
        assert len(store.recent()) == 2
