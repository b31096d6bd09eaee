"""The pre-dial guard: a table of numbers with their verdicts, calling hours at their edges in
several time zones, and arbitrary text that must never make it raise.

Every check gets an explicit instant: nothing here reads the wall clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer import guard, localtime
from dialer.dnc import DncEntry, DncSnapshot
from dialer.domain.errors import ConfigError
from dialer.guard import Source, Verdict
from dialer.settings import Account, Settings, default_settings

#: 10:00 UTC: 15:30 in India, 10:00 in London: inside 09:00-21:00 for both.
DAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))


def _settings() -> Settings:
    conf = default_settings()
    conf.accounts += [
        Account(name="in", provider="clouddialer", agent="9876500000"),
        Account(name="al", provider="alohaa", agent="9876500000"),
        Account(name="uk", provider="acefone", agent="1001"),
        Account(name="night", provider="sandbox", calling_hours=("22:00", "06:00")),
    ]
    return conf


CONF = _settings()


def verdict(
    number: str,
    account: str = "sandbox",
    at: datetime = DAY,
    source: Source = Source.TYPED,
    **kwargs: object,
) -> Verdict:
    return guard.check(number, account, CONF, at, source, **kwargs)  # type: ignore[arg-type]


# --- the table ---------------------------------------------------------------------------------

MOBILE = "+919876543210"
BANGALORE = "+918023456789"
DELHI = "+911123456789"

#: (input, account, allowed, wire, type); "uk" is Acefone, "in" the India-only Click-to-Call API.
TABLE = [
    # Indian mobiles, every way people write them
    ("9876543210", "sandbox", True, MOBILE, "mobile"),
    ("09876543210", "sandbox", True, MOBILE, "mobile"),
    ("098765 43210", "sandbox", True, MOBILE, "mobile"),
    ("+919876543210", "sandbox", True, MOBILE, "mobile"),
    ("+91 98765 43210", "sandbox", True, MOBILE, "mobile"),
    ("+91-98765-43210", "sandbox", True, MOBILE, "mobile"),
    ("+91 (987) 654-3210", "sandbox", True, MOBILE, "mobile"),
    ("(+91) 98765 43210", "sandbox", True, MOBILE, "mobile"),
    ("0091 98765 43210", "sandbox", True, MOBILE, "mobile"),
    ("91 98765 43210", "sandbox", True, MOBILE, "mobile"),
    ("919876543210", "sandbox", True, MOBILE, "mobile"),
    ("tel:+91-98765-43210", "sandbox", True, MOBILE, "mobile"),
    ("098765\u00a043210", "sandbox", True, MOBILE, "mobile"),
    ("\u202a+91 98765 43210\u202c", "sandbox", True, MOBILE, "mobile"),
    ("९८७६५४३२१०", "sandbox", True, MOBILE, "mobile"),
    ("+91 98765 43210", "in", True, "9876543210", "mobile"),
    ("098765-43210", "al", True, "9876543210", "mobile"),
    # Indian landlines: with trunk 0, without it, with +91, with brackets and dashes
    ("080 2345 6789", "sandbox", True, BANGALORE, "fixed_line"),
    ("(080) 2345 6789", "sandbox", True, BANGALORE, "fixed_line"),
    ("080-23456789", "sandbox", True, BANGALORE, "fixed_line"),
    ("+91 80 2345 6789", "sandbox", True, BANGALORE, "fixed_line"),
    ("011 2345 6789", "sandbox", True, DELHI, "fixed_line"),
    ("+91-11-2345-6789", "sandbox", True, DELHI, "fixed_line"),
    ("1123456789", "sandbox", True, DELHI, "fixed_line"),  # starts with 112: not emergency
    ("011 2345 6789", "in", True, "1123456789", "fixed_line"),
    # toll-free: the sandbox takes it, the 10-digit-only API says why it cannot
    ("1800 123 4567", "sandbox", True, "+9118001234567", "toll_free"),
    ("1800 123 4567", "in", False, None, "toll_free"),
    # UK numbers for Acefone, as digits with the country code; Indian ones are refused
    ("+44 20 7946 0000", "uk", True, "442079460000", "fixed_line"),
    ("+44 7400 123456", "uk", True, "447400123456", "mobile"),
    ("0044 7400 123456", "uk", True, "447400123456", "mobile"),
    ("020 7946 0000", "uk", False, None, "fixed_line"),  # no +44: read as Pune, India
    ("+91 98765 43210", "uk", False, None, "mobile"),
    ("+44 20 7946 0000", "in", False, None, "fixed_line"),
    ("+44 20 7946 0000", "al", False, None, "fixed_line"),
    # premium rate: allowed when typed (see the source tests for pasted ones)
    ("+44 909 879 0000", "uk", True, "449098790000", "premium_rate"),
    ("+1 900 555 0100", "sandbox", True, "+19005550100", "premium_rate"),
    # emergency numbers: never through click-to-call
    ("112", "sandbox", False, None, "unknown"),
    ("100", "in", False, None, "unknown"),
    ("108", "sandbox", False, None, "unknown"),
    ("tel:112", "sandbox", False, None, "unknown"),
    ("+44 999", "uk", False, None, "unknown"),
    # garbage
    ("", "sandbox", False, None, "unknown"),
    ("   ", "sandbox", False, None, "unknown"),
    ("hello", "sandbox", False, None, "unknown"),
    ("12", "sandbox", False, None, "unknown"),
    ("+", "sandbox", False, None, "unknown"),
    ("tel:", "sandbox", False, None, "unknown"),
    ("++91", "sandbox", False, None, "unknown"),
    ("98765 4321", "sandbox", False, None, "unknown"),
    ("+44 20 7946 000", "uk", False, None, "unknown"),
    ("' OR 1=1 --", "sandbox", False, None, "unknown"),
    ("9876543210" * 10, "sandbox", False, None, "unknown"),
]


@pytest.mark.parametrize(("text", "account", "allowed", "wire", "kind"), TABLE)
def test_table(text: str, account: str, allowed: bool, wire: str | None, kind: str) -> None:
    v = verdict(text, account)
    assert v.allowed is allowed, (v.refusals, v.confirmations)
    assert v.wire == wire
    assert v.number_type == kind
    assert not v.needs_confirmation, v.confirmations  # typed, in hours
    if allowed:
        assert v.valid and v.refusals == ()
    else:
        assert v.refusals and all(r.strip() for r in v.refusals)


def test_facts_of_an_indian_landline() -> None:
    v = verdict("(080) 2345 6789")
    assert v.e164 == BANGALORE and v.international == "+91 80 2345 6789"
    assert v.type_label == "fixed line"
    assert v.country == "India" and v.region_code == "IN"
    assert v.region == "Bangalore, Karnataka" and v.place == "Bangalore, Karnataka, India"
    assert v.time_zones == ("Asia/Kolkata",)  # phonenumbers' Asia/Calcutta, by today's name
    assert v.local_time_text() == "15:30 Asia/Kolkata"
    assert v.local_times[0].time == DAY.astimezone(IST)


def test_a_mobile_names_only_its_country() -> None:
    v = verdict("9876543210")
    assert v.region is None and v.place == "India"


def test_a_uk_number_is_on_london_time() -> None:
    v = verdict("+44 7400 123456", "uk")
    assert v.country == "United Kingdom"
    assert [lt.zone for lt in v.local_times] == ["Europe/London"]  # not Guernsey, same offset
    assert v.local_time_text() == "10:00 Europe/London"


def test_premium_line_names_its_country_though_the_geocoder_will_not() -> None:
    assert verdict("+44 909 879 0000", "uk").country == "United Kingdom"


def test_refusals_say_why_and_never_rewrite_the_number() -> None:
    v = verdict("020 7946 0000", "uk")
    assert v.e164 == "+912079460000" and v.wire is None
    (reason,) = v.refusals
    assert "UK (+44) numbers only" in reason and "read as a +91 number" in reason
    v = verdict("1800 123 4567", "in")
    assert "10-digit" in v.refusals[0]
    v = verdict("+44 20 7946 0000", "in")
    assert "read as" not in v.refusals[0]  # it had a country code: no hint


def test_emergency_numbers_are_refused_with_the_reason() -> None:
    for text, account in [("112", "sandbox"), ("+44 999", "uk"), ("100", "in")]:
        v = verdict(text, account)
        assert v.emergency and not v.allowed
        assert "emergency number" in v.refusals[0] and "dial it from a phone" in v.refusals[0]
    assert not verdict("911").emergency  # not India's: just too short
    assert not verdict("+91 11 2345 6789").emergency


def test_extension_is_a_note_not_a_silent_drop() -> None:
    v = verdict("tel:+91-98765-43210;ext=42")
    assert v.allowed and v.extension == "42"
    assert any("extension 42 is not dialed" in n for n in v.notes)


# --- where the number came from ----------------------------------------------------------------


@pytest.mark.parametrize("source", [Source.CLIPBOARD, Source.TEL, Source.CLI])
def test_premium_from_an_unseen_source_needs_confirmation(source: Source) -> None:
    v = verdict("+44 909 879 0000", "uk", source=source)
    assert v.allowed and v.needs_confirmation and v.premium_rate
    (reason,) = v.confirmations
    assert "premium-rate" in reason and "confirm" in reason


def test_premium_typed_is_a_note() -> None:
    v = verdict("+44 909 879 0000", "uk", source=Source.TYPED)
    assert v.allowed and not v.needs_confirmation
    assert any("premium" in n for n in v.notes)


@pytest.mark.parametrize("source", list(Source))
def test_emergency_is_refused_from_every_source(source: Source) -> None:
    v = verdict("112", source=source)
    assert v.emergency and not v.allowed


def test_ordinary_numbers_from_a_link_go_ahead() -> None:
    v = verdict("tel:+91-98765-43210", source=Source.TEL)
    assert v.allowed and not v.needs_confirmation


# --- do not call ---------------------------------------------------------------------------------


def test_do_not_call_refuses_in_any_written_form() -> None:
    listed = DncSnapshot([DncEntry(MOBILE, "asked not to be called", "crm.csv", "2026-11-01")])
    for text in ("098765 43210", "+91-98765-43210", "tel:+919876543210"):
        v = verdict(text, dnc=listed)
        assert not v.allowed and v.do_not_call is not None
        (reason,) = v.refusals
        assert reason == (
            "+919876543210 is on the do-not-call list (asked not to be called), added 2026-11-01"
        )
    assert verdict("9876543211", dnc=listed).allowed


def test_do_not_call_is_not_a_confirmation_even_from_the_cli() -> None:
    listed = DncSnapshot([DncEntry(MOBILE)])
    v = verdict(MOBILE, source=Source.CLI, dnc=listed)
    assert not v.allowed and not v.needs_confirmation


# --- calling hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        ("2026-11-24T03:29:59", False),  # 08:59:59 in India
        ("2026-11-24T03:30:00", True),  # 09:00:00
        ("2026-11-24T15:29:59", True),  # 20:59:59
        ("2026-11-24T15:30:00", False),  # 21:00:00: the end is not included
        ("2026-11-24T20:00:00", False),  # 01:30 the next day
    ],
)
def test_indian_calling_hours_at_the_edges(utc: str, inside: bool) -> None:
    at = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    v = verdict("9876543210", "in", at)
    assert v.within_calling_hours is inside
    assert v.allowed
    assert v.needs_confirmation is not inside
    if not inside:
        (reason,) = v.confirmations
        local = at.astimezone(IST).strftime("%H:%M")
        assert reason.startswith(f"outside calling hours: it is {local} in India (Asia/Kolkata)")
        assert "09:00–21:00" in reason and "'in'" in reason


def test_the_same_instant_seen_from_another_zone_is_the_same_verdict() -> None:
    at = datetime(2026, 11, 24, 20, 59, 59, tzinfo=IST)
    assert verdict("9876543210", "in", at.astimezone(timezone(timedelta(hours=-8)))).allowed
    assert verdict("9876543210", "in", at).within_calling_hours is True
    assert verdict("9876543210", "in", at + timedelta(seconds=1)).within_calling_hours is False


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        ("2026-07-01T07:59:00", False),  # 08:59 BST (summer time)
        ("2026-07-01T08:00:00", True),  # 09:00 BST
        ("2026-07-01T19:59:00", True),  # 20:59 BST
        ("2026-07-01T20:00:00", False),  # 21:00 BST
        ("2026-12-01T08:59:00", False),  # 08:59 GMT (winter)
        ("2026-12-01T09:00:00", True),
        ("2026-12-01T20:59:00", True),
        ("2026-12-01T21:00:00", False),
    ],
)
def test_uk_calling_hours_follow_summer_time(utc: str, inside: bool) -> None:
    at = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert verdict("+44 20 7946 0000", "uk", at).within_calling_hours is inside


def test_a_new_york_number_is_judged_on_new_york_time() -> None:
    # 13:30 UTC is 19:00 in India, inside the window, but 08:30 in New York: outside.
    early = verdict("+1 212 555 0100", "night", datetime(2026, 11, 24, 3, 30, tzinfo=UTC))
    assert early.local_time_text() == "22:30 America/New_York"
    assert early.within_calling_hours is True  # 22:30 is inside the night shift's 22:00-06:00
    v = verdict("+1 212 555 0100", "in", datetime(2026, 11, 24, 13, 30, tzinfo=UTC))
    assert v.within_calling_hours is False
    assert "it is 08:30 in United States (America/New_York)" in v.confirmations[0]


def test_a_number_spanning_zones_is_outside_if_any_zone_is() -> None:
    # +1 800 spans Guam to Newfoundland: there is no instant inside everywhere.
    v = verdict("+1 800 555 0100", "in", datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    assert len(v.time_zones) > 10 and len(v.local_times) > 3
    assert v.within_calling_hours is False
    assert "in some of its" in v.confirmations[0]
    assert " across " in (v.local_time_text() or "")


def test_a_window_may_wrap_past_midnight() -> None:
    night = datetime(2026, 11, 24, 23, 0, tzinfo=IST)
    assert verdict("9876543210", "night", night).within_calling_hours is True
    assert verdict("9876543210", "night", night.replace(hour=6)).within_calling_hours is False
    assert verdict("9876543210", "night", night.replace(hour=5, minute=59)).allowed


def test_the_sandbox_has_no_window() -> None:
    v = verdict("9876543210", "sandbox", datetime(2026, 11, 24, 22, 0, tzinfo=UTC))
    assert v.calling_hours is None and v.within_calling_hours is None
    assert not v.needs_confirmation


def test_unknown_local_time_asks_rather_than_guesses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(localtime, "_zone", lambda name: None)  # no tz database (Windows)
    v = verdict("9876543210", "in")
    assert v.local_times == () and v.within_calling_hours is None
    assert v.needs_confirmation and "tzdata" in v.confirmations[0]
    assert verdict("9876543210", "sandbox").allowed  # no window: nothing to ask


def test_the_clock_is_injectable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_NOW", "2026-11-24T22:15:00+05:30")
    v = guard.check("9876543210", "in", CONF)
    assert v.checked_at == datetime(2026, 11, 24, 22, 15, tzinfo=IST)
    assert v.within_calling_hours is False and "it is 22:15" in v.confirmations[0]
    monkeypatch.setenv("DIALER_NOW", "2026-11-24T10:00:00")  # no offset: UTC
    assert guard.check("9876543210", "in", CONF).local_time_text() == "15:30 Asia/Kolkata"
    calls = guard.check("9876543210", "in", CONF, lambda: DAY)
    assert calls.checked_at == DAY
    monkeypatch.setenv("DIALER_NOW", "tomorrow")
    with pytest.raises(ConfigError, match="ISO 8601"):
        guard.check("9876543210", "in", CONF)
    with pytest.raises(ConfigError, match="aware"):
        guard.check("9876543210", "in", CONF, datetime(2026, 11, 24, 10, 0))


def test_accounts_default_to_the_regulators_window() -> None:
    assert Account(name="a", provider="alohaa").calling_hours == ("09:00", "21:00")
    assert Account(name="s", provider="sandbox").calling_hours is None
    assert Account(name="a", provider="alohaa", calling_hours=None).calling_hours is None
    assert Account(name="a", provider="alohaa", calling_hours="8:30-20:00").calling_hours == (
        "08:30",
        "20:00",
    )
    restored = Account.model_validate_json(Account(name="a", provider="x").model_dump_json())
    assert restored.calling_hours == ("09:00", "21:00")
    for bad in ("9-5", "09:00-09:00", "25:00-26:00", "09:00", ["09:00"]):
        with pytest.raises(ValueError):
            Account(name="a", provider="alohaa", calling_hours=bad)


def test_unknown_account_is_the_callers_mistake() -> None:
    with pytest.raises(ConfigError, match="no account named"):
        verdict("9876543210", "nope")


def test_the_json_contract() -> None:
    data = verdict("+44 909 879 0000", "uk", source=Source.CLIPBOARD).to_json_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["type"] == "premium_rate" and data["wire"] == "449098790000"
    assert data["local_time"] == "2026-11-24T10:00:00+00:00"
    assert data["allowed"] is True and data["needs_confirmation"] is True
    assert data["calling_hours"] == ["09:00", "21:00"] and data["within_calling_hours"] is True


# --- arbitrary text ------------------------------------------------------------------------------

PHONEISH = st.text(alphabet="0123456789+-() .;=#*telxsip:/\u00a0\u202a९", max_size=40)


def _consistent(v: Verdict) -> None:
    assert v.allowed == (not v.refusals)
    assert v.needs_confirmation == bool(v.confirmations)
    if v.wire is not None:
        assert v.valid and v.e164 is not None
    if not v.valid:
        assert not v.allowed
    json.dumps(v.to_json_dict())
    v.local_time_text()
    _ = v.place, v.type_label


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(st.text(max_size=200), PHONEISH),
    account=st.sampled_from(["sandbox", "in", "al", "uk", "night"]),
    source=st.sampled_from(list(Source)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 366),
)
def test_never_raises_on_arbitrary_text(
    text: str, account: str, source: Source, minutes: int
) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    listed = DncSnapshot([DncEntry(MOBILE)])
    _consistent(verdict(text, account, at, source, dnc=listed))


@settings(max_examples=150, deadline=None)
@given(
    digits=st.from_regex(r"\+?[0-9]{1,17}", fullmatch=True),
    region=st.sampled_from(["IN", "GB", "US", "ZZ", ""]),
)
def test_never_raises_on_any_digits_in_any_region(digits: str, region: str) -> None:
    conf = _settings()
    conf.preferences.default_region = region or "IN"
    for account in ("sandbox", "uk", "in"):
        _consistent(guard.check(digits, account, conf, DAY, Source.CLIPBOARD))
