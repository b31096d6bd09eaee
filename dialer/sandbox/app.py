"""The sandbox's HTTP face: the Click-to-Call contract (`sandbox-openapi.yaml`) over Starlette.

Every request is checked by hand against the contract and refused with the contract's error
body, `{"status": "error", "error_code": ..., "message": ...}`, so a sloppy adapter fails
against the sandbox the way it would fail against the real platform. Nothing here logs the
API key or a recording URL: recording URLs are the only access control on recordings.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid as uuid_module
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from dialer.sandbox import wav
from dialer.sandbox.engine import (
    CallEnded,
    CallEngine,
    CallNotFound,
    CallView,
    Clock,
    PlatformError,
    SandboxError,
)

MAX_BODY_BYTES = 64 * 1024
MIN_RING, MAX_RING = 5, 120

_DESTINATION = re.compile(r"\d{10}|\+?91\d{10}|\+\d{8,15}")
_INDIA = re.compile(r"\+91\d{10}")
_CALLER_ID = re.compile(r"\+?\d{8,15}")
_RECORDING_NAME = re.compile(
    r"crm_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.wav"
)

_STATUS_BY_ERROR: dict[type[SandboxError], int] = {
    CallNotFound: 404,
    CallEnded: 400,
    PlatformError: 502,
}


class ApiError(Exception):
    """A refusal raised anywhere in a handler and rendered as the contract's error body."""

    def __init__(self, http_status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.error_code = error_code
        self.message = message


def error_response(http_status: int, error_code: str, message: str) -> JSONResponse:
    body = {"status": "error", "error_code": error_code, "message": message}
    return JSONResponse(body, status_code=http_status)


def _invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_REQUEST", message)


def iso_z(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- request checks -------------------------------------------------------------------------


def _require_auth(request: Request, api_key: str) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if (
        scheme.lower() != "bearer"
        or not token
        or not hmac.compare_digest(token.encode(), api_key.encode())
    ):
        raise ApiError(401, "UNAUTHORIZED", "Invalid or missing API key")


async def _json_object(request: Request) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise _invalid("Content-Type must be application/json")
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise _invalid("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid("Request body must be a JSON object")
    return body


def _optional_str(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"{field} must be a non-empty string")
    return value


def _required_str(body: dict[str, Any], field: str) -> str:
    value = _optional_str(body, field)
    if value is None:
        raise _invalid(f"{field} is required")
    return value


def _check_destination(field: str, value: str) -> None:
    # +91 is India's whole country code (codes are prefix-free), so it needs exactly 10 digits.
    india_misdialed = value.startswith("+91") and not _INDIA.fullmatch(value)
    if india_misdialed or not _DESTINATION.fullmatch(value):
        raise ApiError(
            400,
            "INVALID_NUMBER",
            f"{field} is not a valid phone number: use 10 digits, +91 or 91 followed by "
            "10 digits, or an international number as + and 8-15 digits",
        )


def _max_ring_time(body: dict[str, Any]) -> int:
    value = body.get("max_ring_time", 30)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid("max_ring_time must be an integer")
    if not MIN_RING <= value <= MAX_RING:
        raise _invalid(f"max_ring_time must be between {MIN_RING} and {MAX_RING} seconds")
    return value


def _call_id(request: Request) -> str:
    raw = str(request.path_params["call_id"])
    try:
        return str(uuid_module.UUID(raw))
    except ValueError:
        raise ApiError(404, "CALL_NOT_FOUND", "Unknown call_id") from None


# --- responses ------------------------------------------------------------------------------


def _recording_url(request: Request, call_id: str) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}/recordings/crm_{call_id}.wav"


def call_status_body(view: CallView, recording_url: str | None) -> dict[str, Any]:
    return {
        "status": "success",
        "call_id": view.call_id,
        "uuid": view.uuid,
        "call_status": view.call_status,
        "duration": view.duration,
        "recording_url": recording_url if view.recording_available else None,
        "start_time": iso_z(view.start_time),
        "end_time": iso_z(view.end_time),
        "legs": [
            {"role": leg.role, "number": leg.number, "status": leg.status} for leg in view.legs
        ],
    }


class _Handlers:
    """The route endpoints, bound to one engine and one API key."""

    def __init__(self, engine: CallEngine, api_key: str, recordings_dir: Path) -> None:
        self.engine = engine
        self.api_key = api_key
        self.recordings_dir = recordings_dir

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "success"})

    async def initiate(self, request: Request) -> Response:
        _require_auth(request, self.api_key)
        body = await _json_object(request)
        from_number = _required_str(body, "from_number")
        to_number = _required_str(body, "to_number")
        uuid = _required_str(body, "uuid")
        crm_username = _optional_str(body, "crm_username")
        agent_number = _optional_str(body, "agent_number")
        if agent_number is not None and crm_username is not None:
            raise ApiError(
                400, "AGENT_CONFLICT", "Send either agent_number or crm_username, not both"
            )
        if agent_number is None and crm_username is None:
            raise ApiError(400, "MISSING_AGENT", "One of agent_number or crm_username is required")
        _check_destination("to_number", to_number)
        if agent_number is not None:
            _check_destination("agent_number", agent_number)
        if not _CALLER_ID.fullmatch(from_number):
            raise ApiError(
                400,
                "INVALID_CALLER_ID",
                "from_number is not a recognised caller-ID number: use 8-15 digits, "
                "optionally with a leading +",
            )
        recording = body.get("recording", True)
        if not isinstance(recording, bool):
            raise _invalid("recording must be true or false")
        max_ring_time = _max_ring_time(body)
        call_id = await run_in_threadpool(
            lambda: self.engine.create_call(
                from_number=from_number,
                to_number=to_number,
                uuid=uuid,
                agent_number=agent_number,
                crm_username=crm_username,
                recording=recording,
                max_ring_time=max_ring_time,
            )
        )
        return JSONResponse({"status": "success", "call_id": call_id, "message": "Call initiated"})

    async def status(self, request: Request) -> Response:
        _require_auth(request, self.api_key)
        call_id = _call_id(request)
        view = await run_in_threadpool(self.engine.get, call_id)
        return JSONResponse(call_status_body(view, _recording_url(request, call_id)))

    async def add_leg(self, request: Request) -> Response:
        _require_auth(request, self.api_key)
        call_id = _call_id(request)
        await run_in_threadpool(self.engine.get, call_id)  # 404 before judging the body
        body = await _json_object(request)
        number = _required_str(body, "number")
        _check_destination("number", number)
        max_ring_time = _max_ring_time(body)
        leg_id = await run_in_threadpool(self.engine.add_leg, call_id, number, max_ring_time)
        return JSONResponse({"status": "success", "message": "Leg queued", "leg_id": leg_id})

    async def hangup(self, request: Request) -> Response:
        _require_auth(request, self.api_key)
        call_id = _call_id(request)
        await run_in_threadpool(self.engine.hangup, call_id)
        return JSONResponse({"status": "success", "message": "Call ended", "call_id": call_id})

    async def recording(self, request: Request) -> Response:
        match = _RECORDING_NAME.fullmatch(str(request.path_params["filename"]))
        if match is None:
            raise ApiError(404, "RECORDING_NOT_FOUND", "Recording not found")
        call_id = match.group(1)
        try:
            view = await run_in_threadpool(self.engine.get, call_id)
        except CallNotFound:
            raise ApiError(404, "RECORDING_NOT_FOUND", "Recording not found") from None
        if not view.recording_available:
            raise ApiError(404, "RECORDING_NOT_FOUND", "Recording not found")
        path = await run_in_threadpool(
            wav.recording_path, self.recordings_dir, call_id, view.duration
        )
        return FileResponse(path, media_type="audio/wav")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.http_status, exc.error_code, exc.message)


