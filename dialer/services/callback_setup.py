"""From settings to listener: which accounts get a callback path, and what to tell providers.

Separate from the listener so `dialer accounts test` can print an account's callback URL and
probe the listener without importing Starlette. Keyring reads happen here: call the blocking
functions from a worker thread in the window (`attach` does so itself).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from dialer.services.callback_events import PUSH_PROVIDERS
from dialer.settings import DEFAULT_CALLBACK_PATH

if TYPE_CHECKING:
    import httpx

    from dialer.providers.alohaa_wire import WebhookTarget
    from dialer.providers.base import Provider
    from dialer.services.callbacks import CallbackRoute
    from dialer.settings import Account, Preferences, Settings

__all__ = [
    "ALOHAA_HEADER",
    "PUSH_PROVIDERS",
    "attach",
    "base_url",
    "configured",
    "extra_ports",
    "local_url",
    "probe",
    "route_for",
    "routes_for",
    "url_for",
    "wanted",
    "where_to_give",
]

log = logging.getLogger("dialer.callbacks")

#: The header name (`webhook_details.api_key`) the app asks Alohaa to send its pushes with; the
#: value (`api_value`) is the account's 128-bit callback token from the keyring.
ALOHAA_HEADER = "x-dialer-callback-key"

#: Where each push provider takes the callback URL from, for the settings dialog and the CLI.
_WHERE = {
    "alohaa": "sent with every call in webhook_details (nothing to paste)",
    "acefone": "paste it as the webhook URL in Acefone's dashboard",
    "sarv": "paste it as the push-report URL in Sarv's (DeepCall) panel",
    "clouddialer": "give it as the status callback URL at onboarding (it is not sent per call)",
}


def where_to_give(provider: str) -> str:
    return _WHERE.get(provider, "this provider does not push call outcomes")


def base_url(prefs: Preferences, account: Account | None = None) -> str:
    """Where providers reach the listener: the public URL when set, else host:port.

    An account with its own port is reached on that port directly: the public URL (a
    tunnel's) stands for the shared port only.
    """
    from dialer.services.callbacks import _url_host

    if account is not None and account.callback_port is not None:
        return f"http://{_url_host(prefs.callback_host)}:{account.callback_port}"
    if prefs.callback_public_url.strip():
        return prefs.callback_public_url.strip().rstrip("/")
    return f"http://{_url_host(prefs.callback_host)}:{prefs.callback_port}"


def local_url(prefs: Preferences, port: int | None = None) -> str:
    """Where this machine reaches its own listener (a wildcard bind is probed on loopback)."""
    from dialer.services.callbacks import _url_host

    host = prefs.callback_host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{_url_host(host)}:{port or prefs.callback_port}"


def configured(account: Account, prefs: Preferences) -> bool:
    """Does this account get pushes: the listener preference is on, or the account has its
    own callback port or path (which is the user asking for it)."""
    if account.provider not in PUSH_PROVIDERS:
        return False
    own = account.callback_port is not None or account.callback_path is not None
    return prefs.callback_listener or own


def _alohaa_override(account: Account) -> bool:
    """The user set webhook_details themselves: their URL and header pair win."""
    options = account.settings
    return bool(options.get("send_webhook_details") and options.get("webhook_url"))


def route_for(account: Account) -> CallbackRoute | None:
    """The account's way in, or None when it cannot be authenticated. Blocking (keyring).

    Alohaa is authenticated by the api_key/api_value pair the app sends in `webhook_details`:
    the app's own (ALOHAA_HEADER and the account's token), or the user's when they set
    webhook_url, webhook_api_key and the api_value themselves. The others get a path token.
    """
    from dialer.services.callbacks import CallbackRoute, callback_token

    if account.provider not in PUSH_PROVIDERS:
        return None
    prefix, port = account.callback_path or DEFAULT_CALLBACK_PATH, account.callback_port
    if account.provider == "alohaa":
        if not _alohaa_override(account):
            header = (ALOHAA_HEADER, callback_token(account.name))
            return CallbackRoute(
                account.name, account.provider, header=header, prefix=prefix, port=port
            )
        from dialer import credentials
        from dialer.providers.alohaa_wire import credentials as alohaa_credentials

        name = account.settings.get("webhook_api_key")
        if not isinstance(name, str) or not name:
            return None
        _, value = alohaa_credentials(credentials.get_secret(account.name))
        if not value:
            return None
        return CallbackRoute(
            account.name, account.provider, header=(name, value), prefix=prefix, port=port
        )
    token = callback_token(account.name)
    return CallbackRoute(account.name, account.provider, token=token, prefix=prefix, port=port)


def routes_for(settings: Settings, *, only_configured: bool = False) -> list[CallbackRoute]:
    """Every account that can be given a callback (with `only_configured`, those `configured`
    for it: the window's listener). Blocking (keyring)."""
    routes: list[CallbackRoute] = []
    for account in settings.accounts:
        if only_configured and not configured(account, settings.preferences):
            continue
        try:
            route = route_for(account)
        except Exception as exc:  # one broken account must not keep the others deaf
            log.warning("no callback for account %r: %s", account.name, exc)
            continue
        if route is not None:
            routes.append(route)
    return routes


def wanted(settings: Settings) -> bool:
    """Should the window run the listener: the preference is on, or an account asks for it."""
    return any(configured(a, settings.preferences) for a in settings.accounts) or (
        settings.preferences.callback_listener
    )


def extra_ports(settings: Settings) -> tuple[int, ...]:
    """The accounts' own ports, each once (the listener opens one socket per port)."""
    ports = [a.callback_port for a in settings.accounts if a.provider in PUSH_PROVIDERS]
    shared = settings.preferences.callback_port
    return tuple(dict.fromkeys(p for p in ports if p is not None and p != shared))


def url_for(prefs: Preferences, account: Account, route: CallbackRoute) -> str:
    """The account's full callback URL. It holds the secret path token: show it to the user
    who asks for it, never log it."""
    return base_url(prefs, account) + route.path()


def webhook_target(account: Account, prefs: Preferences) -> WebhookTarget | None:
    """What an Alohaa call sends as `webhook_details` when the listener is configured and the
    user set no webhook of their own. Blocking (keyring)."""
    from dialer.providers.alohaa_wire import WebhookTarget

    if account.provider != "alohaa" or not configured(account, prefs):
        return None
    if _alohaa_override(account):
        return None
    route = route_for(account)
    if route is None or route.header is None:
        return None
    name, value = route.header
    return WebhookTarget(url=url_for(prefs, account, route), api_key=name, api_value=value)


async def attach(provider: Provider, settings: Settings) -> None:
    """Give a freshly built provider the app's callback, if it sends one per call (Alohaa).

    The keyring read runs on a thread of its own, waited for a bounded time (`secret_reads`):
    a keyring that stopped answering must neither freeze the window nor hold the call.
    """
    from dialer.providers.alohaa import AlohaaProvider

    if not isinstance(provider, AlohaaProvider):
        return
    account = provider.account
    if not configured(account, settings.preferences) or _alohaa_override(account):
        return
    from dialer.services.secret_reads import keyring_call

    try:
        provider.webhook_target = await keyring_call(
            functools.partial(webhook_target, account, settings.preferences)
        )
    except Exception as exc:  # no keyring: the call still goes, without the webhook
        log.warning("no callback for account %r: %s", account.name, exc)


async def probe(
    client: httpx.AsyncClient, prefs: Preferences, account: Account | None = None
) -> str:
    """A line for `dialer accounts test`: is the listener up (on the account's port)?"""
    import httpx

    if account is not None and account.provider not in PUSH_PROVIDERS:
        return f"callback listener: {where_to_give(account.provider)}"
    if not (prefs.callback_listener if account is None else configured(account, prefs)):
        return "callback listener: off (turn it on in the preferences or run `dialer listen`)"
    port = account.callback_port if account is not None else None
    url = f"{local_url(prefs, port)}/health"
    try:
        reply = await client.get(url, timeout=3.0)
    except httpx.HTTPError as exc:
        return f"callback listener: NOT reachable at {url} ({type(exc).__name__})"
    if reply.status_code != 200:
        return f"callback listener: {url} answered HTTP {reply.status_code}"
    public = base_url(prefs, account)
    return f"callback listener: up at {local_url(prefs, port)} (providers use {public})"
