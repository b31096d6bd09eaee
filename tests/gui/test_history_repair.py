"""An unreadable history: the window offers to move it aside, and then calls work again."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from qasync import QEventLoop

from dialer import paths
from dialer.app import start_services
from dialer.services.history_repair import HistoryUnreadable
from dialer.ui import history_repair
from dialer.ui.main_window import MainWindow
from tests.gui.conftest import find, run_until_done

GARBAGE = b"SQLite format 3\x00" + b"\x00\xff" * 4000


async def _start(window: MainWindow) -> Exception | None:
    try:
        await start_services(window)
    except HistoryUnreadable as exc:
        return exc
    return None


@pytest.mark.parametrize("accept", [True, False])
def test_offer_moves_the_file_aside_and_starts(
    qtbot: QtBot, qasync_loop: QEventLoop, sandbox_env: Path, accept: bool
) -> None:
    db = paths.history_db()
    db.write_bytes(GARBAGE)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.painted, timeout=5000)
    error = run_until_done(qtbot, _start(window))
    assert isinstance(error, HistoryUnreadable)
    window.services_failed(str(error))
    repair = history_repair.offer(window, error)
    assert repair is not None
    dialog = repair.dialog
    assert dialog.objectName() == "history_repair_dialog"
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert str(db) in " ".join(w.text() for w in dialog.findChildren(QLabel))
    try:
        if accept:
            find(dialog, type(dialog.fresh_button), "history_repair_fresh").click()
            services = run_until_done(qtbot, repair.done)
            assert services is not None and window.controller is not None
            assert window.call_button.isEnabled() or window.call_button.text() != "Unavailable"
            [old] = db.parent.glob("history.sqlite3.broken-*")
            assert old.read_bytes() == GARBAGE
        else:
            find(dialog, type(dialog.later_button), "history_repair_later").click()
            assert run_until_done(qtbot, repair.done) is None
            assert db.read_bytes() == GARBAGE and window.controller is None
    finally:
        run_until_done(qtbot, window.aclose())
        run_until_done(qtbot, repair.aclose())
