"""The optional listener for providers that only push a call's outcome (off by default).

Alohaa, Acefone, Sarv and the Click-to-Call OpenAPI POST the result of a call to a URL instead of
answering status polls. A desktop is rarely reachable from the internet, but in call centres an
on-premises PBX or a tunnel often reaches it, so the app can listen, on 127.0.0.1 unless the user
picks another address.

Every request is authenticated before its body is read: Alohaa's by the `api_key`/`api_value`
header pair the app itself sent in `webhook_details`; the others by a random 128-bit token in
the account's callback path (their documents define no auth header). The token is a capability,
so it lives in the keyring (username `<account>#callback`), never in the settings file.
Comparisons are constant-time; the body is capped and must be JSON; refusals (401/413/415) are
logged without the body. It runs as uvicorn's `serve()` task on whatever loop the caller runs
(qasync in the window, asyncio for `dialer listen`). Qt-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dialer.services.callback_events import PUSH_PROVIDERS, PushLedger, parse

if TYPE_CHECKING:
    import uvicorn

    from dialer.domain.models import CallSnapshot

log = logging.getLogger("dialer.callbacks")

#: Largest push accepted: the documented payloads are well under 4 KiB.
MAX_BODY = 64 * 1024
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Sarv activates a push-report webhook only when the endpoint answers with this body.
SARV_ACTIVATION_REPLY = "GODBLESSYOU"


@dataclass(frozen=True)
class CallbackRoute:
    """One account's way in: a path token, or (Alohaa) the header pair it sends back."""

    account: str
    provider: str
    token: str | None = None
    header: tuple[str, str] | None = None

    def path(self) -> str:
        """The path to give the provider (joined to the public base URL)."""
        if self.header is not None:
            return f"/callbacks/{self.account}"
        return f"/callbacks/{self.account}/{self.token}"


def token_username(account: str) -> str:
    return f"{account}#callback"


def callback_token(account: str) -> str:
    """The account's path token, made on first use. Blocking (keyring): use a worker thread."""
    from dialer import credentials
    from dialer import log as dialer_log

    username = token_username(account)
    token = credentials.get_secret(username)
    if not token:
        token = secrets.token_hex(16)  # 128 bits
        credentials.set_secret(username, token)
    dialer_log.register_secret(token)
    return token


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _refuse(request: Request, status: int, reason: str) -> Response:
    # Never the body, nor the path (it may hold the token): the account and the reason only.
    account = request.path_params.get("account", "?")
    log.warning("callback for account %r refused (%d): %s", account, status, reason)
    return JSONResponse({"error": reason}, status_code=status)


async def _read_capped(request: Request, cap: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class CallbackApp:
    """The ASGI app: authenticate, cap, parse, apply once, tell the live call listeners."""

    def __init__(
        self,
        routes: list[CallbackRoute],
        ledger: PushLedger,
        *,
        on_snapshot: Callable[[CallSnapshot], None] | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.routes = {route.account: route for route in routes}
        self.ledger = ledger
        self.on_snapshot = on_snapshot
        self.max_body = max_body
        self.app = Starlette(
            routes=[
                Route("/callbacks/{account}", self.receive, methods=["POST"]),
                Route("/callbacks/{account}/{token}", self.receive, methods=["POST"]),
                Route("/health", self.health, methods=["GET"]),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})  # nothing about accounts: it is unauthenticated

    def _authorized(self, request: Request, route: CallbackRoute | None) -> bool:
        if route is None:
            return False
        if route.header is not None:
            name, value = route.header
            return _same(request.headers.get(name), value)
        token = request.path_params.get("token")
        return route.token is not None and _same(token, route.token)

    async def receive(self, request: Request) -> Response:
        route = self.routes.get(request.path_params["account"])
        if not self._authorized(request, route):
            return _refuse(request, 401, "unauthorized")
        assert route is not None
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            return _refuse(request, 415, "JSON only")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return _refuse(request, 413, "body too large")
        raw = await _read_capped(request, self.max_body)
        if raw is None:
            return _refuse(request, 413, "body too large")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _refuse(request, 400, "not a JSON object")
        event = parse(route.provider, body)
        outcome, snapshot = await asyncio.to_thread(self.ledger.apply, route.account, event)
        log.info(
            "callback for account %r, call %s: %s",
            route.account,
            event.uuid or event.call_id,
            outcome,
        )
        if snapshot is not None and self.on_snapshot is not None:
            try:
                self.on_snapshot(snapshot)
            except Exception:  # the history row is written; a broken listener must not 500
                log.exception("callback snapshot listener failed")
        if route.provider == "sarv":
            return PlainTextResponse(SARV_ACTIVATION_REPLY)
        if outcome == "unknown":
            return JSONResponse({"status": "unknown call"}, status_code=404)
        return JSONResponse({"status": outcome})


class CallbackListener:
    """The app above served by uvicorn as a task on the running loop, until `stop()`."""

    def __init__(self, app: CallbackApp, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, timeout: float = 5.0) -> None:
        import uvicorn

        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,  # the access log would print the path, and the path holds the token
            lifespan="off",
        )
        server = _server_class()(config)
        # Bound here, not by uvicorn: its bind failure is sys.exit(), which would escape the
        # loop and end the whole app; here a taken port is a plain OSError for the caller.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family)
        self._server = server
        self._socket = sock
        self._task = asyncio.ensure_future(_serve(server, sock))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not server.started:
            if self._task.done():
                self._task.result()
                raise OSError(f"the callback listener could not start on {self.url}")
            if loop.time() > deadline:
                raise TimeoutError(f"the callback listener did not start on {self.url}")
            await asyncio.sleep(0.01)
        if self.port == 0:
            self.port = sock.getsockname()[1]
        log.info("callback listener on %s", self.url)

    async def serve_forever(self) -> None:
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(OSError):  # a failed start was reported by start()
                await self._task
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._task = None
        self._socket = None


async def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:  # uvicorn's way to report a failed start
        raise OSError(f"the callback listener stopped (uvicorn exit {exc.code})") from None


def _server_class() -> type[uvicorn.Server]:
    """uvicorn.Server without its signal capture: Ctrl+C belongs to the window or the CLI,
    which stop the listener themselves, not to a listener that happens to be running."""
    from collections.abc import Iterator

    import uvicorn

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return _Server


def supported(provider: str) -> bool:
    return provider in PUSH_PROVIDERS
