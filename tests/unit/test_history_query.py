"""History queries behind the lazy view: keyset pages, sorts, filters, counts, delete, CSV.

The store picks one of two plans per query (walk the sort order's index, or collect the
matches and sort them); both must give exactly the same rows, so most tests run both.
"""

from __future__ import annotations

import csv
import random
import re
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dialer.domain import CallSnapshot, CallStatus
from dialer.services.history import (
    COLUMNS,
    JSON_KEYS,
    HistoryEntry,
    HistoryQuery,
    HistoryStore,
    SortKey,
)
from dialer.services.history_query import walk_in_order

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)
STATUSES = (CallStatus.ANSWER, CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.FAILED)
ACCOUNTS = ("north", "south", "support")


def snap(**fields: Any) -> CallSnapshot:
    base: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "account": "north",
        "provider": "sandbox",
        "to_number": "+919876543210",
        "status": CallStatus.ANSWER,
        "final": True,
        "started_at": T0,
    }
    base.update(fields)
    return CallSnapshot(**base)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "history.sqlite3") as s:
        yield s


@pytest.fixture
def filled(store: HistoryStore) -> HistoryStore:
    """240 calls with many equal start times and durations: ties must not break paging."""
    rng = random.Random(7)
    for n in range(240):
        status = STATUSES[n % len(STATUSES)]
        store.record(
            snap(
                account=ACCOUNTS[n % 3],
                to_number=f"+9198765{rng.randrange(10**5):05d}",
                status=status,
                started_at=T0 + timedelta(minutes=rng.randrange(40)),
                duration=rng.choice([None, 5, 30, 30, 120]),
            )
        )
    return store


def all_pages(
    store: HistoryStore, query: HistoryQuery, limit: int, by_order: bool | None = None
) -> list[HistoryEntry]:
    """Every page of `query`, optionally forcing one plan."""
    if by_order is not None:
        store._walk_in_order = lambda c, q, n: by_order  # type: ignore[method-assign]
    out: list[HistoryEntry] = []
    cursor = None
    while True:
        page = store.page(query, cursor, limit)
        out.extend(page.entries)
        if page.cursor is None:
            return out
        cursor = page.cursor


def expected(store: HistoryStore, query: HistoryQuery) -> list[str]:
    """The same selection done the slow, obvious way in Python."""
    everything = store.page(HistoryQuery(), None, 100_000).entries
    keep = [
        e
        for e in everything
        if (not query.statuses or e.status in query.statuses)
        and (not query.accounts or e.account in query.accounts)
        and (query.since is None or (e.started_at is not None and e.started_at >= query.since))
        and (query.until is None or (e.started_at is not None and e.started_at < query.until))
    ]

    def key(e: HistoryEntry) -> tuple[Any, ...]:
        started = e.started_at.isoformat() if e.started_at else ""
        return {
            SortKey.STARTED: (started,),
            SortKey.NUMBER: (e.digits,),
            SortKey.DURATION: (e.duration if e.duration is not None else -1,),
            SortKey.STATUS: (e.status.value, started),
            SortKey.ACCOUNT: (e.account, started),
        }[query.sort] + (e.id,)

    keep.sort(key=key, reverse=query.descending)
    return [e.uuid for e in keep]


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("by_order", [True, False])
def test_keyset_pages_cover_every_row_once_in_order(
    filled: HistoryStore, sort: SortKey, descending: bool, by_order: bool
) -> None:
    query = HistoryQuery(sort=sort, descending=descending)
    got = [e.uuid for e in all_pages(filled, query, limit=17, by_order=by_order)]
    assert got == expected(filled, query)
    assert len(got) == 240


@pytest.mark.parametrize(
    "fields",
    [
        {"statuses": ("BUSY",)},
        {"statuses": ("BUSY", "FAILED")},
        {"accounts": ("south",)},
        {"accounts": ("south", "support"), "statuses": ("ANSWER",)},
        {"since": T0 + timedelta(minutes=10), "until": T0 + timedelta(minutes=20)},
        {"statuses": ("NO_ANSWER",), "since": T0 + timedelta(minutes=30)},
    ],
)
@pytest.mark.parametrize("sort", [SortKey.STARTED, SortKey.DURATION, SortKey.ACCOUNT])
@pytest.mark.parametrize("by_order", [True, False])
def test_filters_with_both_plans(
    filled: HistoryStore, fields: dict[str, Any], sort: SortKey, by_order: bool
) -> None:
    query = HistoryQuery(sort=sort, **fields)
    got = [e.uuid for e in all_pages(filled, query, limit=11, by_order=by_order)]
    want = expected(filled, query)
    assert got == want
    assert want  # the filter selects something
    assert filled.count(query) == len(want)


