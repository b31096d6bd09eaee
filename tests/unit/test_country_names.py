"""Country names in the preview come from phonenumbers' small locale table, not its geocoder.

The geocoder would load every prefix's area names in every language (~100 MB resident) for
one English country name; `dialer.numbers` must give the same names without it.
"""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType, geocoder

from dialer import numbers
from tests.support.fresh_python import fresh_python

SAMPLES = [
    "+919876543210",
    "+14155550123",  # +1: shared by the US, Canada and the Caribbean
    "+12505550199",  # Canada
    "+18762345678",  # Jamaica
    "+447911123456",
    "+447700900123",  # +44 7700 900: reserved for drama, valid nowhere
    "+79123456789",  # +7: Russia and Kazakhstan
    "+77012345678",
    "+80012345678",  # international freephone: no country
    "+881612345678",  # global satellite service: no country
]


def _examples() -> list[str]:
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    return found


@pytest.mark.parametrize("e164", SAMPLES)
def test_country_name_is_the_geocoders(e164: str) -> None:
    expected = geocoder.country_name_for_number(phonenumbers.parse(e164, None), "en") or None
    assert numbers.parse(e164).country == expected


def test_every_regions_examples_are_named_as_the_geocoder_names_them() -> None:
    differ = []
    for e164 in _examples():
        expected = geocoder.country_name_for_number(phonenumbers.parse(e164, None), "en")
        if numbers.parse(e164).country != (expected or None):
            differ.append(e164)
    assert differ == []
    assert numbers.parse("+919876543210").country == "India"


def test_country_name_does_not_load_the_area_names() -> None:
    out = fresh_python(
        "import sys; from dialer import numbers; "
        "print(numbers.parse('+919876543210').country); "
        "print('phonenumbers.geodata' in sys.modules)"
    )
    assert out.split() == ["India", "False"]
