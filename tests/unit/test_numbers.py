"""Numbers as people paste them: what each becomes, how each provider form reads, and that
nothing a clipboard can hold makes `parse` raise."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.domain import InvalidNumber
from dialer.numbers import (
    MAX_INPUT_LENGTH,
    NumberForm,
    ParsedNumber,
    digits_only,
    format_for,
    parse,
)

IN_MOBILE = "+919876543210"

# (text, default region, e164, region found, number_type, extension)
VALID = [
    ("+91 98765-43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("+91 98765 43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("098765 43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("9876543210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("919876543210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("91 98765 43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("0091 98765 43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("+91 098765 43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("98765.43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("(98765) 43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("  \t+91 98765 43210 \n", "IN", IN_MOBILE, "IN", "mobile", None),
    ("\u00a0+91\u00a098765\u00a043210\u00a0", "IN", IN_MOBILE, "IN", "mobile", None),
    ("+91 98765\u201343210", "IN", IN_MOBILE, "IN", "mobile", None),  # en dash
    ("+91\u201198765\u221243210", "IN", IN_MOBILE, "IN", "mobile", None),  # nb hyphen, minus
    ("\u200e+91 98765 43210\u200f", "IN", IN_MOBILE, "IN", "mobile", None),  # bidi marks
    ("+91\u200b98765\u200b43210", "IN", IN_MOBILE, "IN", "mobile", None),  # zero-width space
    (
        "\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10",
        "IN",
        IN_MOBILE,
        "IN",
        "mobile",
        None,
    ),  # fullwidth digits
    ("+91 22 2345 6789", "IN", "+912223456789", "IN", "fixed_line", None),
    ("022 2345 6789", "IN", "+912223456789", "IN", "fixed_line", None),
    ("1800 123 4567", "IN", "+9118001234567", "IN", "toll_free", None),
    ("+44 20 7946 0958", "IN", "+442079460958", "GB", "fixed_line", None),
    ("+1 201-555-0123", "IN", "+12015550123", "US", "fixed_line_or_mobile", None),
    ("(201) 555-0123", "US", "+12015550123", "US", "fixed_line_or_mobile", None),
    ("(201) 555-0123 ext 12", "US", "+12015550123", "US", "fixed_line_or_mobile", "12"),
    ("201.555.0123 x 7", "US", "+12015550123", "US", "fixed_line_or_mobile", "7"),
    ("+91 98765 43210 ext. 55", "IN", IN_MOBILE, "IN", "mobile", "55"),
    # URIs: RFC 3966 tel:, callto:, sip:
    ("tel:+91-98765-43210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("TEL:+919876543210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("tel:+1-201-555-0123;ext=12", "IN", "+12015550123", "US", "fixed_line_or_mobile", "12"),
    (
        "tel:+1-201-555-0123;ext=12;isub=abc",
        "IN",
        "+12015550123",
        "US",
        "fixed_line_or_mobile",
        "12",
    ),
    (
        "tel:555-0123;phone-context=+1-201",
        "IN",
        "+12015550123",
        "US",
        "fixed_line_or_mobile",
        None,
    ),
    ("tel:9876543210;phone-context=example.com", "IN", IN_MOBILE, "IN", "mobile", None),
    ("tel:%2B919876543210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("callto:+919876543210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("callto://+91%2098765%2043210", "IN", IN_MOBILE, "IN", "mobile", None),
    ("sip:+919876543210@sip.example.com", "IN", IN_MOBILE, "IN", "mobile", None),
]


@pytest.mark.parametrize(("text", "region", "e164", "where", "kind", "ext"), VALID)
def test_valid_inputs(
    text: str, region: str, e164: str, where: str, kind: str, ext: str | None
) -> None:
    n = parse(text, region)
    assert n.e164 == e164
    assert n.valid and n.possible
    assert n.reason == ""
    assert n.region == where
    assert n.number_type == kind
    assert n.extension == ext
    assert n.raw == text


# (text, region, e164 or None, reason)
INVALID = [
    ("", "IN", None, "empty"),
    ("   \n\t ", "IN", None, "empty"),
    ("\u200b\u200e", "IN", None, "empty"),
    ("abc", "IN", None, "not a phone number"),
    ("hello world", "IN", None, "not a phone number"),
    ("tel:", "IN", None, "not a phone number"),
    ("tel:;ext=1", "IN", None, "not a phone number"),
    ("+", "IN", None, "not a phone number"),
    ("0", "IN", None, "not a phone number"),
    ("98765", "IN", "+9198765", "too short"),
    ("+999 123 4567", "IN", None, "unknown country code"),
    ("12345678901234567890", "IN", None, "too long to be a phone number"),
    ("9876543210", "ZZ", None, "no country code: start with + and the country code"),
    ("98765 4321", "IN", "+91987654321", "invalid number for India"),
    ("(987) 654-3210 ext 12", "US", "+19876543210", "invalid number for United States"),
    ("+1 987 654 3210", "IN", "+19876543210", "invalid number for country code +1"),
    ("555 0123", "US", "+15550123", "local number for United States: add the area code"),
]


@pytest.mark.parametrize(("text", "region", "e164", "reason"), INVALID)
def test_invalid_inputs(text: str, region: str, e164: str | None, reason: str) -> None:
    n = parse(text, region)
    assert not n.valid
    assert n.e164 == e164
    assert n.reason == reason
    with pytest.raises(InvalidNumber):
        format_for(n, NumberForm.E164)


def test_unparseable_has_no_details() -> None:
    n = parse("not a number")
    assert n == ParsedNumber(
        raw="not a number",
        e164=None,
        valid=False,
        possible=False,
        region=None,
        country_code=None,
        national=None,
        international=None,
        extension=None,
        number_type="unknown",
        reason="not a phone number",
    )
    assert n.country is None


def test_details_of_a_valid_number() -> None:
    n = parse("098765 43210")
    assert n.country_code == 91
    assert n.region == "IN"
    assert n.country == "India"
    assert n.national == "098765 43210"
    assert n.international == "+91 98765 43210"
    assert n.national_digits == "9876543210"


def test_country_names() -> None:
    assert parse("+44 20 7946 0958").country == "United Kingdom"
    assert parse("+1 201 555 0123").country == "United States"
    assert parse("+1 987 654 3210").country is None  # +1 is shared and this pins nothing


def test_invalid_number_of_a_single_country_code_names_the_region() -> None:
    n = parse("98765 4321")
    assert n.region == "IN"
    assert n.country_code == 91
    assert n.possible and not n.valid


def test_international_number_without_plus_is_not_guessed_abroad() -> None:
    """A typo must not silently become a call to another country."""
    n = parse("442079460958", "IN")
    assert n.e164 != "+442079460958"
    assert not n.valid


def test_region_is_case_insensitive() -> None:
    assert parse("9876543210", "in").e164 == IN_MOBILE


@pytest.mark.parametrize(
    ("text", "form", "expected"),
    [
        ("+91 98765 43210", NumberForm.E164, "+919876543210"),
        ("+91 98765 43210", NumberForm.E164_DIGITS, "919876543210"),
        ("+91 98765 43210", NumberForm.NATIONAL_DIGITS, "9876543210"),
        ("098765 43210", NumberForm.NATIONAL_DIGITS, "9876543210"),
        ("022 2345 6789", NumberForm.NATIONAL_DIGITS, "2223456789"),
        ("022 2345 6789", NumberForm.E164_DIGITS, "912223456789"),
        # Another country's number in national digits is still its own NSN (documented).
        ("+44 20 7946 0958", NumberForm.NATIONAL_DIGITS, "2079460958"),
        # Italy keeps its leading zero in the NSN and in E.164.
        ("+39 06 1234 5678", NumberForm.NATIONAL_DIGITS, "0612345678"),
        ("+39 06 1234 5678", NumberForm.E164, "+390612345678"),
        # Extensions are never part of a provider form.
        ("tel:+1-201-555-0123;ext=12", NumberForm.E164, "+12015550123"),
        ("tel:+1-201-555-0123;ext=12", NumberForm.NATIONAL_DIGITS, "2015550123"),
    ],
)
def test_format_for(text: str, form: NumberForm, expected: str) -> None:
    assert format_for(parse(text), form) == expected


def test_format_for_accepts_plain_string_forms() -> None:
    assert format_for(parse(IN_MOBILE), NumberForm("e164_digits")) == "919876543210"


def test_format_for_invalid_says_why() -> None:
    with pytest.raises(InvalidNumber, match="too short"):
        format_for(parse("98765"), NumberForm.E164)
    with pytest.raises(InvalidNumber) as info:
        format_for(parse("x" * 1000), NumberForm.E164)
    assert len(str(info.value)) < 120


def test_number_form_values() -> None:
    assert [f.value for f in NumberForm] == ["e164", "e164_digits", "national_digits"]


def test_digits_only() -> None:
    assert digits_only("+91 (98765)-43210 ext. 7") == "9198765432107"
    assert digits_only("") == ""
    assert digits_only("abc") == ""
    assert digits_only("\u0669\u0668\u0667") == "987"  # Arabic-Indic
    assert digits_only("\u096f\u096e") == "98"  # Devanagari
    assert digits_only("²³") == ""  # superscripts are not decimal digits


def test_long_input_is_rejected_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    import phonenumbers

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(phonenumbers, "parse", boom)
    n = parse("9" * (MAX_INPUT_LENGTH + 1))
    assert not n.valid
    assert n.e164 is None
    assert n.reason == "too long to be a phone number"


def test_limit_counts_after_stripping() -> None:
    padded = " " * 500 + "+91 98765 43210" + "\n" * 500
    assert parse(padded).e164 == IN_MOBILE
    exactly = "+91 98765 43210".ljust(MAX_INPUT_LENGTH)
    assert parse(exactly).e164 == IN_MOBILE


def test_huge_clipboard_is_cheap() -> None:
    huge = "+91 98765 43210 " * 500_000  # ~8 MB
    start = time.perf_counter()
    n = parse(huge)
    assert time.perf_counter() - start < 0.5
    assert n.reason == "too long to be a phone number"


def test_importing_does_not_load_the_geocoder() -> None:
    code = (
        "import sys; from dialer import numbers; numbers.parse('+919876543210'); "
        "assert 'phonenumbers.geocoder' not in sys.modules, 'geocoder imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=80), region=st.sampled_from(["IN", "US", "GB", "ZZ", "", "xx"]))
def test_parse_never_raises(text: str, region: str) -> None:
    n = parse(text, region)
    assert isinstance(n, ParsedNumber)
    assert n.valid == (n.reason == "")
    if n.valid:
        assert n.e164 is not None and n.e164.startswith("+")
        assert format_for(n, NumberForm.E164_DIGITS) == n.e164[1:]
    else:
        with pytest.raises(InvalidNumber):
            format_for(n, NumberForm.E164)


_PHONEISH = st.text(alphabet="0123456789+-() .;=:extl\u00a0\u2013\u200e", max_size=40)


@settings(max_examples=400, deadline=None)
@given(text=_PHONEISH, scheme=st.sampled_from(["", "tel:", "callto:", "sip:", "TEL:"]))
def test_phone_like_text_never_raises(text: str, scheme: str) -> None:
    n = parse(scheme + text)
    assert isinstance(n.reason, str)
    if n.e164 is not None:
        assert n.e164.startswith("+") and n.e164[1:].isdigit()


def test_a_short_text_is_read_once_per_region() -> None:
    """The preview, guard, controller and provider read the same number at a click."""
    first = parse("098765 43210", "IN")
    assert parse("098765 43210", "IN") is first
    assert parse("098765 43210", "GB") is not first
    assert parse("098765 43210", "GB").e164 != first.e164


def test_long_text_is_not_kept() -> None:
    from dialer import numbers

    padded = " " * 500 + "+91 98765 43210"
    before = numbers._parse_remembered.cache_info().currsize
    assert parse(padded).e164 == IN_MOBILE
    assert parse(padded) is not parse(padded)
    assert numbers._parse_remembered.cache_info().currsize == before
