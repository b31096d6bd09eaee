"""GUI stalls: the longest the window's event loop goes without a turn while 50 live calls are
polled and a 20 MB recording downloads, against the same heartbeat in a bare window.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_stall.py [--seconds 12]`

A 1 ms precise QTimer notes `time.monotonic()` at every tick; a gap between two ticks is
time the event loop spent elsewhere, which a user sees as a frozen window (16 ms is one
frame at 60 Hz). Each side runs in a fresh child process, offscreen:

- bare: a QMainWindow doing nothing, the heartbeat for `--seconds`;
- dialer: the real window and services (`dialer.app.start_services`, the qasync loop), the
  sandbox account pointed at a loopback sandbox (`bench_server`, its calls slowed so they
  stay live); the heartbeat starts, 50 calls are placed one after another through the
  window's own path (each gets its card and is polled by the controller), then the
  history's recording player (`dialer.ui.player`, the app's recordings service) downloads a
  20 MB WAV, checks it, loads QtMultimedia and draws its waveform; the heartbeat runs until
  `--seconds` have passed and the download is done.

Goal (issue 11): longest gap ≤ 16 ms.

`--trace` says what ran in every gap over 12 ms: a sampling thread snapshots the GUI thread's
stack (`sys._current_frames()`) every ~1 ms while a gap is open, and every asyncio callback
that runs 3 ms or more is timed; each long gap is printed with its most common stacks (the
deepest dialer frame and the innermost frame) and the callbacks inside it. Sampling needs the
GIL, so a gap where another thread held it shows as samples that came late; the tracer costs
the dialer side some ticks, so take the figures from a run without it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_server  # noqa: E402

GOAL_MS = 16.0
CALLS = 50
RECORDING_MB = 20
#: A sandbox call's 13 simulated seconds last 26 s: every call is still live at the end.
SPEED = 0.5
#: `--trace` explains every gap longer than this.
TRACE_MS = 12.0
#: The sampler starts snapshotting once the heartbeat has been silent this long.
TRACE_OPEN_MS = 2.0


class Tracer:
    """What the GUI thread ran during each long gap: stack samples, timed asyncio
    callbacks and (with `traced_application`) timed Qt events."""

    def __init__(self) -> None:
        self.gui_thread = threading.get_ident()
        self.last_tick = 0.0  # the heartbeat's, read by the sampling thread
        self._samples: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = []
        self._runs: list[tuple[float, float, str]] = []  # (start, ms, what) of slow callbacks
        self.events: list[tuple[float, str]] = []  # (start, what) of top-level Qt events
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="gap-sampler", daemon=True)
        self._patch_handles()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _patch_handles(self) -> None:
        original = asyncio.Handle._run
        runs = self._runs

        def timed_run(handle: asyncio.Handle) -> None:
            started = time.monotonic()
            original(handle)
            took = (time.monotonic() - started) * 1000
            if took >= 3.0:
                runs.append((started, took, "asyncio " + _callback_name(handle)))

        asyncio.Handle._run = timed_run  # type: ignore[method-assign]

    def _sample(self) -> None:
        root = str(ROOT) + os.sep
        while not self._stop.wait(0.001):
            last = self.last_tick
            now = time.monotonic()
            if not last or (now - last) * 1000 < TRACE_OPEN_MS:
                continue
            frames = sys._current_frames()
            gui = frames.get(self.gui_thread)
            stack = _stack(gui, root) if gui is not None else ()
            others = tuple(
                _stack(frame, root)[0]
                for ident, frame in frames.items()
                if ident not in (self.gui_thread, threading.get_ident()) and _busy(frame, root)
            )
            self._samples.append((time.monotonic(), stack, others))

    def explain(self, start: float, end: float) -> dict[str, Any]:
        """What ran between two ticks; forgets samples and runs older than `end`."""
        samples = [s for s in self._samples if start <= s[0] <= end]
        self._samples[:] = [s for s in self._samples if s[0] > end]
        runs = [r for r in self._runs if r[0] < end and r[0] + r[1] / 1000 > start]
        self._runs[:] = [r for r in self._runs if r[0] + r[1] / 1000 > end]
        events = [e for e in self.events if start <= e[0] <= end]
        self.events[:] = [e for e in self.events if e[0] > end]
        for (when, what), following in zip(events, [e[0] for e in events[1:]] + [end], strict=True):
            if following - when >= 0.003:
                runs.append((when, (following - when) * 1000, what + " (until the next)"))
        runs.sort()
        stacks = Counter(_summary(stack) for _, stack, _ in samples)
        examples = {_summary(stack): stack for _, stack, _ in samples}
        others = Counter(leaf for _, _, leaves in samples for leaf in leaves)
        first_late = (samples[0][0] - start) * 1000 - TRACE_OPEN_MS if samples else None
        return {
            "samples": len(samples),
            "first_sample_late_ms": first_late,
            "stacks": stacks.most_common(4),
            "examples": [_trimmed(examples[stack]) for stack, _ in stacks.most_common(2)],
            "other_threads": others.most_common(3),
            "callbacks": [(round((s - start) * 1000, 1), round(ms, 1), w) for s, ms, w in runs],
        }


def install_event_log(app: Any, tracer: Tracer) -> Any:
    """Note when the event loop starts each timer, queued call, layout run and repaint, so Qt's
    own work shows in the trace beside the Python callbacks. An application-wide event filter
    sees when an event starts, not when it ends: each is said to run until the next one noted
    (or the gap's end), which is exact for these top-level events and an upper bound else.
    (Overriding `QApplication.notify` would time them exactly, but PySide6 6.12 sometimes
    passes it a wrongly typed receiver during deletions and the child then fails.)"""
    from PySide6.QtCore import QEvent, QObject

    kinds = {
        QEvent.Type.Timer: "Timer",
        QEvent.Type.MetaCall: "MetaCall",
        QEvent.Type.LayoutRequest: "LayoutRequest",
        QEvent.Type.UpdateRequest: "UpdateRequest",
    }

    class EventLog(QObject):
        def eventFilter(self, watched: Any, event: Any) -> bool:
            kind = kinds.get(event.type())
            if kind is not None:
                try:
                    name = watched.objectName() or type(watched).__name__
                except (RuntimeError, AttributeError):
                    name = "?"
                tracer.events.append((time.monotonic(), f"Qt {kind} to {name}"))
            return False

    log = EventLog()
    app.installEventFilter(log)
    return log


#: The tracer of this child process (`--trace`): made with the application, used by the drive.
TRACER: Tracer | None = None


def _callback_name(handle: asyncio.Handle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        return f"task {task.get_coro().__qualname__}"  # type: ignore[union-attr]
    return getattr(callback, "__qualname__", None) or type(callback).__name__


def _where(frame: Any, root: str) -> str:
    code = frame.f_code
    name = code.co_filename
    short = name[len(root) :] if name.startswith(root) else Path(name).name
    if "site-packages" in name:
        short = name.split("site-packages" + os.sep, 1)[1]
    return f"{short}:{frame.f_lineno} {code.co_name}"


def _stack(frame: Any, root: str) -> tuple[str, ...]:
    """Innermost first."""
    out = []
    while frame is not None:
        out.append(_where(frame, root))
        frame = frame.f_back
    return tuple(out)


def _busy(frame: Any, root: str) -> bool:
    """A worker thread doing the app's work (not one parked in a queue or selector)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith(root + "dialer"):
            return True
        frame = frame.f_back
    return False


def _trimmed(stack: tuple[str, ...]) -> list[str]:
    """Up to 12 frames, innermost first, without the import machinery's own."""
    return [f for f in stack if not f.startswith("<frozen importlib")][:12]


def _summary(stack: tuple[str, ...]) -> str:
    """The innermost frame, and the deepest dialer frame above it when they differ."""
    if not stack:
        return "(no Python frame)"
    ours = next((f for f in stack if f.startswith(("dialer", "benchmarks"))), None)
    if ours is None or ours == stack[0]:
        return stack[0]
    return f"{stack[0]}  <-  {ours}"


class Heartbeat:
    """Gaps between ticks of a 1 ms precise timer, and where the longest ones fell."""

    def __init__(self, tracer: Tracer | None = None) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.tracer = tracer
        self.traced: list[dict[str, Any]] = []
        self.gaps: list[float] = []
        self.events: list[tuple[float, str]] = []  # (when, what) for the report
        self._last = 0.0
        self.started = 0.0
        self.worst: list[tuple[float, float]] = []  # (gap ms, at s) of gaps over TRACE_MS
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.started = self._last = time.monotonic()
        if self.tracer is not None:
            self.tracer.last_tick = self._last
            self.tracer.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self.tracer is not None:
            self.tracer.stop()

    def note(self, what: str) -> None:
        self.events.append((time.monotonic() - self.started, what))

    def _tick(self) -> None:
        now = time.monotonic()
        gap = (now - self._last) * 1000
        self.gaps.append(gap)
        if gap > TRACE_MS:
            self.worst.append((gap, now - self.started - gap / 1000))
        if self.tracer is not None:
            self.tracer.last_tick = now
            if gap > TRACE_MS:
                what = self.tracer.explain(self._last, now)
                what.update(gap_ms=gap, at_s=self._last - self.started)
                self.traced.append(what)
        self._last = now

    def result(self) -> dict[str, Any]:
        gaps = sorted(self.gaps)
        return {
            "ticks": len(gaps),
            "longest_ms": gaps[-1],
            "p99_ms": statistics.quantiles(gaps, n=100, method="inclusive")[98],
            "median_ms": statistics.median(gaps),
            "over_goal": sum(gap > GOAL_MS for gap, _ in self.worst),
            "worst": sorted(self.worst, reverse=True)[:8],
            "events": self.events,
            "traced": self.traced,
        }


# --- children ----------------------------------------------------------------------------------


def child_bare(seconds: float) -> dict[str, Any]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1040, 700)
    window.show()
    beat = Heartbeat()
    QTimer.singleShot(500, beat.start)  # after the first paint, as on the dialer side
    QTimer.singleShot(500 + int(seconds * 1000), app.quit)
    app.exec()
    beat.stop()
    return beat.result()


