"""openapi-core's Request/Response protocols over httpx objects.

Lets a test validate any exchange (a simulator's replies, an adapter's requests) against a
provider's OpenAPI file, so neither side can drift from the contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


class OpenAPIRequest:
    """openapi-core's Request protocol over an httpx request."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(request.url.query.decode())),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self.request.content or None

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("content-type", "")).lower()


class OpenAPIResponse:
    """openapi-core's Response protocol over an httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def content_type(self) -> str:
        return str(self.response.headers.get("content-type", "")).lower()

    @property
    def headers(self) -> Headers:
        return Headers(dict(self.response.headers))

    @property
    def data(self) -> bytes:
        return self.response.content


def load_spec(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def load_openapi(path: Path, *, server: str = "/") -> OpenAPI:
    """A validator for `path` that accepts any host: the contract names production, tests
    serve the same paths on loopback."""
    spec = load_spec(path)
    spec["servers"] = [{"url": server}]
    return OpenAPI.from_dict(spec)


class RequestValidator:
    """An httpx request event hook: every request an adapter sends is checked against the
    contract before it leaves, and kept for assertions about what went on the wire."""

    def __init__(self, openapi: OpenAPI) -> None:
        self.openapi = openapi
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)
        self.openapi.validate_request(OpenAPIRequest(request))

    def sent(self, method: str, path_prefix: str = "") -> list[httpx.Request]:
        return [
            r for r in self.requests if r.method == method and r.url.path.startswith(path_prefix)
        ]
