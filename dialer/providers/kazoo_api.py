"""Talking to a Kazoo crossbar: tokens, the `{"data": ...}` envelope, errors, schema checks.

Auth. A token comes from `PUT /v2/api_auth` (the secret is the account's 64-character API key)
or `PUT /v2/user_auth` (the secret is the user's password, sent only as md5/sha1 of
"user:password"). Tokens are cached per process, so the place/follow/hang-up instances of one
call authenticate once; on a 401 the token is renewed and the request sent once more. That
retry is safe even for `/connect`: a 401 means Kazoo did not act on the request.

Schemas. Bodies are checked before sending against the JSON Schemas a real Kazoo validates with
(`kazoo_schemas/`, verbatim copies), so a mistake is explained here, not by a 400. The check
needs `jsonschema`; without it the server's own validation still applies. Problems are
described by field and rule, never by value: an API key must not end up in an error message.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx

from dialer import log as dialer_log
from dialer.domain import (
    AuthError,
    ConfigError,
    NotFound,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
)
from dialer.providers import _http
from dialer.providers.kazoo_settings import KazooSettings

SCHEMA_DIR = Path(__file__).with_name("kazoo_schemas")

#: Tokens by (base URL, auth method, identity, secret digest), shared within the process.
_TOKENS: dict[tuple[str, str, str, str], str] = {}


@functools.cache
def _validator(name: str) -> Any:
    """A draft-04 validator for one of Kazoo's schemas, or None without `jsonschema` or the file."""
    try:
        from jsonschema import Draft4Validator  # type: ignore[import-untyped]
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4
    except ImportError:  # pragma: no cover - jsonschema is present wherever tests run
        return None
    raw = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_DIR.glob("*.json")}
    if name not in raw:  # an install without the package data: Kazoo still validates
        return None
    registry: Registry[Any] = Registry().with_resources(
        (key, Resource.from_contents(doc, default_specification=DRAFT4)) for key, doc in raw.items()
    )
    return Draft4Validator(raw[name], registry=registry)


def _rule_text(rule: str, target: Any) -> str:
    if rule == "enum":
        return "must be one of " + ", ".join(map(str, target))
    texts = {
        "type": f"must be of type {target}",
        "minLength": f"must be at least {target} characters",
        "maxLength": f"must be at most {target} characters",
        "pattern": f"must match {target}",
        "additionalProperties": "has a property the schema does not allow",
        "oneOf": "is neither of the allowed forms",
        "anyOf": "matches none of the allowed forms",
    }
    return texts.get(rule, f"breaks the schema's {rule!r} rule")


def schema_problems(name: str, doc: Any) -> list[str]:
    """What breaks Kazoo's `name` schema in `doc`, field by field (values are never shown)."""
    validator = _validator(name)
    if validator is None:
        return []
    problems: list[str] = []
    for error in validator.iter_errors(doc):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            have = error.instance if isinstance(error.instance, dict) else {}
            for missing in (m for m in error.validator_value if m not in have):
                problems.append(f"{'.'.join(filter(None, [path, missing]))}: required")
            continue
        problems.append(
            f"{path or 'the document'}: {_rule_text(error.validator, error.validator_value)}"
        )
    return sorted(problems)


def check_schema(name: str, doc: Any, what: str) -> None:
    problems = schema_problems(name, doc)
    if problems:
        raise ConfigError(
            f"{what} would be refused by Kazoo ({name} schema): {'; '.join(problems)}"
        )