async def _sandbox_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SandboxError)
    return error_response(_STATUS_BY_ERROR.get(type(exc), 400), exc.error_code, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods still answer in the contract's error shape."""
    assert isinstance(exc, HTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}
    code = codes.get(exc.status_code, "HTTP_ERROR")
    return error_response(exc.status_code, code, str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    return error_response(500, "INTERNAL_ERROR", "The sandbox failed to handle the request")


def create_app(
    state_dir: Path,
    *,
    api_key: str = "sandbox",
    speed: float = 1.0,
    clock: Clock | None = None,
) -> Starlette:
    """The sandbox ASGI app over the calls stored in `state_dir` (shared by every process)."""
    engine = CallEngine(state_dir, speed=speed, clock=clock)
    handlers = _Handlers(engine, api_key, state_dir / "recordings")
    routes = [
        Route("/health", handlers.health, methods=["GET"]),
        Route("/calls", handlers.initiate, methods=["POST"]),
        Route("/calls/{call_id}", handlers.status, methods=["GET"]),
        Route("/calls/{call_id}/add-leg", handlers.add_leg, methods=["POST"]),
        Route("/calls/{call_id}/hangup", handlers.hangup, methods=["POST"]),
        Route("/recordings/{filename}", handlers.recording, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            SandboxError: _sandbox_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
        max_body_size=MAX_BODY_BYTES,
    )
