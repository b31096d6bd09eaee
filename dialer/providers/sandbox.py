"""The built-in sandbox: a simulated telephony backend on loopback, no account needed.

It speaks the Click-to-Call OpenAPI wire format plus a hangup endpoint, so it exercises the
same paths a real provider does. With no base URL configured, the shared local sandbox process
is started on first use (`dialer.sandbox.process`) and reused by every later run.
"""

from __future__ import annotations

import os
import uuid as uuid_mod
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import Field

from dialer import numbers
from dialer.domain import (
    AuthError,
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    Leg,
    LegRole,
    LegState,
    NotFound,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
)
from dialer.providers import _http
from dialer.providers.base import Capabilities, Provider, ProviderSettings
from dialer.settings import Account

#: The sandbox's demo key: not a secret (the sandbox only listens on loopback).
SANDBOX_API_KEY = "sandbox"

_STATUS = {
    "INITIATED": CallStatus.INITIATED,
    "ANSWER": CallStatus.ANSWER,
    "NO_ANSWER": CallStatus.NO_ANSWER,
    "BUSY": CallStatus.BUSY,
    "FAILED": CallStatus.FAILED,
    "CANCELED": CallStatus.CANCELED,
}
_FINAL = frozenset({"NO_ANSWER", "BUSY", "FAILED", "CANCELED"})
_LEG_ROLE = {"agent": LegRole.AGENT, "destination": LegRole.DESTINATION}


class SandboxSettings(ProviderSettings):
    recording: bool = Field(default=True, description="Record the call (a generated WAV).")
    max_ring_time: int = Field(
        default=30, ge=5, le=120, description="Seconds to ring before giving up."
    )
    crm_username: str | None = Field(
        default=None,
        description="Your own ID for the agent (instead of the agent's phone number).",
    )


