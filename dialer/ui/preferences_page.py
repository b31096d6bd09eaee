"""Preferences: default country, confirmation of outside numbers, tray, login start, theme.

The theme applies as soon as it is picked (the dialog reverts it on Cancel), because a theme is
judged by looking at it. Start at login mirrors the OS entry, which is read and written off
the GUI thread by the dialog (`dialer.autostart`); the OS entry is the truth, not the setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from dialer.ui import pref_widgets
from dialer.ui.account_picker import ChevronComboBox
from dialer.ui.pref_widgets import check_box, section

if TYPE_CHECKING:
    from dialer.settings import Preferences

THEMES = (("system", "Same as the system"), ("light", "Light"), ("dark", "Dark"))


def region_choices() -> list[tuple[str, str]]:
    """(code, "India (+91)") for every region phone numbers are known for, by name."""
    import phonenumbers

    choices = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory.value else ""
        calling = phonenumbers.country_code_for_region(code)
        choices.append((code, f"{name or code} (+{calling})"))
    return sorted(choices, key=lambda c: c[1].casefold())


class PreferencesPage(QWidget):
    #: A theme was picked ("system", "light" or "dark"): the dialog applies it at once.
    theme_picked = Signal(str)

    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferences_page")

        self.pref_region = ChevronComboBox(self)
        self.pref_region.setObjectName("pref_region")
        self.pref_region.setAccessibleName("Default country")
        self.pref_region.setToolTip(
            "Numbers typed without a country code (098765 43210) are read as this country's"
        )
        for code, text in region_choices():
            self.pref_region.addItem(text, code)
        index = self.pref_region.findData(prefs.default_region.upper())
        if index < 0:
            self.pref_region.addItem(prefs.default_region, prefs.default_region)
            index = self.pref_region.count() - 1
        self.pref_region.setCurrentIndex(index)

        self.pref_confirm_external = check_box(
            self,
            "pref_confirm_external",
            "Ask before dialing a number that comes from a link or another app",
            "A tel: link or a second launch fills in the number; you confirm before it rings",
            prefs.confirm_external,
        )
        self.pref_start_minimized = check_box(
            self,
            "pref_start_minimized",
            "Start minimized to the tray",
            "The window stays hidden until you open it from the tray icon",
            prefs.start_minimized,
        )
        self.pref_start_at_login = check_box(
            self,
            "pref_start_at_login",
            "Start Dialer when I log in",
            "Adds Dialer to your desktop's login items (off again when unticked)",
            prefs.start_at_login,
        )
        self.pref_theme = ChevronComboBox(self)
        self.pref_theme.setObjectName("pref_theme")
        self.pref_theme.setAccessibleName("Theme")
        for key, text in THEMES:
            self.pref_theme.addItem(text, key)
        self.pref_theme.setCurrentIndex(max(0, self.pref_theme.findData(prefs.theme)))
        self.pref_keyring = QLabel("Checking…", self)
        self.pref_keyring.setObjectName("pref_keyring")
        self.pref_keyring.setAccessibleName("System keyring in use")
        self.pref_keyring.setWordWrap(True)
        self.pref_keyring.setProperty("role", "help")
        # Tray, clipboard, auto-dial per source, global shortcut: `dialer.ui.desktop_prefs`,
        # saved with this page, shown as the dialog's Desktop tab.
        from dialer.ui.desktop_prefs import DesktopPrefs

        self.desktop = DesktopPrefs(prefs, self)
        self.desktop.follow_confirm_box(self.pref_confirm_external)
        # Issue 9: the status-push listener and each account's callback URL.
        from dialer.ui.callback_prefs import CallbackPrefs

        self.callbacks = CallbackPrefs(prefs, self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(12)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(section(self, "Dialing"))
        form.addRow(
            pref_widgets.caption(self, "Default country", self.pref_region), self.pref_region
        )
        form.addRow("", self.pref_confirm_external)
        form.addRow(section(self, "Start-up"))
        form.addRow("", self.pref_start_minimized)
        form.addRow("", self.pref_start_at_login)
        form.addRow(section(self, "Appearance"))
        form.addRow(pref_widgets.caption(self, "Theme", self.pref_theme), self.pref_theme)
        form.addRow(section(self, "Security"))
        form.addRow(pref_widgets.caption(self, "Keyring", self.pref_keyring), self.pref_keyring)
        form.addRow(section(self, "Status pushes"))
        self.callbacks.add_rows(form)
        layout.addLayout(form)
        layout.addStretch(1)

        self.pref_theme.currentIndexChanged.connect(
            lambda _i: self.theme_picked.emit(str(self.pref_theme.currentData()))
        )

    def values(self) -> dict[str, Any]:
        """The preferences this page owns, as `Preferences` field values."""
        return {
            "default_region": str(self.pref_region.currentData()),
            "confirm_external": self.pref_confirm_external.isChecked(),
            "start_minimized": self.pref_start_minimized.isChecked(),
            "start_at_login": self.pref_start_at_login.isChecked(),
            "theme": str(self.pref_theme.currentData()),
            **self.desktop.values(),
            **self.callbacks.values(),
        }

    def show_autostart(self, enabled: bool) -> None:
        """The OS entry's real state, once read (it wins over the saved setting)."""
        self.pref_start_at_login.blockSignals(True)
        self.pref_start_at_login.setChecked(enabled)
        self.pref_start_at_login.blockSignals(False)

    def show_keyring(self, text: str) -> None:
        self.pref_keyring.setText(text)
