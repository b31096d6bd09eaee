"""Idle cost: resident memory, CPU time and timer wake-ups of the started dialer with no call,
each against a bare PySide6 window measured in the same run.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/idle.py [--settle S] [--idle S]`

An agent keeps the dialer open all day next to a CRM and a softphone: idle it must cost
about what an empty window costs, and wake the CPU for nothing. Each side runs in a fresh
child process (offscreen, loopback only, the dialer with a temporary DIALER_HOME):

- the bare side shows a QMainWindow and runs Qt's event loop;
- the dialer side runs the real `dialer.app.run` (qasync loop, settings, history, HTTP client,
  desktop integration: tray, clipboard watcher, instance server), waits until the services
  are attached, and places no call.

After `--settle` seconds, each child measures over `--idle` seconds:

- CPU: `time.process_time()` (user + system, every thread) before and after;
- wake-ups: then, over another `--idle` seconds, every QEvent.Timer delivered anywhere in
  the process (QTimers, `startTimer`, and qasync's `call_later`, which is how an asyncio
  sleep wakes up), counted by an application-wide event filter and attributed to its
  receiver (for qasync, to the coroutine or callback it would run); the one timer that ends
  the count is the benchmark's own and shows on both sides;
- the QTimers still running, found by walking every QObject under the application and the
  top-level widgets;
- RSS: VmRSS from /proc/self/status, after a `gc.collect()`; for the dialer once more after
  a number was typed into the box (its preview and the pre-dial guard's verdict).

Goals (issue 11): RSS ≤ 1.3× the bare window; idle CPU ≈ 0 and no timer running while
nothing is live.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

RSS_GOAL = 1.3


# --- inside the children ----------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak, not current


def running_qtimers() -> list[str]:
    """Every active QTimer reachable from the application object or a top-level widget."""
    from PySide6.QtCore import QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    roots: list[QObject] = [app] if app is not None else []
    roots += QApplication.topLevelWidgets()
    seen: set[int] = set()
    found: list[str] = []
    for root in roots:
        for timer in root.findChildren(QTimer):
            if id(timer) in seen or not timer.isActive():
                continue
            seen.add(id(timer))
            parent = timer.parent()
            owner = type(parent).__name__ if parent is not None else "-"
            found.append(f"{owner}.{timer.objectName() or 'QTimer'} every {timer.interval()} ms")
    return sorted(found)


def describe_receiver(receiver: Any, timer_id: int) -> str:
    """Who woke up: a QTimer's owner, or the callback a qasync timer would run."""
    callbacks = getattr(receiver, "_SimpleTimer__callbacks", None)
    if isinstance(callbacks, dict) and timer_id in callbacks:
        handle = callbacks[timer_id]
        callback = getattr(handle, "_callback", None)
        task = getattr(callback, "__self__", None)
        coro = getattr(task, "get_coro", lambda: None)()
        if coro is not None:
            return f"asyncio task {getattr(coro, '__qualname__', coro)}"
        return f"asyncio callback {getattr(callback, '__qualname__', callback)}"
    parent = receiver.parent() if hasattr(receiver, "parent") else None
    owner = f" of {type(parent).__name__}" if parent is not None else ""
    return f"{type(receiver).__name__}{owner}"


def measure(settle: float, idle: float, done: Any) -> None:
    """Settle, then CPU over `idle` s, then wake-ups over `idle` s; `done(result)` at the end."""
    import gc
    import time
    from collections import Counter

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    result: dict[str, Any] = {}
    wakeups: Counter[str] = Counter()

    class WakeUps(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Timer:
                wakeups[describe_receiver(watched, event.timerId())] += 1  # type: ignore[attr-defined]
            return False

    counter = WakeUps()
    cpu_start = [0.0]

    def start_cpu() -> None:
        gc.collect()
        cpu_start[0] = time.process_time()
        QTimer.singleShot(int(idle * 1000), stop_cpu)

    def stop_cpu() -> None:
        result["cpu_s"] = time.process_time() - cpu_start[0]
        app.installEventFilter(counter)
        QTimer.singleShot(int(idle * 1000), stop_wakeups)

    def stop_wakeups() -> None:
        app.removeEventFilter(counter)
        result["wakeups"] = {name: n for name, n in wakeups.items() if n > 0}
        result["qtimers"] = running_qtimers()
        gc.collect()
        result["rss_mb"] = rss_mb()
        done(result)

    QTimer.singleShot(int(settle * 1000), start_cpu)


def child_bare(settle: float, idle: float) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1040, 700)
    window.show()
    out: dict[str, Any] = {}

    def done(result: dict[str, Any]) -> None:
        out.update(result)
        app.quit()

    measure(settle, idle, done)
    app.exec()
    return out


