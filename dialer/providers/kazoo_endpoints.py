"""Kazoo click-to-call endpoints: list, create, read, update, patch, delete, history.

An endpoint is what a Kazoo account dials from: its `extension` rings first, then the contact.
Every document is checked against Kazoo's `clicktocall` schema before it is sent; a PATCH is
checked after merging it into the stored document, because that merge is what Kazoo validates.
"""

from __future__ import annotations

import builtins
from typing import Any

from dialer.domain import ConfigError, ProviderReplyError
from dialer.providers.kazoo_api import KazooApi, check_schema
from dialer.providers.kazoo_settings import KAZOO_ID


def check_id(c2c_id: str) -> str:
    """Refuse anything but a Kazoo id before it becomes part of a URL path."""
    if not KAZOO_ID.fullmatch(c2c_id):
        raise ConfigError(
            f"{c2c_id!r} is not a Kazoo click-to-call id (32 lower-case hex characters)"
        )
    return c2c_id


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Kazoo's PATCH: objects merge key by key, any other value replaces."""
    out = dict(base)
    for key, value in patch.items():
        old = out.get(key)
        out[key] = merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return out


def _object(body: dict[str, Any], what: str) -> dict[str, Any]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise ProviderReplyError(f"Kazoo's reply to {what} carries no document")
    return data


def _objects(body: dict[str, Any], what: str) -> list[dict[str, Any]]:
    data = body.get("data")
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise ProviderReplyError(f"Kazoo's reply to {what} is not a list of documents")
    return data


class Endpoints:
    def __init__(self, api: KazooApi) -> None:
        self.api = api

    async def list(self) -> list[dict[str, Any]]:
        """Summaries: `id`, `name`, `extension`."""
        what = "listing click-to-call endpoints"
        return _objects(await self.api.request("GET", "/clicktocall", what), what)

    async def get(self, c2c_id: str) -> dict[str, Any]:
        what = f"click-to-call endpoint {check_id(c2c_id)}"
        return _object(await self.api.request("GET", f"/clicktocall/{c2c_id}", what), what)

    async def create(self, doc: dict[str, Any]) -> dict[str, Any]:
        check_schema("clicktocall", doc, "the new click-to-call endpoint")
        what = "creating a click-to-call endpoint"
        body = await self.api.request("PUT", "/clicktocall", what, json={"data": doc})
        return _object(body, what)

    async def update(self, c2c_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Replace the whole document (POST)."""
        check_schema("clicktocall", doc, f"click-to-call endpoint {check_id(c2c_id)}")
        what = f"updating click-to-call endpoint {c2c_id}"
        body = await self.api.request("POST", f"/clicktocall/{c2c_id}", what, json={"data": doc})
        return _object(body, what)

    async def patch(self, c2c_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some fields (PATCH); the merged document must still fit the schema."""
        current = await self.get(c2c_id)
        current.pop("id", None)
        check_schema("clicktocall", merge(current, changes), f"click-to-call endpoint {c2c_id}")
        what = f"changing click-to-call endpoint {c2c_id}"
        body = await self.api.request(
            "PATCH", f"/clicktocall/{c2c_id}", what, json={"data": changes}
        )
        return _object(body, what)

    async def delete(self, c2c_id: str) -> None:
        what = f"deleting click-to-call endpoint {check_id(c2c_id)}"
        await self.api.request("DELETE", f"/clicktocall/{c2c_id}", what)

    async def history(self, c2c_id: str) -> builtins.list[dict[str, Any]]:
        """Attempts: `timestamp`, `contact`, `result`, and `call_id` or `cause`."""
        what = f"the history of click-to-call endpoint {check_id(c2c_id)}"
        return _objects(await self.api.request("GET", f"/clicktocall/{c2c_id}/history", what), what)
