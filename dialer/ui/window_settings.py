"""The settings dialog as the main window opens it, and what saved settings change at once.

Accounts, caller IDs, the region and the theme follow a save without a restart, while calls in
progress go on with the accounts they were placed with. That is the window's settings flow,
apart from its calling logic: `MainWindow.open_settings` and `apply_settings` hand over to it,
and the dialog's module is loaded only when the agent first opens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from dialer.ui.main_window import MainWindow
    from dialer.ui.settings_dialog import SettingsDialog


class WindowSettings:
    def __init__(self, window: MainWindow) -> None:
        self._window = window
        #: The open dialog, None while none is (one at a time).
        self.dialog: SettingsDialog | None = None

    def open(self) -> None:
        """Accounts and preferences; loaded on first use, shown without blocking the calls."""
        window = self._window
        if window.settings is None or window.controller is None:
            window.statusBar().showMessage("Settings open once the dialer has started", 5000)
            return
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        from dialer.ui.settings_dialog import SettingsDialog

        settings = window.settings.model_copy(deep=True)
        dialog = SettingsDialog(settings, window.controller.client, window)
        dialog.settings_saved.connect(window.apply_settings)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()

    def _closed(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def apply(self, settings: object) -> None:
        """New settings from the dialog: accounts, caller IDs, region and theme follow at once;
        calls in progress go on with the accounts they were placed with."""
        from dialer.settings import Settings

        window = self._window
        if not isinstance(settings, Settings) or window.controller is None:
            return
        window.settings = settings
        window.controller.settings = settings
        forget = getattr(window.controller, "forget_secret", None)
        if callable(forget):  # a changed secret must be read again from the keyring
            for account in settings.accounts:
                forget(account.name)
        apply_theme(settings.preferences.theme)
        window.entry.set_region(settings.preferences.default_region)
        window.picker.set_settings(settings)
        window.statusBar().showMessage("Settings saved", 5000)
        window.settings_applied.emit(settings)


def apply_theme(mode: str) -> None:
    from dialer.ui import theme

    app = QApplication.instance()
    if isinstance(app, QApplication) and mode in ("system", "light", "dark"):
        theme.ensure_applied(app, mode)  # type: ignore[arg-type]