@pytest.mark.parametrize("by_order", [True, False])
def test_number_and_text_search_with_both_plans(store: HistoryStore, by_order: bool) -> None:
    a = snap(to_number="+919876543210", started_at=T0)
    b = snap(to_number="+919876500000", started_at=T0 + timedelta(minutes=1))
    c = snap(to_number="+12015550123", started_at=T0 + timedelta(minutes=2), account="Größe AG")
    for s in (a, b, c):
        store.record(s)
    store.set_notes(a.uuid, "Wants a DEMO; call at 5", "callback")

    def found(text: str, **fields: Any) -> list[str]:
        query = store.query(search=text, **fields)
        return [e.uuid for e in all_pages(store, query, limit=2, by_order=by_order)]

    assert found("+91 98765") == [b.uuid, a.uuid]
    assert found("43210") == [a.uuid]
    assert found("098765 43210") == [a.uuid]
    assert found("5550123") == [c.uuid]
    assert found("demo") == [a.uuid]
    assert found("wants demo") == [a.uuid]  # every word, in any order
    assert found("at 5") == [a.uuid]  # short words too
    assert found("GRÖSSE") == [c.uuid]
    assert found("demo", statuses=("BUSY",)) == []
    assert found("+91 98765", sort=SortKey.NUMBER, descending=False) == [b.uuid, a.uuid]


