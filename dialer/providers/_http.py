"""Sending one HTTP request and turning transport failures into the domain's errors.

The split matters for never dialing twice: a failure before the request left (connect refused,
connect timeout) is a plain NetworkError; anything after it may have reached the provider, so it
becomes OutcomeUnknown and is never retried blindly.
"""

from __future__ import annotations

from typing import Any

import httpx

from dialer.domain import NetworkError, OutcomeUnknown, ProviderReplyError

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
    **kwargs: Any,
) -> httpx.Response:
    try:
        async with client.stream(
            method, url, timeout=timeout or DEFAULT_TIMEOUT, **kwargs
        ) as response:
            await _read_capped(response, url)
        return response
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        raise NetworkError(f"could not reach {_host(url)}: {_describe(exc)}") from None
    except httpx.TimeoutException:
        raise OutcomeUnknown(
            f"no answer from {_host(url)} in time; the request may have been received"
        ) from None
    except httpx.HTTPError as exc:
        raise OutcomeUnknown(
            f"the connection to {_host(url)} failed mid-request ({_describe(exc)})"
        ) from None


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
    text = str(exc).strip()
    return text or type(exc).__name__
