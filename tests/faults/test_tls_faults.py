"""A provider whose certificate this machine does not trust (the usual cause: an office proxy
that inspects HTTPS with its company's own root): the call says so in words IT can act on, and
the remedy the words name works. A real TLS server on loopback, its certificate made here."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from dialer import http_client
from dialer.domain import NetworkError, OutcomeUnknown
from dialer.providers import _http


class Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(URL, the server's self-signed certificate): a root of its own, as a company's is."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "root.pem", tmp_path / "key.pem"
    make = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    make += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=Office Proxy Root"]
    make += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(make, check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_port}/calls", cert
    server.shutdown()


async def _place(url: str) -> httpx.Response:
    async with http_client.async_client() as client:
        return await _http.send(client, "POST", url, json={}, effect="call")


def test_an_untrusted_certificate_is_explained_and_nothing_was_dialed(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    url, _root = tls_server
    for var in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(NetworkError) as info:
        asyncio.run(_place(url))
    assert not isinstance(info.value, OutcomeUnknown)  # refused at the handshake: never sent
    assert str(info.value) == (
        "could not reach 127.0.0.1: its certificate was refused (self-signed certificate): "
        "behind a proxy that inspects HTTPS, the company's root certificate must be in this "
        "computer's certificate store (or in a file named by SSL_CERT_FILE)"
    )


def test_the_remedy_named_works(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    url, root = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(root))
    assert asyncio.run(_place(url)).status_code == 200


@pytest.mark.parametrize(
    ("code", "words", "hint"),
    [
        (10, "certificate has expired", ": check this computer's date and time"),
        (9, "certificate is not yet valid", ": check this computer's date and time"),
        (62, "hostname mismatch", ""),
    ],
)
def test_other_refusals_say_what_openssl_saw(code: int, words: str, hint: str) -> None:
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED]")
    cause.verify_code, cause.verify_message = code, words
    try:
        try:
            raise cause
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as wrapped:
        assert _http._describe(wrapped) == f"its certificate was refused ({words}){hint}"
