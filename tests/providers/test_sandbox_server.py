"""The sandbox over real HTTP on loopback, every exchange checked against its OpenAPI spec.

Most tests drive the server's simulated time with a fake clock (no sleeping); a few run it at a
high speed on the real clock, and the process tests run `serve()` in a thread or in a child
process, as the app does.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError

from dialer.domain.errors import NetworkError
from dialer.sandbox import process, server
from dialer.sandbox.app import create_app
from tests.support.live_server import FakeClock, free_socket, run_server
from tests.support.openapi import OpenAPIRequest, OpenAPIResponse, load_spec

REPO = Path(__file__).resolve().parents[2]
SANDBOX_SPEC = REPO / "dialer" / "sandbox" / "sandbox-openapi.yaml"
SEED_SPEC = REPO.parent / "shared/providers/clouddialer-openapi.yaml"
KEY = "sandbox"
AUTH = {"Authorization": f"Bearer {KEY}"}
AGENT = "9876543211"
CUSTOMER = "9876543210"


# --- OpenAPI validation over httpx -----------------------------------------------------------


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    spec = copy.deepcopy(load_spec(SANDBOX_SPEC))
    # The contract names the production host; the sandbox serves the same paths on loopback.
    spec["servers"] = [{"url": "/"}]
    return OpenAPI.from_dict(spec)


class Api:
    """An httpx client whose every exchange is validated against the sandbox spec."""

    def __init__(self, base_url: str, openapi: OpenAPI) -> None:
        self.base_url = base_url
        self.openapi = openapi
        self.client = httpx.Client(base_url=base_url, timeout=5.0, trust_env=False)

    def call(
        self,
        method: str,
        path: str,
        *,
        request_valid: bool | None = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send; check the response always, and the request as `request_valid` says.

        None means "the spec cannot tell" (e.g. a well-formed string that is no phone number).
        """
        response = self.client.request(method, path, **kwargs)
        request = OpenAPIRequest(response.request)
        if request_valid is True:
            self.openapi.validate_request(request)
        elif request_valid is False:
            with pytest.raises(OpenAPIError):
                self.openapi.validate_request(request)
        self.openapi.validate_response(request, OpenAPIResponse(response))
        return response

    def place(self, request_valid: bool | None = True, **fields: Any) -> httpx.Response:
        body: dict[str, Any] = {
            "from_number": "919800000000",
            "to_number": CUSTOMER,
            "agent_number": AGENT,
            "uuid": "crm-42",
        }
        body.update(fields)
        body = {k: v for k, v in body.items() if v is not None}
        return self.call("POST", "/calls", json=body, headers=AUTH, request_valid=request_valid)

    def place_ok(self, **fields: Any) -> str:
        response = self.place(**fields)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "success" and body["message"] == "Call initiated"
        return str(uuid.UUID(body["call_id"]))

    def status(self, call_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/calls/{call_id}", headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        assert isinstance(body, dict)
        return body


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error_code", "message"}
    assert body["status"] == "error" and body["error_code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(tmp_path: Path, clock: FakeClock, openapi: OpenAPI) -> Iterator[Api]:
    for url in run_server(create_app(tmp_path / "sandbox", api_key=KEY, clock=clock)):
        api = Api(url, openapi)
        yield api
        api.client.close()


@pytest.fixture
def fast_api(tmp_path: Path, openapi: OpenAPI) -> Iterator[Api]:
    for url in run_server(create_app(tmp_path / "sandbox", api_key=KEY, speed=50.0)):
        api = Api(url, openapi)
        yield api
        api.client.close()


# --- the contract ----------------------------------------------------------------------------


def test_sandbox_spec_keeps_every_seed_operation_unchanged() -> None:
    seed, sandbox = load_spec(SEED_SPEC), load_spec(SANDBOX_SPEC)
    for key in ("openapi", "info", "servers", "tags"):
        assert sandbox[key] == seed[key], key
    for name, section in seed["components"].items():
        assert sandbox["components"][name] == section, name
    for path, operations in seed["paths"].items():
        assert path in sandbox["paths"], path
        for method, operation in operations.items():
            ours = sandbox["paths"][path][method]
            # Only responses the sandbox really returns may be added; nothing else changes.
            assert {k: v for k, v in ours.items() if k != "responses"} == {
                k: v for k, v in operation.items() if k != "responses"
            }, f"{method} {path}"
            for status, response in operation["responses"].items():
                assert ours["responses"][status] == response, f"{method} {path} {status}"
    hangup = sandbox["paths"]["/calls/{call_id}/hangup"]["post"]
    assert set(hangup["responses"]) == {"200", "400", "401", "404"}
    for path in ("/calls/{call_id}", "/calls/{call_id}/add-leg"):
        assert "401" in next(iter(sandbox["paths"][path].values()))["responses"]


def test_health_needs_no_key(api: Api) -> None:
    response = api.call("GET", "/health")
    assert response.status_code == 200 and response.json() == {"status": "success"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}],
    ids=["missing", "wrong-key", "wrong-scheme"],
)
def test_authenticated_endpoints_refuse_a_bad_key(api: Api, headers: dict[str, str]) -> None:
    call_id = api.place_ok()
    # openapi-core only checks that a bearer header is present, so "wrong-key" looks valid.
    request_valid = None if headers.get("Authorization", "").startswith("Bearer") else False
    exchanges = [
        ("POST", "/calls", {"json": {"from_number": "919800000000"}}),
        ("GET", f"/calls/{call_id}", {}),
        ("POST", f"/calls/{call_id}/add-leg", {"json": {"number": "9123456780"}}),
        ("POST", f"/calls/{call_id}/hangup", {}),
    ]
    for method, path, kwargs in exchanges:
        response = api.call(method, path, headers=headers, request_valid=request_valid, **kwargs)
        message = assert_error(response, 401, "UNAUTHORIZED")
        assert message == "Invalid or missing API key"
    assert api.status(call_id)["call_status"] == "INITIATED"  # nothing was hung up


