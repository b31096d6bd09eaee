"""The local do-not-call list: one entry per number whatever its written form, and CSV imports
that report every row they could not read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer import dnc
from dialer.dnc import DncList
from dialer.domain.errors import ConfigError, InvalidNumber

MOBILE = "+919876543210"


@pytest.fixture
def listed(tmp_path: Path) -> Iterator[DncList]:
    lst = DncList(tmp_path / "dnc.sqlite3")
    yield lst
    lst.close()


@pytest.mark.parametrize(
    "text",
    [
        "9876543210",
        "098765 43210",
        "+91-98765-43210",
        "919876543210",
        "0091 98765 43210",
        "tel:+91-98765-43210",
        "9.19876543210E+11",  # Excel's rendering of 919876543210
        "९८७६५४३२१०",
    ],
)
def test_every_written_form_is_one_entry(text: str) -> None:
    assert dnc.normalize(text) == MOBILE


def test_normalize_refuses_what_is_no_number() -> None:
    for text in ("", "hello", "+", "9.1E+3"):
        with pytest.raises(InvalidNumber, match="is not a phone number"):
            dnc.normalize(text)
    assert dnc.normalize("020 7946 0000", "GB") == "+442079460000"


def test_add_lookup_remove(listed: DncList) -> None:
    entry = listed.add("098765 43210", "asked twice")
    assert entry.number == MOBILE and entry.reason == "asked twice" and entry.source == "manual"
    assert entry.added_at.endswith("Z")
    assert listed.lookup(MOBILE) == entry
    assert listed.lookup("+919876543211") is None
    assert len(listed) == 1
    assert listed.remove("+91 98765 43210") is True
    assert listed.remove("+91 98765 43210") is False
    assert len(listed) == 0


def test_describe_is_the_refusal(listed: DncList) -> None:
    entry = listed.add(MOBILE, "legal hold")
    assert entry.describe().startswith(f"{MOBILE} is on the do-not-call list (legal hold), added ")
    bare = dnc.DncEntry(MOBILE)
    assert bare.describe() == f"{MOBILE} is on the do-not-call list"


def test_import_with_a_header_and_bad_rows(listed: DncList) -> None:
    text = (
        "\ufeffName,Phone Number,Remarks\n"
        "Asha,098765 43210,complained\n"
        "Ravi,+91-98765-43211,\n"
        "\n"
        "Nobody,not known,\n"
        "Short,12345,\n"
        "Excel,9.19876543212E+11,from the CRM\n"
    )
    report = listed.import_csv(text.removeprefix("\ufeff"), source="crm.csv", reason="bulk")
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    assert report.skipped_count == 2
    assert [(line, cell) for line, cell, _ in report.skipped] == [(5, "not known"), (6, "12345")]
    assert report.summary() == "3 added, 0 updated, 0 already listed, 2 rows skipped"
    asha = listed.lookup(MOBILE)
    assert asha is not None and asha.reason == "complained" and asha.source == "crm.csv"
    ravi = listed.lookup("+919876543211")
    assert ravi is not None and ravi.reason == "bulk"  # the row gave none
    assert listed.lookup("+919876543212") is not None


def test_import_without_header_other_delimiters(listed: DncList) -> None:
    report = listed.import_csv("9876543210;do not call\n+44 20 7946 0000;uk\n", source="x")
    assert report.added == 2 and report.skipped_count == 0
    entry = listed.lookup("+442079460000")
    assert entry is not None and entry.reason == "uk"
    report = listed.import_csv("number\tnote\n9876543213\tx\n", source="tabs")
    assert report.added == 1
    report = listed.import_csv("9876543214\n9876543215\n", source="plain")
    assert report.added == 2


def test_reimport_updates_reasons_and_counts_the_rest(listed: DncList) -> None:
    listed.import_csv("number,reason\n9876543210,first\n9876543211,\n", source="a")
    report = listed.import_csv("number,reason\n9876543210,second\n9876543211,\n", source="b")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    entry = listed.lookup(MOBILE)
    assert entry is not None and entry.reason == "second"


def test_import_reports_a_limited_list_but_an_exact_count(listed: DncList) -> None:
    text = "\n".join(f"bad{i}" for i in range(dnc.MAX_REPORTED + 5)) + "\n9876543210\n"
    report = listed.import_csv(text, source="x")
    assert report.skipped_count == dnc.MAX_REPORTED + 5
    assert len(report.skipped) == dnc.MAX_REPORTED
    assert report.added == 1


def test_the_list_is_shared_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "dnc.sqlite3"
    with DncList(path) as first:
        first.add(MOBILE, "x")
    with DncList(path) as second:
        assert second.lookup(MOBILE) is not None
        snap = second.snapshot()
    assert len(snap) == 1 and snap.lookup(MOBILE) is not None


def test_open_existing_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite3"
    with dnc.open_existing(path) as listed:
        assert listed.lookup(MOBILE) is None
    assert not path.exists()
    DncList(path).close()
    with dnc.open_existing(path) as listed:
        assert isinstance(listed, DncList)


def test_default_path_is_under_the_data_dir(dialer_home: Path) -> None:
    assert dnc.default_path() == dialer_home.resolve() / "data" / "dnc.sqlite3"


def test_read_file_handles_bom_and_legacy_encodings(tmp_path: Path) -> None:
    utf8 = tmp_path / "a.csv"
    utf8.write_bytes("\ufeffnumber,reason\n9876543210,café\n".encode())
    assert dnc.read_file(utf8).startswith("number,")
    legacy = tmp_path / "b.csv"
    legacy.write_bytes("number,reason\n9876543210,caf\xe9\n".encode("cp1252"))
    assert "café" in dnc.read_file(legacy)
    with pytest.raises(ConfigError, match="cannot read"):
        dnc.read_file(tmp_path / "missing.csv")


def test_an_unreadable_csv_is_an_error_not_a_partial_import(listed: DncList) -> None:
    with pytest.raises(ConfigError, match="not a readable CSV"):
        listed.import_csv('9876543210\n"' + "x" * 200_000, source="broken")
    assert len(listed) == 0


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_imports_or_is_refused_plainly(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    with DncList(tmp_path_factory.mktemp("dnc") / "dnc.sqlite3") as fresh:
        try:
            report = fresh.import_csv(text, source="fuzz")
        except ConfigError:
            assert len(fresh) == 0  # all or nothing
            return
        assert report.added == len(fresh)
        assert report.skipped_count >= len(report.skipped)
