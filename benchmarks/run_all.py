"""Run every benchmark, one after another, and end with one table of goal against measured.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run_all.py [--quick]`

Each benchmark runs as its own process with its full output shown; the table picks the
headline figure out of each output. `--quick` runs fewer trials and smaller history sizes
(for a look, not for README figures). The whole run takes a few minutes (the 1,000,000-row
history is generated once per run, ~1 min).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (script, arguments, quick arguments, [(label, goal, regex capturing the measured figure)])
BENCHMARKS: list[tuple[str, list[str], list[str], list[tuple[str, str, str]]]] = [
    (
        "startup.py",
        ["--runs", "15"],
        ["--runs", "5"],
        [("start-up to first paint / bare window", "<= 1.3x", r"ratio dialer / bare:\s+(\S+)")],
    ),
    (
        "idle.py",
        [],
        ["--settle", "2", "--idle", "3"],
        [
            ("idle RSS / bare window", "<= 1.3x", r"RSS ratio dialer / bare: (\S+)"),
            ("idle CPU, no live call", "~ 0", r"dialer idle CPU: (\S+ %)"),
            ("QTimers running idle", "0", r"QTimers running\s+\d+\s+(\d+)"),
        ],
    ),
    (
        "calls_memory.py",
        [],
        ["--calls", "300"],
        [("RSS growth, 1,000 calls (quick: 300)", "<= 5 %", r"= ([+-]\S+ %)")],
    ),
    (
        "dial.py",
        [],
        ["--trials", "40"],
        [
            ("dial overhead / bare httpx", "<= 1.5x", r"median ratio dialer / bare: (\S+)"),
            ("dial overhead p99", "< 10 ms", r"dialer p99: (\S+ ms)"),
        ],
    ),
    (
        "gui_stall.py",
        [],
        ["--seconds", "8"],
        [("longest GUI stall, 50 calls + 20 MB", "<= 16 ms", r"longest GUI stall: (\S+ ms)")],
    ),
    (
        "history.py",
        [],
        ["--sizes", "10000,100000"],
        [
            ("history open, largest size", "<= 50 ms", r"open view.*?:\s+(\S+ ms)"),
            ("history search, last 4 digits, largest", "<= 50 ms", r"last 4 digits\s+(\S+ ms)"),
        ],
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    rows: list[tuple[str, str, str]] = []
    for script, full, quick, figures in BENCHMARKS:
        command = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"\n===== {script} {' '.join(command[2:])}", flush=True)
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        print(result.stdout, end="")
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
        for label, goal, pattern in figures:
            found = re.findall(pattern, result.stdout)
            rows.append((label, goal, found[-1] if found else "failed"))

    from machine import print_machine

    print("\n===== summary\n")
    print_machine()
    print(f"{'benchmark':40}{'goal':>12}{'measured':>14}")
    for label, goal, measured in rows:
        print(f"{label:40}{goal:>12}{measured:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
