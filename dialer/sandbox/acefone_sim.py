"""A simulated Acefone UK account API, written from Acefone's click-to-call document alone.

It imports nothing from `dialer.providers`: it is a second, independent reading of the document
(plus the public facts in the providers README), so a test can catch a misreading on either side.

Endpoints: `POST /v1/auth/login`, `POST /v1/click_to_call`, `GET /v1/live_calls`,
`POST /v1/call/hangup`. Every reply is `{"success": ..., "message": ...}`-shaped, like the
document's response table; refusals use plain HTTP statuses because the document lists no
error codes. Requests carry `Authorization: Bearer <token>`: the support-issued API token (never
expires) or a login token (expires after `token_ttl` simulated-clock seconds).

A call's life is derived from elapsed time (clock x speed), never advanced by a background task:
the agent rings 0-3 s and the customer 3-6 s (`state` "ringing"), then the call is "answered"
until it ends at 16 s, or earlier at `call_timeout` seconds of talk. Customers whose number ends
in 0000 never answer: the call leaves the list at 9 s. A hangup removes it at once. Ended calls
leave `live_calls`, as on the real service, which reports outcomes only to its webhook.

That webhook is simulated too: when a call ends, its event goes to the dashboard's webhook URL
(`webhook_url`, or `POST /sim/webhook`, which stands in for the dashboard), retried 3 more
times with backoff. ITS PAYLOAD IS ASSUMED: Acefone documents no fields (see `event`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dialer.sandbox.callback_senders import PushScheduler

Clock = Callable[[], datetime]

AGENT_ANSWER_AT = 3.0
CUSTOMER_ANSWER_AT = 6.0
TALK_SECONDS = 10.0
UNANSWERED_LEAVES_AT = 9.0
DEFAULT_TOKEN_TTL = 3600
MAX_BODY_BYTES = 64 * 1024

_NUMBER = re.compile(r"\+?\d{8,15}")
_STATE_FILE = "acefone-calls.json"


class Refusal(Exception):
    """Rendered as the document's reply shape with `success: false`."""

    def __init__(self, http_status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message


def _reply(http_status: int, success: bool, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"success": success, "message": message, **extra}, status_code=http_status)


@dataclass
class SimCall:
    call_id: str
    agent_number: str
    customer_number: str
    did_number: str | None
    custom_identifier: str | None
    call_timeout: int | None
    created_at: str  # ISO, so the state file stays plain JSON
    hangup_at: str | None = None
    forced_state: str | None = None


