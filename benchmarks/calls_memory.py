"""Memory over a day's worth of calls: RSS growth across 1,000 sandbox calls in one process.

    .venv/bin/python benchmarks/calls_memory.py [--calls 1000] [--batch 50] [--speed 400]

The goal (issue 8): after the first 100 calls (pools and caches warm), resident memory grows by
at most 5 % over the remaining calls. A leak per call shows up here long before an agent's
dialer runs out of memory at 4 pm. Runs one CallController against a private sandbox under a
temporary DIALER_HOME, samples RSS (from /proc/self/statm) after each batch, and prints the
samples, the growth and the ratio to the goal.

This reports; the test suite (tests/reliability/test_resources.py) only checks that threads,
descriptors and tasks return to the same counts, never a memory number.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_PERCENT = 5.0
WARM_UP = 100


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


async def run(calls: int, batch: int) -> list[tuple[int, float]]:
    import httpx

    from dialer import paths, settings
    from dialer.services.calls import CallController
    from dialer.services.history import HistoryStore

    samples: list[tuple[int, float]] = []
    history = HistoryStore(paths.history_db())
    try:
        async with httpx.AsyncClient() as client:
            controller = CallController(settings.load(), history, client)
            for start in range(0, calls, batch):
                size = min(batch, calls - start)
                await asyncio.gather(
                    *(controller.dial(f"+9198765{start + i:05d}") for i in range(size))
                )
                gc.collect()
                samples.append((start + size, rss_mb()))
    finally:
        history.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--speed", type=float, default=400.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dialer-bench-") as home:
        os.environ["DIALER_HOME"] = home
        os.environ["DIALER_SANDBOX_SPEED"] = str(args.speed)
        os.environ.setdefault("DIALER_NOW", "2026-11-24T10:00:00+00:00")
        try:
            samples = asyncio.run(run(args.calls, args.batch))
        finally:
            from dialer.sandbox import process

            process.stop()
    for done, mb in samples:
        print(f"{done:6d} calls  RSS {mb:7.1f} MB")
    warm = next((mb for done, mb in samples if done >= WARM_UP), samples[0][1])
    last = samples[-1][1]
    growth = (last - warm) / warm * 100
    print(
        f"growth after {WARM_UP} calls: {warm:.1f} -> {last:.1f} MB = {growth:+.2f} % "
        f"(goal <= {GOAL_PERCENT:.0f} %, ratio {growth / GOAL_PERCENT:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
