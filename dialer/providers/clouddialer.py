"""The Click-to-Call OpenAPI provider (api.clouddialer.in): a bearer key, `POST /calls`, polling.

The contract is `dialer/sandbox/clouddialer-openapi.yaml` (a copy of the seed). Where it is
silent, the choices made here are:

* Numbers. Customers and added participants are "10-digit or +91" numbers, so the customer, the
  agent and added legs go out as 10 national digits, and a number outside India is refused
  before anything is sent. The caller ID goes out as 91XXXXXXXXXX, the form of the contract's
  own example, since it must match a number assigned to the account.
* Never dialing twice. The API documents no de-duplication, so a `POST /calls` that got no
  answer is never retried: it becomes OutcomeUnknown and the controller records UNKNOWN. The
  request's `uuid` is the app's own call id (stored in history before sending), the key that
  correlates whatever the provider reports later. A 5xx reply to a POST is treated the same way
  (the server may have acted before failing: `_http.call_reply`), except the 502 the contract
  documents as "could not queue the call", when it comes in the API's own error body.
* "ANSWER" means connected, in progress *or* completed, so a call is final only once `end_time`
  is set or its status is NO_ANSWER, BUSY, FAILED or CANCELED.
* The API has no hang-up and no call-history listing; the capabilities say so.
"""

from __future__ import annotations

import uuid as uuid_mod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from dialer import numbers
from dialer.domain import (
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    CredentialsUnavailable,
    DialerError,
    InvalidNumber,
    Leg,
    LegRole,
    LegState,
    NotFound,
    ProviderReplyError,
)
from dialer.providers import _http
from dialer.providers.base import Capabilities, Provider, ProviderSettings, validate_settings
from dialer.providers.clouddialer_wire import (
    DOCUMENTED_ERRORS,
    READABLE_ERRORS,
    ClickToCallSettings,
    CloudDialerSettings,
    call_failure,
    clip,
    error_for,
    read_status,
)
from dialer.settings import Account

__all__ = [
    "DOCUMENTED_ERRORS",
    "PROVIDER",
    "READABLE_ERRORS",
    "ClickToCallSettings",
    "CloudDialerProvider",
    "CloudDialerSettings",
]

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


