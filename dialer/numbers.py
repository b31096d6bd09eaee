"""Phone numbers as people paste them, turned into what a provider API will accept.

Agents paste from CRMs, web pages, spreadsheets and chat apps, so the input carries URI
schemes, invisible bidi marks, non-breaking spaces and odd dashes. Everything is normalised
here once, with libphonenumber deciding validity, so the rest of the app only ever sees E.164
or a readable reason why a number cannot be dialed.

`parse` never raises: the dial box calls it on every keystroke and on arbitrary clipboard
contents, and an exception there would be a crash, not a validation message.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

from dialer.domain.errors import InvalidNumber

__all__ = [
    "DEFAULT_REGION",
    "MAX_INPUT_LENGTH",
    "NumberForm",
    "ParsedNumber",
    "country_name",
    "digits_only",
    "format_for",
    "parse",
]

DEFAULT_REGION = "IN"

#: Longer input (after stripping) is refused unparsed: no phone number is this long, and a
#: whole document pasted into the dial box must cost nothing.
MAX_INPUT_LENGTH = 64

#: URI schemes that carry a phone number in links and click-to-call handlers.
_SCHEMES = ("tel:", "callto:", "sips:", "sip:")

#: Dash look-alikes that word processors and chat apps substitute for "-".
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d")


class NumberForm(StrEnum):
    """How a provider API wants a number written."""

    E164 = "e164"  # +919876543210
    E164_DIGITS = "e164_digits"  # 919876543210
    NATIONAL_DIGITS = "national_digits"  # 9876543210 (national significant number, no trunk 0)


@dataclass(frozen=True)
class ParsedNumber:
    """The outcome of reading one piece of user text as a phone number.

    Invalid input is a value, not an exception, so the UI can show `reason` next to the box.
    """

    raw: str
    e164: str | None  # None when it cannot be parsed at all
    valid: bool
    possible: bool
    region: str | None  # ISO region, e.g. "IN"
    country_code: int | None  # 91
    national: str | None  # national formatting, e.g. "098765 43210"
    international: str | None  # "+91 98765 43210"
    extension: str | None
    number_type: str  # lower-case phonenumbers.PhoneNumberType name, e.g. "mobile"
    reason: str  # "" when valid; else a short readable reason

    @property
    def country(self) -> str | None:
        """English country name, e.g. "India"; None when the country code is shared and the
        number does not pin one country down.

        A property rather than a field because the name table costs a few ms to load: the
        CLI dials without ever paying for it.
        """
        if self.e164 is None:
            return None
        return _country_name(self.e164)

    @property
    def national_digits(self) -> str | None:
        """The national significant number (no country code, no trunk prefix)."""
        if self.e164 is None or self.country_code is None:
            return None
        return self.e164[1 + len(str(self.country_code)) :]


def _type_names() -> dict[int, str]:
    names: dict[int, str] = {}
    for attr in dir(phonenumbers.PhoneNumberType):
        value = getattr(phonenumbers.PhoneNumberType, attr)
        if attr.isupper() and isinstance(value, int):
            names[value] = attr.lower()
    return names


_TYPE_NAMES = _type_names()

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long to be a phone number",
}


def country_name(number: PhoneNumber) -> str | None:
    """The English name of the one region `number` belongs to; None when it could be several."""
    return _country_name(phonenumbers.format_number(number, PhoneNumberFormat.E164))


@functools.lru_cache(maxsize=256)
def _country_name(e164: str) -> str | None:
    """What `phonenumbers.geocoder.country_name_for_number(num, "en")` answers: the one
    region the number belongs to, named in English; None when it could be several."""
    try:
        num = phonenumbers.parse(e164, None)
        regions = list(phonenumbers.region_codes_for_country_code(num.country_code or 0))
        if len(regions) != 1:
            valid = [r for r in regions if phonenumbers.is_valid_number_for_region(num, r)]
            regions = valid if len(valid) == 1 else []
        return _english_names().get(regions[0]) if regions else None
    except Exception:  # never let a display nicety break a caller
        return None


@functools.cache
def _english_names() -> dict[str, str]:
    """Region code -> English name, from phonenumbers' locale table alone.

    `phonenumbers.geocoder` has the same names, but importing it loads the area names of
    every prefix in every language with them: ~100 MB resident and ~0.2 s, for a country name
    in the preview. The table is its own module, `phonenumbers/geodata/locale.py`, yet
    importing it by name would run `geodata/__init__`, which loads those area names; so it is
    found in the `geodata` folder by the path-based finder (which also serves a PyInstaller
    bundle's modules) and run on its own. Should that fail, the geocoder's copy is used.
    """
    import importlib.util
    import os
    from importlib.machinery import PathFinder

    table: dict[str, dict[str, str]]
    folder = [os.path.join(path, "geodata") for path in phonenumbers.__path__]
    spec = PathFinder.find_spec("phonenumbers.geodata.locale", folder)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        table = module.LOCALE_DATA
    else:
        from phonenumbers.geodata.locale import LOCALE_DATA

        table = LOCALE_DATA
    names: dict[str, str] = {}
    for region, by_language in table.items():
        name = by_language.get("en", "")
        if name.startswith("*"):  # "*xx": the name is the one given for language xx
            name = by_language.get(name[1:], "")
        if name:
            names[region] = name
    return names


def digits_only(text: str) -> str:
    """ASCII digits of `text`, in order; other scripts' decimal digits are converted.

    History search and provider forms compare digits, and a number copied from an Arabic or
    Devanagari locale page must match the same number typed on a keyboard.
    """
    out: list[str] = []
    for ch in text:
        if "0" <= ch <= "9":
            out.append(ch)
        elif ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))
    return "".join(out)


def _normalise(text: str) -> str:
    """Remove invisible format characters and map odd spaces and dashes to ASCII.

    Copies from web pages and chat apps carry bidi marks and zero-width spaces that would
    otherwise make libphonenumber reject an obviously fine number.
    """
    out: list[str] = []
    for ch in text:
        if ch in _DASHES:
            out.append("-")
        elif ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) in ("Cf", "Cc"):
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


def _split_uri(text: str) -> tuple[str, str | None]:
    """Strip a tel:/callto:/sip: scheme and RFC 3966 parameters; return (number, extension).

    `;phone-context=+91` makes a local number global (RFC 3966 §5.1.5); `;ext=` becomes the
    extension; other parameters (isub, user=phone, ...) do not change whom we call.
    """
    lowered = text.lower()
    for scheme in _SCHEMES:
        if lowered.startswith(scheme):
            text = text[len(scheme) :].lstrip("/")
            if scheme.startswith("sip"):
                text = text.split("@", 1)[0]
            text = unquote(text)
            break
    if ";" not in text:
        return text.strip(), None
    number, *params = text.split(";")
    number = number.strip()
    extension: str | None = None
    for param in params:
        key, _, value = param.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if key == "ext" and value:
            extension = digits_only(value) or None
        elif key == "phone-context" and value.startswith("+") and not number.startswith("+"):
            number = value + number
    return number, extension


def _failed(raw: str, reason: str) -> ParsedNumber:
    return ParsedNumber(
        raw=raw,
        e164=None,
        valid=False,
        possible=False,
        region=None,
        country_code=None,
        national=None,
        international=None,
        extension=None,
        number_type="unknown",
        reason=reason,
    )


def _place(num: PhoneNumber, region: str | None) -> str:
    """How a reason names the place: the country if known, else its calling code."""
    if region is not None:
        return _region_display(region)
    return f"country code +{num.country_code}"


@functools.lru_cache(maxsize=64)
def _region_display(region: str) -> str:
    """English name of a region ("US" -> "United States"), via one of its example numbers.

    The geocoder names a number, not a region, and a shared code (+1) names nothing unless
    the number is valid; the region's own example number always is.
    """
    example = phonenumbers.example_number(region)
    if example is None:
        return region
    return _country_name(phonenumbers.format_number(example, PhoneNumberFormat.E164)) or region


def _invalid_reason(num: PhoneNumber, region: str | None, default_region: str) -> str:
    result = phonenumbers.is_possible_number_with_reason(num)
    home = num.country_code == phonenumbers.country_code_for_region(default_region)
    if region is None and home:
        region = default_region
    if result == ValidationResult.TOO_SHORT:
        return "too short"
    if result == ValidationResult.TOO_LONG:
        return "too long"
    if result == ValidationResult.INVALID_COUNTRY_CODE:
        return f"unknown country code +{num.country_code}"
    place = _place(num, region)
    if result == ValidationResult.INVALID_LENGTH:
        return f"wrong length for {place}"
    if result == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return f"local number for {place}: add the area code" if home else "too short"
    return f"invalid number for {place}"


def _lib_parse(number: str, region: str) -> PhoneNumber:
    """libphonenumber's parse, with help for the region's own country code typed without "+".

    The library already reads "919876543210" (region IN) as +91 98765 43210; this also covers
    any remaining case where the national reading is invalid and starts with the region's
    code. It never guesses a *different* country: a typo must not become a call abroad.
    """
    num = phonenumbers.parse(number, region)
    own_code = str(phonenumbers.country_code_for_region(region))
    national = str(num.national_number or "")
    if (
        own_code != "0"
        and "+" not in number
        and num.country_code == int(own_code)
        and national.startswith(own_code)
        and not phonenumbers.is_valid_number(num)
    ):
        try:
            alt = phonenumbers.parse("+" + national, None)
        except NumberParseException:
            return num
        if phonenumbers.is_valid_number(alt):
            alt.extension = num.extension
            return alt
    return num


def parse(text: str, region: str = DEFAULT_REGION) -> ParsedNumber:
    """Read anything a person pastes as a phone number; never raises.

    `region` resolves numbers written without a country code ("098765 43210"). The last 256
    short texts are remembered: at a click the preview, the guard, the controller and the
    provider's request each read the same few numbers (~0.1-0.15 ms a parse, on the dial path),
    and a ParsedNumber is immutable. Longer text (a pasted document) is read, not kept.
    """
    if len(text) > MAX_INPUT_LENGTH:
        return _parse_safely(text, region)
    return _parse_remembered(text, region)


@functools.lru_cache(maxsize=256)
def _parse_remembered(text: str, region: str) -> ParsedNumber:
    return _parse_safely(text, region)


def _parse_safely(text: str, region: str) -> ParsedNumber:
    try:
        return _parse(text, region)
    except Exception:  # a library bug on odd input must not crash the dial box
        return _failed(text, "not a phone number")


def _parse(text: str, region: str) -> ParsedNumber:
    if len(text) > MAX_INPUT_LENGTH and len(text.strip()) > MAX_INPUT_LENGTH:
        return _failed(text, "too long to be a phone number")
    cleaned = _normalise(text)
    if not cleaned:
        return _failed(text, "empty")
    number, extension = _split_uri(cleaned)
    if not number:
        return _failed(text, "not a phone number")
    region = (region or "").strip().upper() or "ZZ"
    try:
        num = _lib_parse(number, region)
    except NumberParseException as exc:
        if (
            exc.error_type == NumberParseException.INVALID_COUNTRY_CODE
            and region not in phonenumbers.SUPPORTED_REGIONS
            and "+" not in number
        ):
            return _failed(text, "no country code: start with + and the country code")
        return _failed(text, _PARSE_REASONS.get(exc.error_type, "not a phone number"))
    if extension is not None:
        num.extension = extension

    if num.country_code is None:
        return _failed(text, "not a phone number")
    valid = phonenumbers.is_valid_number(num)
    num_region: str | None = phonenumbers.region_code_for_number(num)
    if num_region is None:
        regions = phonenumbers.region_codes_for_country_code(num.country_code)
        num_region = regions[0] if len(regions) == 1 else None
    if num_region in ("ZZ", "001"):
        num_region = None
    ext = num.extension or None
    return ParsedNumber(
        raw=text,
        e164=phonenumbers.format_number(num, PhoneNumberFormat.E164),
        valid=valid,
        possible=phonenumbers.is_possible_number(num),
        region=num_region,
        country_code=num.country_code,
        national=phonenumbers.format_number(num, PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(num, PhoneNumberFormat.INTERNATIONAL),
        extension=ext,
        number_type=_TYPE_NAMES.get(phonenumbers.number_type(num), "unknown"),
        reason="" if valid else _invalid_reason(num, num_region, region),
    )


def format_for(number: ParsedNumber, form: NumberForm) -> str:
    """The number as a provider API wants it; InvalidNumber if it must not be dialed.

    The extension is never included: no provider form can carry one, so the caller decides
    whether dialing the main line is acceptable (`number.extension` tells it there was one).
    NATIONAL_DIGITS of a number from another country is still that number's national
    significant number, without its country code: a provider that takes national digits
    only reaches its own country, so the caller must check `number.region` first.
    """
    if not number.valid or number.e164 is None:
        shown = number.raw.strip()
        if len(shown) > 40:
            shown = shown[:37] + "..."
        raise InvalidNumber(f"{shown!r} cannot be dialed: {number.reason or 'invalid number'}")
    if form is NumberForm.E164:
        return number.e164
    if form is NumberForm.E164_DIGITS:
        return number.e164[1:]
    if form is NumberForm.NATIONAL_DIGITS:
        nsn = number.national_digits
        if nsn:
            return nsn
    raise InvalidNumber(f"a number cannot be written in the form {form!s}")
