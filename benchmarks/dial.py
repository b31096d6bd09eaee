"""Dial overhead: from the Call click to the request arriving at the server, against a bare
httpx POST to the same server in the same run.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/dial.py [--trials 200]`

What an agent waits for between clicking Call and the platform having the request: the
window's real path (`MainWindow.request_call` → pre-dial guard → `WindowTasks` →
`CallController.prepare/place` → history write → provider → httpx), started by
`call_button.click()` on the qasync loop the app runs on, with the services created by
`dialer.app.start_services`. The baseline is `httpx.AsyncClient.post` of the same JSON body
to the same endpoint, from the same loop, with its own warmed-up client.

The server is the sandbox's own ASGI app under uvicorn on 127.0.0.1, in a child process
(`bench_server`), which notes `time.monotonic()` (a system-wide clock on Linux) the moment a
`POST /calls` reaches the app, before its body is read. The
trials alternate (dialer, bare, dialer, ...) so machine noise hits both; the sandbox runs
fast (each call is over in ~0.1 s) and every dialer trial waits until the previous call
has ended, so the controller is following nothing when Call is clicked.

`--stages` adds the median time from the click to each step of the dialer's path (wrappers
that note `time.monotonic()` as each step begins or ends; they cost a few µs per trial, so
the totals of a `--stages` run read slightly higher than a plain run's).

Goals (issue 11): median dialer/bare ≤ 1.5×, dialer p99 < 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_server  # noqa: E402

RATIO_GOAL = 1.5
P99_GOAL_MS = 10.0
SPEED = 200.0  # a sandbox call's 13 simulated seconds last 65 ms


# --- the window (this process) -----------------------------------------------------------------


class Stages:
    """Per-trial stamps of the dialer's path: each name keeps its first stamp of the trial."""

    def __init__(self) -> None:
        self.current: dict[str, float] | None = None
        self.trials: list[dict[str, float]] = []
        self.bare_trials: list[dict[str, float]] = []

    def start(self, clicked: float, *, bare: bool = False) -> None:
        self.current = {"click": clicked}
        (self.bare_trials if bare else self.trials).append(self.current)

    def stamp(self, name: str) -> None:
        if self.current is not None and name not in self.current:
            self.current[name] = time.monotonic()

    def stop(self) -> None:
        self.current = None

    def wrap(self, owner: Any, attribute: str, before: str | None, after: str | None) -> None:
        """Replace `owner.attribute` (a function or coroutine function) with a stamping one."""
        import functools
        import inspect

        original = getattr(owner, attribute)
        stamp = self.stamp

        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
                if before:
                    stamp(before)
                result = await original(*args, **kwargs)
                if after:
                    stamp(after)
                return result

            setattr(owner, attribute, wrapped_async)
        else:

            @functools.wraps(original)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                if before:
                    stamp(before)
                result = original(*args, **kwargs)
                if after:
                    stamp(after)
                return result

            setattr(owner, attribute, wrapped)


def instrument(window: Any, stages: Stages) -> None:
    """Stamp the steps of the dialer's path, found by name (a step that no longer exists is
    simply not shown)."""
    controller = window.controller
    steps: list[tuple[Any, str, str | None, str | None]] = [
        (window.picker, "current_account", "click handler starts", None),
        (window.entry, "problem", None, "number checked"),
        (window.options, "problem", None, "call options checked"),
        (window.guard_view, "hold", None, "guard verdict checked"),
        (window.tasks, "dial", "window checks done, task handed to the loop", None),
        (window.tasks, "_spawn", None, "dial task created"),
        (window, "_hold_call_button_paint", None, "Call button paint held"),
        (window, "refresh_call_button", None, "Call button state set"),
        (controller, "prepare", "dial task running (prepare starts)", "prepare done"),
        (controller, "before_place", "DNC check starts", "DNC check done"),
        (controller, "provider", None, "provider built"),
        (controller.history, "record", "placing report: history write starts", "history written"),
        (type(controller.client), "send", "httpx send starts", None),
    ]
    from dialer.providers import registry

    provider_cls = registry.get("sandbox")
    steps.append((provider_cls, "place_call", "provider place_call starts", None))
    import asyncio.selector_events

    transport = asyncio.selector_events._SelectorSocketTransport
    steps.append((transport, "write", "bytes written to the socket", None))
    for owner, attribute, before, after in steps:
        if getattr(owner, attribute, None) is not None:
            stages.wrap(owner, attribute, before, after)
    window.call_button.installEventFilter(paint_stamp(stages, window))


