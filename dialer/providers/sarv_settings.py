"""What a Sarv account accepts: its settings, named as Sarv's query parameters, as wire values.

Kept apart from the adapter (`dialer.providers.sarv`) so the settings form, the CLI's `--set`
and the wire encoding read on their own; the rules themselves live in `sarv_rules`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model, field_validator, model_validator

from dialer import numbers
from dialer.domain import DialerError
from dialer.providers import sarv_rules
from dialer.providers.base import ProviderSettings, validate_settings
from dialer.providers.sarv_rules import AGENT_CLI, MAX_LENGTH, MAX_VALUES

Type = Literal["Number", "Agent", "Group"]
Strategy = Literal["ONE_BY_ONE", "TO_ALL"]
#: (name, code when empty, code when not allowed, the allowed values)
_CHOICES = (
    ("fromType", 1502, 1503, sarv_rules.TYPES),
    ("toType", 1504, 1505, sarv_rules.TYPES),
    ("fromStrategy", 1522, 1522, sarv_rules.STRATEGIES),
    ("toStrategy", 1523, 1523, sarv_rules.STRATEGIES),
)
_FREE_TEXT = "Its values are not documented; Sarv checks them."


def _int(default_note: str, *, ge: int = 0, le: int | None = None) -> Any:
    return Field(default=None, ge=ge, le=le, description=default_note)


def _text(description: str) -> Any:
    return Field(default=None, min_length=1, max_length=50, description=description)


class SarvFields(ProviderSettings):
    """The account key and per-call options, named as Sarv names its query parameters.

    Unset options are not sent, so Sarv applies its own defaults (given in each description).
    `from` is added below: it is a Python keyword.
    """

    user_id: int = Field(ge=1, description="Sarv user id (user_id), a number from the panel.")
    token: str | None = Field(
        default=None,
        description="Campaign token (token). A secret: give it on stdin at `accounts add`; it "
        "is kept in the system keyring only.",
        json_schema_extra={"secret": True},
    )
    to: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="More `to` values after the dialed number (numbers, or agent ids with "
        "toType Agent), called per toStrategy; at most 4, so 5 in all.",
    )
    fromType: Type | None = Field(
        default=None,
        description="What --agent (`from`) is: Number (default), Agent id or Group id.",
    )
    fromStrategy: Strategy | None = Field(
        default=None,
        description="How several `from` values are called: ONE_BY_ONE (default) or TO_ALL.",
    )
    toType: Type | None = Field(
        default=None,
        description="What the dialed `to` is: Number (default), Agent id or Group id.",
    )
    toStrategy: Strategy | None = Field(
        default=None,
        description="How several `to` values are called: ONE_BY_ONE (default) or TO_ALL.",
    )
    fromRingTime: int | None = _int("Seconds to ring `from` (Sarv's default 30).", le=50)
    toRingTime: int | None = _int("Seconds to ring `to` (Sarv's default 30).", le=50)
    timeLimit: int | None = _int(
        "Talk-time limit in seconds, ring time excluded (default: unlimited)."
    )
    timeLimitHangup: bool | None = Field(
        default=None,
        description="Disconnect when timeLimit is reached (Sarv's default true).",
    )
    timeLimtAlert: str | None = Field(
        default=None,
        max_length=50,
        description="Talk seconds at which an announcement is played to both sides, "
        "comma-separated, each below timeLimit, e.g. 120,300 (the document spells it so).",
    )
    alertAudio: list[str] = Field(
        default_factory=list,
        description="Announcement id(s) played at the timeLimtAlert times: one for all, or "
        "one per alert, e.g. 1610448601_84.wav (Manage → Announcement → Id).",
    )
    ringTone: str | None = _text(
        "Announcement id that `from` hears while `to` rings, e.g. 1610448601_84.wav "
        "(default: the operator's ringback)."
    )
    fromRetryCount: int | None = _int("Retries on `from` (Sarv's default 0).", le=3)
    toRetryCount: int | None = _int("Retries on `to` (Sarv's default 0).", le=3)
    fromWebLogin: str | None = _text(
        f"Only ring `from` agents in this web-login state (Agent/Group). {_FREE_TEXT}"
    )
    fromCallLogin: str | None = _text(
        f"Only ring `from` agents in this call-login state (Agent/Group). {_FREE_TEXT}"
    )
    toWebLogin: str | None = _text(
        f"Only ring `to` agents in this web-login state (Agent/Group). {_FREE_TEXT}"
    )
    toCallLogin: str | None = _text(
        f"Only ring `to` agents in this call-login state (Agent/Group). {_FREE_TEXT}"
    )
    toCLI: str | None = _text(
        "Caller ID shown to `to`: one of the user's DIDs, or AGENT_CLI. (fromCLI is the "
        "caller ID chosen from the account's pool.)"
    )
    sticky: Literal["yes"] | None = Field(
        default=None,
        description="yes: connect a number to the agent it last spoke to (needs exactly "
        "one side Number).",
    )
    stickyTimeType: str | None = _text(
        f"Unit of the sticky period (Sarv's default Day; needs sticky). {_FREE_TEXT}"
    )
    stickyTimeValue: int | None = _int(
        "Length of the sticky period in stickyTimeType units (default 1; needs sticky).", ge=1
    )
    stickyAgentBusy: str | None = _text(
        f"What to do when the sticky agent is busy (Sarv's default retrySame). {_FREE_TEXT}"
    )
    queueTimeout: int | None = _int(
        "Seconds in queue for a sticky call to a group (Sarv's default 60)."
    )
    mode: str | None = _text(f"Sarv's integration mode (default Live). {_FREE_TEXT}")

    @model_validator(mode="before")
    @classmethod
    def _wire_values(cls, data: Any) -> Any:
        """Lists arrive as text from `--set from=a,b`; bad values get Sarv's code in the message."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name in ("from", "to", "alertAudio"):
            value = data.get(name)
            if isinstance(value, str):
                items = sarv_rules.split(value) if value.strip() else []
                if any(not item for item in items):
                    raise ValueError(sarv_rules.describe(1539, f"{name} has an empty item"))
                data[name] = value = items
            if name != "alertAudio" and isinstance(value, list) and len(value) >= MAX_VALUES:
                code = 1552 if name == "from" else 1553
                rule = f"`{name}` takes at most {MAX_VALUES - 1} more values ({MAX_VALUES} in all)"
                raise ValueError(sarv_rules.describe(code, rule))
        for name, value in data.items():
            items = value if isinstance(value, list) else [value]
            if name != "token" and any(isinstance(i, str) and len(i) > MAX_LENGTH for i in items):
                rule = f"{name} has a value longer than {MAX_LENGTH} characters"
                raise ValueError(sarv_rules.describe(1569, rule))
        user_id = data.get("user_id")
        if user_id is None or user_id == "":
            raise ValueError(sarv_rules.describe(1002, "user_id is required: the Sarv user id"))
        if isinstance(user_id, bool) or not str(user_id).strip().isdigit():
            raise ValueError(
                sarv_rules.describe(1013, f"user_id must be a number, not {user_id!r}")
            )
        for name, empty, invalid, allowed in _CHOICES:
            value = data.get(name)
            if value == "":
                raise ValueError(sarv_rules.describe(empty, f"{name} is empty"))
            if value is not None and value not in allowed:
                rule = f"{name} {value!r} is not one of {', '.join(allowed)}"
                raise ValueError(sarv_rules.describe(invalid, rule))
        return data

    @field_validator(*sarv_rules.INTEGERS, mode="before")
    @classmethod
    def _documented_integer(cls, value: Any, info: Any) -> Any:
        if value is None:
            return None
        problem = sarv_rules.integer_problem(info.field_name, value)
        if problem is not None:
            raise ValueError(sarv_rules.describe(*problem))
        return int(str(value).strip())

    @field_validator("toCLI")
    @classmethod
    def _cli(cls, value: str | None) -> str | None:
        if value is None or value.upper() == AGENT_CLI:
            return None if value is None else AGENT_CLI
        try:
            return sarv_rules.indian_digits(value, "toCLI", 1555)
        except DialerError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _documented_rules(self) -> SarvFields:
        """The rules between options, checked as the account is saved, not at the first call."""
        try:
            sarv_rules.check(option_params(self, extras=True), complete=False)
        except DialerError as exc:
            raise ValueError(str(exc)) from None
        return self


