"""`dialer kazoo endpoints ...`: manage a Kazoo account's click-to-call endpoints.

    dialer kazoo endpoints list [--account NAME] [--json]
    dialer kazoo endpoints show ID [--account NAME]
    dialer kazoo endpoints create --name N --extension E [FIELDS] [--use] [--account NAME]
    dialer kazoo endpoints update ID [FIELDS] [--account NAME]       (PATCH: only the fields given)
    dialer kazoo endpoints replace ID --name N --extension E [FIELDS] (POST: the whole document)
    dialer kazoo endpoints delete ID [--account NAME]
    dialer kazoo endpoints history ID [--account NAME] [--json]

FIELDS are `--whitelist REGEX` (repeatable) and `--set KEY=VALUE` with Kazoo's field names;
dotted keys reach into objects (`media.ignore_early_media=true`, `custom_sip_headers.in.X-Foo=1`),
and values are typed by Kazoo's schema, so `timeout=30` is a number and `extension=1001` stays a
string. Endpoint ids are the account's caller IDs: `create --use` adds the new one, `delete`
removes it. Imports stay inside functions: the parser is built for every `dialer` command.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from dialer.domain import ConfigError
from dialer.services import daemon_threads

if TYPE_CHECKING:
    from dialer.providers.kazoo import KazooProvider
    from dialer.settings import Account, Settings

_ACTIONS = ("list", "show", "create", "update", "replace", "delete", "history")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kazoo = sub.add_parser("kazoo", help="manage Kazoo click-to-call endpoints")
    what = kazoo.add_subparsers(dest="kazoo_what", required=True)
    endpoints = what.add_parser("endpoints", help="click-to-call endpoints of a Kazoo account")
    actions = endpoints.add_subparsers(dest="action", required=True)
    for action in _ACTIONS:
        p = actions.add_parser(action)
        p.add_argument("--account", metavar="NAME", help="a Kazoo account (default: the default)")
        p.add_argument("--json", action="store_true")
        if action not in ("list", "create"):
            p.add_argument("id", metavar="ID")
        if action in ("create", "update", "replace"):
            required = action != "update"
            p.add_argument("--name", required=required, help="a friendly name (1-128 chars)")
            p.add_argument("--extension", required=required, help="the extension to ring first")
            p.add_argument("--whitelist", action="append", default=[], metavar="REGEX")
            p.add_argument("--set", action="append", default=[], dest="values", metavar="KEY=VAL")
        if action == "create":
            p.add_argument("--use", action="store_true", help="add it to the account's caller IDs")


def run(ns: argparse.Namespace) -> int:
    return daemon_threads.run(_run(ns))


def _account(conf: Settings, name: str | None) -> Account:
    account = conf.account(name)
    if account.provider != "kazoo":
        raise ConfigError(f"account {account.name!r} is not a Kazoo account (give --account NAME)")
    return account


async def _run(ns: argparse.Namespace) -> int:
    from dialer import http_client
    from dialer import settings as settings_mod
    from dialer.providers.kazoo import KazooProvider
    from dialer.services.calls import build_provider

    conf = settings_mod.load()
    account = _account(conf, ns.account)
    async with http_client.async_client() as client:
        provider = build_provider(account, client)
        assert isinstance(provider, KazooProvider)
        result = await _act(ns, provider)
    if ns.action == "create" and ns.use:
        _remember(conf, account, result["id"], add=True)
    if ns.action == "delete":
        _remember(conf, account, ns.id, add=False)
    _print(ns, result)
    return 0


async def _act(ns: argparse.Namespace, provider: KazooProvider) -> Any:
    endpoints = provider.endpoints
    if ns.action == "list":
        return await endpoints.list()
    if ns.action == "show":
        return await endpoints.get(ns.id)
    if ns.action == "history":
        return await endpoints.history(ns.id)
    if ns.action == "delete":
        await endpoints.delete(ns.id)
        return {"id": ns.id, "deleted": True}
    doc = _document(ns)
    if ns.action == "create":
        return await endpoints.create(doc)
    if ns.action == "replace":
        return await endpoints.update(ns.id, doc)
    if not doc:
        raise ConfigError("nothing to change: give --name, --extension, --whitelist or --set")
    return await endpoints.patch(ns.id, doc)


def _remember(conf: Settings, account: Account, c2c_id: str, *, add: bool) -> None:
    from dialer import settings as settings_mod

    ids = [c for c in account.caller_ids if c != c2c_id] + ([c2c_id] if add else [])
    if ids == account.caller_ids:
        return
    updated = account.model_copy(update={"caller_ids": ids})
    conf.accounts = [updated if a.name == account.name else a for a in conf.accounts]
    settings_mod.save(conf)


# --- documents from arguments ---------------------------------------------------------------


def _schema() -> dict[str, Any]:
    from dialer.providers.kazoo_api import SCHEMA_DIR

    schema: dict[str, Any] = json.loads(
        (SCHEMA_DIR / "clicktocall.json").read_text(encoding="utf-8")
    )
    return schema


def _node(schema: dict[str, Any], path: list[str]) -> dict[str, Any]:
    """The schema of a dotted path; pattern-keyed values (vars, SIP headers) are strings."""
    node = schema
    for key in path:
        props = node.get("properties", {})
        if key in props:
            node = props[key]
        elif "anyOf" in node and key in ("in", "out"):
            node = {"type": "object"}
        else:
            return {"type": "string"}
    return node


def _typed(key: str, raw: str, node: dict[str, Any]) -> Any:
    kind = node.get("type")
    if "oneOf" in node:  # bypass_media: a boolean, or a deprecated string
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ConfigError(f"{key} takes true or false, got {raw!r}")
        return raw == "true"
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{key} takes a whole number, got {raw!r}") from None
    if kind in ("object", "array"):
        try:
            return json.loads(raw)
        except ValueError:
            raise ConfigError(f"{key} takes JSON here (or use dotted keys), got {raw!r}") from None
    return raw


def _document(ns: argparse.Namespace) -> dict[str, Any]:
    schema = _schema()
    doc: dict[str, Any] = {}
    for pair in ns.values:
        key, sep, raw = pair.partition("=")
        path = [p for p in key.strip().split(".") if p]
        if not sep or not path:
            raise ConfigError(f"--set takes KEY=VALUE, got {pair!r}")
        if path[0] not in schema["properties"]:
            known = ", ".join(sorted(schema["properties"]))
            raise ConfigError(f"unknown click-to-call field {path[0]!r}; fields: {known}")
        target = doc
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"{key}: {part} is not an object")
        target[path[-1]] = _typed(key, raw, _node(schema, path))
    if ns.name is not None:
        doc["name"] = ns.name
    if ns.extension is not None:
        doc["extension"] = ns.extension
    if ns.whitelist:
        doc["whitelist"] = list(ns.whitelist)
    return doc


def _print(ns: argparse.Namespace, result: Any) -> None:
    if ns.json:
        print(json.dumps(result, ensure_ascii=False))
    elif ns.action == "list":
        for e in result:
            print(f"{e.get('id')}  {e.get('name')!s:<24} extension {e.get('extension')}")
    elif ns.action == "history":
        for r in result:
            outcome = r.get("call_id") if r.get("result") == "success" else r.get("cause")
            print(f"{r.get('timestamp')}  {r.get('contact')}  {r.get('result')}  {outcome}")
    elif ns.action == "delete":
        print(f"endpoint {ns.id} deleted")
    else:
        print(json.dumps(result, ensure_ascii=False, indent=2))
