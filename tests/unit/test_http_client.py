"""The office's proxy carries the providers' traffic, never the traffic to this machine.

Two loopback servers: one plays the proxy (it answers every request itself and notes the
absolute URL a proxied request names), one a service on this machine (the sandbox, the push
listener). The provider's host name is never resolved: a proxied request goes to the proxy.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import certifi
import httpx
import pytest

from dialer import http_client


class Recorder(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        body = self.server.name.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def serve(name: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.name, server.seen = name, []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ThreadingHTTPServer, str]]:
    proxy, local = serve("proxy"), serve("direct")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{proxy.server_port}")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield proxy, f"127.0.0.1:{local.server_port}"
    proxy.shutdown()
    local.shutdown()


def test_loopback_is_direct_and_the_rest_goes_through_the_proxy(
    servers: tuple[ThreadingHTTPServer, str],
) -> None:
    proxy, local = servers
    port = local.split(":")[1]

    async def fetch() -> list[str]:
        async with http_client.async_client() as client:
            urls = (
                "http://api.provider.invalid/v1/ping",
                f"http://{local}/",
                f"http://localhost:{port}/",
            )
            return [(await client.get(url)).text for url in urls]

    assert asyncio.run(fetch()) == ["proxy", "direct", "direct"]
    assert proxy.seen == ["http://api.provider.invalid/v1/ping"]  # as a proxy is asked


def test_a_plain_client_would_send_loopback_to_the_proxy(
    servers: tuple[ThreadingHTTPServer, str],
) -> None:
    """What went wrong before: the sandbox's own requests went to the office's proxy."""
    proxy, local = servers

    async def fetch() -> str:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://{local}/health")).text

    assert asyncio.run(fetch()) == "proxy"
    assert proxy.seen == [f"http://{local}/health"]


def test_the_blocking_client_keeps_loopback_direct_too(
    servers: tuple[ThreadingHTTPServer, str],
) -> None:
    proxy, local = servers
    with http_client.client() as client:
        assert client.get(f"http://{local}/health").text == "direct"
    assert proxy.seen == []


def _names(context: ssl.SSLContext) -> set[str]:
    return {repr(cert["subject"]) + str(cert["serialNumber"]) for cert in context.get_ca_certs()}


def test_the_clients_trust_what_the_os_trusts_and_not_only_certifi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An office's own root (its TLS-inspecting proxy) is installed in the OS's store: here
    certifi stands reduced to one root, so whatever else the context trusts came from the OS."""
    system = ssl.create_default_context()
    if not system.get_ca_certs():
        pytest.skip("this machine's OpenSSL finds no system certificates")
    one = tmp_path / "certifi.pem"
    one.write_text(ssl.DER_cert_to_PEM_cert(system.get_ca_certs(binary_form=True)[0]))
    monkeypatch.setattr(certifi, "where", lambda: str(one))
    for var in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(var, raising=False)
    assert len(httpx.create_ssl_context().get_ca_certs()) == 1  # httpx alone
    ours = http_client.tls_context()
    assert _names(system) <= _names(ours)
    assert ours.verify_mode is ssl.CERT_REQUIRED and ours.check_hostname


def test_every_client_is_made_with_that_trust(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    real = http_client.tls_context
    monkeypatch.setattr(http_client, "tls_context", lambda: made.append(real()) or made[-1])
    http_client.client().close()
    asyncio.run(http_client.async_client().aclose())
    assert len(made) == 2


def test_no_module_makes_a_client_of_its_own() -> None:
    """A client made elsewhere would send loopback to the proxy and distrust the OS's roots.
    The sandbox's own start-up probe is the exception: loopback only, proxies ignored."""
    import re

    package = Path(http_client.__file__).parent
    made = re.compile(r"httpx\.(Async)?Client\(")
    found = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if made.search(path.read_text(encoding="utf-8"))
    }
    assert found == {"http_client.py", "sandbox/process.py"}
    assert "trust_env=False" in (package / "sandbox" / "process.py").read_text(encoding="utf-8")
