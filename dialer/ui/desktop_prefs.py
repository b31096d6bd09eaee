"""The settings' Desktop tab: tray, clipboard, notifications, auto-dial per source, the
global shortcut.

Created by the preferences page (its values are saved with the page's, and the page's older
"ask before dialing" box is kept in step with the per-source boxes here) and shown as its own
tab (`as_page`), so the general preferences stay short. Where the desktop cannot do something
(no tray, no global shortcuts on Wayland or macOS), the option says so in words instead of
silently doing nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dialer.ui.pref_widgets import check_box, section
from dialer.ui.tray import tray_available

if TYPE_CHECKING:
    from dialer.settings import Preferences

TRAY_NOTE = "Quit from the tray icon's menu or with Ctrl+Q."
NO_TRAY_NOTE = (
    "This desktop shows no system tray, so closing the window quits the dialer; a tel: link "
    "or the next launch starts it again."
)


class DesktopPrefs(QWidget):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("desktop_prefs")
        has_tray = tray_available()

        self.close_to_tray = check_box(
            self,
            "pref_close_to_tray",
            "Keep running in the tray when the window is closed",
            "Links, the clipboard and the shortcut keep working with the window closed",
            prefs.close_to_tray,
        )
        self.close_to_tray.setEnabled(has_tray)
        self.tray_note = self._note("pref_tray_note", TRAY_NOTE if has_tray else NO_TRAY_NOTE)
        self.watch_clipboard = check_box(
            self,
            "pref_watch_clipboard",
            "Offer phone numbers I copy for one-click calling",
            "Only the start of a copy is read; nothing copied is stored or logged",
            prefs.watch_clipboard,
        )
        self.notify_calls = check_box(
            self,
            "pref_notify_calls",
            "Notify me when a call ends, fails or is missed",
            "Shown while the dialer window is not the active one",
            prefs.notify_calls,
        )
        caption = QLabel("Call without asking first:", self)
        self.auto_dial_tel = check_box(
            self,
            "pref_auto_dial_tel",
            "Numbers from links (tel:, callto:)",
            "A click on a number in a web page or email calls it at once",
            prefs.auto_dial_tel,
        )
        self.auto_dial_cli = check_box(
            self,
            "pref_auto_dial_cli",
            "Numbers from other programs (dialer NUMBER)",
            "A CRM or script that runs the dialer with a number calls it at once",
            prefs.auto_dial_cli,
        )
        self.auto_dial_clipboard = check_box(
            self,
            "pref_auto_dial_clipboard",
            "Copied numbers (calls as soon as you copy one)",
            "Every phone number you copy is called immediately: for dialing from a list",
            prefs.auto_dial_clipboard,
        )

        from dialer.ui import hotkey

        supported, why_not = hotkey.support()
        hotkey_caption = QLabel(
            "Press it in any app to call the selected text's number (or the copied one)", self
        )
        hotkey_caption.setWordWrap(True)
        self.hotkey = QKeySequenceEdit(QKeySequence(prefs.global_hotkey), self)
        self.hotkey.setObjectName("pref_global_hotkey")
        self.hotkey.setAccessibleName("Global shortcut")
        self.hotkey.setMaximumSequenceLength(1)
        self.hotkey.setToolTip("Press the keys, e.g. Ctrl+Alt+D; off when empty")
        self.hotkey.setEnabled(supported)
        self.hotkey_clear = QPushButton("Off", self)
        self.hotkey_clear.setObjectName("pref_global_hotkey_clear")
        self.hotkey_clear.setAccessibleName("Turn the global shortcut off")
        self.hotkey_clear.setEnabled(supported)
        self.hotkey_clear.clicked.connect(self.hotkey.clear)
        self.hotkey_note = self._note(
            "pref_hotkey_note",
            why_not if not supported else "Off by default; another app may already use a key.",
        )

        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.hotkey, 1)
        row.addWidget(self.hotkey_clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(section(self, "Tray and notifications"))
        layout.addWidget(self.close_to_tray)
        layout.addWidget(self.tray_note)
        layout.addWidget(self.notify_calls)
        layout.addWidget(section(self, "Numbers from outside"))
        layout.addWidget(self.watch_clipboard)
        layout.addSpacing(4)
        layout.addWidget(caption)
        sources = QVBoxLayout()
        sources.setContentsMargins(22, 0, 0, 0)  # under their caption
        sources.setSpacing(8)
        for box in (self.auto_dial_tel, self.auto_dial_cli, self.auto_dial_clipboard):
            sources.addWidget(box)
        layout.addLayout(sources)
        layout.addWidget(section(self, "Global shortcut"))
        layout.addWidget(hotkey_caption)
        layout.addLayout(row)
        layout.addWidget(self.hotkey_note)

    def as_page(self) -> QScrollArea:
        """This section as a settings tab: margins like the other pages, and a scroll bar
        when large text scaling makes it taller than the dialog."""
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(24, 12, 24, 20)
        layout.addWidget(self)
        layout.addStretch(1)
        page = QScrollArea()
        page.setObjectName("desktop_page")
        page.setWidgetResizable(True)
        page.setFrameShape(QScrollArea.Shape.NoFrame)
        page.setWidget(holder)
        return page

    def _note(self, name: str, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setProperty("role", "help")
        label.setWordWrap(True)
        return label

    def follow_confirm_box(self, confirm: QCheckBox) -> None:
        """Keep the page's older "ask before dialing links and other apps' numbers" box and the
        per-source boxes saying the same thing: unticking it ticks both sources, and the box
        is ticked again as soon as either source asks."""

        def from_confirm(asks: bool) -> None:
            for box in (self.auto_dial_tel, self.auto_dial_cli):
                box.setChecked(not asks)

        def from_sources(_checked: bool) -> None:
            asks = not (self.auto_dial_tel.isChecked() and self.auto_dial_cli.isChecked())
            if confirm.isChecked() != asks:
                confirm.blockSignals(True)
                confirm.setChecked(asks)
                confirm.blockSignals(False)

        if confirm.isChecked():
            from_sources(False)
        else:
            from_confirm(False)
        confirm.toggled.connect(from_confirm)
        self.auto_dial_tel.toggled.connect(from_sources)
        self.auto_dial_cli.toggled.connect(from_sources)

    def values(self) -> dict[str, Any]:
        """The preferences this section owns, as `Preferences` field values."""
        sequence = self.hotkey.keySequence()
        return {
            "close_to_tray": self.close_to_tray.isChecked(),
            "watch_clipboard": self.watch_clipboard.isChecked(),
            "notify_calls": self.notify_calls.isChecked(),
            "auto_dial_tel": self.auto_dial_tel.isChecked(),
            "auto_dial_cli": self.auto_dial_cli.isChecked(),
            "auto_dial_clipboard": self.auto_dial_clipboard.isChecked(),
            "global_hotkey": sequence.toString(QKeySequence.SequenceFormat.PortableText),
        }
