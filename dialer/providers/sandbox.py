"""The built-in sandbox: a simulated telephony backend on loopback, no account needed.

It speaks the Click-to-Call OpenAPI wire format plus a hangup endpoint, so it is the
Click-to-Call adapter with three differences: it can hang up, it needs no key, and with no base
URL configured the shared local sandbox process is started on first use
(`dialer.sandbox.process`) and reused by every later run. It also dials any country, in E.164,
because its job is the demo and the test bed, not India's numbering rules.
"""

from __future__ import annotations

import os
from typing import ClassVar

from pydantic import Field

from dialer import numbers
from dialer.domain import CallSnapshot, CallStatus, ConfigError, InvalidNumber
from dialer.providers.base import Capabilities
from dialer.providers.clouddialer import READABLE_ERRORS, ClickToCallSettings, CloudDialerProvider
from dialer.settings import Account

#: The sandbox's demo key: not a secret (the sandbox only listens on loopback).
SANDBOX_API_KEY = "sandbox"


class SandboxSettings(ClickToCallSettings):
    recording: bool = Field(default=True, description="Record the call (a generated WAV).")
    max_ring_time: int = Field(
        default=30, ge=5, le=120, description="Seconds to ring before giving up."
    )


def _speed() -> float:
    """The simulated clock's speed-up; polling follows it so no state is skipped."""
    try:
        return max(0.01, float(os.environ.get("DIALER_SANDBOX_SPEED", "1")))
    except ValueError:
        return 1.0


class SandboxProvider(CloudDialerProvider):
    name = "sandbox"
    title = "Sandbox (simulated)"
    capabilities = Capabilities(
        live_status=True, add_leg=True, hangup=True, recordings=True, caller_id_pool=True
    )
    missing_reasons: ClassVar[dict[str, str]] = {
        "provider_history": "The sandbox keeps no call-history listing.",
        "caller_id_shuffle": "The sandbox takes one from_number per call.",
    }
    settings_model = SandboxSettings
    default_base_url = ""
    needs_secret = False
    number_form = numbers.NumberForm.E164
    readable_errors: ClassVar[dict[str, dict[int, str]]] = {
        **READABLE_ERRORS,
        "POST /calls/{call_id}/hangup": {
            400: "the call has already ended",
            404: "the sandbox does not know this call",
        },
    }

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        if account.agent and account.settings.get("crm_username"):
            raise ConfigError("give --agent or --set crm_username=..., not both")
        # The plain checks only: a demo account may lack an agent or a caller ID until used.
        return super(CloudDialerProvider, cls).normalize_account(account, region)

    async def _base(self) -> str:
        if self.account.base_url:
            return self.account.base_url.rstrip("/")
        from dialer.sandbox import process

        return (await process.ensure_running(self.client)).rstrip("/")

    def _api_key(self) -> str:
        return self.secret or SANDBOX_API_KEY

    @classmethod
    def _dialable(cls, number: str, what: str) -> str:
        parsed = numbers.parse(number)
        if not parsed.valid or parsed.e164 is None:
            raise InvalidNumber(f"{what} {number!r} cannot be dialed: {parsed.reason}")
        return parsed.e164

    def _caller_id_wire(self, caller_id: str) -> str:
        return self._dialable(caller_id, "caller ID")

    async def hangup(self, current: CallSnapshot) -> None:
        response = await self._send("POST", f"{self._call_path(current)}/hangup")
        self._raise_for_error(response, "POST /calls/{call_id}/hangup")

    def poll_interval(self, current: CallSnapshot) -> float:
        # Ringing changes fast; a connected call mostly just runs, so poll it less often.
        base = 2.0 if current.status is CallStatus.ANSWER else 1.0
        return max(0.02, base / _speed())


PROVIDER = SandboxProvider
