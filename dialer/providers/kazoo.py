"""Kazoo (2600Hz) click-to-call: `/clicktocall/{id}/connect`, followed via history and channels.

Caller IDs. A Kazoo account dials from click-to-call endpoints, not from numbers: the account's
caller IDs are endpoint ids, and the endpoint's `extension` rings first, then the contact. So
there is no agent number (the extension is the agent), and `normalize_account` checks ids.

Placing. The endpoint is read first: it tells whether `/connect` needs a token
(`auth_required: false` endpoints are dialed without one) and lets the number be checked
against the endpoint's `whitelist` regexes before anything is sent, with the reason, instead of
Kazoo's bare "Contact doesn't match whitelist". The contact is E.164 by default
(`contact_format`), the form whitelists are usually written for. Non-blocking connect answers
202 with the originate request, whose `outbound_call_id` becomes the call id; with
`blocking=true` Kazoo waits (up to 20 s) and answers with the attempt's history record.

Following. Until the attempt's record appears in `/clicktocall/{id}/history` (matched by call id,
or for failures, which carry none, by contact and a timestamp no earlier than Kazoo's own time
of the connect reply), the call rings. `result: error` is final with its `cause` (Q.850 names
such as USER_BUSY map to their status, anything else is FAILED); `success` is ANSWER, and the
channel (`/channels/{call_id}`) is then followed until it is gone: ENDED. Kazoo reports no talk
time here, so no duration is invented. Hang-up is a `hangup` action on that channel, which Kazoo
may refuse (metaflows not enabled on the call): the refusal is shown as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from dialer import numbers
from dialer.domain import (
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    InvalidNumber,
    NotFound,
    ProviderCall,
    ProviderReplyError,
    Unsupported,
)
from dialer.providers import _http
from dialer.providers.base import Capabilities, Provider, validate_settings
from dialer.providers.kazoo_api import KazooApi
from dialer.providers.kazoo_endpoints import Endpoints, check_id
from dialer.providers.kazoo_settings import KAZOO_ID, KazooSettings
from dialer.settings import Account

Clock = Callable[[], datetime]

GREGORIAN_OFFSET = 62_167_219_200
#: Kazoo's blocking connect waits up to 20 s for the originate; leave room for the reply.
BLOCKING_TIMEOUT = httpx.Timeout(35.0, connect=5.0)
#: A history record may be stamped slightly before the connect reply that announced it.
RECORD_SLACK = timedelta(seconds=5)
#: With no record and no channel for this long, the attempt's outcome is not coming.
NOT_RECORDED_GIVE_UP = 120.0

#: Hang-up causes in Kazoo's `cause` that say more than "failed".
_CAUSES = {
    "USER_BUSY": CallStatus.BUSY,
    "NO_ANSWER": CallStatus.NO_ANSWER,
    "NO_USER_RESPONSE": CallStatus.NO_ANSWER,
    "ORIGINATOR_CANCEL": CallStatus.CANCELED,
}

_FORMS = {
    "e164": numbers.NumberForm.E164,
    "e164_digits": numbers.NumberForm.E164_DIGITS,
    "national_digits": numbers.NumberForm.NATIONAL_DIGITS,
}

#: Kazoo's own time of each connect reply, by call id: where its history record is looked for.
_CONNECTED_AT: dict[str, datetime] = {}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def kazoo_time(value: Any) -> datetime | None:
    """A Kazoo timestamp: Gregorian seconds (documents), Unix seconds, or ISO 8601 (envelopes)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value - GREGORIAN_OFFSET if value > 30_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _same_contact(a: Any, b: str) -> bool:
    x, y = numbers.digits_only(str(a or "")), numbers.digits_only(b)
    short, long = sorted((x, y), key=len)
    return len(short) >= 7 and long.endswith(short)


