"""A simulator of the Click-to-Call OpenAPI service (api.clouddialer.in), served over real HTTP.

Written from `clouddialer-openapi.yaml` (a byte copy of the seed) alone; it imports nothing from
`dialer.providers`, so the adapter and this file are two independent readings of one document.
Every request is validated against that file at run time (openapi-core, a test dependency,
imported lazily), and so is every reply: a request outside the contract gets 400
INVALID_REQUEST, and a reply that breaks it becomes 500 CONTRACT_VIOLATION, so neither a sloppy
adapter nor a sloppy simulator goes unnoticed. Only the seed's paths are served: there is no
hang-up here (`POST /calls/{id}/hangup` is a 404, as on the real service).

Where the seed is silent, these are the simulator's rules:

* Auth: every operation marked `security: ApiKey` needs `Authorization: Bearer <api_key>`;
  otherwise 401 UNAUTHORIZED. The seed lists 401 only for `POST /calls`, but a bearer scheme
  implies it everywhere (and the connection test relies on it), so a 401 reply to any secured
  operation passes reply validation when its body is an ErrorResponse. The same holds for the
  400 INVALID_REQUEST reply to a request the contract itself rejects.
* 403 ORIGIN_NOT_PERMITTED ("request origin not permitted", `POST /calls` only, the one
  operation documenting it): the client address is not in `allowed_ips` (None allows any), or
  the request carries a browser `Origin` header not in `allowed_origins` (the seed says the key
  must never be used from browser code).
* 400 on `POST /calls`: INVALID_REQUEST (schema, empty uuid, max_ring_time < 1), AGENT_CONFLICT
  (agent_number and crm_username), MISSING_AGENT (neither), INVALID_NUMBER (to_number or
  agent_number not 10 digits or +91 and 10 digits), INVALID_CALLER_ID (from_number not one of
  `caller_ids`, compared as 91 + 10 digits), UNKNOWN_AGENT (crm_username not in
  `crm_usernames`). 502 PLATFORM_ERROR: a to_number ending 5020.
* Add-leg: 404 CALL_NOT_FOUND, 400 INVALID_NUMBER, 400 CALL_ENDED. Status: 404 CALL_NOT_FOUND.
  Health: 503 SERVICE_UNAVAILABLE while `state.degraded`. Recordings: 404 RECORDING_NOT_FOUND.
* `reply_delay` holds the `POST /calls` reply after the call is created (a slow platform), so a
  client's read timeout can be provoked; `state.release()` ends every hold at once.

The call's life, its recording and the status callback are described in `clouddialer_sim_state`.
"""

from __future__ import annotations

import copy
import functools
import hmac
import json
import re
import uuid as uuid_module
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dialer.sandbox.app import call_status_body, error_response
from dialer.sandbox.clouddialer_sim_state import (
    SimState,
    recording_audio,
    recording_url,
    schedule_callback,
)
from dialer.sandbox.engine import CallEnded, CallEngine, CallNotFound, Clock, PlatformError

if TYPE_CHECKING:
    from openapi_core import OpenAPI
    from openapi_core.contrib.starlette.requests import StarletteOpenAPIRequest

SPEC_PATH = Path(__file__).with_name("clouddialer-openapi.yaml")
MAX_BODY_BYTES = 64 * 1024

#: The contract's documented error replies, in its own words; used as the replies' messages.
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

_NUMBER = re.compile(r"(?:\+91)?[0-9]{10}")
_CALLER_ID = re.compile(r"(?:\+?91)?([0-9]{10})")


