"""The guard's area names come from single lines of phonenumbers' geodata files.

`phonenumbers.geocoder` would keep every prefix's names in every language resident (~135 MB)
after the first number typed; `dialer.area_names` must answer exactly as it does.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType, geocoder
from phonenumbers.geodata import GEOCODE_DATA

from dialer import area_names
from tests.support.fresh_python import fresh_python


def _geocoder(e164: str) -> str:
    return str(geocoder.description_for_number(phonenumbers.parse(e164, None), "en"))


def _examples() -> list[str]:
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.append(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    return found


def test_the_source_files_are_found() -> None:
    assert area_names._table() is not None


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+12012001234", "Jersey City, NJ"),
        ("+12015550123", "New Jersey"),
        ("+12505550199", "British Columbia"),
        ("+912224567890", "Mumbai"),
        ("+5491123456789", "Buenos Aires"),  # Argentina's mobile token "9" is skipped
        ("+12506721234", "Barrière, BC"),  # written u('Barri\u00e8re, BC') in the file
        ("+919876543210", "India"),  # a mobile: the country, not an area
        ("+80012345678", ""),  # international freephone: nothing to name
        ("+447700900123", ""),  # reserved for drama: valid nowhere
    ],
)
def test_known_numbers(e164: str, expected: str) -> None:
    assert area_names.describe(e164) == expected == _geocoder(e164)


def test_every_example_number_is_described_as_the_geocoder_does() -> None:
    differ = [(e, area_names.describe(e), _geocoder(e)) for e in _examples()]
    assert [d for d in differ if d[1] != d[2]] == []
    assert len(differ) > 1000


def test_every_prefix_is_found_in_the_file_the_index_names() -> None:
    """All ~290,000 prefixes: the index picks the file holding each, and its line's English
    name (or none) is the geocoder's."""
    table = area_names._table()
    assert table is not None
    texts = [Path(path).read_bytes() for path in table._paths]
    wrong = []
    for prefix, names in GEOCODE_DATA.items():
        index = bisect.bisect_right(table._firsts, prefix) - 1
        found = area_names._english_on_line(texts[index], prefix) if index >= 0 else None
        if found != names.get("en"):
            wrong.append((prefix, found, names.get("en")))
    assert wrong == []


def test_numbers_built_on_the_prefixes_are_described_as_the_geocoder_does() -> None:
    prefixes = sorted(GEOCODE_DATA)[::97]
    differ = []
    for prefix in prefixes:
        for length in (10, 11, 12):
            e164 = "+" + (prefix + "2345678901234")[:length]
            mine, theirs = area_names.describe(e164), _geocoder(e164)
            if mine != theirs:
                differ.append((e164, mine, theirs))
    assert differ == []


def test_without_the_source_files_the_geocoder_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(area_names, "_table", lambda: None)
    area_names.describe.cache_clear()
    try:
        assert area_names.describe("+12012001234") == "Jersey City, NJ"
    finally:
        area_names.describe.cache_clear()


def test_naming_an_area_does_not_load_the_geodata_modules() -> None:
    out = fresh_python(
        "import sys; from dialer import area_names; "
        "print(area_names.describe('+12012001234')); "
        "print(any(m.startswith('phonenumbers.geo') for m in sys.modules))"
    )
    assert out.splitlines() == ["Jersey City, NJ", "False"]
