"""The app's HTTP clients: the office's proxy for the providers, never for this machine.

Agents often work behind a proxy, given in the environment (HTTP_PROXY, HTTPS_PROXY,
ALL_PROXY) or, on Windows and macOS, in the system settings, which httpx reads through
urllib: the providers' APIs must be reached through it. The sandbox, the status-push listener
and a PBX's API on the agent's own machine are on loopback, where a proxy has no business;
yet a proxy set without NO_PROXY (common, and Windows' system settings never hand httpx
their bypass list) sent them there too, and the sandbox account, the one that works out of
the box, failed with "the sandbox server did not start". Loopback is always reached
directly, whatever the environment says.

The same offices often inspect TLS: their proxy presents certificates signed by the
company's own root, which IT installs in the OS's trust store, never in certifi's bundle,
httpx's only source: every provider failed with CERTIFICATE_VERIFY_FAILED. The clients trust
what httpx trusts (certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR) and what the OS does:
Windows' root and intermediate stores, the system bundle on Linux. Loaded once, when the
client is made (on a worker thread in the app): `truststore`, which asks the OS at each
handshake, was measured at 20-33 ms per new connection on Linux, on the thread that runs
the event loop. macOS's keychain is not read (Python's `ssl` reads OpenSSL's own paths
there): SSL_CERT_FILE is the way in.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

__all__ = ["LOOPBACK_DIRECT", "async_client", "client", "tls_context"]

#: httpx mounts: None is the client's own transport, i.e. no proxy, for these hosts.
LOOPBACK_DIRECT: dict[str, httpx.AsyncBaseTransport | None] = {
    "all://127.0.0.1": None,
    "all://localhost": None,
    "all://[::1]": None,
}


def tls_context() -> ssl.SSLContext:
    """httpx's own trust (certifi, or the SSL_CERT_* files) and the OS's; ~10 ms more."""
    context = httpx.create_ssl_context()
    context.load_default_certs()
    return context


def async_client(**options: Any) -> httpx.AsyncClient:
    options.setdefault("verify", tls_context())
    return httpx.AsyncClient(mounts=LOOPBACK_DIRECT, **options)


def client(**options: Any) -> httpx.Client:
    options.setdefault("verify", tls_context())
    mounts: dict[str, httpx.BaseTransport | None] = dict.fromkeys(LOOPBACK_DIRECT)
    return httpx.Client(mounts=mounts, **options)
