"""Whatever text, URI, clipboard or server reply arrives, the app answers with a value or a
typed DialerError: never a crash, never a file outside its folder.

hypothesis generates the inputs; a failure prints the smallest input that breaks the rule.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer import clipboard_numbers, numbers
from dialer.domain import CallRequest, CallSnapshot, CallStatus, DialerError
from dialer.services.recordings import RecordingCache
from tests.faults import accounts

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

#: Text as it comes from people and other programs: any code point, controls and NUL included.
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80) | st.text(max_size=80)
INDIAN_MOBILE = st.from_regex(r"\+91[6-9][0-9]{9}", fullmatch=True)
UK_LANDLINE = st.from_regex(r"\+4420[378][0-9]{7}", fullmatch=True)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
#: Keys the providers' replies really use, so generated objects reach deep into the parsers.
WIRE_KEYS = st.sampled_from(
    ["status", "success", "message", "code", "data", "call_id", "id", "uuid", "legs",
     "error", "errors", "auth_token", "ref_id", "result", "response", "msg", "state",
     "duration", "recording_url", "started_at", "ended_at", "hangup_cause", "call_status"]
)  # fmt: skip
WIRE_JSON = st.dictionaries(WIRE_KEYS, JSON, max_size=8) | JSON


# --- numbers ------------------------------------------------------------------------------------


@FAST
@given(ANY_TEXT, st.sampled_from(["IN", "GB", "US", "ZZ", ""]))
def test_parsing_any_text_never_raises(text: str, region: str) -> None:
    parsed = numbers.parse(text, region)
    assert parsed.valid == (not parsed.reason)
    if parsed.valid:
        assert parsed.e164 is not None and parsed.e164.startswith("+")


@FAST
@given(INDIAN_MOBILE | UK_LANDLINE)
def test_every_written_form_reads_back_as_the_same_number(e164: str) -> None:
    parsed = numbers.parse(e164)
    assert parsed.valid and parsed.e164 == e164
    region = parsed.region or "IN"
    for text in (parsed.international, parsed.national, f"tel:{e164}", f"00{e164[1:]}"):
        assert text is not None
        assert numbers.parse(text, region).e164 == e164, text
    for form in numbers.NumberForm:
        written = numbers.format_for(parsed, form)
        back = written if form is not numbers.NumberForm.E164_DIGITS else f"+{written}"
        assert numbers.parse(back, region).e164 == e164, (form, written)


@FAST
@given(INDIAN_MOBILE, ANY_TEXT)
def test_tel_uris_with_any_parameters_never_raise(e164: str, tail: str) -> None:
    for uri in (f"tel:{e164};{tail}", f"tel:{tail}", f"TEL:{e164}", f"tel://{e164}?{tail}"):
        numbers.parse(uri)
    assert numbers.parse(f"tel:{e164}").e164 == e164


# --- clipboard ----------------------------------------------------------------------------------


@FAST
@given(ANY_TEXT, st.integers(min_value=0, max_value=3000), INDIAN_MOBILE)
def test_clipboard_text_of_any_size_and_content(text: str, repeat: int, e164: str) -> None:
    blob = text * repeat
    found = clipboard_numbers.find_numbers(blob, "IN")
    assert len(found) <= clipboard_numbers.MAX_RESULTS
    assert all(numbers.parse(f.e164).valid for f in found)
    clipboard_numbers.first_number(blob + "\x00\x01\x02" + e164, "IN")
    assert [f.e164 for f in clipboard_numbers.find_numbers(f"call {e164} now", "IN")] == [e164]


# --- provider replies ---------------------------------------------------------------------------


async def _no_sleep(_seconds: float) -> None:
    return None


def _reply_with(status: int, body: bytes) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


async def _exercise(provider_name: str, status: int, body: bytes) -> None:
    from dialer.providers import registry

    account = accounts.account(provider_name, "http://provider.test")
    async with httpx.AsyncClient(transport=_reply_with(status, body)) as client:
        provider = registry.get(provider_name)(account, accounts.SECRETS[provider_name], client)
        if hasattr(provider, "sleep"):
            provider.sleep = _no_sleep
        to = accounts.number(provider_name)
        request = CallRequest(
            account=account.name,
            to_number=numbers.parse(to).e164 or to,
            caller_id=account.caller_ids[0] if account.caller_ids else None,
            agent=account.agent,
        )
        current = CallSnapshot(
            uuid=request.uuid,
            account=account.name,
            provider=provider_name,
            call_id="call-1",
            to_number=request.to_number,
            status=CallStatus.INITIATED,
        )
        for step in (
            lambda: provider.place_call(request),
            lambda: provider.get_status(current),
            lambda: provider.hangup(current),
            provider.test_connection,
        ):
            try:
                await asyncio.wait_for(step(), 5)
            except DialerError as exc:
                assert str(exc).strip()


@pytest.mark.parametrize("provider_name", accounts.PROVIDERS)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    status=st.sampled_from([200, 201, 202, 400, 401, 403, 404, 409, 429, 500, 503]),
    data=WIRE_JSON,
    raw=st.binary(max_size=40),
    use_raw=st.booleans(),
)
def test_any_reply_becomes_a_value_or_a_typed_error(
    provider_name: str, status: int, data: Any, raw: bytes, use_raw: bool
) -> None:
    body = raw if use_raw else json.dumps(data).encode()
    asyncio.run(_exercise(provider_name, status, body))


# --- recording names ----------------------------------------------------------------------------

HOSTILE_NAMES = st.sampled_from(
    ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "a\x00.wav", "C:\\x.wav", "~/x",
     "%2e%2e%2f%2e%2e%2fx.wav", "....//x.wav", ""]
) | ANY_TEXT  # fmt: skip


@FAST
@given(call_uuid=HOSTILE_NAMES, served_name=HOSTILE_NAMES)
def test_recordings_from_any_server_stay_in_the_cache_folder(
    tmp_path_factory: pytest.TempPathFactory, call_uuid: str, served_name: str
) -> None:
    folder = tmp_path_factory.mktemp("recordings")
    cache = RecordingCache(folder)
    assert cache.key(call_uuid).isalnum()
    quoted = served_name.replace('"', "").encode("utf-8", "replace")

    def handler(request: httpx.Request) -> httpx.Response:
        headers = [
            (b"content-type", b"audio/wav"),
            (b"content-disposition", b'attachment; filename="' + quoted + b'"'),
        ]
        return httpx.Response(200, content=b"RIFF\x00\x00\x00\x00WAVE", headers=headers)

    async def go() -> Path | None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            try:
                return await cache.fetch(client, call_uuid, "http://rec.test/../../x.wav")
            except DialerError:
                return None

    path = asyncio.run(go())
    written = [p for p in folder.rglob("*") if p.is_file()]
    assert all(p.resolve().parent == folder.resolve() for p in written), written
    if path is not None:
        assert path.resolve().parent == folder.resolve()
