"""The simulated providers' side of status pushes: each one's payload, POSTed with retries.

Payloads follow each provider's public description (independently of the listener, which must
read them): the Click-to-Call OpenAPI "Call status callback" (clouddialer-openapi.yaml), Alohaa's
outgoing-call webhook fields plus the `metadata` the app sent, and Sarv's (DeepCall) push report.
Acefone publishes no field list: ITS PAYLOAD HERE IS ASSUMED, from a third-party integration's
field names, with the `custom_identifier` Acefone documents as echoed back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

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
    with httpx.Client(timeout=5.0) as client:
        for _ in range(repeat):
            for attempt in range(attempts):
                reply = client.post(url, json=payload, headers=headers or {})
                delivery.replies.append(reply)
                if reply.is_success:
                    break
                time.sleep(backoff * 2**attempt)
    return delivery
