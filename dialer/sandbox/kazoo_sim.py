"""A simulated Kazoo (2600Hz) crossbar: auth, click-to-call endpoints, connect, history, channels.

Written from Kazoo's click-to-call document, its JSON Schemas and the public facts in the
providers README alone; it imports nothing from `dialer.providers`, so it is a second, independent
reading of the document and a test can catch a misreading on either side.

Wire format: every body is `{"data": ...}`; replies are Kazoo's envelope (`auth_token`, `data`,
`request_id`, `status`, `timestamp`, `version`), errors `{"status": "error", "error": "<code>",
"message": ..., "data": ...}`. A token comes from `PUT /v2/api_auth` or `PUT /v2/user_auth`
(md5 or sha1 of "user:password") and is accepted as `X-Auth-Token` or `Authorization: Bearer`;
it lasts `token_ttl` clock seconds, and `app.state.kazoo.expire_tokens()` ends them all at once.
`/connect` needs no token when the endpoint has `auth_required: false`. The call timeline and the
outcomes by contact suffix are described in `kazoo_sim_state`.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dialer.sandbox.kazoo_sim_state import (
    BLOCKING_LIMIT,
    Attempt,
    Clock,
    KazooError,
    KazooState,
    gregorian,
    merge,
    utc_now,
    validate,
)

VERSION = "4.3.1"
NODE = "c2ltdWxhdGVkLWthem9v"
MAX_BODY_BYTES = 64 * 1024
DEFAULT_TOKEN_TTL = 3600.0
_HANGUP_ACTIONS = ("hangup",)

Handler = Callable[[Request, KazooState], Awaitable[tuple[int, Any]]]


def _token(request: Request) -> str:
    token = request.headers.get("x-auth-token", "").strip()
    if not token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
    return token


def _authorize(request: Request, kazoo: KazooState) -> None:
    token = _token(request)
    if not token or not kazoo.token_ok(token):
        raise KazooError(401, "invalid credentials", {"message": "invalid credentials"})
    if request.path_params.get("account_id", kazoo.account_id) != kazoo.account_id:
        raise KazooError(403, "forbidden", {"message": "access to this account is forbidden"})


def _own_account(request: Request, kazoo: KazooState) -> None:
    if request.path_params["account_id"] != kazoo.account_id:
        raise KazooError(404, "bad identifier", {"cause": request.path_params["account_id"]})


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return None
    if len(raw) > MAX_BODY_BYTES:
        raise KazooError(413, "request entity too large")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise KazooError(415, "unsupported media type", {"message": "use application/json"})
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise KazooError(400, "invalid request body", {"message": "malformed JSON"}) from None


async def _data(request: Request) -> dict[str, Any]:
    """The request's `data` object; a body without one is an empty document, as in Kazoo."""
    body = await _body(request)
    data = body.get("data", {}) if isinstance(body, dict) else {}
    if not isinstance(data, dict):
        raise KazooError(400, "validation error", {"data": {"type": {"message": "not an object"}}})
    return data


