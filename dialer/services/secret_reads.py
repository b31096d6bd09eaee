"""Keyring reads for calls: off the event loop, one in flight per account, never endless.

A keyring read is a D-Bus round trip, or an unlock prompt the agent has to answer, so it runs
off the event loop. A Secret Service that never answers (stuck, or its prompt lost behind
another window) used to hold the call at "Calling…" for good; each further click parked one
more blocked read in the thread pool the whole app shares (history reads, the waveform, the
do-not-call list wait there too), and quitting waited for that pool to finish, so the app
could not even be closed. Now an account has at most one read in flight, on a daemon thread
of its own (quitting does not wait for it), a second call waits on that same read, and each
call gives up after `WAIT_S` with a message saying what to do; a read that answers later
still serves the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from dialer.domain import CredentialsUnavailable

__all__ = ["STUCK_ADVICE", "WAIT_S", "SecretReads", "in_daemon_thread", "keyring_call"]

T = TypeVar("T")

#: How long a call waits for the keyring: room for an unlock prompt the agent answers.
WAIT_S = 30.0
STUCK_ADVICE = (
    "If it asks to be unlocked, unlock it and try again; if nothing asks, the keyring service "
    "may be stuck (logging out and back in restarts it)"
)


class SecretReads:
    """Secrets by account name, read with `lookup` (blocking) on threads of their own."""

    def __init__(self, lookup: Callable[[str], str | None]) -> None:
        self._lookup = lookup
        #: Secrets read so far; an entry is dropped by `forget` when the user changes it.
        self.cache: dict[str, str] = {}
        self._pending: dict[str, asyncio.Future[str | None]] = {}

    async def read(self, account: str) -> str | None:
        """The account's secret (None: none stored); CredentialsUnavailable after `WAIT_S`."""
        if account in self.cache:
            return self.cache[account]
        pending = self._pending.get(account)
        if pending is None:
            pending = in_daemon_thread(functools.partial(self._lookup, account))
            self._pending[account] = pending
            pending.add_done_callback(functools.partial(self._done, account))
        # Shielded: a call that gives up leaves the read running for the next one.
        return await _within_wait(
            asyncio.shield(pending), f"hand over the secret of account {account!r}"
        )

    def pending(self, account: str) -> bool:
        """A read of this account's secret is in flight (the keyring has not answered yet)."""
        return account in self._pending

    def forget(self, account: str) -> None:
        """Drop the account's secret, and the answer of a read still in flight."""
        self.cache.pop(account, None)
        self._pending.pop(account, None)

    def _done(self, account: str, future: asyncio.Future[str | None]) -> None:
        failed = future.cancelled() or future.exception() is not None  # retrieved: no warning
        if self._pending.get(account) is not future:
            return  # forgotten while it ran: its answer may be the old secret
        del self._pending[account]
        secret = None if failed else future.result()
        if secret:
            self.cache[account] = secret


def in_daemon_thread(function: Callable[[], T]) -> asyncio.Future[T]:
    """`function()` on a new daemon thread, as a future of the running loop.

    Unlike `asyncio.to_thread`, nothing waits for the thread: not the shared pool's other
    work, not the loop's shutdown. An answer that comes after the loop closed is dropped."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = function(), None
        except BaseException as exc:  # handed to the awaiting call, as to_thread would
            result, error = None, exc
        # RuntimeError: the loop is closed, the app is quitting and nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="dialer-keyring-read", daemon=True).start()
    return future


async def keyring_call(function: Callable[[], T]) -> T:
    """`function` (blocking on the keyring) on its own daemon thread, for at most `WAIT_S`:
    for everything besides a call's own secret (settings, webhook tokens, the listener's
    routes), so that no keyring that stopped answering holds a screen, or the app's exit."""
    return await _within_wait(in_daemon_thread(function), "answer")


async def _within_wait(keyring_work: Awaitable[T], what: str) -> T:
    """`keyring_work`'s result, or CredentialsUnavailable ("the keyring did not <what> …")
    once it took `WAIT_S`."""
    try:
        return await asyncio.wait_for(keyring_work, WAIT_S)
    except TimeoutError:
        raise CredentialsUnavailable(
            f"the keyring did not {what} within {WAIT_S:g} s. {STUCK_ADVICE}"
        ) from None
