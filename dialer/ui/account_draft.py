"""An account as the settings dialog edits it, and the checks Save applies to it.

Kept apart from the widgets: the dialog checks every draft on Save, not only the one on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dialer.providers.base import Provider
    from dialer.settings import Account

__all__ = ["Draft", "check_draft", "hours_text"]


def hours_text(window: tuple[str, str] | None) -> str:
    """The window as the field and `dialer hours` write it; "" for any time."""
    return f"{window[0]}-{window[1]}" if window else ""


@dataclass
class Draft:
    """An account as the dialog edits it; `original` is its name in the saved settings."""

    provider: str
    name: str = ""
    original: str | None = None
    base_url: str = ""
    agent: str = ""
    caller_ids: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    #: Typed in this dialog; written to the keyring on save, never to the settings file.
    secret: str = ""
    default: bool = False
    #: The account's own status-push port (None: shared) and path prefix ("": default).
    callback_port: int | None = None
    callback_path: str = ""
    #: "09:00-21:00", or "" for any time; None until set, so a new account gets the model's
    #: default window (the regulator's hours, none for the sandbox).
    calling_hours: str | None = None

    @classmethod
    def from_account(cls, account: Account, *, default: bool) -> Draft:
        return cls(
            provider=account.provider,
            name=account.name,
            original=account.name,
            base_url=account.base_url or "",
            agent=account.agent or "",
            caller_ids=list(account.caller_ids),
            settings=dict(account.settings),
            default=default,
            callback_port=account.callback_port,
            callback_path=account.callback_path or "",
            calling_hours=hours_text(account.calling_hours),
        )

    def to_account(self, secret_fields: set[str] | frozenset[str] = frozenset()) -> Account:
        """The account to save; raises pydantic's ValidationError (e.g. a bad name)."""
        from dialer.settings import Account

        hours: dict[str, Any] = {}
        if self.calling_hours is not None:
            hours["calling_hours"] = self.calling_hours.strip() or None
        return Account(
            **hours,
            name=self.name.strip(),
            provider=self.provider,
            base_url=self.base_url.strip() or None,
            agent=self.agent.strip() or None,
            caller_ids=[c.strip() for c in self.caller_ids if c.strip()],
            settings={k: v for k, v in self.settings.items() if k not in secret_fields},
            callback_port=self.callback_port,
            callback_path=self.callback_path.strip() or None,
        )


#: Which row a `normalize_account` message belongs to, by the first of these words it names.
_MESSAGE_ROWS = (
    ("base url", "base_url"),
    ("caller id", "caller_ids"),
    ("agent", "agent"),
)
_ROWS = frozenset(
    {"name", "base_url", "agent", "caller_ids", "callback_port", "callback_path", "calling_hours"}
)


def check_draft(
    draft: Draft,
    cls: type[Provider] | None,
    region: str,
    taken: set[str],
    *,
    settings: bool = True,
) -> tuple[dict[str, str], list[str]]:
    """(problem per row, problems of no row) with the checks Save applies: the account model,
    unique names, the provider's `normalize_account` (its settings too unless `settings` is
    false). Rows: name, base_url, agent, caller_ids, callback_port, callback_path,
    calling_hours."""
    from pydantic import ValidationError

    from dialer.domain import validation
    from dialer.domain.errors import DialerError

    problems: dict[str, str] = {}
    general: list[str] = []
    name = draft.name.strip()
    if name in taken:
        problems["name"] = f"another account is already named {name!r}"
    if cls is None:
        general.append(f"provider {draft.provider!r} is not installed")
    try:
        account = draft.to_account(cls.secret_fields() if cls else frozenset())
        if cls is not None and not settings:
            account = account.model_copy(update={"settings": {}})
        if cls is not None:
            cls.normalize_account(account, region)
    except ValidationError as exc:
        for loc, text in validation.problems(exc):
            key = str(loc[0]) if loc else ""
            if key in _ROWS:
                problems.setdefault(key, text)
            else:
                general.append(text)
    except DialerError as exc:
        text = str(exc)
        plain = text.lower().replace("-", " ").replace("_", " ")
        row = next((r for words, r in _MESSAGE_ROWS if words in plain), "")
        if row:
            problems.setdefault(row, text)
        else:
            general.append(text)
    return problems, general
