"""Provider secrets in the OS keyring, and nowhere else.

This is the only module that imports `keyring`, and it does so inside functions: selecting a
backend talks to D-Bus on Linux, which must not slow down start-up or `dialer --help`.

Policy: a secret is stored only in a real OS keyring (Secret Service, KWallet, macOS Keychain,
Windows Credential Manager). When keyring's automatic selection would fall back to a
non-recommended backend (keyrings.alt's plain-text file, priority < 1), we refuse with
`CredentialsUnavailable` instead of writing passwords to disk in clear. Such a backend is used
only when it was chosen explicitly (`PYTHON_KEYRING_BACKEND` or keyring's `keyringrc.cfg`
naming that very class), which is how the test suite runs; that is the user's informed choice.

Calls may block (an unlock prompt, a slow D-Bus): services call these from a worker thread.
Secrets never appear in messages or logs; keyring error texts are scrubbed before use.
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from dialer.domain.errors import ConfigError, CredentialsUnavailable

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = [
    "SERVICE",
    "backend_name",
    "delete_account_secrets",
    "delete_secret",
    "get_secret",
    "is_available",
    "set_secret",
]

#: Keyring service name; the username is the account name.
SERVICE = "dialer"

#: Secrets the app itself makes for an account live under "<account>#<purpose>" (the callback
#: listener's path token). A keyring cannot list its entries, so removing an account must name
#: each purpose to leave nothing behind.
DERIVED_PURPOSES = ("callback",)

log = logging.getLogger(__name__)


def _advice() -> str:
    """What the user can do about a missing keyring, in their OS's words."""
    if sys.platform == "darwin":
        return "Unlock your login keychain in Keychain Access, then try again."
    if sys.platform.startswith("win"):
        return (
            "Make sure Windows Credential Manager is available for your user account, "
            "then try again."
        )
    return (
        "Install and unlock a Secret Service keyring such as GNOME Keyring (gnome-keyring) "
        "or KWallet, make sure you are logged in to a desktop session, then try again."
    )


def _no_keyring(detail: str = "") -> CredentialsUnavailable:
    lead = "No usable system keyring was found to keep the account password safely"
    lead += f" ({detail}). " if detail else ". "
    return CredentialsUnavailable(
        lead + _advice() + " dialer never stores passwords in a plain-text file."
    )


def _locked() -> CredentialsUnavailable:
    return CredentialsUnavailable(
        "The system keyring is locked, so the account password cannot be read or saved. "
        "Unlock it (log in again, or open your keyring manager and unlock the login "
        "keyring), then try again."
    )


def _scrub(text: str, secret: str | None) -> str:
    """Keep a backend's error text readable but free of the secret, whatever the backend did."""
    if secret:
        text = text.replace(secret, "***")
    return text.strip().rstrip(".").strip() or "no details"


