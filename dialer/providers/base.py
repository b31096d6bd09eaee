"""The interface every provider module implements, and what it can and cannot do.

A provider is a translator: (CallRequest, account, secret, http client) in, domain model or
typed DialerError out. It keeps no state between calls, so the same class serves the CLI, the
GUI and the tests. What an API lacks is declared in `Capabilities`, and the UI shows it plainly.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from dialer.domain import (
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    Leg,
    ProviderCall,
    ProviderReplyError,
    Unsupported,
    validation,
)
from dialer.numbers import NumberForm, ParsedNumber, format_for

if TYPE_CHECKING:
    import httpx

    from dialer.settings import Account


@dataclass(frozen=True)
class Capabilities:
    live_status: bool = False
    add_leg: bool = False
    hangup: bool = False
    recordings: bool = False
    provider_history: bool = False
    caller_id_pool: bool = True
    caller_id_shuffle: bool = False
    #: No live status, but the outcome is reported after the call (e.g. in call logs): the
    #: controller keeps polling `get_status` until it returns a final snapshot.
    final_status: bool = False


class ProviderSettings(BaseModel):
    """Base of each provider's settings model: per-call options and account keys.

    Field names are the provider's own documented parameter names (`--set KEY=VALUE`); field
    descriptions become help text in forms; `json_schema_extra={"secret": True}` marks a value
    that must go to the keyring, never to the settings file.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def validate_settings(model: type[ProviderSettings], values: dict[str, Any]) -> ProviderSettings:
    """Validate `--set` values; an unknown key is an error listing the valid ones."""
    unknown = sorted(set(values) - set(model.model_fields))
    if unknown:
        valid = ", ".join(sorted(model.model_fields)) or "none"
        raise ConfigError(f"unknown setting {', '.join(unknown)}; valid settings: {valid}")
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {validation.summary(exc)}") from None


class Provider(ABC):
    """One provider API. Subclasses live one per module in `dialer.providers`."""

    #: Registry key, e.g. "sandbox"; what `accounts add --provider` takes.
    name: ClassVar[str]
    #: Human name for menus.
    title: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    settings_model: ClassVar[type[ProviderSettings]] = ProviderSettings
    default_base_url: ClassVar[str] = ""
    #: False for providers that work without a keyring secret (the sandbox).
    needs_secret: ClassVar[bool] = True
    #: The form in which this API wants phone numbers.
    number_form: ClassVar[NumberForm] = NumberForm.E164
    #: Why a missing capability is missing, for tooltips ("the API has no hangup").
    missing_reasons: ClassVar[dict[str, str]] = {}

    def __init__(self, account: Account, secret: str | None, client: httpx.AsyncClient) -> None:
        self.account = account
        self.secret = secret
        self.client = client
        self.options = validate_settings(self.settings_model, account.settings)
        #: Set by the caller of `place_call` to hear of stages before the request leaves
        #: (QUEUED while a rate limit holds it back); providers call `report_progress`.
        self.on_progress: Callable[[CallStatus, str], None] | None = None

    def report_progress(self, status: CallStatus, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(status, message)

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        """Check an account before it is saved, so mistakes surface at `accounts add`.

        The default treats the agent and caller IDs as phone numbers and stores them in E.164;
        providers whose ids are not numbers (Kazoo endpoints) override this.
        """
        from dialer import numbers

        def e164(value: str, what: str) -> str:
            parsed = numbers.parse(value, region)
            if not parsed.valid or parsed.e164 is None:
                raise ConfigError(f"{what} {value!r} is not a valid phone number: {parsed.reason}")
            return parsed.e164

        validate_settings(cls.settings_model, account.settings)
        if account.base_url and not account.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base URL {account.base_url!r} must start with https:// or http://")
        return account.model_copy(
            update={
                "agent": e164(account.agent, "agent number") if account.agent else None,
                "caller_ids": [e164(c, "caller ID") for c in account.caller_ids],
            }
        )

    @classmethod
    def secret_fields(cls) -> set[str]:
        """Settings that are secrets: refused on the command line, never written to a file."""
        return {
            name
            for name, field in cls.settings_model.model_fields.items()
            if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("secret")
        }

    @property
    def base_url(self) -> str:
        return (self.account.base_url or self.default_base_url).rstrip("/")

    # --- the calls ---------------------------------------------------------------------------

    @abstractmethod
    async def place_call(self, request: CallRequest) -> CallSnapshot:
        """Send the click-to-call request; the snapshot carries the provider's call id."""

    async def get_status(self, current: CallSnapshot) -> CallSnapshot:
        """A fresh observation of a placed call (live-status providers only)."""
        raise Unsupported(
            self.missing_reasons.get("live_status", f"{self.title} reports no live status")
        )

    async def hangup(self, current: CallSnapshot) -> None:
        raise Unsupported(self.missing_reasons.get("hangup", f"{self.title} has no hangup API"))

    async def add_leg(
        self, current: CallSnapshot, number: str, *, ring_time: int | None = None
    ) -> Leg:
        raise Unsupported(
            self.missing_reasons.get("add_leg", f"{self.title} cannot add a participant")
        )

    async def test_connection(self) -> str:
        """Check the address and the credentials; returns a short human summary."""
        raise Unsupported(f"{self.title} offers no connection test")

    async def fetch_history(self, limit: int = 100) -> list[ProviderCall]:
        """The provider's own recent call history (`Capabilities.provider_history`), newest
        first, so calls the app lost track of, or placed elsewhere, reach the app's history."""
        raise Unsupported(
            self.missing_reasons.get("provider_history", f"{self.title} keeps no call history")
        )

    async def caller_id_labels(self) -> dict[str, str]:
        """Readable names for the account's caller IDs, where they are ids rather than numbers
        (Kazoo endpoints): the caller-ID selector shows these instead of raw ids."""
        return {}

    def poll_interval(self, current: CallSnapshot) -> float:
        """Seconds until the next status poll; providers back off while a call rings or talks."""
        return 1.0

    @classmethod
    def wire_number(cls, parsed: ParsedNumber) -> str:
        """The customer's number as this API receives it.

        Called by `CallController.prepare`, before history is written or anything is sent, so
        a number the provider cannot dial (another country, wrong length) is refused with the
        reason and leaves no trace; the number preview shows the same form.
        """
        return format_for(parsed, cls.number_form)

    @classmethod
    def hangup_unavailable_reason(cls, snapshot: CallSnapshot) -> str | None:
        """Why hang-up cannot work for this call *right now*, or None.

        For APIs that learn the call id only after placing (Acefone), so the UI can disable the
        button with the reason; a missing capability is still `missing_reasons["hangup"]`.
        """
        return None

    # --- helpers for subclasses --------------------------------------------------------------

    @staticmethod
    def read_json(response: httpx.Response) -> dict[str, Any]:
        """Parse a JSON object reply, or say plainly that the provider sent garbage."""
        try:
            data = json.loads(response.content)
        except ValueError:
            raise ProviderReplyError(
                f"the provider sent an unreadable reply (HTTP {response.status_code}, not JSON)"
            ) from None
        if not isinstance(data, dict):
            raise ProviderReplyError(
                f"the provider sent an unexpected reply (HTTP {response.status_code}, "
                "not a JSON object)"
            )
        return data
