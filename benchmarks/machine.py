"""The machine a benchmark ran on, printed above its figures so numbers are never quoted bare.

Run alone (`.venv/bin/python benchmarks/machine.py`) it prints the same block the other
benchmarks print first.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def pyside_version() -> str:
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        return f"{PySide6.__version__} (Qt {qVersion()})"
    except ImportError:
        return "not installed"


def describe() -> list[tuple[str, str]]:
    ram = ram_gb()
    return [
        ("CPU", f"{cpu_model()} x {os.cpu_count()}"),
        ("RAM", f"{ram:.1f} GB" if ram is not None else "unknown"),
        ("OS", os_name()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("PySide6", pyside_version()),
    ]


def print_machine() -> None:
    for name, value in describe():
        print(f"{name + ':':9}{value}")
    print()


if __name__ == "__main__":
    print_machine()
    sys.exit(0)
