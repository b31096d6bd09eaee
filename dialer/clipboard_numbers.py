"""Phone numbers in whatever an agent copied: a CRM row, an email signature, a spreadsheet cell.

The clipboard changes all day with things that are not phone numbers (documents, images,
passwords, megabytes of log), and every change reaches this module, so it must answer fast
and never fail: only the first `MAX_SCAN_CHARS` characters are read, text that looks binary is
refused before any parsing, and at most `MAX_RESULTS` numbers are collected. libphonenumber's
matcher at VALID leniency decides what is a number, so dates, order ids and prices are not
offered. Nothing here logs: clipboard text and the numbers in it are the agent's business.
Qt-free, so it is tested and reused without a display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

__all__ = ["MAX_RESULTS", "MAX_SCAN_CHARS", "Found", "find_numbers", "first_number", "looks_binary"]

#: Text beyond this is not read: a phone number worth offering sits near the start of a copy.
MAX_SCAN_CHARS = 4096
#: More numbers than this in one copy is a list, not a number to call; stop looking.
MAX_RESULTS = 10
#: A number ending this close to the cap may have been cut short (and a cut can leave a shorter
#: number that is still valid), so in a cut copy such a match is dropped.
_CUT_MARGIN = 40
#: Digits in links (ticket ids, tracking numbers) are not phone numbers; tel: links are kept.
_URL = re.compile(r"\b(?!tel:|callto:)[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
#: The matcher's own budget of candidate strings per scan (its default is 65535).
_MAX_TRIES = 200
#: Control characters that ordinary text carries.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


@dataclass(frozen=True)
class Found:
    """One number found: the text as copied (for display) and the E.164 form (to dial)."""

    raw: str
    e164: str
    international: str


def looks_binary(text: str) -> bool:
    """NUL bytes or many control characters: a file or image decoded as text, not a copy."""
    if "\x00" in text:
        return True
    controls = sum(1 for ch in text if ch < " " and ch not in _TEXT_CONTROLS)
    return controls * 20 > len(text)  # more than 5 %


def find_numbers(text: str, region: str, limit: int = MAX_RESULTS) -> list[Found]:
    """Valid numbers in the start of `text`, in order, each once; numbers without a country
    code are read as `region`'s. Never raises: any failure is "no number"."""
    if not text:
        return []
    window = text[:MAX_SCAN_CHARS]
    if looks_binary(window):
        return []
    # Same length, so match positions still measure the distance to the cut.
    window = _URL.sub(lambda m: " " * len(m.group(0)), window)
    cut_at = len(window) - _CUT_MARGIN if len(text) > MAX_SCAN_CHARS else len(window) + 1
    found: list[Found] = []
    seen: set[str] = set()
    try:
        matcher = PhoneNumberMatcher(
            window, region.upper() or "ZZ", leniency=Leniency.VALID, max_tries=_MAX_TRIES
        )
        for match in matcher:
            if match.end > cut_at:
                break
            e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
            if e164 in seen:
                continue
            seen.add(e164)
            international = phonenumbers.format_number(
                match.number, PhoneNumberFormat.INTERNATIONAL
            )
            found.append(Found(raw=match.raw_string, e164=e164, international=international))
            if len(found) >= limit:
                break
    except Exception:  # a library bug on odd input must never reach the clipboard watcher
        return found
    return found


def first_number(text: str, region: str) -> Found | None:
    """The number to offer for one copy: the first one in it."""
    numbers = find_numbers(text, region, limit=1)
    return numbers[0] if numbers else None
