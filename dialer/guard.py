"""The pre-dial guard: what will happen if this number is called now, told before it rings.

Other dialers ring whatever they are given, or (MicroSIP) silently empty what their rules do
not match. Here one function answers, for the dial box preview, the Call button, `dialer check`
and `dialer call` alike: the normalized number, its type and place, the exact form the
provider receives, the local time where it rings, and a verdict:

* refused (`allowed` False): the provider cannot take it (country, length; the provider's own
  reason, the number never silently rewritten) or it is on the local do-not-call list;
* needs confirmation: outside the account's calling hours in the destination's local time, or
  a premium-rate or emergency number that arrived from a source nobody looked at (clipboard,
  tel: link, a script) rather than typed.

Qt-free and pure apart from the injected clock and do-not-call lookup, so it is unit-tested
with tables of numbers and arbitrary text (it must never raise on input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from dialer import localtime, numbers
from dialer.domain.errors import ConfigError, DialerError, InvalidNumber
from dialer.localtime import LocalTime

if TYPE_CHECKING:
    from dialer.dnc import DncEntry
    from dialer.settings import Account, Settings


class GuardRefused(DialerError):
    """The guard held the call (do-not-call, calling hours, unconfirmed premium). Nothing sent."""

    exit_code = 2


class Source(StrEnum):
    """Where the number came from: whether a person has looked at it before it rings."""

    TYPED = "typed"  # typed or keyed on the dial pad in the window
    CLIPBOARD = "clipboard"  # pasted whole: read by nobody
    TEL = "tel"  # a tel:/callto: link or a number forwarded by another launch
    CLI = "cli"  # `dialer call`: a script or CRM, usually unattended


#: Sources whose premium-rate and emergency numbers need an explicit confirmation.
UNSEEN = frozenset({Source.CLIPBOARD, Source.TEL, Source.CLI})
_SOURCE_WORDS = {
    Source.TYPED: "was typed",
    Source.CLIPBOARD: "was pasted",
    Source.TEL: "came from a link",
    Source.CLI: "came from the command line",
}

#: phonenumbers' type names as an agent reads them.
TYPE_LABELS = {
    "mobile": "mobile",
    "fixed_line": "fixed line",
    "fixed_line_or_mobile": "fixed line or mobile",
    "toll_free": "toll-free",
    "premium_rate": "premium rate",
    "shared_cost": "shared cost",
    "voip": "VoIP",
    "personal_number": "personal number",
    "pager": "pager",
    "uan": "universal access number",
    "voicemail": "voicemail",
    "unknown": "unknown type",
}


class DncLookup(Protocol):
    def lookup(self, e164: str) -> DncEntry | None: ...


@dataclass(frozen=True)
class Verdict:
    """Everything the guard found; `allowed` and `needs_confirmation` decide, reasons explain.

    A plain dataclass: the preview builds one per keystroke, and nothing here needs validating.
    """

    input: str
    source: Source
    account: str | None
    provider: str | None
    valid: bool
    e164: str | None
    international: str | None
    number_type: str
    country: str | None  # "India"; None when not described or unknown
    region_code: str | None  # "IN"
    region: str | None  # "Bangalore, Karnataka"; None when it would only repeat the country
    extension: str | None
    wire: str | None  # exactly what the provider receives; None when it cannot take it
    time_zones: tuple[str, ...]
    local_times: tuple[LocalTime, ...]
    checked_at: datetime
    calling_hours: tuple[str, str] | None
    within_calling_hours: bool | None  # None: no window, or the local time is unknown
    premium_rate: bool
    emergency: bool
    do_not_call: DncEntry | None
    refusals: tuple[str, ...]
    confirmations: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.confirmations)

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.number_type, self.number_type.replace("_", " "))

    @property
    def place(self) -> str | None:
        """ "Bangalore, Karnataka, India", or the country alone."""
        if self.region and self.country:
            return f"{self.region}, {self.country}"
        return self.region or self.country

    def local_time_text(self) -> str | None:
        """ "20:30 Asia/Kolkata", or a range when the number spans zones; None when unknown."""
        if not self.local_times:
            return None
        first, last = self.local_times[0], self.local_times[-1]
        if len(self.local_times) == 1:
            return f"{first.clock()} {first.zone}"
        return f"{first.clock()}–{last.clock()} across {len(self.time_zones)} time zones"

    def to_json_dict(self) -> dict[str, Any]:
        """The `dialer check --json` contract."""
        dnc = self.do_not_call
        return {
            "input": self.input,
            "source": self.source.value,
            "account": self.account,
            "provider": self.provider,
            "valid": self.valid,
            "e164": self.e164,
            "international": self.international,
            "type": self.number_type,
            "country": self.country,
            "region_code": self.region_code,
            "region": self.region,
            "extension": self.extension,
            "wire": self.wire,
            "time_zones": list(self.time_zones),
            "local_time": self.local_times[0].time.isoformat() if self.local_times else None,
            "local_times": [
                {"zone": lt.zone, "time": lt.time.isoformat()} for lt in self.local_times
            ],
            "checked_at": self.checked_at.isoformat(),
            "calling_hours": list(self.calling_hours) if self.calling_hours else None,
            "within_calling_hours": self.within_calling_hours,
            "premium_rate": self.premium_rate,
            "emergency": self.emergency,
            "do_not_call": (
                {"number": dnc.number, "reason": dnc.reason, "added_at": dnc.added_at}
                if dnc
                else None
            ),
            "allowed": self.allowed,
            "needs_confirmation": self.needs_confirmation,
            "refusals": list(self.refusals),
            "confirmations": list(self.confirmations),
            "notes": list(self.notes),
        }


def check(
    number: str,
    account: Account | str | None,
    settings: Settings,
    now: datetime | Callable[[], datetime] | None = None,
    source: Source = Source.CLI,
    *,
    dnc: DncLookup | None = None,
    describe: bool = True,
) -> Verdict:
    """The verdict on calling `number` with `account` at `now` (default: `localtime.now`).

    Never raises on the number, however odd: every problem is a refusal with its reason. An
    unknown account name is the caller's mistake and raises ConfigError. `describe=False`
    skips the country and region names (each new number reads phonenumbers' area files), for
    the CLI that dials without showing them.
    """
    acc = account if account is not None and not isinstance(account, str) else None
    if acc is None:
        acc = settings.account(account if isinstance(account, str) else None)
    at = now() if callable(now) else now
    at = at or localtime.now()
    if at.tzinfo is None:
        raise ConfigError("the guard needs a time-zone aware clock")
    return _Check(number, acc, settings.preferences.default_region, at, source, describe).run(dnc)


class _Check:
    """One evaluation, gathering facts and reasons as it goes."""

    def __init__(
        self,
        number: str,
        account: Account,
        region: str,
        at: datetime,
        source: Source,
        describe: bool,
    ) -> None:
        self.number = number
        self.account = account
        self.default_region = region
        self.at = at
        self.source = source
        self.describe = describe
        self.refusals: list[str] = []
        self.confirmations: list[str] = []
        self.notes: list[str] = []

    def run(self, dnc: DncLookup | None) -> Verdict:
        parsed = numbers.parse(self.number, self.default_region)
        shown = self.number.strip()
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        provider_name = self.account.provider
        emergency = self._emergency(parsed)
        premium = parsed.valid and parsed.number_type == "premium_rate"
        if not shown:
            self.refusals.append("type a number to call")
        elif emergency:
            self.refusals.append(
                f"{shown} is an emergency number: this app calls through a click-to-call "
                "provider and is not for emergency calls; dial it from a phone"
            )
        elif not parsed.valid or parsed.e164 is None:
            self.refusals.append(f"cannot dial {shown!r}: {parsed.reason or 'not a number'}")
        wire = self._wire(parsed, provider_name) if parsed.valid and not emergency else None

        entry = dnc.lookup(parsed.e164) if dnc is not None and parsed.e164 else None
        if entry is not None:
            self.refusals.append(entry.describe())

        if self.source in UNSEEN and premium:
            self.confirmations.append(
                f"{parsed.international} is a premium-rate number (charged at a premium) and "
                f"{_SOURCE_WORDS[self.source]}: confirm that it should be called"
            )
        elif premium:
            self.notes.append("premium-rate number: calls to it are charged at a premium")
        if parsed.extension:
            self.notes.append(f"extension {parsed.extension} is not dialed: ask for it on the call")

        country, region = self._place(parsed) if parsed.valid else (None, None)
        zones: tuple[str, ...] = ()
        times: list[LocalTime] = []
        within: bool | None = None
        window = self.account.calling_hours
        if parsed.valid and parsed.e164:
            zones = localtime.time_zones(parsed.e164)
            times, unknown = localtime.local_times(parsed.e164, self.at, parsed.region)
            within = self._calling_hours(times, len(zones), unknown, window, country)
        return Verdict(
            input=self.number,
            source=self.source,
            account=self.account.name,
            provider=provider_name,
            valid=parsed.valid,
            e164=parsed.e164,
            international=parsed.international,
            number_type=parsed.number_type if parsed.valid else "unknown",
            country=country,
            region_code=parsed.region,
            region=region,
            extension=parsed.extension,
            wire=wire,
            time_zones=zones,
            local_times=tuple(times),
            checked_at=self.at,
            calling_hours=window,
            within_calling_hours=within,
            premium_rate=premium,
            emergency=emergency,
            do_not_call=entry,
            refusals=tuple(self.refusals),
            confirmations=tuple(self.confirmations),
            notes=tuple(self.notes),
        )

    def _emergency(self, parsed: numbers.ParsedNumber) -> bool:
        """An exact emergency short code of the number's country (112, 100, 999, 911...).

        Exact match only: "connects to" would flag every Delhi landline written without its
        trunk 0 (11 2345 6789 starts with 112).
        """
        import phonenumbers

        digits = parsed.national_digits
        if not digits or parsed.country_code is None or len(digits) > 6:
            return False
        regions = [parsed.region] if parsed.region else []
        regions += phonenumbers.region_codes_for_country_code(parsed.country_code)
        try:
            return any(phonenumbers.is_emergency_number(digits, r) for r in regions if r)
        except Exception:  # metadata oddities mean "not known to be emergency"
            return False

    def _wire(self, parsed: numbers.ParsedNumber, provider_name: str) -> str | None:
        """The provider's form, or its reason for refusing; the number is never rewritten."""
        from dialer.providers import registry

        try:
            cls = registry.get(provider_name)
            return cls.wire_number(parsed)
        except (InvalidNumber, ConfigError) as exc:
            reason = str(exc)
        except Exception as exc:  # a provider bug must read as a refusal, not a crash
            reason = f"{provider_name} could not check this number ({type(exc).__name__})"
        written_locally = not numbers.digits_only(self.number.strip()).startswith("00") and (
            "+" not in self.number
        )
        if written_locally and parsed.country_code is not None:
            reason += f" (with no country code it was read as a +{parsed.country_code} number)"
        self.refusals.append(reason)
        return None

    def _place(self, parsed: numbers.ParsedNumber) -> tuple[str | None, str | None]:
        if not self.describe or parsed.e164 is None:
            return None, None
        country = parsed.country or (_region_name(parsed.region) if parsed.region else None)
        region: str | None = None
        try:
            from dialer import area_names

            region = area_names.describe(parsed.e164)
        except Exception:  # a display nicety must never break the verdict
            region = None
        if not region or region == country:
            region = None
        return country, region

    def _calling_hours(
        self,
        times: list[LocalTime],
        zone_count: int,
        unknown: str | None,
        window: tuple[str, str] | None,
        country: str | None,
    ) -> bool | None:
        if window is None:
            return None
        hours = f"{window[0]}–{window[1]}"
        rule = f"account {self.account.name!r} calls only {hours}, the called person's local time"
        if not times:
            self.confirmations.append(f"{unknown}; {rule}")
            return None
        outside = [lt for lt in times if not localtime.in_window(lt.time, window)]
        if not outside:
            return True
        first, last = outside[0], outside[-1]
        if len(times) == 1:
            it_is = f"it is {first.clock()} in {country} ({first.zone})" if country else ""
            it_is = it_is or f"it is {first.clock()} in {first.zone}"
        elif first is last:
            it_is = f"it is {first.clock()} in {first.zone}, one of its time zones"
        else:
            it_is = (
                f"it is {first.clock()} ({first.zone}) to {last.clock()} ({last.zone}) "
                f"in some of its {zone_count} time zones"
            )
        self.confirmations.append(f"outside calling hours: {it_is}; {rule}")
        return False


def _region_name(region: str) -> str | None:
    """A country's name from its region code, for numbers the geocoder will not name (+44 9...
    premium lines are shared by the UK and the Crown dependencies)."""
    import phonenumbers

    example = phonenumbers.example_number(region)
    if example is None:
        return None
    return numbers.parse(
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    ).country
