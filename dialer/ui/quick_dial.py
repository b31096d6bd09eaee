"""The tray's quick-dial box: type a number and press Enter without opening the whole window.

A small frameless-looking dialog near the tray, with the same live preview as the window's
number box so a typo is visible before the call. The agent typed the number, so it is dialed
without a consent question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from dialer.ui.style import set_tone

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QWidget

    from dialer.numbers import ParsedNumber


class QuickDialBox(QDialog):
    """`dial_requested(text)` on Enter or Call, when the number is valid."""

    dial_requested = Signal(str)

    def __init__(
        self, parse: Callable[[str], ParsedNumber] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("quick_dial")
        self.setWindowTitle("Quick dial")
        self.setAccessibleName("Quick dial")
        self._parse = parse

        caption = QLabel("Quick dial", self)
        caption.setProperty("role", "section")
        self.input = QLineEdit(self)
        self.input.setObjectName("quick_dial_input")
        self.input.setAccessibleName("Number to call")
        self.input.setPlaceholderText("Number or tel: link")
        self.input.setMaxLength(256)
        self.input.setClearButtonEnabled(True)
        self.input.setStyleSheet("font-size: 20px; padding: 8px 12px;")
        self.preview = QLabel(" ", self)
        self.preview.setObjectName("quick_dial_preview")
        self.preview.setProperty("role", "help")
        self.button = QPushButton("Call", self)
        self.button.setObjectName("quick_dial_button")
        self.button.setAccessibleName("Call this number")
        self.button.setProperty("role", "primary")
        self.button.setMinimumHeight(40)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setAutoDefault(False)

        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.input, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(caption)
        layout.addLayout(row)
        layout.addWidget(self.preview)
        self.setMinimumWidth(420)

        self.input.textChanged.connect(self._changed)
        self.input.returnPressed.connect(self._submit)
        self.button.clicked.connect(self._submit)
        self._changed("")

    def set_parser(self, parse: Callable[[str], ParsedNumber]) -> None:
        self._parse = parse
        self._changed(self.input.text())

    def open_fresh(self) -> None:
        """Show empty and focused, in front of whatever the agent was doing."""
        self.input.clear()
        self.show()
        self.raise_()
        self.activateWindow()
        self.input.setFocus()

    def _problem(self, text: str) -> str | None:
        if not text.strip():
            return "Type a number"
        if self._parse is None:
            return "The dialer is still starting"
        parsed = self._parse(text)
        if not parsed.valid:
            return f"Cannot call: {parsed.reason or 'not a phone number'}"
        return None

    def _changed(self, text: str) -> None:
        problem = self._problem(text)
        self.button.setEnabled(problem is None)
        if problem is None and self._parse is not None:
            parsed = self._parse(text)
            parts = [p for p in (parsed.international, parsed.country) if p]
            self.preview.setText("✓  " + "  ·  ".join(parts))
            set_tone(self.preview, "ok")
        else:
            self.preview.setText(problem or "" if text.strip() else "Enter calls, Esc closes")
            set_tone(self.preview, "bad" if text.strip() else "")

    def _submit(self) -> None:
        text = self.input.text()
        if self._problem(text) is not None:
            return
        self.dial_requested.emit(text.strip())
        self.accept()
