"""Libraries' optional extras the dialer never uses stay unloaded."""

from __future__ import annotations

import subprocess
import sys


def test_httpx_loads_without_its_command_line() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; import dialer, httpx; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'click', 'pygments'})); "
            "print(httpx.AsyncClient.__name__)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "AsyncClient"]


def test_without_the_dialer_httpx_would_load_click() -> None:
    """What the entry in dialer/__init__ prevents (uvicorn, a dependency, brings click)."""
    result = subprocess.run(
        [sys.executable, "-c", "import sys, httpx; print('click' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
