"""The call panel on its own: rendering rules that a sandbox call does not reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from dialer.domain.models import CallSnapshot, CallStatus, Leg, LegRole, LegState
from dialer.ui.call_panel import CallPanel, format_talk_time


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
    panel.show_snapshot(
        snapshot(CallStatus.INITIATED), hangup_unavailable="Acme's API has no hangup"
    )
    assert not panel.hangup_button.isEnabled()
    assert panel.hangup_button.toolTip() == "Acme's API has no hangup"


def test_hangup_waits_for_the_provider_call_id(panel: CallPanel) -> None:
    panel.show_snapshot(snapshot(CallStatus.DIALING, call_id=None), hangup_unavailable=None)
    assert not panel.hangup_button.isEnabled()
    assert "accepted" in panel.hangup_button.toolTip()
    panel.show_snapshot(snapshot(CallStatus.INITIATED), hangup_unavailable=None)
    assert panel.hangup_button.isEnabled()


def test_ringing_words_follow_the_legs(panel: CallPanel) -> None:
    agent = Leg(role=LegRole.AGENT, number="+919800000001", state=LegState.DIALING)
    panel.show_snapshot(snapshot(CallStatus.INITIATED, legs=(agent,)), hangup_unavailable=None)
    assert panel.status_label.text() == "Ringing your phone…"
    joined = agent.model_copy(update={"state": LegState.JOINED})
    customer = Leg(role=LegRole.DESTINATION, number="+919876543210", state=LegState.DIALING)
    panel.show_snapshot(
        snapshot(CallStatus.INITIATED, legs=(joined, customer)), hangup_unavailable=None
    )
    assert panel.status_label.text() == "Ringing the customer…"
    assert panel.legs_list.count() == 2


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
    panel.show_snapshot(
        snapshot(status, final=True, message="from the provider"), hangup_unavailable=None
    )
    assert status.value in panel.status_label.text()
    assert words in panel.status_label.text().lower()
    assert panel.message_label.text() == "from the provider"
    assert not panel.hangup_button.isEnabled() and not panel.ticking


def test_timer_ticks_only_while_connected(panel: CallPanel) -> None:
    assert not panel.ticking
    started = datetime.now(UTC) - timedelta(seconds=75)
    panel.show_snapshot(snapshot(CallStatus.ANSWER, connected_at=started), hangup_unavailable=None)
    assert panel.ticking
    assert panel.timer_label.text() in ("01:15", "01:16")
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
    assert panel.timer_label.text() == "01:20"


def test_talk_time_format() -> None:
    assert format_talk_time(0) == "00:00"
    assert format_talk_time(59.9) == "00:59"
    assert format_talk_time(3599) == "59:59"
    assert format_talk_time(3600 + 62) == "1:01:02"
    assert format_talk_time(-5) == "00:00"


def test_an_error_about_the_shown_call_keeps_its_final_status(panel: CallPanel) -> None:
    panel.show_snapshot(
        snapshot(CallStatus.FAILED, call_id=None, final=True), hangup_unavailable=None
    )
    panel.show_error("the provider refused (code 5020)", headline=None)
    assert panel.status_label.text() == "Call not placed — FAILED"
    assert panel.message_label.text() == "the provider refused (code 5020)"
    panel.show_error("no account named 'x'")
    assert panel.status_label.text() == "Call not placed"
