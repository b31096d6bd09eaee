"""The account's secret and its connection test, the two things that touch the keyring.

The secret is typed masked and only kept in the dialog's draft until Save writes it to the
keyring; it is never shown again, only whether one is stored. Without a usable keyring the
field is disabled and the reason is spelled out (how to get one), because a password silently
kept nowhere, or in a plain file, is worse than none. Keyring calls and the test itself run off
the GUI thread / on the event loop, never blocking the dialog.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from dialer.ui.style import set_tone

if TYPE_CHECKING:
    import httpx

    from dialer.providers.base import Provider
    from dialer.settings import Account

log = logging.getLogger("dialer.ui")
T = TypeVar("T")

#: A test that takes longer than this says so instead of spinning forever.
TEST_TIMEOUT_S = 30.0


def _field_help(cls: type[Provider]) -> str:
    """What the secret is for this provider, from its secret fields' descriptions."""
    if not cls.needs_secret:
        return f"Not needed for {cls.title}."
    secrets = cls.secret_fields()
    parts = [
        (info.description or name).split(". A secret")[0].rstrip(".") + "."
        for name, info in cls.settings_model.model_fields.items()
        if name in secrets
    ]
    if not parts:
        return f"The password or API key of your {cls.title} account."
    return "\n".join(parts)


