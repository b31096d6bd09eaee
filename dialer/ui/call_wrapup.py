"""The agent's wrap-up of one call: free-text notes and an outcome (disposition).

Agents write while the customer talks and right after, so the text is handed on a moment
after typing pauses (debounced) rather than per keystroke, and at once when the card closes:
nothing typed is lost, and history is not written fifty times a sentence.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from dialer.ui.account_picker import ChevronComboBox

#: Common call outcomes; the box is editable, so a team's own words work too.
DISPOSITIONS = (
    "Interested",
    "Not interested",
    "Call back",
    "Wrong number",
    "Voicemail",
    "No answer",
    "Other",
)
#: Notes are handed on this long after the last keystroke.
NOTES_DEBOUNCE_MS = 700


class WrapUp(QWidget):
    #: notes, disposition: typing paused, or `flush` was asked for.
    changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NOTES_DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)

        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("call_notes")
        self.notes.setPlaceholderText("Notes (saved to history)")
        self.notes.setAccessibleName("Call notes")
        self.notes.setTabChangesFocus(True)  # keyboard users must be able to leave the box
        self.notes.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.notes.setFixedHeight(int(self.fontMetrics().lineSpacing() * 2.6) + 16)
        self.notes.textChanged.connect(self._edited)
        self.disposition = ChevronComboBox(self)
        self.disposition.setObjectName("call_disposition")
        self.disposition.setEditable(True)
        self.disposition.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.disposition.addItem("")
        self.disposition.addItems(DISPOSITIONS)
        self.disposition.setAccessibleName("Call outcome")
        self.disposition.setToolTip("The call's outcome, saved to history with the notes")
        line = self.disposition.lineEdit()
        if line is not None:
            line.setPlaceholderText("Outcome")
        self.disposition.currentTextChanged.connect(self._edited)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        for column, (caption, buddy) in enumerate(
            (("Notes", self.notes), ("Outcome", self.disposition))
        ):
            label = QLabel(caption, self)
            label.setProperty("role", "caption")
            label.setBuddy(buddy)
            grid.addWidget(label, 0, column)
        grid.addWidget(self.notes, 1, 0)
        grid.addWidget(self.disposition, 1, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

    def state(self) -> tuple[str, str]:
        return self.notes.toPlainText(), self.disposition.currentText().strip()

    @property
    def pending(self) -> bool:
        """Typed but not yet handed on."""
        return self._timer.isActive()

    def flush(self) -> None:
        self._timer.stop()
        self.changed.emit(*self.state())

    def take_pending(self) -> tuple[str, str] | None:
        """What was typed and not yet handed on, taken by the caller to save itself."""
        if not self._timer.isActive():
            return None
        self._timer.stop()
        return self.state()

    def _edited(self, *_args: object) -> None:
        self._timer.start()
