"""The panel's spare card: built ahead, taken by the next new call, replaced on a later turn,
and never left behind (a parentless widget outliving the QApplication crashes the exit)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from dialer.domain.models import CallStatus
from dialer.ui.call_card import CallCard
from dialer.ui.call_panel import CallPanel
from tests.gui.test_call_card import snapshot


@pytest.fixture
def panel(qtbot: QtBot) -> Iterator[CallPanel]:
    widget = CallPanel()
    qtbot.addWidget(widget)
    yield widget
    widget.drop_spare()


def test_a_taken_spare_is_replaced_on_a_later_turn(panel: CallPanel, qtbot: QtBot) -> None:
    panel.prepare_spare()
    first_spare = panel._spare
    assert first_spare is not None and first_spare.parent() is None

    card = panel.show_snapshot(snapshot(CallStatus.DIALING, uuid="a"), hangup_unavailable=None)
    assert card is first_spare  # the call took the spare, now the panel's child
    assert card.parent() is not None and card.objectName() == "call_card"
    assert panel._spare is None  # not rebuilt inside the turn that shows the card

    qtbot.waitUntil(lambda: panel._spare is not None)
    replacement = panel._spare
    assert isinstance(replacement, CallCard) and replacement is not card
    assert replacement.parent() is None and replacement.objectName() == ""
    assert panel.findChildren(CallCard) == [card]  # tools see only the calls' cards

    second = panel.show_snapshot(snapshot(CallStatus.DIALING, uuid="b"), hangup_unavailable=None)
    assert second is replacement
    assert [c.uuid for c in panel.cards()] == ["b", "a"]


def test_no_spare_is_built_after_it_was_dropped(panel: CallPanel, qtbot: QtBot) -> None:
    panel.prepare_spare()
    panel.show_snapshot(snapshot(CallStatus.DIALING, uuid="a"), hangup_unavailable=None)
    panel.drop_spare()  # the window closes before the replacement's turn
    qtbot.wait(20)
    assert panel._spare is None


def test_without_prepare_spare_cards_are_built_when_needed(panel: CallPanel, qtbot: QtBot) -> None:
    panel.show_snapshot(snapshot(CallStatus.DIALING, uuid="a"), hangup_unavailable=None)
    qtbot.wait(20)
    assert panel._spare is None
