"""Start-up time of the built bundle: time to first paint, against a bare PySide6 window.

    python packaging/startup_time.py BUNDLE_EXECUTABLE [--runs N]

The method of benchmarks/startup.py (same child-side first-paint detection, same clock, runs
interleaved with the bare window so machine noise hits both), pointed at the frozen executable
with DIALER_EXIT_AFTER_PAINT=1 and, for comparison, at `python -m dialer` from this checkout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from startup import BARE_WINDOW, time_to_first_paint  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the bundle's dialer executable")
    parser.add_argument("--runs", type=int, default=7, help="measured runs per side")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dialer-bundle-start-") as home:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_LOGGING_RULES": "qt.qpa.*=false",
            "DIALER_HOME": home,
            "DIALER_EXIT_AFTER_PAINT": "1",
        }
        sides = {
            "bare PySide6 QMainWindow": [sys.executable, "-c", BARE_WINDOW],
            "python -m dialer (source)": [sys.executable, "-m", "dialer"],
            "bundle (frozen dialer)": [str(args.bundle.resolve())],
        }
        for command in sides.values():  # warm-up: page cache, first-run files
            time_to_first_paint(command, env)
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.runs):
            for name, command in sides.items():
                times[name].append(time_to_first_paint(command, env))

    medians = {name: statistics.median(values) for name, values in times.items()}
    bare = medians["bare PySide6 QMainWindow"]
    print(f"start-up to first paint, median of {args.runs} runs (after 1 warm-up each):")
    for name, median in medians.items():
        print(f"  {name:28s} {median * 1000:7.1f} ms  ({median / bare:4.2f} x bare)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
