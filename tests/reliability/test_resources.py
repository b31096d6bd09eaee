"""1,000 sandbox calls through one CallController leave no threads, fds or tasks behind.

An agent's dialer runs all day: anything a call leaks (a socket, a thread, a task that never
ends) adds up until the app freezes or runs out of descriptors. The first 100 calls warm the
pools (httpx connections, the to_thread executor); after that every count must come back to the
same number once the calls have ended.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from pathlib import Path

import httpx
import pytest

from dialer import paths, settings
from dialer.domain import CallStatus
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore

CALLS = 1000
BATCH = 50
WARM_UP = 100


def _counts() -> dict[str, int]:
    gc.collect()  # files another test left to the collector must not look like ours closing
    return {
        "threads": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")),
        "tasks": len(asyncio.all_tasks()),
    }


async def _run(history: HistoryStore) -> list[dict[str, int]]:
    samples: list[dict[str, int]] = []
    async with httpx.AsyncClient() as client:
        controller = CallController(settings.load(), history, client)
        for start in range(0, CALLS, BATCH):
            # Distinct numbers per batch: the controller refuses a second call to a number
            # still being placed, which is the double-dial guard, not what is measured here.
            finals = await asyncio.gather(
                *(controller.dial(f"+9198765{start + i:05d}") for i in range(BATCH))
            )
            assert all(f.final for f in finals)
            assert controller.live() == {}
            if start + BATCH >= WARM_UP:
                samples.append(_counts())
    return samples


@pytest.mark.timeout(120)
def test_thousand_calls_leak_nothing(dialer_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "400")
    history = HistoryStore(paths.history_db())
    try:
        samples = asyncio.run(_run(history))
        assert history.count() == CALLS
        statuses = {e.status for e in history.recent(limit=CALLS)}
        assert CallStatus.INTERRUPTED not in statuses
    finally:
        history.close()
    baseline = {key: max(s[key] for s in samples[:2]) for key in samples[0]}
    for sample in samples[2:]:
        # Never above the warm level: a count that only grows is a leak, one per call or batch.
        assert all(sample[k] <= baseline[k] for k in baseline), (
            f"counts grew after warm-up: {baseline} -> {sample}"
        )
    assert samples[-1] == samples[-2], f"counts still moving at the end: {samples[-2:]}"
