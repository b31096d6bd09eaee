"""A DNS server that never answers: the window's lookups run where quitting does not wait
for them, and a call says plainly that it never left."""

from __future__ import annotations

import httpx
import pytest

from dialer.domain import NetworkError, OutcomeUnknown
from dialer.providers import _http
from dialer.services import daemon_threads
from tests.gui.conftest import Gui, run_until_done
from tests.support.stuck_resolver import HOST, StuckResolver, request_the_stuck_host


def test_the_window_s_lookups_run_on_daemon_threads(
    gui: Gui, stuck_resolver: StuckResolver
) -> None:
    """On qasync's own pool, a stuck lookup would hold the loop's close (QThread.wait) and the
    process's exit until the resolver gave up, after the agent closed the window."""
    outcome = run_until_done(gui.qtbot, request_the_stuck_host(gui.services.client))
    assert outcome == "connect timeout"
    [thread] = stuck_resolver.threads
    assert thread.daemon and thread.name == "dialer-name-lookup"


def test_a_call_whose_host_name_never_resolves_fails_plainly(
    stuck_resolver: StuckResolver,
) -> None:
    """Nothing can have been dialed (no connection): a plain NetworkError, never "may have been
    placed", and words an agent can act on rather than httpx's class name."""

    async def place() -> str:
        async with httpx.AsyncClient() as client:
            with pytest.raises(NetworkError) as info:
                timeout = httpx.Timeout(5.0, connect=0.3)
                url = f"http://{HOST}/calls"
                await _http.send(client, "POST", url, timeout=timeout, effect="call")
        assert not isinstance(info.value, OutcomeUnknown)
        return str(info.value)

    message = daemon_threads.run(place())
    assert message == (
        f"could not reach {HOST}: no connection within 0.3 s "
        "(the host name or the network did not answer)"
    )
