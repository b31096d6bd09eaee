"""The local do-not-call list: numbers the agent must not ring, whatever the source.

Entries are stored in E.164, so "098765 43210", "+91-98765-43210" and "919876543210" are one
entry and a lookup of whatever the dial box holds finds it. Lists arrive as CSV exported from
CRMs and spreadsheets, in any written form (even Excel's 9.19877E+11); rows that cannot be
read are reported by line, never silently dropped, so the list is known to be complete.

SQLite under `paths.data_dir()`: one file, safe against a crash mid-import (one transaction),
shared by the window and the CLI. Qt-free; the window loads a `snapshot` on a worker thread.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType

from dialer import numbers, paths
from dialer.domain.errors import ConfigError, InvalidNumber

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dnc (
    number   TEXT PRIMARY KEY,   -- E.164
    reason   TEXT NOT NULL DEFAULT '',
    source   TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL       -- ISO 8601, UTC
)
"""

#: Header words that name the number column / the reason column of an imported CSV.
_NUMBER_HEADERS = ("number", "phone", "mobile", "msisdn", "tel", "telephone", "contact", "dnc")
_REASON_HEADERS = ("reason", "note", "notes", "comment", "comments", "remark", "remarks")
#: How many unreadable rows an import report lists one by one (the count is always exact).
MAX_REPORTED = 20
_SCIENTIFIC = re.compile(r"^\s*\+?\d(\.\d+)?[eE]\+?\d+\s*$")


def default_path() -> Path:
    return paths.data_dir() / "dnc.sqlite3"


@dataclass(frozen=True)
class DncEntry:
    number: str  # E.164
    reason: str = ""
    source: str = ""
    added_at: str = ""

    def describe(self) -> str:
        """The refusal text: why this number is not called, and since when."""
        text = f"{self.number} is on the do-not-call list"
        if self.reason:
            text += f" ({self.reason})"
        if self.added_at:
            text += f", added {self.added_at[:10]}"
        return text


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, reason)
    skipped_count: int = 0

    def summary(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} already listed"
        if self.skipped_count:
            rows = "row" if self.skipped_count == 1 else "rows"
            text += f", {self.skipped_count} {rows} skipped"
        return text


class DncSnapshot:
    """An in-memory copy for per-keystroke lookups, where a disk read would stall the window."""

    def __init__(self, entries: Iterable[DncEntry]) -> None:
        self._entries = {e.number: e for e in entries}

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, e164: str) -> DncEntry | None:
        return self._entries.get(e164)


def normalize(text: str, region: str = numbers.DEFAULT_REGION) -> str:
    """E.164 of a listed number; InvalidNumber when it is not a phone number at all.

    Possible-but-not-valid numbers are kept: a range missing from phonenumbers' metadata today
    may become dialable after an update, and it must still be on the list then.
    """
    text = _unscientific(text)
    parsed = numbers.parse(text, region)
    if parsed.e164 is None or not (parsed.valid or parsed.possible):
        why = "" if parsed.reason in ("", "not a phone number") else f" ({parsed.reason})"
        raise InvalidNumber(f"{text.strip()[:40]!r} is not a phone number{why}")
    return parsed.e164


def _unscientific(text: str) -> str:
    """Undo a spreadsheet writing 919876543210 as 9.19876543210E+11 (when no digit was lost)."""
    if not _SCIENTIFIC.match(text):
        return text
    try:
        value = Decimal(text.strip().lstrip("+"))
    except InvalidOperation:
        return text
    if value != value.to_integral_value():
        return text
    return str(int(value))


