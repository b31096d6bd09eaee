"""Accounts and preferences, edited together and saved together.

Nothing is written until Save: accounts are edited as drafts, secrets go to the keyring and
settings to the file only then, both off the GUI thread. Save re-reads the settings file and
merges, so an account added with `dialer accounts add` while the dialog was open survives, and
the caller IDs the main window remembered meanwhile are kept.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dialer.ui import pref_widgets, theme
from dialer.ui.account_draft import Draft, check_draft
from dialer.ui.account_editor import AccountEditor
from dialer.ui.preferences_page import PreferencesPage
from dialer.ui.settings_store import apply_secrets, autostart_state, keyring_state, write_merged
from dialer.ui.style import set_tone

if TYPE_CHECKING:
    import httpx

    from dialer.settings import Settings

log = logging.getLogger("dialer.ui")
T = TypeVar("T")


class SettingsDialog(QDialog):
    """objectName `settings_dialog`; `open()` it (non-blocking); `settings_saved(Settings)`."""

    settings_saved = Signal(object)

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        from dialer.providers import registry

        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        self.resize(960, 680)
        self.setMinimumSize(760, 520)
        self._settings = settings
        self._providers = registry.available()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._saving: asyncio.Task[None] | None = None
        self._autostart_was: bool | None = None
        self._theme_at_open = settings.preferences.theme
        self._originals = [a.name for a in settings.accounts]
        default = settings.default_account or next(iter(self._originals), None)
        self._drafts = [Draft.from_account(a, default=a.name == default) for a in settings.accounts]
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.ensure_applied(app, settings.preferences.theme)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._accounts_page(client), "Accounts")
        self.preferences = PreferencesPage(settings.preferences, self)
        self.preferences.callbacks.set_accounts(settings.accounts)
        preferences_scroll = QScrollArea(self)  # the status-push section makes it tall
        preferences_scroll.setObjectName("preferences_scroll")
        preferences_scroll.setWidgetResizable(True)
        preferences_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        preferences_scroll.setWidget(self.preferences)
        self.tabs.addTab(preferences_scroll, "Preferences")
        self.tabs.addTab(self.preferences.desktop.as_page(), "Desktop")  # dialer.ui.desktop_prefs

        self.settings_status = QLabel(self)
        self.settings_status.setObjectName("settings_status")
        self.settings_status.setProperty("role", "help")
        self.settings_status.setWordWrap(True)
        self.settings_cancel = pref_widgets.push_button(
            self, "settings_cancel", "Cancel", "Close without saving"
        )
        self.settings_save = pref_widgets.push_button(
            self, "settings_save", "Save", "Save accounts and preferences"
        )
        self.settings_save.setProperty("role", "primary")
        bottom = QHBoxLayout()
        bottom.setContentsMargins(24, 12, 24, 18)
        bottom.setSpacing(10)
        bottom.addWidget(self.settings_status, 1)
        bottom.addWidget(self.settings_cancel)
        bottom.addWidget(self.settings_save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self.settings_cancel.clicked.connect(self.reject)
        self.settings_save.clicked.connect(self.save)
        self.preferences.theme_picked.connect(self._preview_theme)
        self.preferences.pref_region.currentIndexChanged.connect(
            lambda _i: self.editor.set_region(str(self.preferences.pref_region.currentData()))
        )
        self._fill_list(
            select=max(0, next((i for i, d in enumerate(self._drafts) if d.default), 0))
        )
        self._spawn(self._probe())

    # --- building -----------------------------------------------------------------------------

    def _accounts_page(self, client: httpx.AsyncClient) -> QWidget:
        page = QWidget(self)
        page.setObjectName("accounts_page")
        self.account_list = QListWidget(page)
        self.account_list.setObjectName("account_list")
        self.account_list.setAccessibleName("Accounts")
        self.account_list.setMinimumWidth(220)
        self.account_list.installEventFilter(self)
        self.account_add = pref_widgets.push_button(self, "account_add", "Add", "Add an account")
        self.account_remove = pref_widgets.push_button(
            self, "account_remove", "Remove", "Remove the selected account (Delete)"
        )
        self.account_remove.setProperty("role", "danger")
        self.editor = AccountEditor(
            self._providers, client, self._settings.preferences.default_region, page
        )
        scroll = QScrollArea(page)
        scroll.setObjectName("account_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.editor)

        left = QVBoxLayout()
        left.setSpacing(8)
        left.addWidget(self.account_list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.account_add)
        buttons.addWidget(self.account_remove)
        left.addLayout(buttons)
        row = QHBoxLayout(page)
        row.setContentsMargins(24, 20, 12, 8)
        row.setSpacing(24)
        row.addLayout(left, 3)
        row.addWidget(scroll, 7)

        self.account_list.currentRowChanged.connect(self._row_changed)
        self.account_add.clicked.connect(self.add_account)
        self.account_remove.clicked.connect(self.remove_account)
        self.editor.changed.connect(self._draft_edited)
        return page

    # --- the account list ---------------------------------------------------------------------

    def _item_text(self, draft: Draft) -> str:
        cls = self._providers.get(draft.provider)
        title = cls.title if cls else f"{draft.provider} (not installed)"
        star = "  ★" if draft.default else ""
        return f"{draft.name.strip() or '(no name)'}{star}\n{title}"

    def _fill_list(self, select: int) -> None:
        box = self.account_list
        box.blockSignals(True)
        box.clear()
        for draft in self._drafts:
            item = QListWidgetItem(self._item_text(draft))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._item_text(draft))
            box.addItem(item)
        if self._drafts:
            box.setCurrentRow(min(select, len(self._drafts) - 1))
        box.blockSignals(False)
        self._row_changed(box.currentRow())

    def _row_changed(self, row: int) -> None:
        draft = self._drafts[row] if 0 <= row < len(self._drafts) else None
        taken = {d.name.strip() for d in self._drafts if d is not draft}
        self.editor.load(draft, taken)
        self.account_remove.setEnabled(draft is not None)

    def _draft_edited(self) -> None:
        draft = self.editor.current_draft()
        if draft is None:
            return
        if draft.default:  # one default at a time
            for other in self._drafts:
                other.default = other is draft
        for row, each in enumerate(self._drafts):
            self.account_list.item(row).setText(self._item_text(each))
        self._status("")

    def add_account(self) -> None:
        names = {d.name.strip() for d in self._drafts}
        name, n = "New account", 2
        while name in names:
            name, n = f"New account {n}", n + 1
        provider = next((p for p in self._providers if p != "sandbox"), "sandbox")
        self._drafts.append(Draft(provider=provider, name=name, default=not self._drafts))
        self._fill_list(select=len(self._drafts) - 1)
        self.editor.account_provider.setFocus()

    def remove_account(self) -> None:
        row = self.account_list.currentRow()
        if not 0 <= row < len(self._drafts):
            return
        gone = self._drafts.pop(row)
        if gone.default and self._drafts:
            self._drafts[0].default = True
        self._fill_list(select=row)
        self._status(f"Removed {gone.name!r}: Cancel to keep it.")
        self.account_list.setFocus()

    def _status(self, text: str, *, bad: bool = False) -> None:
        """The line by the buttons: why Save refused (tone "bad"), or what just happened."""
        self.settings_status.setText(text)
        set_tone(self.settings_status, "bad" if bad else "")

    # --- start-up probes ----------------------------------------------------------------------

    async def _probe(self) -> None:
        """Keyring and login-item state, read off the GUI thread once the dialog shows."""
        from dialer.domain.errors import CredentialsUnavailable
        from dialer.services.secret_reads import keyring_call

        try:
            available, message, backend = await keyring_call(keyring_state)
        except CredentialsUnavailable as exc:  # it stopped answering: say so, like no keyring
            available, message, backend = False, str(exc), ""
        self.editor.secret.set_keyring(available, message)
        self.preferences.show_keyring(backend if available else message)
        draft = self.editor.current_draft()
        if draft is not None:
            self.editor.secret.load(draft, self._providers.get(draft.provider))
        self._autostart_was = await asyncio.to_thread(autostart_state)
        if self._autostart_was is not None:
            self.preferences.show_autostart(self._autostart_was)

    # --- theme --------------------------------------------------------------------------------

    def _preview_theme(self, mode: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and mode in ("system", "light", "dark"):
            theme.apply(app, mode)  # type: ignore[arg-type]

    # --- saving -------------------------------------------------------------------------------

    def save(self) -> None:
        if self._saving is not None and not self._saving.done():
            return
        region = str(self.preferences.pref_region.currentData())
        for row, draft in enumerate(self._drafts):
            taken = {d.name.strip() for d in self._drafts if d is not draft}
            problems, general = check_draft(
                draft, self._providers.get(draft.provider), region, taken
            )
            if problems or general:
                self.tabs.setCurrentIndex(0)
                self.account_list.setCurrentRow(row)
                self.editor.validate()
                self.editor.focus_first_error()
                first = next(iter(problems.values()), None) or general[0]
                self._status(f"Account {draft.name.strip()!r}: {first}", bad=True)
                return
        self._saving = self._spawn(self._save(region))

    async def _save(self, region: str) -> None:
        from dialer.domain.errors import DialerError
        from dialer.services.secret_reads import keyring_call

        self.settings_save.setEnabled(False)
        self.settings_save.setText("Saving…")
        self._status("")
        accounts = []
        for draft in self._drafts:
            cls = self._providers[draft.provider]
            accounts.append(cls.normalize_account(draft.to_account(cls.secret_fields()), region))
        default = next(
            (a.name for a, d in zip(accounts, self._drafts, strict=True) if d.default), None
        )
        prefs = self.preferences.values()
        try:
            await keyring_call(functools.partial(apply_secrets, self._drafts, self._originals))
            await asyncio.to_thread(
                _set_autostart,
                prefs["start_at_login"],
                prefs["start_minimized"],
                self._autostart_was,
            )
            renamed = {d.original: d.name.strip() for d in self._drafts if d.original}
            saved = await asyncio.to_thread(
                write_merged, accounts, default, prefs, self._originals, renamed
            )
        except (DialerError, OSError, ValueError) as exc:
            self._status(f"Not saved: {exc}", bad=True)
            return
        except Exception as exc:  # never a traceback for the user
            log.exception("saving settings failed")
            self._status(f"Not saved (unexpected {type(exc).__name__}): {exc}", bad=True)
            return
        finally:
            self.settings_save.setEnabled(True)
            self.settings_save.setText("Save")
        self._theme_at_open = saved.preferences.theme
        self.settings_saved.emit(saved)
        self.accept()

    # --- closing ------------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Close either way: a previewed theme is undone unless it was saved."""
        if result != QDialog.DialogCode.Accepted:
            self._preview_theme(self._theme_at_open)
        self.editor.secret.cancel_all()
        self.preferences.callbacks.cancel_all()
        for task in list(self._tasks):
            if task is not self._saving:
                task.cancel()
        super().done(result)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter activates a focused button and nothing else: in a line edit it must not save
        the whole dialog (the caller-ID box uses Enter to add a number)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused.isEnabled():
                focused.click()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.account_list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
        ):
            self.remove_account()
            return True
        return super().eventFilter(watched, event)

    def _spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _set_autostart(wanted: bool, minimized: bool, was: bool | None) -> None:
    """Make the OS login item match; only touch it when on, or when it has to go."""
    from dialer import autostart

    if wanted:
        autostart.enable(minimized=minimized)
    elif was or was is None:
        autostart.disable()
