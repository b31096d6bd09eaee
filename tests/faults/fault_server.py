"""One server for every fault: any method on any path answers with the fault chosen for it.

Provider adapters differ in paths and payloads but not in how a network or a server can fail,
so one generic server exercises every adapter's error handling the same way. It records each
request so idempotency tests can count what reached it.

Two things are per provider: `rate_limit_body`, the provider's own documented "slow down" reply
that mode `provider_rate_limit` answers inside an HTTP 200, and `healthy`, which answers some
requests correctly so a fault can hit one request only (Kazoo's call request after a good
sign-in, or its sign-in alone).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

#: Read timeout the adapters get in this suite (the real one is 15 s).
READ_TIMEOUT = 0.5
FIFTY_MB = 50 * 1024 * 1024

#: Modes the server itself answers; connect_refused, connect_timeout and tls are arranged by the
#: test (a closed port, a full backlog, a self-signed certificate).
SERVED_FAULTS = (
    "read_timeout",
    "slow_body",
    "http_500",
    "http_502",
    "http_503",
    "http_429",
    "malformed_json",
    "wrong_shape",
    "wrong_types",
    "truncated_body",
    "huge_body",
    "provider_rate_limit",
)

#: (method, path) -> (HTTP status, JSON body) for a request that must succeed, else None.
Healthy = Callable[[str, str], "tuple[int, str] | None"]


@dataclass
class FaultServer:
    mode: str = "http_500"
    requests: list[tuple[str, str]] = field(default_factory=list)
    #: Bytes of the huge body actually sent before the client hung up.
    huge_sent: int = 0
    #: The provider's documented rate-limit reply, served with HTTP 200 (`provider_rate_limit`).
    rate_limit_body: str | None = None
    #: Requests answered correctly instead of with the fault.
    healthy: Healthy | None = None

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", self.serve, methods=methods)])

    async def serve(self, request: Request) -> Response:
        await request.body()
        self.requests.append((request.method, request.url.path))
        good = self.healthy(request.method, request.url.path) if self.healthy else None
        if good is not None:
            return Response(good[1], status_code=good[0], media_type="application/json")
        mode = self.mode
        if mode == "provider_rate_limit":
            assert self.rate_limit_body is not None, "this provider documents no rate-limit reply"
            return Response(self.rate_limit_body, media_type="application/json")
        if mode == "read_timeout":
            await asyncio.sleep(READ_TIMEOUT * 6)
            return Response("{}", media_type="application/json")
        if mode == "slow_body":
            return StreamingResponse(self._trickle(), media_type="application/json")
        if mode.startswith("http_"):
            status = int(mode.removeprefix("http_"))
            headers = {"Retry-After": "0"} if status == 429 else {}
            html = f"<html><body><h1>{status}</h1>upstream trouble</body></html>"
            return Response(html, status_code=status, headers=headers, media_type="text/html")
        if mode == "malformed_json":
            return Response('{"status": "ok", "call', media_type="application/json")
        if mode == "wrong_shape":
            return Response("[1, 2, 3]", media_type="application/json")
        if mode == "wrong_types":
            body = '{"status": 7, "data": [null], "success": "maybe", "message": {"a": []}}'
            return Response(body, media_type="application/json")
        if mode == "truncated_body":
            return Response(
                '{"status": "su', media_type="application/json", headers={"content-length": "400"}
            )
        if mode == "huge_body":
            return StreamingResponse(self._huge(request), media_type="application/json")
        raise AssertionError(f"unknown fault {mode}")

    @staticmethod
    async def _trickle() -> AsyncIterator[bytes]:
        yield b'{"status"'
        await asyncio.sleep(READ_TIMEOUT * 6)
        yield b': "ok"}'

    async def _huge(self, request: Request) -> AsyncIterator[bytes]:
        """Stops when the client hangs up, so `huge_sent` shows how much the client took."""
        chunk = b"[" + b"1," * (32 * 1024)
        while self.huge_sent < FIFTY_MB and not await request.is_disconnected():
            self.huge_sent += len(chunk)
            yield chunk


def _listening_socket(backlog: int = 64) -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(backlog)
    return sock


@contextmanager
def serve(server: FaultServer, *, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Run the fault server on loopback; with `tls` (cert, key) it speaks HTTPS."""
    sock = _listening_socket()
    config = uvicorn.Config(
        server.app(),
        log_level="critical",
        access_log=False,
        lifespan="off",
        ssl_certfile=str(tls[0]) if tls else None,
        ssl_keyfile=str(tls[1]) if tls else None,
    )
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not runner.started:
        assert time.monotonic() < deadline, "fault server did not start"
        time.sleep(0.01)
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        runner.should_exit = True
        thread.join(5)
        sock.close()


def refused_url() -> str:
    """A loopback port nobody listens on: the connection is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@contextmanager
def blackhole() -> Iterator[str]:
    """A port whose accept queue is full, so Linux drops new SYNs: the connect times out."""
    listener = _listening_socket(backlog=0)
    fillers: list[socket.socket] = []
    address = listener.getsockname()
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
        time.sleep(0.05)
        yield f"http://127.0.0.1:{address[1]}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by nobody the client trusts."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fault-server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
