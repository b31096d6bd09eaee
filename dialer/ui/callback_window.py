"""The window's status-push listener: started with the services, restarted whenever the settings
dialog saves (the window's `settings_applied`), so a new port, address or account takes effect
without restarting the app."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from dialer.services.callback_runtime import ListenerHolder

if TYPE_CHECKING:
    from dialer.services.history import HistoryStore
    from dialer.ui.main_window import MainWindow


async def attach(window: MainWindow, history: HistoryStore) -> ListenerHolder:
    """The listener as the window's settings say (none while they do not ask for one)."""
    assert window.controller is not None and window.settings is not None
    holder = ListenerHolder(history, window.controller.report)
    await holder.apply(window.settings)
    tasks: set[asyncio.Task[Any]] = set()

    def restart(settings: object) -> None:
        from dialer.settings import Settings

        if isinstance(settings, Settings):
            task = asyncio.ensure_future(holder.apply(settings))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    window.settings_applied.connect(restart)
    return holder
