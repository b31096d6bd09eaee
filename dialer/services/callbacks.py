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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dialer.services.callback_events import PUSH_PROVIDERS, PushLedger, parse
from dialer.settings import DEFAULT_CALLBACK_PATH

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
    """One account's way in: a path token, or (Alohaa) the header pair it sends back.

    `prefix` is the path before the account's name ("callbacks" unless the account chose
    another); `port` is the account's own port, or None for the listener's shared one.
    """

    account: str
    provider: str
    # Kept out of repr: a route may be logged (a debug log of a worker thread's result).
    token: str | None = field(default=None, repr=False)
    header: tuple[str, str] | None = field(default=None, repr=False)
    prefix: str = DEFAULT_CALLBACK_PATH
    port: int | None = None

    def base_path(self) -> str:
        return f"/{self.prefix}/{quote(self.account, safe='')}"

    def path(self) -> str:
        """The path to give the provider (joined to the public base URL)."""
        if self.header is not None:
            return self.base_path()
        return f"{self.base_path()}/{self.token}"


def token_username(account: str) -> str:
    return f"{account}#callback"


_TOKEN_LOCK = threading.Lock()


def callback_token(account: str) -> str:
    """The account's path token, made on first use. Blocking (keyring): use a worker thread.

    Serialised: two worker threads asking at once must not each make (and hand out) a token.
    """
    from dialer import credentials
    from dialer import log as dialer_log

    username = token_username(account)
    with _TOKEN_LOCK:
        token = credentials.get_secret(username)
        if not token:
            token = secrets.token_hex(16)  # 128 bits
            credentials.set_secret(username, token)
    dialer_log.register_secret(token)
    return token


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _refuse(request: Request, status: int, reason: str, account: str = "?") -> Response:
    # Never the body, nor the path (it may hold the token): the account and the reason only.
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
        port: int | None = None,
    ) -> None:
        self.routes = {route.account: route for route in routes}
        self._by_path = {unquote(route.base_path()): route for route in routes}
        self.ledger = ledger
        self.on_snapshot = on_snapshot
        self.max_body = max_body
        #: The shared port: accounts without their own port are answered on it only.
        self.port = port
        self.app = Starlette(
            routes=[
                Route("/health", self.health, methods=["GET"]),
                Route("/{rest:path}", self.receive, methods=["POST"]),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})  # nothing about accounts: it is unauthenticated

    def _match(self, request: Request) -> tuple[CallbackRoute | None, str | None]:
        """The route whose path the request took, and the token segment after it (if any)."""
        path = str(request.scope["path"]).rstrip("/")  # decoded, as the keys are
        route = self._by_path.get(path)
        if route is not None:
            return route, None
        head, _, last = path.rpartition("/")
        route = self._by_path.get(head)
        return (route, last) if route is not None else (None, None)

    def _on_its_port(self, request: Request, route: CallbackRoute) -> bool:
        """An account with its own port is answered there only, the others on the shared one
        (a port opened for a PBX on the LAN must not become a way in to every account)."""
        server = request.scope.get("server")
        if not server or self.port is None:
            return True
        wanted = route.port if route.port is not None else self.port
        return int(server[1]) == wanted

    def _authorized(self, request: Request, route: CallbackRoute, token: str | None) -> bool:
        if not self._on_its_port(request, route):
            return False
        if route.header is not None:
            name, value = route.header
            return token is None and _same(request.headers.get(name), value)
        return route.token is not None and _same(token, route.token)

    async def receive(self, request: Request) -> Response:
        route, token = self._match(request)
        if route is None or not self._authorized(request, route, token):
            return _refuse(request, 401, "unauthorized", route.account if route else "?")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            return _refuse(request, 415, "JSON only", route.account)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return _refuse(request, 413, "body too large", route.account)
        raw = await _read_capped(request, self.max_body)
        if raw is None:
            return _refuse(request, 413, "body too large", route.account)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _refuse(request, 400, "not a JSON object", route.account)
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
    """The app above served by uvicorn as a task on the running loop, until `stop()`.

    One server, one socket per distinct port: the shared `port` plus the accounts' own
    (`extra_ports`); the app tells them apart by the port a request came in on.
    """

    def __init__(
        self,
        app: CallbackApp,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        extra_ports: tuple[int, ...] = (),
    ):
        self.app = app
        self.host = host
        self.port = port
        self.extra_ports = tuple(p for p in dict.fromkeys(extra_ports) if p != port)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port, *self.extra_ports)

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
        try:
            for port in (self.port, *self.extra_ports):
                try:
                    self._sockets.append(socket.create_server((self.host, port), family=family))
                except OSError as exc:
                    raise OSError(exc.errno, f"port {port}: {exc.strerror or exc}") from None
        except OSError:
            self._close_sockets()
            raise
        if self.port == 0:
            self.port = self._sockets[0].getsockname()[1]
        self.app.port = self.port
        self._server = server
        self._task = asyncio.ensure_future(_serve(server, list(self._sockets)))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not server.started:
            if self._task.done():
                self._task.result()
                raise OSError(f"the callback listener could not start on {self.url}")
            if loop.time() > deadline:
                raise TimeoutError(f"the callback listener did not start on {self.url}")
            await asyncio.sleep(0.01)
        log.info("callback listener on %s (ports %s)", self.url, ", ".join(map(str, self.ports)))

    async def serve_forever(self) -> None:
        if self._task is not None:
            await self._task

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(OSError):  # a failed start was reported by start()
                await self._task
        self._close_sockets()
        self._server = None
        self._task = None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


async def _serve(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
    try:
        await server.serve(sockets=sockets)
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
