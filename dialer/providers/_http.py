"""Sending one HTTP request and turning transport failures into the domain's errors.

The split matters for never dialing twice: a failure before the request left (connect refused,
connect timeout) is a plain NetworkError; anything after it may have reached the provider, so it
becomes OutcomeUnknown and is never retried blindly. A request that cannot change anything at
the provider (signing in, reading) is the exception: whatever happened to it, nothing was
dialed, so its failures stay plain ones.

`call_reply` is the one rule every adapter applies to the reply of the request that places a
call: a 5xx or a 2xx nobody can read means the provider may have acted, so the call may ring;
it is reported as OutcomeUnknown ("check before redialing") and never retried. A 429, or a
refusal the adapter reads in the provider's own words, stays a refusal: nothing was placed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import httpx

from dialer.domain import (
    DialerError,
    NetworkError,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
)
from dialer.domain.errors import UnreadableCallReply

#: What a request can do at the provider: place a call ("call"), change something else
#: ("action", e.g. a hangup; the default), or nothing at all ("none": sign-in, reads).
Effect = Literal["call", "action", "none"]

#: Said of every call request whose outcome nobody knows.
MAY_RING = "the call may have been placed"

#: Connect fast, but give a provider time to answer a call request.
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)

#: No API reply the app reads comes near this; a broken or hostile server sending more must not
#: fill memory, so the body is read in chunks and given up on past it.
MAX_REPLY_BYTES = 8 * 1024 * 1024


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except (httpx.InvalidURL, TypeError):
        return "the provider"


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    timeout: httpx.Timeout | float | None = None,
    effect: Effect = "action",
    **kwargs: Any,
) -> httpx.Response:
    """Send and read the reply (capped); transport failures become typed errors.

    `effect="none"` for a request that cannot change anything: a failure after sending is then
    a plain NetworkError, since no call can have come of it. `effect="call"`: a 2xx or 5xx
    reply too large to read is as uncertain as no reply (UnreadableCallReply).
    """
    unknown: type[NetworkError] = NetworkError if effect == "none" else OutcomeUnknown
    try:
        async with client.stream(
            method, url, timeout=timeout or DEFAULT_TIMEOUT, **kwargs
        ) as response:
            try:
                await _read_capped(response, url)
            except ProviderReplyError as exc:
                if effect == "call" and (response.is_success or response.status_code >= 500):
                    raise UnreadableCallReply(f"{exc}; {MAY_RING}") from None
                raise
        return response
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        raise NetworkError(f"could not reach {_host(url)}: {_describe(exc)}") from None
    except httpx.ProxyError as exc:  # the proxy refused the tunnel: nothing reached the provider
        raise NetworkError(_proxy_refusal(url, exc)) from None
    except httpx.TimeoutException:
        if unknown is NetworkError:
            raise NetworkError(f"no answer from {_host(url)} in time") from None
        raise OutcomeUnknown(
            f"no answer from {_host(url)} in time; the request may have been received"
        ) from None
    except httpx.HTTPError as exc:
        raise unknown(
            f"the connection to {_host(url)} failed mid-request ({_describe(exc)})"
        ) from None


@contextmanager
def call_reply(
    response: httpx.Response,
    who: str,
    *,
    documented: Callable[[httpx.Response], DialerError | None] | None = None,
) -> Iterator[None]:
    """Read the reply to a call-placing request inside this block, under the shared rule.

    * 5xx: OutcomeUnknown, before the body is read: a server that failed may have dialed
      first. Unless `documented` recognises, in the provider's own documented error body, a
      statement that nothing was placed (the Click-to-Call API's 502 "could not queue"); its
      error is raised instead.
    * 2xx whose body the adapter cannot read (a ProviderReplyError in the block, e.g. garbage,
      a wrong shape, no call id): UnreadableCallReply, which is an OutcomeUnknown.
    * Everything else the block raises passes through: a refusal in the provider's words, a
      429 or a rate-limit code (nothing was placed), a 4xx the adapter could not read.
    """
    status = response.status_code
    if status >= 500:
        known = documented(response) if documented is not None else None
        if known is not None:
            raise known
        raise OutcomeUnknown(
            f"{who} failed while handling the call request (HTTP {status}); {MAY_RING}"
        )
    try:
        yield
    except OutcomeUnknown:
        raise
    except ProviderRefused:
        raise
    except ProviderReplyError as exc:
        if not response.is_success:
            raise
        raise UnreadableCallReply(f"{exc}; {MAY_RING}") from None


def unreadable_acceptance(who: str, missing: str) -> UnreadableCallReply:
    """A call request the provider accepted without saying which call it is."""
    return UnreadableCallReply(
        f"{who} accepted the call but sent no {missing} we can read; {MAY_RING}"
    )


async def _read_capped(response: httpx.Response, url: str) -> None:
    """Read the body like `aread`, but stop at MAX_REPLY_BYTES (a Content-Length can lie)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REPLY_BYTES:
        raise _too_large(response, url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise _too_large(response, url)
        chunks.append(chunk)
    response._content = b"".join(chunks)


def _too_large(response: httpx.Response, url: str) -> ProviderReplyError:
    limit = MAX_REPLY_BYTES // (1024 * 1024)
    return ProviderReplyError(
        f"{_host(url)} sent a reply larger than {limit} MB (HTTP {response.status_code}); "
        "it was not read"
    )


def _describe(exc: Exception) -> str:
    refused = _certificate_refusal(exc)
    if refused is not None:
        return refused
    text = str(exc).strip()
    if text:
        return text
    if isinstance(exc, httpx.ConnectTimeout):  # httpcore says nothing more: a DNS server or a
        limit = _connect_limit(exc)  # host that never answers, or a network that drops it
        within = f" within {limit:g} s" if limit else " in time"
        return f"no connection{within} (the host name or the network did not answer)"
    return type(exc).__name__


def _proxy_refusal(url: str, exc: httpx.ProxyError) -> str:
    words = f"the proxy would not connect to {_host(url)} ({_describe(exc)})"
    if str(exc).startswith("407"):
        return (
            f"{words}: it wants a sign-in; give it in the proxy's address "
            "(HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT)"
        )
    return words


#: OpenSSL's verify codes with a cause the agent or their IT can act on.
_CLOCK_CODES = frozenset({9, 10})  # not yet valid, expired
_ISSUER_CODES = frozenset({18, 19, 20, 21})  # self-signed, or an issuer this machine lacks


def _certificate_refusal(exc: BaseException) -> str | None:
    """OpenSSL's words, e.g. "unable to get local issuer certificate", say nothing of the usual
    cause: an office proxy that inspects HTTPS with its company's own root."""
    import ssl

    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ssl.SSLCertVerificationError):
        seen = seen.__cause__ or seen.__context__
    if seen is None:
        return None
    words = f"its certificate was refused ({seen.verify_message or seen.reason})"
    if seen.verify_code in _ISSUER_CODES:
        return (
            f"{words}: behind a proxy that inspects HTTPS, the company's root certificate "
            "must be in this computer's certificate store (or in a file named by SSL_CERT_FILE)"
        )
    if seen.verify_code in _CLOCK_CODES:
        return f"{words}: check this computer's date and time"
    return words


def _connect_limit(exc: httpx.RequestError) -> float | None:
    try:
        limits = exc.request.extensions.get("timeout", {})
    except RuntimeError:  # raised without its request
        return None
    limit = limits.get("connect") if isinstance(limits, dict) else None
    return float(limit) if isinstance(limit, int | float) else None