async def wait_until(condition: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.005)


async def drive(window: Any, url: str, seconds: float, trace: bool) -> dict[str, Any]:
    from dialer import app as dialer_app
    from dialer.services.recordings import RecordingCache
    from dialer.ui.player import RecordingPlayer

    services = await dialer_app.start_services(window)
    await dialer_app.warm_up_numbers()
    controller = window.controller
    await asyncio.sleep(0.5)
    beat = Heartbeat(TRACER if trace else None)
    beat.start()
    player: RecordingPlayer | None = None
    try:
        beat.note("placing 50 calls")
        account = window.picker.current_account()
        for index in range(CALLS):
            window.tasks.dial(f"+9198766{index:05d}", account, None, {})
            await wait_until(lambda: not window.tasks.placing, "a call is still being placed")
        beat.note(f"50 calls placed, {len(controller.live())} live")
        player = RecordingPlayer(
            RecordingCache.from_preferences(controller.settings.preferences), controller.client
        )
        player.resize(700, 240)
        player.show()
        downloaded = asyncio.get_running_loop().create_future()
        player.failed.connect(lambda text: downloaded.done() or downloaded.set_result(text))
        beat.note("recording download started")
        player.load("bench-recording", url + bench_server.RECORDING_PATH, "Benchmark recording")
        await wait_until(
            lambda: downloaded.done() or (player.path and player.save_button.isEnabled()),
            "the recording did not download in time",
        )
        if downloaded.done():
            raise RuntimeError(f"the recording failed: {downloaded.result()}")
        assert player.path is not None
        size = player.path.stat().st_size
        beat.note(f"recording downloaded and drawn ({size / 1e6:.1f} MB)")
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - beat.started)))
        live = len(controller.live())
        beat.note(f"end: {live} calls live")
        stats = (await controller.client.get(url + bench_server.STATS_PATH)).json()
    finally:
        beat.stop()
        if player is not None:
            await player.aclose()
            player.close()
        window.close()
        await window.aclose()
        await services.aclose()
    result = beat.result()
    result.update(recording_bytes=size, live_at_end=live, status_polls=stats["polls"])
    return result


