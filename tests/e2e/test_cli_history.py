"""`dialer history` as a real subprocess: --csv next to the unchanged --search/--limit/--json."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dialer.domain import CallSnapshot, CallStatus
from dialer.services.history import HistoryStore

T0 = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


def dialer(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dialer", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, DIALER_HOME=str(home)),
        timeout=45,
        check=False,
    )


@pytest.fixture
def history(dialer_home: Path) -> Path:
    """60 calls (more than the default 50), 3 of them to one number, one with awkward notes."""
    with HistoryStore(dialer_home / "data" / "history.sqlite3") as store:
        for n in range(60):
            number = "+919876543210" if n % 20 == 0 else f"+9198100{n:05d}"
            store.record(
                CallSnapshot(
                    uuid=f"u{n:02d}",
                    account="sales",
                    provider="sandbox",
                    to_number=number,
                    from_number="+918069000001",
                    call_id=f"c{n}",
                    status=CallStatus.ANSWER if n % 2 else CallStatus.NO_ANSWER,
                    final=True,
                    started_at=T0 + timedelta(minutes=n),
                    ended_at=T0 + timedelta(minutes=n, seconds=40),
                    duration=30 if n % 2 else None,
                )
            )
        store.set_notes("u20", 'Said "call back", Friday; =SUM(A1)', "callback")
    return dialer_home


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_exports_every_call_with_the_json_keys(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    result = dialer("history", "--csv", str(out), home=history)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote 60 calls to {out}"
    rows = read_csv(out)
    assert len(rows) == 60  # not cut at the listing default of 50
    listed = json.loads(dialer("history", "--json", "--limit", "60", home=history).stdout)
    assert list(rows[0]) == list(listed[0])  # the same columns as the JSON keys, same order
    for row, data in zip(rows, listed, strict=True):
        assert row["uuid"] == data["uuid"]
        assert row["to"] == data["to"] and row["started_at"] == data["started_at"]
        assert row["duration"] == ("" if data["duration"] is None else str(data["duration"]))
    noted = next(r for r in rows if r["uuid"] == "u20")
    assert noted["notes"] == 'Said "call back", Friday; =SUM(A1)'  # not a formula: as written
    assert noted["disposition"] == "callback"


def test_csv_follows_search_and_limit(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "found.csv"
    result = dialer("history", "--search", "98765 43210", "--csv", str(out), home=history)
    assert result.returncode == 0, result.stderr
    assert [r["uuid"] for r in read_csv(out)] == ["u40", "u20", "u00"]
    assert "wrote 3 calls" in result.stdout
    result = dialer("history", "--limit", "5", "--csv", str(out), home=history)
    assert [r["uuid"] for r in read_csv(out)] == ["u59", "u58", "u57", "u56", "u55"]
    result = dialer("history", "--search", "friday", "--csv", str(out), home=history)
    assert "wrote 1 call to" in result.stdout
    assert [r["uuid"] for r in read_csv(out)] == ["u20"]


def test_csv_with_json_still_prints_the_json(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "both.csv"
    result = dialer("history", "--json", "--csv", str(out), home=history)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 50
    assert len(read_csv(out)) == 60


def test_search_limit_and_json_are_unchanged(history: Path) -> None:
    listed = json.loads(dialer("history", "--json", home=history).stdout)
    assert len(listed) == 50
    assert listed[0]["uuid"] == "u59"
    found = json.loads(dialer("history", "--json", "--search", "+91 98765", home=history).stdout)
    assert [r["uuid"] for r in found] == ["u40", "u20", "u00"]
    text = dialer("history", "--limit", "2", home=history)
    assert text.returncode == 0
    assert len(text.stdout.splitlines()) == 2 and "+919810000059" in text.stdout
    bad = dialer("history", "--limit", "0", home=history)
    assert bad.returncode == 2 and "--limit" in bad.stderr


def test_csv_errors_are_plain(history: Path, tmp_path: Path) -> None:
    folder = dialer("history", "--csv", str(tmp_path), home=history)
    assert folder.returncode == 2
    assert "is a folder" in folder.stderr and "Traceback" not in folder.stderr
    missing = dialer("history", "--csv", str(tmp_path / "nope" / "x.csv"), home=history)
    assert missing.returncode == 1
    assert "cannot write" in missing.stderr and "Traceback" not in missing.stderr


def test_empty_history_exports_just_the_header(dialer_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    result = dialer("history", "--csv", str(out), home=dialer_home)
    assert result.returncode == 0, result.stderr
    assert "wrote 0 calls" in result.stdout
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("account,provider,call_id")