def _flag(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    rule = {"type": {"message": "Value is not of type boolean", "target": "boolean"}}
    raise KazooError(400, "validation error", {name: rule})


# --- handlers ---------------------------------------------------------------------------------


async def api_auth(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    data = await _data(request)
    validate("api_auth", data)
    if data["api_key"] != kazoo.api_key:
        raise KazooError(401, "invalid credentials", {"message": "invalid credentials"})
    request.state.issued_token = kazoo.issue_token()
    return 201, {"account_id": kazoo.account_id, "account_name": kazoo.account_name, "apps": []}


async def user_auth(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    data = await _data(request)
    validate("user_auth", data)
    user = kazoo.check_user(data)
    request.state.issued_token = kazoo.issue_token()
    return 201, {
        "account_id": kazoo.account_id,
        "account_name": kazoo.account_name,
        "owner_id": uuid.uuid5(uuid.NAMESPACE_OID, user).hex,
        "apps": [],
    }


async def list_endpoints(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    _authorize(request, kazoo)
    docs = [kazoo.endpoint(i) for i in list(kazoo.endpoints)]
    return 200, [{"extension": d["extension"], "id": d["id"], "name": d["name"]} for d in docs]


async def create_endpoint(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    _authorize(request, kazoo)
    return 201, kazoo.store(uuid.uuid4().hex, await _data(request))


async def one_endpoint(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    _authorize(request, kazoo)
    c2c_id = request.path_params["c2c_id"]
    current = kazoo.endpoint(c2c_id)
    if request.method == "GET":
        return 200, current
    if request.method == "DELETE":
        return 200, kazoo.delete(c2c_id)
    data = await _data(request)
    data.pop("id", None)
    if request.method == "PATCH":
        current.pop("id", None)
        data = merge(current, data)
    return 200, kazoo.store(c2c_id, data)


async def history(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    _authorize(request, kazoo)
    c2c_id = request.path_params["c2c_id"]
    kazoo.endpoint(c2c_id)
    return 200, kazoo.history(c2c_id)


def _originate(kazoo: KazooState, endpoint: dict[str, Any], attempt: Attempt, auto: bool) -> Any:
    """The originate request Kazoo queued, shaped like the document's 202 example."""
    realm, contact, extension = kazoo.account_realm, attempt.contact, endpoint["extension"]
    first, second = (contact, extension)
    if endpoint.get("dial_first") != "contact":
        first, second = extension, contact
    return {
        "application_data": {"route": second},
        "application_name": "transfer",
        "continue_on_fail": True,
        "custom_application_vars": {
            **endpoint.get("custom_application_vars", {}),
            "contact": contact,
        },
        "custom_channel_vars": {
            "account_id": kazoo.account_id,
            "authorizing_id": attempt.c2c_id,
            "authorizing_type": "clicktocall",
            "auto_answer_loopback": auto,
            "from_uri": f"{extension}@{realm}",
            "inherit_codec": False,
            "loopback_request_uri": f"{contact}@{realm}",
            "request_uri": f"{contact}@{realm}",
            "retain_cid": True,
        },
        "dial_endpoint_method": "single",
        "endpoints": [
            {"invite_format": "loopback", "route": first, "to_did": first, "to_realm": realm}
        ],
        "ignore_early_media": endpoint.get("media", {}).get("ignore_early_media", True),
        "loopback_bowout": "false",
        "outbound_call_id": attempt.call_id,
        "outbound_callee_id_name": endpoint.get("outbound_callee_id_name", extension),
        "outbound_callee_id_number": endpoint.get("outbound_callee_id_number", extension),
        "outbound_caller_id_name": endpoint["name"],
        "outbound_caller_id_number": endpoint.get("caller_id_number", contact),
        "simplify_loopback": "false",
        "start_control_process": "false",
        "timeout": endpoint.get("timeout", 30),
    }


async def connect(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    _own_account(request, kazoo)
    c2c_id = request.path_params["c2c_id"]
    endpoint = kazoo.endpoint(c2c_id)
    if endpoint.get("auth_required", True):
        _authorize(request, kazoo)
    body = await _data(request) if request.method == "POST" else {}
    query = request.query_params
    contact = query.get("contact", body.get("contact"))
    if not isinstance(contact, str) or not contact:
        rule = {"required": {"message": "Field is required but missing"}}
        raise KazooError(400, "validation error", {"contact": rule})
    patterns = endpoint.get("whitelist") or []
    if patterns and not any(_search(p, contact) for p in patterns):
        raise KazooError(400, "Contact doesn't match whitelist", {"contact": contact})
    blocking = _flag(query.get("blocking", body.get("blocking")), "blocking", False)
    auto = _flag(query.get("auto_answer", body.get("auto_answer")), "auto_answer", True)
    attempt = kazoo.connect(c2c_id, contact, blocking=blocking)
    if not blocking:
        return 202, _originate(kazoo, endpoint, attempt, auto)
    await asyncio.sleep(min(attempt.resolves_at, BLOCKING_LIMIT) / kazoo.speed)
    return 200, kazoo.record(attempt)


def _search(pattern: str, contact: str) -> bool:
    try:
        return re.search(pattern, contact) is not None
    except re.error:
        return False


async def channel(request: Request, kazoo: KazooState) -> tuple[int, Any]:
    _authorize(request, kazoo)
    call_id = request.path_params["call_id"]
    if request.method == "POST":
        data = await _data(request)
        if "action" not in data:
            rule = {"required": {"message": "Field is required but missing"}}
            raise KazooError(400, "validation error", {"action": rule})
        if data["action"] not in _HANGUP_ACTIONS:
            rule = {"enum": {"message": "Value not found in enumerated list of values"}}
            raise KazooError(400, "validation error", {"action": rule})
        kazoo.hangup(call_id)
        return 202, {}
    attempt, answered = kazoo.channel(call_id)
    return 200, {
        "uuid": call_id,
        "answered": answered,
        "authorizing_id": attempt.c2c_id,
        "authorizing_type": "clicktocall",
        "destination": attempt.contact,
        "direction": "outbound",
        "timestamp": gregorian(kazoo.clock()),
    }


# --- the app ---------------------------------------------------------------------------------


def _envelope(request: Request, kazoo: KazooState, status: int, data: Any) -> JSONResponse:
    now = kazoo.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body: dict[str, Any] = {
        "auth_token": getattr(request.state, "issued_token", None) or _token(request),
        "data": data,
        "node": NODE,
        "request_id": uuid.uuid4().hex,
        "revision": uuid.uuid4().hex[:8],
        "status": "success",
        "timestamp": now,
        "version": VERSION,
    }
    if isinstance(data, list):
        body["page_size"] = len(data)
    return JSONResponse(body, status_code=status)


def _error(request: Request, kazoo: KazooState, exc: KazooError) -> JSONResponse:
    now = kazoo.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "auth_token": _token(request),
        "data": exc.data,
        "error": str(exc.status),
        "message": exc.message,
        "request_id": uuid.uuid4().hex,
        "status": "error",
        "timestamp": now,
        "version": VERSION,
    }
    return JSONResponse(body, status_code=exc.status)


def _route(path: str, handler: Handler, methods: list[str], kazoo: KazooState) -> Route:
    async def endpoint(request: Request) -> Response:
        body: Any = None
        try:
            body = await _body(request)
        except KazooError:
            body = "<unreadable>"
        kazoo.requests.append(
            (
                request.method,
                request.url.path,
                dict(request.query_params),
                bool(_token(request)),
                body,
            )
        )
        try:
            status, data = await handler(request, kazoo)
        except KazooError as exc:
            return _error(request, kazoo, exc)
        return _envelope(request, kazoo, status, data)

    return Route(path, endpoint, methods=methods)


def create_app(
    state_dir: Path,
    *,
    account_id: str,
    api_key: str,
    users: dict[str, str] | None = None,
    account_name: str = "Simulated Kazoo",
    account_realm: str = "sim.kazoo.test",
    phone_numbers: dict[str, str] | None = None,
    clock: Clock | None = None,
    speed: float = 1.0,
    token_ttl: float = DEFAULT_TOKEN_TTL,
) -> Starlette:
    """A Kazoo account `account_id` with one API key and `users` (username -> password)."""
    kazoo = KazooState(
        state_dir,
        account_id=account_id,
        account_name=account_name,
        account_realm=account_realm,
        api_key=api_key,
        users=users or {},
        phone_numbers=phone_numbers or {},
        clock=clock or utc_now,
        speed=speed,
        token_ttl=token_ttl,
    )
    acc = "/v2/accounts/{account_id}"
    c2c = f"{acc}/clicktocall/{{c2c_id}}"
    routes = [
        _route("/v2/api_auth", api_auth, ["PUT"], kazoo),
        _route("/v2/user_auth", user_auth, ["PUT"], kazoo),
        # Same path, other methods: Starlette keeps looking for a route that takes the method.
        _route(f"{acc}/clicktocall", list_endpoints, ["GET"], kazoo),
        _route(f"{acc}/clicktocall", create_endpoint, ["PUT"], kazoo),
        _route(c2c, one_endpoint, ["GET", "POST", "PATCH", "DELETE"], kazoo),
        _route(f"{c2c}/history", history, ["GET"], kazoo),
        _route(f"{c2c}/connect", connect, ["GET", "POST"], kazoo),
        _route(f"{acc}/channels/{{call_id}}", channel, ["GET", "POST"], kazoo),
    ]
    app = Starlette(routes=routes)
    app.state.kazoo = kazoo
    return app
