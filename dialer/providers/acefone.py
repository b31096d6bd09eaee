"""Acefone click-to-call (UK account API): `POST /v1/click_to_call`, followed via live calls.

Numbers. Acefone's document types `destination_number` and `caller_id` only as "String" and
shows no example, and its host is the UK account API (`api-account-uk`). We send the full
international number as digits without "+" (447400123456): it is unambiguous whatever country
the account is in, and it survives query strings, where a "+" would turn into a space
(`live_calls` is a GET). Only +44 numbers (the UK and the Crown dependencies, which share it)
are accepted: the document describes a UK account and says nothing of calling abroad, so
anything else is refused before sending rather than risked as an international call. The agent
is `agent_number`, "ID of the Acefone agent": an identifier, kept exactly as given.

Tracking. The reply carries no call id, so the call is found in `GET /v1/live_calls` (filtered by
our agent) by its `customer_number`; until then `call_id` is null and hang-up is unavailable,
with that reason. Live `state` values map to statuses in `_STATES`; a state we do not know keeps
the previous status and is shown as Acefone's word. Once known, a call that leaves the list has
ended (ENDED: Acefone reports the outcome only to its dashboard webhook, which we do not have).

Auth. With `login_id` set, the keyring secret is the password and a one-hour token comes from
`POST /v1/auth/login`, cached per process and renewed shortly before it expires or once after
a 401. Without it, the secret is an API token issued by Acefone support, which does not expire.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from dialer import log as dialer_log
from dialer import numbers
from dialer.domain import (
    AuthError,
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    InvalidNumber,
    NotFound,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
    Unsupported,
)
from dialer.providers import _http
from dialer.providers.acefone_settings import AcefoneSettings, same_number, uk_number
from dialer.providers.base import Capabilities, Provider, validate_settings
from dialer.settings import Account

Clock = Callable[[], datetime]

#: Seconds before a login token's end at which it is renewed (capped at a quarter of its life).
REFRESH_MARGIN = 60.0
#: The documented life of a login token, used when a login reply omits `expires_in`.
DEFAULT_TOKEN_LIFE = 3600
#: How long a placed call may stay absent from live calls before we stop looking for it.
NOT_LISTED_GIVE_UP = 30.0
#: With `async` "0" the reply waits for the agent to pick up: allow for a long ring.
SYNC_TIMEOUT = httpx.Timeout(90.0, connect=5.0)

#: Acefone `state` (lower-cased) -> our status. Ringing covers both legs: the API does not say
#: which leg rings, and the customer is only "answered" once the whole call is connected.
_STATES = {
    "ringing": CallStatus.INITIATED,
    "dialing": CallStatus.INITIATED,
    "originate": CallStatus.INITIATED,
    "answered": CallStatus.ANSWER,
    "connected": CallStatus.ANSWER,
    "bridged": CallStatus.ANSWER,
    "hold": CallStatus.ANSWER,
    "on hold": CallStatus.ANSWER,
}

NOT_LISTED_YET = (
    "Acefone has not listed this call yet: hang-up needs its call id, which appears only once "
    "the call shows in Acefone's live calls"
)


@dataclass
class _Token:
    value: str
    life: float  # seconds, as Acefone granted them
    renew_at: datetime  # shortly before the end of its life


#: Login tokens by (base URL, login ID, password digest): shared by every instance in this
#: process, so the place/follow/hang-up instances of one call log in once, not three times.
_TOKENS: dict[tuple[str, str, str], _Token] = {}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AcefoneProvider(Provider):
    name = "acefone"
    title = "Acefone"
    capabilities = Capabilities(live_status=True, hangup=True, caller_id_pool=True)
    settings_model = AcefoneSettings
    default_base_url = "https://api-account-uk.acefone.com"
    number_form = numbers.NumberForm.E164_DIGITS
    missing_reasons: ClassVar[dict[str, str]] = {
        "add_leg": "Acefone's click-to-call API has no way to add a participant",
        "recordings": (
            "Acefone sends recording links only to the webhook configured in its dashboard; "
            "this app has no webhook"
        ),
        "provider_history": "the Acefone click-to-call document has no call-history endpoint",
        "caller_id_shuffle": "Acefone takes one caller_id per call and no rotation option",
    }

    def __init__(self, account: Account, secret: str | None, client: httpx.AsyncClient) -> None:
        super().__init__(account, secret, client)
        #: Replaced by tests with a fake clock; token lifetimes and grace periods follow it.
        self.clock: Clock = _utcnow

    @classmethod
    def wire_number(cls, parsed: numbers.ParsedNumber) -> str:
        return numbers.format_for(uk_number(parsed.e164 or parsed.raw, "number"), cls.number_form)

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        # The account is a UK one: national caller IDs are UK numbers whatever the app's region.
        validate_settings(cls.settings_model, account.settings)
        if account.base_url and not account.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base URL {account.base_url!r} must start with https:// or http://")
        agent = (account.agent or "").strip() or None
        if agent is not None and (len(agent) > 64 or any(ch.isspace() for ch in agent)):
            raise ConfigError(f"agent {agent!r} must be an Acefone agent ID (no spaces)")
        try:
            caller_ids = [uk_number(c, "caller ID").e164 or c for c in account.caller_ids]
        except InvalidNumber as exc:
            raise ConfigError(str(exc)) from None
        return account.model_copy(update={"agent": agent, "caller_ids": caller_ids})

    @classmethod
    def hangup_unavailable_reason(cls, snapshot: CallSnapshot) -> str | None:
        if snapshot.call_id is None and not snapshot.final:
            return NOT_LISTED_YET
        return None

    # --- auth --------------------------------------------------------------------------------

    @property
    def _login_id(self) -> str | None:
        value = getattr(self.options, "login_id", None)
        return value if isinstance(value, str) and value else None

    def _cache_key(self) -> tuple[str, str, str]:
        digest = hashlib.sha256((self.secret or "").encode()).hexdigest()
        return (self.base_url, self._login_id or "", digest)

    async def _token(self) -> str:
        if not self.secret:
            raise AuthError("", f"account {self.account.name!r} has no Acefone secret stored")
        if self._login_id is None:
            return self.secret
        cached = _TOKENS.get(self._cache_key())
        if cached is not None and self.clock() < cached.renew_at:
            return cached.value
        return (await self._login()).value

    async def _login(self) -> _Token:
        body = {"login_id": self._login_id, "password": self.secret}
        response = await _http.send(  # signing in dials nothing: its failures are plain
            self.client, "POST", f"{self.base_url}/v1/auth/login", json=body, effect="none"
        )
        if response.status_code in (400, 401, 403):
            reason = self._message(response) or "invalid login ID or password"
            raise AuthError(
                f"HTTP {response.status_code}",
                f"Acefone refused login {self._login_id!r}: {reason}",
                http_status=response.status_code,
            )
        self._raise_for_error(response)
        data = self.read_json(response)
        value = data.get("access_token")
        if data.get("success") is False:
            reason = str(data.get("message") or "login refused")
            raise AuthError("success=false", f"Acefone refused login {self._login_id!r}: {reason}")
        if not isinstance(value, str) or not value:
            raise ProviderReplyError("Acefone's login reply carries no access_token")
        dialer_log.register_secret(value)
        life = data.get("expires_in")
        if isinstance(life, bool) or not isinstance(life, int | float) or life <= 0:
            life = DEFAULT_TOKEN_LIFE
        margin = min(REFRESH_MARGIN, life / 4)
        token = _Token(value, float(life), self.clock() + timedelta(seconds=life - margin))
        _TOKENS[self._cache_key()] = token
        return token

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """`_exchange`, then an error reply becomes the typed error."""
        response = await self._exchange(method, path, **kwargs)
        self._raise_for_error(response)
        return response

    async def _exchange(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send with a bearer token; a login token refused with 401 is renewed and tried once.

        Retrying is safe even for click_to_call: a 401 means Acefone did not act on it.
        """
        url = f"{self.base_url}{path}"
        token = await self._token()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        response = await _http.send(self.client, method, url, headers=headers, **kwargs)
        if response.status_code == 401 and self._login_id is not None:
            _TOKENS.pop(self._cache_key(), None)
            headers["Authorization"] = f"Bearer {(await self._login()).value}"
            response = await _http.send(self.client, method, url, headers=headers, **kwargs)
        return response

    # --- replies -----------------------------------------------------------------------------

    @staticmethod
    def _message(response: httpx.Response) -> str:
        try:
            data = json.loads(response.content)
        except ValueError:
            return ""
        if isinstance(data, dict):
            text = data.get("message") or data.get("Message") or data.get("error")
            return str(text)[:300] if text else ""
        return ""

    def _raise_for_error(self, response: httpx.Response) -> None:
        status = response.status_code
        if response.is_success:
            return
        code = f"HTTP {status}"
        reason = self._message(response) or response.reason_phrase or "request refused"
        if status == 401:
            what = "login token" if self._login_id else "API token"
            raise AuthError(code, f"Acefone refused the {what}: {reason}", http_status=status)
        if status == 403:
            raise ProviderRefused(code, f"not permitted: {reason}", http_status=status)
        if status == 404:
            raise NotFound(code, reason, http_status=status)
        if status == 429:
            raise RateLimited(
                code,
                f"Acefone asks to slow down: {reason}",
                http_status=status,
                retry_after=_retry_after(response),
            )
        if status >= 500:
            raise ProviderRefused(code, f"Acefone failed: {reason}", http_status=status)
        raise ProviderRefused(code, reason, http_status=status)

    def _success(self, response: httpx.Response, what: str) -> str:
        """The reply's message, or ProviderRefused when `success` is false despite HTTP 2xx."""
        data = self.read_json(response)
        success = data.get("success", data.get("Success"))
        message = str(data.get("message") or data.get("Message") or "")
        if success is False:
            raise ProviderRefused(
                "success=false", message or f"Acefone refused the {what}", http_status=200
            )
        if success is not True:
            raise ProviderReplyError(f"Acefone's reply to the {what} has no success flag")
        return message

    async def _live_calls(self, params: dict[str, str]) -> list[dict[str, Any]]:
        response = await self._request("GET", "/v1/live_calls", params=params)
        try:
            data = json.loads(response.content)
        except ValueError:
            raise ProviderReplyError("Acefone sent unreadable live calls (not JSON)") from None
        if isinstance(data, dict):  # tolerate a wrapped list: the item fields are what we know
            data = next((v for v in data.values() if isinstance(v, list)), None)
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise ProviderReplyError("Acefone sent live calls in an unexpected shape")
        return data

    # --- the calls ---------------------------------------------------------------------------

    def _agent(self, request: CallRequest | None = None) -> str:
        agent = (request.agent if request else None) or self.account.agent
        if not agent:
            raise ConfigError(f"account {self.account.name!r} has no Acefone agent (--agent ID)")
        return agent

    async def place_call(self, request: CallRequest) -> CallSnapshot:
        options = validate_settings(
            self.settings_model, {**self.account.settings, **request.options}
        )
        agent = self._agent(request)
        to = numbers.format_for(uk_number(request.to_number, "number"), self.number_form)
        caller_id = request.caller_id or next(iter(self.account.caller_ids), None)
        sync = getattr(options, "async") == "0"
        body: dict[str, Any] = {
            "agent_number": agent,
            "destination_number": to,
            "async": getattr(options, "async"),
            "custom_identifier": request.uuid,
        }
        if caller_id:
            body["caller_id"] = numbers.format_for(
                uk_number(caller_id, "caller ID"), self.number_form
            )
        call_timeout = getattr(options, "call_timeout", None)
        if call_timeout is not None:
            body["call_timeout"] = call_timeout
        timeout = SYNC_TIMEOUT if sync else None
        response = await self._exchange(
            "POST", "/v1/click_to_call", json=body, timeout=timeout, effect="call"
        )
        with _http.call_reply(response, "Acefone"):
            self._raise_for_error(response)
            message = self._success(response, "call request")
        return CallSnapshot(
            uuid=request.uuid,
            account=self.account.name,
            provider=self.name,
            to_number=request.to_number,
            from_number=caller_id,
            status=CallStatus.INITIATED,
            started_at=self.clock(),
            message=message or "Originate queued",
        )

    async def get_status(self, current: CallSnapshot) -> CallSnapshot:
        if current.call_id:
            items = await self._live_calls({"call_id": current.call_id})
            match = next((i for i in items if str(i.get("call_id")) == current.call_id), None)
        else:
            items = await self._live_calls({"agent_number": self._agent()})
            found = [i for i in items if same_number(i.get("customer_number"), current.to_number)]
            found.sort(key=lambda i: i.get("type") != "click-to-call")
            match = found[0] if found else None
        now = self.clock()
        if match is None:
            return self._absent(current, now)
        call_id = match.get("call_id")
        if not isinstance(call_id, str | int) or isinstance(call_id, bool) or call_id == "":
            raise ProviderReplyError("Acefone listed the call without a call_id")
        raw = str(match.get("state") or "").strip()
        status = _STATES.get(raw.lower())
        if status is None:
            status = current.status
            message = f"Acefone reports the call as {raw[:40]!r}" if raw else "no state reported"
        else:
            message = f"{raw.lower()} (Acefone live calls)"
        return current.model_copy(
            update={"call_id": str(call_id), "status": status, "message": message}
        )

    def _absent(self, current: CallSnapshot, now: datetime) -> CallSnapshot:
        if current.call_id is None:
            started = current.started_at or now
            if (now - started).total_seconds() < NOT_LISTED_GIVE_UP:
                return current
            text = (
                "Acefone never listed this call among live calls (the agent may be offline, "
                "or it ended at once); its outcome is reported only to Acefone's webhook"
            )
        elif current.status is CallStatus.ANSWER:
            text = "answered, then ended (it left Acefone's live calls)"
        else:
            text = "ended before it was answered (it left Acefone's live calls)"
        return current.model_copy(
            update={"status": CallStatus.ENDED, "final": True, "ended_at": now, "message": text}
        )

    async def hangup(self, current: CallSnapshot) -> None:
        if not current.call_id:
            raise Unsupported(NOT_LISTED_YET)
        response = await self._request("POST", "/v1/call/hangup", json={"call_id": current.call_id})
        self._success(response, "hang-up")

    async def test_connection(self) -> str:
        done: list[str] = [f"reached {self.base_url}"]
        if self._login_id:
            token = await self._login()
            done.append(f"logged in as {self._login_id} (token valid {math.ceil(token.life)} s)")
        agent = self.account.agent
        if agent:
            items = await self._live_calls({"agent_number": agent})
            done.append(f"the token reads live calls ({len(items)} live for agent {agent})")
            unchecked = f"that agent {agent} exists and can take calls"
        else:
            items = await self._live_calls({})
            done.append(f"the token reads live calls ({len(items)} live)")
            unchecked = "the agent: none is set, and calls need one (--agent ID)"
        unchecked += ", and that the caller IDs belong to the account (only a real call tests them)"
        return "; ".join(done) + "; not checked: " + unchecked

    def poll_interval(self, current: CallSnapshot) -> float:
        # Ringing changes fast; a connected call mostly just runs, so poll it less often.
        return 2.0 if current.status is CallStatus.ANSWER else 1.0


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


PROVIDER = AcefoneProvider
