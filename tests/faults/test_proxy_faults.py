"""An office proxy that refuses the tunnel to the provider (it wants a sign-in, or its policy
blocks the host): nothing reached the provider, so the call is a plain failure with the
proxy's reason, never "the call may have been placed". The proxy is a loopback server; the
provider's host name is never resolved (the proxy is asked for it)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dialer import http_client
from dialer.domain import NetworkError, OutcomeUnknown
from dialer.providers import _http


class Refusing(BaseHTTPRequestHandler):
    def do_CONNECT(self) -> None:
        code = self.server.code  # type: ignore[attr-defined]
        self.send_response(code)
        if code == 407:
            self.send_header("Proxy-Authenticate", 'Basic realm="office"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.server_port}")
    for var in ("NO_PROXY", "no_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield server
    server.shutdown()


def place() -> NetworkError:
    async def go() -> None:
        async with http_client.async_client() as client:
            url = "https://api.provider.invalid/v1/calls"
            await _http.send(client, "POST", url, json={}, effect="call")

    with pytest.raises(NetworkError) as info:
        asyncio.run(go())
    assert not isinstance(info.value, OutcomeUnknown)
    return info.value


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            407,
            "the proxy would not connect to api.provider.invalid (407 Proxy Authentication "
            "Required): it wants a sign-in; give it in the proxy's address "
            "(HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT)",
        ),
        (403, "the proxy would not connect to api.provider.invalid (403 Forbidden)"),
    ],
)
def test_a_refused_tunnel_is_a_plain_failure_with_the_proxy_s_reason(
    proxy: ThreadingHTTPServer, code: int, message: str
) -> None:
    proxy.code = code  # type: ignore[attr-defined]
    assert str(place()) == message
