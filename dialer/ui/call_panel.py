"""The live call panel: what the call is doing right now, readable from across the desk.

It renders CallSnapshots and nothing else, so what it shows is exactly what the controller
knows. Hang up is offered only when it can work; when the provider cannot hang up, the button
stays disabled and says why instead of pretending. The talk timer only ticks while a call is
connected, so an idle window costs no wake-ups.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dialer.ui.style import set_tone

if TYPE_CHECKING:
    # Only for annotations: the domain pulls in pydantic, which the first paint must not wait for.
    from dialer.domain.models import CallSnapshot, Leg

#: Final statuses in words; the code itself stays visible because agents and logs speak it.
FINAL_WORDS = {
    "ANSWER": "answered",
    "NO_ANSWER": "no answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CANCELED": "canceled",
    "UNKNOWN": "outcome unknown — check before redialing",
    "ENDED": "ended",
    "INTERRUPTED": "interrupted",
    "PLACED": "placed; no live status",
}
FINAL_TONES = {"ANSWER": "ok", "PLACED": "ok", "ENDED": "ok", "UNKNOWN": "warn", "CANCELED": "warn"}

ROLE_WORDS = {"agent": "You (agent)", "destination": "Customer"}
LEG_STATE_WORDS = {
    "DIALING": "ringing",
    "JOINED": "on the call",
    "LEFT": "left",
    "FAILED": "failed",
}


def headline(snapshot: CallSnapshot) -> tuple[str, str]:
    """(text, tone) for the status line: a person's words for what the call is doing."""
    status = snapshot.status.value
    if snapshot.final:
        if status == "PLACED":
            verb = "Call placed"
        elif snapshot.call_id is None and status in ("FAILED", "UNKNOWN"):
            verb = "Call not placed" if status == "FAILED" else "Call request unanswered"
        else:
            verb = "Call ended"
        word = FINAL_WORDS.get(status, status.lower())
        words = "" if word == status.lower() else f" ({word})"  # "BUSY (busy)" says it twice
        return f"{verb} — {status}{words}", FINAL_TONES.get(status, "bad")
    if status == "DIALING":
        return "Placing the call…", "live"
    if status == "QUEUED":
        return "Waiting to send (rate limit)…", "live"
    if status == "ANSWER":
        return "Connected — ANSWER", "ok"
    if status == "INITIATED":
        return _ringing(snapshot.legs), "live"
    return status, "live"


def _ringing(legs: tuple[Leg, ...]) -> str:
    states = {leg.role.value: leg.state.value for leg in legs}
    agent, customer = states.get("agent"), states.get("destination")
    if agent == "DIALING":
        return "Ringing your phone…"
    if agent == "JOINED" and customer in (None, "DIALING"):
        return "Ringing the customer…"
    return "Call initiated — ringing…"


