"""Numbers in copied text: found where agents copy them from, refused where they are not."""

from __future__ import annotations

import logging
import time

import pytest

from dialer import clipboard_numbers
from dialer.clipboard_numbers import MAX_SCAN_CHARS, find_numbers, first_number


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("9876543210", "+919876543210"),
        ("Call Ravi on 98765 43210 after lunch", "+919876543210"),
        ("tel:+91-98765-43210", "+919876543210"),
        ("Mob: +91 98765\u00a043210 | Office: 080 2345 6789", "+919876543210"),
        ("Name\tPhone\nAsha\t+1 (415) 555-0123\n", "+14155550123"),
        ("098765 43210", "+919876543210"),
    ],
)
def test_finds_the_number_people_copy(text: str, e164: str) -> None:
    found = first_number(text, "IN")
    assert found is not None
    assert found.e164 == e164
    assert found.raw in text


def test_all_numbers_in_order_each_once() -> None:
    text = "+91 98765 43210, 080 2345 6789 and again 9876543210"
    assert [f.e164 for f in find_numbers(text, "IN")] == ["+919876543210", "+918023456789"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Invoice 2024-01-15, order #123456, total ₹ 4,999.00",
        "https://example.com/tickets/4815162342",
        "12345",
        "no digits here at all",
    ],
)
def test_what_is_not_a_phone_number_is_not_offered(text: str) -> None:
    assert first_number(text, "IN") is None


def test_the_region_reads_national_numbers() -> None:
    found = first_number("(415) 555-0123", "US")
    assert found is not None and found.e164 == "+14155550123"
    assert first_number("020 7946 0958", "GB") is not None


def test_binary_contents_are_refused_before_parsing() -> None:
    assert find_numbers("\x00\x01PNG 9876543210", "IN") == []
    noisy = "".join(chr(i % 32) for i in range(400)) + " 9876543210"
    assert find_numbers(noisy, "IN") == []


def test_only_the_start_of_a_huge_copy_is_scanned_quickly() -> None:
    tail_number = "x " * 5000 + "9876543210"
    assert first_number(tail_number, "IN") is None  # beyond the cap: never read

    huge = "9876543210 " + "lorem ipsum dolor sit amet " * 400_000  # ~10 MB
    start = time.perf_counter()
    found = first_number(huge, "IN")
    elapsed = time.perf_counter() - start
    assert found is not None and found.e164 == "+919876543210"
    assert elapsed < 0.05


def test_many_numbers_stop_at_the_limit_fast() -> None:
    sheet = "\n".join(f"98765{i:05d}" for i in range(2000))
    start = time.perf_counter()
    found = find_numbers(sheet, "IN")
    assert len(found) == clipboard_numbers.MAX_RESULTS
    assert time.perf_counter() - start < 0.5


def test_a_number_the_cap_may_have_cut_is_not_offered() -> None:
    # "+91 98765 4321|0": what is left could even be valid elsewhere; it must not be offered.
    text = "a " * ((MAX_SCAN_CHARS - 12) // 2) + "+91 98765 43210 more"
    assert len(text) > MAX_SCAN_CHARS
    assert find_numbers(text, "IN") == []
    early = "Call 98765 43210. " + "a " * MAX_SCAN_CHARS
    assert [f.e164 for f in find_numbers(early, "IN")] == ["+919876543210"]


def test_digits_in_links_are_not_numbers_but_tel_links_are() -> None:
    assert first_number("see https://crm.example/lead/9876543210?x=1", "IN") is None
    found = first_number("<a href='tel:+919876543210'>call</a>", "IN")
    assert found is not None and found.e164 == "+919876543210"


def test_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        find_numbers("secret customer +91 98765 43210", "IN")
        find_numbers("\x00binary", "IN")
    assert caplog.records == []
