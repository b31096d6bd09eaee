"""The history view on a real store: lazy pages, search, filters, sort, redial, copy, delete,
export, keyboard use. Recording playback is in test_player.py."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from dialer.domain import CallSnapshot, CallStatus
from dialer.services.history import HistoryStore, SortKey
from dialer.ui import pyside_fix
from dialer.ui.history_model import DURATION, NOTES, NUMBER, PAGE_SIZE, RECORDING
from dialer.ui.history_view import HistoryView
from tests.gui.conftest import run_until_done

# PySide6 6.12.0 on Python 3.11 drains True/None with every emit and void call; without this
# guard a long GUI run aborts at exit (see dialer/ui/pyside_fix.py).
pyside_fix.install()

NOW = datetime.now(UTC).replace(microsecond=0)
ROOT = Path(__file__).resolve().parents[2]


def snap(n: int, **fields: object) -> CallSnapshot:
    base: dict[str, object] = {
        "uuid": str(uuid.uuid4()),
        "account": ("north", "south")[n % 2],
        "provider": "sandbox",
        "to_number": f"+9198100{n:05d}",
        "from_number": "+918069000001",
        "call_id": f"c{n}",
        "status": (CallStatus.ANSWER, CallStatus.BUSY, CallStatus.NO_ANSWER)[n % 3],
        "final": True,
        "started_at": NOW - timedelta(minutes=n),
        "duration": (n * 7) % 300 if n % 3 == 0 else None,
    }
    base.update(fields)
    return CallSnapshot(**base)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "history.sqlite3") as s:
        yield s


@pytest.fixture
def filled(store: HistoryStore) -> HistoryStore:
    for n in range(1000):
        store.record(snap(n))
    store.record(snap(5000, to_number="+919876543210", started_at=NOW - timedelta(days=3)))
    return store


@pytest.fixture
def view(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, filled: HistoryStore
) -> Iterator[HistoryView]:
    client = httpx.AsyncClient()
    widget = HistoryView(filled, client)
    # Not qtbot.addWidget: pytest-qt deletes its widgets before fixtures tear down, and the
    # view must stop its reads (aclose) while it still exists.
    widget.resize(1000, 600)
    widget.show()
    wait_loaded(qtbot, widget)
    try:
        yield widget
    finally:
        run_until_done(qtbot, widget.aclose())
        run_until_done(qtbot, client.aclose())
        widget.close()
        widget.deleteLater()


def wait_loaded(qtbot: QtBot, view: HistoryView, generation: int | None = None) -> None:
    wanted = view.model.generation if generation is None else generation
    qtbot.waitUntil(
        lambda: view.model.generation_loaded >= wanted and not view.model.loading, timeout=5000
    )


def numbers_shown(view: HistoryView) -> list[str]:
    model = view.model
    return [entry.to_number for row in range(model.rowCount()) if (entry := model.entry(row))]


def test_pages_load_lazily_as_the_table_scrolls(qtbot: QtBot, view: HistoryView) -> None:
    model = view.model
    assert model.rowCount() == PAGE_SIZE < 1001
    qtbot.waitUntil(lambda: view.count_label.text() == "1,001 calls", timeout=5000)
    assert numbers_shown(view)[0] == "+919810000000"  # newest first
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() >= 2 * PAGE_SIZE, timeout=5000)
    assert model.rowCount() < 1001  # only what was scrolled to
    while not model.exhausted:
        view.table.scrollToBottom()
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.rowCount() == 1001
    uuids = [model.entry(row).uuid for row in range(model.rowCount())]  # type: ignore[union-attr]
    assert len(set(uuids)) == 1001  # keyset pages: no row twice, none skipped


@pytest.mark.parametrize(
    "text", ["+91 98765 43210", "098765 43210", "9876543210", "43210", "+91 98765"]
)
def test_search_finds_a_number_however_it_is_written(
    qtbot: QtBot, view: HistoryView, text: str
) -> None:
    wait_loaded(qtbot, view, view.apply_search(text))
    assert numbers_shown(view) == ["+919876543210"]
    qtbot.waitUntil(lambda: view.count_label.text() == "1 call matches", timeout=5000)


def test_typing_searches_after_a_pause_and_esc_clears(qtbot: QtBot, view: HistoryView) -> None:
    qtbot.keyClicks(view.search, "00007")
    qtbot.waitUntil(lambda: numbers_shown(view) == ["+919810000007"], timeout=5000)
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)
    assert view.search.text() == ""
    qtbot.waitUntil(lambda: view.model.rowCount() == PAGE_SIZE, timeout=5000)


def test_notes_search_and_empty_result(
    qtbot: QtBot, view: HistoryView, filled: HistoryStore
) -> None:
    entry = view.model.entry(3)
    assert entry is not None
    filled.set_notes(entry.uuid, "Wants the Größe XL brochure", "interested")
    wait_loaded(qtbot, view, view.apply_search("grösse brochure"))
    assert [e.uuid for e in view.selected_entries() or [view.model.entry(0)] if e] == [entry.uuid]
    assert view.model.data(view.index_of(0, NOTES)).startswith("interested · Wants")
    wait_loaded(qtbot, view, view.apply_search("no such words anywhere"))
    assert view.model.rowCount() == 0
    assert view.empty.isVisible() and "No calls match" in view.empty.text()


def test_filters_status_account_and_dates(qtbot: QtBot, view: HistoryView) -> None:
    f = view.filters
    f.status.setCurrentIndex(f.status.findText("Busy"))
    wait_loaded(qtbot, view)
    statuses = {view.model.entry(r).status for r in range(view.model.rowCount())}  # type: ignore[union-attr]
    assert statuses == {CallStatus.BUSY}
    qtbot.waitUntil(lambda: f.account.count() == 3, timeout=5000)  # All + north + south
    f.account.setCurrentIndex(f.account.findData("south"))
    wait_loaded(qtbot, view)
    accounts = {view.model.entry(r).account for r in range(view.model.rowCount())}  # type: ignore[union-attr]
    assert accounts == {"south"}
    qtbot.waitUntil(lambda: view.count_label.text() == "167 calls match", timeout=5000)
    f.status.setCurrentIndex(0)
    f.account.setCurrentIndex(0)
    f.dates.setCurrentIndex(f.dates.findText("Custom range…"))
    assert f.custom_row.isVisible()
    three_days_ago = (NOW - timedelta(days=3)).astimezone().date()
    f.date_from.setDate(three_days_ago)
    f.date_to.setDate(three_days_ago)
    wait_loaded(qtbot, view)
    assert numbers_shown(view) == ["+919876543210"]


def test_header_click_sorts_through_the_store(qtbot: QtBot, view: HistoryView) -> None:
    header = view.table.horizontalHeader()
    header.sectionClicked.emit(DURATION)
    header.setSortIndicator(DURATION, Qt.SortOrder.DescendingOrder)
    view.model.sort(DURATION, Qt.SortOrder.DescendingOrder)
    wait_loaded(qtbot, view)
    assert view.model.query.sort is SortKey.DURATION
    durations = [view.model.entry(r).duration for r in range(20)]  # type: ignore[union-attr]
    assert durations == sorted(durations, key=lambda d: -1 if d is None else d, reverse=True)
    generation = view.model.generation
    header.sectionClicked.emit(NOTES)  # Notes cannot sort: nothing reloads
    assert view.model.generation == generation
    assert header.sortIndicatorSection() == DURATION
    view.model.sort(NUMBER, Qt.SortOrder.AscendingOrder)
    wait_loaded(qtbot, view)
    shown = numbers_shown(view)[:50]
    assert shown == sorted(shown)


def test_redial_by_double_click_enter_and_menu(qtbot: QtBot, view: HistoryView) -> None:
    table = view.table
    rect = table.visualRect(view.index_of(2, NUMBER))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.redial_requested, timeout=2000) as got:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert got.args == ["+919810000002"]
    table.setFocus()
    table.setCurrentIndex(view.index_of(4, NUMBER))
    with qtbot.waitSignal(view.redial_requested, timeout=2000) as got:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert got.args == ["+919810000004"]
    view._context_menu(table.visualRect(view.index_of(6, NUMBER)).center())
    menu = view.findChild(QMenu, "history_menu")
    assert menu is not None
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Redial", "Copy number", "Play recording", "Delete…"]
    play = next(a for a in menu.actions() if a.text() == "Play recording")
    assert play.isEnabled() is False  # this row has no recording
    with qtbot.waitSignal(view.redial_requested, timeout=2000) as got:
        next(a for a in menu.actions() if a.text() == "Redial").trigger()
    assert got.args == ["+919810000006"]
    menu.close()


def test_copy_numbers(qtbot: QtBot, view: HistoryView) -> None:
    table = view.table
    table.setFocus()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "+919810000001"
    table.clearSelection()
    table.selectRow(2)
    table.selectionModel().select(
        view.index_of(3, 0), table.selectionModel().SelectionFlag.Select
        | table.selectionModel().SelectionFlag.Rows,
    )  # fmt: skip
    view.copy_selected()
    assert QApplication.clipboard().text() == "+919810000002\n+919810000003"
    assert "Copied 2 numbers" in view.status_label.text()


def test_delete_asks_then_removes_rows_and_cached_recordings(
    qtbot: QtBot, view: HistoryView, filled: HistoryStore, tmp_path: Path
) -> None:
    from dialer.services.recordings import RecordingCache

    view._recordings = RecordingCache(tmp_path / "rec")
    doomed = [view.model.entry(r) for r in (0, 1)]
    cached = view.recordings.directory / (view.recordings.key(doomed[0].uuid) + ".wav")  # type: ignore[union-attr]
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"RIFF")
    view.table.setFocus()
    view.table.selectRow(0)
    view.table.selectionModel().select(
        view.index_of(1, 0), view.table.selectionModel().SelectionFlag.Select
        | view.table.selectionModel().SelectionFlag.Rows,
    )  # fmt: skip
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    box = view.findChild(QMessageBox, "history_delete_confirm")
    assert box is not None and "Delete 2 calls" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "Deleted 2 calls" in view.status_label.text(), timeout=5000)
    assert [filled.get(e.uuid) for e in doomed if e] == [None, None]
    assert numbers_shown(view)[0] == "+919810000002"
    assert view.count_label.text() == "999 calls"
    assert not cached.exists()
    # Cancel deletes nothing.
    view.table.selectRow(0)
    view.delete_selected()
    box = view.findChild(QMessageBox, "history_delete_confirm")
    assert box is not None
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(50)
    assert filled.count() == 999


def test_export_writes_the_current_filter_off_thread(
    qtbot: QtBot, view: HistoryView, tmp_path: Path
) -> None:
    view.filters.status.setCurrentIndex(view.filters.status.findText("No answer"))
    wait_loaded(qtbot, view)
    out = tmp_path / "calls.csv"
    view.export_to(str(out))
    qtbot.waitUntil(lambda: "Exported 334 calls" in view.status_label.text(), timeout=5000)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 334 and {r["status"] for r in rows} == {"NO_ANSWER"}
    assert rows[0]["to"] == numbers_shown(view)[0]  # in the order shown


def test_export_button_opens_a_save_dialog(qtbot: QtBot, view: HistoryView, tmp_path: Path) -> None:
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    dialog = view.findChild(QFileDialog, "history_export_dialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    out = tmp_path / "picked.csv"
    dialog.fileSelected.emit(str(out))
    dialog.reject()
    qtbot.waitUntil(out.exists, timeout=5000)


def test_refresh_shows_new_calls_and_keeps_the_selection(
    qtbot: QtBot, view: HistoryView, filled: HistoryStore
) -> None:
    view.table.selectRow(1)
    kept = view.selected_entries()[0].uuid
    filled.record(snap(9999, to_number="+919999999999", started_at=NOW + timedelta(minutes=1)))
    view.refresh()
    view.refresh()  # a burst of updates reloads once
    qtbot.waitUntil(lambda: numbers_shown(view)[:1] == ["+919999999999"], timeout=5000)
    assert [e.uuid for e in view.selected_entries()] == [kept]


def test_names_tab_order_and_accessibility(view: HistoryView) -> None:
    names = [
        "history_search",
        "history_status_filter",
        "history_account_filter",
        "history_date_filter",
        "history_export",
        "history_table",
        "history_count",
    ]
    for name in names:
        widget = view.findChild(object, name)  # type: ignore[arg-type]
        assert widget is not None, name
        assert widget.accessibleName(), name
    chain = [view.search]
    for _ in range(5):
        chain.append(chain[-1].nextInFocusChain())
        while not (chain[-1].focusPolicy() & Qt.FocusPolicy.TabFocus and chain[-1].isVisible()):
            chain[-1] = chain[-1].nextInFocusChain()
    assert [w.objectName() for w in chain] == names[:6]
    role = Qt.ItemDataRole.AccessibleTextRole
    assert view.model.headerData(RECORDING, Qt.Orientation.Horizontal, role) == "Recording"


def test_ctrl_f_focuses_search_and_down_moves_to_rows(qtbot: QtBot, view: HistoryView) -> None:
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search.hasFocus()
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    assert view.table.hasFocus()
    assert view.table.currentIndex().row() == 0


def test_empty_history_says_so(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, store: HistoryStore
) -> None:
    client = httpx.AsyncClient()
    view = HistoryView(store, client)
    qtbot.addWidget(view)
    view.show()
    wait_loaded(qtbot, view)
    assert view.empty.isVisible() and "No calls yet" in view.empty.text()
    qtbot.waitUntil(lambda: view.count_label.text() == "0 calls", timeout=5000)
    run_until_done(qtbot, view.aclose())
    run_until_done(qtbot, client.aclose())


def test_context_menu_keyboard_and_unsortable_header_click(qtbot: QtBot, view: HistoryView) -> None:
    view.table.setFocus()
    view.table.setCurrentIndex(view.index_of(0, NUMBER))
    qtbot.keyClick(view.table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = view.findChild(QMenu, "history_menu")
    assert menu is not None
    menu.close()
    header = view.table.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(NOTES) + 10, header.height() // 2),
    )
    assert header.sortIndicatorSection() != NOTES


def test_opening_the_history_does_not_load_qt_multimedia(tmp_path: Path) -> None:
    """QtMultimedia is for the player, which only exists once a recording is played."""
    code = textwrap.dedent(
        f"""
        import asyncio, sys
        import httpx, qasync
        from PySide6.QtWidgets import QApplication
        from dialer.services.history import HistoryStore
        from dialer.ui.history_view import HistoryView
        app = QApplication([])
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        async def main():
            view = HistoryView(HistoryStore({str(tmp_path / "h.sqlite3")!r}), httpx.AsyncClient())
            view.show()
            while view.model.generation_loaded < 1:
                await asyncio.sleep(0.01)
            print("multimedia", "PySide6.QtMultimedia" in sys.modules)
            print("player", "dialer.ui.player" in sys.modules)
            await view.aclose()
        with loop:
            loop.run_until_complete(main())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=40,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "multimedia False" in result.stdout and "player False" in result.stdout


def test_export_button_is_a_push_button(view: HistoryView) -> None:
    assert isinstance(view.export_button, QPushButton)
    assert view.export_button.objectName() == "history_export"
