"""Immutable call models shared by providers, services, CLI and UI."""

from __future__ import annotations

import uuid as uuid_mod
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class CallStatus(StrEnum):
    """Statuses of the command-line and JSON contract (issue 2)."""

    DIALING = "DIALING"  # the app is sending the request
    QUEUED = "QUEUED"  # waiting for a provider rate limit before sending
    INITIATED = "INITIATED"  # provider accepted it; legs ringing
    ANSWER = "ANSWER"  # connected (in progress or completed)
    NO_ANSWER = "NO_ANSWER"
    BUSY = "BUSY"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    PLACED = "PLACED"  # accepted; this provider reports no live status
    ENDED = "ENDED"  # ended, outcome not reported
    UNKNOWN = "UNKNOWN"  # request fate unknown (timeout after sending): check before redialing
    INTERRUPTED = "INTERRUPTED"  # the app died while following it


#: Statuses that are final whatever else the snapshot says.
FINAL_STATUSES = frozenset(
    {
        CallStatus.NO_ANSWER,
        CallStatus.BUSY,
        CallStatus.FAILED,
        CallStatus.CANCELED,
        CallStatus.PLACED,
        CallStatus.ENDED,
        CallStatus.UNKNOWN,
        CallStatus.INTERRUPTED,
    }
)


class LegRole(StrEnum):
    AGENT = "agent"
    DESTINATION = "destination"


class LegState(StrEnum):
    DIALING = "DIALING"
    JOINED = "JOINED"
    LEFT = "LEFT"
    FAILED = "FAILED"


class Leg(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: LegRole
    number: str
    state: LegState


class CallRequest(BaseModel):
    """What the agent asked for, already validated; providers translate it to their wire format."""

    model_config = ConfigDict(frozen=True)

    account: str
    to_number: str = Field(description="E.164, e.g. +919876543210")
    caller_id: str | None = None
    agent: str | None = None
    uuid: str = Field(default_factory=lambda: str(uuid_mod.uuid4()))
    options: dict[str, Any] = Field(default_factory=dict)


class CallSnapshot(BaseModel):
    """One observation of a call. The UI renders these; history stores them."""

    model_config = ConfigDict(frozen=True)

    uuid: str
    account: str
    provider: str
    to_number: str
    from_number: str | None = None
    call_id: str | None = None
    status: CallStatus
    final: bool = False
    legs: tuple[Leg, ...] = ()
    started_at: datetime | None = None  # when the app sent the request (UTC)
    connected_at: datetime | None = None  # provider's start_time (conversation began)
    ended_at: datetime | None = None
    duration: int | None = None  # talk seconds
    recording_url: str | None = None
    message: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        """The `dialer call --json` object (stable keys)."""
        return call_json_fields(self)


class ProviderCall(BaseModel):
    """One row of a provider's call history, already translated into the app's terms."""

    model_config = ConfigDict(frozen=True)

    call_id: str = Field(min_length=1)
    to_number: str
    from_number: str | None = None
    status: CallStatus
    started_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    duration: int | None = None
    recording_url: str | None = None
    #: The app's own uuid, when the provider echoes back the reference the app sent.
    uuid: str | None = None
    message: str = ""


class _CallFields(Protocol):
    @property
    def account(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def call_id(self) -> str | None: ...
    @property
    def uuid(self) -> str: ...
    @property
    def to_number(self) -> str: ...
    @property
    def from_number(self) -> str | None: ...
    @property
    def status(self) -> CallStatus: ...
    @property
    def message(self) -> str: ...


def call_json_fields(call: _CallFields) -> dict[str, Any]:
    """The keys every JSON view of a call shares (`call --json`, `history --json`): a contract."""
    return {
        "account": call.account,
        "provider": call.provider,
        "call_id": call.call_id,
        "uuid": call.uuid,
        "to": call.to_number,
        "from": call.from_number,
        "status": call.status.value,
        "message": call.message,
    }
