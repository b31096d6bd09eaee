"""`CallController.prepare` takes the window's own reading of the number box instead of parsing
again, but only a reading of that very text in the default region."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialer import numbers, paths, settings
from dialer.domain import InvalidNumber
from dialer.services.calls import CallController, ReadNumber
from dialer.services.history import HistoryStore


@pytest.fixture
def controller(dialer_home: Path) -> Iterator[CallController]:
    history = HistoryStore(paths.history_db())
    client = httpx.AsyncClient()
    yield CallController(settings.load(), history, client)
    history.close()


def test_a_reading_of_the_same_text_and_region_is_used(controller: CallController) -> None:
    region = controller.settings.preferences.default_region
    other = numbers.parse("+91 98765 43299", region)
    read = ReadNumber("98765 43210", region, other)  # stands out: another number's reading
    request = controller.prepare("98765 43210", read=read)
    assert request.to_number == "+919876543299"


@pytest.mark.parametrize(
    ("text", "region"), [("98765 43211", None), ("98765 43210", "US")], ids=["text", "region"]
)
def test_a_reading_of_other_text_or_region_is_ignored(
    controller: CallController, text: str, region: str | None
) -> None:
    default = controller.settings.preferences.default_region
    other = numbers.parse("+91 98765 43299", default)
    read = ReadNumber(text, region or default, other)
    assert controller.prepare("98765 43210", read=read).to_number == "+919876543210"


def test_a_reading_still_goes_through_every_check(controller: CallController) -> None:
    region = controller.settings.preferences.default_region
    read = ReadNumber("12", region, numbers.parse("12", region))
    with pytest.raises(InvalidNumber):
        controller.prepare("12", read=read)
