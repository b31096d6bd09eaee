"""The app's start-up steps for living on the desktop, in the order they must happen.

1. `claim` — right after the first paint, before the services: become this profile's single
   instance (so a link clicked while the app starts finds it), or, when another instance
   already is, hand it this launch's number and stop. The forwarding launch normally never
   gets this far (`dialer.cli` forwards before Qt loads); this covers two launches racing.
2. `Session.attach` — once the services are up: tray, clipboard, shortcut, notifications,
   the requests held meanwhile, and the number this launch brought (asked about like any
   number from outside).
3. `Session.quit` — asked to quit from outside the window (SIGTERM, Ctrl+C, the platform's
   quit request such as macOS's Quit: `quit_signals`).
4. `Session.aclose` — when the window really closes.

Kept out of `app.py` so the app's start-up reads as one short list of hooks.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialer.ui.desktop import DesktopIntegration
    from dialer.ui.instance_server import InstanceServer
    from dialer.ui.main_window import MainWindow
    from dialer.ui.open_events import OpenEventCatcher

log = logging.getLogger("dialer.app")


class Session:
    def __init__(
        self,
        window: MainWindow,
        number: str | None,
        minimized: bool,
        server: InstanceServer | None,
        links: OpenEventCatcher | None,
    ) -> None:
        self.window = window
        self.number = number
        self.minimized = minimized
        self.server = server
        self.links = links
        self.handed_over = False
        self.desktop: DesktopIntegration | None = None

    async def attach(self) -> DesktopIntegration | None:
        """After `window.attach`: everything that needs the preferences. A failure here costs
        the tray and the links, never the window: it is reported, not raised."""
        try:
            return await self._attach()
        except Exception as exc:
            log.exception("desktop integration failed")
            self.window.statusBar().showMessage(f"Tray and links unavailable: {exc}", 15000)
            return None

    async def _attach(self) -> DesktopIntegration | None:
        import asyncio
        import importlib

        from dialer import ipc

        settings = self.window.settings
        if settings is None:  # the services failed: no tray, but links still raise the window
            return None
        await asyncio.to_thread(importlib.import_module, "dialer.ui.desktop")
        from dialer.ui.desktop import DesktopIntegration

        desktop = DesktopIntegration(self.window)
        self.desktop = desktop
        desktop.adopt(self.server, self.links)
        desktop.attach(settings)
        settings_applied = getattr(self.window, "settings_applied", None)
        if settings_applied is not None:
            settings_applied.connect(desktop.apply_settings)
        if (self.minimized or settings.preferences.start_minimized) and not self.number:
            desktop.start_hidden()
        if self.number:
            desktop.receive(self.number, ipc.source_of(self.number))
        return desktop

    def quit(self) -> None:
        """Quit as the tray menu's Quit does: the window closes even when the preferences
        would keep the app in the tray, and the app shuts down."""
        if self.desktop is not None:
            self.desktop.quit()
        else:
            self.window.close()

    async def aclose(self) -> None:
        if self.links is not None:
            self.links.close()
        if self.desktop is not None:
            await self.desktop.aclose()
        elif self.server is not None:
            self.server.close()


async def claim(
    window: MainWindow,
    number: str | None,
    minimized: bool,
    links: OpenEventCatcher | None = None,
) -> Session:
    """Listen for later launches, or hand this one over to the instance already running."""
    import asyncio
    import importlib
    import os

    from dialer import ipc

    # QtNetwork costs ~60 ms to load: a worker thread pays it, not the painted window.
    await asyncio.to_thread(importlib.import_module, "dialer.ui.instance_server")
    from dialer.ui.instance_server import InstanceServer, Listening

    def starting() -> dict[str, object]:
        return {"pid": os.getpid(), "ready": False, "number": window.number_input.text()}

    server = InstanceServer(state=starting, parent=window)
    result = await server.start()
    if result is Listening.ANOTHER:
        server.deleteLater()
        session = Session(window, number, minimized, None, links)
        try:
            await asyncio.to_thread(ipc.forward, number, minimized=minimized)
            session.handed_over = True
            window.hide()
            return session
        except ipc.IpcError as exc:
            # It holds the profile but will not take the number: run on, without links.
            log.warning("could not hand over to the running dialer: %s", exc)
            window.statusBar().showMessage(f"Another dialer is running but not answering: {exc}")
            return session
    if result is Listening.FAILED:
        server.deleteLater()
        return Session(window, number, minimized, None, links)
    return Session(window, number, minimized, server, links)