class AcefoneSim:
    """The simulated account: calls, tokens and the clock. Tests may reach it via app.state."""

    def __init__(
        self,
        state_dir: Path,
        clock: Clock,
        speed: float,
        token_ttl: int,
        webhook_url: str | None = None,
    ) -> None:
        self.state_dir = state_dir
        #: The call-events webhook set in Acefone's dashboard (None: no events are sent).
        self.webhook_url = webhook_url
        #: Sends each call's event when it ends; retries (3, with backoff) are chosen here.
        self.pushes = PushScheduler(backoff=1.0 / speed)
        self.clock = clock
        self.speed = speed
        self.token_ttl = token_ttl
        self.tokens: dict[str, datetime] = {}
        self.logins = 0
        self.requests: list[dict[str, Any]] = []  # click_to_call bodies, for tests to inspect
        self._lock = threading.Lock()
        self._counter = 0
        self.calls: dict[str, SimCall] = self._load()

    # --- persistence -------------------------------------------------------------------------

    def _load(self) -> dict[str, SimCall]:
        path = self.state_dir / _STATE_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return {c["call_id"]: SimCall(**c) for c in raw}
        except (OSError, ValueError, TypeError, KeyError):
            return {}

    def _save(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / _STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(c) for c in self.calls.values()]), encoding="utf-8")
        os.replace(tmp, path)

    # --- tokens ------------------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = self.clock() + timedelta(seconds=self.token_ttl)
            self.logins += 1
        return token

    def token_state(self, token: str) -> str:
        """ "ok", "expired" or "unknown" for a login token."""
        with self._lock:
            expires = self.tokens.get(token)
        if expires is None:
            return "unknown"
        return "ok" if self.clock() < expires else "expired"

    # --- calls -------------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> SimCall:
        with self._lock:
            self._counter += 1
            now = self.clock()
            call = SimCall(
                call_id=f"{int(now.timestamp())}.{self._counter:06d}",
                agent_number=body["agent_number"],
                customer_number=body["destination_number"].lstrip("+"),
                did_number=body.get("caller_id"),
                custom_identifier=body.get("custom_identifier"),
                call_timeout=body.get("call_timeout"),
                created_at=now.isoformat(),
            )
            self.calls[call.call_id] = call
            self.requests.append(dict(body))
            self._save()
        if self.webhook_url:
            self.pushes.schedule(call.call_id, self.webhook_url, lambda: self.event(call))
        return call

    def _end(self, call: SimCall) -> float:
        """When the call ends, in simulated seconds after it was placed."""
        if call.hangup_at is not None:
            start = datetime.fromisoformat(call.created_at)
            return (datetime.fromisoformat(call.hangup_at) - start).total_seconds() * self.speed
        if call.customer_number.endswith("0000"):
            return UNANSWERED_LEAVES_AT
        talk = TALK_SECONDS
        if call.call_timeout is not None:
            talk = min(talk, float(call.call_timeout))
        return CUSTOMER_ANSWER_AT + talk

    def event(self, call: SimCall) -> dict[str, Any] | None:
        """The call's webhook event once it has ended, else None. ASSUMED FIELDS: Acefone
        documents none; these are a third-party integration's names, plus the
        `custom_identifier` Acefone documents as echoed back."""
        if self.state(call) is not None:
            return None
        end = self._end(call)
        answered = not call.customer_number.endswith("0000") and end > CUSTOMER_ANSWER_AT
        start = datetime.fromisoformat(call.created_at)

        def stamp(seconds: float) -> str:
            moment = start + timedelta(seconds=seconds / self.speed)
            return moment.strftime("%Y-%m-%d %H:%M:%S")

        talk = int(end - CUSTOMER_ANSWER_AT) if answered else 0
        return {
            "uuid": f"acefone-{call.call_id}",
            "call_id": call.call_id,
            "custom_identifier": call.custom_identifier,
            "agent_number": call.agent_number,
            "answered_agent_number": call.agent_number if answered else None,
            "direction": "clicktocall",
            "call_status": "answered" if answered else "missed",
            "start_stamp": stamp(0),
            "answer_stamp": stamp(CUSTOMER_ANSWER_AT) if answered else None,
            "end_stamp": stamp(end),
            "duration": talk,
            "billing_second": talk,
            "recording_url": f"https://recordings.acefone.example/{call.call_id}.mp3"
            if answered
            else None,
            "hangup_cause": "NORMAL_CLEARING" if answered else "NO_ANSWER",
        }

    def _elapsed(self, call: SimCall) -> float:
        start = datetime.fromisoformat(call.created_at)
        return (self.clock() - start).total_seconds() * self.speed

    def state(self, call: SimCall) -> str | None:
        """The call's live `state`, or None once it has left the list."""
        if call.hangup_at is not None:
            return None
        t = self._elapsed(call)
        answers = not call.customer_number.endswith("0000")
        end = UNANSWERED_LEAVES_AT
        if answers:
            talk = TALK_SECONDS
            if call.call_timeout is not None:
                talk = min(talk, float(call.call_timeout))
            end = CUSTOMER_ANSWER_AT + talk
        if t >= end:
            return None
        if call.forced_state is not None:
            return call.forced_state
        return "answered" if answers and t >= CUSTOMER_ANSWER_AT else "ringing"

    def force_state(self, call_id: str, state: str | None) -> None:
        """Make a live call report a chosen `state` (tests of states the timeline lacks)."""
        with self._lock:
            self.calls[call_id].forced_state = state

    def live(self) -> list[tuple[SimCall, str]]:
        with self._lock:
            calls = list(self.calls.values())
        return [(c, s) for c in calls if (s := self.state(c)) is not None]

    def hangup(self, call_id: str) -> bool:
        with self._lock:
            call = self.calls.get(call_id)
        if call is None or self.state(call) is None:
            return False
        with self._lock:
            call.hangup_at = self.clock().isoformat()
            self._save()
        return True


# --- request checks -----------------------------------------------------------------------


def _auth(request: Request, sim: AcefoneSim, api_token: str | None) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Refusal(401, "Authorization header with a Bearer token is required")
    if api_token and hmac.compare_digest(token.encode(), api_token.encode()):
        return
    state = sim.token_state(token)
    if state == "expired":
        raise Refusal(401, "Token has expired")
    if state != "ok":
        raise Refusal(401, "Invalid token")


async def _json_body(request: Request) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise Refusal(415, "content-type must be application/json")
    try:
        body = json.loads(await request.body())
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Refusal(400, "request body must be a JSON object")
    return body


