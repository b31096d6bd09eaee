"""Alohaa's click-to-call API, simulated from its public document, for tests over real HTTP.

Read from `alohaa-click-2-call.md` and the public facts on Alohaa, independently of the adapter
(nothing here imports `dialer.providers`), so a misreading on either side shows up as a failure.
This module is the HTTP side; the organisation, the checks on a request's body, the calls'
timeline and their webhooks are in `alohaa_sim_state`, which the routes only read and advance.

* `POST /v1/external/click-2-call`, header `x-metro-api-key`, JSON body. Success:
  `{"success": true, "response": {"reference_id": ...}}`; failure:
  `{"success": false, "error": {"code": ..., "reason": ...}}`.
* `GET /v1/external/click-2-call-logs?page_no=&page_size=&caller_number=`: `call_logs[]` with
  `status` (`answered` / `notanswered`), `call_duration` and `recording_url`; a row appears only
  some (simulated) seconds after its call ended.

Not in the document, so chosen here and marked as such: the reply to a missing or wrong key
(HTTP 401, failure shape without a code), `failure_http_status` overriding the HTTP status of
every documented failure, replies to malformed requests (400 without a code), and the logs
reply's envelope and page limits.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from dialer.sandbox import wav
from dialer.sandbox.alohaa_sim_state import NATIONAL, AlohaaSim, Clock, Refusal, invalid

CALL_PATH = "/v1/external/click-2-call"
LOGS_PATH = "/v1/external/click-2-call-logs"
MAX_PAGE_SIZE = 100  # not documented


def _positive_int(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise invalid(f"{name} must be a whole number from 1 to {maximum}")
    return int(raw)


# --- the app --------------------------------------------------------------------------------


def failure(http_status: int, reason: str, code: int | None = None) -> JSONResponse:
    error: dict[str, Any] = {"reason": reason} if code is None else {"code": code, "reason": reason}
    return JSONResponse({"success": False, "error": error}, status_code=http_status)


def create_app(
    state_dir: Path,
    *,
    api_key: str,
    clock: Clock | None = None,
    speed: float = 1.0,
) -> Starlette:
    """The simulator; `app.state.alohaa` is the `AlohaaSim` (tests change `.org` on it)."""
    sim = AlohaaSim(state_dir, api_key, clock or (lambda: datetime.now(UTC)), speed)

    async def click_2_call(request: Request) -> Response:
        sim.authenticate(request.headers.get("x-metro-api-key"))
        sim.rate_limit()
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise invalid("Content-type must be application/json")
        try:
            body = json.loads(await request.body())
        except (UnicodeDecodeError, ValueError):
            raise invalid("the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object")
        headers = {k: v for k, v in request.headers.items() if k != "x-metro-api-key"}
        reference_id = sim.place(body, headers)
        return JSONResponse({"success": True, "response": {"reference_id": reference_id}})

    async def call_logs(request: Request) -> Response:
        sim.authenticate(request.headers.get("x-metro-api-key"))
        page_no = _positive_int(request, "page_no", 1, 1_000_000)
        page_size = _positive_int(request, "page_size", 10, MAX_PAGE_SIZE)
        caller = request.query_params.get("caller_number")
        if caller is not None and not NATIONAL.fullmatch(caller):
            raise invalid("caller_number must be a 10-digit phone number")
        base = str(request.base_url).rstrip("/")
        rows = sim.log_rows(base, caller)
        page = rows[(page_no - 1) * page_size : page_no * page_size]
        return JSONResponse(
            {
                "success": True,
                "response": {
                    "call_logs": page,
                    "page_no": page_no,
                    "page_size": page_size,
                    "total_count": len(rows),
                },
            }
        )

    async def recording(request: Request) -> Response:
        name = str(request.path_params["name"])
        for call in sim.calls:
            _, ended, talk, _ = sim.end_of(call)
            if name == f"{call.reference_id}.wav" and talk and sim.now() >= ended:
                path = wav.recording_path(state_dir / "recordings", call.reference_id, talk)
                return FileResponse(path, media_type="audio/wav")
        raise Refusal(404, "recording not found")

    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        status = exc.http_status
        if exc.code is not None and sim.org.failure_http_status is not None:
            status = sim.org.failure_http_status
        return failure(status, exc.reason, exc.code)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return failure(exc.status_code, str(exc.detail))

    app = Starlette(
        routes=[
            Route(CALL_PATH, click_2_call, methods=["POST"]),
            Route(LOGS_PATH, call_logs, methods=["GET"]),
            Route("/recordings/{name}", recording, methods=["GET"]),
        ],
        exception_handlers={Refusal: on_refusal, HTTPException: on_http_error},
    )
    app.state.alohaa = sim
    return app
