"""A DNS server that never answers must not hold a command, or the app, after it is done."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from dialer.services import daemon_threads
from tests.support.stuck_resolver import StuckResolver, request_the_stuck_host


def test_the_command_line_ends_while_a_lookup_hangs(stuck_resolver: StuckResolver) -> None:
    started = time.monotonic()
    outcome = daemon_threads.run(request_the_stuck_host())
    took = time.monotonic() - started
    assert outcome == "connect timeout"
    # asyncio.run would wait here until the resolver gave up (20 s in this test).
    assert took < 3.0
    [thread] = stuck_resolver.threads
    assert thread.daemon and thread.name == "dialer-name-lookup"
    assert thread.is_alive()  # still stuck, and nobody waited for it


def test_the_lookup_itself_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same answer, same arguments: only the thread differs."""
    seen: list[tuple[Any, ...]] = []

    def resolver(*args: Any) -> list[Any]:
        seen.append(args)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", args[1]))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    async def lookup() -> list[Any]:
        import asyncio

        daemon_threads.resolve_names_on_daemon_threads()
        loop = asyncio.get_running_loop()
        return await loop.getaddrinfo("provider.test", 443, type=socket.SOCK_STREAM)

    answer = daemon_threads.run(lookup())
    assert answer == [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
    assert seen == [("provider.test", 443, 0, socket.SOCK_STREAM, 0, 0)]