class CloudDialerProvider(Provider):
    name = "clouddialer"
    title = "Click-to-Call API (clouddialer)"
    capabilities = Capabilities(
        live_status=True, add_leg=True, hangup=False, recordings=True, caller_id_pool=True
    )
    missing_reasons: ClassVar[dict[str, str]] = {
        "hangup": "The Click-to-Call API has no hang-up endpoint: end the call on the phone.",
        "provider_history": "The Click-to-Call API has no call-history listing, only the "
        "status of one call at a time.",
        "caller_id_shuffle": "The Click-to-Call API takes one from_number per call; it does "
        "not rotate caller IDs.",
    }
    settings_model: ClassVar[type[ProviderSettings]] = CloudDialerSettings
    default_base_url = "https://api.clouddialer.in"
    number_form = numbers.NumberForm.NATIONAL_DIGITS
    #: Options a single call may override (CallRequest.options); the rest are per account.
    call_options: ClassVar[frozenset[str]] = frozenset({"recording", "max_ring_time"})
    readable_errors: ClassVar[dict[str, dict[int, str]]] = READABLE_ERRORS
    #: How long one request may take; tests shorten it to provoke timeouts.
    request_timeout: ClassVar[httpx.Timeout] = _http.DEFAULT_TIMEOUT
    #: Polling runs this much faster than real time (simulators with sped-up calls).
    poll_speedup: ClassVar[float] = 1.0

    def __init__(
        self,
        account: Account,
        secret: str | None,
        client: httpx.AsyncClient,
        *,
        timeout: httpx.Timeout | float | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(account, secret, client)
        self.timeout: httpx.Timeout | float = timeout or self.request_timeout
        self._clock: Clock = clock or _system_clock

    # --- accounts and options ----------------------------------------------------------------

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        crm = account.settings.get("crm_username")
        if account.agent and crm:
            raise ConfigError(
                "give --agent or --set crm_username=..., not both: the API takes "
                "agent_number or crm_username"
            )
        normalized = super().normalize_account(account, region)
        if not normalized.agent and not crm:
            raise ConfigError(
                "the API needs the agent: give --agent NUMBER (agent_number) or "
                "--set crm_username=ID"
            )
        if normalized.agent:
            cls._dialable(normalized.agent, "the agent number")
        if not normalized.caller_ids:
            raise ConfigError(
                "give at least one --caller-id: the from_number assigned to the account "
                "during onboarding"
            )
        return normalized

    @property
    def _settings(self) -> ClickToCallSettings:
        assert isinstance(self.options, ClickToCallSettings)
        return self.options

    def _call_settings(self, request: CallRequest) -> ClickToCallSettings:
        """The account's settings with the call's own overrides, validated like `--set`."""
        unknown = sorted(set(request.options) - self.call_options)
        if unknown:
            allowed = ", ".join(sorted(self.call_options))
            raise ConfigError(
                f"unknown per-call option {', '.join(unknown)}; per-call options: {allowed}"
            )
        merged = validate_settings(
            self.settings_model, {**self.account.settings, **request.options}
        )
        assert isinstance(merged, ClickToCallSettings)
        return merged

    # --- numbers -----------------------------------------------------------------------------

    @classmethod
    def wire_number(cls, parsed: numbers.ParsedNumber) -> str:
        return cls._dialable(parsed.e164 or parsed.raw, "number")

    @classmethod
    def _dialable(cls, number: str, what: str) -> str:
        """A number the API can ring, as it wants it; InvalidNumber (nothing sent) if not."""
        parsed = numbers.parse(number, "IN")
        if not parsed.valid or parsed.e164 is None:
            raise InvalidNumber(f"{what} {number!r} cannot be dialed: {parsed.reason}")
        shown = parsed.international or parsed.e164
        if parsed.country_code != 91:
            raise InvalidNumber(
                f"{what} {shown} is not an Indian number; the Click-to-Call API dials only "
                "Indian numbers (10 digits or +91)"
            )
        national = parsed.national_digits or ""
        if len(national) != 10:
            raise InvalidNumber(
                f"{what} {shown} is not a 10-digit Indian number, the only kind the "
                "Click-to-Call API takes"
            )
        return national

    def _caller_id_wire(self, caller_id: str) -> str:
        parsed = numbers.parse(caller_id, "IN")
        if not parsed.valid or parsed.e164 is None:
            raise InvalidNumber(f"caller ID {caller_id!r} is not a valid number: {parsed.reason}")
        return parsed.e164[1:]

    @staticmethod
    def _leg_number(raw: str) -> str:
        """Leg numbers come back as sent (10 digits); show them as E.164 like the rest."""
        parsed = numbers.parse(raw, "IN")
        return parsed.e164 if parsed.valid and parsed.e164 else raw

    # --- HTTP --------------------------------------------------------------------------------

    async def _base(self) -> str:
        return self.base_url

    def _api_key(self) -> str:
        if not self.secret:
            raise CredentialsUnavailable(f"no API key stored for account {self.account.name!r}")
        return self.secret

    def _headers(self) -> dict[str, str]:
        key = self._api_key()
        if any(ch.isspace() or not " " < ch < "\x7f" for ch in key):
            # httpx would fail mid-send, which would look like an unknown outcome.
            raise ConfigError(
                f"the API key stored for account {self.account.name!r} contains spaces or "
                "characters an HTTP header cannot carry; store it again"
            )
        return {"Authorization": f"Bearer {key}", "Accept": "application/json"}

    async def _send(
        self, method: str, path: str, *, auth: bool = True, **kwargs: Any
    ) -> httpx.Response:
        headers = self._headers() if auth else {"Accept": "application/json"}
        base = await self._base()
        return await _http.send(
            self.client, method, f"{base}{path}", headers=headers, timeout=self.timeout, **kwargs
        )

    def _raise_for_error(self, response: httpx.Response, operation: str) -> None:
        """Turn an error reply into the typed error a person can act on."""
        if not response.is_success:
            raise error_for(response, operation, self.readable_errors)

    @staticmethod
    def _call_path(current: CallSnapshot) -> str:
        if not current.call_id:
            raise DialerError("the provider has not given this call an id yet")
        return f"/calls/{quote(current.call_id, safe='')}"

    # --- the calls ---------------------------------------------------------------------------

    async def place_call(self, request: CallRequest) -> CallSnapshot:
        options = self._call_settings(request)
        agent = request.agent or self.account.agent
        crm = options.crm_username
        if agent and crm:
            raise ConfigError(
                "both an agent number and crm_username are set; the API takes only one"
            )
        if not agent and not crm:
            raise ConfigError(f"account {self.account.name!r} has no agent number or crm_username")
        caller_id = request.caller_id or next(iter(self.account.caller_ids), None)
        if not caller_id:
            raise ConfigError(f"account {self.account.name!r} has no caller ID (from_number)")
        body: dict[str, Any] = {
            "from_number": self._caller_id_wire(caller_id),
            "to_number": self._dialable(request.to_number, "the customer number"),
            "uuid": request.uuid,
            "recording": options.recording,
            "max_ring_time": options.max_ring_time,
        }
        if crm:
            body["crm_username"] = crm
        elif agent:
            body["agent_number"] = self._dialable(agent, "the agent number")
        response = await self._send("POST", "/calls", json=body, effect="call")
        readable = self.readable_errors
        with _http.call_reply(
            response, "the provider", documented=lambda r: call_failure(r, readable)
        ):
            self._raise_for_error(response, "POST /calls")
            try:
                data = self.read_json(response)
                call_id = str(uuid_mod.UUID(str(data["call_id"])))
            except (ProviderReplyError, KeyError, ValueError):
                # Accepted, so it may ring: as uncertain as no answer, never a plain failure.
                raise _http.unreadable_acceptance("the provider", "call id") from None
        message = data.get("message")
        return CallSnapshot(
            uuid=request.uuid,
            account=self.account.name,
            provider=self.name,
            to_number=request.to_number,
            from_number=caller_id,
            call_id=call_id,
            status=CallStatus.INITIATED,
            message=clip(message) if isinstance(message, str) and message else "Call initiated",
        )

    async def get_status(self, current: CallSnapshot) -> CallSnapshot:
        response = await self._send("GET", self._call_path(current))
        self._raise_for_error(response, "GET /calls/{call_id}")
        return read_status(current, self.read_json(response), self._leg_number)

    async def add_leg(
        self, current: CallSnapshot, number: str, *, ring_time: int | None = None
    ) -> Leg:
        wire = self._dialable(number, "the participant's number")
        ring = ring_time if ring_time is not None else self._settings.max_ring_time
        response = await self._send(
            "POST",
            f"{self._call_path(current)}/add-leg",
            json={"number": wire, "max_ring_time": ring},
        )
        self._raise_for_error(response, "POST /calls/{call_id}/add-leg")
        self.read_json(response)
        return Leg(role=LegRole.DESTINATION, number=self._leg_number(wire), state=LegState.DIALING)

    async def test_connection(self) -> str:
        base = await self._base()
        health = await self._send("GET", "/health", auth=False)
        self._raise_for_error(health, "GET /health")
        self.read_json(health)
        probe = await self._send("GET", f"/calls/{uuid_mod.uuid4()}")
        if probe.status_code == 404:
            try:
                data = self.read_json(probe)
            except ProviderReplyError:
                data = {}
            if data.get("status") != "error":
                raise ProviderReplyError(
                    f"{base} does not answer like the Click-to-Call API (no error body on 404)"
                )
            return f"connected to {base}; the API key works"
        self._raise_for_error(probe, "GET /calls/{call_id}")
        raise ProviderReplyError(f"unexpected reply to the key check (HTTP {probe.status_code})")

    async def download_recording(self, current: CallSnapshot) -> bytes:
        """The call's recording, fetched from the exact `recording_url` the status gave.

        The URL itself is the access control (the contract's `security: []`), so the API key is
        not sent with it, and neither the URL nor the key ever appears in an error.
        """
        url = current.recording_url
        if not url:
            raise NotFound("NO_RECORDING", "this call has no recording")
        if not url.startswith(("https://", "http://")):
            raise ProviderReplyError("the provider gave a recording address that is not a web URL")
        response = await _http.send(
            self.client, "GET", url, timeout=self.timeout, headers={"Accept": "audio/*"}
        )
        self._raise_for_error(response, "GET /recordings/{filename}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not media_type.startswith("audio/"):
            raise ProviderReplyError(
                f"the recording download is not audio ({media_type or 'no content type'})"
            )
        return response.content

    def poll_interval(self, current: CallSnapshot) -> float:
        # Early on legs change every second or two; a long ring or talk mostly just runs on.
        now = self._clock()
        if current.status is CallStatus.ANSWER:
            since = current.connected_at or current.started_at
            steps = ((30.0, 2.0), (120.0, 4.0))
            longest = 6.0
        else:
            since = current.started_at
            steps = ((10.0, 1.0), (30.0, 2.0))
            longest = 3.0
        elapsed = (now - since).total_seconds() if since else 0.0
        interval = next((every for upto, every in steps if elapsed < upto), longest)
        return interval / self.poll_speedup


PROVIDER = CloudDialerProvider
