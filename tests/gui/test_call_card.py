"""One call card, fed snapshots directly: rendering rules a sandbox call does not reach
(providers without hang-up, odd final statuses, the timeline of a call that never connected).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from dialer.domain.models import CallSnapshot, CallStatus, Leg, LegRole, LegState
from dialer.ui import call_words
from dialer.ui.call_panel import CallPanel
from tests.gui.conftest import find


def snapshot(status: CallStatus, **update: object) -> CallSnapshot:
    base = CallSnapshot(
        uuid="u1",
        account="acme",
        provider="acme",
        to_number="+919876543210",
        from_number="+918069000001",
        call_id="c1",
        status=status,
    )
    return base.model_copy(update=update)


@pytest.fixture
def panel(qtbot: QtBot) -> CallPanel:
    widget = CallPanel()
    qtbot.addWidget(widget)
    return widget


def test_hangup_the_provider_lacks_is_disabled_with_its_reason(panel: CallPanel) -> None:
    card = panel.show_snapshot(
        snapshot(CallStatus.INITIATED), hangup_unavailable="Acme's API has no hangup"
    )
    assert not card.hangup_button.isEnabled()
    assert card.hangup_button.toolTip() == "Acme's API has no hangup"


def test_hangup_waits_for_the_provider_call_id(panel: CallPanel) -> None:
    card = panel.show_snapshot(snapshot(CallStatus.DIALING, call_id=None), hangup_unavailable=None)
    assert not card.hangup_button.isEnabled()
    assert "accepted" in card.hangup_button.toolTip()
    panel.show_snapshot(snapshot(CallStatus.INITIATED), hangup_unavailable=None)
    assert card.hangup_button.isEnabled()


def test_ringing_words_and_timeline_follow_the_legs(panel: CallPanel) -> None:
    agent = Leg(role=LegRole.AGENT, number="+919800000001", state=LegState.DIALING)
    card = panel.show_snapshot(
        snapshot(CallStatus.INITIATED, legs=(agent,)), hangup_unavailable=None
    )
    assert card.status_label.text() == "Ringing your phone…"
    assert card.timeline.steps[1] == ("Agent ringing", "current")
    joined = agent.model_copy(update={"state": LegState.JOINED})
    customer = Leg(role=LegRole.DESTINATION, number="+919876543210", state=LegState.DIALING)
    panel.show_snapshot(
        snapshot(CallStatus.INITIATED, legs=(joined, customer)), hangup_unavailable=None
    )
    assert card.status_label.text() == "Ringing the customer…"
    assert card.timeline.steps[:3] == [
        ("Placing", "done"),
        ("Agent ringing", "done"),
        ("Customer ringing", "current"),
    ]
    legs = find(card, QListWidget, "call_legs")
    assert legs.count() == 2

    # It never connected: the timeline shows where it stopped and how it ended.
    panel.show_snapshot(
        snapshot(CallStatus.NO_ANSWER, final=True, legs=(joined, customer)),
        hangup_unavailable=None,
    )
    assert card.timeline.steps[2:] == [
        ("Customer ringing", "done"),
        ("Connected", "skipped"),
        ("Ended · NO_ANSWER", "bad"),
    ]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (CallStatus.ANSWER, "answered"),
        (CallStatus.NO_ANSWER, "no answer"),
        (CallStatus.BUSY, "busy"),
        (CallStatus.FAILED, "failed"),
        (CallStatus.CANCELED, "canceled"),
        (CallStatus.UNKNOWN, "check before redialing"),
    ],
)
def test_final_statuses_show_code_words_and_message(
    panel: CallPanel, status: CallStatus, words: str
) -> None:
    card = panel.show_snapshot(
        snapshot(status, final=True, message="from the provider"), hangup_unavailable=None
    )
    assert status.value in card.status_label.text()
    assert words in card.status_label.text().lower()
    assert card.message_label.text() == "from the provider"
    assert not card.hangup_button.isEnabled() and not card.ticking
    assert card.close_button.isVisibleTo(card)
    assert card.timeline.steps[-1][0] == f"Ended · {status.value}"


def test_timer_ticks_only_while_connected(panel: CallPanel) -> None:
    assert not panel.ticking
    started = datetime.now(UTC) - timedelta(seconds=75)
    card = panel.show_snapshot(
        snapshot(CallStatus.ANSWER, connected_at=started), hangup_unavailable=None
    )
    assert panel.ticking and card.ticking
    assert card.timer_label.text() in ("01:15", "01:16")
    assert not card.close_button.isVisibleTo(card)  # a live call's card cannot be closed
    panel.show_snapshot(
        snapshot(
            CallStatus.ANSWER,
            final=True,
            connected_at=started,
            ended_at=started + timedelta(seconds=80),
            duration=80,
        ),
        hangup_unavailable=None,
    )
    assert not panel.ticking
    assert card.timer_label.text() == "01:20"


def test_talk_time_format() -> None:
    assert call_words.format_talk_time(0) == "00:00"
    assert call_words.format_talk_time(59.9) == "00:59"
    assert call_words.format_talk_time(3599) == "59:59"
    assert call_words.format_talk_time(3600 + 62) == "1:01:02"
    assert call_words.format_talk_time(-5) == "00:00"


def test_an_error_about_a_call_keeps_its_final_status(panel: CallPanel) -> None:
    card = panel.show_snapshot(
        snapshot(CallStatus.FAILED, call_id=None, final=True), hangup_unavailable=None
    )
    card.show_error("the provider refused (code 5020)", headline=None)
    assert card.status_label.text() == "Call not placed — FAILED"
    assert card.message_label.text() == "the provider refused (code 5020)"
    panel.show_error("no account named 'x'")
    assert panel.message_label.text() == "Call not placed: no account named 'x'"
    assert card.status_label.text() == "Call not placed — FAILED"


def test_old_ended_cards_give_way(panel: CallPanel) -> None:
    from dialer.ui.call_panel import MAX_ENDED_CARDS

    live = panel.show_snapshot(snapshot(CallStatus.INITIATED, uuid="live"), hangup_unavailable=None)
    for i in range(MAX_ENDED_CARDS + 3):
        panel.show_snapshot(
            snapshot(CallStatus.BUSY, uuid=f"done{i}", final=True), hangup_unavailable=None
        )
    uuids = [c.uuid for c in panel.cards()]
    assert len(uuids) == MAX_ENDED_CARDS + 1
    assert live in panel.cards()
    assert uuids[0] == f"done{MAX_ENDED_CARDS + 2}" and "done0" not in uuids