class _Reply(Exception):
    """An error reply raised anywhere in a request and rendered as the contract's error body."""

    def __init__(self, status: int, code: str, message: str, *, implied: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        #: True for replies the seed does not list but its security scheme or schema implies.
        self.implied = implied


@functools.cache
def _contract() -> tuple[OpenAPI, dict[str, Any]]:
    """The seed as an openapi-core validator, plus its ErrorResponse schema."""
    import yaml
    from openapi_core import OpenAPI

    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    served = copy.deepcopy(spec)
    served["servers"] = [{"url": "/"}]  # the contract names production; this is loopback
    return OpenAPI.from_dict(served), spec["components"]["schemas"]["ErrorResponse"]


def _describe(exc: Exception) -> str:
    """One readable line from an openapi-core error (its schema errors, if any)."""
    cause = exc.__cause__
    problems = getattr(cause, "schema_errors", None) or ()
    parts = []
    for problem in problems:
        where = ".".join(str(p) for p in problem.absolute_path) or getattr(exc, "name", "")
        parts.append(f"{where}: {problem.message}" if where else str(problem.message))
    text = "; ".join(parts) or str(exc)
    return text if len(text) <= 300 else text[:297] + "..."


def _caller_id_key(value: str) -> str | None:
    match = _CALLER_ID.fullmatch(value)
    return "91" + match.group(1) if match else None


def _check_number(name: str, value: str) -> None:
    if not _NUMBER.fullmatch(value):
        raise _Reply(
            400, "INVALID_NUMBER", f"{name} must be a 10-digit number or +91 and 10 digits"
        )


def _ring_time(body: dict[str, Any]) -> int:
    value = body.get("max_ring_time", 30)
    assert isinstance(value, int)  # the schema check ran first
    if value < 1:
        raise _Reply(400, "INVALID_REQUEST", "max_ring_time must be at least 1 second")
    return value


class _Recorder:
    """Notes every request, even those no route matches, for tests that count requests."""

    def __init__(self, app: ASGIApp, state: SimState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.state.received.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


Handler = Callable[[Request, dict[str, Any]], Awaitable[dict[str, Any] | Response]]


class _Service:
    def __init__(
        self,
        engine: CallEngine,
        state: SimState,
        *,
        api_key: str,
        recordings_dir: Path,
        caller_ids: Collection[str],
        crm_usernames: Collection[str],
        allowed_ips: Collection[str] | None,
        allowed_origins: Collection[str],
    ) -> None:
        self.engine, self.state, self.api_key = engine, state, api_key
        self.recordings_dir = recordings_dir
        keys = {_caller_id_key(c) for c in caller_ids}
        if None in keys:
            raise ValueError("caller_ids must be Indian numbers (10 digits, 91 or +91 first)")
        self.caller_ids = {k for k in keys if k}
        self.crm_usernames = frozenset(crm_usernames)
        self.allowed_ips = None if allowed_ips is None else frozenset(allowed_ips)
        self.allowed_origins = frozenset(allowed_origins)

    # --- the contract around every operation ---------------------------------------------

    def route(self, path: str, method: str, handler: Handler, *, secured: bool) -> Route:
        operation = f"{method} {path}"

        async def endpoint(request: Request) -> Response:
            return await self._dispatch(request, operation, handler, secured=secured)

        return Route(path, endpoint, methods=[method])

    async def _dispatch(
        self, request: Request, operation: str, handler: Handler, *, secured: bool
    ) -> Response:
        from openapi_core.contrib.starlette.requests import StarletteOpenAPIRequest
        from openapi_core.exceptions import OpenAPIError

        openapi, _ = _contract()
        raw = await request.body()
        checked = StarletteOpenAPIRequest(request, raw)
        try:
            if secured:
                self._check_key(request)
            if operation == "POST /calls":
                self._check_origin(request)
            try:
                openapi.validate_request(checked)
            except OpenAPIError as exc:
                raise _Reply(400, "INVALID_REQUEST", _describe(exc), implied=True) from None
            body = json.loads(raw) if raw else {}
            result = await handler(request, body if isinstance(body, dict) else {})
            if isinstance(result, dict):
                if self.state.tamper is not None:
                    result = self.state.tamper(operation, result)
                result = JSONResponse(result)
            response, implied = result, False
        except _Reply as reply:
            response = error_response(reply.status, reply.code, reply.message)
            implied = reply.implied
        return self._checked(checked, response, implied=implied)

    def _checked(
        self, request: StarletteOpenAPIRequest, response: Response, *, implied: bool
    ) -> Response:
        """The reply if the contract allows it, else a 500 naming what broke."""
        from openapi_core.contrib.starlette.responses import StarletteOpenAPIResponse
        from openapi_core.exceptions import OpenAPIError
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_schema_validator import OAS30Validator

        openapi, error_schema = _contract()
        try:
            openapi.validate_response(request, StarletteOpenAPIResponse(response))
        except ResponseNotFound:
            if implied and OAS30Validator(error_schema).is_valid(json.loads(bytes(response.body))):
                return response
            problem = f"HTTP {response.status_code} is not a documented reply"
        except OpenAPIError as exc:
            problem = _describe(exc)
        else:
            return response
        return error_response(
            500, "CONTRACT_VIOLATION", f"the simulator's reply broke the contract: {problem}"
        )

    def _check_key(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if (
            scheme.lower() != "bearer"
            or not token
            or not hmac.compare_digest(token.encode(), self.api_key.encode())
        ):
            raise _Reply(401, "UNAUTHORIZED", DOCUMENTED_ERRORS["POST /calls"][401], implied=True)

    def _check_origin(self, request: Request) -> None:
        refused = DOCUMENTED_ERRORS["POST /calls"][403]
        host = request.client.host if request.client else ""
        if self.allowed_ips is not None and host not in self.allowed_ips:
            raise _Reply(403, "ORIGIN_NOT_PERMITTED", f"{refused}: {host} is not allow-listed")
        origin = request.headers.get("origin")
        if origin is not None and origin not in self.allowed_origins:
            raise _Reply(
                403,
                "ORIGIN_NOT_PERMITTED",
                f"{refused}: browser requests are refused, keep the API key in your backend",
            )

    # --- operations ----------------------------------------------------------------------

    async def health(self, request: Request, body: dict[str, Any]) -> dict[str, Any] | Response:
        if self.state.degraded:
            message = DOCUMENTED_ERRORS["GET /health"][503]
            return error_response(503, "SERVICE_UNAVAILABLE", message)
        return {"status": "success"}

    async def initiate(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        agent, crm = body.get("agent_number"), body.get("crm_username")
        if agent is not None and crm is not None:
            raise _Reply(400, "AGENT_CONFLICT", "Send either agent_number or crm_username")
        if agent is None and crm is None:
            raise _Reply(400, "MISSING_AGENT", "One of agent_number or crm_username is required")
        _check_number("to_number", body["to_number"])
        if agent is not None:
            _check_number("agent_number", agent)
        if _caller_id_key(body["from_number"]) not in self.caller_ids:
            raise _Reply(
                400,
                "INVALID_CALLER_ID",
                "from_number is not a caller-ID number assigned to this account",
            )
        if crm is not None and crm not in self.crm_usernames:
            raise _Reply(400, "UNKNOWN_AGENT", "crm_username is not registered for this account")
        if not body["uuid"].strip():
            raise _Reply(400, "INVALID_REQUEST", "uuid must not be empty")
        max_ring_time = _ring_time(body)
        try:
            call_id = await run_in_threadpool(
                lambda: self.engine.create_call(
                    from_number=body["from_number"],
                    to_number=body["to_number"],
                    uuid=body["uuid"],
                    agent_number=agent,
                    crm_username=crm,
                    recording=body.get("recording", True),
                    max_ring_time=max_ring_time,
                )
            )
        except PlatformError:
            message = DOCUMENTED_ERRORS["POST /calls"][502]
            raise _Reply(502, "PLATFORM_ERROR", message) from None
        base_url = str(request.base_url).rstrip("/")
        schedule_callback(self.state, self.engine, base_url, call_id, body)
        if self.state.reply_delay > 0:
            await run_in_threadpool(self.state.released.wait, self.state.reply_delay)
        return {"status": "success", "call_id": call_id, "message": "Call initiated"}

    async def _view(self, request: Request, operation: str) -> Any:
        call_id = str(uuid_module.UUID(str(request.path_params["call_id"])))
        try:
            return await run_in_threadpool(self.engine.get, call_id)
        except CallNotFound:
            raise _Reply(404, "CALL_NOT_FOUND", DOCUMENTED_ERRORS[operation][404]) from None

    async def status(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        view = await self._view(request, "GET /calls/{call_id}")
        url = recording_url(str(request.base_url).rstrip("/"), view.call_id)
        return call_status_body(view, url)

    async def add_leg(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        view = await self._view(request, "POST /calls/{call_id}/add-leg")
        _check_number("number", body["number"])
        max_ring_time = _ring_time(body)
        try:
            leg_id = await run_in_threadpool(
                self.engine.add_leg, view.call_id, body["number"], max_ring_time
            )
        except CallEnded:
            raise _Reply(400, "CALL_ENDED", "The call has already ended") from None
        return {"status": "success", "message": "Leg queued", "leg_id": leg_id}

    async def recording(self, request: Request, body: dict[str, Any]) -> Response:
        filename = str(request.path_params["filename"])
        audio = await run_in_threadpool(recording_audio, self.engine, self.recordings_dir, filename)
        if audio is None:
            raise _Reply(404, "RECORDING_NOT_FOUND", "Recording not found")
        return Response(audio, media_type="audio/wav")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Paths and methods the seed lacks still answer in the contract's error shape."""
    assert isinstance(exc, HTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}
    return error_response(exc.status_code, codes.get(exc.status_code, "HTTP_ERROR"), exc.detail)


async def _unexpected(request: Request, exc: Exception) -> Response:
    return error_response(500, "INTERNAL_ERROR", "The simulator failed to handle the request")


def create_app(
    state_dir: Path,
    *,
    api_key: str,
    clock: Clock | None = None,
    speed: float = 1.0,
    caller_ids: Collection[str] = ("919800000000",),
    crm_usernames: Collection[str] = ("agent.017",),
    allowed_ips: Collection[str] | None = None,
    allowed_origins: Collection[str] = (),
    reply_delay: float = 0.0,
    callback_url: str | None = None,
) -> Starlette:
    """The simulator over the calls stored in `state_dir`; `app.state.sim` is its SimState.

    `callback_url` stands for the URL given at onboarding (tests may set `state.callback_url`
    later); the callback's retries back off from 1 simulated second.
    """
    state = SimState(reply_delay=reply_delay, callback_url=callback_url)
    state.pushes.backoff = 1.0 / speed
    service = _Service(
        CallEngine(state_dir, speed=speed, clock=clock),
        state,
        api_key=api_key,
        recordings_dir=state_dir / "recordings",
        caller_ids=caller_ids,
        crm_usernames=crm_usernames,
        allowed_ips=allowed_ips,
        allowed_origins=allowed_origins,
    )
    routes = [
        service.route("/health", "GET", service.health, secured=False),
        service.route("/calls", "POST", service.initiate, secured=True),
        service.route("/calls/{call_id}", "GET", service.status, secured=True),
        service.route("/calls/{call_id}/add-leg", "POST", service.add_leg, secured=True),
        service.route("/recordings/{filename}", "GET", service.recording, secured=False),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(_Recorder, state=state)],
        exception_handlers={HTTPException: _http_error, Exception: _unexpected},
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.sim = state
    return app
