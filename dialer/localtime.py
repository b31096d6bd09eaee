"""The destination's clock: what time it is where a number rings, and whether that is too late.

Calling-hours rules (India's regulator allows commercial calls 09:00-21:00) are about the
*called person's* local time, not the agent's, so the zone comes from the number itself
(phonenumbers' prefix-to-time-zone data) and the offset from the IANA database (`zoneinfo`).

The clock is injectable for the same reason tests need it: `DIALER_NOW` (ISO 8601) replaces
the wall clock everywhere the guard looks, so a demo or a test at any hour is reproducible.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialer.domain.errors import ConfigError

ENV_NOW = "DIALER_NOW"

#: Old IANA names that phonenumbers still returns, mapped to the names people know now.
_CANONICAL = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Rangoon": "Asia/Yangon",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
}

MISSING_TZDATA = (
    "the time-zone database is missing, so the local time there is unknown "
    "(on Windows install the tzdata package)"
)


def now() -> datetime:
    """The current instant, time-zone aware; `DIALER_NOW` overrides the wall clock.

    A `DIALER_NOW` without an offset is read as UTC, not as the machine's zone, so the same
    value means the same instant on every machine that runs a test.
    """
    text = os.environ.get(ENV_NOW, "").strip()
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{ENV_NOW}={text!r} is not an ISO 8601 time (e.g. 2026-11-24T20:30:00+05:30)"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LocalTime:
    """The time in one of the destination's zones (one per distinct UTC offset)."""

    zone: str
    time: datetime  # aware, in `zone`

    def clock(self) -> str:
        return self.time.strftime("%H:%M")


def time_zones(e164: str) -> tuple[str, ...]:
    """IANA zones phonenumbers gives the number's prefix; empty when it knows none."""
    return _time_zones(e164)


@functools.lru_cache(maxsize=256)
def _time_zones(e164: str) -> tuple[str, ...]:
    import phonenumbers
    from phonenumbers import timezone

    try:
        zones = timezone.time_zones_for_number(phonenumbers.parse(e164, None))
    except Exception:  # a library hiccup on odd input means "unknown", never a crash
        return ()
    names = (_CANONICAL.get(z, z) for z in zones if z and z != timezone.UNKNOWN_TIMEZONE)
    return tuple(dict.fromkeys(names))


@functools.lru_cache(maxsize=64)
def _region_zones(region: str) -> tuple[str, ...]:
    """The zones of a region's example fixed-line number: its main zone, usually one."""
    import phonenumbers

    example = phonenumbers.example_number(region)
    if example is None:
        return ()
    return time_zones(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_times(
    e164: str, at: datetime, region: str | None = None
) -> tuple[list[LocalTime], str | None]:
    """The destination's local time(s) at `at`, one per distinct offset, earliest first.

    A prefix can span zones (+1 800, Russian mobiles); each distinct offset is kept so a
    calling-hours check can be honest about all of them. Of zones sharing an offset, the
    `region`'s own (London for a +44 number, not Guernsey) names the group. The second value
    says why the list is empty (no zone known, or no zone database) and is None otherwise.
    """
    zones = time_zones(e164)
    if not zones:
        return [], "the local time there is unknown (no time zone for this number)"
    home = set(_region_zones(region)) if region else set()
    by_offset: dict[object, LocalTime] = {}
    for name in sorted(zones, key=lambda z: z not in home):
        info = _zone(name)
        if info is None:
            continue
        local = at.astimezone(info)
        by_offset.setdefault(local.utcoffset(), LocalTime(name, local))
    if not by_offset:
        return [], MISSING_TZDATA
    return sorted(by_offset.values(), key=lambda lt: lt.time.replace(tzinfo=None)), None


def _clock_time(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def in_window(moment: datetime, window: tuple[str, str]) -> bool:
    """Whether a local time falls in [start, end); a window may wrap past midnight."""
    start, end = (_clock_time(t) for t in window)
    current = moment.time().replace(tzinfo=None)
    if start < end:
        return start <= current < end
    return current >= start or current < end
