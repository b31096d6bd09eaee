"""Sending one HTTP request and turning transport failures into the domain's errors.

The split matters for never dialing twice: a failure before the request left (connect refused,
connect timeout) is a plain NetworkError; anything after it may have reached the provider, so it
becomes OutcomeUnknown and is never retried blindly.
"""

from __future__ import annotations

from typing import Any

import httpx

from dialer.domain import NetworkError, OutcomeUnknown

#: Connect fast, but give a provider time to answer a call request.
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


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
        return await client.request(method, url, timeout=timeout or DEFAULT_TIMEOUT, **kwargs)
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


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__