class SecretAndTest(QWidget):
    """`account_secret`, the keyring notice, `test_connection_button` and its result."""

    #: The typed secret changed.
    secret_edited = Signal()

    def __init__(self, client: httpx.AsyncClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._cls: type[Provider] | None = None
        self._original: str | None = None
        self._keyring: bool | None = None  # None: not probed yet
        self._tasks: set[asyncio.Task[Any]] = set()
        self._test: asyncio.Task[None] | None = None
        #: Supplied by the editor: the account to test (raises DialerError/ValidationError).
        self.account_needed: Callable[[], tuple[Account, type[Provider]]] | None = None

        self.account_secret = QLineEdit(self)
        self.account_secret.setObjectName("account_secret")
        self.account_secret.setAccessibleName("Secret")
        self.account_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.account_secret.setMaxLength(4096)
        self.show_secret = QPushButton("Show", self)
        self.show_secret.setObjectName("account_secret_show")
        self.show_secret.setAccessibleName("Show the secret while typing")
        self.show_secret.setCheckable(True)
        self.secret_help = QLabel(self)
        self.secret_help.setObjectName("account_secret_help")
        self.secret_help.setProperty("role", "help")
        self.secret_help.setWordWrap(True)
        self.keyring_message = QLabel(self)
        self.keyring_message.setObjectName("keyring_message")
        self.keyring_message.setProperty("role", "notice")
        self.keyring_message.setWordWrap(True)
        self.keyring_message.hide()
        self.test_connection_button = QPushButton("Test connection", self)
        self.test_connection_button.setObjectName("test_connection_button")
        self.test_connection_button.setAccessibleName("Test connection")
        self.test_connection_button.setToolTip(
            "Check the address and the credentials with the provider, without dialing"
        )
        self.test_connection_result = QLabel(self)
        self.test_connection_result.setObjectName("test_connection_result")
        self.test_connection_result.setAccessibleName("Connection test result")
        self.test_connection_result.setWordWrap(True)
        self.test_connection_result.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.account_secret, 1)
        row.addWidget(self.show_secret)
        layout.addLayout(row)
        layout.addWidget(self.secret_help)
        layout.addWidget(self.keyring_message)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_connection_button)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        layout.addWidget(self.test_connection_result)

        self.account_secret.textEdited.connect(lambda _t: self.secret_edited.emit())
        self.show_secret.toggled.connect(self._show_toggled)
        self.test_connection_button.clicked.connect(self.start_test)

    # --- state --------------------------------------------------------------------------------

    def _show_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.account_secret.setEchoMode(mode)
        self.show_secret.setText("Hide" if shown else "Show")

    def set_keyring(self, available: bool, message: str = "") -> None:
        """What the keyring probe found; without one the field is off and the notice says why."""
        self._keyring = available
        self.keyring_message.setText(message)
        self.keyring_message.setVisible(not available)
        self._refresh()

    def load(self, draft: Any, cls: type[Provider] | None) -> None:
        """Show the field for `draft` (a Draft) under provider `cls`."""
        self._cls, self._original = cls, draft.original
        self.account_secret.setText(draft.secret)
        self.secret_help.setText(_field_help(cls) if cls is not None else "")
        self._refresh()
        if draft.original and cls is not None and cls.needs_secret and self._keyring:
            self._spawn(self._show_stored(draft.original))

    def reset(self) -> None:
        if self._test is not None:
            self._test.cancel()
            self._test = None
        self._result("", "")
        self.test_connection_button.setEnabled(True)
        self.test_connection_button.setText("Test connection")

    def _refresh(self) -> None:
        cls, field = self._cls, self.account_secret
        usable = bool(self._keyring)
        field.setEnabled(usable)
        self.show_secret.setEnabled(usable)
        if self._keyring is None:
            field.setPlaceholderText("Checking the system keyring…")
        elif not usable:
            field.setPlaceholderText("No system keyring: cannot store a secret")
            field.setToolTip(self.keyring_message.text())
        elif cls is not None and not cls.needs_secret:
            field.setPlaceholderText(f"Optional: {cls.title} works without one")
            field.setToolTip("Kept in the system keyring, never in the settings file")
        else:
            field.setPlaceholderText("Type the secret (kept in the system keyring)")
            field.setToolTip("Kept in the system keyring, never in the settings file")

    async def _show_stored(self, name: str) -> None:
        from dialer import credentials
        from dialer.domain.errors import DialerError
        from dialer.services.secret_reads import keyring_call

        try:
            stored = await keyring_call(functools.partial(credentials.get_secret, name)) is not None
        except DialerError as exc:  # locked, refused, or not answering (`keyring_call`)
            self.account_secret.setToolTip(str(exc))
            if self._original == name and self._keyring:
                self.account_secret.setPlaceholderText(
                    "The keyring did not say if a secret is stored; type to replace it"
                )
            return
        if self._original == name and self._keyring:
            self.account_secret.setPlaceholderText(
                "•••••• stored in the keyring; type to replace"
                if stored
                else "No secret stored yet: type it here"
            )

    # --- the connection test ------------------------------------------------------------------

    def start_test(self) -> None:
        if self._test is not None and not self._test.done():
            return
        self.test_connection_button.setEnabled(False)
        self.test_connection_button.setText("Testing…")
        self._result("Contacting the provider…", "busy")
        self._test = self._spawn(self._run_test())

    async def _run_test(self) -> None:
        from pydantic import ValidationError

        from dialer.domain.errors import DialerError
        from dialer.domain.validation import problems

        try:
            summary = await asyncio.wait_for(self._test_once(), TEST_TIMEOUT_S)
            self._result(f"✓ Connected: {summary}", "ok")
        except TimeoutError:
            self._result(f"✗ No answer within {TEST_TIMEOUT_S:.0f} seconds", "bad")
        except ValidationError as exc:
            first = problems(exc)[0]
            self._result(f"✗ Fix the account first: {first.msg}", "bad")
        except DialerError as exc:
            self._result(f"✗ {exc}", "bad")
        except Exception as exc:  # a provider bug must read as a message, not a traceback
            log.exception("connection test failed")
            self._result(f"✗ Unexpected error ({type(exc).__name__}): {exc}", "bad")
        finally:
            self.test_connection_button.setEnabled(True)
            self.test_connection_button.setText("Test connection")

    async def _test_once(self) -> str:
        provider = await self.provider()
        return await provider.test_connection()

    async def provider(self) -> Provider:
        """The provider for the account as typed, with the typed secret, else the stored one
        (read off the GUI thread): what the connection test and the endpoint tools use."""
        from dialer import credentials
        from dialer.domain.errors import CredentialsUnavailable
        from dialer.services.calls import build_provider
        from dialer.services.secret_reads import keyring_call

        assert self.account_needed is not None
        account, cls = self.account_needed()
        secret: str | None = self.account_secret.text() or None
        if secret is None and cls.needs_secret:
            if not self._original:
                raise CredentialsUnavailable("Type the account's secret first.")
            secret = await keyring_call(functools.partial(credentials.get_secret, self._original))
            if not secret:
                raise CredentialsUnavailable(
                    "No secret is stored for this account yet: type it in the Secret field."
                )
        return build_provider(account, self._client, lambda _name: secret)

    def _result(self, text: str, tone: str) -> None:
        self.test_connection_result.setText(text)
        self.test_connection_result.setVisible(bool(text))
        set_tone(self.test_connection_result, tone)

    def _spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
