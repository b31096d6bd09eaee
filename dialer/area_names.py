"""English area names for phone numbers ("Jersey City, NJ"), read one line at a time.

The pre-dial guard names the area of the number being typed, as
`phonenumbers.geocoder.description_for_number(number, "en")` does. Importing the geocoder loads
the area names of every prefix in every language (~290,000 prefixes): ~135 MB resident for the
rest of the day and ~0.2 s, on the GUI thread, at the first number typed. The same names sit
in phonenumbers' `geodata/dataN.py` source files, one prefix per line, the files together
sorted by prefix; so the files' first prefixes form an index, and a lookup reads the line of
each of the number's prefixes from the one file that can hold it (a few hundred kilobytes read,
nothing kept but the answer). The geocoder's rules (number types that are not geographic,
mobile tokens, the country-name fallback) are followed step by step;
`tests/unit/test_area_names.py` checks the answers against the geocoder itself. Without the
source files (a bundle that shipped only bytecode) the geocoder is used as before.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import functools
import os
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from dialer import numbers

__all__ = ["describe"]

_DATA_FILE = re.compile(r"data\d+\.py")
_FIRST_PREFIX = re.compile(rb"^ '(\d+)':", re.MULTILINE)
#: The English name on a prefix's line: `'en': 'Name'` or `'en': u('Escaped name')`.
_ENGLISH = re.compile(rb"'en': (?:u\()?('(?:[^'\\\n]|\\.)*')")
#: Bytes read from the top of each file to find its first prefix (licence header included).
_HEAD = 8192


class _AreaTable:
    """The geodata files by first prefix; reads a file only while answering."""

    def __init__(self, firsts: list[str], paths: list[str]) -> None:
        self._firsts = firsts
        self._paths = paths

    def english(self, prefixes: list[str]) -> str:
        """The English name of the first of `prefixes` (longest first) that has one."""
        texts: dict[int, bytes] = {}
        for prefix in prefixes:
            index = bisect.bisect_right(self._firsts, prefix) - 1
            if index < 0:
                continue
            text = texts.get(index)
            if text is None:
                with open(self._paths[index], "rb") as f:
                    text = texts[index] = f.read()
            name = _english_on_line(text, prefix)
            if name:
                return name
        return ""


def _english_on_line(text: bytes, prefix: str) -> str | None:
    start = _line_of(text, prefix.encode("ascii"))
    if start is None:
        return None
    end = text.find(b"\n", start + 1)
    line = text[start : end if end >= 0 else len(text)]
    match = _ENGLISH.search(line)
    if match is None:
        return None  # the prefix has names in other languages only
    name = ast.literal_eval(match.group(1).decode("ascii"))
    return name if isinstance(name, str) else None


def _line_of(text: bytes, key: bytes) -> int | None:
    """Where the line of `key` starts in a file whose lines are sorted by key, by bisection:
    a scan of the file per prefix would read it a dozen times per number."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi) // 2
        start = text.find(b"\n '", mid)
        if start < 0:
            hi = mid
            continue
        found = text[start + 3 : text.find(b"'", start + 3)]
        if found == key:
            return start
        if found < key:
            lo = start + 1
        else:
            hi = mid
    return None


@functools.cache
def _table() -> _AreaTable | None:
    """The index of phonenumbers' geodata source files, or None when they are not there."""
    for package_dir in phonenumbers.__path__:
        folder = os.path.join(package_dir, "geodata")
        try:
            names = [n for n in os.listdir(folder) if _DATA_FILE.fullmatch(n)]
        except OSError:
            continue
        index: list[tuple[str, str]] = []
        for name in names:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    match = _FIRST_PREFIX.search(f.read(_HEAD))
            except OSError:
                return None
            if match is None:
                return None  # a layout this reader does not know: let the geocoder answer
            index.append((match.group(1).decode("ascii"), path))
        if index:
            index.sort()
            return _AreaTable([first for first, _ in index], [path for _, path in index])
    return None


@functools.lru_cache(maxsize=256)
def describe(e164: str) -> str:
    """`geocoder.description_for_number(phonenumbers.parse(e164), "en")`, without the geocoder.

    "" when the number is not valid or names nothing; never raises on a parseable number.
    """
    number = phonenumbers.parse(e164, None)
    table = _table()
    if table is None:
        from phonenumbers import geocoder

        return str(geocoder.description_for_number(number, "en"))
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN or number.country_code is None:
        return ""
    country = numbers.country_name(number) or ""
    if not phonenumbers.is_number_type_geographical(kind, number.country_code):
        return country
    return _area_name(table, number) or country


def _area_name(table: _AreaTable, number: PhoneNumber) -> str:
    """The geocoder's `description_for_valid_number` for a user of no particular region."""
    national = phonenumbers.national_significant_number(number)
    code = number.country_code or 0
    token = phonenumbers.country_mobile_token(code)
    if token and national.startswith(token):  # Argentina's mobile "9" precedes the area code
        region = phonenumbers.region_code_for_country_code(code)
        with contextlib.suppress(NumberParseException):  # the geocoder keeps the number then
            number = phonenumbers.parse(national[len(token) :], region)
    digits = phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
    return table.english([digits[:n] for n in range(len(digits), 0, -1)])
