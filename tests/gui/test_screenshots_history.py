"""Screenshot of the call history with a real recording open in the player, for the README and
for review. Same rules as test_screenshots.py: written to `$DIALER_SCREENSHOT_DIR` (else
`build/screenshots/`) and checked to be a real, painted picture of the window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from dialer.domain import CallSnapshot, CallStatus
from dialer.services.history import HistoryEntry, HistoryStore
from dialer.ui import pyside_fix
from dialer.ui.history_view import HistoryView
from tests.gui.conftest import CALL_TIMEOUT_MS, Gui, button, find, line
from tests.gui.test_screenshots import save

pyside_fix.install()  # see dialer/ui/pyside_fix.py: PySide6 6.12.0 on Python 3.11

#: A morning of an agent's calls: (number, status, talk seconds, notes, outcome).
DAY = [
    ("+91 98450 11223", CallStatus.ANSWER, 312, "Renewal agreed, send invoice", "Sale"),
    ("+91 80 4123 9876", CallStatus.NO_ANSWER, None, "", None),
    ("+91 99000 45678", CallStatus.BUSY, None, "Line busy, try after lunch", "Call back"),
    ("+44 20 7946 0018", CallStatus.ANSWER, 95, "Wants the brochure by email", "Interested"),
    ("+91 97400 32100", CallStatus.FAILED, None, "", None),
    ("+91 98860 77120", CallStatus.ANSWER, 41, "", "Not interested"),
    ("+91 90080 55331", CallStatus.UNKNOWN, None, "", None),
    ("+91 96320 18844", CallStatus.ANSWER, 187, "Demo booked Thursday 11:00", "Sale"),
]


def seed(history: HistoryStore) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for n, (number, status, talk, notes, outcome) in enumerate(DAY, start=1):
        uid = str(uuid.uuid4())
        history.record(
            CallSnapshot(
                uuid=uid,
                account="sandbox",
                provider="sandbox",
                to_number=number.replace(" ", ""),
                from_number="+918069000001",
                call_id=f"c{n}",
                status=status,
                final=True,
                started_at=now - timedelta(minutes=9 * n),
                duration=talk,
                message="outcome unknown — check before redialing"
                if status is CallStatus.UNKNOWN
                else "",
            )
        )
        if notes or outcome:
            history.set_notes(uid, notes, outcome)


def test_history_window_with_a_recording_playing(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened from the main window as a user does (↺), so it wears the app's own style."""
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "40")
    window = gui.window
    history = gui.services.history
    seed(history)
    # The newest row is a real sandbox call with a real recording.
    qtbot.keyClicks(line(window, "number_input"), "+91 98765 43210")
    qtbot.waitUntil(lambda: button(window, "call_button").isEnabled(), timeout=5000)
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)

    def placed() -> HistoryEntry | None:
        rows = [r for r in history.recent(limit=20) if r.to_number == "+919876543210"]
        return rows[0] if rows and rows[0].final else None

    qtbot.waitUntil(lambda: placed() is not None, timeout=CALL_TIMEOUT_MS)
    newest = placed()
    assert newest is not None
    assert newest.status is CallStatus.ANSWER and newest.recording_url
    history.set_notes(newest.uuid, "Asked about the renewal price", "Interested")

    qtbot.mouseClick(find(window, QToolButton, "open_history"), Qt.MouseButton.LeftButton)
    view = find(window, HistoryView, "history_view")
    view.resize(1100, 640)
    qtbot.waitUntil(lambda: view.model.rowCount() == len(DAY) + 1, timeout=5000)
    view.table.selectRow(0)
    view.play_row(0)
    player = view.player
    assert player is not None
    qtbot.waitUntil(lambda: bool(player.waveform.peaks), timeout=10000)
    save(view, "history-window.png")
