"""One dialer per profile, as real processes: a second launch forwards its number over the
local socket and exits; the running window fills it in and asks before dialing."""

from __future__ import annotations

import json
import os
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialer import ipc
from tests.e2e.running_app import Apps, running_apps, wait_for

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the test talks to a Unix socket")


@pytest.fixture
def apps(tmp_path: Path, dialer_home: Path) -> Iterator[Apps]:
    yield from running_apps(tmp_path, dialer_home)


def raw_exchange(name: str, payload: bytes) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(name)
        sock.sendall(payload)
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    reply: dict[str, object] = json.loads(data)
    return reply


def test_a_second_launch_forwards_its_number_and_exits(apps: Apps) -> None:
    first = apps.start()
    state = apps.wait_ready(first)
    assert state["number"] == "" and state["consent_open"] is False
    assert state["protocol"] == ipc.PROTOCOL and state["pid"] == first.pid

    start = time.monotonic()
    second = apps.launch("tel:+919876543210")
    elapsed = time.monotonic() - start
    assert second.returncode == 0, second.stderr
    assert elapsed < 5  # it forwarded and left; it did not become a window
    assert second.stdout == ""

    state = wait_for(
        lambda: (s := apps.state()) and s["consent_open"] and s, what="the consent question"
    )
    assert state["number"] == "tel:+919876543210"
    assert state["consent_number"] == "+919876543210"
    assert first.poll() is None

    # A plain number from another program replaces the question; nothing was dialed.
    assert apps.launch("98765 43219").returncode == 0
    wait_for(lambda: (s := apps.state()) and s["consent_number"] == "+919876543219")
    assert apps.state()["number"] == "98765 43219"  # type: ignore[index]
    history = apps.launch("history", "--json")
    assert json.loads(history.stdout) == []


def test_a_bare_second_launch_just_raises_the_window(apps: Apps) -> None:
    first = apps.start()
    apps.wait_ready(first)
    assert apps.launch().returncode == 0
    state = apps.state()
    assert state is not None and state["window_visible"] is True
    assert state["number"] == "" and not state["consent_open"]
    assert first.poll() is None


def test_a_request_in_another_protocol_is_refused_readably(apps: Apps) -> None:
    apps.wait_ready(apps.start())
    name = apps.name()
    reply = raw_exchange(name, b'{"protocol": 99, "type": "open", "number": "1"}\n')
    assert reply["ok"] is False and reply["protocol"] == ipc.PROTOCOL
    assert "protocol 99" in str(reply["error"])
    assert raw_exchange(name, b"not json\n")["ok"] is False
    assert raw_exchange(name, b'{"protocol": 1, "type": "format-disk"}\n')["ok"] is False
    with pytest.raises(ipc.IpcError, match="unknown request type"):
        ipc.send({"type": "nonsense"}, name)
    assert apps.state() is not None  # still serving after the junk


def test_a_stale_socket_from_a_crashed_app_is_taken_over(apps: Apps) -> None:
    crashed = apps.start()
    apps.wait_ready(crashed)
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(10)
    assert Path(apps.name()).exists()  # left behind, as after a real crash
    assert apps.state() is None

    again = apps.start()
    apps.wait_ready(again)
    assert apps.launch("+919876543210").returncode == 0
    wait_for(lambda: (s := apps.state()) and s["consent_number"] == "+919876543210")
    assert again.poll() is None


def test_two_launches_at_once_end_as_one_app_with_the_later_number(apps: Apps) -> None:
    one = apps.start("+14155550123")
    two = apps.start("+919876543210")
    # One of them becomes the app; the other hands its number over and exits cleanly.
    wait_for(lambda: one.poll() is not None or two.poll() is not None, 30, "one launch to exit")
    survivor, gone = (two, one) if one.poll() is not None else (one, two)
    assert gone.returncode == 0, gone.stderr.read() if gone.stderr else ""
    state = apps.wait_ready(survivor)
    assert state["pid"] == survivor.pid
    wait_for(lambda: (s := apps.state()) and s["consent_open"], what="the consent question")
    assert survivor.poll() is None


def test_each_profile_has_its_own_instance(tmp_path: Path, apps: Apps) -> None:
    other = Apps(tmp_path / "other-home", apps.runtime)
    assert other.name() != apps.name()
    first = apps.start()
    apps.wait_ready(first)
    second = other.start()
    try:
        other.wait_ready(second)  # not forwarded to the first: a window of its own
        assert second.poll() is None and first.poll() is None
    finally:
        other.stop_all()


def test_the_socket_is_private_to_the_user(apps: Apps) -> None:
    apps.wait_ready(apps.start())
    mode = Path(apps.name()).stat().st_mode & 0o777
    assert mode & 0o077 == 0, oct(mode)


def test_without_a_runtime_folder_the_socket_is_in_the_temp_folder(
    tmp_path: Path, dialer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """macOS, and a Linux login without XDG_RUNTIME_DIR: the app and a second launch find each
    other in the temp folder (TMPDIR here), with the user's id in the socket's name."""
    temp = tmp_path / "tmp"
    temp.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", None)  # this process's answer, as the app's is
    apps = Apps(dialer_home, None, {"TMPDIR": str(temp)})
    try:
        assert Path(apps.name()).parent == temp
        assert f"-{os.getuid()}-" in Path(apps.name()).name
        first = apps.start()
        apps.wait_ready(first)
        assert Path(apps.name()).is_socket()
        assert apps.launch("+919876543210").returncode == 0
        wait_for(lambda: (s := apps.state()) and s["consent_number"] == "+919876543210")
        assert first.poll() is None
    finally:
        apps.stop_all()
