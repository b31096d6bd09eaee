"""The settings dialog's blocking work: keyring, login item, settings file. No Qt here.

Every function runs on a worker thread (`asyncio.to_thread`), so each is plain, synchronous
and complete on its own: it re-reads what it needs rather than trusting the dialog's copy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dialer.settings import Account, Settings
    from dialer.ui.account_draft import Draft

log = logging.getLogger("dialer.ui")

#: A made-up account name for asking the keyring why it is unusable (nothing is read).
_PROBE = "dialer-keyring-probe"


def keyring_state() -> tuple[bool, str, str]:
    """(usable, why not and what to do, backend name), without unlocking or prompting."""
    from dialer import credentials
    from dialer.domain.errors import CredentialsUnavailable

    backend = credentials.backend_name()
    if credentials.is_available():
        return True, "", f"Secrets are kept in: {backend}"
    try:
        credentials.get_secret(_PROBE)  # raises with the readable reason before any read
    except CredentialsUnavailable as exc:
        return False, str(exc), backend
    return False, "No usable system keyring was found.", backend


def autostart_state() -> bool | None:
    """Whether the OS starts the dialer at login; None if that cannot be read here."""
    from dialer import autostart

    try:
        return autostart.is_enabled()
    except (OSError, ImportError) as exc:
        log.warning("cannot read the login item: %s", exc)
        return None


def apply_secrets(drafts: Sequence[Draft], originals: Sequence[str]) -> None:
    """Bring the keyring in line with the drafts: typed secrets stored, renamed accounts'
    secrets moved, removed accounts' secrets deleted.

    All old secrets are read before anything is deleted or written, so swapping two accounts'
    names, or reusing a removed account's name, never loses or crosses a secret.
    """
    from dialer import credentials

    kept = {d.original for d in drafts if d.original}
    renamed = [d for d in drafts if d.original and d.original != d.name.strip()]
    removed = [name for name in originals if name not in kept]
    typed = [d for d in drafts if d.secret]
    if not (renamed or removed or typed):
        return
    if not credentials.is_available():
        if typed:
            credentials.set_secret(typed[0].name.strip(), typed[0].secret)  # raises, readable
        return  # nothing can have been stored: nothing to move or delete
    moving = {
        d.original: credentials.get_secret(d.original)
        for d in renamed
        if d.original and not d.secret
    }
    for name in {*removed, *(d.original for d in renamed if d.original)}:
        credentials.delete_account_secrets(name)  # a renamed account gets a new callback token
    for draft in drafts:
        value = draft.secret or (moving.get(draft.original) if draft.original else None)
        if value:
            credentials.set_secret(draft.name.strip(), value)


def write_merged(
    accounts: list[Account],
    default: str | None,
    preferences: dict[str, Any],
    originals: Sequence[str],
    renamed: dict[str, str],
) -> Settings:
    """Write the dialog's accounts and preferences over the file as it is *now*.

    Accounts the dialog never saw (added by the CLI meanwhile) are appended; the window's own
    preferences (remembered caller IDs, recent numbers) are kept, following renames.
    """
    from dialer import settings as settings_mod

    fresh = settings_mod.load()
    seen = set(originals) | {a.name for a in accounts}
    merged = list(accounts) + [a for a in fresh.accounts if a.name not in seen]
    names = {a.name for a in merged}
    if default not in names:
        default = fresh.default_account if fresh.default_account in names else None
    if default is None and merged:
        default = merged[0].name
    remembered: dict[str, str] = {}
    for name, caller_id in fresh.preferences.last_caller_id.items():
        name = renamed.get(name, name)
        if name in names:
            remembered[name] = caller_id
    prefs = fresh.preferences.model_validate(
        {**fresh.preferences.model_dump(), **preferences, "last_caller_id": remembered}
    )
    result = fresh.model_copy(
        update={"accounts": merged, "default_account": default, "preferences": prefs}
    )
    settings_mod.save(result)
    return result