class DncList:
    """The list on disk. One instance per thread (SQLite connections are not shared)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DncList:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------------------

    def lookup(self, e164: str) -> DncEntry | None:
        row = self._db.execute(
            "SELECT number, reason, source, added_at FROM dnc WHERE number = ?", (e164,)
        ).fetchone()
        return DncEntry(*row) if row else None

    def entries(self) -> list[DncEntry]:
        rows = self._db.execute("SELECT number, reason, source, added_at FROM dnc ORDER BY number")
        return [DncEntry(*row) for row in rows]

    def snapshot(self) -> DncSnapshot:
        return DncSnapshot(self.entries())

    def __len__(self) -> int:
        count: int = self._db.execute("SELECT COUNT(*) FROM dnc").fetchone()[0]
        return count

    # --- writing -------------------------------------------------------------------------------

    def add(
        self,
        number: str,
        reason: str = "",
        *,
        source: str = "manual",
        region: str = numbers.DEFAULT_REGION,
    ) -> DncEntry:
        e164 = normalize(number, region)
        with self._db:
            self._upsert(e164, reason, source)
        entry = self.lookup(e164)
        assert entry is not None
        return entry

    def remove(self, number: str, *, region: str = numbers.DEFAULT_REGION) -> bool:
        e164 = normalize(number, region)
        with self._db:
            cursor = self._db.execute("DELETE FROM dnc WHERE number = ?", (e164,))
        return cursor.rowcount > 0

    def import_csv(
        self, text: str, *, source: str, reason: str = "", region: str = numbers.DEFAULT_REGION
    ) -> ImportReport:
        """Add every number of a CSV (one transaction: all rows or none)."""
        report = ImportReport()
        try:
            rows = list(_read_rows(text))
        except csv.Error as exc:  # e.g. an unclosed quote swallowing the rest of the file
            raise ConfigError(f"not a readable CSV file: {exc}") from None
        with self._db:
            for line, number, row_reason in rows:
                try:
                    e164 = normalize(number, region)
                except InvalidNumber as exc:
                    report.skipped_count += 1
                    if len(report.skipped) < MAX_REPORTED:
                        report.skipped.append((line, number, exc.message))
                    continue
                outcome = self._upsert(e164, row_reason or reason, source)
                if outcome == "added":
                    report.added += 1
                elif outcome == "updated":
                    report.updated += 1
                else:
                    report.unchanged += 1
        return report

    def _upsert(self, e164: str, reason: str, source: str) -> str:
        old = self.lookup(e164)
        if old is None:
            self._db.execute(
                "INSERT INTO dnc (number, reason, source, added_at) VALUES (?, ?, ?, ?)",
                (e164, reason, source, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
            )
            return "added"
        if reason and reason != old.reason:
            self._db.execute("UPDATE dnc SET reason = ? WHERE number = ?", (reason, e164))
            return "updated"
        return "unchanged"


def read_file(path: Path) -> str:
    """A CSV's text; Excel's UTF-8 BOM and legacy single-byte exports both read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_rows(text: str) -> Iterator[tuple[int, str, str]]:
    """(line number, number cell, reason cell) for each data row of a CSV."""
    first = text.split("\n", 1)[0]
    delimiter = next((d for d in (",", ";", "\t", "|") if d in first), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    number_col, reason_col = 0, 1
    header_checked = False
    for row in reader:
        line = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if not header_checked:
            header_checked = True
            words = [set(re.split(r"[\s_\-.]+", c.lower())) for c in cells]
            named = [i for i, w in enumerate(words) if w & set(_NUMBER_HEADERS)]
            if named and not numbers.digits_only(cells[named[0]]):
                number_col = named[0]
                reasons = [i for i, w in enumerate(words) if w & set(_REASON_HEADERS)]
                reason_col = reasons[0] if reasons else -1
                continue
            if not any(numbers.digits_only(c) for c in cells):
                continue  # a header we do not recognise: no digits at all
        number = cells[number_col] if number_col < len(cells) else ""
        reason = cells[reason_col] if 0 <= reason_col < len(cells) else ""
        yield line, number, reason


class _NoList:
    """Stands in when no list was ever created, so a read-only command creates no file."""

    def lookup(self, e164: str) -> DncEntry | None:
        return None

    def __enter__(self) -> _NoList:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def open_existing(path: Path | None = None) -> DncList | _NoList:
    """The list if there is one; checks and calls must not create an empty database."""
    path = path or default_path()
    return DncList(path) if path.exists() else _NoList()


#: A file's (mtime_ns, ctime_ns, size, inode), or None while it does not exist. The ctime
#: catches a copy that puts back an older file's mtime (`cp -p`) in place.
FileStamp = tuple[int, int, int, int] | None
#: How recent a change may be and still be trusted by its stamp: file times advance in
#: coarse ticks (a jiffy on Linux, 2 s on FAT), so a write within the same tick as the read
#: could leave the stamp unchanged.
RACY_NS = 3_000_000_000


#: The stamps of the list's database and of its write-ahead log.
Stamp = tuple[FileStamp, FileStamp]


def stamp(path: Path | None = None) -> Stamp:
    """What the list's files look like on disk (the database and its write-ahead log): an
    `os.stat` each, cheap enough for the GUI thread (~10 µs), where a lookup is not."""
    path = path or default_path()
    return _stat(path), _stat(path.with_name(path.name + "-wal"))


def _stat(path: Path) -> FileStamp:
    try:
        result = os.stat(path)
    except FileNotFoundError:
        return None
    return result.st_mtime_ns, result.st_ctime_ns, result.st_size, result.st_ino


def load_stamped(path: Path | None = None) -> tuple[DncSnapshot, Stamp, bool]:
    """The whole list in memory, the files' stamp after the read, and whether that stamp can
    stand for the snapshot: True means that while the stamp is unchanged, the list on disk
    holds exactly this snapshot.

    It cannot when the files changed during the read, or so recently that another change in
    the same clock tick could leave the stamp as it is: then every check must read the list
    on disk again until a later read is trusted.
    """
    path = path or default_path()
    started = time.time_ns()
    before = stamp(path)
    if before[0] is None:
        snapshot = DncSnapshot(())
    else:
        with DncList(path) as listed:
            snapshot = listed.snapshot()
    after = stamp(path)
    newest = max((max(s[0], s[1]) for s in after if s is not None), default=0)
    return snapshot, after, after == before and newest < started - RACY_NS
