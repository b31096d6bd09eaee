"""One dialer per user: a second launch hands its number to the running one and exits.

Agents click tel: links all day; each click runs `dialer tel:…`, and a second window (a second
sandbox, a second tray icon) per click would be chaos. The running app listens on a local
socket (`dialer.ui.instance_server`, a QLocalServer: a Unix socket, or a named pipe on
Windows); a new launch connects first and, when someone answers, sends one JSON line and waits
for one JSON line back:

    → {"protocol": 1, "type": "open", "number": "tel:+919876543210", "source": "tel",
       "minimized": false}
    ← {"protocol": 1, "ok": true}

`type` is "open" (raise the window, fill in the number) or "state" (what the window shows:
for scripts and tests). Unknown keys are ignored, so fields can be added without a new
protocol number; `protocol` changes only for an incompatible change, and each side refuses a
version it does not speak with a readable error instead of guessing.

The server name is per user and per DIALER_HOME, so tests and portable installs never talk to
someone else's dialer. This client side is plain sockets, not Qt: the forwarding launch
exits in ~20 ms instead of loading QtNetwork (~60 ms), and the core stays Qt-free. `json` and
`socket` are imported only once a socket file exists: the usual launch finds none and goes on
to paint its window ~5 ms sooner.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal, NamedTuple

__all__ = [
    "MAX_MESSAGE",
    "PROTOCOL",
    "IpcError",
    "Request",
    "decode",
    "encode",
    "error_reply",
    "forward",
    "ok_reply",
    "parse_request",
    "query_state",
    "send",
    "server_name",
    "source_of",
]

PROTOCOL = 1
#: A request or reply longer than this is refused: one number never needs more.
MAX_MESSAGE = 16 * 1024
#: How long a launch waits for the running app before starting its own.
TIMEOUT = 3.0

Source = Literal["tel", "cli", "clipboard"]
_URI_SCHEMES = ("tel:", "callto:")


class IpcError(Exception):
    """The other side answered but could not be understood, or refused; the text says why."""


class Request(NamedTuple):
    """A NamedTuple, not a dataclass: `dataclasses` (with `inspect`) costs ~5 ms before the
    window's first paint, and this type is only ever built and read."""

    kind: Literal["open", "state"]
    number: str | None = None
    source: Source = "cli"
    minimized: bool = False


def source_of(number: str | None) -> Source:
    """A tel:/callto: URI comes from a link handler; anything else from a command line."""
    if number and number.strip().lower().startswith(_URI_SCHEMES):
        return "tel"
    return "cli"


# --- the wire format ----------------------------------------------------------------------------


def encode(message: dict[str, Any]) -> bytes:
    import json

    data = json.dumps({"protocol": PROTOCOL, **message}, ensure_ascii=True).encode("ascii")
    return data + b"\n"


def decode(data: bytes) -> dict[str, Any]:
    """One message; IpcError if it is not a JSON object in the protocol this side speaks."""
    if len(data) > MAX_MESSAGE:
        raise IpcError(f"message too long ({len(data)} bytes)")
    import json

    try:
        message = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IpcError("not a JSON message") from None
    if not isinstance(message, dict):
        raise IpcError("not a JSON object")
    version = message.get("protocol")
    if version != PROTOCOL:
        raise IpcError(
            f"protocol {version!r} is not understood (this dialer speaks protocol {PROTOCOL})"
        )
    return message


def parse_request(data: bytes) -> Request:
    message = decode(data)
    kind = message.get("type")
    if kind == "state":
        return Request(kind="state")
    if kind != "open":
        raise IpcError(f"unknown request type {kind!r}")
    number = message.get("number")
    if number is not None and (not isinstance(number, str) or len(number) > 256):
        raise IpcError("the number must be a short string")
    source = message.get("source", source_of(number))
    if source not in ("tel", "cli"):
        source = "cli"  # a launch cannot claim the clipboard: it is not one
    return Request(
        kind="open",
        number=(number.strip() or None) if number else None,
        source=source,
        minimized=message.get("minimized") is True,
    )


def ok_reply(**fields: Any) -> bytes:
    return encode({"ok": True, **fields})


def error_reply(error: str) -> bytes:
    return encode({"ok": False, "error": error})


# --- where the running app listens --------------------------------------------------------------


def _instance_key() -> str:
    """Which dialer profile: DIALER_HOME when set (tests, portable installs), else the default."""
    home = os.environ.get("DIALER_HOME", "").strip()
    key = str(Path(home).expanduser().resolve()) if home else "default"
    return _sha256_hex(key)[:12]


