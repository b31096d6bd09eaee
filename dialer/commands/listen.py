"""`dialer listen`: run the status-push listener in the foreground, for every account that can
have a callback, until Ctrl+C. The same listener the window runs when the preference is on."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Coroutine
from typing import Any


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listen = sub.add_parser("listen", help="receive providers' call status pushes")
    listen.add_argument("--host", help="address to bind (default: the preference, 127.0.0.1)")
    listen.add_argument("--port", type=int, help="port (default: the preference, 8765)")


def run(ns: argparse.Namespace) -> int:
    try:
        return asyncio.run(_serve(ns.host, ns.port))
    except KeyboardInterrupt:
        return 0


async def _serve(host: str | None, port: int | None) -> int:
    from dialer import paths
    from dialer import settings as settings_mod
    from dialer.services import callback_setup
    from dialer.services.callback_events import PushLedger
    from dialer.services.callbacks import CallbackApp, CallbackListener
    from dialer.services.history import HistoryStore

    conf = settings_mod.load()
    prefs = conf.preferences
    prefs = prefs.model_copy(
        update={
            "callback_host": host or prefs.callback_host,
            "callback_port": prefs.callback_port if port is None else port,
        }
    )
    routes = await asyncio.to_thread(callback_setup.routes_for, conf)
    history = HistoryStore(paths.history_db(), default_region=prefs.default_region)
    ledger = PushLedger(paths.data_dir() / "callbacks.sqlite", history)
    listener = CallbackListener(
        CallbackApp(routes, ledger),
        host=prefs.callback_host,
        port=prefs.callback_port,
        extra_ports=callback_setup.extra_ports(conf),
    )
    try:
        await listener.start()
        prefs = prefs.model_copy(update={"callback_port": listener.port})
        ports = ", ".join(str(p) for p in listener.extra_ports)
        extra = f" and port(s) {ports}" if ports else ""
        print(f"listening on {listener.url}{extra}; {len(routes)} account(s):", flush=True)
        for route in routes:  # the user's own terminal: the URL is what they give the provider
            url = callback_setup.url_for(prefs, conf.account(route.account), route)
            where = callback_setup.where_to_give(route.provider)
            print(f"  {route.account} ({route.provider}): {url} ({where})", flush=True)
        await _until_stopped(listener.serve_forever())
    finally:
        await listener.stop()
        ledger.close()
        history.close()
    return 0


async def _until_stopped(serving: Coroutine[Any, Any, None]) -> None:
    """Serve until SIGINT or SIGTERM. Handlers are installed explicitly: a process started in
    the background by a shell inherits SIGINT ignored, and service managers send SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    # Shielded: a stop cancels only the wait; the caller's `listener.stop()` then ends the
    # server cleanly (cancelling it here would cancel uvicorn's task under `stop()`).
    server: asyncio.Future[None] = asyncio.shield(serving)
    stopper: asyncio.Future[bool] = asyncio.ensure_future(stop.wait())
    try:
        waiting: list[asyncio.Future[Any]] = [server, stopper]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not server.done():
            server.cancel()
        await asyncio.gather(server, stopper, return_exceptions=True)
    if not server.cancelled() and (error := server.exception()) is not None:
        raise error  # the listener itself failed: report it, do not call it a clean stop