def _class_path(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _priority(backend: KeyringBackend) -> float:
    try:
        return float(type(backend).priority)
    except Exception:  # keyring signals "not viable here" by raising from priority
        return -1.0


def _explicitly_configured(backend: KeyringBackend) -> bool:
    """Whether the user (or the test suite) named this very backend in keyring's config.

    Only then may a non-recommended backend be used: that is a choice, not a fallback.
    """
    wanted = _class_path(backend)
    if os.environ.get("PYTHON_KEYRING_BACKEND", "").strip() == wanted:
        return True
    from keyring.util import platform_

    config = configparser.RawConfigParser()
    try:
        config.read(platform_.config_root() / "keyringrc.cfg", encoding="utf-8")
        configured = config.get("backend", "default-keyring", fallback="").strip()
    except (OSError, configparser.Error, UnicodeDecodeError):
        return False
    return configured == wanted


def _backend() -> KeyringBackend:
    """The keyring to use, or CredentialsUnavailable saying why there is none."""
    import keyring
    from keyring.backends import chainer, fail, null

    try:
        selected = keyring.get_keyring()
    except Exception as exc:  # a misconfigured PYTHON_KEYRING_BACKEND raises here
        log.warning("keyring backend selection failed: %s", type(exc).__name__)
        raise _no_keyring("the configured keyring backend could not be loaded") from None

    if isinstance(selected, chainer.ChainerBackend):
        # The chainer also chains keyrings.alt's plain-text file (priority 0.5): use only
        # recommended backends, and the first of them, which is where the chainer writes.
        recommended = [b for b in selected.backends if _priority(b) >= 1]
        if not recommended:
            raise _no_keyring()
        chosen: KeyringBackend = recommended[0]
        return chosen
    if isinstance(selected, fail.Keyring):
        raise _no_keyring()
    if isinstance(selected, null.Keyring):
        raise _no_keyring("the keyring is disabled in keyring's configuration")
    if _priority(selected) < 1 and not _explicitly_configured(selected):
        raise _no_keyring(f"only the non-recommended {selected.name} is installed")
    return selected


def _translate(exc: Exception, doing: str, account: str, secret: str | None = None) -> NoReturn:
    """Turn a keyring failure into CredentialsUnavailable with a message a user can act on."""
    from keyring import errors

    log.warning("keyring failed to %s for account %r: %s", doing, account, type(exc).__name__)
    if isinstance(exc, errors.KeyringLocked):
        raise _locked() from None
    if isinstance(exc, errors.NoKeyringError | errors.InitError):
        raise _no_keyring(_scrub(str(exc), secret)) from None
    raise CredentialsUnavailable(
        f"The system keyring could not {doing} the password of account {account!r}: "
        f"{_scrub(str(exc), secret)}. {_advice()}"
    ) from None


def _check_account(account: str) -> None:
    if not account or not account.strip():
        raise ConfigError("the account name is empty")


def get_secret(account: str) -> str | None:
    """The stored secret of `account`, or None if none is stored."""
    _check_account(account)
    backend = _backend()
    try:
        secret: str | None = backend.get_password(SERVICE, account)
    except Exception as exc:
        _translate(exc, "read", account)
    return secret


def set_secret(account: str, secret: str) -> None:
    """Store (or replace) the secret of `account`."""
    _check_account(account)
    if not secret or not secret.strip():
        raise ConfigError("the secret is empty")
    backend = _backend()
    try:
        backend.set_password(SERVICE, account, secret)
    except Exception as exc:
        _translate(exc, "save", account, secret)


def delete_secret(account: str) -> None:
    """Forget the secret of `account`; deleting one that is not there is not an error."""
    from keyring.errors import PasswordDeleteError

    _check_account(account)
    backend = _backend()
    try:
        backend.delete_password(SERVICE, account)
    except PasswordDeleteError as exc:
        # Backends say "not found" this way; only a secret that is still there is a failure.
        try:
            still_there = backend.get_password(SERVICE, account) is not None
        except Exception as exc2:
            _translate(exc2, "delete", account)
        if still_there:
            _translate(exc, "delete", account)
    except Exception as exc:
        _translate(exc, "delete", account)


def delete_account_secrets(account: str) -> None:
    """Forget every secret kept for `account`: its own and those the app derived for it."""
    delete_secret(account)
    for purpose in DERIVED_PURPOSES:
        delete_secret(f"{account}#{purpose}")


def backend_name() -> str:
    """The keyring in use, for diagnostics (e.g. "SecretService Keyring"); never raises."""
    try:
        backend = _backend()
    except CredentialsUnavailable:
        try:
            import keyring

            return f"none usable ({keyring.get_keyring().name})"
        except Exception:
            return "none usable"
    name = str(backend.name)
    if _priority(backend) < 1:
        name += " (not recommended; chosen in keyring's configuration)"
    return name


def is_available() -> bool:
    """Whether a usable keyring is selected; does not unlock it or prompt the user."""
    try:
        _backend()
    except CredentialsUnavailable:
        return False
    return True
