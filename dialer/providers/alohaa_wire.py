"""What Alohaa's wire takes and returns: the settings, the numbers it dials, its replies.

Kept apart from the provider class so each reads on its own: this module is the document
(`alohaa-click-2-call.md`) turned into types and tables; `alohaa` is the behaviour.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
from pydantic import Field, field_validator, model_validator

from dialer import numbers
from dialer.domain import (
    AuthError,
    ConfigError,
    CredentialsUnavailable,
    InvalidNumber,
    NotFound,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
)
from dialer.providers.alohaa_logs import APP_METADATA_KEY as APP_METADATA_KEY
from dialer.providers.base import Provider, ProviderSettings

CALL_PATH = "/v1/external/click-2-call"

#: The document's error table, word for word (a test compares it with error-codes.json).
ERRORS: dict[int, str] = {
    1041: "CRM is not integrated",
    1042: "Organisation is not linked with CRM",
    1043: "Outgoing calls are not allowed for this organisation",
    1046: "Rate limit exceeded",
}
#: What the user can do about each one.
ADVICE: dict[int, str] = {
    1041: "integrate a CRM with the Alohaa organisation first",
    1042: "link the organisation with its CRM in the Alohaa dashboard",
    1043: "ask Alohaa to enable outgoing calls for the organisation",
    1046: "Alohaa allows one click-to-call request per second per organisation",
}
RATE_LIMITED = 1046


class RequestType(StrEnum):
    POST = "POST"
    GET = "GET"
    PUT = "PUT"
    PATCH = "PATCH"


def _secret(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra={"secret": True})


class AlohaaSettings(ProviderSettings):
    x_metro_api_key: str | None = _secret(
        "The organisation's API key (header x-metro-api-key). A secret: give it on stdin at "
        "`accounts add`; it is kept in the system keyring only."
    )
    is_agent_required: bool = Field(
        default=True,
        description="The agent (caller_number) must be onboarded as an agent in the Alohaa "
        "dashboard; turn off to let any number call.",
    )
    did_shuffle: bool = Field(
        default=False,
        description="Let Alohaa pick the caller ID (did_number) at random from the "
        "organisation's DID pool; the account's caller IDs are then not used.",
    )
    metadata: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description="Extra key-value pairs stored with each call and returned in webhook "
        'payloads, as a JSON object, e.g. {"team": "north"}. The app adds its own '
        f"{APP_METADATA_KEY}.",
    )
    send_webhook_details: bool = Field(
        default=False,
        description="Send webhook_details with every call. Warning: a webhook in the request "
        "overrides and discards the organisation's configured outgoing-call webhook.",
    )
    webhook_url: str | None = Field(
        default=None,
        max_length=2048,
        description="webhook_details.url: where Alohaa sends the call's details (http or "
        "https); required when send_webhook_details is on.",
    )
    webhook_request_type: RequestType = Field(
        default=RequestType.POST, description="webhook_details.request_type: the HTTP method."
    )
    webhook_api_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="webhook_details.api_key: the name of the key your webhook checks "
        "(optional; needs webhook_api_value).",
    )
    webhook_api_value: str | None = _secret(
        "webhook_details.api_value: the value your webhook checks. A secret: give the account "
        'secret on stdin as {"x-metro-api-key": "...", "webhook_api_value": "..."}.'
    )
    status_poll_interval: float = Field(
        default=5.0, ge=0.05, le=60, description="Seconds between call-log checks for the outcome."
    )
    status_give_up_after: float = Field(
        default=300.0,
        ge=1,
        le=3600,
        description="Seconds after placing to look for the call in the call logs; after that "
        "it stays PLACED (Alohaa reports no live status).",
    )
    rate_limit_retries: int = Field(
        default=3, ge=0, le=6, description="Retries after error 1046 (rate limit) before giving up."
    )

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError:
                raise ValueError('metadata must be a JSON object, e.g. {"team": "north"}') from None
        if isinstance(value, dict):
            for key, item in value.items():
                if key == APP_METADATA_KEY:
                    raise ValueError(f"metadata key {APP_METADATA_KEY} is reserved for the app")
                if not isinstance(key, str) or not 1 <= len(key) <= 64:
                    raise ValueError("metadata keys are 1 to 64 characters")
                if isinstance(item, str) and len(item) > 512:
                    raise ValueError("metadata values are at most 512 characters")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("webhook_url must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> AlohaaSettings:
        if self.send_webhook_details and not self.webhook_url:
            raise ValueError("send_webhook_details needs webhook_url")
        return self


@dataclass(frozen=True)
class WebhookTarget:
    """The app's own listener as `webhook_details`: where Alohaa pushes the call's outcome and
    the header pair it sends back (the listener checks exactly that pair). Filled in by the
    controller (`dialer.services.callback_setup.attach`) when the listener is configured."""

    url: str
    api_key: str
    api_value: str


def indian(number: str, what: str) -> numbers.ParsedNumber:
    """The parsed number if Alohaa can dial it (a valid Indian number); else InvalidNumber."""
    parsed = numbers.parse(number, "IN")
    shown = number.strip()[:40]
    if not parsed.valid or parsed.e164 is None:
        raise InvalidNumber(f"{what} {shown!r} cannot be dialed: {parsed.reason or 'invalid'}")
    if parsed.country_code != 91:
        place = parsed.country or f"country code +{parsed.country_code}"
        raise InvalidNumber(
            f"Alohaa dials Indian numbers only; {what} {parsed.international} is in {place}"
        )
    return parsed


def credentials(secret: str | None) -> tuple[str, str | None]:
    """(API key, webhook api_value) from the account's keyring secret.

    The keyring holds one secret per account: the bare API key, or, when the webhook needs an
    api_value too, a JSON object with "x-metro-api-key" and "webhook_api_value".
    """
    if not secret or not secret.strip():
        raise CredentialsUnavailable("no Alohaa API key (x-metro-api-key) for this account")
    text = secret.strip()
    if not text.startswith("{"):
        return text, None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError("the account secret starts with '{' but is not valid JSON") from None
    key, value = data.get("x-metro-api-key"), data.get("webhook_api_value")
    if not isinstance(key, str) or not key or not isinstance(value, str | None):
        raise ConfigError(
            'the account secret must be the API key, or {"x-metro-api-key": "...", '
            '"webhook_api_value": "..."}'
        )
    from dialer import log as dialer_log

    dialer_log.register_secret(key)
    dialer_log.register_secret(value)
    return key, value or None


def refusal(response: httpx.Response, data: dict[str, Any] | None) -> ProviderRefused:
    """The typed error for a failure reply; documented codes win over the HTTP status."""
    status = response.status_code
    error = data.get("error") if data is not None else None
    raw_code = error.get("code") if isinstance(error, dict) else None
    reason = error.get("reason") if isinstance(error, dict) else None
    reason = str(reason).strip()[:300] if reason else ""
    try:
        code = int(raw_code) if raw_code is not None and not isinstance(raw_code, bool) else None
    except (TypeError, ValueError):
        code = None
    if code == RATE_LIMITED:
        return RateLimited("1046", f"{ERRORS[code]}: {ADVICE[code]}", http_status=status)
    if code in ERRORS:
        return ProviderRefused(str(code), f"{ERRORS[code]}: {ADVICE[code]}", http_status=status)
    shown = str(raw_code) if raw_code not in (None, "") else f"HTTP {status}"
    if status in (401, 403):
        return AuthError(
            shown,
            f"Alohaa refused the API key (x-metro-api-key): {reason or 'not authorised'}",
            http_status=status,
        )
    if status == 404:
        return NotFound(shown, reason or "not found at this address: check the base URL")
    if status == 429:
        return RateLimited(
            shown,
            reason or f"Alohaa's rate limit was hit: {ADVICE[RATE_LIMITED]}",
            http_status=status,
        )
    return ProviderRefused(shown, reason or "Alohaa refused the request", http_status=status)


def read_reply(response: httpx.Response) -> dict[str, Any]:
    """The reply of a successful request, or the typed error of a refused one."""
    try:
        data = Provider.read_json(response)
    except ProviderReplyError:
        if response.status_code in (401, 403, 404, 429):
            raise refusal(response, None) from None
        raise
    success = data.get("success")
    if success is True:
        return data
    if success is False or not response.is_success:
        raise refusal(response, data)
    raise ProviderReplyError("Alohaa sent a reply without a success flag")
