"""The simulated Alohaa organisation behind `alohaa_sim`: its key, calls and their timeline.

Apart from the routes so that what a call is, and how it unfolds, reads in one place; the HTTP
side only hands requests in and reads calls, pushes and log rows out. Written, like
`alohaa_sim`, from `alohaa-click-2-call.md` and the public facts on Alohaa alone (nothing here
imports `dialer.providers`), so a misreading on either side shows up as a failure.

A click-to-call body is checked here, because it becomes a call only against the organisation
(its DIDs, its agents): `caller_number` and `receiver_number` without the "91" prefix,
`did_number` with it (empty when `did_shuffle`), `is_agent_required`, `did_shuffle`, `metadata`
(an object), `webhook_details` (`url` and `request_type` mandatory, `api_key` and `api_value`
optional). The organisation's state refuses with codes 1041, 1042 and 1043, the rate limit with
1046 (more than one request per second per key).

Not in the document, so chosen here and marked as such: the HTTP statuses of those refusals (400,
403 for 1043, 429 for 1046), the log row fields besides `status`, `call_duration` and
`recording_url` (the outgoing-call webhook's names: `call_id`, `caller_number`,
`receiver_number`, `did_number`, `received_at`, `ended_at`, `hangup_cause`, plus `metadata`;
`log_fields` trims rows to test thinner replies).

When a call ends the simulator POSTs Alohaa's outgoing-call webhook (the public field list, plus
the request's `metadata`) to the request's `webhook_details.url`, with its `api_key: api_value`
header, or else to the organisation's dashboard webhook (`OrgState.webhook_url`); a failed
delivery is retried 3 more times with backoff (not documented: chosen here). `.pushes` shows
every attempt.

Call life, in simulated seconds (`speed` scales it): the agent (`caller_number`) answers at 3,
the receiver at 8, they talk 12 s, the call ends at 20 and its log row appears 5 s later.
Receiver ending 0000: busy (ends at 5); 2222: network error (ends at 4); 1111: rings out (ends
at 23); agent ending 1111: the agent never answers (ends at 20). All but the first are
`notanswered`.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dialer.sandbox.callback_senders import PushScheduler

Clock = Callable[[], datetime]

#: The document's error table, word for word.
ERROR_TEXTS: dict[int, str] = {
    1041: "CRM is not integrated",
    1042: "Organisation is not linked with CRM",
    1043: "Outgoing calls are not allowed for this organisation",
    1046: "Rate limit exceeded",
}
#: What the service puts in `reason` (the document's sample replies where it shows one).
REPLY_REASONS: dict[int, str] = {
    **ERROR_TEXTS,
    1046: "Rate limit exceeded. Please try again later.",
}
_ERROR_STATUS = {1041: 400, 1042: 400, 1043: 403, 1046: 429}

RATE_INTERVAL = 1.0  # seconds between requests per organisation (the document's rate limit)
AGENT_ANSWER_AT, RECEIVER_ANSWER_AT, TALK_SECONDS, LOG_DELAY = 3.0, 8.0, 12.0, 5.0

NATIONAL = re.compile(r"[1-9]\d{9}")
_DID = re.compile(r"91[1-9]\d{9}")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_KNOWN_FIELDS = frozenset(
    {"caller_number", "receiver_number", "did_number", "is_agent_required", "webhook_details",
     "did_shuffle", "metadata"}
)  # fmt: skip
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH"})


@dataclass
class OrgState:
    """The organisation behind the key; tests change it between requests."""

    crm_integrated: bool = True  # False: 1041
    crm_linked: bool = True  # False: 1042
    outgoing_allowed: bool = True  # False: 1043
    agents: frozenset[str] | None = None  # onboarded agents (10 digits); None: everyone
    dids: tuple[str, ...] = ("918069000001", "918069000002")  # the DID pool, "91" + 10 digits
    refuse_next: int = 0  # answer this many more click-2-call requests with 1046 regardless
    failure_http_status: int | None = None  # one HTTP status for every documented failure
    log_fields: frozenset[str] | None = None  # the fields a log row carries; None: all
    #: The organisation's outgoing-call webhook configured in the dashboard (`webhook_details`
    #: in a request overrides it, as the document warns), with the headers it is sent with.
    webhook_url: str | None = None
    webhook_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SimCall:
    reference_id: str
    caller_number: str
    receiver_number: str
    did_number: str
    did_shuffle: bool
    is_agent_required: bool | None
    metadata: dict[str, Any]
    webhook_details: dict[str, Any] | None
    created_at: float  # epoch seconds
    speed: float
    headers: dict[str, str] = field(default_factory=dict)


class Refusal(Exception):
    """Rendered as the documented failure body."""

    def __init__(self, http_status: int, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.http_status, self.reason, self.code = http_status, reason, code


def invalid(reason: str) -> Refusal:
    """A malformed request: HTTP 400 without a code (the document has none for it)."""
    return Refusal(400, reason)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def outcome(call: SimCall) -> tuple[str, float, int, str]:
    """(status, end in simulated seconds, talk seconds, hangup_cause) of a call."""
    if call.caller_number.endswith("1111"):
        return "notanswered", AGENT_ANSWER_AT + 17.0, 0, "initiator_disconnected"
    tail = call.receiver_number[-4:]
    if tail == "0000":
        return "notanswered", AGENT_ANSWER_AT + 2.0, 0, "receiver_disconnected"
    if tail == "2222":
        return "notanswered", AGENT_ANSWER_AT + 1.0, 0, "network_error"
    if tail == "1111":
        return "notanswered", AGENT_ANSWER_AT + 20.0, 0, "receiver_disconnected"
    return "answered", RECEIVER_ANSWER_AT + TALK_SECONDS, int(TALK_SECONDS), "initiator_hangup"


class AlohaaSim:
    """The simulated organisation, its calls and its rate limiter (one API key)."""

    def __init__(self, state_dir: Path, api_key: str, clock: Clock, speed: float) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.api_key, self.clock, self.speed = api_key, clock, speed
        self.org = OrgState()
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self._file = state_dir / "alohaa_sim.json"
        self._lock = threading.Lock()
        self._last_request: float | None = None
        #: Sends each call's outgoing-call webhook when it ends; retries are chosen here (the
        #: document says nothing): 3 more tries with backoff, in simulated seconds.
        self.pushes = PushScheduler(backoff=1.0 / speed)
        self.calls: list[SimCall] = []
        if self._file.exists():
            self.calls = [SimCall(**c) for c in json.loads(self._file.read_text("utf-8"))]

    def now(self) -> float:
        return self.clock().timestamp()

    def _save(self) -> None:
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(c) for c in self.calls]), "utf-8")
        tmp.replace(self._file)

    def authenticate(self, key: str | None) -> None:
        """Checks the `x-metro-api-key` header's value (None when it is absent)."""
        if not key:
            raise Refusal(401, "x-metro-api-key header is required")
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            raise Refusal(401, "Invalid API key")

    def rate_limit(self) -> None:
        with self._lock:
            now = self.now()
            if self.org.refuse_next > 0:
                self.org.refuse_next -= 1
                raise Refusal(429, REPLY_REASONS[1046], 1046)
            if self._last_request is not None and now - self._last_request < RATE_INTERVAL:
                raise Refusal(429, REPLY_REASONS[1046], 1046)
            self._last_request = now

    def place(self, body: dict[str, Any], headers: dict[str, str]) -> str:
        call = _validated(body, self.org)
        for code, ok in ((1041, self.org.crm_integrated), (1042, self.org.crm_linked),
                         (1043, self.org.outgoing_allowed)):  # fmt: skip
            if not ok:
                raise Refusal(_ERROR_STATUS[code], REPLY_REASONS[code], code)
        with self._lock:
            if call.did_shuffle:
                call.did_number = secrets.choice(self.org.dids)
            call.reference_id = secrets.token_hex(12)
            call.created_at, call.speed, call.headers = self.now(), self.speed, headers
            self.calls.append(call)
            self._save()
        self._schedule_push(call)
        return call.reference_id

    def _schedule_push(self, call: SimCall) -> None:
        """The outgoing-call webhook, sent when the call ends: to `webhook_details` (with its
        api_key/api_value as a header) if the request had one, else to the dashboard's."""
        details = call.webhook_details
        if details is not None:
            url, method = str(details["url"]), str(details["request_type"])
            headers = {}
            if details.get("api_key") and details.get("api_value"):
                headers[str(details["api_key"])] = str(details["api_value"])
        elif self.org.webhook_url:
            url, method, headers = self.org.webhook_url, "POST", dict(self.org.webhook_headers)
        else:
            return

        def ready() -> dict[str, Any] | None:
            if self.now() < self.end_of(call)[1]:
                return None
            return self.webhook_payload(call)

        self.pushes.schedule(call.reference_id, url, ready, headers=headers, method=method)

    def webhook_payload(self, call: SimCall) -> dict[str, Any]:
        """The outgoing-call webhook's documented fields, plus the request's `metadata`."""
        status, ended, talk, cause = self.end_of(call)
        answered_at = call.created_at + RECEIVER_ANSWER_AT / call.speed
        agent_ring = min(AGENT_ANSWER_AT, ended - call.created_at)
        receiver_ring = (RECEIVER_ANSWER_AT - AGENT_ANSWER_AT) if talk else 0
        return {
            "organisation_id": "org-sim",
            "call_type": "outgoing",
            "caller_number": call.caller_number,
            "receiver_number": call.receiver_number,
            "did_number": call.did_number,
            "received_at": _iso(answered_at if talk else call.created_at),
            "ended_at": _iso(ended),
            "call_id": call.reference_id,
            "call_status": status,
            "call_duration": talk,
            "call_recording_url": f"https://recordings.alohaa.example/{call.reference_id}.wav"
            if talk
            else "",
            "agent_name": "Simulated agent",
            "initiator_ring_duration": int(agent_ring),
            "receiver_ring_duration": int(receiver_ring),
            "total_ring_duration": int(agent_ring + receiver_ring),
            "hangup_cause": cause,
            "metadata": dict(call.metadata),
        }

    def end_of(self, call: SimCall) -> tuple[str, float, int, str]:
        """Like `outcome`, with the end as an epoch time."""
        status, end, talk, cause = outcome(call)
        return status, call.created_at + end / call.speed, talk, cause

    def log_rows(self, base_url: str, caller_number: str | None) -> list[dict[str, Any]]:
        """Rows of ended calls whose log delay has passed, newest first."""
        now = self.now()
        rows: list[tuple[float, dict[str, Any]]] = []
        with self._lock:
            calls = list(self.calls)
        for call in calls:
            status, ended, talk, cause = self.end_of(call)
            if now < ended + LOG_DELAY / call.speed:
                continue
            if caller_number is not None and call.caller_number != caller_number:
                continue
            recording = f"{base_url}/recordings/{call.reference_id}.wav" if talk else ""
            row = {
                "call_id": call.reference_id,
                "call_type": "outgoing",
                "caller_number": call.caller_number,
                "receiver_number": call.receiver_number,
                "did_number": call.did_number,
                "received_at": _iso(call.created_at),
                "ended_at": _iso(ended),
                "status": status,
                "call_duration": talk,
                "recording_url": recording,
                "hangup_cause": cause,
                "metadata": dict(call.metadata),
            }
            if self.org.log_fields is not None:
                row = {k: v for k, v in row.items() if k in self.org.log_fields}
            rows.append((call.created_at, row))
        return [row for _, row in sorted(rows, key=lambda item: item[0], reverse=True)]