def _extra_from() -> Any:
    return (
        list[str],
        Field(
            default_factory=list,
            max_length=4,
            description="More `from` values after --agent (numbers, or agent ids with fromType "
            "Agent), called per fromStrategy; at most 4, so 5 in all.",
        ),
    )


SarvSettings = create_model(
    "SarvSettings",
    __base__=SarvFields,
    __doc__="Settings of a Sarv account, named as Sarv's query parameters.",
    **{"from": _extra_from()},
)


def extra_values(options: SarvFields, side: str) -> list[str]:
    """The extra values of `from` / `to` as they go on the wire (numbers as 10 digits)."""
    items: list[str] = list(getattr(options, side, []))
    kind = getattr(options, f"{side}Type") or "Number"
    if kind != "Number":
        return items
    code = 1508 if side == "from" else 1509
    return [sarv_rules.indian_digits(item, f"`{side}` value", code) for item in items]


def option_params(options: SarvFields, *, extras: bool = False) -> dict[str, str]:
    """The options as query parameters; with `extras`, `from` / `to` hold the extra values."""
    params: dict[str, str] = {}
    skip = {"user_id", "token", "from", "to"}
    for name in type(options).model_fields:
        value = getattr(options, name)
        if name in skip or value is None or value == []:
            continue
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif isinstance(value, list):
            params[name] = ",".join(value)
        else:
            params[name] = str(value)
    if extras:
        for side in ("from", "to"):
            values = extra_values(options, side)
            if values:
                params[side] = ",".join(values)
    return params


def validated(values: dict[str, Any]) -> SarvFields:
    options = validate_settings(SarvSettings, values)
    assert isinstance(options, SarvFields)
    return options


def stored_cli(value: str) -> str:
    """A caller ID as stored: AGENT_CLI, or the DID in E.164."""
    if value.strip().upper() == AGENT_CLI:
        return AGENT_CLI
    sarv_rules.indian_digits(value, "caller ID (fromCLI)", 1554)
    return numbers.parse(value, "IN").e164 or value


def wire_cli(value: str) -> str:
    if value == AGENT_CLI:
        return value
    return sarv_rules.indian_digits(value, "caller ID (fromCLI)", 1554)
