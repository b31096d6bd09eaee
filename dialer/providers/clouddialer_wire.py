"""The Click-to-Call API's wire vocabulary: settings, documented errors, and reading replies.

Kept apart from the adapter so `clouddialer.py` stays about the calls; the sandbox adapter,
which speaks the same wire format, reuses all of it. No `PROVIDER` here: not a provider module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import Field

from dialer.domain import (
    AuthError,
    CallSnapshot,
    CallStatus,
    DialerError,
    Leg,
    LegRole,
    LegState,
    NotFound,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
)
from dialer.domain.errors import UnreadableCallReply
from dialer.providers.base import Provider, ProviderSettings

#: Every error reply the contract documents, by operation and HTTP status, in its own words
#: (the same table as `error-codes.json`; a test keeps them in step).
DOCUMENTED_ERRORS: dict[str, dict[int, str]] = {
    "POST /calls": {
        400: "Validation error, unrecognised caller-ID number, or unknown agent",
        401: "Invalid or missing API key",
        403: "Request origin not permitted for this account",
        502: "The telephony platform could not queue the call",
    },
    "GET /calls/{call_id}": {404: "Unknown call_id"},
    "POST /calls/{call_id}/add-leg": {
        400: "Invalid number, or the call has already ended",
        404: "Unknown call_id",
    },
    "GET /health": {503: "Service degraded or unavailable"},
    "GET /recordings/{filename}": {404: "Recording not found"},
}

#: What a person reads for each documented reply; the provider's own message is appended.
READABLE_ERRORS: dict[str, dict[int, str]] = {
    "POST /calls": {
        400: "the provider refused the call request (a field, the caller ID or the agent "
        "was not accepted)",
        401: "the API key was refused",
        403: "this account may not place calls from here (request origin not permitted)",
        502: "the telephony platform could not queue the call; nothing was placed",
    },
    "GET /calls/{call_id}": {404: "the provider does not know this call"},
    "POST /calls/{call_id}/add-leg": {
        400: "the participant could not be added: the number is invalid or the call has "
        "already ended",
        404: "the provider does not know this call",
    },
    "GET /health": {503: "the service reports it is degraded or unavailable"},
    "GET /recordings/{filename}": {404: "the recording is not available"},
}

#: Replies the contract does not list for an operation still get a plain reading by status.
_GENERIC_ERRORS: dict[int, str] = {
    400: "the provider refused the request",
    401: "the API key was refused",
    403: "the provider does not permit this request",
    404: "the provider does not know what was asked for",
    429: "the provider asks us to slow down",
}

_STATUS = {status.value: status for status in (
    CallStatus.INITIATED, CallStatus.ANSWER, CallStatus.NO_ANSWER, CallStatus.BUSY,
    CallStatus.FAILED, CallStatus.CANCELED,
)}  # fmt: skip
#: Final whatever else the reply says; ANSWER is final only once end_time is set.
_FINAL = frozenset({"NO_ANSWER", "BUSY", "FAILED", "CANCELED"})
_LEG_ROLE = {"agent": LegRole.AGENT, "destination": LegRole.DESTINATION}
_MESSAGE_LIMIT = 300


class ClickToCallSettings(ProviderSettings):
    """The `POST /calls` options an account sets once (and a call may override)."""

    recording: bool = Field(
        default=True,
        description="Record the call (`recording`); its URL appears in the status once it ends.",
    )
    max_ring_time: int = Field(
        default=30,
        ge=1,
        le=300,
        description="Seconds to ring before giving up (`max_ring_time`, the API's default "
        "is 30). The API documents no range; the app allows 1-300.",
    )
    crm_username: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Your own ID for the agent, as registered during onboarding: rings the "
        "agent's browser softphone instead of a phone. Use it or an agent number, never both.",
    )


class CloudDialerSettings(ClickToCallSettings):
    api_key: str | None = Field(
        default=None,
        description="Your API key, issued during onboarding, sent as "
        "`Authorization: Bearer <key>`. Kept in the OS keyring, never in settings.",
        json_schema_extra={"secret": True},
    )


#: A 2xx reply to POST /calls that cannot be read: the shared kind (`_http.call_reply`).
UnreadableAcceptance = UnreadableCallReply


def clip(text: str) -> str:
    """One line of provider text, short enough for a status bar."""
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        return Provider.read_json(response)
    except ProviderReplyError:
        return {}


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def error_for(
    response: httpx.Response, operation: str, readable: dict[str, dict[int, str]]
) -> DialerError:
    """The typed error a person can act on, for an error reply to `operation`."""
    status = response.status_code
    data = _json_object(response)
    raw_code, raw_message = data.get("error_code"), data.get("message")
    code = raw_code if isinstance(raw_code, str) and raw_code else f"HTTP {status}"
    message = clip(raw_message) if isinstance(raw_message, str) else ""
    documented = readable.get(operation, {})
    text = documented.get(status) or _GENERIC_ERRORS.get(status)
    if text is None:
        text = f"the provider failed (HTTP {status})"
    reason = f"{text}: {message}" if message else text
    if status == 401:
        return AuthError(code, reason, http_status=status)
    if status == 404:
        return NotFound(code, reason, http_status=status)
    if status == 429:
        return RateLimited(code, reason, http_status=status, retry_after=_retry_after(response))
    if status >= 500 and status not in documented:
        if operation.startswith("POST"):
            # The server may have acted before it failed: as good as no answer at all.
            return OutcomeUnknown(
                f"{reason} (code {code}); the request may have been carried out, "
                "check before retrying"
            )
        return ProviderReplyError(f"{reason} (code {code})")
    return ProviderRefused(code, reason, http_status=status)


def call_failure(
    response: httpx.Response, readable: dict[str, dict[int, str]]
) -> DialerError | None:
    """For `_http.call_reply`: a 5xx reply to POST /calls in the API's own ErrorResponse body.

    Only that body is the provider speaking: a documented status (502, "could not queue the
    call") is then a refusal, and an undocumented one is still unknown but in its own words.
    Any other body (a proxy's HTML page) says nothing about the call: None, the shared rule.
    """
    data = _json_object(response)
    if data.get("status") != "error" or not isinstance(data.get("error_code"), str):
        return None
    return error_for(response, "POST /calls", readable)


def parse_time(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ProviderReplyError(f"the provider sent an unreadable {field}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ProviderReplyError(
            f"the provider sent an unreadable {field} {value[:40]!r}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_legs(raw: Any, show_number: Callable[[str], str]) -> tuple[Leg, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ProviderReplyError("the provider sent legs in an unexpected shape")
    legs: list[Leg] = []
    for item in raw:
        try:
            number = item["number"]
            if not isinstance(number, str):
                raise TypeError
            role, state = _LEG_ROLE[item["role"]], LegState(item["status"])
        except (KeyError, TypeError, ValueError):
            raise ProviderReplyError("the provider sent a call leg we cannot read") from None
        legs.append(Leg(role=role, number=show_number(number), state=state))
    return tuple(legs)


def read_status(
    current: CallSnapshot, data: dict[str, Any], show_number: Callable[[str], str]
) -> CallSnapshot:
    """A fresh snapshot from a `GET /calls/{call_id}` reply; garbage is ProviderReplyError."""
    raw_status = data.get("call_status")
    if not isinstance(raw_status, str) or raw_status not in _STATUS:
        raise ProviderReplyError(f"the provider sent an unknown call status {raw_status!r}")
    echoed_id, echoed_uuid = data.get("call_id"), data.get("uuid")
    if echoed_id is not None and str(echoed_id).lower() != str(current.call_id).lower():
        raise ProviderReplyError("the provider answered about another call (call_id differs)")
    if echoed_uuid is not None and echoed_uuid != current.uuid:
        raise ProviderReplyError("the provider answered about another call (uuid differs)")
    ended_at = parse_time(data.get("end_time"), "end_time")
    status = _STATUS[raw_status]
    message = ""
    if ended_at is not None and status is CallStatus.INITIATED:
        status, message = CallStatus.ENDED, "the call ended; the provider gave no outcome"
    duration = data.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        raise ProviderReplyError("the provider sent an unreadable duration")
    recording = data.get("recording_url")
    if recording is not None and not isinstance(recording, str):
        raise ProviderReplyError("the provider sent an unreadable recording_url")
    return current.model_copy(
        update={
            "status": status,
            "final": ended_at is not None or raw_status in _FINAL,
            "legs": read_legs(data.get("legs"), show_number),
            "connected_at": parse_time(data.get("start_time"), "start_time"),
            "ended_at": ended_at,
            "duration": duration,
            "recording_url": recording or None,
            "message": message,
        }
    )
