"""GUI start-up: paint the window first, then load what it talks to.

An agent launches the dialer from a CRM link and wants the window now, so only Qt and the
widgets are imported before the first paint. Settings (pydantic), httpx, the controller and
history are loaded afterwards, the imports on a worker thread so the painted window stays
responsive; the sandbox process starts only when the first call needs it.

`DIALER_EXIT_AFTER_PAINT=1` makes `run` print `first-paint <time.monotonic()>` and return
right after the first paint: the start-up benchmark measures exactly the path a user gets.
It leaves the window's memory written, as a quit does, so the next start is a returning one.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from dialer.services.history import HistoryStore
    from dialer.ui.main_window import MainWindow
    from dialer.ui.open_events import OpenEventCatcher

log = logging.getLogger("dialer.app")

EXIT_AFTER_PAINT_ENV = "DIALER_EXIT_AFTER_PAINT"
#: A window that has not painted by now (no compositor, minimized) is not waited for longer.
FIRST_PAINT_TIMEOUT_MS = 3000
#: Modules the services need, imported off the GUI thread after the first paint.
_SERVICE_MODULES = (
    "httpx",
    "dialer.http_client",
    "dialer.settings",
    "dialer.numbers",
    "dialer.providers.registry",
    "dialer.services.history",
    "dialer.services.calls",
    # What the first call would otherwise import on the GUI thread (~20 ms) while its card
    # appears: httpcore's async network back end (anyio) and the webhook set-up.
    "httpcore._backends.anyio",
    "anyio._backends._asyncio",
    "dialer.services.callback_setup",
)


def run(number: str | None = None, minimized: bool = False) -> int:
    """Open the window (number pre-filled if given) and run until it is closed."""
    from PySide6.QtWidgets import QApplication

    from dialer.ui import style
    from dialer.ui.application import Application
    from dialer.ui.main_window import MainWindow

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else None
    created = app is None
    if app is None:
        app = Application(sys.argv[:1] + style.STYLE_ARGS)
    app.setApplicationName("dialer")
    app.setApplicationDisplayName("Dialer")
    app.setDesktopFileName("dialer")
    # Where the agent left the window and the theme it showed, read before the first paint.
    from dialer.ui.window_memory import WindowMemory

    memory = WindowMemory(parent=app)
    if memory.theme is None:
        from dialer.ui import theme

        # Nothing remembered (a first start): the OS says (~13 ms, this once) rather than a
        # light desktop seeing a dark first frame. "system" is the settings' default too.
        theme.apply(app, "system", style_chosen=created)
    elif memory.theme == "light":
        from dialer.ui import theme

        theme.apply(app, "light", style_chosen=created)  # the settings may say otherwise later
    else:
        style.apply(app, style_chosen=created)
    # Issue 7: macOS hands clicked tel: links to the running app as open events, possibly
    # before the first paint; they are held until the desktop integration takes them.
    from dialer.ui.open_events import OpenEventCatcher

    links = OpenEventCatcher(app)

    window = MainWindow(number)
    memory.restore(window)
    memory.watch(window)
    if minimized:
        window.showMinimized()
    else:
        window.show()
        _wait_for_first_paint(window)
    painted_at = time.monotonic()
    from dialer.ui import pyside_fix

    # PySide6 6.12 on Python 3.11 would otherwise abort mid-shift. Right after the first paint,
    # not before: the probe loads ctypes (~2 ms), and the few references start-up leaks are
    # nothing next to the thousands True and None hold.
    pyside_fix.install()
    # A logout or shutdown may end the process with the window still shown: its place too
    # (the notes: `MainWindow.save_before_session_end`). After the paint: ~0.07 ms.
    app.commitDataRequest.connect(lambda _manager: memory.remember(window))
    if os.environ.get(EXIT_AFTER_PAINT_ENV) == "1":
        print(f"first-paint {painted_at:.6f}", flush=True)
        memory.remember(window)
        return 0

    import qasync

    # The window's close ends the run (after cleanup), not Qt's last-window rule: the qasync
    # loop must keep running while the HTTP client and history are closed.
    app.setQuitOnLastWindowClosed(False)
    result: int = qasync.run(_serve(window, number, minimized, links))
    return result


def _wait_for_first_paint(window: MainWindow) -> None:
    """Spin Qt until the window has painted; nothing else is imported before that."""
    if window.painted:
        return
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    window.first_painted.connect(loop.quit)
    QTimer.singleShot(FIRST_PAINT_TIMEOUT_MS, loop.quit)
    loop.exec()


class Services:
    """What the window talks to; one of each for the whole process.

    A plain class, not a dataclass: `dataclasses` costs ~2 ms to import before the first paint.
    """

    def __init__(self, client: httpx.AsyncClient, history: HistoryStore) -> None:
        self.client = client
        self.history = history

    async def aclose(self) -> None:
        try:
            await self.client.aclose()
        finally:
            self.history.close()


async def start_services(window: MainWindow) -> Services:
    """Load and create the services, then hand them to the window."""
    import asyncio
    import importlib

    def import_all() -> None:
        for name in _SERVICE_MODULES:
            importlib.import_module(name)
        from dialer.providers import registry

        registry.available()  # imports every provider module (the account list names them)

    await asyncio.to_thread(import_all)

    from dialer import http_client, paths
    from dialer import log as dialer_log
    from dialer import settings as settings_mod
    from dialer.services.calls import CallController
    from dialer.services.history import HistoryStore

    await asyncio.to_thread(dialer_log.setup)
    settings = await asyncio.to_thread(settings_mod.load)
    history = HistoryStore(paths.history_db(), default_region=settings.preferences.default_region)
    from dialer.services.daemon_threads import resolve_names_on_daemon_threads

    resolve_names_on_daemon_threads()  # quitting never waits on a DNS server that is down
    # On a worker thread: creating the client builds its TLS context, which reads the whole
    # CA bundle (~20-40 ms) and would freeze the just-painted window.
    client = await asyncio.to_thread(http_client.async_client)
    window.attach(settings, CallController(settings, history, client))
    return Services(client=client, history=history)


async def warm_up_numbers() -> None:
    """Load phonenumbers' country names (~0.2 s) off the GUI thread before the first keystroke
    needs them for the preview."""
    import asyncio

    from dialer import numbers

    await asyncio.to_thread(lambda: numbers.parse("+14155550123").country)


async def _serve(
    window: MainWindow,
    number: str | None = None,
    minimized: bool = False,
    links: OpenEventCatcher | None = None,
) -> int:
    import asyncio

    from dialer.domain.errors import DialerError
    from dialer.ui import desktop_start

    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    window.closed.connect(on_closed)
    # Issue 7: one dialer per profile; a launch racing this one hands its number over.
    desktop = await desktop_start.claim(window, number, minimized, links)
    if desktop.handed_over:
        return 0
    from dialer.ui import quit_signals

    quit_signals.install(desktop.quit)  # SIGTERM, Ctrl+C, macOS's Quit: as the tray's Quit
    services: Services | None = None
    recovered = None
    callbacks = None
    repair = None
    try:
        services = await start_services(window)
        if window.controller is not None and window.settings is not None:  # issue 9
            from dialer.ui import callback_window  # restarted when the settings dialog saves

            callbacks = await callback_window.attach(window, services.history)
        if window.controller is not None:  # issue 8: crash report, interrupted calls
            from dialer.ui import recovery_start

            recovered = await recovery_start.after_start(
                window, window.controller, services.history, reattach=desktop.server is not None
            )
        if not closed.done():
            await desktop.attach()  # tray, clipboard, links, shortcut, this launch's number
        await warm_up_numbers()
    except DialerError as exc:
        window.services_failed(str(exc))
        from dialer.ui import history_repair

        repair = history_repair.offer(window, exc)  # issue 8: an unreadable history file
    except Exception as exc:  # start-up trouble is shown in the window, never a bare traceback
        log.exception("start-up failed")
        window.services_failed(f"Could not start ({type(exc).__name__}): {exc}")
    await closed
    await desktop.aclose()
    if recovered is not None:
        recovered.close()
    await window.aclose()
    if repair is not None:
        await repair.aclose()
    if callbacks is not None:
        await callbacks.aclose()
    if services is not None:
        await services.aclose()
    return 0
