"""Serving the sandbox: uvicorn on a socket we bind, announced in server.json.

Kept apart from `process` (finding or starting the shared server) so the window and the CLI,
which only look the server up, never import uvicorn or the simulator itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dialer import paths
from dialer.sandbox.app import create_app
from dialer.sandbox.process import (
    DEFAULT_API_KEY,
    FILE_VERSION,
    PID_HEADER,
    SERVER_FILE,
    remove_server_file_if_ours,
)

# --- serving --------------------------------------------------------------------------------


class _ActivityTracker:
    """Wraps the app to note when the last request came, and to name this process.

    The pid header lets `stop()` be sure it signals the server it talked to, not an unrelated
    process that reused a pid from a stale server.json.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last_activity = time.monotonic()
        self._pid_header = (PID_HEADER.encode(), str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.last_activity = time.monotonic()

        async def send_with_pid(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self._pid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_pid)
        finally:
            self.last_activity = time.monotonic()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_activity


class _Server(uvicorn.Server):
    """uvicorn's server, minus re-raising the caught signal after shutdown.

    uvicorn re-raises SIGTERM/SIGINT once it has shut down, which would kill the process before
    `serve()` removes server.json. Here a signal only asks for a clean exit.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = [signal.SIGINT, signal.SIGTERM]
        if sys.platform == "win32":
            handled.append(signal.SIGBREAK)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def _speed_from_env() -> float:
    raw = os.environ.get("DIALER_SANDBOX_SPEED", "").strip() or "1"
    speed = float(raw)  # a bad value fails start-up loudly, in sandbox.log
    if not speed > 0:
        raise ValueError(f"DIALER_SANDBOX_SPEED must be positive, not {raw!r}")
    return speed


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if sys.platform != "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".server-", suffix=".json.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    state_dir: Path | None = None,
    api_key: str = DEFAULT_API_KEY,
    speed: float | None = None,
    idle_exit: float | None = 600.0,
) -> None:
    """Run the sandbox in the foreground until a signal, or until idle for `idle_exit` s."""
    state = state_dir if state_dir is not None else paths.sandbox_dir()
    state.mkdir(parents=True, exist_ok=True)
    tracker = _ActivityTracker(
        create_app(state, api_key=api_key, speed=_speed_from_env() if speed is None else speed)
    )
    config = uvicorn.Config(tracker, log_level="warning", access_log=False, lifespan="off")
    server = _Server(config)
    sock = _bind(host, port)
    try:
        asyncio.run(_run(server, sock, state, api_key, tracker, idle_exit))
    finally:
        sock.close()
        remove_server_file_if_ours(state, os.getpid())


async def _run(
    server: _Server,
    sock: socket.socket,
    state: Path,
    api_key: str,
    tracker: _ActivityTracker,
    idle_exit: float | None,
) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task  # start-up failed: surface uvicorn's error
            return
        await asyncio.sleep(0.01)
    host, port = sock.getsockname()[:2]
    _write_json_atomic(
        state / SERVER_FILE,
        {
            "pid": os.getpid(),
            "host": host,
            "port": port,
            "url": _url(host, port),
            "api_key_is_default": api_key == DEFAULT_API_KEY,
            "version": FILE_VERSION,
        },
    )
    tick = 0.25 if idle_exit is None else max(0.01, min(0.25, idle_exit / 4))
    while not task.done():
        await asyncio.wait({task}, timeout=tick)
        if idle_exit is not None and tracker.idle_for() >= idle_exit:
            server.should_exit = True
    await task
