"""Blocking work that nobody should wait for when the app quits: daemon threads.

The event loop's executor (qasync's QThread pool in the window, asyncio's thread pool in the
command line) is waited for when the loop closes, and Python waits for it again at exit. That
is right for a history write, and wrong for work whose answer is worthless once the app is
leaving and which can block far longer than anyone would wait for a window to close: a keyring
that never answers (`secret_reads`), or a host-name lookup stuck on an unreachable DNS server
(the resolver's timeout, 5 s per try and server by default). Those run here, on a daemon
thread of their own that neither the loop's close nor the interpreter's exit joins.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["in_daemon_thread", "resolve_names_on_daemon_threads", "run"]

T = TypeVar("T")


def in_daemon_thread(function: Callable[[], T], name: str = "dialer-daemon") -> asyncio.Future[T]:
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

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def resolve_names_on_daemon_threads(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Make `loop` (the running one by default) look host names up on daemon threads.

    Every connection httpx opens asks `loop.getaddrinfo` (anyio, and asyncio's own
    `create_connection`, call it on the running loop), which otherwise runs on the loop's
    executor. One thread per lookup, only when a connection is opened: pooled connections
    to a provider make that rare. The lookup is the same call with the same arguments.
    """
    target = loop or asyncio.get_running_loop()

    async def getaddrinfo(
        host: Any, port: Any, *, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[Any]:
        lookup = functools.partial(socket.getaddrinfo, host, port, family, type, proto, flags)
        return await in_daemon_thread(lookup, "dialer-name-lookup")

    target.getaddrinfo = getaddrinfo  # type: ignore[method-assign]


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` for the command line: Ctrl+C, or an answer, ends the command at once
    even while a name lookup hangs (asyncio.run would wait for its thread, without limit)."""

    async def resolving_on_daemon_threads() -> T:
        resolve_names_on_daemon_threads()
        return await main

    return asyncio.run(resolving_on_daemon_threads())
