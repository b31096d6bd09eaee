"""The simulated providers' side of status pushes: each one's payload, POSTed with retries.

Payloads follow each provider's public description (independently of the listener, which must
read them): the Click-to-Call OpenAPI "Call status callback" (clouddialer-openapi.yaml), Alohaa's
outgoing-call webhook fields plus the `metadata` the app sent, and Sarv's (DeepCall) push report.
Acefone publishes no field list: ITS PAYLOAD HERE IS ASSUMED, from a third-party integration's
field names, with the `custom_identifier` Acefone documents as echoed back.

`PushScheduler` is what the simulators themselves use to deliver those pushes when a simulated
call ends (to the URL sent in the request, or the one configured in the simulated dashboard).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from dialer import http_client

ALOHAA_METADATA_KEY = "dialer_call_uuid"


def clouddialer_status(
    uuid: str, call_id: str, status: str = "ANSWER", duration: int = 150
) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "uuid": uuid,
        "status": status,
        "duration": duration if status == "ANSWER" else 0,
        "customer_number": "9876543210",
        "agent_number": "9876543211",
        "direction": "outbound",
        "start_time": "2026-07-03T10:00:00Z",
        "end_time": "2026-07-03T10:02:30Z",
        "recording_url": f"https://api.clouddialer.in/recordings/crm_{call_id}.wav",
    }


def alohaa_outgoing(
    uuid: str, call_id: str, call_status: str = "answered", duration: int = 42
) -> dict[str, Any]:
    return {
        "organisation_id": "org-1",
        "call_type": "outgoing",
        "caller_number": "9876543211",
        "receiver_number": "9876543210",
        "did_number": "8045678901",
        "received_at": "2026-07-03 10:00:05",
        "ended_at": "2026-07-03 10:00:52",
        "call_id": call_id,
        "call_status": call_status,
        "call_duration": duration,
        "call_recording_url": f"https://recordings.alohaa.example/{call_id}.mp3",
        "agent_name": "Agent",
        "initiator_ring_duration": 3,
        "receiver_ring_duration": 5,
        "total_ring_duration": 8,
        "hangup_cause": "receiver_disconnected",
        "metadata": {ALOHAA_METADATA_KEY: uuid},
    }


def sarv_push_report(call_id: str, call_status: str = "answered") -> dict[str, Any]:
    return {
        "callId": call_id,
        "callStatus": call_status,
        "cType": "CTC",
        "cNumber": "9876543210",
        "masterNumCTC": "9876543211",
        "masterAgent": "agent1",
        "firstAnswerTime": "2026-07-03 10:00:07",
    }


def acefone_event_assumed(uuid: str, call_id: str, call_status: str = "answered") -> dict[str, Any]:
    """ASSUMED: Acefone documents no webhook fields; these are a third-party integration's."""
    return {
        "uuid": f"acefone-{call_id}",
        "call_id": call_id,
        "custom_identifier": uuid,
        "agent_number": "9876543211",
        "answered_agent_number": "9876543211",
        "direction": "clicktocall",
        "call_status": call_status,
        "start_stamp": "2026-07-03 10:00:00",
        "answer_stamp": "2026-07-03 10:00:06",
        "end_stamp": "2026-07-03 10:01:00",
        "duration": 54,
        "billing_second": 54,
        "recording_url": f"https://recordings.acefone.example/{call_id}.mp3",
        "hangup_cause": "NORMAL_CLEARING",
    }


@dataclass
class Delivery:
    """What the sender saw: every reply, in order (a retry shows as a second reply)."""

    replies: list[httpx.Response] = field(default_factory=list)

    @property
    def last(self) -> httpx.Response:
        return self.replies[-1]


def deliver(
    url: str,
    payload: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    attempts: int = 3,
    backoff: float = 0.05,
    repeat: int = 1,
) -> Delivery:
    """POST `payload` as a provider would: retry a non-2xx reply up to `attempts` times with
    exponential backoff; `repeat` sends it again after success, as a provider does when it
    missed the reply (a timeout on its side)."""
    delivery = Delivery()
    with http_client.client(timeout=5.0) as client:
        for _ in range(repeat):
            for attempt in range(attempts):
                reply = client.post(url, json=payload, headers=headers or {})
                delivery.replies.append(reply)
                if reply.is_success:
                    break
                time.sleep(backoff * 2**attempt)
    return delivery


