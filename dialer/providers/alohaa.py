"""Alohaa click-to-call (outgoing-call.alohaa.ai), from `alohaa-click-2-call.md`.

`POST /v1/external/click-2-call` with the `x-metro-api-key` header: `caller_number` (the
agent) and `receiver_number` as 10 national digits, `did_number` as "91" + 10 digits (empty
when `did_shuffle` picks one from the organisation's pool). The reply's `reference_id` is the
call id. Alohaa dials Indian numbers only, so anything else is refused before sending.

Alohaa allows one request per second per organisation: requests sharing a key are spaced
machine-wide (`_ratelimit`, shown as QUEUED while they wait), and a 1046 refusal, which means
nothing was dialed, is retried with exponential backoff and jitter a bounded number of times.

There is no per-call status and no hangup. The outcome is read afterwards from the call-logs
API (`alohaa_logs`), and if no row matches within the give-up window the call stays PLACED.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx

from dialer import numbers
from dialer.domain import (
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    InvalidNumber,
    ProviderCall,
    RateLimited,
)
from dialer.providers import _http, alohaa_logs
from dialer.providers._ratelimit import Spacer
from dialer.providers.alohaa_wire import (
    APP_METADATA_KEY,
    CALL_PATH,
    AlohaaSettings,
    WebhookTarget,
    credentials,
    indian,
    read_reply,
)
from dialer.providers.base import Capabilities, Provider, validate_settings
from dialer.settings import Account

log = logging.getLogger("dialer.providers.alohaa")

#: The documented 1 request/s, plus headroom for wake-up jitter between two senders.
REQUEST_SPACING = 1.05
BACKOFF_BASE, BACKOFF_CAP = 1.0, 8.0

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AlohaaProvider(Provider):
    name = "alohaa"
    title = "Alohaa"
    capabilities = Capabilities(
        live_status=False,
        final_status=True,
        add_leg=False,
        hangup=False,
        recordings=True,
        provider_history=True,
        caller_id_pool=True,
        caller_id_shuffle=True,
    )
    settings_model = AlohaaSettings
    default_base_url = "https://outgoing-call.alohaa.ai"
    number_form = numbers.NumberForm.NATIONAL_DIGITS
    missing_reasons: ClassVar[dict[str, str]] = {
        "live_status": "Alohaa has no per-call status API: the outcome is read from its call "
        "logs once the call has ended",
        "hangup": "Alohaa's API has no click-to-call hangup",
        "add_leg": "Alohaa's click-to-call API cannot add a participant",
    }

    def __init__(self, account: Account, secret: str | None, client: httpx.AsyncClient) -> None:
        super().__init__(account, secret, client)
        # Injectable for tests: time, waiting, backoff jitter and the rate limiter's files.
        self.clock: Clock = _utc_now
        self.sleep: Sleep = asyncio.sleep
        self.jitter: Callable[[], float] = random.random
        self.ratelimit_dir: Path | None = None
        #: The app's callback listener, when configured; the account's own webhook_url (with
        #: send_webhook_details) overrides it.
        self.webhook_target: WebhookTarget | None = None

    @classmethod
    def wire_number(cls, parsed: numbers.ParsedNumber) -> str:
        return numbers.format_for(indian(parsed.e164 or parsed.raw, "number"), cls.number_form)

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        stored_secrets = cls.secret_fields() & set(account.settings)
        if stored_secrets:
            raise ConfigError(f"{', '.join(sorted(stored_secrets))} is a secret: give it on stdin")
        account = super().normalize_account(account, region)
        options = validate_settings(AlohaaSettings, account.settings)
        assert isinstance(options, AlohaaSettings)
        if not account.agent:
            raise ConfigError(
                "Alohaa needs --agent: the agent's phone (caller_number), rung first"
            )  # fmt: skip
        try:
            indian(account.agent, "the agent number")
            for caller_id in account.caller_ids:
                indian(caller_id, "caller ID")
        except InvalidNumber as exc:
            raise ConfigError(str(exc)) from None
        if not account.caller_ids and not options.did_shuffle:
            raise ConfigError(
                "Alohaa needs a caller ID (--caller-id, the did_number) or --set did_shuffle=true"
            )
        return account

    @property
    def _settings(self) -> AlohaaSettings:
        assert isinstance(self.options, AlohaaSettings)
        return self.options

    def _options(self, request: CallRequest) -> AlohaaSettings:
        if not request.options:
            return self._settings
        merged = {**self.account.settings, **request.options}
        options = validate_settings(AlohaaSettings, merged)
        assert isinstance(options, AlohaaSettings)
        return options

    def _agent_digits(self, agent: str | None = None) -> str:
        agent = agent or self.account.agent
        if not agent:
            raise ConfigError(f"account {self.account.name!r} has no agent number (--agent)")
        return indian(agent, "the agent number").national_digits or ""

    def _body(
        self, request: CallRequest, options: AlohaaSettings, webhook_value: str | None
    ) -> tuple[dict[str, Any], str | None]:
        """The request body and the caller ID used (None when Alohaa picks one)."""
        receiver = indian(request.to_number, "the number")
        caller_number = self._agent_digits(request.agent)
        caller_id: str | None = None
        did_number = ""
        if not options.did_shuffle:
            caller_id = request.caller_id or next(iter(self.account.caller_ids), None)
            if not caller_id:
                raise ConfigError(f"account {self.account.name!r} has no caller ID (did_number)")
            did = indian(caller_id, "caller ID")
            did_number = numbers.format_for(did, numbers.NumberForm.E164_DIGITS)
        body: dict[str, Any] = {
            "caller_number": caller_number,
            "receiver_number": receiver.national_digits,
            "did_number": did_number,
            "did_shuffle": options.did_shuffle,
            "is_agent_required": options.is_agent_required,
            "metadata": {**options.metadata, APP_METADATA_KEY: request.uuid},
        }
        if options.send_webhook_details:
            webhook: dict[str, str] = {
                "url": options.webhook_url or "",
                "request_type": options.webhook_request_type.value,
            }
            if (options.webhook_api_key is None) != (webhook_value is None):
                raise ConfigError(
                    "webhook_api_key and webhook_api_value go together: set both or neither"
                )
            if options.webhook_api_key and webhook_value:
                webhook["api_key"] = options.webhook_api_key
                webhook["api_value"] = webhook_value
            body["webhook_details"] = webhook
        elif self.webhook_target is not None:
            target = self.webhook_target
            from dialer import log as dialer_log

            dialer_log.register_secret(target.api_value)
            body["webhook_details"] = {
                "url": target.url,
                "request_type": "POST",  # the listener takes a JSON POST only
                "api_key": target.api_key,
                "api_value": target.api_value,
            }
        return body, caller_id

    async def place_call(self, request: CallRequest) -> CallSnapshot:
        options = self._options(request)
        api_key, webhook_value = credentials(self.secret)
        body, caller_id = self._body(request, options, webhook_value)
        data = await self._send_spaced(body, api_key, options.rate_limit_retries)
        reply = data.get("response")
        reference_id = reply.get("reference_id") if isinstance(reply, dict) else None
        if (
            not isinstance(reference_id, str | int)
            or isinstance(reference_id, bool)
            or not str(reference_id).strip()
        ):
            raise _http.unreadable_acceptance("Alohaa", "reference_id")
        return CallSnapshot(
            uuid=request.uuid,
            account=self.account.name,
            provider=self.name,
            to_number=request.to_number,
            from_number=caller_id,
            call_id=str(reference_id),
            status=CallStatus.PLACED,
            final=False,
            started_at=self.clock(),
            message="placed; Alohaa reports the outcome in its call logs after the call ends",
        )

    async def _send_spaced(
        self, body: dict[str, Any], api_key: str, retries: int
    ) -> dict[str, Any]:
        """POST the call, spaced from every other request with this key; retry 1046 only.

        Only a 1046 refusal (or a 429) is retried: it means Alohaa dialed nothing. Transport
        failures after sending, a 5xx or an unreadable reply (OutcomeUnknown, `_http.call_reply`)
        are never retried, so a call cannot be placed twice.
        """
        spacer = Spacer(
            api_key,
            namespace="alohaa",
            interval=REQUEST_SPACING,
            directory=self.ratelimit_dir,
            clock=self.clock,
            sleep=self.sleep,
        )

        def queued(seconds: float) -> None:
            self.report_progress(
                CallStatus.QUEUED,
                f"waiting {seconds:.1f} s for Alohaa's rate limit (1 request per second)",
            )

        backed_off = False
        for attempt in range(retries + 1):
            if await spacer.wait(queued) or backed_off:
                self.report_progress(CallStatus.DIALING, "placing the call")
            response = await _http.send(
                self.client,
                "POST",
                f"{self.base_url}{CALL_PATH}",
                json=body,
                headers={"x-metro-api-key": api_key, "Content-Type": "application/json"},
                effect="call",
            )
            try:
                with _http.call_reply(response, "Alohaa"):
                    return read_reply(response)
            except RateLimited as exc:
                if attempt == retries:
                    tries = "once" if retries == 0 else f"{retries + 1} times"
                    raise RateLimited(
                        exc.code, f"{exc.reason} (tried {tries})", http_status=exc.http_status
                    ) from None
            delay = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt) * (1.0 + self.jitter())
            log.info(
                "Alohaa rate limit (1046); retry %d of %d in %.1f s", attempt + 1, retries, delay
            )
            self.report_progress(
                CallStatus.QUEUED,
                f"Alohaa's rate limit was hit (1046); retrying in {delay:.1f} s "
                f"({attempt + 1} of {retries})",
            )
            await self.sleep(delay)
            backed_off = True
        raise AssertionError("unreachable")  # pragma: no cover

    async def _logs(self, page_size: int) -> list[dict[str, Any]]:
        api_key, _ = credentials(self.secret)
        response = await _http.send(
            self.client,
            "GET",
            f"{self.base_url}{alohaa_logs.LOGS_PATH}",
            params={
                "page_no": 1,
                "page_size": page_size,
                "caller_number": self._agent_digits(),
            },
            headers={"x-metro-api-key": api_key},
        )
        return alohaa_logs.rows(read_reply(response))

    async def get_status(self, current: CallSnapshot) -> CallSnapshot:
        """The outcome from the call logs, once a row matches; PLACED until then."""
        if current.final:
            return current
        rows = await self._logs(alohaa_logs.PAGE_SIZE)
        placed_at = current.started_at or self.clock()
        row = alohaa_logs.match(rows, current, placed_at)
        if row is not None:
            return alohaa_logs.outcome(current, row)
        waited = (self.clock() - placed_at).total_seconds()
        if waited >= self._settings.status_give_up_after:
            return current.model_copy(
                update={
                    "final": True,
                    "message": "the provider reports no live status (no call-log row matched "
                    f"within {self._settings.status_give_up_after:g} s)",
                }
            )
        return current

    async def test_connection(self) -> str:
        """Reads one page of call logs: proves the address and the key without dialing."""
        await self._logs(1)
        did = "Alohaa's DID pool" if self._settings.did_shuffle else "the DID number"
        return (
            f"connected to {self.base_url}; the API key works (call logs readable). "
            "Not checked, as only a real call shows them: the agent's onboarding, "
            f"{did}, the CRM link (1041, 1042) and whether outgoing calls are allowed (1043)"
        )

    async def fetch_history(self, limit: int = 100) -> list[ProviderCall]:
        """The agent's recent click-to-call logs (the API filters by `caller_number`)."""
        return alohaa_logs.history(await self._logs(max(1, min(limit, 100))), self.account.name)

    def poll_interval(self, current: CallSnapshot) -> float:
        return self._settings.status_poll_interval


PROVIDER = AlohaaProvider
