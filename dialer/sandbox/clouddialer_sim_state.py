"""The simulated Click-to-Call account behind `clouddialer_sim`: what tests watch and steer, and
what the account does by itself once a call is placed.

Kept apart from the HTTP side so that `clouddialer_sim` stays about the contract around each
request (keys, origins, validation, routing), while what outlives a request lives here. Like the
HTTP side it is written from `clouddialer-openapi.yaml` alone and imports nothing from
`dialer.providers`. Where the seed is silent, these are the simulator's rules:

* Call life follows the sandbox engine's timeline (`dialer.sandbox.engine`), on the injected
  clock; recordings are its generated WAVs, served as `/recordings/crm_<call_id>.wav`.
* The "Call status callback" is POSTed to `callback_url` (the onboarding URL) once the call has
  ended, retried up to 3 times with exponential backoff (from 1 simulated second) when the
  receiver does not answer 2xx; `state.pushes` shows every attempt.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialer.sandbox import wav
from dialer.sandbox.app import iso_z
from dialer.sandbox.callback_senders import PushScheduler
from dialer.sandbox.engine import CallEngine, CallNotFound

#: A test hook: (operation, reply body) -> reply body, applied before reply validation.
Tamper = Callable[[str, dict[str, Any]], dict[str, Any]]

_RECORDING_NAME = re.compile(
    r"crm_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.wav"
)


@dataclass
class SimState:
    """What a test may look at or change while the simulator runs (`app.state.sim`)."""

    #: (method, path) of every request received, in order, valid or not.
    received: list[tuple[str, str]] = field(default_factory=list)
    degraded: bool = False
    reply_delay: float = 0.0
    tamper: Tamper | None = None
    released: threading.Event = field(default_factory=threading.Event)
    #: The status callback URL "you provide during onboarding" (None: no callbacks are sent).
    callback_url: str | None = None
    #: Sends the status callback when a call ends, retried up to 3 times with backoff.
    pushes: PushScheduler = field(default_factory=PushScheduler)

    def release(self) -> None:
        self.released.set()

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.received if m == method and p == path)


def recording_url(base_url: str, call_id: str) -> str:
    """Where the service serves a call's recording, for the status reply and the callback."""
    return f"{base_url}/recordings/crm_{call_id}.wav"


def recording_audio(engine: CallEngine, recordings_dir: Path, filename: str) -> bytes | None:
    """The WAV served under `filename`, or None when no such recording exists (blocking I/O)."""
    match = _RECORDING_NAME.fullmatch(filename)
    if match is None:
        return None
    try:
        view = engine.get(match.group(1))
    except CallNotFound:
        return None
    if not view.recording_available:
        return None
    return wav.recording_path(recordings_dir, view.call_id, view.duration).read_bytes()


def _digits10(value: str) -> str:
    """The last 10 digits, as the callback's example shows numbers ("9876543210")."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[-10:]


def schedule_callback(
    state: SimState, engine: CallEngine, base_url: str, call_id: str, body: dict[str, Any]
) -> None:
    """The documented "Call status callback", POSTed to the onboarding URL once the call
    has ended, with the same `uuid` on every retry."""
    url = state.callback_url
    if not url:
        return
    customer = _digits10(str(body["to_number"]))
    agent = _digits10(str(body.get("agent_number") or "")) or str(body.get("crm_username"))

    def ready() -> dict[str, Any] | None:
        view = engine.get(call_id)
        if not view.ended:
            return None
        return {
            "call_id": view.call_id,
            "uuid": view.uuid,
            "status": view.call_status,
            "duration": view.duration,
            "customer_number": customer,
            "agent_number": agent,
            "direction": "outbound",
            "start_time": iso_z(view.start_time),
            "end_time": iso_z(view.end_time),
            "recording_url": recording_url(base_url, view.call_id)
            if view.recording_available
            else None,
        }

    state.pushes.schedule(call_id, url, ready)