def test_the_planner_collects_narrow_and_walks_broad(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        rows = [
            snap(to_number=f"+9198{n:08d}", started_at=T0 + timedelta(seconds=n))
            for n in range(3000)
        ]
        for s in rows:
            store.record(s)
        narrow = store.query(search=rows[5].to_number)
        broad = store.query(search="+91 98")
        with store._reading("page") as conn:
            assert walk_in_order(conn, narrow, 200) is False
            assert walk_in_order(conn, broad, 200) is True
            assert walk_in_order(conn, store.query(), 200) is True
        assert [e.uuid for e in store.page(narrow).entries] == [rows[5].uuid]
        assert len(store.page(broad, limit=50).entries) == 50


def test_page_sql_names_the_index_it_walks() -> None:
    query = HistoryQuery(statuses=("BUSY",))
    sql, _ = query.page_sql(None, 10, "c.id", by_order=True)
    assert "INDEXED BY calls_status_started" in sql
    sql, _ = HistoryQuery(sort=SortKey.DURATION).page_sql(None, 10, "c.id", by_order=True)
    assert "INDEXED BY calls_duration" in sql


def test_queries_use_indexes_not_table_scans(filled: HistoryStore) -> None:
    with filled._reading("page") as conn:
        plans = [
            (query, " / ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, p)))
            for query, sql, p in _page_sqls(filled)
        ]
    for query, plan in plans:
        # "SCAN c" alone is a full table scan; "SCAN c USING ... INDEX" walks an index.
        assert re.search(r"\bSCAN c\b(?! USING)", plan) is None, (query, plan)


def _page_sqls(filled: HistoryStore) -> list[tuple[HistoryQuery, str, list[Any]]]:
    out = []
    for query, by_order in [
        (filled.query(search="43210"), False),
        (filled.query(search="+91 98765"), False),
        (filled.query(search="demo"), False),
        (filled.query(), True),
        (filled.query(sort=SortKey.NUMBER), True),
        (filled.query(statuses=("BUSY",)), True),
    ]:
        sql, params = query.page_sql(None, 200, "c.id", by_order=by_order)
        out.append((query, sql, params))
    return out


def test_cursor_from_another_sort_is_refused() -> None:
    with pytest.raises(ValueError):
        HistoryQuery(sort=SortKey.STATUS).page_sql(("x", 1), 10, "c.id")


def test_count_accounts_and_delete(filled: HistoryStore) -> None:
    assert filled.count() == 240
    assert filled.accounts() == sorted(ACCOUNTS)
    busy = filled.query(statuses=("BUSY",))
    doomed = [e.uuid for e in filled.page(busy, limit=1000).entries]
    assert filled.delete([*doomed, doomed[0], "no-such-call"]) == len(doomed)
    assert filled.count(busy) == 0
    assert filled.count() == 240 - len(doomed)
    assert filled.get(doomed[0]) is None
    assert filled.delete([]) == 0


def test_fts_index_follows_notes_updates_and_deletes(store: HistoryStore, tmp_path: Path) -> None:
    s = snap()
    store.record(s)
    store.set_notes(s.uuid, "pricing sheet sent")
    assert [e.uuid for e in store.recent(search="pricing")] == [s.uuid]
    store.set_notes(s.uuid, "meeting on friday")
    assert store.recent(search="pricing") == []
    assert [e.uuid for e in store.recent(search="friday")] == [s.uuid]
    # A later snapshot (different caller ID) keeps the notes searchable.
    store.record(s.model_copy(update={"from_number": "+918069000002"}))
    assert [e.uuid for e in store.recent(search="friday")] == [s.uuid]
    assert [e.uuid for e in store.recent(search="north")] == [s.uuid]
    # Any SQLite client may edit the file: the triggers are plain SQL and keep FTS in step.
    raw = sqlite3.connect(store.path)
    raw.execute("DELETE FROM calls WHERE uuid = ?", (s.uuid,))
    raw.execute("INSERT INTO calls_fts (calls_fts, rank) VALUES ('integrity-check', 1)")
    raw.commit()
    raw.close()
    assert store.recent(search="friday") == []


def test_iter_entries_streams_every_match(filled: HistoryStore) -> None:
    query = filled.query(statuses=("ANSWER",), sort=SortKey.NUMBER)
    streamed = [e.uuid for e in filled.iter_entries(query, batch=7)]
    assert streamed == expected(filled, query)


def test_csv_export_has_the_json_keys_and_the_filter(filled: HistoryStore, tmp_path: Path) -> None:
    s = snap(account="=cmd|' /C calc'!A0", started_at=T0 - timedelta(days=1))
    filled.record(s)
    filled.set_notes(s.uuid, '+1 call back, "quoted", comma\nnew line', "@risk")
    out = tmp_path / "calls.csv"
    query = filled.query(since=T0 - timedelta(days=2), until=T0)
    assert filled.export_csv(query, out) == 1
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(JSON_KEYS)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    entry = filled.get(s.uuid)
    assert entry is not None
    data = entry.to_json_dict()
    assert row["uuid"] == s.uuid and row["to"] == data["to"] and row["status"] == "ANSWER"
    assert row["started_at"] == data["started_at"]
    assert row["duration"] == ""  # None is an empty cell
    # Free text that a spreadsheet would run as a formula is defused, the rest kept exactly.
    assert row["account"] == "'=cmd|' /C calc'!A0"
    assert row["notes"] == '\'+1 call back, "quoted", comma\nnew line'
    assert row["disposition"] == "'@risk"
    assert filled.export_csv(filled.query(), out, limit=5) == 5
    assert out.stat().st_mode & 0o777 == 0o600  # personal data: user-only like the history


def test_csv_export_failure_leaves_no_partial_file(filled: HistoryStore, tmp_path: Path) -> None:
    from dialer.domain import DialerError

    with pytest.raises(DialerError, match="cannot write"):
        filled.export_csv(filled.query(), tmp_path / "missing-dir" / "calls.csv")
    assert list(tmp_path.glob("**/*.csv*")) == []


def test_columns_constant_matches_the_table(store: HistoryStore) -> None:
    with store._reading("page") as conn:
        names = [r[1] for r in conn.execute("PRAGMA table_info(calls)")]
    assert {c.strip() for c in COLUMNS.split(",")} <= set(names)


def test_leading_zeros_are_kept_when_they_are_the_digits_searched(store: HistoryStore) -> None:
    a = snap(to_number="+919810000007")
    b = snap(to_number="+919810000017")
    for s in (a, b):
        store.record(s)
    assert [e.uuid for e in store.recent(search="00007")] == [a.uuid]
    assert [e.uuid for e in store.recent(search="0000 7")] == [a.uuid]


def test_searching_an_invalid_number_does_not_load_the_geocoder(tmp_path: Path) -> None:
    """Explaining why a number is invalid loads ~100 MB of geodata; a search never needs it."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        f"""
        import sys
        from dialer.services.history import HistoryStore
        store = HistoryStore({str(tmp_path / "h.sqlite3")!r})
        store.recent(search="44055 58913")  # a US number's digits, read as Indian: invalid
        print("geocoder" in " ".join(sys.modules))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
