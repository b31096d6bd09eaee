"""Is the sound server answering? Asked on a worker thread before QtMultimedia asks on the GUI's.

On Linux, QtMultimedia's first audio-device query connects to the PulseAudio server (or
PipeWire's Pulse service) on the GUI thread and waits up to 30 s for it to answer. A server
that accepts connections and never replies (stopped, or wedged after a suspend) froze the
whole window for those 30 s the first time an agent opened a recording: calls, timers and
clicks included (measured with a socket that accepts and never answers). `probe` asks the
same library Qt uses (libpulse, so the same server lookup: PULSE_SERVER, client.conf, the
user's runtime socket), through ctypes with the GIL released, under its own time limit.

Only where Qt would talk to PulseAudio: elsewhere (macOS, Windows, `QT_AUDIO_BACKEND=pipewire`,
no libpulse) the answer is UNKNOWN and the player goes on as before. A server that is simply
absent fails fast in Qt too, so only NOT_ANSWERING keeps the player away from QtMultimedia.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import Literal

__all__ = ["ABSENT", "ANSWERING", "NOT_ANSWERING", "UNKNOWN", "Verdict", "probe"]

Verdict = Literal["answering", "not answering", "absent", "unknown"]
ANSWERING: Verdict = "answering"
NOT_ANSWERING: Verdict = "not answering"
ABSENT: Verdict = "absent"
UNKNOWN: Verdict = "unknown"

#: How long the server gets to finish the handshake (a live one takes a few milliseconds).
TIMEOUT_S = 3.0
LIBRARY = "libpulse.so.0"

# pa_context_state_t and pa_context_flags_t, from pulse/def.h.
_READY, _FAILED, _TERMINATED = 4, 5, 6
_NOAUTOSPAWN = 0x0001


def probe(timeout: float | None = None) -> Verdict:
    """Connect to the user's PulseAudio server and wait for it to accept us, or give up."""
    if not sys.platform.startswith("linux"):
        return UNKNOWN
    if os.environ.get("QT_AUDIO_BACKEND", "").strip().lower() == "pipewire":
        return UNKNOWN
    try:
        pulse = _load()
    except (OSError, AttributeError):
        return UNKNOWN
    limit = TIMEOUT_S if timeout is None else timeout
    loop = pulse.pa_mainloop_new()
    if not loop:
        return UNKNOWN
    context = None
    try:
        context = pulse.pa_context_new(pulse.pa_mainloop_get_api(loop), b"dialer sound check")
        if not context:
            return UNKNOWN
        # No autospawn: the probe never starts a server; Qt may, once told one is not stuck.
        if pulse.pa_context_connect(context, None, _NOAUTOSPAWN, None) < 0:
            return ABSENT
        deadline = time.monotonic() + limit
        while True:
            pulse.pa_mainloop_iterate(loop, 0, None)
            state = pulse.pa_context_get_state(context)
            if state == _READY:
                return ANSWERING
            if state in (_FAILED, _TERMINATED):
                return ABSENT
            if time.monotonic() >= deadline:
                return NOT_ANSWERING
            time.sleep(0.005)
    finally:
        if context:
            pulse.pa_context_disconnect(context)
            pulse.pa_context_unref(context)
        pulse.pa_mainloop_free(loop)


def _load() -> ctypes.CDLL:
    pulse = ctypes.CDLL(LIBRARY)
    p, i = ctypes.c_void_p, ctypes.c_int
    signatures: dict[str, tuple[list[type], type | None]] = {
        "pa_mainloop_new": ([], p),
        "pa_mainloop_get_api": ([p], p),
        "pa_mainloop_iterate": ([p, i, p], i),
        "pa_mainloop_free": ([p], None),
        "pa_context_new": ([p, ctypes.c_char_p], p),
        "pa_context_connect": ([p, ctypes.c_char_p, i, p], i),
        "pa_context_get_state": ([p], i),
        "pa_context_disconnect": ([p], None),
        "pa_context_unref": ([p], None),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(pulse, name)
        function.argtypes, function.restype = argtypes, restype
    return pulse