@pytest.mark.parametrize("call_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_call_is_404(api: Api, call_id: str) -> None:
    request_valid = None if call_id == "not-a-uuid" else True
    for method, suffix, kwargs in [
        ("GET", "", {}),
        ("POST", "/add-leg", {"json": {"number": "9123456780"}}),
        ("POST", "/hangup", {}),
    ]:
        response = api.call(
            method, f"/calls/{call_id}{suffix}", headers=AUTH, request_valid=request_valid, **kwargs
        )
        assert_error(response, 404, "CALL_NOT_FOUND")


def test_unknown_path_still_answers_in_the_error_shape(api: Api) -> None:
    response = api.client.get("/nowhere")
    assert_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "number", ["9876543210", "+919876543210", "919876543210", "+14155550123", "+4930123456"]
)
def test_accepted_number_forms(api: Api, number: str) -> None:
    api.place_ok(to_number=number, agent_number=number, from_number="+919800000000")


def test_crm_username_and_extra_fields(api: Api, clock: FakeClock) -> None:
    call_id = api.place_ok(
        agent_number=None, crm_username="agent.017", recording=False, max_ring_time=120, extra=1
    )
    clock.advance(6)
    assert api.status(call_id)["legs"][0] == {
        "role": "agent",
        "number": "agent.017",
        "status": "JOINED",
    }


@pytest.mark.parametrize(
    ("fields", "code", "names", "request_valid"),
    [
        ({"from_number": None}, "INVALID_REQUEST", "from_number", False),
        ({"to_number": None}, "INVALID_REQUEST", "to_number", False),
        ({"uuid": None}, "INVALID_REQUEST", "uuid", False),
        ({"to_number": 9876543210}, "INVALID_REQUEST", "to_number", False),
        ({"crm_username": "agent.017"}, "AGENT_CONFLICT", "", None),
        ({"agent_number": None}, "MISSING_AGENT", "", None),
        ({"to_number": "12345"}, "INVALID_NUMBER", "to_number", None),
        ({"to_number": "98765 43210"}, "INVALID_NUMBER", "to_number", None),
        ({"to_number": "+91987654321"}, "INVALID_NUMBER", "to_number", None),
        ({"agent_number": "0044-12"}, "INVALID_NUMBER", "agent_number", None),
        ({"from_number": "callerid"}, "INVALID_CALLER_ID", "from_number", None),
        ({"from_number": "1234567"}, "INVALID_CALLER_ID", "from_number", None),
        ({"recording": "yes"}, "INVALID_REQUEST", "recording", False),
        ({"max_ring_time": 4}, "INVALID_REQUEST", "max_ring_time", None),
        ({"max_ring_time": 121}, "INVALID_REQUEST", "max_ring_time", None),
        ({"max_ring_time": "30"}, "INVALID_REQUEST", "max_ring_time", False),
        ({"max_ring_time": True}, "INVALID_REQUEST", "max_ring_time", False),
    ],
)
def test_initiate_validation(
    api: Api, fields: dict[str, Any], code: str, names: str, request_valid: bool | None
) -> None:
    message = assert_error(api.place(request_valid=request_valid, **fields), 400, code)
    assert names in message


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"[]", "application/json"),
        (b'"x"', "application/json"),
        (b"{", "application/json"),
        (b"from_number=1", "application/x-www-form-urlencoded"),
    ],
)
def test_initiate_needs_a_json_object(api: Api, content: bytes, content_type: str) -> None:
    response = api.call(
        "POST",
        "/calls",
        content=content,
        headers={**AUTH, "Content-Type": content_type},
        request_valid=False,
    )
    assert_error(response, 400, "INVALID_REQUEST")


