"""Run a snippet in a fresh interpreter: what a module imports or caches at first use can only
be seen in a process that has not imported it yet (the test session has imported everything)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def fresh_python(
    code: str,
    timeout: float = 60,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> str:
    """`python -c code` with this test session's interpreter (and environment unless `env`
    is given); its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
