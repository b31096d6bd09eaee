"""The app's HTTP clients: the office's proxy for the providers, never for this machine.

Agents often work behind a proxy, given in the environment (HTTP_PROXY, HTTPS_PROXY,
ALL_PROXY) or, on Windows and macOS, in the system settings, which httpx reads through
urllib: the providers' APIs must be reached through it. The sandbox, the status-push listener
and a PBX's API on the agent's own machine are on loopback, where a proxy has no business;
yet a proxy set without NO_PROXY (common, and Windows' system settings never hand httpx
their bypass list) sent them there too, and the sandbox account, the one that works out of
the box, failed with "the sandbox server did not start". Loopback is always reached
directly, whatever the environment says.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["LOOPBACK_DIRECT", "async_client", "client"]

#: httpx mounts: None is the client's own transport, i.e. no proxy, for these hosts.
LOOPBACK_DIRECT: dict[str, httpx.AsyncBaseTransport | None] = {
    "all://127.0.0.1": None,
    "all://localhost": None,
    "all://[::1]": None,
}


def async_client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(mounts=LOOPBACK_DIRECT, **options)


def client(**options: Any) -> httpx.Client:
    mounts: dict[str, httpx.BaseTransport | None] = dict.fromkeys(LOOPBACK_DIRECT)
    return httpx.Client(mounts=mounts, **options)