def _speed() -> float:
    """The simulated clock's speed-up; polling follows it so no state is skipped."""
    try:
        return max(0.01, float(os.environ.get("DIALER_SANDBOX_SPEED", "1")))
    except ValueError:
        return 1.0


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ProviderReplyError(f"the provider sent an unreadable time {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SandboxProvider(Provider):
    name = "sandbox"
    title = "Sandbox (simulated)"
    capabilities = Capabilities(
        live_status=True, add_leg=True, hangup=True, recordings=True, caller_id_pool=True
    )
    settings_model = SandboxSettings
    needs_secret = False
    number_form = numbers.NumberForm.E164

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        if account.agent and account.settings.get("crm_username"):
            raise ConfigError("give --agent or --set crm_username=..., not both")
        return super().normalize_account(account, region)

    async def _base(self) -> str:
        if self.account.base_url:
            return self.account.base_url.rstrip("/")
        from dialer.sandbox import process

        return (await process.ensure_running(self.client)).rstrip("/")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret or SANDBOX_API_KEY}"}

    @property
    def _settings(self) -> SandboxSettings:
        assert isinstance(self.options, SandboxSettings)
        return self.options

    def _raise_for_error(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        try:
            data = self.read_json(response)
        except ProviderReplyError:
            data = {}
        code = str(data.get("error_code") or f"HTTP {response.status_code}")
        reason = str(data.get("message") or response.reason_phrase or "request refused")
        status = response.status_code
        if status == 401:
            raise AuthError(code, f"the API key was refused: {reason}", http_status=status)
        if status == 403:
            raise ProviderRefused(code, f"not permitted: {reason}", http_status=status)
        if status == 404:
            raise NotFound(code, reason, http_status=status)
        if status == 429:
            raise RateLimited(code, reason, http_status=status)
        raise ProviderRefused(code, reason, http_status=status)

    async def place_call(self, request: CallRequest) -> CallSnapshot:
        options = self._settings.model_copy(update=request.options)
        agent = request.agent or self.account.agent
        crm = options.crm_username
        if agent and crm:
            raise ConfigError(
                "both an agent number and crm_username are set; the API takes only one"
            )
        to = numbers.format_for(numbers.parse(request.to_number), self.number_form)
        caller_id = request.caller_id or next(iter(self.account.caller_ids), None)
        if not caller_id:
            raise ConfigError(f"account {self.account.name!r} has no caller ID")
        body: dict[str, Any] = {
            "from_number": numbers.format_for(numbers.parse(caller_id), self.number_form),
            "to_number": to,
            "uuid": request.uuid,
            "recording": options.recording,
            "max_ring_time": options.max_ring_time,
        }
        if crm:
            body["crm_username"] = crm
        elif agent:
            body["agent_number"] = numbers.format_for(numbers.parse(agent), self.number_form)
        else:
            raise ConfigError(f"account {self.account.name!r} has no agent number or crm_username")
        base = await self._base()
        response = await _http.send(
            self.client, "POST", f"{base}/calls", json=body, headers=self._headers()
        )
        self._raise_for_error(response)
        data = self.read_json(response)
        call_id = data.get("call_id")
        if not isinstance(call_id, str) or not call_id:
            raise ProviderReplyError("the provider accepted the call but sent no call id")
        return CallSnapshot(
            uuid=request.uuid,
            account=self.account.name,
            provider=self.name,
            to_number=request.to_number,
            from_number=caller_id,
            call_id=call_id,
            status=CallStatus.INITIATED,
            message=str(data.get("message") or "Call initiated"),
        )

    async def get_status(self, current: CallSnapshot) -> CallSnapshot:
        base = await self._base()
        response = await _http.send(
            self.client, "GET", f"{base}/calls/{current.call_id}", headers=self._headers()
        )
        self._raise_for_error(response)
        data = self.read_json(response)
        raw_status = data.get("call_status")
        if raw_status not in _STATUS:
            raise ProviderReplyError(f"the provider sent an unknown call status {raw_status!r}")
        legs: list[Leg] = []
        raw_legs = data.get("legs") or []
        if not isinstance(raw_legs, list):
            raise ProviderReplyError("the provider sent legs in an unexpected shape")
        for item in raw_legs:
            try:
                legs.append(
                    Leg(
                        role=_LEG_ROLE[item["role"]],
                        number=str(item["number"]),
                        state=LegState(item["status"]),
                    )
                )
            except (KeyError, TypeError, ValueError):
                raise ProviderReplyError("the provider sent a call leg we cannot read") from None
        ended_at = _parse_time(data.get("end_time"))
        duration = data.get("duration")
        recording = data.get("recording_url")
        return current.model_copy(
            update={
                "status": _STATUS[raw_status],
                "final": ended_at is not None or raw_status in _FINAL,
                "legs": tuple(legs),
                "connected_at": _parse_time(data.get("start_time")),
                "ended_at": ended_at,
                "duration": duration if isinstance(duration, int) else None,
                "recording_url": recording if isinstance(recording, str) else None,
                "message": "",
            }
        )

    async def hangup(self, current: CallSnapshot) -> None:
        base = await self._base()
        response = await _http.send(
            self.client, "POST", f"{base}/calls/{current.call_id}/hangup", headers=self._headers()
        )
        self._raise_for_error(response)

    async def add_leg(self, current: CallSnapshot, number: str) -> Leg:
        parsed = numbers.parse(number)
        wire = numbers.format_for(parsed, self.number_form)
        base = await self._base()
        response = await _http.send(
            self.client,
            "POST",
            f"{base}/calls/{current.call_id}/add-leg",
            json={"number": wire, "max_ring_time": self._settings.max_ring_time},
            headers=self._headers(),
        )
        self._raise_for_error(response)
        return Leg(role=LegRole.DESTINATION, number=parsed.e164 or number, state=LegState.DIALING)

    async def test_connection(self) -> str:
        base = await self._base()
        health = await _http.send(self.client, "GET", f"{base}/health")
        if not health.is_success:
            raise ProviderRefused(f"HTTP {health.status_code}", "the service reports it is down")
        probe = await _http.send(
            self.client, "GET", f"{base}/calls/{uuid_mod.uuid4()}", headers=self._headers()
        )
        if probe.status_code == 404:
            return f"connected to {base}; the API key works"
        self._raise_for_error(probe)
        raise ProviderReplyError(f"unexpected reply to the key check (HTTP {probe.status_code})")

    def poll_interval(self, current: CallSnapshot) -> float:
        # Ringing changes fast; a connected call mostly just runs, so poll it less often.
        base = 2.0 if current.status is CallStatus.ANSWER else 1.0
        return max(0.02, base / _speed())


PROVIDER = SandboxProvider
