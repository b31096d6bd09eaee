"""The main window's asynchronous work: placing and following calls, hang-up, adding a
participant, saving notes and choices, reading recent numbers.

Each runs as an asyncio task on the qasync loop, and blocking work (SQLite, the settings file)
goes through `asyncio.to_thread`, so no slot ever waits. Failures end as readable text in the
call's card or the panel, never as a traceback. Writes are chained (each waits for the one
before it) so the last click wins on disk too, and closing the window lets pending writes
finish while it cancels the rest.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    # asyncio is imported where it is used: the window is built (and painted) before any
    # task exists, and the import costs start-up time.
    import asyncio
    from collections.abc import Coroutine

    from dialer.ui.main_window import MainWindow

log = logging.getLogger("dialer.ui")

#: A call still waiting on the keyring this long says so in the status bar: its unlock prompt
#: may be behind another window, and "Calling…" alone would not tell the agent to look.
KEYRING_HINT_S = 1.5


class WindowTasks(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dial_task: asyncio.Task[None] | None = None
        self.save_task: asyncio.Task[None] | None = None
        self._placing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        #: Writes that closing the window waits for instead of cancelling.
        self._writes: set[asyncio.Task[Any]] = set()
        self._notes_tasks: dict[str, asyncio.Task[None]] = {}
        self._recent_task: asyncio.Task[None] | None = None
        self._recent_again = False

    @property
    def placing(self) -> bool:
        """A call request is on its way (the Call button waits); following does not count."""
        return self._placing

    # --- calls ---------------------------------------------------------------------------------

    def dial(
        self,
        number: str,
        account: str,
        caller_id: str | None,
        options: dict[str, object],
    ) -> None:
        self._placing = True
        self.dial_task = self._spawn(self._dial(number, account, caller_id, options))

    async def _dial(
        self,
        number: str,
        account: str,
        caller_id: str | None,
        options: dict[str, object],
    ) -> None:
        import asyncio

        from dialer.domain.errors import DialerError

        window = self.window
        controller = window.controller
        assert controller is not None
        uuid: str | None = None
        placed = False
        try:
            request = controller.prepare(
                number, account=account, caller_id=caller_id, options=options
            )
            uuid = request.uuid
            hint = asyncio.get_running_loop().call_later(
                KEYRING_HINT_S, self._keyring_hint, request.account
            )
            try:
                snapshot = await controller.place(request)
            finally:
                hint.cancel()
            placed = True
            self._placed()
            final = await controller.follow(snapshot)
            if not final.final:
                self._report(uuid, final.message or "Stopped following the call", placed=True)
        except DialerError as exc:
            self._report(uuid, str(exc), placed=placed)
        except Exception as exc:  # a bug must read as a message, not kill the window
            log.exception("placing a call failed")
            self._report(uuid, f"Unexpected error ({type(exc).__name__}): {exc}", placed=placed)
        finally:
            self._placed()
            if self.dial_task is asyncio.current_task():
                self.dial_task = None

    def _keyring_hint(self, account: str) -> None:
        controller = self.window.controller
        if self._placing and controller is not None and controller.waiting_for_secret(account):
            from dialer.services.secret_reads import WAIT_S

            self.window.statusBar().showMessage(
                f"Waiting for the system keyring to hand over the secret of {account!r}: "
                "unlock it if it asks…",
                int(WAIT_S * 1000),
            )

    def _placed(self) -> None:
        if self._placing:
            self._placing = False
            self.window.refresh_call_button()

    def _report(self, uuid: str | None, text: str, *, placed: bool) -> None:
        """Show a failure on its call's card, or in the panel when no card exists yet (the
        number or account was refused before a call was written down)."""
        panel = self.window.call_panel
        card = panel.card(uuid) if uuid is not None else None
        if card is None:
            panel.show_error(text, headline="Call not placed")
        elif card.final:
            if card.message_label.text() != text:
                card.show_error(text, headline=None)  # the final status already says how
        else:
            card.show_error(
                text, headline="Lost track of the call" if placed else "Call not placed"
            )
        self.window.statusBar().showMessage(text, 15000)

    def hangup(self, uuid: str) -> None:
        self._spawn(self._hangup(uuid))

    async def _hangup(self, uuid: str) -> None:
        from dialer.domain.errors import DialerError

        controller = self.window.controller
        card = self.window.call_panel.card(uuid)
        if controller is None:
            return
        try:
            await controller.hangup(uuid)
            self.window.statusBar().showMessage("Hang-up sent", 5000)
        except DialerError as exc:
            text = str(exc)
        except Exception as exc:
            log.exception("hang-up failed")
            text = f"unexpected error ({type(exc).__name__}): {exc}"
        else:
            return
        if card is not None:
            card.hangup_failed(text)
        self.window.statusBar().showMessage(f"Could not hang up: {text}", 10000)

    def ring_time_unavailable(self) -> str | None:
        """Why the ring time of an added participant cannot be chosen, or None.

        `CallController.add_leg` passes a ring time on only if it takes a `ring_time`
        parameter; until then the provider uses the account's own ring time.
        """
        import inspect

        controller = self.window.controller
        if controller is None:
            return None
        if "ring_time" in inspect.signature(controller.add_leg).parameters:
            return None
        return "Added participants ring for the account's ring time (max_ring_time)"

    def add_leg(self, uuid: str, number: str, ring_seconds: int) -> None:
        self._spawn(self._add_leg(uuid, number, ring_seconds))

    async def _add_leg(self, uuid: str, number: str, ring_seconds: int) -> None:
        from dialer.domain.errors import DialerError

        controller = self.window.controller
        if controller is None:
            return
        extra: dict[str, Any] = {}
        if self.ring_time_unavailable() is None:
            extra["ring_time"] = ring_seconds
        error: str | None = None
        try:
            await controller.add_leg(uuid, number, **extra)
        except DialerError as exc:
            error = str(exc)
        except Exception as exc:
            log.exception("adding a participant failed")
            error = f"unexpected error ({type(exc).__name__}): {exc}"
        card = self.window.call_panel.card(uuid)
        if card is not None:
            card.add_leg_done(error)
        self.window.statusBar().showMessage(
            f"Could not add the participant: {error}" if error else f"Ringing {number}…", 8000
        )

    # --- notes, choices, recent numbers ----------------------------------------------------------

    def save_notes(self, uuid: str, notes: str, disposition: str) -> None:
        previous = self._notes_tasks.get(uuid)
        task = self._spawn(self._save_notes(previous, uuid, notes, disposition), write=True)
        self._notes_tasks[uuid] = task
        task.add_done_callback(
            lambda t: (
                self._notes_tasks.pop(uuid, None) if self._notes_tasks.get(uuid) is t else None
            )
        )

    async def _save_notes(
        self, previous: asyncio.Task[None] | None, uuid: str, notes: str, disposition: str
    ) -> None:
        import asyncio

        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        controller = self.window.controller
        if controller is None:
            return

        try:
            await asyncio.to_thread(controller.history.set_notes, uuid, notes, disposition)
        except Exception as exc:
            self._notes_failed(exc)

    def save_pending_notes_now(self) -> None:
        """Notes typed and not yet handed on, written on this thread, not by a task: for when
        no task may run again (the session is ending: `MainWindow.save_before_session_end`)."""
        controller = self.window.controller
        if controller is None:
            return
        for card in self.window.call_panel.cards():
            pending = card.take_pending_notes()
            if pending is None:
                continue
            try:
                controller.history.set_notes(card.uuid, *pending)
            except Exception as exc:  # one call's notes failing must not cost the others theirs
                self._notes_failed(exc)

    def _notes_failed(self, exc: Exception) -> None:
        from dialer.domain.errors import DialerError

        if not isinstance(exc, DialerError | OSError):  # sqlite3 errors: a message, not a crash
            log.exception("saving notes failed")
        self.window.statusBar().showMessage(f"Could not save the notes: {exc}", 10000)

    def remember_caller_id(self, account: str, choice: str) -> None:
        settings = self.window.settings
        if settings is None:
            return
        settings.preferences.last_caller_id[account] = choice
        previous = self.save_task
        self.save_task = self._spawn(self._save_caller_id(previous, account, choice), write=True)

    async def _save_caller_id(
        self, previous: asyncio.Task[None] | None, account: str, choice: str
    ) -> None:
        """Re-read, change one key, write, off the GUI thread and in click order.

        Re-reading keeps accounts that `dialer accounts add` wrote while the window was open.
        """
        import asyncio

        from dialer import settings as settings_mod

        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)

        def write() -> None:
            fresh = settings_mod.load()
            fresh.preferences.last_caller_id[account] = choice
            settings_mod.save(fresh)

        try:
            await asyncio.to_thread(write)
        except (OSError, ValueError) as exc:
            self.window.statusBar().showMessage(
                f"Could not save the caller ID choice: {exc}", 10000
            )

    def label_caller_ids(self, account_name: str) -> None:
        """Ask the provider for names of caller IDs that are ids, not numbers (Kazoo)."""
        self._spawn(self._label_caller_ids(account_name))

    async def _label_caller_ids(self, account_name: str) -> None:
        from dialer import numbers
        from dialer.domain.errors import DialerError

        window = self.window
        controller, settings = window.controller, window.settings
        if controller is None or settings is None or not settings.has_account(account_name):
            return
        account = settings.account(account_name)
        if all(numbers.parse(c).valid for c in account.caller_ids):
            return  # plain numbers label themselves
        try:
            provider = await controller.provider(account)
            labels = await provider.caller_id_labels()
        except DialerError as exc:  # ids stay as they are; say why once
            log.info("caller-ID names unavailable for %s: %s", account_name, exc)
            return
        window.picker.set_caller_id_labels(account_name, labels)

    def refresh_recent(self) -> None:
        """Reload the recent numbers; a request while one runs is served once it is done."""
        if self._recent_task is not None and not self._recent_task.done():
            self._recent_again = True
            return
        self._recent_task = self._spawn(self._load_recent())

    async def _load_recent(self) -> None:
        import asyncio

        from dialer.ui.recent import load_recent

        window = self.window
        while window.controller is not None:
            self._recent_again = False
            try:
                rows = await asyncio.to_thread(load_recent, window.controller.history)
            except Exception as exc:  # history closed or unreadable: say so, keep the window
                log.warning("could not read recent numbers: %s", exc)
                window.statusBar().showMessage(f"Could not read recent numbers: {exc}", 10000)
                return
            if window.recent_list is not None:
                window.recent_list.set_rows(rows)
            if not self._recent_again:
                return

    # --- plumbing ------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None], *, write: bool = False) -> asyncio.Task[None]:
        """Run a coroutine on the loop, keeping a reference so it is not garbage-collected."""
        import asyncio

        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if write:
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)
        return task

    async def aclose(self) -> None:
        """Cancel what follows calls (they go on at the provider); let writes finish."""
        import asyncio

        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            if task not in self._writes:
                task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