def _details(data: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Kazoo's validation data `{field: {rule: {"message": ...}}}` as "field: message" lines."""
    if not isinstance(data, dict):
        return []
    found: list[str] = []
    message = data.get("message")
    if isinstance(message, str) and len(path) >= 2:
        found.append(f"{'.'.join(path[:-1])}: {message}")
    for key, value in data.items():
        if isinstance(value, dict):
            found.extend(_details(value, (*path, str(key))))
    return found


def describe_error(response: httpx.Response) -> tuple[str, str]:
    """(code, readable text) from Kazoo's error envelope, or from the HTTP status if garbled."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return str(response.status_code), response.reason_phrase or "request refused"
    code = body.get("error")
    code = str(code) if isinstance(code, str | int) and not isinstance(code, bool) else ""
    message = body.get("message")
    text = str(message).strip()[:300] if message else ""
    details = [d for d in _details(body.get("data")) if d.split(": ", 1)[-1] != text]
    if details:
        text = f"{text}: {'; '.join(details)}" if text else "; ".join(details)
    return code or str(response.status_code), text or response.reason_phrase or "request refused"


class KazooApi:
    """One Kazoo account's crossbar, as seen through one account's credentials."""

    def __init__(
        self, base_url: str, options: KazooSettings, secret: str | None, client: httpx.AsyncClient
    ) -> None:
        self.base_url = base_url
        self.options = options
        self.secret = secret
        self.client = client

    @property
    def account_path(self) -> str:
        return f"/v2/accounts/{self.options.account_id}"

    def _who(self) -> str:
        if self.options.auth_method == "user":
            return f"user {self.options.username!r}"
        return "API key"

    def _cache_key(self) -> tuple[str, str, str, str]:
        o = self.options
        identity = "|".join(
            str(v) for v in (o.username, o.account_name, o.account_realm, o.phone_number, o.method)
        )
        digest = hashlib.sha256((self.secret or "").encode()).hexdigest()
        return (self.base_url, o.auth_method, identity, digest)

    def _auth_request(self) -> tuple[str, dict[str, Any]]:
        if not self.secret:
            raise AuthError("", "no Kazoo secret is stored for this account")
        o = self.options
        if o.auth_method == "api_key":
            data: dict[str, Any] = {"api_key": self.secret}
            check_schema("api_auth", data, "the stored API key")
            return "/v2/api_auth", data
        hasher = hashlib.md5 if o.method == "md5" else hashlib.sha1
        data = {
            "credentials": hasher(f"{o.username}:{self.secret}".encode()).hexdigest(),
            "method": o.method,
        }
        for key in ("account_name", "account_realm", "phone_number"):
            if getattr(o, key) is not None:
                data[key] = getattr(o, key)
        check_schema("user_auth", data, "the user credentials")
        return "/v2/user_auth", data

    async def authenticate(self) -> dict[str, Any]:
        """A fresh token (cached); returns the reply's `data` (account_id, owner_id, ...)."""
        path, data = self._auth_request()
        # Signing in dials nothing: whatever fails here (a timeout, a 5xx) is a plain failure,
        # and a 429 a refusal to slow down, never "the call may have been placed".
        response = await _http.send(
            self.client, "PUT", f"{self.base_url}{path}", json={"data": data}, effect="none"
        )
        if response.status_code in (400, 401, 403):
            code, text = describe_error(response)
            raise AuthError(
                code, f"Kazoo refused the {self._who()}: {text}", http_status=response.status_code
            )
        self.raise_for_error(response, "signing in")
        body = self.envelope(response, "signing in")
        token = body.get("auth_token")
        if not isinstance(token, str) or not token:
            raise ProviderReplyError("Kazoo's authentication reply carries no auth_token")
        dialer_log.register_secret(token)
        _TOKENS[self._cache_key()] = token
        reply = body.get("data")
        return reply if isinstance(reply, dict) else {}

    async def _token(self) -> tuple[str, bool]:
        """(token, whether it came from the cache and so may have expired)."""
        cached = _TOKENS.get(self._cache_key())
        if cached is not None:
            return cached, True
        await self.authenticate()
        return _TOKENS[self._cache_key()], False

    async def request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        auth: bool = True,
        places_call: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Send to `{account}{path}`; the success envelope, or a typed error about `what`.

        `places_call` for `/connect`: its reply is read under the shared rule
        (`_http.call_reply`: a 5xx or an unreadable reply is "may have been placed"). A GET
        elsewhere changes nothing, so its failures are plain ones.
        """
        url = f"{self.base_url}{self.account_path}{path}"
        effect: _http.Effect = "call" if places_call else "none" if method == "GET" else "action"
        headers = {"Accept": "application/json"}
        stale = True
        if auth:
            headers["X-Auth-Token"], stale = await self._token()
        response = await _http.send(
            self.client, method, url, headers=headers, effect=effect, **kwargs
        )
        if response.status_code == 401 and stale:
            _TOKENS.pop(self._cache_key(), None)
            await self.authenticate()
            headers["X-Auth-Token"] = _TOKENS[self._cache_key()]
            response = await _http.send(
                self.client, method, url, headers=headers, effect=effect, **kwargs
            )
        if not places_call:
            self.raise_for_error(response, what)
            return self.envelope(response, what)

        def failed(response: httpx.Response) -> OutcomeUnknown:
            code, text = describe_error(response)
            return OutcomeUnknown(f"Kazoo failed ({what}, code {code}): {text}; {_http.MAY_RING}")

        with _http.call_reply(response, "Kazoo", documented=failed):
            self.raise_for_error(response, what)
            return self.envelope(response, what)
        raise AssertionError("unreachable")  # pragma: no cover - the block returns or raises

    def raise_for_error(self, response: httpx.Response, what: str) -> None:
        status = response.status_code
        if response.is_success:
            return
        code, text = describe_error(response)
        if status == 401:
            raise AuthError(code, f"Kazoo refused the {self._who()}: {text}", http_status=status)
        if status == 403:
            raise ProviderRefused(code, f"Kazoo does not permit {what}: {text}", http_status=status)
        if status == 404:
            raise NotFound(code, f"{what}: Kazoo has no such item ({text})", http_status=status)
        if status == 429:
            raise RateLimited(
                code,
                f"Kazoo asks to slow down ({what}): {text}",
                http_status=status,
                retry_after=_retry_after(response),
            )
        if status >= 500:
            raise ProviderRefused(code, f"Kazoo failed ({what}): {text}", http_status=status)
        raise ProviderRefused(code, f"Kazoo refused {what}: {text}", http_status=status)

    @staticmethod
    def envelope(response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            body = json.loads(response.content)
        except ValueError:
            raise ProviderReplyError(
                f"Kazoo sent an unreadable reply to {what} (HTTP {response.status_code}, not JSON)"
            ) from None
        if not isinstance(body, dict) or "data" not in body:
            raise ProviderReplyError(
                f'Kazoo\'s reply to {what} is not its {{"data": ...}} envelope'
            )
        if body.get("status") == "error":
            code, text = describe_error(response)
            raise ProviderRefused(
                code, f"Kazoo refused {what}: {text}", http_status=response.status_code
            )
        return body


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None
