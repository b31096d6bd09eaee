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
import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from dialer.domain import CredentialsUnavailable
from dialer.services.daemon_threads import in_daemon_thread

__all__ = ["STUCK_ADVICE", "WAIT_S", "SecretReads", "keyring_call"]

T = TypeVar("T")

_THREAD = "dialer-keyring-read"

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
            pending = in_daemon_thread(functools.partial(self._lookup, account), _THREAD)
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


async def keyring_call(function: Callable[[], T]) -> T:
    """`function` (blocking on the keyring) on its own daemon thread, for at most `WAIT_S`:
    for everything besides a call's own secret (settings, webhook tokens, the listener's
    routes), so that no keyring that stopped answering holds a screen, or the app's exit."""
    return await _within_wait(in_daemon_thread(function, _THREAD), "answer")


async def _within_wait(keyring_work: Awaitable[T], what: str) -> T:
    """`keyring_work`'s result, or CredentialsUnavailable ("the keyring did not <what> …")
    once it took `WAIT_S`."""
    try:
        return await asyncio.wait_for(keyring_work, WAIT_S)
    except TimeoutError:
        raise CredentialsUnavailable(
            f"the keyring did not {what} within {WAIT_S:g} s. {STUCK_ADVICE}"
        ) from None
