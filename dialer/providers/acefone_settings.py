"""What an Acefone UK account accepts: its settings model and the numbers it may dial.

Kept apart from the adapter so the settings form and the number rules read on their own; the
reasons for the choices are in `dialer.providers.acefone`'s docstring.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from dialer import numbers
from dialer.domain import InvalidNumber
from dialer.providers.base import ProviderSettings

#: The only country code the adapter dials (the UK, Guernsey, Jersey, the Isle of Man).
UK_CODE = 44


class _AcefoneBase(ProviderSettings):
    """Account keys and per-call options; `async` is added below (a Python keyword)."""

    login_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description=(
            "Acefone login ID. When set, the stored secret is this login's password and "
            "access tokens are fetched (and renewed) automatically; when empty, the stored "
            "secret is an API token issued by Acefone support."
        ),
    )
    password: str | None = Field(
        default=None,
        description="Password of login_id (kept in the keyring, used only with login_id).",
        json_schema_extra={"secret": True},
    )
    token: str | None = Field(
        default=None,
        description="API token issued by Acefone support (kept in the keyring; without login_id).",
        json_schema_extra={"secret": True},
    )
    call_timeout: int | None = Field(
        default=None,
        ge=1,
        le=86400,
        description=(
            "Disconnect the call after this many seconds of call duration (Acefone gives no "
            "upper limit; a day is this app's sanity cap). Empty: no limit."
        ),
    )


#: `async` is a Python keyword, so the field that carries Acefone's own name is added here.
_ASYNC_FIELD: dict[str, Any] = {
    "async": (
        Literal["1", "0"],
        Field(
            default="1",
            description=(
                "1: Acefone answers at once and the call is followed via live calls. "
                "0: the request waits until the agent picks up (slower to confirm)."
            ),
        ),
    )
}

AcefoneSettings = create_model(
    "AcefoneSettings",
    __base__=_AcefoneBase,
    __doc__="Settings of an Acefone account, named as Acefone's API names them.",
    **_ASYNC_FIELD,
)


def uk_number(value: str, what: str) -> numbers.ParsedNumber:
    """Parse as the UK account would read it, refusing what it cannot dial, with the reason."""
    parsed = numbers.parse(value, "GB")
    if not parsed.valid or parsed.e164 is None:
        raise InvalidNumber(f"{what} {value!r} cannot be used: {parsed.reason or 'invalid'}")
    if parsed.country_code != UK_CODE:
        place = parsed.country or f"+{parsed.country_code}"
        raise InvalidNumber(
            f"{what} {parsed.e164} is in {place}: this Acefone adapter dials UK (+44) numbers "
            "only, as the document describes a UK account and no international calling"
        )
    return parsed


def same_number(listed: Any, e164: str) -> bool:
    """Whether a `customer_number` from live calls is our number, in whatever form it is."""
    if not isinstance(listed, str | int) or isinstance(listed, bool):
        return False
    parsed = numbers.parse(str(listed), "GB")
    if parsed.e164 is not None:
        return parsed.e164 == e164
    return numbers.digits_only(str(listed)) == e164[1:]
