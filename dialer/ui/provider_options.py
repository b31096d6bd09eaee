"""Per-call provider options: the account's settings, overridden for the next calls only.

The form is the generic `ModelForm` over the provider's settings model, restricted to the
fields that make sense per call, so a new provider needs no widget code. Which fields those
are is declared by the provider, most specific first:

1. fields marked `json_schema_extra={"per_call": True}` in its settings model;
2. else the class attribute `call_options` (a set of field names), which providers that refuse
   unknown per-call keys already declare (Click-to-Call, the sandbox);
3. else every field that is neither a secret nor an account key.

Caller-ID shuffle is not a form field: the caller-ID selector offers it (see `shuffle_option`).
Only values that differ from the account's go to the controller, so an untouched form sends
no options and the provider applies the account's settings, as the CLI would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.providers.base import Provider
    from dialer.settings import Account
    from dialer.ui.model_form import ModelForm

#: Settings that identify or log in to the account: never changed for one call. (The last
#: three are Kazoo's user-login keys; a provider that marks `per_call` fields needs none.)
ACCOUNT_KEYS = frozenset(
    {
        "user_id",
        "account_id",
        "auth_method",
        "username",
        "account_name",
        "login_id",
        "crm_username",
        "account_realm",
        "phone_number",
        "method",
    }
)


def shuffle_option(provider: type[Provider]) -> str | None:
    """The boolean setting that asks the provider to pick the caller ID from its pool.

    A provider with `Capabilities.caller_id_shuffle` names it in the class attribute
    `caller_id_shuffle_option`; without one, the model's single boolean field whose name
    contains "shuffle" (Alohaa's `did_shuffle`) is taken. None: no shuffle for this provider.
    """
    if not provider.capabilities.caller_id_shuffle:
        return None
    fields = provider.settings_model.model_fields
    named = getattr(provider, "caller_id_shuffle_option", None)
    if isinstance(named, str) and named in fields:
        return named
    found = [n for n, f in fields.items() if "shuffle" in n and f.annotation is bool]
    return found[0] if len(found) == 1 else None


def per_call_fields(provider: type[Provider]) -> list[str]:
    """Field names the per-call form shows, in model order (see the module docstring)."""
    fields = provider.settings_model.model_fields
    marked = [
        name
        for name, info in fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("per_call")
    ]
    if marked:
        return marked
    declared = getattr(provider, "call_options", None)
    if isinstance(declared, set | frozenset):
        return [n for n, info in fields.items() if n in declared or info.alias in declared]
    hidden = provider.secret_fields() | ACCOUNT_KEYS | {shuffle_option(provider)}
    return [n for n in fields if n not in hidden]


def account_values(provider: type[Provider], account: Account) -> dict[str, Any]:
    """What each per-call field is for this account: its setting, else the model default."""
    result: dict[str, Any] = {}
    for name in per_call_fields(provider):
        info = provider.settings_model.model_fields[name]
        key = info.alias or name
        if key in account.settings:
            result[key] = account.settings[key]
        elif name in account.settings:
            result[key] = account.settings[name]
        elif not info.is_required():
            result[key] = info.get_default(call_default_factory=True)
    return result


def unavailable(
    provider: type[Provider] | None, feature: str, snapshot: CallSnapshot | None, name: str
) -> str | None:
    """Why `feature` ("hangup", "add_leg") cannot work with this provider, or for this call
    right now (a provider's `hangup_unavailable_reason`), or None when it can."""
    if provider is None:
        return f"unknown provider {name!r}"
    if not getattr(provider.capabilities, feature):
        fallback = {
            "hangup": f"{provider.title} has no hang-up API",
            "add_leg": f"{provider.title} cannot add a participant",
        }[feature]
        return provider.missing_reasons.get(feature, fallback)
    if feature == "hangup" and snapshot is not None:
        reason = getattr(provider, "hangup_unavailable_reason", None)
        if callable(reason):
            text = reason(snapshot)
            return str(text) if text else None
    return None


class ProviderOptions(QWidget):
    """objectName `provider_options`: the per-call form of the selected account's provider."""

    #: The options changed (the Call button re-checks them).
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("provider_options")
        self.setAccessibleName("Call options")
        self._form: ModelForm | None = None
        self._provider: type[Provider] | None = None
        self._baseline: dict[str, Any] = {}
        self.note = QLabel("Pick an account to see its call options.", self)
        self.note.setObjectName("provider_options_note")
        self.note.setProperty("role", "help")
        self.note.setWordWrap(True)
        self.reset_button = QPushButton("Use the account's settings", self)
        self.reset_button.setObjectName("provider_options_reset")
        self.reset_button.setToolTip("Undo this session's changes to the call options")
        self.reset_button.clicked.connect(self.reset)
        self.reset_button.hide()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(14, 12, 14, 12)
        self._layout.setSpacing(10)
        self._layout.addWidget(self.note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.reset_button)
        self._layout.addLayout(row)
        self._layout.addStretch(1)

    @property
    def form(self) -> ModelForm | None:
        return self._form

    def set_account(self, provider: type[Provider] | None, account: Account | None) -> None:
        """Show `account`'s per-call options, as the account has them (overrides dropped)."""
        from dialer.ui.model_form import ModelForm

        if self._form is not None:
            self._layout.removeWidget(self._form)
            self._form.deleteLater()
            self._form = None
        self._provider = provider
        self._baseline = {}
        if provider is None or account is None:
            self.note.setText("Pick an account to see its call options.")
            self.reset_button.hide()
            self.changed.emit()
            return
        shown = per_call_fields(provider)
        if not shown:
            self.note.setText(f"{provider.title} has no options to change per call.")
            self.reset_button.hide()
            self.changed.emit()
            return
        self._baseline = account_values(provider, account)
        excluded = set(provider.settings_model.model_fields) - set(shown)
        self._form = ModelForm(
            provider.settings_model,
            dict(account.settings),
            self,
            exclude=excluded,
            secret_fields=provider.secret_fields(),
        )
        self._form.changed.connect(self.changed)
        self._layout.insertWidget(1, self._form)
        self.note.setText(
            f"For the next calls with {account.name!r} ({provider.title}); the account's "
            "saved settings stay as they are."
        )
        self.reset_button.show()
        self.changed.emit()

    def options(self) -> dict[str, Any]:
        """The values that differ from the account's: what the controller passes on."""
        if self._form is None:
            return {}
        values = self._form.values()
        return {key: value for key, value in values.items() if self._baseline.get(key) != value}

    def problem(self) -> str | None:
        """Why the options cannot be used (the first invalid field), or None."""
        if self._form is None:
            return None
        errors = self._form.current_errors()
        return f"Call options: {errors[0]}" if errors else None

    def reset(self) -> None:
        if self._form is not None:
            self._form.set_values(dict(self._baseline))