class KazooProvider(Provider):
    name = "kazoo"
    title = "Kazoo"
    capabilities = Capabilities(
        live_status=True, hangup=True, provider_history=True, caller_id_pool=True
    )
    settings_model = KazooSettings
    default_base_url = ""
    number_form = numbers.NumberForm.E164
    missing_reasons: ClassVar[dict[str, str]] = {
        "add_leg": "Kazoo's click-to-call API connects one extension to one contact; it cannot "
        "add a participant",
        "recordings": "Kazoo's click-to-call API gives no access to call recordings",
        "caller_id_shuffle": "each call is placed from one click-to-call endpoint; Kazoo has "
        "no rotation",
    }

    def __init__(self, account: Account, secret: str | None, client: httpx.AsyncClient) -> None:
        super().__init__(account, secret, client)
        if not isinstance(self.options, KazooSettings):  # pragma: no cover - settings_model
            raise TypeError("Kazoo settings expected")
        self.api = KazooApi(self.base_url, self.options, secret, client)
        self.endpoints = Endpoints(self.api)
        #: Replaced by tests with a fake clock; the give-up delay follows it.
        self.clock: Clock = _utcnow

    async def caller_id_labels(self) -> dict[str, str]:
        """Endpoint names (and extensions) for the caller-ID selector."""
        labels: dict[str, str] = {}
        for endpoint in await self.endpoints.list():
            c2c_id, name = str(endpoint.get("id") or ""), str(endpoint.get("name") or "")
            extension = endpoint.get("extension")
            if c2c_id and name:
                labels[c2c_id] = f"{name} (ext. {extension})" if extension else name
        return labels

    async def fetch_history(self, limit: int = 100) -> list[ProviderCall]:
        """Each caller-ID endpoint's connect attempts; an error's cause gives its outcome."""
        calls: list[ProviderCall] = []
        for c2c_id in self.account.caller_ids:
            for record in await self.endpoints.history(c2c_id):
                contact = str(record.get("contact") or "")
                started = kazoo_time(record.get("timestamp"))
                call_id = record.get("call_id") or (
                    f"{c2c_id}:{record.get('timestamp')}:{contact}" if started else None
                )
                if not call_id or not contact:
                    continue
                placeholder = CallSnapshot(
                    uuid=str(call_id),
                    account=self.account.name,
                    provider=self.name,
                    to_number=contact,
                    call_id=str(call_id),
                    status=CallStatus.INITIATED,
                    connected_at=started,
                )
                seen = self._from_record(placeholder, record)
                calls.append(
                    ProviderCall(
                        call_id=str(call_id),
                        to_number=contact,
                        from_number=c2c_id,
                        status=seen.status,
                        started_at=started,
                        ended_at=started if seen.final else None,
                        message=seen.message,
                    )
                )
        calls.sort(key=lambda c: c.started_at or datetime.min.replace(tzinfo=UTC), reverse=True)
        return calls[:limit]

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        validate_settings(cls.settings_model, account.settings)
        base = (account.base_url or "").strip().rstrip("/")
        if not base:
            raise ConfigError("Kazoo needs --base-url, e.g. http://pbx.example:8000")
        if not base.startswith(("http://", "https://")):
            raise ConfigError(f"base URL {base!r} must start with https:// or http://")
        base = base.removesuffix("/v2")
        if account.agent:
            raise ConfigError(
                "Kazoo has no agent number: the click-to-call endpoint's extension rings first "
                "(give endpoint ids with --caller-id)"
            )
        ids: list[str] = []
        for value in account.caller_ids:
            c2c_id = value.strip().lower()
            if not KAZOO_ID.fullmatch(c2c_id):
                raise ConfigError(
                    f"caller ID {value!r} must be a Kazoo click-to-call endpoint id "
                    "(32 hex characters; see: dialer kazoo endpoints list)"
                )
            if c2c_id not in ids:
                ids.append(c2c_id)
        return account.model_copy(update={"base_url": base, "agent": None, "caller_ids": ids})

    # --- placing -----------------------------------------------------------------------------

    def _contact(self, number: str, options: KazooSettings | None = None) -> str:
        form = _FORMS[(options or self._kazoo_options()).contact_format]
        return numbers.format_for(numbers.parse(number), form)

    def _kazoo_options(self, extra: dict[str, Any] | None = None) -> KazooSettings:
        merged = {**self.account.settings, **(extra or {})}
        options = validate_settings(self.settings_model, merged)
        assert isinstance(options, KazooSettings)
        return options

    async def place_call(self, request: CallRequest) -> CallSnapshot:
        options = self._kazoo_options(request.options)
        c2c_id = request.caller_id or next(iter(self.account.caller_ids), None)
        if not c2c_id:
            raise ConfigError(
                f"account {self.account.name!r} has no click-to-call endpoint "
                "(--caller-id ENDPOINT_ID; see: dialer kazoo endpoints list)"
            )
        contact = self._contact(request.to_number, options)
        endpoint = await self.endpoints.get(check_id(c2c_id))
        self._check_whitelist(endpoint, contact)
        params = {"contact": contact}
        if options.blocking:
            params["blocking"] = "true"
        if not options.auto_answer:
            params["auto_answer"] = "false"
        body = await self.api.request(
            "POST",
            f"/clicktocall/{c2c_id}/connect",
            f"the call to {contact}",
            auth=endpoint.get("auth_required", True) is not False,
            places_call=True,
            params=params,
            json={"data": {}},
            timeout=BLOCKING_TIMEOUT if options.blocking else None,
        )
        snapshot = CallSnapshot(
            uuid=request.uuid,
            account=self.account.name,
            provider=self.name,
            to_number=request.to_number,
            from_number=c2c_id,
            status=CallStatus.INITIATED,
            started_at=self.clock(),
            message=f"ringing extension {endpoint.get('extension', '?')} first",
        )
        data = body["data"]
        if options.blocking:
            if not isinstance(data, dict) or data.get("result") not in ("success", "error"):
                raise _http.unreadable_acceptance("Kazoo", "history record (blocking connect)")
            return self._from_record(snapshot, data)
        call_id = data.get("outbound_call_id") if isinstance(data, dict) else None
        if not isinstance(call_id, str) or not call_id:
            raise _http.unreadable_acceptance("Kazoo", "outbound_call_id")
        _CONNECTED_AT[call_id] = kazoo_time(body.get("timestamp")) or self.clock()
        return snapshot.model_copy(update={"call_id": call_id})

    @staticmethod
    def _check_whitelist(endpoint: dict[str, Any], contact: str) -> None:
        """Refuse before sending what Kazoo would refuse; Kazoo decides if a regex is not ours."""
        patterns = [p for p in endpoint.get("whitelist") or [] if isinstance(p, str)]
        if not patterns:
            return
        try:
            if any(re.search(p, contact) for p in patterns):
                return
        except re.error:
            return
        name = endpoint.get("name") or endpoint.get("id")
        raise InvalidNumber(
            f"{contact} is not allowed by click-to-call endpoint {name!r}: Contact doesn't "
            f"match whitelist ({', '.join(patterns)})"
        )

    # --- following ---------------------------------------------------------------------------

    def _from_record(self, current: CallSnapshot, record: dict[str, Any]) -> CallSnapshot:
        if record.get("result") == "success":
            call_id = record.get("call_id")
            return current.model_copy(
                update={
                    "status": CallStatus.ANSWER,
                    "call_id": str(call_id) if call_id else current.call_id,
                    "connected_at": current.connected_at or self.clock(),
                    "message": "connected (Kazoo's originate succeeded)",
                }
            )
        cause = str(record.get("cause") or "no cause given")
        status = next((s for k, s in _CAUSES.items() if k in cause.upper()), CallStatus.FAILED)
        if current.call_id:
            _CONNECTED_AT.pop(current.call_id, None)
        return current.model_copy(
            update={
                "status": status,
                "final": True,
                "ended_at": self.clock(),
                "message": f"Kazoo: {cause[:200]}",
            }
        )

    def _match(self, records: list[dict[str, Any]], current: CallSnapshot) -> dict[str, Any] | None:
        for record in records:
            if current.call_id and record.get("call_id") == current.call_id:
                return record
        since = _CONNECTED_AT.get(current.call_id or "") or current.started_at
        contact = self._contact(current.to_number)
        found = []
        for record in records:
            at = kazoo_time(record.get("timestamp"))
            if (
                record.get("result") == "error"
                and _same_contact(record.get("contact"), contact)
                and at is not None
                and (since is None or at >= since - RECORD_SLACK)
            ):
                found.append((at, record))
        return min(found, key=lambda pair: pair[0])[1] if found else None

    async def _channel(self, call_id: str) -> dict[str, Any] | None:
        """The live channel, or None once Kazoo no longer has it."""
        try:
            body = await self.api.request("GET", f"/channels/{call_id}", f"the call {call_id}")
        except NotFound:
            return None
        data = body["data"]
        if not isinstance(data, dict):
            raise ProviderReplyError("Kazoo's channel reply carries no channel")
        return data

    async def get_status(self, current: CallSnapshot) -> CallSnapshot:
        call_id, c2c_id = current.call_id, current.from_number
        if current.final or not call_id or not c2c_id:
            return current
        if current.status is not CallStatus.ANSWER:
            records = await self.endpoints.history(c2c_id)
            record = self._match(records, current)
            if record is None:
                return await self._still_ringing(current)
            current = self._from_record(current, record)
            if current.final:
                return current
        if await self._channel(call_id) is not None:
            return current
        _CONNECTED_AT.pop(call_id, None)
        return current.model_copy(
            update={
                "status": CallStatus.ENDED,
                "final": True,
                "ended_at": self.clock(),
                "message": "answered, then ended (Kazoo's channel is gone)",
            }
        )

    async def _still_ringing(self, current: CallSnapshot) -> CallSnapshot:
        assert current.call_id is not None
        if await self._channel(current.call_id) is not None:
            return current
        started = current.started_at or self.clock()
        if (self.clock() - started).total_seconds() < NOT_RECORDED_GIVE_UP:
            return current
        _CONNECTED_AT.pop(current.call_id, None)
        return current.model_copy(
            update={
                "status": CallStatus.ENDED,
                "final": True,
                "ended_at": self.clock(),
                "message": "Kazoo recorded no outcome for this attempt and has no channel for it",
            }
        )

    async def hangup(self, current: CallSnapshot) -> None:
        if not current.call_id:
            raise Unsupported("Kazoo gave this attempt no call id, so there is nothing to hang up")
        try:
            await self.api.request(
                "POST",
                f"/channels/{current.call_id}",
                "the hang-up",
                json={"data": {"action": "hangup"}},
            )
        except NotFound:
            raise NotFound(
                "404", "the call has already ended (Kazoo has no channel for it)"
            ) from None

    async def test_connection(self) -> str:
        who = await self.api.authenticate()
        listed = {str(e.get("id")): e for e in await self.endpoints.list()}
        done = [
            f"reached {self.base_url}",
            f"authenticated ({self.options_summary()}, account {who.get('account_id', '?')})",
            f"{len(listed)} click-to-call endpoint(s) in account {self.api.options.account_id}",
        ]
        missing = [c for c in self.account.caller_ids if c not in listed]
        if missing:
            raise NotFound("404", f"{'; '.join(done)}; but no such endpoint: {', '.join(missing)}")
        for c2c_id in self.account.caller_ids:
            doc = await self.endpoints.get(c2c_id)
            auth = "no token needed" if doc.get("auth_required") is False else "token needed"
            done.append(
                f"endpoint {doc.get('name')!r} rings extension {doc.get('extension')} ({auth})"
            )
        if not self.account.caller_ids:
            done.append("no endpoint chosen yet (--caller-id ENDPOINT_ID)")
        return "; ".join(done) + "; not checked: that the extensions answer"

    def options_summary(self) -> str:
        o = self._kazoo_options()
        return f"user {o.username}" if o.auth_method == "user" else "API key"

    def poll_interval(self, current: CallSnapshot) -> float:
        # The extension rings for seconds; a connected call mostly just runs.
        return 2.0 if current.status is CallStatus.ANSWER else 1.0


PROVIDER = KazooProvider
