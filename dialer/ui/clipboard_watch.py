"""Numbers the agent copies anywhere, offered for one-click dialing.

`ClipboardWatcher` looks at each clipboard change (after a short pause, since some apps set
the clipboard several times per copy) and reports the first phone number in it. Only text is
read, and only its start (`dialer.clipboard_numbers` caps the scan and refuses binary); images
and files are ignored without reading them. Copies made by the dialer itself are ignored. No
number is ever logged.

`ClipboardHint` is the in-window offer: "Copied 098765 43210 — Call". Pressing Call is the
agent's confirmation (the number is on the button), so it dials without a second question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QClipboard
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from dialer import clipboard_numbers

if TYPE_CHECKING:
    from dialer.clipboard_numbers import Found

#: Wait this long after a change before reading: apps often set the clipboard twice per copy.
SETTLE_MS = 120
#: The same number copied again within this long is one copy (some apps re-set the clipboard
#: when they regain focus); later, it is a new copy and offered again.
REPEAT_S = 10.0


class ClipboardWatcher(QObject):
    """`number_copied(Found)` when a copy contains a phone number (not the same one again
    within `REPEAT_S`)."""

    number_copied = Signal(object)

    def __init__(self, clipboard: QClipboard, region: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clipboard = clipboard
        self.region = region
        self.enabled = False
        self._last: tuple[str, float] | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._check)
        clipboard.dataChanged.connect(self._changed)

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if not enabled:
            self._settle.stop()

    def current_number(self) -> Found | None:
        """The number on the clipboard now (for "Dial from clipboard"), if any."""
        return self._number_in(QClipboard.Mode.Clipboard)

    def selected_number(self) -> Found | None:
        """The selected text's number where the desktop has a selection (X11), else None."""
        if not self.clipboard.supportsSelection():
            return None
        return self._number_in(QClipboard.Mode.Selection)

    def _changed(self) -> None:
        if self.enabled:
            self._settle.start()

    def _check(self) -> None:
        if not self.enabled or self.clipboard.ownsClipboard():
            return
        import time

        found = self._number_in(QClipboard.Mode.Clipboard)
        if found is None:
            return
        now = time.monotonic()
        if (
            self._last is not None
            and self._last[0] == found.e164
            and now - self._last[1] < REPEAT_S
        ):
            return
        self._last = (found.e164, now)
        self.number_copied.emit(found)

    def _number_in(self, mode: QClipboard.Mode) -> Found | None:
        mime = self.clipboard.mimeData(mode)
        if mime is None or not mime.hasText():
            return None  # an image, files, or nothing: not read at all
        return clipboard_numbers.first_number(mime.text(), self.region)


class ClipboardHint(QFrame):
    """A slim bar offering the copied number: Call, or dismiss it."""

    dial_requested = Signal(str)  # E.164

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipboard_hint")
        self.setProperty("role", "card")
        self.setAccessibleName("Copied number")
        self.number: str | None = None

        caption = QLabel("Copied", self)
        caption.setProperty("role", "help")
        self.label = QLabel("", self)
        self.label.setObjectName("clipboard_hint_text")
        self.label.setStyleSheet("font-size: 16px; font-weight: 600;")
        self.dial_button = QPushButton("Call", self)
        self.dial_button.setObjectName("clipboard_dial_button")
        self.dial_button.setProperty("role", "primary")
        self.dial_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.dismiss_button = QPushButton("✕", self)
        self.dismiss_button.setObjectName("clipboard_dismiss_button")
        self.dismiss_button.setAccessibleName("Dismiss the copied number")
        self.dismiss_button.setToolTip("Dismiss")
        self.dismiss_button.setFixedWidth(36)
        self.dismiss_button.setCursor(Qt.CursorShape.PointingHandCursor)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.setSpacing(8)
        layout.addWidget(caption)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dial_button)
        layout.addWidget(self.dismiss_button)

        self.dial_button.clicked.connect(self._dial)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.hide()

    def offer(self, found: Found) -> None:
        self.number = found.e164
        self.label.setText(found.international)
        self.dial_button.setAccessibleName(f"Call the copied number {found.international}")
        self.dial_button.setToolTip("Call the number you just copied (Ctrl+Shift+D)")
        self.show()

    def dismiss(self) -> None:
        self.number = None
        self.hide()

    def _dial(self) -> None:
        number = self.number
        if number is None:
            return
        self.dismiss()
        self.dial_requested.emit(number)
