"""The live call panel: every call of this session as a card, newest first.

Agents running async dialing have several calls at once, so the panel holds one `call_card`
per call instead of one shared display; a call's controls live in its card and speak for
that call only. Failures that belong to no call (a number the provider refused before a call
existed, a start-up problem) show in the panel's own message line. Cards are created on the
first snapshot of a call; the card module is loaded after the first paint, and one spare card
is built while the window is idle after start-up, so the first call does not pay for the
first use of the card's widget types (20-40 ms) while calls are being placed and polled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.ui.call_card import CallCard

#: Ended cards beyond this many are dropped (oldest first); live cards always stay.
MAX_ENDED_CARDS = 12

#: A taken spare is rebuilt this long after: a zero-delay timer is a posted event, which Qt
#: delivers in the same batch as the new card's layout and paint, so the window would not get
#: its turn in between (benchmarks/gui_stall.py --trace).
SPARE_DELAY_MS = 30

IDLE_TEXT = "No calls yet. Type a number and press Enter to call."


class CallPanel(QFrame):
    hangup_requested = Signal(str)  # uuid
    add_leg_requested = Signal(str, str, int)  # uuid, number, ring seconds
    notes_changed = Signal(str, str, str)  # uuid, notes, disposition
    #: A card left the panel; its notes were flushed just before.
    card_closed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("call_panel")
        self.setAccessibleName("Calls")
        self._cards: list[CallCard] = []  # newest first
        self._ring_time_unavailable: str | None = None
        #: Built ahead, parentless and hidden: no tool finds it until a call takes it.
        self._spare: CallCard | None = None
        #: The window asked for spares and has not closed: a taken spare is replaced.
        self._keep_spare = False

        caption = QLabel("CALLS", self)
        caption.setObjectName("call_panel_title")
        #: Failures that belong to no call; hidden while there is none.
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("call_panel_message")
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        self.idle_label = QLabel(IDLE_TEXT, self)
        self.idle_label.setObjectName("call_panel_idle")
        self.idle_label.setWordWrap(True)
        self.idle_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        self._list = QWidget()
        self._list.setObjectName("call_list")
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 4, 0)
        self._list_layout.setSpacing(12)
        self._list_layout.addStretch(1)
        self.scroller = QScrollArea(self)
        self.scroller.setObjectName("call_scroll")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidget(self._list)
        self.scroller.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(caption)
        layout.addWidget(self.message_label)
        layout.addWidget(self.idle_label, 1)
        layout.addWidget(self.scroller, 1)

    # --- what the window calls ---------------------------------------------------------------

    def cards(self) -> list[CallCard]:
        """Newest first."""
        return list(self._cards)

    def card(self, uuid: str) -> CallCard | None:
        return next((c for c in self._cards if c.uuid == uuid), None)

    @property
    def ticking(self) -> bool:
        return any(card.ticking for card in self._cards)

    def set_ring_time_unavailable(self, reason: str | None) -> None:
        self._ring_time_unavailable = reason
        for card in self._cards:
            card.set_ring_time_unavailable(reason)

    def show_snapshot(
        self,
        snapshot: CallSnapshot,
        *,
        hangup_unavailable: str | None,
        add_leg_unavailable: str | None = None,
    ) -> CallCard:
        card = self.card(snapshot.uuid) or self._new_card(snapshot.uuid)
        card.show_snapshot(
            snapshot,
            hangup_unavailable=hangup_unavailable,
            add_leg_unavailable=add_leg_unavailable,
        )
        if snapshot.final:
            self._drop_old_ended()
        return card

    def show_error(self, text: str, *, headline: str | None = "Call not placed") -> None:
        """A failure that belongs to no card: readable text in the panel's message line."""
        self.message_label.setText(f"{headline}: {text}" if headline else text)
        self.message_label.show()

    def clear_error(self) -> None:
        self.message_label.clear()
        self.message_label.hide()

    def remove_card(self, uuid: str) -> None:
        card = self.card(uuid)
        if card is None:
            return
        if card.notes_pending:
            card.flush_notes()
        self._cards.remove(card)
        self._list_layout.removeWidget(card)
        card.hide()
        card.deleteLater()
        self.card_closed.emit(uuid)
        self._show_idle_if_empty()

    def flush_all_notes(self) -> None:
        for card in self._cards:
            if card.notes_pending:
                card.flush_notes()

    def prepare_spare(self) -> None:
        """Build the card the next new call will take, while nothing else is happening; from
        now on, each spare a call takes is replaced on a later event-loop turn of its own, so
        a burst of calls (an agent's async dialing) builds each card (~3-5 ms of widgets) apart
        from the turn that shows it and lays out the list (~3-6 ms with 50 cards)."""
        self._keep_spare = True
        if self._spare is None:
            from dialer.ui.call_card import CallCard

            self._spare = CallCard(None)

    def drop_spare(self) -> None:
        """Delete the unused spare now: it has no parent, so nothing deletes it with the window,
        and a widget left to Python's clean-up after the QApplication is gone crashes the
        process at exit."""
        self._keep_spare = False
        spare, self._spare = self._spare, None
        if spare is not None:
            from shiboken6 import Shiboken

            Shiboken.delete(spare)

    # --- internals ---------------------------------------------------------------------------

    def _new_card(self, uuid: str) -> CallCard:
        card = self._spare
        self._spare = None
        if card is None:
            from dialer.ui.call_card import CallCard

            card = CallCard(uuid, self._list)
        else:
            card.setParent(self._list)
            card.assign(uuid)
            if self._keep_spare:
                from PySide6.QtCore import QTimer

                QTimer.singleShot(SPARE_DELAY_MS, self, self._replace_spare)
        card.set_ring_time_unavailable(self._ring_time_unavailable)
        card.hangup_requested.connect(self.hangup_requested)
        card.add_leg_requested.connect(self.add_leg_requested)
        card.notes_changed.connect(self.notes_changed)
        card.close_requested.connect(self.remove_card)
        self._cards.insert(0, card)
        self._list_layout.insertWidget(0, card)
        card.show()  # a layout shows a new child only on the next event-loop turn
        self.idle_label.hide()
        self.scroller.show()
        self.scroller.verticalScrollBar().setValue(0)  # the new call is at the top: show it
        return card

    def _replace_spare(self) -> None:
        if self._keep_spare:  # not after the window closed: a parentless card must not leak
            self.prepare_spare()

    def _drop_old_ended(self) -> None:
        ended = [card for card in self._cards if card.final]
        for card in ended[MAX_ENDED_CARDS:]:
            self.remove_card(card.uuid)

    def _show_idle_if_empty(self) -> None:
        if self._cards:
            return
        self.scroller.hide()
        self.idle_label.show()