def child_dialer(seconds: float, url: str, trace: bool) -> dict[str, Any]:
    import qasync
    from PySide6.QtWidgets import QApplication

    from dialer.ui import pyside_fix, style
    from dialer.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1] + style.STYLE_ARGS)
    if trace:
        global TRACER
        TRACER = Tracer()
        event_log = install_event_log(app, TRACER)  # noqa: F841 - kept alive with the app
    pyside_fix.install()
    style.apply(app, style_chosen=True)
    app.setQuitOnLastWindowClosed(False)  # as in dialer.app: the loop outlives the window
    window = MainWindow()
    window.show()
    result: dict[str, Any] = qasync.run(drive(window, url, seconds, trace))
    return result


# --- the parent -----------------------------------------------------------------------------


def run_child(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            data: dict[str, Any] = json.loads(line)
            return data
    raise RuntimeError(f"child {args} failed (exit {result.returncode}):\n{result.stderr}")


def report(bare: dict[str, Any], dialer: dict[str, Any]) -> dict[str, float]:
    print(f"{'':24}{'ticks':>8}{'median':>9}{'p99':>9}{'longest':>9}{'> 16 ms':>9}")
    for name, side in (("bare window", bare), ("dialer, 50 calls + 20 MB", dialer)):
        print(
            f"{name:24}{side['ticks']:8d}{side['median_ms']:9.2f}{side['p99_ms']:9.2f}"
            f"{side['longest_ms']:9.1f}{side['over_goal']:9d}"
        )
    print()
    print(
        f"dialer: {dialer['status_polls']} status polls answered, {dialer['live_at_end']} calls"
        f" live at the end, recording {dialer['recording_bytes'] / 1e6:.1f} MB"
    )
    for when, what in dialer["events"]:
        print(f"  {when:6.2f} s  {what}")
    for gap, when in dialer["worst"]:
        print(f"  gap {gap:6.1f} ms at {when:6.2f} s")
    for gap in dialer["traced"]:
        late = gap["first_sample_late_ms"]
        print(
            f"\ngap {gap['gap_ms']:.1f} ms at {gap['at_s']:.2f} s: {gap['samples']} samples"
            + (f", the first {late:.1f} ms late" if late is not None else "")
        )
        for stack, count in gap["stacks"]:
            print(f"  {count:3d}x {stack}")
        if gap["gap_ms"] > GOAL_MS:
            for example in gap["examples"]:
                if len(example) > 8:  # more than the event loop's own frames
                    print("      a stack, innermost first:")
                    print("".join(f"        {frame}\n" for frame in example), end="")
        for leaf, count in gap["other_threads"]:
            print(f"  {count:3d}x other thread: {leaf}")
        for offset, ms, what in gap["callbacks"]:
            print(f"  at +{offset} ms, {ms} ms: {what}")
    print(f"\nlongest GUI stall: {dialer['longest_ms']:.1f} ms (goal <= {GOAL_MS:.0f} ms)")
    return {
        "longest_ms": dialer["longest_ms"],
        "bare_longest_ms": bare["longest_ms"],
        "p99_ms": dialer["p99_ms"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="heartbeat duration")
    parser.add_argument(
        "--trace", action="store_true", help=f"say what ran in every gap over {TRACE_MS:g} ms"
    )
    parser.add_argument("--child", choices=("bare", "dialer"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "bare":
        print(json.dumps(child_bare(args.seconds)), flush=True)
        return 0
    if args.child == "dialer":
        print(json.dumps(child_dialer(args.seconds, args.url, args.trace)), flush=True)
        return 0

    from machine import print_machine

    print_machine()
    with tempfile.TemporaryDirectory(prefix="dialer-bench-") as home:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_LOGGING_RULES": "qt.qpa.*=false;qt.multimedia.*=false",
            "DIALER_HOME": home,
        }
        env.pop("DIALER_SANDBOX_SPEED", None)  # the app polls as it would a real-time sandbox
        timeout = args.seconds + 180
        bare = run_child(["--child", "bare", "--seconds", str(args.seconds)], env, timeout)
        state = Path(home) / "bench-sandbox"
        state.mkdir()
        with bench_server.Server(state, SPEED, RECORDING_MB * 1024 * 1024) as url:
            os.environ["DIALER_HOME"] = home
            bench_server.configure(url)
            child = ["--child", "dialer", "--seconds", str(args.seconds), "--url", url]
            dialer = run_child(child + ["--trace"] * args.trace, env, timeout)
    report(bare, dialer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
