"""The sandbox as its own shared background process.

One sandbox serves the window and every CLI command, so a call placed by `dialer call` can be
watched from the GUI and outlives the command that placed it. The running server announces
itself in `<state dir>/server.json`; clients start one on demand (`ensure_running`) and it
exits by itself after a quiet spell, so nothing lingers after the app is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from dialer import paths
from dialer.domain.errors import NetworkError

DEFAULT_API_KEY = "sandbox"
SERVER_FILE = "server.json"
LOG_FILE = "sandbox.log"
LOCK_FILE = "spawn.lock"
PID_HEADER = "x-sandbox-pid"
FILE_VERSION = 1
HEALTH_TIMEOUT = 0.5
LOCK_STALE_AFTER = 20.0
POLL_INTERVAL = 0.1

#: Servers this process spawned: kept referenced so they can be reaped (no zombies, no
#: "still running" warnings when a Popen object is collected).
_children: list[subprocess.Popen[bytes]] = []


def read_server_file(state_dir: Path | None = None) -> dict[str, Any] | None:
    """The announcement of the running server, or None if absent or unreadable."""
    path = (state_dir or paths.sandbox_dir()) / SERVER_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None
    return data


def remove_server_file_if_ours(state_dir: Path, pid: int) -> None:
    data = read_server_file(state_dir)
    if data is not None and data.get("pid") == pid:
        (state_dir / SERVER_FILE).unlink(missing_ok=True)


# --- finding or starting the shared server ---------------------------------------------------


def _health_ok(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        return bool(response.json().get("status") == "success")
    except (ValueError, AttributeError):
        return False


async def _healthy_url_async(client: httpx.AsyncClient, state: Path) -> str | None:
    data = read_server_file(state)
    with contextlib.suppress(httpx.HTTPError):
        if data and _health_ok(await client.get(f"{data['url']}/health", timeout=HEALTH_TIMEOUT)):
            return str(data["url"])
    return None


def _healthy_url_sync(client: httpx.Client, state: Path) -> str | None:
    data = read_server_file(state)
    with contextlib.suppress(httpx.HTTPError):
        if data and _health_ok(client.get(f"{data['url']}/health", timeout=HEALTH_TIMEOUT)):
            return str(data["url"])
    return None


def _reap_children() -> None:
    for child in list(_children):
        if child.poll() is not None:
            _children.remove(child)


def _spawn_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, "sandbox", "--port", "0"]
    return [sys.executable, "-m", "dialer", "sandbox", "--port", "0"]


def _try_lock(state: Path) -> bool:
    """Claim the right to spawn; a lock older than LOCK_STALE_AFTER belonged to a crash."""
    lock = state / LOCK_FILE
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < LOCK_STALE_AFTER:
                return False
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as out:
            out.write(str(os.getpid()))
        return True
    return False


def _spawn(state: Path) -> subprocess.Popen[bytes]:
    kwargs: dict[str, Any] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
    else:
        kwargs["start_new_session"] = True
    with open(state / LOG_FILE, "ab") as log:
        child = subprocess.Popen(
            _spawn_command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log, **kwargs
        )
    _children.append(child)
    return child


class _Starter:
    """The spawn-and-wait bookkeeping shared by the async and sync `ensure_running`."""

    def __init__(self, timeout: float) -> None:
        self.state = paths.sandbox_dir()
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.child: subprocess.Popen[bytes] | None = None
        self.locked = False

    def step(self) -> None:
        """Spawn once if nobody else is; fail fast if our child died."""
        if self.child is None and _try_lock(self.state):
            self.locked = True
            self.child = _spawn(self.state)
        elif self.child is not None and self.child.poll() is not None:
            raise NetworkError(
                f"The sandbox server exited at start-up (code {self.child.returncode}); "
                f"see {self.state / LOG_FILE}"
            )
        if time.monotonic() >= self.deadline:
            raise NetworkError(
                f"The sandbox server did not start within {self.timeout:g} s; "
                f"see {self.state / LOG_FILE}"
            )

    def finish(self) -> None:
        if self.locked:
            (self.state / LOCK_FILE).unlink(missing_ok=True)
        _reap_children()


async def ensure_running(client: httpx.AsyncClient | None = None, *, timeout: float = 15.0) -> str:
    """The URL of a healthy shared sandbox, starting one if needed (never blocks the loop)."""
    _reap_children()
    starter = _Starter(timeout)
    own_client = client is None
    http = client if client is not None else httpx.AsyncClient(trust_env=False)
    try:
        while True:
            url = await _healthy_url_async(http, starter.state)
            if url is not None:
                return url
            starter.step()
            await asyncio.sleep(POLL_INTERVAL)
    finally:
        starter.finish()
        if own_client:
            await http.aclose()


def ensure_running_sync(timeout: float = 15.0) -> str:
    """`ensure_running` for callers without an event loop (the CLI)."""
    _reap_children()
    starter = _Starter(timeout)
    with httpx.Client(trust_env=False) as http:
        try:
            while True:
                url = _healthy_url_sync(http, starter.state)
                if url is not None:
                    return url
                starter.step()
                time.sleep(POLL_INTERVAL)
        finally:
            starter.finish()


# --- stopping -------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    _reap_children()
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    # A server we (or our caller) started is our child: reap it, or its zombie looks alive.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:
    """On Windows `os.kill(pid, 0)` would terminate the process, so ask the kernel instead."""
    if sys.platform != "win32":  # pragma: no cover - keeps mypy on other platforms honest
        raise NotImplementedError
    import ctypes

    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return bool(code.value == 259)  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def stop(timeout: float = 5.0) -> bool:
    """Terminate the server named in server.json; True if one was running and is now gone.

    The pid is only signalled once the server at the announced URL confirms it (its health
    reply carries the pid), so a stale file never gets an unrelated process killed.
    """
    state = paths.sandbox_dir()
    data = read_server_file(state)
    if data is None:
        return False
    pid = data.get("pid")
    if (
        not isinstance(pid, int) or pid == os.getpid()
    ):  # never signal ourselves (serve() in a thread)
        return False
    try:
        with httpx.Client(trust_env=False) as http:
            response = http.get(f"{data['url']}/health", timeout=HEALTH_TIMEOUT)
        confirmed = response.headers.get(PID_HEADER) == str(pid)
    except httpx.HTTPError:
        confirmed = False
    if not confirmed:
        if not _pid_alive(pid):
            remove_server_file_if_ours(state, pid)
        return False
    os.kill(pid, signal.SIGTERM)
    gone = _wait_gone(pid, timeout)
    if not gone and sys.platform != "win32":
        os.kill(pid, signal.SIGKILL)
        gone = _wait_gone(pid, 1.0)
    if gone:
        remove_server_file_if_ours(state, pid)
    return gone
