"""Turning "what the agent is looking for" into SQL that stays fast on a million calls.

Every query is keyset-paged: a page continues after the last row of the previous one
(`(sort value, id) < (?, ?)`), which is an index seek, where OFFSET would walk every skipped row.
A number search is two index range scans (the E.164 prefix and the reversed last digits); text
goes through the FTS5 trigram index, which matches substrings like the old scan did.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from dialer.numbers import digits_only

__all__ = ["MIN_SEARCH_DIGITS", "Cursor", "HistoryQuery", "SortKey", "walk_in_order"]

#: A search with at least this many digits is a search by number.
MIN_SEARCH_DIGITS = 4

#: Trigram FTS needs three characters; a shorter word is checked on the rows found otherwise.
_MIN_FTS_TERM = 3

#: The position after the last row of a page: its sort values, then its id.
Cursor = tuple[Any, ...]


class SortKey(StrEnum):
    STARTED = "started"
    NUMBER = "number"
    DURATION = "duration"
    STATUS = "status"
    ACCOUNT = "account"


#: The ORDER BY of each sort key (then `id`); each one is the leading part of an index.
SORT_COLUMNS: dict[SortKey, tuple[str, ...]] = {
    SortKey.STARTED: ("c.started_at",),
    SortKey.NUMBER: ("c.digits",),
    SortKey.DURATION: ("IFNULL(c.duration, -1)",),
    SortKey.STATUS: ("c.status", "c.started_at"),
    SortKey.ACCOUNT: ("c.account", "c.started_at"),
}


_ORDER_INDEX: dict[SortKey, str] = {
    SortKey.STARTED: "calls_started_at",
    SortKey.NUMBER: "calls_digits",
    SortKey.DURATION: "calls_duration",
    SortKey.STATUS: "calls_status_started",
    SortKey.ACCOUNT: "calls_account_started",
}


def iso(value: datetime | None) -> str | None:
    """UTC, second precision, "Z": sorts as text and reads the same in JSON and in SQLite."""
    if value is None:
        return None
    if value.tzinfo is None:  # the models promise UTC; a naive value is taken at its word
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class HistoryQuery:
    """A filter and an order over the call history; the same object drives view, CSV and CLI."""

    search: str = ""
    statuses: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    #: Calls started at or after this moment.
    since: datetime | None = None
    #: Calls started before this moment.
    until: datetime | None = None
    sort: SortKey = SortKey.STARTED
    descending: bool = True
    #: Default region for reading a national number typed into the search.
    region: str = field(default="IN", compare=False)

    def where(self, *, by_order: bool = False) -> tuple[list[str], list[Any]]:
        """The filter as AND-ed SQL conditions on `calls c`, with their parameters.

        `by_order`: the rows are found by walking the sort order's index, so the search is
        written as a per-row test; otherwise it is written to drive its own index and the
        other filters are kept off indexes (a leading `+`), so SQLite cannot wander off to a
        broad status index when a narrow number range is at hand.
        """
        conditions: list[str] = []
        params: list[Any] = []
        search_sql, search_params = self._search(by_order=by_order)
        plus = "+" if search_sql and not by_order else ""
        if self.statuses:
            conditions.append(_in(plus + "c.status", self.statuses))
            params.extend(self.statuses)
        if self.accounts:
            conditions.append(_in(plus + "c.account", self.accounts))
            params.extend(self.accounts)
        if self.since is not None:
            conditions.append(plus + "c.started_at >= ?")
            params.append(iso(self.since))
        if self.until is not None:
            conditions.append(plus + "c.started_at < ?")
            params.append(iso(self.until))
        conditions.extend(search_sql)
        params.extend(search_params)
        return conditions, params

    @property
    def has_filters(self) -> bool:
        return bool(
            self.search.strip() or self.statuses or self.accounts or self.since or self.until
        )

    def order_index(self) -> str:
        """The index that yields this query's rows already in its sort order."""
        if self.sort is SortKey.STARTED:
            if len(self.statuses) == 1:
                return "calls_status_started"
            if len(self.accounts) == 1:
                return "calls_account_started"
        return _ORDER_INDEX[self.sort]

    def filter_index(self) -> str | None:
        """Without a search, the index that narrows a filter fastest (None: none to use)."""
        if self.statuses:
            return "calls_status_started"
        if self.accounts:
            return "calls_account_started"
        if self.since is not None or self.until is not None:
            return "calls_started_at"
        return None

    def page_sql(
        self, after: Cursor | None, limit: int, columns: str, *, by_order: bool = True
    ) -> tuple[str, list[Any]]:
        """One page; `by_order` as chosen by `HistoryStore` from a bounded count of matches."""
        conditions, params = self.where(by_order=by_order)
        keys = (*SORT_COLUMNS[self.sort], "c.id")
        if after is not None:
            if len(after) != len(keys):
                raise ValueError("a cursor from another sort order")
            op = "<" if self.descending else ">"
            conditions.append(f"({', '.join(keys)}) {op} ({', '.join('?' * len(keys))})")
            params.extend(after)
        direction = " DESC" if self.descending else ""
        order = ", ".join(key + direction for key in keys)
        index: str | None
        if by_order:
            index = self.order_index()
        elif not self.search.strip():
            index = self.filter_index()
        else:
            index = None  # the search's own indexes (two ranges, or FTS): SQLite combines them
        source = f"calls c INDEXED BY {index}" if index else "calls c"
        sql = f"SELECT {columns} FROM {source}{_where(conditions)} ORDER BY {order} LIMIT ?"
        return sql, [*params, limit]

    def count_sql(self) -> tuple[str, list[Any]]:
        conditions, params = self.where()
        return f"SELECT count(*) FROM calls c{_where(conditions)}", params

    def bounded_count_sql(self, bound: int) -> tuple[str, list[Any]] | None:
        """How many rows the narrowing condition matches, counting no further than `bound`.

        The search alone when there is one (its indexes make this cheap whatever the other
        filters are), else the other filters; None when nothing narrows the table.
        """
        text = self.search.strip()
        if text and len(digits_only(text)) < MIN_SEARCH_DIGITS:
            # Straight from the FTS index, which stops at the bound; `c.id IN (...)` would
            # first collect every match.
            terms = [t for t in text.casefold().split() if len(t) >= _MIN_FTS_TERM]
            if not terms:
                return None  # only short words: nothing indexed narrows it
            sql = "SELECT count(*) FROM (SELECT rowid FROM calls_fts WHERE calls_fts MATCH ? "
            return sql + "LIMIT ?)", [_fts_match(terms), bound]
        if text:
            conditions, params = HistoryQuery(search=self.search, region=self.region).where()
        elif self.filter_index() is not None:
            conditions, params = self.where()
        else:
            return None
        sql = f"SELECT count(*) FROM (SELECT 1 FROM calls c{_where(conditions)} LIMIT ?)"
        return sql, [*params, bound]

    def _search(self, *, by_order: bool) -> tuple[list[str], list[Any]]:
        text = self.search.strip()
        if not text:
            return [], []
        digits = digits_only(text)
        if len(digits) >= MIN_SEARCH_DIGITS:
            prefix, suffix = number_keys(text, digits, self.region)
            # Digits are ASCII 0-9 and ':' follows '9': [p, p + ':') is "starts with p".
            ranges = "((c.digits >= ? AND c.digits < ?) OR (c.rdigits >= ? AND c.rdigits < ?))"
            return [ranges], [prefix, prefix + ":", suffix[::-1], suffix[::-1] + ":"]
        terms = text.casefold().split()
        long_terms = [term for term in terms if len(term) >= _MIN_FTS_TERM]
        conditions: list[str] = []
        params: list[Any] = []
        if long_terms and not by_order:
            conditions.append("c.id IN (SELECT rowid FROM calls_fts WHERE calls_fts MATCH ?)")
            params.append(_fts_match(long_terms))
        for term in terms:
            # What the trigram index matches is exactly a substring of `search_text`.
            if by_order or len(term) < _MIN_FTS_TERM:
                conditions.append("instr(c.search_text, ?) > 0")
                params.append(term)
        return conditions, params

    def cursor_of(self, row: Any) -> Cursor:
        """The cursor after `row` (a sqlite3.Row with the sort columns and `id`)."""
        values: list[Any] = []
        for column in SORT_COLUMNS[self.sort]:
            if column.startswith("IFNULL(c.duration"):
                values.append(row["duration"] if row["duration"] is not None else -1)
            else:
                values.append(row[column.removeprefix("c.")])
        values.append(row["id"])
        return tuple(values)