def paint_stamp(stages: Stages, parent: Any) -> Any:
    """An event filter that stamps the Call button's first repaint after the click."""
    from PySide6.QtCore import QEvent, QObject

    class Filter(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                stages.stamp("Call button repainted")
            return False

    return Filter(parent)


def print_stages(
    trials: list[dict[str, float]], arrivals: list[float], title: str = "the click"
) -> None:
    """The median of each step's time from the click, in the order the steps happen."""
    rows: dict[str, list[float]] = {}
    for trial, arrived in zip(trials, arrivals, strict=True):
        clicked = trial["click"]
        for name, at in [*trial.items(), ("request at the server", arrived)]:
            if name != "click":
                rows.setdefault(name, []).append((at - clicked) * 1000)
    print(f"\nmedian time from {title} to each stage (ms):")
    for name, samples in sorted(rows.items(), key=lambda item: statistics.median(item[1])):
        print(f"  {statistics.median(samples):6.2f}  {name}")


async def wait_until(condition: Any, why: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window did not get ready in time: {why()}")
        await asyncio.sleep(0.002)


async def bench(
    window: Any, url: str, trials: int, warm_up: int, stages: Stages | None = None
) -> dict[str, list[float]]:
    import httpx

    from dialer import app as dialer_app
    from dialer.settings import SANDBOX_AGENT, SANDBOX_CALLER_IDS

    services = await dialer_app.start_services(window)
    controller = window.controller
    bare_client = httpx.AsyncClient()
    clicks: list[tuple[str, float]] = []
    if stages is not None:
        instrument(window, stages)
    try:
        for trial in range(warm_up + trials):
            number = f"+9198765{trial:05d}"
            window.entry.set_text(number)

            def ready() -> bool:
                return bool(
                    window.call_button.isEnabled()
                    and not window.tasks.placing
                    and not controller.live()
                )

            await wait_until(ready, window.call_button.toolTip)
            await asyncio.sleep(0.06)  # the guard's and the preview's work for it, the last card
            clicked = time.monotonic()
            if stages is not None and trial >= warm_up:
                stages.start(clicked)
            window.call_button.click()
            if stages is not None:
                stages.stamp("click handler returned")
            await wait_until(lambda: not window.tasks.placing, window.call_button.toolTip)
            if stages is not None:
                stages.stop()
            clicks.append(("dialer", clicked))
            # The bare trial, too, starts with the call over and its card built.
            await wait_until(ready, window.call_button.toolTip)
            await asyncio.sleep(0.06)

            body = {
                "from_number": SANDBOX_CALLER_IDS[0],
                "to_number": number,
                "uuid": str(uuid.uuid4()),
                "recording": True,
                "max_ring_time": 30,
                "agent_number": SANDBOX_AGENT,
            }
            headers = {"Authorization": "Bearer sandbox", "Accept": "application/json"}
            sent = time.monotonic()
            if stages is not None and trial >= warm_up:
                stages.start(sent, bare=True)
            response = await bare_client.post(f"{url}/calls", json=body, headers=headers)
            if stages is not None:
                stages.stop()
            response.raise_for_status()
            clicks.append(("bare", sent))
        stats = (await bare_client.get(url + bench_server.STATS_PATH)).json()
        arrivals: list[float] = stats["arrivals"]
    finally:
        await bare_client.aclose()
        window.close()
        await window.aclose()
        await services.aclose()
    if len(arrivals) != len(clicks):
        raise RuntimeError(f"{len(clicks)} requests sent, {len(arrivals)} arrived")
    result: dict[str, list[float]] = {"dialer": [], "bare": []}
    for index, ((side, started), arrived) in enumerate(zip(clicks, arrivals, strict=True)):
        if index >= 2 * warm_up:
            result[side].append((arrived - started) * 1000)
    if stages is not None:
        print_stages(stages.trials, arrivals[2 * warm_up :: 2])
        print_stages(stages.bare_trials, arrivals[2 * warm_up + 1 :: 2], "the bare POST's start")
    return result


def run_window(
    url: str, trials: int, warm_up: int, stages: Stages | None = None
) -> dict[str, list[float]]:
    import qasync
    from PySide6.QtWidgets import QApplication

    from dialer.ui import pyside_fix, style
    from dialer.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1] + style.STYLE_ARGS)
    pyside_fix.install()
    style.apply(app, style_chosen=True)
    app.setQuitOnLastWindowClosed(False)  # as in dialer.app: the loop outlives the window
    window = MainWindow()
    window.show()
    result: dict[str, list[float]] = qasync.run(bench(window, url, trials, warm_up, stages))
    return result


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def report(result: dict[str, list[float]]) -> dict[str, float]:
    dialer, bare = result["dialer"], result["bare"]
    dialer_median, bare_median = statistics.median(dialer), statistics.median(bare)
    print(f"trials per side: {len(dialer)} (after warm-up), times in ms\n")
    print(f"{'':26}{'median':>9}{'p90':>9}{'p99':>9}{'max':>9}")
    for name, samples in (("bare httpx POST", bare), ("dialer click -> server", dialer)):
        p90 = statistics.quantiles(samples, n=10, method="inclusive")[8]
        print(
            f"{name:26}{statistics.median(samples):9.2f}{p90:9.2f}"
            f"{p99(samples):9.2f}{max(samples):9.2f}"
        )
    ratio = dialer_median / bare_median
    print()
    print(f"median ratio dialer / bare: {ratio:.2f} (goal <= {RATIO_GOAL})")
    print(f"dialer p99: {p99(dialer):.2f} ms (goal < {P99_GOAL_MS:.0f} ms)")
    return {
        "ratio": ratio,
        "dialer_median_ms": dialer_median,
        "bare_median_ms": bare_median,
        "dialer_p99_ms": p99(dialer),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="measured trials per side")
    parser.add_argument("--warm-up", type=int, default=10, help="unmeasured trials per side")
    parser.add_argument(
        "--stages", action="store_true", help="also print the median time to each stage"
    )
    args = parser.parse_args(argv)

    from machine import print_machine

    print_machine()
    with tempfile.TemporaryDirectory(prefix="dialer-bench-") as home:
        os.environ["DIALER_HOME"] = home
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        state = Path(home) / "bench-sandbox"
        state.mkdir()
        with bench_server.Server(state, SPEED) as url:
            bench_server.configure(url)
            stages = Stages() if args.stages else None
            result = run_window(url, args.trials, args.warm_up, stages)
    report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
