"""One call on screen: its progress, talk time, legs, controls and the agent's notes.

A card renders CallSnapshots and nothing else, so what it shows is what the controller knows.
Controls are offered only when they can work; a provider that cannot hang up or add a
participant leaves the control visibly disabled with the reason in its tooltip. Child
objectNames (call_status, call_timer, call_legs, hangup_button, ...) are unique within a card,
which carries the call's uuid in its `call_uuid` property, so tools find a call's controls by
first finding its card. The talk timer ticks only while the call is connected, and notes are
saved a moment after the agent stops typing, so neither costs anything while idle.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dialer.ui import call_words
from dialer.ui.call_timeline import CallTimeline
from dialer.ui.call_wrapup import WrapUp
from dialer.ui.style import set_tone

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot

#: Ring time for an added participant, in seconds.
RING_DEFAULT, RING_MIN, RING_MAX = 30, 5, 120


class WrappedLabel(QLabel):
    """A word-wrapped label that remembers its height for each width it was asked about.

    A word-wrapped QLabel lays its text out again on every `heightForWidth`, and the call list
    asks every card's labels at two widths each time its layout runs (a card added, a status
    that changed length): ~350 text layouts, ~3.5 ms, with 40 cards on screen, growing with
    each card (benchmarks/gui_stall.py --trace). The answer depends only on the text, the
    width and the font and style, so it is kept per (width, text) until the font or style
    changes; what Qt computes is unchanged.
    """

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._heights: dict[tuple[int, str], int] = {}

    def heightForWidth(self, width: int) -> int:
        key = (width, self.text())
        height = self._heights.get(key)
        if height is None:
            if len(self._heights) >= 8:  # old texts and widths: keep the cache small
                self._heights.clear()
            height = self._heights[key] = super().heightForWidth(width)
        return height

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in _LAYOUT_CHANGES:
            self._heights.clear()
        super().changeEvent(event)


#: What changes a label's text layout besides its text and width.
_LAYOUT_CHANGES = frozenset(
    {
        QEvent.Type.FontChange,
        QEvent.Type.StyleChange,
        QEvent.Type.LayoutDirectionChange,
        QEvent.Type.ContentsRectChange,
    }
)


class CallCard(QFrame):
    hangup_requested = Signal(str)  # uuid
    #: uuid, number, ring seconds
    add_leg_requested = Signal(str, str, int)
    #: uuid, notes, disposition: the agent paused typing (debounced) or the card is closing.
    notes_changed = Signal(str, str, str)
    close_requested = Signal(str)  # uuid

    def __init__(self, uuid: str | None, parent: QWidget | None = None) -> None:
        """`uuid` None builds a spare card, found by no tool until `assign` gives it a call."""
        super().__init__(parent)
        self.uuid = ""
        if uuid is not None:
            self.assign(uuid)
        self._snapshot: CallSnapshot | None = None
        self._furthest = call_words.PLACING
        self._hangup_unavailable: str | None = None
        self._add_leg_unavailable: str | None = None
        self._hangup_pending = False
        self._add_leg_pending = False
        self._error_headline: str | None = None
        self._ring_time_unavailable: str | None = None

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)

        self.status_label = self._label("call_status", "Placing the call…", wrapped=True)
        self.timer_label = self._label("call_timer", "00:00")
        self.timer_label.setToolTip("Talk time since the customer answered")
        self.timer_label.setAccessibleName("Talk time")
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("call_close")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close this card (the call is over; notes are saved)")
        self.close_button.setAccessibleName("Close call card")
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.clicked.connect(self._close_clicked)
        self.close_button.hide()
        self.parties_label = self._label("call_number", "", wrapped=True)
        self.parties_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.timeline = CallTimeline(self)
        self.message_label = self._label("call_message", "", wrapped=True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()

        self.legs_list = QListWidget(self)
        self.legs_list.setObjectName("call_legs")
        self.legs_list.setAccessibleName("Call legs")
        self.legs_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.legs_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.legs_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.legs_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

        self.add_leg_input = QLineEdit(self)
        self.add_leg_input.setObjectName("add_leg_input")
        self.add_leg_input.setPlaceholderText("Participant's number")
        self.add_leg_input.setAccessibleName("Number of the participant to add")
        self.add_leg_input.setMaxLength(64)
        self.add_leg_input.returnPressed.connect(self._add_leg_clicked)
        self.add_leg_input.textChanged.connect(self._update_controls)
        self.add_leg_ring = QSpinBox(self)
        self.add_leg_ring.setObjectName("add_leg_ring_time")
        self.add_leg_ring.setRange(RING_MIN, RING_MAX)
        self.add_leg_ring.setValue(RING_DEFAULT)
        self.add_leg_ring.setSuffix(" s")
        self.add_leg_ring.setAccessibleName("Ring time for the added participant, in seconds")
        self.add_leg_ring.setPrefix("rings ")
        self.add_leg_button = QPushButton("Add", self)
        self.add_leg_button.setObjectName("add_leg_button")
        self.add_leg_button.setAccessibleName("Add participant")
        self.add_leg_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.add_leg_button.clicked.connect(self._add_leg_clicked)
        self.hangup_button = QPushButton("Hang up", self)
        self.hangup_button.setObjectName("hangup_button")
        self.hangup_button.setAccessibleName("Hang up")
        self.hangup_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hangup_button.clicked.connect(self._hangup_clicked)

        self.wrapup = WrapUp(self)
        self.wrapup.changed.connect(
            lambda notes, outcome: self.notes_changed.emit(self.uuid, notes, outcome)
        )
        self.notes = self.wrapup.notes
        self.disposition = self.wrapup.disposition

        self._lay_out()
        self._size_to_font()
        self._update_controls()

    def assign(self, uuid: str) -> None:
        """Make this card the call's: its objectName and `call_uuid` are how tools find it."""
        self.setObjectName("call_card")
        self.setProperty("call_uuid", uuid)
        self.uuid = uuid

    def _label(self, name: str, text: str, *, wrapped: bool = False) -> QLabel:
        label = WrappedLabel(text, self) if wrapped else QLabel(text, self)
        label.setObjectName(name)
        return label

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.status_label, 1)
        top.addWidget(self.timer_label, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addSpacing(4)
        top.addWidget(self.hangup_button, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)

        legs_caption = QLabel("Legs", self)
        legs_caption.setProperty("role", "caption")
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.add_leg_input, 1)
        actions.addWidget(self.add_leg_ring)
        actions.addWidget(self.add_leg_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 16)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.parties_label)
        layout.addWidget(self.timeline)
        layout.addWidget(self.message_label)
        layout.addWidget(legs_caption)
        layout.addWidget(self.legs_list)
        layout.addLayout(actions)
        layout.addWidget(self.wrapup)

        for first, second in itertools.pairwise(self.focus_chain()):
            QWidget.setTabOrder(first, second)

    def focus_chain(self) -> list[QWidget]:
        """The card's controls in reading order: the header, the participant row, the wrap-up."""
        return [
            self.hangup_button,
            self.close_button,
            self.add_leg_input,
            self.add_leg_ring,
            self.add_leg_button,
            self.notes,
            self.disposition,
        ]

    def _size_to_font(self) -> None:
        """Heights in lines of text, so the card stays readable at 125-200 % scaling."""
        line = self.fontMetrics().lineSpacing()
        self.legs_list.setFixedHeight(int(line * 3.6) + 12)

    # --- what the panel calls ----------------------------------------------------------------

    @property
    def snapshot(self) -> CallSnapshot | None:
        return self._snapshot

    @property
    def final(self) -> bool:
        return self._snapshot is not None and self._snapshot.final

    @property
    def ticking(self) -> bool:
        """Whether the talk timer is running; it must not be while the call is not connected."""
        return self._ticker.isActive()

    def show_snapshot(
        self,
        snapshot: CallSnapshot,
        *,
        hangup_unavailable: str | None,
        add_leg_unavailable: str | None,
    ) -> None:
        """Render one observation; the `*_unavailable` texts say why a control cannot work."""
        self._snapshot = snapshot
        self._hangup_unavailable = hangup_unavailable
        self._add_leg_unavailable = add_leg_unavailable
        self._error_headline = None
        text, tone = call_words.headline(snapshot)
        self.status_label.setText(text)
        set_tone(self.status_label, tone)
        set_tone(self, "ended" if snapshot.final else "live")
        self.parties_label.setText(call_words.parties(snapshot))
        self._set_message(snapshot.message, bad=snapshot.final and tone == "bad")
        self._show_legs(snapshot)
        if not snapshot.final:
            self._furthest = max(self._furthest, call_words.stage(snapshot))
        self.timeline.set_steps(call_words.timeline(snapshot, self._furthest))

        connected = not snapshot.final and snapshot.status.value == "ANSWER"
        if connected and snapshot.connected_at is not None:
            if not self._ticker.isActive():
                self._ticker.start()
        else:
            self._ticker.stop()
        if snapshot.final:
            self._hangup_pending = self._add_leg_pending = False
        self.close_button.setVisible(snapshot.final)
        self.hangup_button.setVisible(not snapshot.final)  # an ended call has nothing to end
        set_tone(self.timer_label, "live" if snapshot.connected_at is not None else "")
        self._tick()
        self._update_controls()

    def show_error(self, text: str, *, headline: str | None) -> None:
        """Readable text for a failure, never a traceback; `headline` replaces the status
        line (None keeps it: the final snapshot already says how the call ended)."""
        if headline is not None:
            self._error_headline = headline
            self.status_label.setText(headline)
            set_tone(self.status_label, "bad")
            self._ticker.stop()
        self._set_message(text, bad=True)
        self._update_controls()

    def hangup_failed(self, text: str) -> None:
        self._hangup_pending = False
        self._set_message(f"Could not hang up: {text}", bad=True)
        self._update_controls()

    def add_leg_done(self, error: str | None) -> None:
        """The add-participant request finished; the leg itself shows up with the next poll."""
        self._add_leg_pending = False
        if error is None:
            self.add_leg_input.clear()
        else:
            self._set_message(f"Could not add the participant: {error}", bad=True)
        self._update_controls()

    def set_ring_time_unavailable(self, reason: str | None) -> None:
        """Disable the ring-time box (with why) when the call service cannot pass it on."""
        self._ring_time_unavailable = reason
        self._update_controls()

    def flush_notes(self) -> None:
        """Hand pending notes over now: the card is going away."""
        self.wrapup.flush()

    def take_pending_notes(self) -> tuple[str, str] | None:
        """(notes, disposition) typed and not yet handed on; the caller saves them."""
        return self.wrapup.take_pending()

    @property
    def notes_pending(self) -> bool:
        return self.wrapup.pending

    # --- internals ---------------------------------------------------------------------------

    def _set_message(self, text: str, *, bad: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
        set_tone(self.message_label, "bad" if bad else "")

    def _show_legs(self, snapshot: CallSnapshot) -> None:
        texts = call_words.leg_texts(snapshot.legs)
        if not texts:
            texts = ["No leg reported yet" if not snapshot.final else "No legs reported"]
        current = [self.legs_list.item(i).text() for i in range(self.legs_list.count())]
        if texts != current:
            self.legs_list.clear()
            self.legs_list.addItems(texts)

    def _tick(self) -> None:
        snapshot = self._snapshot
        seconds = call_words.talk_seconds(snapshot) if snapshot is not None else 0.0
        self.timer_label.setText(call_words.format_talk_time(seconds))

    def _wrapup_changed(self, notes: str, disposition: str) -> None:
        self.notes_changed.emit(self.uuid, notes, disposition)

    def _close_clicked(self) -> None:
        if self.final:
            self.flush_notes()
            self.close_requested.emit(self.uuid)

    def _hangup_clicked(self) -> None:
        if self._snapshot is None or not self.hangup_button.isEnabled():
            return
        self._hangup_pending = True
        self._update_controls()
        self.hangup_requested.emit(self.uuid)

    def _add_leg_clicked(self) -> None:
        number = self.add_leg_input.text().strip()
        if not number or not self.add_leg_button.isEnabled():
            return
        self._add_leg_pending = True
        self._update_controls()
        self.add_leg_requested.emit(self.uuid, number, self.add_leg_ring.value())

    def _live_reason(self) -> str:
        """Why no in-call control can work right now, or "" when the call is live."""
        snapshot = self._snapshot
        if snapshot is None:
            return "No call yet"
        if snapshot.final or self._error_headline is not None:
            return "The call has ended"
        return ""

    def _update_controls(self) -> None:
        snapshot = self._snapshot
        live = self._live_reason()
        hangup = self._hangup_unavailable or live
        if not hangup and snapshot is not None and snapshot.call_id is None:
            hangup = "The call can be hung up once the provider has accepted it"
        if not hangup and self._hangup_pending:
            hangup = "Hanging up…"
        self.hangup_button.setEnabled(not hangup)
        self.hangup_button.setToolTip(hangup or "End the call for everyone on it")
        self.hangup_button.setText("Hanging up…" if self._hangup_pending else "Hang up")

        add = self._add_leg_unavailable or live
        if not add and snapshot is not None and snapshot.call_id is None:
            add = "A participant can be added once the provider has accepted the call"
        self.add_leg_input.setEnabled(not add and not self._add_leg_pending)
        self.add_leg_input.setToolTip(add or "The participant's number, as you would dial it")
        ring = add or self._ring_time_unavailable or ""
        self.add_leg_ring.setEnabled(not ring and not self._add_leg_pending)
        self.add_leg_ring.setToolTip(ring or "How long the participant's phone rings")
        if not add and self._add_leg_pending:
            add = "Adding the participant…"
        elif not add and not self.add_leg_input.text().strip():
            add = "Type the participant's number first"
        self.add_leg_button.setEnabled(not add)
        self.add_leg_button.setToolTip(add or "Ring this number and join it to the call")