def number_keys(text: str, digits: str, region: str) -> tuple[str, str]:
    """(E.164 prefix, last digits) that a number search looks for.

    Prefix: what the text means as a number in E.164 ("+91 98765", "0091 98765").
    Suffix: the digits as typed, minus a national trunk 0 ("098765 43210" ends "9876543210").
    """
    prefix = _e164_digits(text, region) or digits
    stripped = digits.lstrip("0")
    # "00007" means its last five digits, not "ends in 7": strip only what leaves enough.
    suffix = stripped if len(stripped) >= MIN_SEARCH_DIGITS else digits
    return prefix, suffix


def _e164_digits(text: str, region: str) -> str | None:
    """The digits of `text` read as a number in E.164, valid or not.

    libphonenumber directly, not `dialer.numbers.parse`: that one also works out why a number
    is invalid (names, reasons), which a search term never needs.
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def _fts_match(terms: list[str]) -> str:
    """Every term as a quoted phrase: FTS syntax characters in it are literal text, and with
    the trigram tokenizer a phrase matches as a substring."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _in(column: str, values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return f"{column} = ?"
    return f"{column} IN ({', '.join('?' * len(values))})"


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


#: A row visited while walking an index in order costs about this much of a row collected
#: through a filter index and sorted (measured on a 1M-row history: see benchmarks/history.py).
_WALK_COST = 0.35
_MIN_COLLECT = 500
_MAX_COLLECT = 20_000


def walk_in_order(conn: sqlite3.Connection, query: HistoryQuery, limit: int) -> bool:
    """Find a page by walking the sort order's index (True), or by collecting the matches
    through the filter's own index and sorting them (False)?

    Walking costs about limit x rows / matches row visits; collecting costs one visit per
    match. So a narrow filter (a full number, a rare word) collects, a broad one ("+91 98", a
    word in every third note) walks; the two cost the same near sqrt(limit x rows), and a
    bounded count through the index tells which side of that line a query is on. The choice
    is made here and forced with INDEXED BY, not left to SQLite's guesses, which without
    statistics can sort half a million rows to show one page.
    """
    if not query.has_filters:
        return True
    if (
        not query.search.strip()
        and query.sort is SortKey.STARTED
        and len(query.statuses) <= 1
        and len(query.accounts) <= 1
    ):
        return True  # (status|account, started_at) or the started_at range: already in order
    rows = int(conn.execute("SELECT IFNULL(max(id), 0) FROM calls").fetchone()[0])
    bound = max(_MIN_COLLECT, min(_MAX_COLLECT, int(math.sqrt(limit * rows * _WALK_COST))))
    counted = query.bounded_count_sql(bound)
    return counted is None or int(conn.execute(*counted).fetchone()[0]) >= bound