def _string(body: dict[str, Any], field: str, *, required: bool) -> str | None:
    value = body.get(field)
    if value is None:
        if required:
            raise Refusal(400, f"{field} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise Refusal(400, f"{field} must be a non-empty string")
    return value


def _check_call(body: dict[str, Any], dids: frozenset[str] | None) -> None:
    """The document's request table: types, the two mandatory fields, the optional ones."""
    _string(body, "agent_number", required=True)
    destination = _string(body, "destination_number", required=True)
    assert destination is not None
    if not _NUMBER.fullmatch(destination):
        raise Refusal(400, "destination_number is not a valid phone number")
    caller_id = _string(body, "caller_id", required=False)
    if caller_id is not None:
        if not _NUMBER.fullmatch(caller_id):
            raise Refusal(400, "caller_id is not a valid phone number")
        if dids is not None and caller_id.lstrip("+") not in dids:
            raise Refusal(400, "caller_id is not a DID number of this account")
    mode = _string(body, "async", required=False)
    if mode is not None and mode not in ("0", "1"):
        raise Refusal(400, 'async must be "1" (asynchronous) or "0"')
    timeout = body.get("call_timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0
    ):
        raise Refusal(400, "call_timeout must be a positive integer (seconds)")
    _string(body, "custom_identifier", required=False)


# --- the app ------------------------------------------------------------------------------


def create_app(
    state_dir: Path,
    *,
    login_id: str | None = None,
    password: str | None = None,
    api_token: str | None = None,
    dids: Iterable[str] | None = None,
    token_ttl: int = DEFAULT_TOKEN_TTL,
    clock: Clock | None = None,
    speed: float = 1.0,
    webhook_url: str | None = None,
) -> Starlette:
    """The Acefone API over one simulated account; `app.state.acefone` is its AcefoneSim.

    `dids` (digits, no "+") restricts `caller_id` to the account's numbers; None accepts any.
    `webhook_url` stands for the webhook set in Acefone's dashboard (also settable later as
    `sim.webhook_url`, or with `POST /sim/webhook {"url": ...}`).
    """
    sim = AcefoneSim(state_dir, clock or (lambda: datetime.now(UTC)), speed, token_ttl, webhook_url)
    did_set = frozenset(d.lstrip("+") for d in dids) if dids is not None else None

    async def login(request: Request) -> Response:
        body = await _json_body(request)
        given_login = _string(body, "login_id", required=True)
        given_password = _string(body, "password", required=True)
        assert given_login is not None and given_password is not None
        ok = (
            login_id is not None
            and password is not None
            and hmac.compare_digest(given_login.encode(), login_id.encode())
            and hmac.compare_digest(given_password.encode(), password.encode())
        )
        if not ok:
            raise Refusal(401, "Invalid login_id or password")
        return JSONResponse(
            {
                "success": True,
                "access_token": sim.issue_token(),
                "token_type": "bearer",
                "expires_in": token_ttl,
            }
        )

    async def click_to_call(request: Request) -> Response:
        _auth(request, sim, api_token)
        body = await _json_body(request)
        _check_call(body, did_set)
        sim.create(body)
        if body.get("async", "0") != "1":
            # Synchronous: the reply waits until the agent picks up.
            await asyncio.sleep(AGENT_ANSWER_AT / sim.speed)
        return _reply(200, True, "Originate successfully queued")

    async def live_calls(request: Request) -> Response:
        _auth(request, sim, api_token)
        query = request.query_params
        items = []
        for call, state in sim.live():
            if "agent_number" in query and query["agent_number"] != call.agent_number:
                continue
            if "call_id" in query and query["call_id"] != call.call_id:
                continue
            did = query.get("did_number")
            if did is not None and did.lstrip("+") != (call.did_number or "").lstrip("+"):
                continue
            items.append(
                {
                    "call_id": call.call_id,
                    "state": state,
                    "type": "click-to-call",
                    "direction": "outbound",
                    "agent_number": call.agent_number,
                    "customer_number": call.customer_number,
                    "did_number": call.did_number,
                    "created_at": call.created_at,
                }
            )
        return JSONResponse(items)

    async def hangup(request: Request) -> Response:
        _auth(request, sim, api_token)
        body = await _json_body(request)
        call_id = _string(body, "call_id", required=True)
        assert call_id is not None
        if not sim.hangup(call_id):
            raise Refusal(404, "No live call with this call_id")
        return _reply(200, True, "Call hangup successfully")

    async def set_webhook(request: Request) -> Response:
        """The simulated dashboard: where call events go (not part of Acefone's API)."""
        body = await _json_body(request)
        url = body.get("url")
        if url is not None and (not isinstance(url, str) or not url.startswith("http")):
            raise Refusal(400, "url must be an http(s) URL or null")
        sim.webhook_url = url
        return _reply(200, True, "Webhook saved")

    async def refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return _reply(exc.http_status, False, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _reply(exc.status_code, False, str(exc.detail))

    app = Starlette(
        routes=[
            Route("/v1/auth/login", login, methods=["POST"]),
            Route("/v1/click_to_call", click_to_call, methods=["POST"]),
            Route("/v1/live_calls", live_calls, methods=["GET"]),
            Route("/v1/call/hangup", hangup, methods=["POST"]),
            Route("/sim/webhook", set_webhook, methods=["POST"]),
        ],
        exception_handlers={Refusal: refusal, HTTPException: http_error},
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.acefone = sim
    return app
