"""The on-screen dial pad: for mouse and touch users, and for entering DTMF-style `*` and `#`.

Its buttons never take keyboard focus, so clicking a digit leaves the caret in the number box
and typing carries on where it was. That flag, like the hand cursor, is set in `finish_setup`
after the first paint: it needs PySide6's `Qt` enum namespace, which costs ~11 ms to load.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

#: Label, object-name suffix: the suffixes are part of the public widget contract.
KEYS: tuple[tuple[str, str], ...] = (
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5"),
    ("6", "6"),
    ("7", "7"),
    ("8", "8"),
    ("9", "9"),
    ("*", "star"),
    ("0", "0"),
    ("#", "hash"),
)

#: What a screen reader says for the keys whose label is a symbol.
SPOKEN = {"*": "Star", "#": "Hash"}

#: Tallest a key grows, in device-independent pixels.
MAX_KEY_HEIGHT = 58

#: Holding 0 this long types "+" instead, as on a phone: the only way to start an
#: international number without a keyboard.
LONG_PRESS_SECONDS = 0.6


class DialPad(QWidget):
    """Emits what was pressed; the window decides what that does to the number."""

    key_pressed = Signal(str)
    backspace_pressed = Signal()
    clear_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialpad")
        self._zero_down_at = 0.0
        grid = QGridLayout()
        grid.setSpacing(10)
        for index, (label, suffix) in enumerate(KEYS):
            button = self._button(label, f"dialpad_{suffix}", "digit")
            button.setAccessibleName(SPOKEN.get(label, label))
            # Keys grow with the window (bigger targets) up to a phone-like size.
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
            button.setMaximumHeight(MAX_KEY_HEIGHT)
            if label == "0":
                button.setToolTip("Hold for +")
                button.pressed.connect(self._zero_pressed)
                button.clicked.connect(self._zero_clicked)
            else:
                button.clicked.connect(lambda _=False, key=label: self.key_pressed.emit(key))
            grid.addWidget(button, index // 3, index % 3)

        backspace = self._button("⌫  Delete", "dialpad_backspace", "edit")
        backspace.setToolTip("Delete the last character (Backspace)")
        backspace.setAccessibleName("Delete")
        backspace.setAutoRepeat(True)
        backspace.clicked.connect(self.backspace_pressed)
        clear = self._button("Clear", "dialpad_clear", "edit")
        clear.setToolTip("Clear the number (Esc)")
        clear.setAccessibleName("Clear the number")
        clear.clicked.connect(self.clear_pressed)
        edits = QHBoxLayout()
        edits.setSpacing(10)
        edits.addWidget(backspace)
        edits.addWidget(clear)

        layout = QVBoxLayout(self)
        # The pad grows with the window only until its keys reach MAX_KEY_HEIGHT; the window
        # puts the rest of the room elsewhere instead of spreading gaps between the keys.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinAndMaxSize)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(grid)
        layout.addLayout(edits)

    def _button(self, label: str, name: str, role: str) -> QPushButton:
        button = QPushButton(label, self)
        button.setObjectName(name)
        button.setProperty("role", role)
        return button

    def finish_setup(self) -> None:
        """Interaction details not needed to paint (see the module docstring)."""
        from PySide6.QtCore import Qt

        for button in self.findChildren(QPushButton):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setCursor(Qt.CursorShape.PointingHandCursor)

    def _zero_pressed(self) -> None:
        self._zero_down_at = time.monotonic()

    def _zero_clicked(self) -> None:
        held = time.monotonic() - self._zero_down_at if self._zero_down_at else 0.0
        self._zero_down_at = 0.0
        self.key_pressed.emit("+" if held >= LONG_PRESS_SECONDS else "0")
