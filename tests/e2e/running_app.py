"""The dialer window as a real process, and a way to ask it what it shows (`ipc.query_state`).

Each test gets its own DIALER_HOME and XDG_RUNTIME_DIR (so its own single-instance socket), and
every app it starts is stopped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dialer import ipc


def app_env(home: Path, runtime: Path | None, **extra: str) -> dict[str, str]:
    """`runtime` None: a session without XDG_RUNTIME_DIR (macOS, a bare login), so the socket
    goes in the temp folder (`extra` may name it with TMPDIR)."""
    env = {
        **os.environ,
        "DIALER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "DIALER_SANDBOX_SPEED": "20",
        **extra,
    }
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("XDG_RUNTIME_DIR", None)
    if runtime is not None:
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


def dialer_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "dialer", *args]


def wait_for(check: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Apps:
    """Starts dialer windows and stops every one of them at the end of the test."""

    def __init__(
        self, home: Path, runtime: Path | None, extra_env: dict[str, str] | None = None
    ) -> None:
        self.home = home
        self.runtime = runtime
        self.extra_env = dict(extra_env or {})
        self.procs: list[subprocess.Popen[str]] = []
        #: Apps started by something else (a clicked link): stopped by pid.
        self.pids: list[int] = []

    @property
    def env(self) -> dict[str, str]:
        return app_env(self.home, self.runtime, **self.extra_env)

    def name(self) -> str:
        """The server name the apps of this test listen on (computed as they compute it)."""
        env = self.env
        keys = ("DIALER_HOME", "XDG_RUNTIME_DIR", "TMPDIR", "TEMP", "TMP")
        saved = {k: os.environ.get(k) for k in keys}
        for key in keys:
            if key in env:
                os.environ[key] = env[key]
            else:
                os.environ.pop(key, None)
        try:
            return ipc.server_name()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def start(self, *args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            dialer_cmd(*args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.procs.append(proc)
        return proc

    def launch(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        """A launch that is expected to finish (it forwards, or it registers handlers)."""
        return subprocess.run(
            dialer_cmd(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def state(self) -> dict[str, Any] | None:
        try:
            return ipc.query_state(self.name())
        except ipc.IpcError:
            return None

    def wait_ready(self, proc: subprocess.Popen[str] | None = None) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            if proc is not None and proc.poll() is not None:
                err = proc.stderr.read() if proc.stderr else ""
                raise AssertionError(f"the app exited ({proc.returncode}): {err}")
            state = self.state()
            return state if state and state.get("ready") else None

        result: dict[str, Any] = wait_for(ready, 30, "the app to be ready")
        return result

    def stop_all(self) -> None:
        import signal

        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def running_apps(tmp_path: Path, home: Path) -> Iterator[Apps]:
    """For a fixture: `yield from running_apps(tmp_path, dialer_home)`."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    running = Apps(home, runtime)
    try:
        yield running
    finally:
        running.stop_all()
