"""The loopback server the dial and GUI-stall benchmarks talk to: the sandbox's own ASGI app
(`dialer.sandbox.app`) under uvicorn on 127.0.0.1, in a child process, behind a thin wrapper.

The wrapper notes `time.monotonic()` (system-wide on Linux, so comparable with the parent's)
the moment a `POST /calls` reaches the app, before its body is read, counts status polls,
and serves a generated WAV recording of a chosen size. Nothing here is part of the app.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STATS_PATH = "/bench/stats"
RECORDING_PATH = "/bench/recording.wav"


def wav_bytes(size: int) -> bytes:
    """A valid 8 kHz 16-bit mono PCM WAV of `size` bytes (a quiet sawtooth, not silence)."""
    data_size = size - 44
    header = b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    header += b"data" + struct.pack("<I", data_size)
    period = struct.pack("<" + "h" * 80, *[(i - 40) * 200 for i in range(80)])
    body = period * (data_size // len(period) + 1)
    return header + body[:data_size]


def serve(state_dir: Path, speed: float, recording_bytes: int) -> None:
    """Print the URL, then serve until killed."""
    import uvicorn

    from dialer.sandbox.app import create_app

    app = create_app(state_dir, speed=speed)
    arrivals: list[float] = []
    polls = [0]
    recording = wav_bytes(recording_bytes) if recording_bytes else b""

    async def respond(send: Any, body: bytes, content_type: bytes) -> None:
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def wrapper(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path, method = scope["path"], scope["method"]
            if path == STATS_PATH:
                stats = {"arrivals": arrivals, "polls": polls[0]}
                await respond(send, json.dumps(stats).encode(), b"application/json")
                return
            if path == RECORDING_PATH:
                await respond(send, recording, b"audio/wav")
                return
            if method == "POST" and path == "/calls":
                arrivals.append(time.monotonic())
            elif method == "GET" and path.startswith("/calls/"):
                polls[0] += 1
        await app(scope, receive, send)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(wrapper, log_level="warning", access_log=False, lifespan="off")
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


class Server:
    """The server child process: `with Server(state, speed) as url: ...`."""

    def __init__(self, state_dir: Path, speed: float, recording_bytes: int = 0) -> None:
        self.args = [str(state_dir), str(speed), str(recording_bytes)]
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, __file__, *self.args], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        url = self.process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            self.__exit__()
            raise RuntimeError("the benchmark's server did not start")
        return url

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def configure(url: str) -> None:
    """The first-run sandbox account, pointed at the benchmark's server (in DIALER_HOME)."""
    from dialer import settings

    current = settings.default_settings()
    account = current.accounts[0].model_copy(update={"base_url": url})
    settings.save(current.model_copy(update={"accounts": [account]}))


if __name__ == "__main__":
    serve(Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]))