# --- request validation, as the document describes the fields ------------------------------


def _national(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise invalid(f"{name} is required")
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    if len(value) == 12 and value.startswith("91"):
        raise invalid(f'{name} must not include the "91" prefix')
    if not NATIONAL.fullmatch(value):
        raise invalid(f"{name} must be a 10-digit phone number")
    return value


def _flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"{name} must be a boolean")
    return value


def _webhook(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("webhook_details must be an object")
    for name in ("url", "request_type"):
        if not isinstance(value.get(name), str) or not value[name]:
            raise invalid(f"webhook_details.{name} is mandatory")
    if not _URL.fullmatch(value["url"]):
        raise invalid("webhook_details.url must be an http(s) URL")
    if value["request_type"] not in _METHODS:
        raise invalid("webhook_details.request_type must be an HTTP method such as POST")
    for name in ("api_key", "api_value"):
        if name in value and not isinstance(value[name], str):
            raise invalid(f"webhook_details.{name} must be a string")
    return dict(value)


def _validated(body: dict[str, Any], org: OrgState) -> SimCall:
    unknown = sorted(set(body) - _KNOWN_FIELDS)
    if unknown:
        raise invalid(f"unknown field(s): {', '.join(unknown)}")
    caller = _national(body, "caller_number")
    receiver = _national(body, "receiver_number")
    shuffle = bool(_flag(body, "did_shuffle"))
    agent_required = _flag(body, "is_agent_required")
    if "did_number" not in body:
        raise invalid("did_number is required")
    did = body["did_number"]
    if not isinstance(did, str):
        raise invalid("did_number must be a string")
    if shuffle:
        if did:
            raise invalid("leave did_number empty when did_shuffle is true")
    elif not _DID.fullmatch(did):
        raise invalid('did_number must be prefixed with country code "91" (91 + 10 digits)')
    elif did not in org.dids:
        raise invalid("did_number is not one of the organisation's DID numbers")
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(v, str | int | float | bool) for v in metadata.values()
    ):
        raise invalid("metadata must be an object of key-value pairs")
    if agent_required is not False and org.agents is not None and caller not in org.agents:
        raise invalid("caller_number is not registered as an agent")
    return SimCall(
        reference_id="",
        caller_number=caller,
        receiver_number=receiver,
        did_number=did,
        did_shuffle=shuffle,
        is_agent_required=agent_required,
        metadata=dict(metadata),
        webhook_details=_webhook(body.get("webhook_details")),
        created_at=0.0,
        speed=1.0,
    )
