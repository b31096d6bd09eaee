"""The card's word-wrapped labels remember their heights per width: they must answer exactly
what QLabel itself computes, whatever text, font or tone the card gives them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from dialer.domain.models import CallStatus
from dialer.ui import style
from dialer.ui.call_card import WrappedLabel
from dialer.ui.call_panel import CallPanel
from tests.gui.test_call_card import snapshot

WIDTHS = (60, 120, 207, 215, 413, 421, 900)
LONG = "The provider refused the number: " + "it is not a number this account may call. " * 3


def uncached(label: QLabel, width: int) -> int:
    return QLabel.heightForWidth(label, width)


def assert_same(label: WrappedLabel) -> None:
    for _ in range(2):  # computed, then from the cache
        for width in WIDTHS:
            assert label.heightForWidth(width) == uncached(label, width), (label.text(), width)


@pytest.fixture
def styled(qapp: QApplication) -> Iterator[None]:
    """The app's own stylesheet, whose tones change fonts."""
    before = qapp.styleSheet()
    style.apply(qapp, style_chosen=True)
    yield
    qapp.setStyleSheet(before)


def test_heights_follow_text_and_font(qtbot: QtBot) -> None:
    label = WrappedLabel("Ringing")
    qtbot.addWidget(label)
    assert label.wordWrap()
    assert_same(label)
    short = label.heightForWidth(120)
    label.setText(LONG)
    assert label.heightForWidth(120) > short  # the cache did not answer for the old text
    assert_same(label)
    before = label.heightForWidth(207)
    font = label.font()
    font.setPointSize(font.pointSize() * 2)
    label.setFont(font)
    assert label.heightForWidth(207) > before  # nor for the old font
    assert_same(label)


def test_card_labels_match_qlabel_through_a_call(styled: None, qtbot: QtBot) -> None:
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 700)
    panel.show()
    card = panel.show_snapshot(snapshot(CallStatus.DIALING), hangup_unavailable=None)
    labels = [card.status_label, card.parties_label, card.message_label]
    assert all(isinstance(label, WrappedLabel) for label in labels)
    for label in labels:
        assert_same(label)
    panel.show_snapshot(snapshot(CallStatus.INITIATED, message=LONG), hangup_unavailable=None)
    qtbot.waitUntil(card.message_label.isVisible)
    for label in labels:
        assert_same(label)
    message = card.message_label
    plain = {width: uncached(message, width) for width in range(60, 900, 3)}
    card.show_error(LONG, headline=None)  # the same text in the bad tone's bolder font
    assert message.property("tone") == "bad"
    for label in labels:
        assert_same(label)
    bold = {width: uncached(message, width) for width in plain}
    width = next(width for width in plain if plain[width] != bold[width])
    assert message.heightForWidth(width) == bold[width]  # now remembered
    panel.show_snapshot(snapshot(CallStatus.INITIATED, message=LONG), hangup_unavailable=None)
    assert message.property("tone") == ""  # the same text, the plain font again
    assert message.heightForWidth(width) == plain[width]
