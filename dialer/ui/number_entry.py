"""The number box and its live preview: what will actually be dialed, before anyone clicks.

Agents paste numbers from CRMs, chats and spreadsheets; the preview shows the normalized E.164
form, the country, the number type, whether it is valid (with the reason when not) and the
form the selected provider will receive, so a wrong number, or one the provider cannot dial,
is caught before it rings someone. Parsing is `dialer.numbers`, loaded only after the first
paint (`enable_parsing`); until then the box accepts typing and the preview stays empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from dialer.ui.style import set_tone

if TYPE_CHECKING:
    from types import ModuleType

    from dialer.numbers import ParsedNumber
    from dialer.providers.base import Provider


class NumberEntry(QWidget):
    #: The text changed and the preview is up to date.
    changed = Signal()
    #: Enter was pressed in the box.
    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._numbers: ModuleType | None = None
        self._region = "IN"
        #: (parsed number, provider, its wire form or refusal): the preview works it out as the
        #: agent types, and the Call click asks again (~0.3 ms of formatting) for the same pair.
        self._wired: tuple[ParsedNumber, object, tuple[str | None, str | None]] | None = None
        self._provider: type[Provider] | None = None

        self.number_input = QLineEdit(self)
        self.number_input.setObjectName("number_input")
        self.number_input.setPlaceholderText("Number or tel: link")
        self.number_input.setMaxLength(256)
        self.number_input.setAccessibleName("Number to call")
        self.number_input.setToolTip(
            "Type or paste a number or a tel: link. Enter or Ctrl+Enter calls, Esc clears."
        )
        self.number_preview = QLabel(" ", self)
        self.number_preview.setObjectName("number_preview")
        self.number_preview.setAccessibleName("What will be dialed")
        self.number_preview.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.number_input)
        layout.addWidget(self.number_preview)

        self.number_input.textChanged.connect(self._text_changed)
        self.number_input.returnPressed.connect(self.submitted)
        self.number_input.installEventFilter(self)

    def finish_setup(self) -> None:
        """Set after the first paint: needs PySide6's `Qt` enum namespace (~11 ms to load), and
        the clear button's icon is looked up in the style (~1 ms)."""
        from PySide6.QtCore import Qt

        self.number_input.setClearButtonEnabled(True)

        self.number_preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Two lines reserved: the preview grows a line once a provider is known, and the
        # layout below it must not jump while typing.
        self.number_preview.setMinimumHeight(self.number_preview.fontMetrics().lineSpacing() * 2)

    def enable_parsing(self, numbers: ModuleType, region: str) -> None:
        """Start previewing with `dialer.numbers`, numbers without a country code read as
        `region`'s."""
        self._numbers = numbers
        self._region = region
        self._text_changed(self.number_input.text())

    def set_region(self, region: str) -> None:
        self._region = region
        self._text_changed(self.number_input.text())

    def set_provider(self, provider: type[Provider] | None) -> None:
        """The provider of the selected account: the preview shows the form it will receive."""
        self._provider = provider
        self._text_changed(self.number_input.text())

    @property
    def ready(self) -> bool:
        return self._numbers is not None

    def text(self) -> str:
        return self.number_input.text()

    def set_text(self, text: str) -> None:
        self.number_input.setText(text)

    def append(self, key: str) -> None:
        """Add at the end (where dial pad keys and stray typing belong) and take focus."""
        self.number_input.end(False)
        self.number_input.insert(key)
        self.number_input.setFocus()

    def backspace(self) -> None:
        self.number_input.setFocus()
        self.number_input.backspace()

    def problem(self) -> str | None:
        """Why the number cannot be called, or None when it can."""
        text = self.number_input.text()
        if not text.strip():
            return "Type a number to call"
        if self._numbers is None:
            return "The dialer is still starting"
        parsed = self._parse(text)
        if not parsed.valid:
            return f"Cannot call this number: {parsed.reason or 'not a phone number'}"
        _, refusal = self._wire(parsed)
        if refusal is not None and self._provider is not None:
            return f"{self._provider.title} cannot dial this number: {refusal}"
        return None

    def _wire(self, parsed: ParsedNumber) -> tuple[str | None, str | None]:
        """(what the provider receives, why it refuses): a provider's own `wire_number`
        wins, since it may check more (the country it serves) than the bare number form."""
        provider = self._provider
        if provider is None or self._numbers is None:
            return None, None
        if self._wired is not None and self._wired[0] is parsed and self._wired[1] is provider:
            return self._wired[2]
        result = self._wire_now(provider, parsed)
        self._wired = (parsed, provider, result)
        return result

    def _wire_now(
        self, provider: type[Provider], parsed: ParsedNumber
    ) -> tuple[str | None, str | None]:
        assert self._numbers is not None
        from dialer.domain.errors import DialerError

        try:
            wire = getattr(provider, "wire_number", None)
            if callable(wire):
                return str(wire(parsed)), None
            return str(self._numbers.format_for(parsed, provider.number_form)), None
        except DialerError as exc:
            return None, str(exc)

    def _parse(self, text: str) -> ParsedNumber:
        """Each keystroke asks more than once; `numbers.parse` remembers recent texts."""
        assert self._numbers is not None
        parsed: ParsedNumber = self._numbers.parse(text, self._region)
        return parsed

    def _text_changed(self, text: str) -> None:
        if self._numbers is not None:
            self._show_preview(text)
        self.changed.emit()

    def _show_preview(self, text: str) -> None:
        if not text.strip():
            self._set_preview("", "")
            return
        parsed = self._parse(text)
        parts = [parsed.e164] if parsed.e164 else []
        if parsed.e164 and parsed.country:
            parts.append(parsed.country)
        if not parsed.valid:
            parts.append(f"invalid: {parsed.reason or 'not a phone number'}")
            self._set_preview("✗  " + "  ·  ".join(parts), "bad")
            return
        kind = parsed.number_type.replace("_", " ")
        parts.append("valid" if kind == "unknown" else f"valid {kind} number")
        if parsed.extension:
            parts.append(f"ext. {parsed.extension} is not dialed")
        wire, refusal = self._wire(parsed)
        provider = self._provider
        if provider is None:
            self._set_preview("✓  " + "  ·  ".join(parts), "ok")
        elif refusal is not None:
            self._set_preview(
                "✗  " + "  ·  ".join(parts) + f"\n{provider.title} cannot dial it: {refusal}",
                "bad",
            )
        else:
            self._set_preview(
                "✓  " + "  ·  ".join(parts) + f"\n{provider.title} receives {wire}", "ok"
            )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Esc in the box clears it: the quickest way to start over, as on a phone."""
        if (
            watched is self.number_input
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            from PySide6.QtCore import Qt  # a key press comes after the first paint

            if event.key() == Qt.Key.Key_Escape and self.number_input.text():
                self.number_input.clear()
                return True
        return super().eventFilter(watched, event)

    def _set_preview(self, text: str, tone: str) -> None:
        self.number_preview.setText(text or " ")
        set_tone(self.number_preview, tone)