def format_talk_time(seconds: float) -> str:
    """mm:ss, growing to h:mm:ss for the rare call past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def talk_seconds(snapshot: CallSnapshot, now: datetime | None = None) -> float:
    if snapshot.final and snapshot.duration is not None:
        return float(snapshot.duration)
    if snapshot.connected_at is None:
        return 0.0
    end = snapshot.ended_at or now or datetime.now(UTC)
    return (end - snapshot.connected_at).total_seconds()


def leg_text(leg: Leg) -> str:
    role = ROLE_WORDS.get(leg.role.value, leg.role.value)
    state = LEG_STATE_WORDS.get(leg.state.value, leg.state.value.lower())
    return f"{role}   {leg.number}   ·   {state}"


class CallPanel(QFrame):
    """Shows one call at a time: the latest the window placed."""

    hangup_requested = Signal(str)  # the call's uuid

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("call_panel")
        self._snapshot: CallSnapshot | None = None
        self._hangup_unavailable: str | None = None
        self._hangup_pending = False

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)

        self.status_label = self._label("call_status", "No call")
        self.status_label.setWordWrap(True)
        self.timer_label = self._label("call_timer", "00:00")
        self.timer_label.setToolTip("Talk time since the customer answered")
        self.number_label = self._label("call_number", "")
        self.number_label.setWordWrap(True)
        self.message_label = self._label("call_message", "Type a number and press Enter to call.")
        self.message_label.setWordWrap(True)

        self.legs_list = QListWidget(self)
        self.legs_list.setObjectName("call_legs")
        self.legs_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.legs_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.legs_list.setFixedHeight(96)

        self.hangup_button = QPushButton("Hang up", self)
        self.hangup_button.setObjectName("hangup_button")
        self.hangup_button.clicked.connect(self._hangup_clicked)

        legs_caption = self._label("", "Legs")
        legs_caption.setProperty("role", "caption")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 20)
        layout.setSpacing(6)
        layout.addWidget(self.status_label)
        layout.addWidget(self.timer_label)
        layout.addWidget(self.number_label)
        layout.addWidget(self.message_label)
        layout.addSpacing(10)
        layout.addWidget(legs_caption)
        layout.addWidget(self.legs_list)
        layout.addStretch(1)
        layout.addWidget(self.hangup_button)
        self._update_hangup()

    def finish_setup(self) -> None:
        """Interaction details set after the first paint: they need PySide6's `Qt` enum
        namespace (~11 ms to load), which painting does not."""
        from PySide6.QtCore import Qt

        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.legs_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hangup_button.setCursor(Qt.CursorShape.PointingHandCursor)

    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text, self)
        if name:
            label.setObjectName(name)
        return label

    # --- what the window calls ---------------------------------------------------------------

    @property
    def snapshot(self) -> CallSnapshot | None:
        return self._snapshot

    @property
    def ticking(self) -> bool:
        """Whether the talk timer is running; it must not be while no call is connected."""
        return self._ticker.isActive()

    def show_snapshot(self, snapshot: CallSnapshot, *, hangup_unavailable: str | None) -> None:
        """Render one observation; `hangup_unavailable` is why hang up cannot work, or None."""
        if self._snapshot is None or self._snapshot.uuid != snapshot.uuid:
            self._hangup_pending = False
        self._snapshot = snapshot
        self._hangup_unavailable = hangup_unavailable
        text, tone = headline(snapshot)
        self.status_label.setText(text)
        set_tone(self.status_label, tone)
        caller = f"from {snapshot.from_number} " if snapshot.from_number else ""
        self.number_label.setText(
            f"To {snapshot.to_number}\n{caller}via {snapshot.account}".rstrip()
        )
        self.message_label.setText(snapshot.message)
        self._show_legs(snapshot.legs)
        connected = not snapshot.final and snapshot.status.value == "ANSWER"
        if connected and snapshot.connected_at is not None:
            if not self._ticker.isActive():
                self._ticker.start()
        else:
            self._ticker.stop()
        if snapshot.final:
            self._hangup_pending = False
        set_tone(self.timer_label, "live" if snapshot.connected_at is not None else "")
        self._tick()
        self._update_hangup()

    def show_error(self, text: str, *, headline: str | None = "Call not placed") -> None:
        """Readable text for a failure, never a traceback.

        `headline` replaces the status line; None keeps it, for an error that explains the
        call on screen whose final snapshot already says how it ended.
        """
        if headline is not None:
            self.status_label.setText(headline)
            set_tone(self.status_label, "bad")
            self._ticker.stop()
            self._update_hangup()
        self.message_label.setText(text)

    def hangup_failed(self, text: str) -> None:
        self._hangup_pending = False
        self.message_label.setText(f"Could not hang up: {text}")
        self._update_hangup()

    # --- internals ---------------------------------------------------------------------------

    def _show_legs(self, legs: tuple[Leg, ...]) -> None:
        texts = [leg_text(leg) for leg in legs]
        current = [self.legs_list.item(i).text() for i in range(self.legs_list.count())]
        if texts != current:
            self.legs_list.clear()
            self.legs_list.addItems(texts)

    def _tick(self) -> None:
        snapshot = self._snapshot
        seconds = talk_seconds(snapshot) if snapshot is not None else 0.0
        self.timer_label.setText(format_talk_time(seconds))

    def _hangup_clicked(self) -> None:
        snapshot = self._snapshot
        if snapshot is None or not self.hangup_button.isEnabled():
            return
        self._hangup_pending = True
        self._update_hangup()
        self.hangup_requested.emit(snapshot.uuid)

    def _update_hangup(self) -> None:
        snapshot = self._snapshot
        reason = ""
        if snapshot is None:
            reason = "No call to hang up"
        elif snapshot.final:
            reason = "The call has ended"
        elif self._hangup_unavailable:
            reason = self._hangup_unavailable
        elif snapshot.call_id is None:
            reason = "The call can be hung up once the provider has accepted it"
        elif self._hangup_pending:
            reason = "Hanging up…"
        self.hangup_button.setEnabled(not reason)
        self.hangup_button.setToolTip(reason or "End the call for everyone on it")
        self.hangup_button.setText("Hanging up…" if self._hangup_pending else "Hang up")
