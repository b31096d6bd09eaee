"""Ask before dialing a number the agent did not type: a link, another program, the clipboard.

A stray click on a web page, a script gone wrong or a copied number must never ring somebody
on its own: a call costs money and reaches a real person. So a number from outside is shown
in full, with where it came from, and dialed only on "Call". "Always" turns on auto-dial for
that one source, which the agent can turn off again in the preferences.

Window-modal and opened with `open()`, not `exec()`: the qasync loop keeps running (calls in
progress keep updating) while the question is on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from dialer.ipc import Source
    from dialer.numbers import ParsedNumber
    from dialer.settings import Preferences

#: Where the number came from, in the words of the dialog's second line.
SOURCE_WORDS: dict[str, str] = {
    "tel": "from a link (tel:)",
    "cli": "from another program (command line)",
    "clipboard": "from the clipboard",
}
#: The "always" box, per source.
ALWAYS_WORDS: dict[str, str] = {
    "tel": "Always call numbers from links without asking",
    "cli": "Always call numbers from other programs without asking",
    "clipboard": "Always call copied numbers without asking",
}


def describe(parsed: ParsedNumber) -> str:
    """The line under the number: the E.164 form, the country and the kind of line."""
    parts = [parsed.e164 or parsed.raw.strip()]
    if parsed.country:
        parts.append(parsed.country)
    kind = parsed.number_type.replace("_", " ")
    if kind not in ("unknown", ""):
        parts.append(kind)
    if parsed.extension:
        parts.append(f"ext. {parsed.extension} is not dialed")
    return "  ·  ".join(parts)


class ConsentDialog(QDialog):
    """`decided(dial, always)`: Call (with the box) or Not now / Esc / closing the dialog."""

    decided = Signal(bool, bool)

    def __init__(self, parsed: ParsedNumber, source: Source, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consent_dialog")
        self.setWindowTitle("Call this number?")
        self.setAccessibleName("Confirm the call")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.parsed = parsed
        self.source = source
        self._decided = False

        shown = parsed.international or parsed.e164 or parsed.raw.strip()
        title = QLabel("Call this number?", self)
        title.setProperty("role", "section")
        self.number_label = QLabel(shown, self)
        self.number_label.setObjectName("consent_number")
        self.number_label.setStyleSheet("font-size: 26px; font-weight: 700;")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number_label.setAccessibleName(f"Number {shown}")
        self.detail_label = QLabel(describe(parsed), self)
        self.detail_label.setObjectName("consent_detail")
        self.detail_label.setProperty("role", "help")
        self.detail_label.setWordWrap(True)
        self.source_label = QLabel(f"This number came {SOURCE_WORDS[source]}.", self)
        self.source_label.setObjectName("consent_source")
        self.source_label.setWordWrap(True)

        self.always_box = QCheckBox(ALWAYS_WORDS[source], self)
        self.always_box.setObjectName("consent_always_checkbox")
        self.always_box.setAccessibleName(ALWAYS_WORDS[source])
        self.always_box.setToolTip("You can turn this off again in Preferences")

        self.cancel_button = QPushButton("Not now", self)
        self.cancel_button.setObjectName("consent_cancel_button")
        self.cancel_button.setAccessibleName("Do not call")
        self.cancel_button.setToolTip("Keep the number in the box without calling (Esc)")
        self.dial_button = QPushButton(f"Call {shown}", self)
        self.dial_button.setObjectName("consent_dial_button")
        self.dial_button.setAccessibleName(f"Call {shown}")
        self.dial_button.setProperty("role", "primary")
        self.dial_button.setDefault(True)
        self.dial_button.setAutoDefault(True)
        self.dial_button.setToolTip("Place the call now (Enter)")
        for button in (self.cancel_button, self.dial_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setMinimumHeight(40)

        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.dial_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addSpacing(4)
        layout.addWidget(self.number_label)
        layout.addWidget(self.detail_label)
        layout.addSpacing(6)
        layout.addWidget(self.source_label)
        layout.addWidget(self.always_box)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)

        # Tab order follows the layout; the default button takes the focus, so Enter calls.
        QWidget.setTabOrder(self.always_box, self.cancel_button)
        QWidget.setTabOrder(self.cancel_button, self.dial_button)
        self.dial_button.setFocus()

        self.dial_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        self.finished.connect(self._finished)

    def _finished(self, result: int) -> None:
        if self._decided:
            return
        self._decided = True
        accepted = result == QDialog.DialogCode.Accepted
        self.decided.emit(accepted, accepted and self.always_box.isChecked())


class ConsentFlow(QObject):
    """The rule for numbers from outside: auto-dial where the agent allowed it, else ask.

    `dial_requested(e164)` once the agent said Call (or the source is auto-dialed). One
    question at a time: a newer number replaces an open question, which then dials nothing.
    """

    dial_requested = Signal(str)

    def __init__(
        self,
        window: QWidget,
        prefs: Callable[[], Preferences | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self._prefs = prefs
        self.dialog: ConsentDialog | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def auto_dial(self, source: Source) -> bool:
        prefs = self._prefs()
        if prefs is None:
            return False
        # The page's single older switch covers links and other programs together.
        if source in ("tel", "cli") and not prefs.confirm_external:
            return True
        allowed: bool = getattr(prefs, f"auto_dial_{source}", False)
        return allowed

    def offer(self, parsed: ParsedNumber, source: Source) -> None:
        """`parsed` is valid; dial it now if allowed for `source`, else ask."""
        if self.auto_dial(source) and parsed.e164:
            self.dial_requested.emit(parsed.e164)
            return
        self.close()  # the newer number replaces the question
        dialog = ConsentDialog(parsed, source, self.window)
        dialog.decided.connect(lambda dial, always, d=dialog: self._decided(d, dial, always))
        self.dialog = dialog
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()

    def close(self) -> None:
        """Withdraw the open question (it dials nothing)."""
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.decided.disconnect()
            dialog.reject()
            dialog.deleteLater()

    def _decided(self, dialog: ConsentDialog, dial: bool, always: bool) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        if always:
            self._remember(f"auto_dial_{dialog.source}")
        if dial and dialog.parsed.e164:
            self.dial_requested.emit(dialog.parsed.e164)

    def _remember(self, field: str) -> None:
        """Turn one auto-dial switch on now and on disk (re-read, set, write, off-thread)."""
        import asyncio

        prefs = self._prefs()
        if prefs is not None:
            setattr(prefs, field, True)
        task = asyncio.ensure_future(self._write(field))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, field: str) -> None:
        import asyncio

        from dialer import settings as settings_mod

        def write() -> None:
            fresh = settings_mod.load()
            setattr(fresh.preferences, field, True)
            settings_mod.save(fresh)

        try:
            await asyncio.to_thread(write)
        except (OSError, ValueError) as exc:
            status = getattr(self.window, "statusBar", None)
            if callable(status):
                status().showMessage(f"Could not save the choice: {exc}", 10000)

    async def aclose(self) -> None:
        import asyncio

        self.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
