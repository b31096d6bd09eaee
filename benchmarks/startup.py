"""Start-up benchmark: time to the first painted main window, dialer vs a bare PySide6 window.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/startup.py [--runs N]`

Both sides run in fresh subprocesses, interleaved in the same run (so machine noise hits both),
offscreen, the dialer with a temporary DIALER_HOME. Each side is timed from just before the
process is spawned (interpreter start-up included) to its first paint, taken from the child's
own `time.monotonic()` (a system-wide clock on Linux, macOS and Windows).

First paint, detected the same way on both sides: an event filter sees the window's first
QEvent.Paint (the bare QMainWindow itself; the dialer's central widget, which always paints),
then a `QTimer.singleShot(0)` fires once that paint pass has painted every child widget and
flushed, and the child prints the time. The dialer runs its real entry point
(`python -m dialer`, i.e. cli -> app.run) with DIALER_EXIT_AFTER_PAINT=1, which returns right
after that moment: everything a user waits for up to the first paint is measured, and nothing
after it (the services and the sandbox are not started). Like a quit, that exit leaves the
window's memory (`window.ini`), so every measured start is a returning agent's;
`--first-start` removes it before each, timing the very first start instead.

Both children may write bytecode, into a temporary PYTHONPYCACHEPREFIX (never the source
tree): an installed dialer (pip, the PyInstaller bundle) starts from compiled modules, and a
developer shell with PYTHONDONTWRITEBYTECODE=1 would otherwise time the compilation of every
dialer module on every start while PySide6's own modules load from their installed `.pyc`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE_WINDOW = """
import time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication([])
window = QMainWindow()
window.resize(860, 640)


def painted():
    print(f"first-paint {time.monotonic():.6f}", flush=True)
    app.quit()


class FirstPaint(QObject):
    seen = False

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, painted)
        return False


watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""


def time_to_first_paint(command: list[str], env: dict[str, str]) -> float:
    start = time.monotonic()
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start
    raise RuntimeError(
        f"{command[1:]} printed no first-paint line (exit {result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="measured runs per side")
    parser.add_argument(
        "--first-start",
        action="store_true",
        help="time the dialer's very first start (no window.ini: the OS is asked for its theme)",
    )
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="dialer-bench-") as home,
        tempfile.TemporaryDirectory(prefix="dialer-bench-pyc-") as pycache,
    ):
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_LOGGING_RULES": "qt.qpa.*=false",
            "DIALER_HOME": home,
            "DIALER_EXIT_AFTER_PAINT": "1",
            "PYTHONPYCACHEPREFIX": pycache,
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        bare_cmd = [sys.executable, "-c", BARE_WINDOW]
        app_cmd = [sys.executable, "-m", "dialer"]
        # One unmeasured run each: the first start reads libraries from disk, later ones from
        # the page cache; the first runs also write the bytecode and the dialer's first-run
        # files.
        time_to_first_paint(bare_cmd, env)
        time_to_first_paint(app_cmd, env)
        bare: list[float] = []
        dialer: list[float] = []
        memory = Path(home) / "config" / "window.ini"  # what a quit leaves for the next start
        for _ in range(args.runs):
            bare.append(time_to_first_paint(bare_cmd, env))
            if args.first_start:
                memory.unlink(missing_ok=True)
            dialer.append(time_to_first_paint(app_cmd, env))

    bare_median = statistics.median(bare)
    dialer_median = statistics.median(dialer)
    kind = "first starts" if args.first_start else "returning starts"
    print(f"runs per side:                    {args.runs} (after 1 warm-up each; {kind})")
    print(f"bare PySide6 QMainWindow, median: {bare_median * 1000:7.1f} ms")
    print(f"dialer main window, median:       {dialer_median * 1000:7.1f} ms")
    print(f"ratio dialer / bare:              {dialer_median / bare_median:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
