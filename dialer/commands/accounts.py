"""`dialer accounts`: add, list, remove, test, and choose the default account.

The secret is read from stdin (first line) or a no-echo prompt and goes to the keyring only;
the settings file and every output stay free of it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from dialer import settings as settings_mod
from dialer.domain import ConfigError
from dialer.providers import registry
from dialer.services import daemon_threads


def run(ns: argparse.Namespace) -> int:
    handler = {
        "add": _add,
        "list": _list,
        "remove": _remove,
        "test": _test,
        "default": _default,
    }[ns.action]
    return handler(ns)


def _parse_values(pairs: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set takes KEY=VALUE, got {pair!r}")
        values[key.strip()] = value
    return values


def _read_secret(name: str, required: bool) -> str | None:
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line and required:
            raise ConfigError(
                f"no secret on stdin for account {name!r} (give it on the first line)"
            )
        return line or None
    if not required:
        return None
    secret = getpass.getpass(f"Secret for account {name!r} (not shown): ")
    if not secret:
        raise ConfigError("the secret is empty")
    return secret


def _add(ns: argparse.Namespace) -> int:
    from dialer.providers.base import validate_settings

    cls = registry.get(ns.provider)
    conf = settings_mod.load()
    values = _parse_values(ns.values)
    secret_keys = cls.secret_fields() & set(values)
    if secret_keys:
        raise ConfigError(
            f"{', '.join(sorted(secret_keys))} is a secret: give it on stdin, not with --set"
        )
    validated = validate_settings(cls.settings_model, values)
    # Re-adding an account replaces what the flags say; its calling window (set with `dialer
    # hours` or the editor, no flag here) is kept, unless the provider changed.
    kept: dict[str, Any] = {}
    if conf.has_account(ns.name) and conf.account(ns.name).provider == cls.name:
        kept["calling_hours"] = conf.account(ns.name).calling_hours
    account = _account(
        ns,
        **kept,
        name=ns.name,
        provider=cls.name,
        base_url=ns.base_url,
        agent=ns.agent,
        caller_ids=ns.caller_ids,
        settings=validated.model_dump(mode="json", exclude_unset=True),
        callback_port=getattr(ns, "callback_port", None),
        callback_path=getattr(ns, "callback_path", None),
    )
    account = cls.normalize_account(account, conf.preferences.default_region)
    secret = _read_secret(ns.name, cls.needs_secret)
    if secret is not None:
        from dialer import credentials

        credentials.set_secret(ns.name, secret)
    conf.accounts = [a for a in conf.accounts if a.name != ns.name] + [account]
    if ns.default or conf.default_account is None or not conf.has_account(conf.default_account):
        conf.default_account = ns.name
    settings_mod.save(conf)
    print(f"account {ns.name!r} saved ({cls.title})")
    return 0


def _account(ns: argparse.Namespace, **fields: Any) -> settings_mod.Account:
    """The account from the flags; a bad value (a port out of range) is a plain error."""
    from pydantic import ValidationError

    from dialer.domain import validation

    try:
        return settings_mod.Account(**fields)
    except ValidationError as exc:
        raise ConfigError(f"account {ns.name!r}: {validation.summary(exc)}") from None


def _account_json(conf: settings_mod.Settings, acc: settings_mod.Account) -> dict[str, Any]:
    return {
        "name": acc.name,
        "provider": acc.provider,
        "base_url": acc.base_url,
        "default": acc.name == conf.default_account,
        "agent": acc.agent,
        "caller_ids": list(acc.caller_ids),
        "settings": dict(acc.settings),
        "calling_hours": list(acc.calling_hours) if acc.calling_hours else None,
        **_callback_json(conf, acc),
    }


def _callback_json(conf: settings_mod.Settings, acc: settings_mod.Account) -> dict[str, Any]:
    """The account's listener overrides and where its pushes go (issue 9), never the token;
    nothing for providers that do not push (their rows stay as they were)."""
    from dialer.services import callback_setup

    if acc.provider not in callback_setup.PUSH_PROVIDERS:
        return {}
    return {
        "callback_port": acc.callback_port,
        "callback_path": acc.callback_path,
        "callback": {
            "configured": callback_setup.configured(acc, conf.preferences),
            "port": acc.callback_port or conf.preferences.callback_port,
            "path_prefix": acc.callback_path or settings_mod.DEFAULT_CALLBACK_PATH,
            "where": callback_setup.where_to_give(acc.provider),
        },
    }


def _list(ns: argparse.Namespace) -> int:
    conf = settings_mod.load()
    rows = [_account_json(conf, acc) for acc in conf.accounts]
    if ns.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for row in rows:
        mark = "*" if row["default"] else " "
        ids = ", ".join(row["caller_ids"]) or "-"
        print(f"{mark} {row['name']:<16} {row['provider']:<12} caller IDs: {ids}")
    return 0


def _remove(ns: argparse.Namespace) -> int:
    conf = settings_mod.load()
    acc = conf.account(ns.name) if conf.has_account(ns.name) else None
    if acc is None:
        raise ConfigError(f"no account named {ns.name!r}")
    conf.accounts = [a for a in conf.accounts if a.name != ns.name]
    if conf.default_account == ns.name:
        conf.default_account = conf.accounts[0].name if conf.accounts else None
    settings_mod.save(conf)
    if registry.get(acc.provider).needs_secret:
        from dialer import credentials

        credentials.delete_account_secrets(ns.name)
    print(f"account {ns.name!r} removed")
    return 0


def _default(ns: argparse.Namespace) -> int:
    conf = settings_mod.load()
    if not conf.has_account(ns.name):
        raise ConfigError(f"no account named {ns.name!r}")
    conf.default_account = ns.name
    settings_mod.save(conf)
    print(f"default account: {ns.name}")
    return 0


def _test(ns: argparse.Namespace) -> int:
    return daemon_threads.run(_test_async(ns.name))


async def _test_async(name: str) -> int:
    from dialer import http_client
    from dialer.services.calls import build_provider

    conf = settings_mod.load()
    if not conf.has_account(name):
        raise ConfigError(f"no account named {name!r}")
    async with http_client.async_client() as client:
        summary = await build_provider(conf.account(name), client).test_connection()
        print(f"{name}: {summary}")
        await _test_callback(client, conf, conf.account(name))
    return 0


async def _test_callback(
    client: Any, conf: settings_mod.Settings, account: settings_mod.Account
) -> None:
    """Is the listener up on this account's port, and the URL to give the provider (the
    user's own terminal: the URL holds the path token, which is theirs to paste)."""
    from dialer.services import callback_setup

    if account.provider not in callback_setup.PUSH_PROVIDERS:
        return
    prefs = conf.preferences
    print(f"{account.name}: {await callback_setup.probe(client, prefs, account)}")
    if not callback_setup.configured(account, prefs):
        return
    route = await asyncio.to_thread(callback_setup.route_for, account)
    if route is None:
        print(f"{account.name}: callback URL: none (set webhook_api_key and its api_value)")
        return
    url = callback_setup.url_for(prefs, account, route)
    print(f"{account.name}: callback URL: {url} ({callback_setup.where_to_give(account.provider)})")