def child_dialer(settle: float, idle: float) -> dict[str, Any]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from dialer import app as dialer_app
    from dialer.ui import style
    from dialer.ui.main_window import MainWindow

    # Created here so this child can schedule its probe; run() takes it over as it is.
    qapp = QApplication(sys.argv[:1] + style.STYLE_ARGS)
    out: dict[str, Any] = {}

    def done(result: dict[str, Any]) -> None:
        out.update(result)
        window = next(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow))
        # What the first number typed adds: its preview and the pre-dial guard's verdict.
        window.number_input.setFocus()
        window.number_input.insert("+1 415 555 0123")
        QTimer.singleShot(int(settle * 1000), lambda: typed(window))

    def typed(window: MainWindow) -> None:
        import gc

        gc.collect()
        out["rss_typed_mb"] = rss_mb()
        out["preview"] = window.number_preview.text()
        window.close()

    def wait_for_services() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        if not windows or windows[0].controller is None:
            QTimer.singleShot(50, wait_for_services)
            return
        out["started"] = True
        measure(settle, idle, done)

    QTimer.singleShot(0, wait_for_services)
    dialer_app.run(None)
    return out


# --- the parent -----------------------------------------------------------------------------


def run_child(side: str, settle: float, idle: float, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", side, "--settle", str(settle), "--idle", str(idle)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=settle + 2 * idle + 120,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            data: dict[str, Any] = json.loads(line)
            return data
    raise RuntimeError(f"{side} child failed (exit {result.returncode}):\n{result.stderr}")


def report(bare: dict[str, Any], dialer: dict[str, Any], idle: float) -> dict[str, float]:
    ratio = dialer["rss_mb"] / bare["rss_mb"]
    print(f"idle for {idle:.0f} s after settling, no live call\n")
    print(f"{'':28}{'bare window':>14}{'dialer':>14}")
    print(f"{'RSS (MB)':28}{bare['rss_mb']:14.1f}{dialer['rss_mb']:14.1f}")
    print(f"{'CPU over idle (ms)':28}{bare['cpu_s'] * 1000:14.1f}{dialer['cpu_s'] * 1000:14.1f}")
    bare_wakeups = sum(bare["wakeups"].values())
    dialer_wakeups = sum(dialer["wakeups"].values())
    print(f"{'timer wake-ups over idle':28}{bare_wakeups:14d}{dialer_wakeups:14d}")
    print(f"{'QTimers running':28}{len(bare['qtimers']):14d}{len(dialer['qtimers']):14d}")
    print(f"{'RSS after a number typed':28}{'':14}{dialer['rss_typed_mb']:14.1f}")
    print()
    print(f"RSS ratio dialer / bare: {ratio:.2f} (goal <= {RSS_GOAL})")
    cpu_pct = dialer["cpu_s"] / idle * 100
    print(f"dialer idle CPU: {cpu_pct:.3f} % of one core (goal ~ 0)")
    for name, count in sorted(dialer["wakeups"].items(), key=lambda item: -item[1]):
        print(f"  woke up {count:4d}x  {name}")
    for timer in dialer["qtimers"]:
        print(f"  running: {timer}")
    return {
        "rss_ratio": ratio,
        "bare_rss_mb": bare["rss_mb"],
        "dialer_rss_mb": dialer["rss_mb"],
        "dialer_rss_typed_mb": dialer["rss_typed_mb"],
        "dialer_cpu_ms": dialer["cpu_s"] * 1000,
        "bare_cpu_ms": bare["cpu_s"] * 1000,
        "dialer_wakeups": dialer_wakeups,
        "dialer_qtimers": len(dialer["qtimers"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds measured (each phase)")
    parser.add_argument("--child", choices=("bare", "dialer"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "bare":
        print(json.dumps(child_bare(args.settle, args.idle)), flush=True)
        return 0
    if args.child == "dialer":
        print(json.dumps(child_dialer(args.settle, args.idle)), flush=True)
        return 0

    from machine import print_machine

    print_machine()
    with tempfile.TemporaryDirectory(prefix="dialer-bench-") as home:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_LOGGING_RULES": "qt.qpa.*=false",
            "DIALER_HOME": home,
        }
        bare = run_child("bare", args.settle, args.idle, env)
        dialer = run_child("dialer", args.settle, args.idle, env)
    report(bare, dialer, args.idle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
