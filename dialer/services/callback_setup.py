"""From settings to listener: which accounts get a callback path, and what to tell providers.

Separate from the listener so `dialer accounts test` can print an account's callback URL and
probe the listener without importing Starlette. Keyring reads happen here: call the blocking
functions from a worker thread in the window.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dialer.services.callback_events import PUSH_PROVIDERS

if TYPE_CHECKING:
    import httpx

    from dialer.services.callbacks import CallbackRoute
    from dialer.settings import Account, Preferences, Settings

__all__ = ["PUSH_PROVIDERS", "base_url", "local_url", "probe", "route_for", "routes_for"]

log = logging.getLogger("dialer.callbacks")


def base_url(prefs: Preferences) -> str:
    """Where providers reach the listener: the public URL when set, else host:port."""
    if prefs.callback_public_url.strip():
        return prefs.callback_public_url.strip().rstrip("/")
    return f"http://{prefs.callback_host}:{prefs.callback_port}"


def local_url(prefs: Preferences) -> str:
    """Where this machine reaches its own listener (a wildcard bind is probed on loopback)."""
    host = prefs.callback_host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{prefs.callback_port}"


def route_for(account: Account) -> CallbackRoute | None:
    """The account's way in, or None when it cannot be authenticated. Blocking (keyring).

    Alohaa is authenticated by the api_key/api_value pair the app sends in `webhook_details`,
    so an Alohaa account needs send_webhook_details with both set; the others get a path token.
    """
    from dialer.services.callbacks import CallbackRoute, callback_token

    if account.provider not in PUSH_PROVIDERS:
        return None
    if account.provider == "alohaa":
        from dialer import credentials
        from dialer.providers.alohaa_wire import credentials as alohaa_credentials

        options = account.settings
        name = options.get("webhook_api_key")
        if not options.get("send_webhook_details") or not isinstance(name, str) or not name:
            return None
        _, value = alohaa_credentials(credentials.get_secret(account.name))
        if not value:
            return None
        return CallbackRoute(account.name, account.provider, header=(name, value))
    return CallbackRoute(account.name, account.provider, token=callback_token(account.name))


def routes_for(settings: Settings) -> list[CallbackRoute]:
    """Every account that can be given a callback. Blocking (keyring)."""
    routes: list[CallbackRoute] = []
    for account in settings.accounts:
        try:
            route = route_for(account)
        except Exception as exc:  # one broken account must not keep the others deaf
            log.warning("no callback for account %r: %s", account.name, exc)
            continue
        if route is not None:
            routes.append(route)
    return routes


async def probe(client: httpx.AsyncClient, prefs: Preferences) -> str:
    """A line for `dialer accounts test`: is the listener up?"""
    import httpx

    if not prefs.callback_listener:
        return "callback listener: off (turn it on in the preferences or run `dialer listen`)"
    url = f"{local_url(prefs)}/health"
    try:
        reply = await client.get(url, timeout=3.0)
    except httpx.HTTPError as exc:
        return f"callback listener: NOT reachable at {url} ({type(exc).__name__})"
    if reply.status_code != 200:
        return f"callback listener: {url} answered HTTP {reply.status_code}"
    return f"callback listener: up at {local_url(prefs)} (providers use {base_url(prefs)})"