def test_platform_refusal_is_502(api: Api) -> None:
    message = assert_error(api.place(to_number="9876545020"), 502, "PLATFORM_ERROR")
    assert message == "The telephony platform could not queue the call"


# --- calls end to end ------------------------------------------------------------------------


def test_answered_call_through_to_recording(api: Api, clock: FakeClock) -> None:
    call_id = api.place_ok()
    body = api.status(call_id)
    assert body == {
        "status": "success",
        "call_id": call_id,
        "uuid": "crm-42",
        "call_status": "INITIATED",
        "duration": 0,
        "recording_url": None,
        "start_time": None,
        "end_time": None,
        "legs": [{"role": "agent", "number": AGENT, "status": "DIALING"}],
    }
    clock.advance(5)
    body = api.status(call_id)
    assert (body["call_status"], body["start_time"], body["end_time"]) == (
        "ANSWER",
        "2026-07-03T10:00:05Z",
        None,
    )
    assert [leg["status"] for leg in body["legs"]] == ["JOINED", "JOINED"]
    recording = f"/recordings/crm_{call_id}.wav"
    assert_error(api.call("GET", recording), 404, "RECORDING_NOT_FOUND")  # not over yet

    clock.advance(8)
    body = api.status(call_id)
    assert body["call_status"] == "ANSWER" and body["duration"] == 8
    assert body["end_time"] == "2026-07-03T10:00:13Z"
    assert [leg["status"] for leg in body["legs"]] == ["LEFT", "LEFT"]
    assert body["recording_url"] == f"{api.base_url}{recording}"

    response = api.call("GET", body["recording_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        assert 1.0 <= w.getnframes() / w.getframerate() <= 6.0
    assert api.call("GET", recording).content == response.content


def test_no_recording_when_disabled_or_unknown(api: Api, clock: FakeClock) -> None:
    call_id = api.place_ok(recording=False)
    clock.advance(20)
    assert api.status(call_id)["recording_url"] is None
    for name in (
        f"crm_{call_id}.wav",
        f"crm_{uuid.uuid4()}.wav",
        f"crm_{call_id}.mp3",
        "passwd",
        f"CRM_{call_id}.WAV",
    ):
        assert_error(api.call("GET", f"/recordings/{name}"), 404, "RECORDING_NOT_FOUND")


@pytest.mark.parametrize(
    ("to_number", "seconds", "final"),
    [("9876540000", 4, "BUSY"), ("9876542222", 3, "FAILED"), ("9876541111", 2 + 10, "NO_ANSWER")],
)
def test_unsuccessful_calls(
    api: Api, clock: FakeClock, to_number: str, seconds: float, final: str
) -> None:
    call_id = api.place_ok(to_number=to_number, max_ring_time=10)
    clock.advance(seconds - 0.5)
    assert api.status(call_id)["call_status"] == "INITIATED"
    clock.advance(0.5)
    body = api.status(call_id)
    assert body["call_status"] == final
    assert body["start_time"] is None and body["duration"] == 0 and body["recording_url"] is None
    assert body["end_time"] == f"2026-07-03T10:00:{seconds:02d}Z"
    assert body["legs"] == [
        {"role": "agent", "number": AGENT, "status": "LEFT"},
        {"role": "destination", "number": to_number, "status": "FAILED"},
    ]


def test_agent_who_never_answers(api: Api, clock: FakeClock) -> None:
    call_id = api.place_ok(agent_number="9876501111")
    clock.advance(15)
    body = api.status(call_id)
    assert body["call_status"] == "NO_ANSWER"
    assert body["legs"] == [{"role": "agent", "number": "9876501111", "status": "FAILED"}]


def test_hangup_before_connect_cancels(api: Api, clock: FakeClock) -> None:
    call_id = api.place_ok()
    clock.advance(3)
    response = api.call("POST", f"/calls/{call_id}/hangup", headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Call ended", "call_id": call_id}
    body = api.status(call_id)
    assert body["call_status"] == "CANCELED"
    assert body["end_time"] == "2026-07-03T10:00:03Z" and body["start_time"] is None
    assert [leg["status"] for leg in body["legs"]] == ["LEFT", "FAILED"]
    again = api.call("POST", f"/calls/{call_id}/hangup", headers=AUTH)
    assert_error(again, 400, "CALL_ENDED")


def test_hangup_while_talking_keeps_the_recording(api: Api, clock: FakeClock) -> None:
    call_id = api.place_ok()
    clock.advance(8)
    assert api.call("POST", f"/calls/{call_id}/hangup", headers=AUTH).status_code == 200
    body = api.status(call_id)
    assert (body["call_status"], body["duration"]) == ("ANSWER", 3)
    assert body["end_time"] == "2026-07-03T10:00:08Z"
    response = api.call("GET", body["recording_url"])
    with wave.open(io.BytesIO(response.content), "rb") as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(3.0)


def test_add_leg(api: Api, clock: FakeClock) -> None:
    call_id = api.place_ok()
    clock.advance(6)
    path = f"/calls/{call_id}/add-leg"
    response = api.call("POST", path, json={"number": "+919123456780"}, headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Leg queued", "leg_id": 3}
    added = {"role": "destination", "number": "+919123456780", "status": "DIALING"}
    assert api.status(call_id)["legs"][2] == added
    clock.advance(3)
    assert api.status(call_id)["legs"][2]["status"] == "JOINED"
    second = api.call("POST", path, json={"number": "9123450000", "max_ring_time": 5}, headers=AUTH)
    assert second.json()["leg_id"] == 4
    clock.advance(2)
    assert [leg["status"] for leg in api.status(call_id)["legs"]] == [
        "JOINED",
        "JOINED",
        "JOINED",
        "FAILED",
    ]

    bad = api.call("POST", path, json={"number": "12"}, headers=AUTH, request_valid=None)
    assert "number" in assert_error(bad, 400, "INVALID_NUMBER")
    missing = api.call("POST", path, json={}, headers=AUTH, request_valid=False)
    assert_error(missing, 400, "INVALID_REQUEST")
    ring = api.call(
        "POST",
        path,
        json={"number": "9123456780", "max_ring_time": 999},
        headers=AUTH,
        request_valid=None,
    )
    assert_error(ring, 400, "INVALID_REQUEST")

    clock.advance(2)  # sim 13: the call is over
    body = api.status(call_id)
    assert [leg["status"] for leg in body["legs"]] == ["LEFT", "LEFT", "LEFT", "FAILED"]
    ended = api.call("POST", path, json={"number": "9123456780"}, headers=AUTH)
    assert_error(ended, 400, "CALL_ENDED")


def test_real_clock_at_high_speed(fast_api: Api) -> None:
    call_id = fast_api.place_ok()
    deadline = time.monotonic() + 5
    seen = []
    while (body := fast_api.status(call_id))["end_time"] is None:
        seen.append(body["call_status"])
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert seen[0] == "INITIATED" and body["call_status"] == "ANSWER" and body["duration"] == 8
    start = datetime.fromisoformat(body["start_time"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(body["end_time"].replace("Z", "+00:00"))
    assert timedelta(0) <= end - start <= timedelta(seconds=1)
    assert fast_api.call("GET", body["recording_url"]).status_code == 200


# --- the shared process ----------------------------------------------------------------------


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_serve_announces_itself_and_exits_when_idle(tmp_path: Path, openapi: OpenAPI) -> None:
    state = tmp_path / "state"
    server_file = state / "server.json"
    thread = threading.Thread(
        target=server.serve,
        kwargs={"state_dir": state, "idle_exit": 0.6, "api_key": "s3cret", "speed": 50.0},
        daemon=True,
    )
    thread.start()
    wait_for(server_file.exists)
    info = json.loads(server_file.read_text())
    assert set(info) == {"pid", "host", "port", "url", "api_key_is_default", "version"}
    assert info["pid"] == os.getpid() and info["host"] == "127.0.0.1" and info["version"] == 1
    assert info["url"] == f"http://127.0.0.1:{info['port']}" and info["port"] > 0
    assert info["api_key_is_default"] is False

    api = Api(info["url"], openapi)
    try:
        placed = api.call(
            "POST",
            "/calls",
            json={
                "from_number": "919800000000",
                "to_number": CUSTOMER,
                "agent_number": AGENT,
                "uuid": "u",
            },
            headers={"Authorization": "Bearer s3cret"},
        )
        assert placed.status_code == 200
        # Requests keep it alive past the idle limit...
        for _ in range(5):
            time.sleep(0.2)
            assert api.call("GET", "/health").headers[process.PID_HEADER] == str(os.getpid())
        assert thread.is_alive()
    finally:
        api.client.close()
    # ...and silence ends it, taking its announcement with it.
    thread.join(5)
    assert not thread.is_alive()
    assert not server_file.exists()


def test_serve_process_stops_cleanly_on_sigterm(dialer_home: Path, openapi: OpenAPI) -> None:
    env = {**os.environ, "DIALER_HOME": str(dialer_home), "DIALER_SANDBOX_SPEED": "50"}
    child = subprocess.Popen(
        [sys.executable, "-c", "from dialer.sandbox.server import serve; serve(port=0)"],
        env=env,
        stdin=subprocess.DEVNULL,
    )
    try:
        server_file = dialer_home / "state" / "sandbox" / "server.json"
        wait_for(server_file.exists)
        info = process.read_server_file()
        assert info is not None and info["pid"] == child.pid
        assert info["api_key_is_default"] is True
        api = Api(info["url"], openapi)
        call_id = api.place_ok()
        wait_for(lambda: api.status(call_id)["end_time"] is not None, 5)  # speed from env
        api.client.close()

        assert process.stop(timeout=5) is True
        assert child.wait(5) == 0
        assert not server_file.exists()
        assert process.stop() is False
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_ensure_running_spawns_one_shared_server(dialer_home: Path) -> None:
    url = asyncio.run(process.ensure_running(timeout=20))
    info = process.read_server_file()
    assert info is not None and info["url"] == url
    assert httpx.get(f"{url}/health", trust_env=False).json() == {"status": "success"}
    # Already running: both twins find it and spawn nothing new.
    assert process.ensure_running_sync() == url

    async def with_client() -> str:
        async with httpx.AsyncClient() as client:
            return await process.ensure_running(client)

    assert asyncio.run(with_client()) == url
    assert process.read_server_file() == info
    assert process.stop() is True
    assert process.read_server_file() is None


def test_ensure_running_reports_a_server_that_cannot_start(
    dialer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = dialer_home / "state" / "sandbox"
    state.mkdir(parents=True)
    # A stale announcement (nobody listens there) must not be trusted.
    dead = free_socket()
    port = dead.getsockname()[1]
    dead.close()
    (state / "server.json").write_text(json.dumps({"pid": 1, "url": f"http://127.0.0.1:{port}"}))
    command = [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"]
    monkeypatch.setattr(process, "_spawn_command", lambda: command)
    with pytest.raises(NetworkError) as caught:
        process.ensure_running_sync(timeout=10)
    assert "sandbox.log" in str(caught.value) and "code 3" in str(caught.value)
    assert "boom" in (state / "sandbox.log").read_text()
    assert not (state / "spawn.lock").exists()
    # The stale file names pid 1, which no health reply confirms: stop() must not signal it.
    assert process.stop() is False


def test_ensure_running_waits_for_another_spawner(
    dialer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = dialer_home / "state" / "sandbox"
    state.mkdir(parents=True)
    (state / "spawn.lock").write_text("12345")  # someone else is starting it
    monkeypatch.setattr(process, "_spawn_command", lambda: pytest.fail("must not spawn"))
    with pytest.raises(NetworkError, match="did not start within"):
        asyncio.run(process.ensure_running(timeout=0.5))
    assert (state / "spawn.lock").exists()  # not ours to remove
