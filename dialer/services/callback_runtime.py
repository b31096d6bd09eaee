"""The listener's life inside the window: started after the services when the preference is on
(or an account has its own callback port or path), restarted when the settings dialog saves,
stopped before the services close. A port already taken must not stop the dialer from dialing,
so a failed start is logged and the app goes on polling as before."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.services.callback_events import PushLedger
    from dialer.services.callbacks import CallbackListener
    from dialer.services.history import HistoryStore
    from dialer.settings import Settings

log = logging.getLogger("dialer.callbacks")


class RunningListener:
    def __init__(self, listener: CallbackListener, ledger: PushLedger) -> None:
        self.listener = listener
        self.ledger = ledger

    async def aclose(self) -> None:
        try:
            await self.listener.stop()
        finally:
            self.ledger.close()


async def start(
    settings: Settings,
    history: HistoryStore,
    on_snapshot: Callable[[CallSnapshot], None],
) -> RunningListener | None:
    """The running listener, or None when it is off or could not start."""
    from dialer.services import callback_setup

    if not callback_setup.wanted(settings):
        return None
    from dialer import paths
    from dialer.domain import CredentialsUnavailable
    from dialer.services.callback_events import PushLedger
    from dialer.services.callbacks import CallbackApp, CallbackListener
    from dialer.services.secret_reads import keyring_call

    prefs = settings.preferences
    try:
        routes = await keyring_call(
            functools.partial(callback_setup.routes_for, settings, only_configured=True)
        )
    except CredentialsUnavailable as exc:  # the keyring stopped answering: no tokens, no routes
        log.warning("callback listener not started: %s", exc)
        return None
    ledger = await asyncio.to_thread(PushLedger, paths.data_dir() / "callbacks.sqlite", history)
    listener = CallbackListener(
        CallbackApp(routes, ledger, on_snapshot=on_snapshot),
        host=prefs.callback_host,
        port=prefs.callback_port,
        extra_ports=callback_setup.extra_ports(settings),
    )
    try:
        await listener.start()
    except (OSError, TimeoutError, SystemExit) as exc:  # uvicorn exits on a taken port
        log.warning("callback listener not started on %s: %s", listener.url, exc)
        await listener.stop()
        ledger.close()
        return None
    return RunningListener(listener, ledger)


class ListenerHolder:
    """The window's one listener, restarted with the new settings after the dialog saves.

    Restarts are serialised: a second save while one restart runs waits for it, so two
    listeners never race for the same port.
    """

    def __init__(self, history: HistoryStore, on_snapshot: Callable[[CallSnapshot], None]) -> None:
        self.history = history
        self.on_snapshot = on_snapshot
        self.running: RunningListener | None = None
        #: How many `apply` calls have finished (the old listener closed, the new one up).
        self.applied = 0
        self._lock = asyncio.Lock()

    async def apply(self, settings: Settings) -> RunningListener | None:
        async with self._lock:
            try:
                if self.running is not None:
                    await self.running.aclose()
                    self.running = None
                self.running = await start(settings, self.history, self.on_snapshot)
            finally:
                self.applied += 1
            return self.running

    async def aclose(self) -> None:
        async with self._lock:
            if self.running is not None:
                running, self.running = self.running, None
                await running.aclose()