# --- pushes the simulators send on their own when a simulated call ends ---------------------

#: Builds the payload once the call has ended, or None while it still runs.
Ready = Callable[[], "dict[str, Any] | None"]


@dataclass
class Attempt:
    """One POST of a push, as the sending simulator saw it."""

    status: int | None  # None: no reply (refused connection, timeout)
    text: str = ""
    lost: bool = False  # a reply the simulator pretended not to get (see `lose_next`)


@dataclass
class ScheduledPush:
    key: str
    url: str
    ready: Ready
    headers: dict[str, str]
    method: str = "POST"
    accepts: Callable[[httpx.Response], bool] | None = None
    attempts: list[Attempt] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    done: bool = False
    next_try: float = 0.0


class PushScheduler:
    """A simulator's webhook sender: each scheduled push goes out once its call has ended, and
    a failed delivery is retried with exponential backoff (`retries` more times).

    A daemon thread polls the pending pushes every `tick` real seconds; whether a call has
    ended is asked of the simulator itself (`ready`), so hang-ups, fake clocks and the speed
    knob all work without the scheduler knowing any timeline. `lose_next` makes the next that
    many successful replies count as lost (a timeout on the provider's side), which is what
    makes real providers deliver the same push again.
    """

    def __init__(self, *, retries: int = 3, backoff: float = 1.0, tick: float = 0.02) -> None:
        self.retries = retries
        self.backoff = backoff
        self.tick = tick
        self.lose_next = 0
        self.pushes: list[ScheduledPush] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def schedule(
        self,
        key: str,
        url: str,
        ready: Ready,
        *,
        headers: dict[str, str] | None = None,
        method: str = "POST",
        accepts: Callable[[httpx.Response], bool] | None = None,
    ) -> None:
        with self._lock:
            if self._closed or any(p.key == key for p in self.pushes):
                return
            self.pushes.append(
                ScheduledPush(key, url, ready, dict(headers or {}), method.upper(), accepts)
            )
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sim-webhook-sender", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def pending(self) -> list[ScheduledPush]:
        with self._lock:
            return [p for p in self.pushes if not p.done]

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def _run(self) -> None:
        with http_client.client(timeout=5.0) as client:
            while True:
                self._wake.wait(self.tick)
                self._wake.clear()
                with self._lock:
                    if self._closed:
                        return
                    due = [p for p in self.pushes if not p.done and p.next_try <= time.monotonic()]
                for push in due:
                    try:
                        self._step(client, push)
                    except Exception as exc:  # a broken builder must not stop the sender
                        push.attempts.append(Attempt(None, f"sender failed: {exc}"))
                        push.done = True

    def _step(self, client: httpx.Client, push: ScheduledPush) -> None:
        if push.payload is None:
            push.payload = push.ready()
            if push.payload is None:
                return  # the call is still going
        try:
            if push.method == "GET":
                flat = {k: str(v) for k, v in push.payload.items()}
                reply = client.get(push.url, params=flat, headers=push.headers)
            else:
                reply = client.request(
                    push.method, push.url, json=push.payload, headers=push.headers
                )
        except httpx.HTTPError as exc:
            attempt = Attempt(None, type(exc).__name__)
        else:
            ok = reply.is_success and (push.accepts is None or push.accepts(reply))
            attempt = Attempt(reply.status_code, reply.text[:200])
            if ok and self.lose_next > 0:
                self.lose_next -= 1
                attempt.lost, ok = True, False
            if ok:
                push.attempts.append(attempt)
                push.done = True
                return
        push.attempts.append(attempt)
        failures = len(push.attempts)
        if failures > self.retries:
            push.done = True
            return
        push.next_try = time.monotonic() + self.backoff * 2 ** (failures - 1)
