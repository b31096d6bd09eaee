"""A DNS server that never answers, as the app meets it through `socket.getaddrinfo`.

Installed with `monkeypatch.setattr(socket, "getaddrinfo", resolver)`: a lookup of `HOST`
hangs until `release` is set (or `HOLD_S`), any other lookup fails at once, so nothing leaves
the machine. Each lookup notes the thread it ran on: where the app runs it is the point.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import httpx

HOST = "stuck.dialer.test"
HOLD_S = 20.0


class StuckResolver:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.current_thread())
        if host in (HOST, HOST.encode()):  # anyio passes it IDNA-encoded
            self.release.wait(HOLD_S)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        raise socket.gaierror(socket.EAI_NONAME, "unexpected lookup in a test")


async def request_the_stuck_host(client: httpx.AsyncClient | None = None) -> str:
    """A request to HOST that gives up connecting after 0.3 s; what became of it."""
    timeout = httpx.Timeout(5.0, connect=0.3)
    own = client is None
    client = client or httpx.AsyncClient(timeout=timeout)
    try:
        await client.get(f"http://{HOST}/calls", timeout=timeout)
    except httpx.ConnectTimeout:
        return "connect timeout"
    finally:
        if own:
            await client.aclose()
    return "answered"
