"""A PulseAudio server on a Unix socket, just enough for libpulse to connect: it answers the
handshake (AUTH, SET_CLIENT_NAME) of the native protocol, or, hung, accepts and never replies.

Packets: a 20-byte descriptor (length, channel, offset high, offset low, flags; big-endian
u32) and a tag struct, where each u32 is b"L" and four big-endian bytes. Commands from
pulse/native-common.h: REPLY 2, AUTH 8, SET_CLIENT_NAME 9.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

_REPLY, _AUTH, _SET_CLIENT_NAME = 2, 8, 9
_COMMAND_CHANNEL = 0xFFFFFFFF
#: The protocol version the fake speaks: no shared memory, so the client sends none.
_VERSION = 32


def _u32(value: int) -> bytes:
    return b"L" + struct.pack(">I", value)


def _packet(payload: bytes) -> bytes:
    return struct.pack(">IIIII", len(payload), _COMMAND_CHANNEL, 0, 0, 0) + payload


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _serve_client(conn: socket.socket) -> None:
    with conn:
        while True:
            header = _read_exactly(conn, 20)
            if header is None:
                return
            length = struct.unpack(">I", header[:4])[0]
            payload = _read_exactly(conn, length)
            if payload is None or payload[:1] != b"L" or payload[5:6] != b"L":
                return
            command, tag = (
                struct.unpack(">I", payload[1:5])[0],
                struct.unpack(">I", payload[6:10])[0],
            )
            if command == _AUTH:
                conn.sendall(_packet(_u32(_REPLY) + _u32(tag) + _u32(_VERSION)))
            elif command == _SET_CLIENT_NAME:
                conn.sendall(_packet(_u32(_REPLY) + _u32(tag) + _u32(1)))  # our client index
            # anything else: no reply (the probe disconnects once it is ready)


@contextlib.contextmanager
def fake_pulse(path: Path, *, hung: bool) -> Iterator[str]:
    """Serve on `path`; yields the PULSE_SERVER value that points libpulse at it."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)
    server.settimeout(0.05)  # the accept loop looks at `stop` this often
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            if hung:
                held.append(conn)  # accepted, never answered
            else:
                threading.Thread(target=_serve_client, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"unix:{path}"
    finally:
        stop.set()
        server.close()
        for conn in held:
            conn.close()
        thread.join(timeout=2)


def own_pulse_config(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """libpulse reads (and may create) its cookie and client.conf under these: keep them here."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"):
        (folder / name).mkdir(mode=0o700, exist_ok=True)
        monkeypatch.setenv(name, str(folder / name))
    monkeypatch.delenv("QT_AUDIO_BACKEND", raising=False)