def _sha256_hex(text: str) -> str:
    """SHA-256 from CPython's built-in module when it has one: `hashlib` loads OpenSSL
    (~2-3 ms) on the way to the first paint. Same digest, so the same socket name."""
    data = text.encode("utf-8")
    try:
        if sys.version_info >= (3, 12):
            from _sha2 import sha256 as builtin_sha256
        else:
            from _sha256 import sha256 as builtin_sha256  # type: ignore[import-not-found]
    except ImportError:  # a Python built without them
        import hashlib

        return hashlib.sha256(data).hexdigest()
    return str(builtin_sha256(data).hexdigest())


def server_name() -> str:
    """The QLocalServer name: a socket path on Unix, a pipe name on Windows.

    On Unix the socket goes in XDG_RUNTIME_DIR (private to the user) when there is one, else in
    the temp dir with the uid in its name; either way it is short enough for a socket path.
    """
    if sys.platform.startswith("win"):
        import getpass

        user = _sha256_hex(getpass.getuser())[:8]
        return f"dialer-{user}-{_instance_key()}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime):
        base = runtime
    else:
        import tempfile  # ~3.5 ms for a command-line launch (the window's PySide6 imports it)

        base = tempfile.gettempdir()
    return os.path.join(base, f"dialer-{os.getuid()}-{_instance_key()}.sock")


# --- the client -------------------------------------------------------------------------------


def send(
    message: dict[str, Any], name: str | None = None, timeout: float = TIMEOUT
) -> dict[str, Any] | None:
    """Send one request to the running app and return its reply; None when none is running.

    IpcError when an app answered but refused or spoke another protocol.
    """
    name = name or server_name()
    if sys.platform.startswith("win"):
        raw = _exchange_pipe(name, encode(message), timeout)
    else:
        raw = _exchange_unix(name, message, timeout)
    if raw is None:
        return None
    reply = decode(raw)
    if reply.get("ok") is not True:
        raise IpcError(str(reply.get("error") or "the running dialer refused the request"))
    return reply


def forward(number: str | None, *, minimized: bool = False, name: str | None = None) -> bool:
    """Hand a launch's number to the running app; False when there is none to hand it to."""
    request = {
        "type": "open",
        "number": number,
        "source": source_of(number),
        "minimized": minimized,
    }
    return send(request, name) is not None


def query_state(name: str | None = None) -> dict[str, Any] | None:
    """What the running app's window shows (its number box, whether it asks to confirm)."""
    return send({"type": "state"}, name)


def _read_line(recv: Any) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk: bytes = recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_MESSAGE:
            raise IpcError("reply too long")
    return data.strip()


def _exchange_unix(path: str, message: dict[str, Any], timeout: float) -> bytes | None:
    try:
        info = os.stat(path)
    except OSError:
        return None  # nobody has listened here: the common first-launch case, decided in µs
    if info.st_uid != os.getuid():
        # Someone else's socket in a shared temp dir: never hand them our numbers.
        raise IpcError(f"{path} belongs to another user; set XDG_RUNTIME_DIR or remove it")
    import socket

    payload = encode(message)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(path)
        except (ConnectionRefusedError, FileNotFoundError):
            return None  # left behind by an app that died: the new app takes it over
        sock.sendall(payload)
        reply = _read_line(sock.recv)
    except TimeoutError:
        raise IpcError("the running dialer did not answer in time") from None
    except OSError as exc:
        raise IpcError(f"could not talk to the running dialer: {exc}") from None
    finally:
        sock.close()
    if not reply:
        raise IpcError("the running dialer closed the connection without answering")
    return reply


def _exchange_pipe(name: str, payload: bytes, timeout: float) -> bytes | None:
    """Windows: QLocalServer is a byte-mode named pipe, which a plain file open can talk to.

    A pipe read cannot time out, so the exchange runs on a daemon thread that is abandoned
    when the running app does not answer in time.
    """
    import threading

    path = rf"\\.\pipe\{name}"
    result: dict[str, Any] = {}

    def exchange() -> None:
        try:
            for _attempt in range(20):
                try:
                    pipe = open(path, "r+b", buffering=0)  # noqa: SIM115 - closed below
                    break
                except FileNotFoundError:
                    result["none"] = True
                    return
                except OSError as exc:  # ERROR_PIPE_BUSY (231): another launch is being served
                    if getattr(exc, "winerror", None) != 231:
                        raise
                    threading.Event().wait(0.05)
            else:
                raise IpcError("the running dialer is busy")
            with pipe:
                pipe.write(payload)
                result["reply"] = _read_line(pipe.read)
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=exchange, name="dialer-ipc", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise IpcError("the running dialer did not answer in time")
    if result.get("none"):
        return None
    error = result.get("error")
    if isinstance(error, IpcError):
        raise error
    if error is not None:
        raise IpcError(f"could not talk to the running dialer: {error}")
    reply: bytes = result.get("reply", b"")
    if not reply:
        raise IpcError("the running dialer closed the connection without answering")
    return reply
