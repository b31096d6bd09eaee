"""The last do-not-call check before a call leaves: the in-memory copy answers while the
list's files are exactly as they were when it was read; after any change the list on disk
does, and the copy is read again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dialer import dnc
from dialer.domain import CallRequest
from dialer.guard import GuardRefused
from dialer.ui.guard_view import GuardView
from tests.gui.conftest import Gui, run_until_done


def count_disk_reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every time the list is opened on disk from now on (the path asked for, per open)."""
    reads: list[object] = []
    real_open = dnc.open_existing

    def counted(path: Path | None = None) -> object:
        reads.append(path)
        return real_open(path)

    monkeypatch.setattr(dnc, "open_existing", counted)
    return reads


def test_the_copy_answers_only_while_the_files_are_unchanged(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, dialer_home: Path
) -> None:
    view = gui.window.guard_view
    assert isinstance(view, GuardView)
    with dnc.DncList() as listed:
        listed.add("+91 98765 43210", "asked not to be called")
    monkeypatch.setattr(dnc, "RACY_NS", 0)  # the write above counts as long past
    time.sleep(0.05)  # file times advance in clock ticks: later writes land in later ones
    view.reload_dnc()
    qtbot.waitUntil(
        lambda: view._dnc is not None and len(view._dnc) == 1 and view._dnc_trusted,
        timeout=5000,
    )
    reads = count_disk_reads(monkeypatch)

    def check(number: str) -> None:
        run_until_done(qtbot, view._before_place(CallRequest(account="sandbox", to_number=number)))

    with pytest.raises(GuardRefused, match="asked not to be called"):
        check("+919876543210")
    check("+919876543211")
    assert reads == []  # the files are as read: the copy is the list on disk

    with dnc.DncList() as listed:  # `dialer dnc import` in another process
        listed.add("+91 98765 43211", "opted out today")
    with pytest.raises(GuardRefused, match="opted out today"):
        check("+919876543211")
    assert len(reads) == 1  # read on disk, not from the stale copy
    qtbot.waitUntil(lambda: view._dnc is not None and len(view._dnc) == 2, timeout=5000)


def test_an_untrusted_copy_never_answers(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, dialer_home: Path
) -> None:
    view = gui.window.guard_view
    assert isinstance(view, GuardView)
    with dnc.DncList() as listed:
        listed.add("+91 98765 43210", "asked not to be called")
    view.reload_dnc()  # a write a moment ago: its stamp cannot vouch for the copy
    qtbot.waitUntil(lambda: view._dnc is not None and len(view._dnc) == 1, timeout=5000)
    assert not view._dnc_trusted
    reads = count_disk_reads(monkeypatch)
    request = CallRequest(account="sandbox", to_number="+919876543211")
    run_until_done(qtbot, view._before_place(request))
    assert len(reads) == 1


def test_an_older_read_finishing_last_does_not_bring_back_a_stale_copy(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, dialer_home: Path
) -> None:
    """Two reads in flight (the start-up one, then a reload after `dialer dnc import`): the
    first, slower one must not land its older answer over the second's."""
    import threading

    view = gui.window.guard_view
    assert isinstance(view, GuardView)
    qtbot.waitUntil(lambda: view._dnc is not None and not view._tasks, timeout=5000)
    real_load = dnc.load_stamped
    gate, calls = threading.Event(), []

    def load(path: Path) -> object:
        calls.append(path)
        answer = real_load(path)
        if len(calls) == 1:
            gate.wait(10)  # the first read is held until the second has landed
        return answer

    monkeypatch.setattr(dnc, "load_stamped", load)
    view._spawn(view._load_dnc())  # reads the list while it is still empty
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    with dnc.DncList() as listed:
        listed.add("+91 98765 43210", "asked not to be called")
    view._spawn(view._load_dnc())
    qtbot.waitUntil(lambda: view._dnc is not None and len(view._dnc) == 1, timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: not view._tasks, timeout=5000)
    assert view._dnc is not None and len(view._dnc) == 1
