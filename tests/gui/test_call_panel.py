"""The live call panel: one card per call, driven through the real sandbox (rendering rules
a sandbox call does not reach are in test_call_card.py).

Controls are found by objectName inside their call's card (`call_uuid` property).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPlainTextEdit, QSpinBox, QToolButton
from pytestqt.qtbot import QtBot

from dialer.domain.models import CallStatus
from dialer.ui.call_card import CallCard
from tests.gui.conftest import (
    CALL_TIMEOUT_MS,
    Gui,
    Recorder,
    active_timers,
    button,
    card_of,
    cards,
    find,
    label,
    legs_texts,
    line,
)
from tests.gui.test_call_card import snapshot

# --- against the sandbox --------------------------------------------------------------------------


def test_call_end_to_end_through_the_sandbox(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    number_input = line(window, "number_input")
    call_button = button(window, "call_button")
    assert active_timers(window) == []

    qtbot.keyClicks(number_input, "+91 98765 43210")
    assert call_button.isEnabled()
    qtbot.mouseClick(call_button, Qt.MouseButton.LeftButton)
    assert not call_button.isEnabled()  # disabled at once, before any network reply
    assert call_button.text() == "Calling…"

    qtbot.waitUntil(
        lambda: any(s.status == "ANSWER" and not s.final for s in seen.snapshots),
        timeout=CALL_TIMEOUT_MS,
    )
    assert call_button.isEnabled(), "another call may be placed while this one is live"
    connected = next(i for i, s in enumerate(seen.snapshots) if s.status == "ANSWER")
    assert "Connected" in seen.statuses[connected] and "ANSWER" in seen.statuses[connected]
    assert seen.ticking[connected], "the talk timer runs while connected"
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)

    (card,) = cards(window)
    assert card.property("call_uuid") == seen.snapshots[-1].uuid
    final_status = label(card, "call_status").text()
    assert "ended" in final_status and "ANSWER" in final_status
    assert label(card, "call_timer").text() == "00:08"  # the sandbox talks 8 s
    assert seen.statuses[0].startswith("Placing")
    both = [legs for legs in seen.legs if len(legs) == 2]
    assert both, f"never showed both legs: {seen.legs}"
    assert any("agent" in text for text in both[-1]) and any("Customer" in t for t in both[-1])
    assert not button(card, "hangup_button").isEnabled()
    assert not button(card, "add_leg_button").isEnabled()
    assert call_button.isEnabled()
    assert active_timers(window) == [], "no timer may run once the call is over"

    # The timeline went through every step and ends on the final status.
    timeline = card_of(window, card.property("call_uuid")).timeline
    assert timeline.steps == [
        ("Placing", "done"),
        ("Agent ringing", "done"),
        ("Customer ringing", "done"),
        ("Connected", "done"),
        ("Ended · ANSWER", "ok"),
    ]
    assert "Ended · ANSWER: ended" in timeline.accessibleDescription()

    rows = gui.services.history.recent(10)
    assert len(rows) == 1
    assert rows[0].status == "ANSWER" and rows[0].to_number == "+919876543210"
    assert rows[0].final


def test_hangup_while_ringing_cancels(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slower simulated time (read when the first call starts the sandbox) leaves seconds, not
    # fractions of one, between the hang-up becoming possible and the ringing running out.
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "5")
    window = gui.window
    seen = Recorder(window)

    # A customer number ending 1111 rings for a long while in the sandbox.
    line(window, "number_input").setText("+91 98765 41111")
    line(window, "number_input").setFocus()
    qtbot.keyClick(line(window, "number_input"), Qt.Key.Key_Return)  # Enter places the call
    qtbot.waitUntil(lambda: bool(cards(window)), timeout=CALL_TIMEOUT_MS)
    hangup = button(cards(window)[0], "hangup_button")
    qtbot.waitUntil(hangup.isEnabled, timeout=CALL_TIMEOUT_MS)
    assert seen.snapshots[-1].status == "INITIATED"
    qtbot.mouseClick(hangup, Qt.MouseButton.LeftButton)
    assert hangup.text() == "Hanging up…" and not hangup.isEnabled()
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)

    assert seen.snapshots[-1].status == "CANCELED"
    assert "CANCELED" in label(cards(window)[0], "call_status").text()
    assert gui.services.history.recent(10)[0].status == "CANCELED"


def test_double_click_places_one_call(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    call_button = button(window, "call_button")
    qtbot.keyClicks(line(window, "number_input"), "9876543210")
    qtbot.mouseDClick(call_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(call_button, Qt.MouseButton.LeftButton)
    window.request_call()  # even a direct second request is refused while one is placed
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)

    assert len(seen.uuids()) == 1
    assert len(gui.services.history.recent(10)) == 1
    assert len(cards(window)) == 1


def test_several_calls_at_once_each_in_its_own_card(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "5")
    window = gui.window
    seen = Recorder(window)
    number_input = line(window, "number_input")
    call_button = button(window, "call_button")
    for number in ("+91 98765 41111", "+91 98765 31111"):  # both ring for a long while
        number_input.setText(number)
        qtbot.waitUntil(call_button.isEnabled, timeout=CALL_TIMEOUT_MS)
        qtbot.mouseClick(call_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(seen.uuids()) == 2, timeout=CALL_TIMEOUT_MS)
    first, second = seen.uuids()
    shown = cards(window)
    assert [c.property("call_uuid") for c in shown] == [second, first]  # newest first

    newest = card_of(window, second)
    hangup = button(newest, "hangup_button")
    qtbot.waitUntil(hangup.isEnabled, timeout=CALL_TIMEOUT_MS)
    qtbot.mouseClick(hangup, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: seen.final(second), timeout=CALL_TIMEOUT_MS)
    assert seen.of(second)[-1].status == "CANCELED"
    assert not seen.final(first), "hanging up one call leaves the other ringing"
    older_hangup = button(card_of(window, first), "hangup_button")
    assert older_hangup.isEnabled()
    qtbot.mouseClick(older_hangup, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: seen.final(first), timeout=CALL_TIMEOUT_MS)
    assert {r.status for r in gui.services.history.recent(10)} == {"CANCELED"}


def test_add_participant_to_a_connected_call(
    gui: Gui, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "4")  # 2 s of talk: time to add someone
    window = gui.window
    seen = Recorder(window)
    line(window, "number_input").setText("+91 98765 43210")
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(cards(window)), timeout=CALL_TIMEOUT_MS)
    card = cards(window)[0]
    add_input, add_button = line(card, "add_leg_input"), button(card, "add_leg_button")
    ring = find(card, QSpinBox, "add_leg_ring_time")
    assert ring.value() == 30 and ring.toolTip()
    qtbot.waitUntil(
        lambda: any(s.status == "ANSWER" for s in seen.snapshots), timeout=CALL_TIMEOUT_MS
    )
    assert add_input.isEnabled() and not add_button.isEnabled()  # nothing typed yet
    assert "number first" in add_button.toolTip()
    qtbot.keyClicks(add_input, "+91 98450 12345")
    assert add_button.isEnabled()
    qtbot.mouseClick(add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: add_input.text() == "", timeout=CALL_TIMEOUT_MS)  # accepted
    qtbot.waitUntil(lambda: len(legs_texts(card)) == 3, timeout=CALL_TIMEOUT_MS)
    assert legs_texts(card)[2].startswith("Participant") and "+919845012345" in legs_texts(card)[2]
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)


def a_finished_busy_call(gui: Gui, qtbot: QtBot) -> tuple[str, CallCard]:
    """A sandbox call to a busy number, placed from the window and over: its uuid and card."""
    window = gui.window
    seen = Recorder(window)
    line(window, "number_input").setText("+91 98765 40000")  # busy
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)
    uuid = seen.snapshots[-1].uuid
    return uuid, card_of(window, uuid)


def test_notes_being_typed_are_written_at_once_when_the_session_ends(
    gui: Gui, qtbot: QtBot
) -> None:
    """A logout or shutdown (Qt's commitDataRequest, Windows' WM_QUERYENDSESSION) may kill
    the process as soon as it is answered: the notes are in history when the answer returns,
    not after the pause and the task that normally save them."""
    from PySide6.QtCore import SIGNAL
    from PySide6.QtWidgets import QApplication

    window = gui.window
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.receivers(SIGNAL("commitDataRequest(QSessionManager&)")) >= 1
    uuid, card = a_finished_busy_call(gui, qtbot)
    qtbot.keyClicks(find(card, QPlainTextEdit, "call_notes"), "Wants a callback at 5")
    assert card.notes_pending
    window.save_before_session_end()  # no event loop turn from here on
    entry = gui.services.history.get(uuid)
    assert entry is not None and entry.notes == "Wants a callback at 5"
    assert not card.notes_pending


def test_notes_and_outcome_are_saved_to_history(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    uuid, card = a_finished_busy_call(gui, qtbot)
    notes = find(card, QPlainTextEdit, "call_notes")
    outcome = find(card, QComboBox, "call_disposition")
    assert outcome.isEditable()
    common = ["Interested", "Not interested", "Call back", "Wrong number", "Voicemail"]
    assert [outcome.itemText(i) for i in range(1, outcome.count())] == [
        *common,
        "No answer",
        "Other",
    ]
    qtbot.keyClicks(notes, "Busy; try after 3 pm")
    outcome.setCurrentIndex(outcome.findText("Call back"))

    def saved() -> bool:
        entry = gui.services.history.get(uuid)
        return entry is not None and (entry.notes, entry.disposition) == (
            "Busy; try after 3 pm",
            "Call back",
        )

    qtbot.waitUntil(saved, timeout=5000)

    # A team's own outcome words work too; closing the card saves at once.
    outcome.setEditText("Sent brochure")
    close = find(card, QToolButton, "call_close")
    assert close.isVisible()
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert cards(window) == []
    qtbot.waitUntil(
        lambda: (
            (entry := gui.services.history.get(uuid)) is not None
            and entry.disposition == "Sent brochure"
        ),
        timeout=5000,
    )
    assert label(window, "call_panel_idle").isVisible()


def test_provider_errors_read_as_text_with_the_code(gui: Gui, qtbot: QtBot) -> None:
    window = gui.window
    seen = Recorder(window)
    # The sandbox refuses to queue a call to a number ending 5020 (a documented error code).
    qtbot.keyClicks(line(window, "number_input"), "+91 98765 45020")
    qtbot.mouseClick(button(window, "call_button"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(seen.final, timeout=CALL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.tasks.dial_task is None, timeout=5000)

    card = cards(window)[0]
    message = label(card, "call_message").text()
    assert message and "Traceback" not in message
    assert "code" in message.lower()
    assert "FAILED" in label(card, "call_status").text()
    assert window.statusBar().currentMessage() == message
    assert button(window, "call_button").isEnabled()


def test_controls_the_provider_lacks_are_disabled_with_the_reason(gui: Gui, qtbot: QtBot) -> None:
    """Snapshots as the Alohaa and Acefone adapters report them, fed through the bridge."""
    window = gui.window
    assert window.bridge is not None
    alohaa = snapshot(CallStatus.PLACED, uuid="a1", provider="alohaa", account="aloha")
    window.bridge.snapshot.emit(alohaa)
    card = card_of(window, "a1")
    hangup, add = button(card, "hangup_button"), button(card, "add_leg_button")
    assert not hangup.isEnabled() and hangup.toolTip() == "Alohaa's API has no click-to-call hangup"
    assert not add.isEnabled() and "cannot add a participant" in add.toolTip()
    assert not line(card, "add_leg_input").isEnabled()
    assert "waiting for the outcome" in label(card, "call_status").text()

    acefone = snapshot(CallStatus.INITIATED, uuid="b1", provider="acefone", call_id=None)
    window.bridge.snapshot.emit(acefone)
    card = card_of(window, "b1")
    assert not button(card, "hangup_button").isEnabled()
    from dialer.providers.acefone import NOT_LISTED_YET

    assert button(card, "hangup_button").toolTip() == NOT_LISTED_YET
    window.bridge.snapshot.emit(acefone.model_copy(update={"call_id": "c9"}))
    assert button(card, "hangup_button").isEnabled()
    assert [c.property("call_uuid") for c in cards(window)] == ["b1", "a1"]
