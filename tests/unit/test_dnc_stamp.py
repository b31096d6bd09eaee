"""The do-not-call list's file stamp: an in-memory copy stands for the list on disk only while
the files are exactly as they were when it was read, and never right after a change."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dialer import dnc


def test_no_list_is_an_empty_trusted_copy_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "dnc.sqlite3"
    snapshot, stamp, trusted = dnc.load_stamped(path)
    assert len(snapshot) == 0
    assert stamp == (None, None)
    assert trusted
    assert list(tmp_path.iterdir()) == []


def test_the_stamp_holds_while_the_files_do_and_moves_with_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dnc.sqlite3"
    with dnc.DncList(path) as listed:
        listed.add("+91 98765 43210", "asked not to be called")
    monkeypatch.setattr(dnc, "RACY_NS", 0)  # the write above counts as long past
    time.sleep(0.05)  # file times advance in clock ticks: the next write lands in a later one
    snapshot, stamp, trusted = dnc.load_stamped(path)
    assert trusted
    entry = snapshot.lookup("+919876543210")
    assert entry is not None and entry.reason == "asked not to be called"
    assert dnc.stamp(path) == stamp  # reading the list changed nothing on disk
    with dnc.DncList(path) as listed:
        listed.add("+91 98765 43211")
    assert dnc.stamp(path) != stamp


def test_a_change_in_the_last_seconds_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "dnc.sqlite3"
    with dnc.DncList(path) as listed:
        listed.add("+91 98765 43210")
    snapshot, stamp, trusted = dnc.load_stamped(path)
    assert len(snapshot) == 1
    assert stamp[0] is not None
    assert not trusted  # a second write in the same clock tick could keep this stamp


def test_a_copy_that_puts_an_old_mtime_back_still_moves_the_stamp(tmp_path: Path) -> None:
    path = tmp_path / "dnc.sqlite3"
    with dnc.DncList(path) as listed:
        listed.add("+91 98765 43210")
    before = dnc.stamp(path)
    assert before[0] is not None
    time.sleep(0.05)
    os.utime(path, ns=(before[0][0], before[0][0]))  # as `cp -p` would leave it
    assert dnc.stamp(path) != before
