"""The window's name lookups run where quitting does not wait for them (a DNS server down)."""

from __future__ import annotations

from tests.gui.conftest import Gui, run_until_done
from tests.support.stuck_resolver import StuckResolver, request_the_stuck_host


def test_the_window_s_lookups_run_on_daemon_threads(
    gui: Gui, stuck_resolver: StuckResolver
) -> None:
    """On qasync's own pool, a stuck lookup would hold the loop's close (QThread.wait) and the
    process's exit until the resolver gave up, after the agent closed the window."""
    outcome = run_until_done(gui.qtbot, request_the_stuck_host(gui.services.client))
    assert outcome == "connect timeout"
    [thread] = stuck_resolver.threads
    assert thread.daemon and thread.name == "dialer-name-lookup"
