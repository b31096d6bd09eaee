"""The status-push listener's preferences (issue 9): on/off, address, port, public URL, and the
callback URL of every account, to paste into the provider's dashboard.

An account's URL holds its secret path token (Alohaa's is sent with each call, with a header
secret instead), so the list shows it masked until "Show" is pressed, and "Copy" puts the full
URL on the clipboard without ever logging it. Tokens come from the keyring, read on a worker
thread; they are only read (and made, on first use) for accounts the listener would serve.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dialer.ui import pref_widgets

if TYPE_CHECKING:
    from dialer.services.callbacks import CallbackRoute
    from dialer.settings import Account, Preferences

log = logging.getLogger("dialer.ui")

MASK = "••••••••"
URL_ROLE = Qt.ItemDataRole.UserRole
MASKED_ROLE = Qt.ItemDataRole.UserRole + 1


def masked(url: str, route: CallbackRoute) -> str:
    """The URL with its path token hidden (header-authenticated routes carry no token)."""
    if route.token and url.endswith(route.token):
        return url[: -len(route.token)] + MASK
    return url


class CallbackPrefs(QWidget):
    """The preferences page's "Status pushes" section."""

    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callback_prefs")
        self._accounts: list[Account] = []
        self._routes: dict[str, CallbackRoute] = {}
        self._reading: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.revealed = False

        self.listener_check = pref_widgets.check_box(
            self,
            "callbackListenerCheck",
            "Receive status pushes",
            "Listen for the call outcomes Alohaa, Acefone, Sarv and the Click-to-Call OpenAPI "
            "POST after each call (off: outcomes are polled where the provider allows it)",
            prefs.callback_listener,
        )
        self.host_edit = pref_widgets.line_edit(
            self, "callbackHostEdit", "Listen on address", "127.0.0.1", prefs.callback_host
        )
        self.host_edit.setToolTip(
            "127.0.0.1 reaches this computer only (a tunnel on it); 0.0.0.0 lets a PBX on the "
            "office network reach it too"
        )
        self.port_spin = QSpinBox(self)
        self.port_spin.setObjectName("callbackPortSpin")
        self.port_spin.setAccessibleName("Listen on port")
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(prefs.callback_port)
        self.port_spin.setToolTip("Accounts without a port of their own share this one")
        self.public_edit = pref_widgets.line_edit(
            self,
            "callbackPublicUrlEdit",
            "Public URL",
            "e.g. https://dialer.example-tunnel.net (empty: the address and port above)",
            prefs.callback_public_url,
        )
        self.public_edit.setToolTip(
            "How the providers reach the listener from outside, e.g. your tunnel's address"
        )
        self.url_list = QListWidget(self)
        self.url_list.setObjectName("callbackUrlList")
        self.url_list.setAccessibleName("Callback URL of each account")
        self.url_list.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.url_list.setWordWrap(True)
        self.url_list.setMinimumHeight(90)
        self.reveal_button = pref_widgets.push_button(
            self,
            "callbackUrlRevealButton",
            "Show",
            "Show the callback URLs in full (they hold a secret)",
        )
        self.copy_button = pref_widgets.push_button(
            self, "callbackUrlCopyButton", "Copy", "Copy the selected account's full callback URL"
        )
        self.copy_button.setEnabled(False)
        self.status = QLabel(self)
        self.status.setObjectName("callbackUrlStatus")
        self.status.setProperty("role", "help")
        self.status.setWordWrap(True)

        self.listener_check.toggled.connect(self._changed)
        self.host_edit.textChanged.connect(self._changed)
        self.port_spin.valueChanged.connect(self._changed)
        self.public_edit.textChanged.connect(self._changed)
        self.reveal_button.clicked.connect(self.toggle_reveal)
        self.copy_button.clicked.connect(self.copy_selected)
        self.url_list.currentRowChanged.connect(self._selection_changed)

    # --- building -----------------------------------------------------------------------------

    def add_rows(self, form: QFormLayout) -> None:
        """Lay the section out in the page's own form, so its captions line up with the
        page's other fields (a form of its own sizes its caption column separately)."""
        form.addRow("", self.listener_check)
        form.addRow(pref_widgets.caption(self, "Address", self.host_edit), self.host_edit)
        form.addRow(pref_widgets.caption(self, "Port", self.port_spin), self.port_spin)
        form.addRow(pref_widgets.caption(self, "Public URL", self.public_edit), self.public_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.copy_button)
        urls = QVBoxLayout()
        urls.setSpacing(6)
        urls.addWidget(self.url_list)
        urls.addLayout(buttons)
        form.addRow(pref_widgets.caption(self, "Callback URLs", self.url_list), urls)
        self.hide()  # its widgets now live in the page's form

    # --- values ---------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {
            "callback_listener": self.listener_check.isChecked(),
            "callback_host": self.host_edit.text().strip() or "127.0.0.1",
            "callback_port": self.port_spin.value(),
            "callback_public_url": self.public_edit.text().strip(),
        }

    def _prefs(self) -> Preferences:
        from dialer.settings import Preferences

        try:
            return Preferences.model_validate(self.values())
        except ValueError:
            return Preferences()

    # --- the URL list ---------------------------------------------------------------------------

    def set_accounts(self, accounts: list[Account]) -> None:
        """Show these accounts' URLs; tokens are read off the GUI thread."""
        self._accounts = list(accounts)
        self._changed()

    def _changed(self, *_args: object) -> None:
        from dialer.services import callback_setup

        prefs = self._prefs()
        missing = [
            a
            for a in self._accounts
            if a.name not in self._routes
            and a.name not in self._reading
            and callback_setup.configured(a, prefs)
        ]
        self._reading.update(a.name for a in missing)
        if missing:
            self._spawn(self._load_routes(missing))
        self._fill()

    async def _load_routes(self, accounts: list[Account]) -> None:
        from dialer.services import callback_setup
        from dialer.services.secret_reads import keyring_call

        for account in accounts:
            try:
                route = await keyring_call(functools.partial(callback_setup.route_for, account))
            except Exception as exc:  # no keyring: say so, never a traceback
                self.status.setText(f"No callback URL for {account.name!r}: {exc}")
                continue
            finally:
                self._reading.discard(account.name)
            if route is not None:
                self._routes[account.name] = route
        self._fill()

    def _fill(self) -> None:
        from dialer.providers import registry
        from dialer.services import callback_setup

        prefs = self._prefs()
        row = self.url_list.currentRow()
        self.url_list.clear()
        for account in self._accounts:
            cls = registry.available().get(account.provider)
            title = cls.title if cls else account.provider
            head = f"{account.name} ({title})"
            item = QListWidgetItem()
            if account.provider not in callback_setup.PUSH_PROVIDERS:
                item.setText(f"{head}: {title} does not push call outcomes; nothing to set up")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            elif not callback_setup.configured(account, prefs):
                item.setText(f"{head}: tick “Receive status pushes” to get its URL")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            elif (route := self._routes.get(account.name)) is None:
                item.setText(f"{head}: reading its callback token…")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            else:
                url = callback_setup.url_for(prefs, account, route)
                where = callback_setup.where_to_give(account.provider)
                shown = url if self.revealed else masked(url, route)
                item.setText(f"{head}: {shown}\n{where}")
                item.setData(URL_ROLE, url)
                item.setData(MASKED_ROLE, shown)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, item.text().split(":")[0])
            self.url_list.addItem(item)
        if 0 <= row < self.url_list.count():
            self.url_list.setCurrentRow(row)
        self._selection_changed(self.url_list.currentRow())

    def _selection_changed(self, row: int) -> None:
        item = self.url_list.item(row) if row >= 0 else None
        self.copy_button.setEnabled(item is not None and bool(item.data(URL_ROLE)))

    def toggle_reveal(self) -> None:
        self.revealed = not self.revealed
        self.reveal_button.setText("Hide" if self.revealed else "Show")
        self._fill()

    def copy_selected(self) -> None:
        item = self.url_list.currentItem()
        url = item.data(URL_ROLE) if item is not None else None
        if not url:
            return
        QGuiApplication.clipboard().setText(str(url))
        self.status.setText("Copied. Paste it where the provider asks for a webhook URL.")

    def shown_urls(self) -> list[str]:
        """What the list shows for each account that has a URL (for tests and tools)."""
        items = (self.url_list.item(i) for i in range(self.url_list.count()))
        return [str(i.data(MASKED_ROLE)) for i in items if i is not None and i.data(URL_ROLE)]

    def _spawn(self, coro: Any) -> None:
        try:
            task = asyncio.ensure_future(coro)
        except RuntimeError:  # no running loop (a bare widget test): URLs stay unread
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
