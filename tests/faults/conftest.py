"""Collects each fault case's outcome and prints them as one table at the end of the run;
shares the GUI suite's window fixtures with the fault tests that drive the real window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gui.conftest import (  # noqa: F401 - fixtures shared with the GUI suite
    gui,
    qasync_loop,
    qt_garbage_dies_on_the_gui_thread,
    sandbox_env,
)

#: (provider, fault) -> outcome, e.g. "NetworkError / history failed".
OUTCOMES: dict[tuple[str, str], str] = {}


@pytest.fixture
def outcomes() -> Iterator[dict[tuple[str, str], str]]:
    yield OUTCOMES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not OUTCOMES:
        return
    providers = sorted({p for p, _ in OUTCOMES})
    faults = list(dict.fromkeys(f for _, f in OUTCOMES))
    width = max(len(o) for o in OUTCOMES.values())
    first = max(len(f) for f in faults)
    terminalreporter.section("fault suite: error / history status")
    header = "fault".ljust(first) + " | " + " | ".join(p.ljust(width) for p in providers)
    terminalreporter.write_line(header)
    terminalreporter.write_line("-" * len(header))
    for fault in faults:
        cells = (OUTCOMES.get((p, fault), "-").ljust(width) for p in providers)
        terminalreporter.write_line(fault.ljust(first) + " | " + " | ".join(cells))
    terminalreporter.write_line(
        '"-": no such case (a provider documents no rate-limit code of its own; a connection '
        "fault cannot meet one path only) or not run"
    )
