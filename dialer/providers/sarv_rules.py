"""Sarv's error table and the request rules behind it, checked before anything is sent.

Sarv answers a bad request with a numeric code and a terse text. Most of its codes (1502–1585)
describe a rule about the query parameters that can be checked locally, so the adapter checks
them first: nothing leaves the machine for a request Sarv would refuse, and the message names the
rule in words plus the code and text Sarv would have answered with. What only Sarv can know
(which agent, group, CLI or announcement ids exist, agents' login states, DND lists) is left to
Sarv and mapped from its reply.

The rules are one reading of `sarv-click-to-call.txt`. Where the document does not say when a
code applies, the reading chosen here is stated at the rule (1539, 1576/1577, the AGENT_CLI
codes); rules that come from the document's usage notes and have no code of their own say so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dialer import numbers
from dialer.domain import AuthError, ConfigError, InvalidNumber, ProviderRefused

#: The document's error table, word for word (1564 and 1566 really share one text).
ERRORS: dict[int, str] = {
    1002: "UserId not provided",
    1013: "Invalid user id",
    1014: "Token not found",
    1020: "Invalid token",
    1501: "Connection Issue",
    1502: "fromType empty",
    1503: "fromType Invalid",
    1504: "toType empty",
    1505: "toType Invalid",
    1506: "from parameter not found",
    1507: "to parameter not found",
    1508: "invalid mobile number in from parameter",
    1509: "invalid mobile number in to parameter",
    1510: "Duplicate Mobile Number exists in from parameter",
    1511: "Duplicate Mobile Number exists in to parameter",
    1512: "Invalid Agent Id in from parameter",
    1513: "Invalid Agent Id in to parameter",
    1514: "Duplicate Agent Id Exists in from parameter",
    1515: "Duplicate Agent Id Exists in to parameter",
    1516: "Multiple Group Ids found in from parameter",
    1517: "Multiple Group Ids found in to parameter",
    1518: "Invalid Group Id in from parameter",
    1519: "Invalid Group Id in to parameter",
    1520: "Same value exists in from and to parameters",
    1521: "from and to are empty",
    1522: "fromStrategy invalid",
    1523: "toStrategy invalid",
    1524: "fromRingTime value invalid",
    1525: "negative value not allowed for fromRingTime",
    1526: "toRingTime value invalid",
    1527: "negative value not allowed for toRingTime",
    1528: "fromRetryCount value invalid",
    1529: "negative value not allowed for fromRetryCount",
    1530: "toRetryCount value invalid",
    1531: "negative value not allowed for toRetryCount",
    1532: "timeLimit empty",
    1533: "negative value not allowed for timeLimit",
    1534: "timeLimit value invalid",
    1535: "ringTone invalid announcement id",
    1536: "fromWebLogin none of the agents have this state",
    1537: "fromWebLogin none of the agents from group have this state",
    1538: "fromCallLogin none of the agents have this state",
    1539: "Invalid format",
    1540: "fromCallLogin none of the agents from group have this state",
    1541: "toWebLogin none of the agents have this state",
    1542: "toWebLogin none of the agents from group have this state",
    1543: "toCallLogin none of the agents have this state",
    1544: "toCallLogin none of the agents from group have this state",
    1545: "timeLimitAlert invalid",
    1546: "alertAudio invalid announcement id",
    1547: "timeLimitAlert must be less than from timeLimit",
    1548: "crossed maximum limit of fromRetryCount",
    1549: "crossed maximum limit of toRetryCount",
    1550: "crossed maximum limit of fromRingTime",
    1551: "crossed maximum limit of toRingTime",
    1552: "crossed maximum limit of from parameter",
    1553: "crossed maximum limit of to parameter",
    1554: "invalid CLI in fromCLI",
    1555: "invalid CLI in toCLI",
    1556: "since fromStrategy=TO_ALL, so fromCallLogin filter will not work",
    1557: "since toStrategy=TO_ALL, so toCallLogin filter will not work",
    1558: "Sticky will only work if out of toType and fromType at-least one have number as "
    "value,not both",
    1559: "invalid value of stickyTimeType",
    1560: "invalid value of stickyTimeValue. It must be an integer",
    1561: "sticky parameter must be set for stickyTimeType, stickyTimeValue and stickyAgentBusy",
    1562: "invalid value of stickyAgentBusy",
    1563: "invalid value of queueTimeout. It must be an integer",
    1564: "invalid fromWebLogin value",
    1565: "invalid fromCallLogin value",
    1566: "invalid fromWebLogin value",
    1567: "invalid toCallLogin value",
    1568: "queueTimeout will only work if out of toType and fromType at-least one have group as "
    "value",
    1569: "Value length exceed 50 characters",
    1570: "Invalid DND Filter Value, valid:from/to/both",
    1571: "Invalid From Type for DND Checking",
    1572: "Invalid To Type for DND Checking",
    1573: "DND number exists in from",
    1574: "DND number exists in to",
    1575: "connection Error in DND Api",
    1576: "Multiple values not allowed in from",
    1577: "Multiple values not allowed in to",
    1578: "From-Agent is not available",
    1579: "To-Agent is not available",
    1580: "Invalid fromType for AGENT_CLI",
    1581: "Invalid toType for AGENT_CLI",
    1582: "From-AGENT_CLI not found",
    1583: "To-AGENT_CLI not found",
    1584: "There should be at-least one agent either in TO or FROM",
    1585: "fromCLI can not be set as AGENT_CLI if toType is group",
}

#: Codes that mean the credentials (user_id, token) were refused.
AUTH_CODES = frozenset({1002, 1013, 1014, 1020})

#: What the user can do, where the document's text alone does not say.
ADVICE: dict[int, str] = {
    1002: "the account's user_id is missing",
    1013: "check the account's user_id (a number, from the Sarv panel)",
    1014: "the token is missing: store it again with `accounts add` (on stdin)",
    1020: "check the campaign token stored for the account",
    1501: "Sarv had a connection problem; nothing was dialed, try again",
    1573: "the number is on the Do-Not-Disturb registry and Sarv's DND filter is on",
    1574: "the number is on the Do-Not-Disturb registry and Sarv's DND filter is on",
    1575: "Sarv could not reach its DND service; nothing was dialed, try again",
    1578: "no agent in `from` is available now",
    1579: "no agent in `to` is available now",
}

TYPES = ("Number", "Agent", "Group")
STRATEGIES = ("ONE_BY_ONE", "TO_ALL")
AGENT_CLI = "AGENT_CLI"
MAX_VALUES = 5  # values in `from` or `to` (an older Sarv page)
MAX_LENGTH = 50  # characters in any one value (1569)
#: name: (not an integer, negative, maximum, above the maximum)
INTEGERS: dict[str, tuple[int, int, int | None, int | None]] = {
    "fromRingTime": (1524, 1525, 50, 1550),
    "toRingTime": (1526, 1527, 50, 1551),
    "fromRetryCount": (1528, 1529, 3, 1548),
    "toRetryCount": (1530, 1531, 3, 1549),
    "timeLimit": (1534, 1533, None, None),
    "stickyTimeValue": (1560, 1560, None, None),
    "queueTimeout": (1563, 1563, None, None),
}
_INTEGER = re.compile(r"-?\d+")
_NATIONAL = re.compile(r"[1-9]\d{9}")


class SarvRuleError(ConfigError):
    """A request Sarv would refuse: `code` is Sarv's code for it (None: a usage note only)."""

    def __init__(self, code: int | None, rule: str) -> None:
        super().__init__(describe(code, rule))
        self.code = code
        self.rule = rule


class SarvNumberError(InvalidNumber):
    """A number Sarv cannot dial; `code` is the code Sarv would answer with."""

    def __init__(self, code: int, rule: str) -> None:
        super().__init__(describe(code, rule))
        self.code = code
        self.rule = rule


def describe(code: int | None, rule: str) -> str:
    if code is None:
        return f"{rule} (a usage note of Sarv's document; Sarv has no error code for it)"
    return f"{rule} (Sarv would refuse it with code {code}: “{ERRORS[code]}”)"


def split(value: str) -> list[str]:
    """The items of a comma-separated value, as Sarv reads them (blanks kept, to be refused)."""
    return [item.strip() for item in value.split(",")]


def indian_digits(value: str, what: str, code: int) -> str:
    """A phone number as Sarv's 10 national digits, or why Sarv cannot dial it."""
    parsed = numbers.parse(value, "IN")
    if not parsed.valid or parsed.e164 is None:
        raise SarvNumberError(
            code, f"{what} {value!r} is not a valid phone number: {parsed.reason}"
        )
    if parsed.country_code != 91 or not parsed.national_digits:
        place = parsed.country or parsed.region or f"country code +{parsed.country_code}"
        raise SarvNumberError(
            code,
            f"{what} {parsed.e164} is not an Indian number ({place}): Sarv dials Indian "
            "numbers only",
        )
    return parsed.national_digits


def integer_problem(name: str, value: object) -> tuple[int, str] | None:
    """(code, rule) when `value` breaks `name`'s documented integer rules, else None."""
    invalid, negative, maximum, above = INTEGERS[name]
    text = str(value).strip() if not isinstance(value, bool) else "x"
    if name == "timeLimit" and text == "":
        return 1532, "timeLimit is empty: give a number of seconds or leave it unset"
    if not _INTEGER.fullmatch(text):
        return invalid, f"{name} must be a whole number, not {value!r}"
    number = int(text)
    if number < 0:
        return negative, f"{name} cannot be negative ({number})"
    if name in ("stickyTimeValue",) and number == 0:
        return invalid, f"{name} must be at least 1"
    if maximum is not None and above is not None and number > maximum:
        return above, f"{name} {number} is above Sarv's maximum of {maximum}"
    return None


def check(params: Mapping[str, str], *, complete: bool = True) -> None:
    """Raise SarvRuleError / SarvNumberError for the first rule the request breaks.

    `params` are the query parameters as they would be sent. With `complete=False` (checking
    saved settings) `from` and `to` hold only the extra values after the agent and the dialed
    number, so presence rules are skipped and one value of each list is kept in reserve.
    """
    get = params.get
    for name, value in params.items():
        items = split(value) if name in ("from", "to", "alertAudio") else [value]
        if any(len(item) > MAX_LENGTH for item in items):
            raise SarvRuleError(1569, f"{name} has a value longer than {MAX_LENGTH} characters")
    types = {}
    for side, empty, invalid in (("from", 1502, 1503), ("to", 1504, 1505)):
        kind = get(f"{side}Type", "Number")
        if not kind:
            raise SarvRuleError(empty, f"{side}Type is empty: give Number, Agent or Group")
        if kind not in TYPES:
            raise SarvRuleError(invalid, f"{side}Type {kind!r} is not Number, Agent or Group")
        types[side] = kind
    values = _check_lists(params, types, complete)
    for side, code in (("from", 1522), ("to", 1523)):
        strategy = get(f"{side}Strategy")
        if strategy is not None and strategy not in STRATEGIES:
            raise SarvRuleError(code, f"{side}Strategy {strategy!r} is not ONE_BY_ONE or TO_ALL")
    for name in INTEGERS:
        if name in params and (problem := integer_problem(name, params[name])):
            raise SarvRuleError(*problem)
    _check_time_limit(params)
    _check_logins(params, types)
    _check_clis(params, types)
    _check_sticky(params, types, values, 0 if complete else 1)


def _check_lists(
    params: Mapping[str, str], types: dict[str, str], complete: bool
) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    if complete and not params.get("from") and not params.get("to"):
        raise SarvRuleError(1521, "from and to are both empty")
    reserve = 0 if complete else 1
    codes = {"from": (1506, 1552, 1508, 1510, 1514, 1516), "to": (1507, 1553, 1509, 1511, 1515,
                                                                   1517)}  # fmt: skip
    for side, (missing, too_many, bad_number, dup_number, dup_agent, groups) in codes.items():
        raw = params.get(side)
        if not raw:
            if complete:
                raise SarvRuleError(missing, f"`{side}` is missing")
            values[side] = []
            continue
        items = split(raw)
        if any(not item for item in items):
            # Our reading: 1539 is Sarv's answer to a malformed list (an empty item).
            raise SarvRuleError(1539, f"`{side}` has an empty item in {raw!r}")
        if len(items) + reserve > MAX_VALUES:
            raise SarvRuleError(too_many, f"`{side}` takes at most {MAX_VALUES} values")
        kind = types[side]
        if kind == "Number":
            for item in items:
                if not _NATIONAL.fullmatch(item):
                    raise SarvNumberError(
                        bad_number, f"`{side}` value {item!r} is not a 10-digit Indian number"
                    )
        if len(set(items)) < len(items):
            code = dup_number if kind == "Number" else dup_agent
            if kind != "Group":
                raise SarvRuleError(code, f"`{side}` lists the same {kind.lower()} twice")
        if kind == "Group" and len(items) + reserve > 1:
            raise SarvRuleError(groups, f"`{side}` takes one group id when {side}Type=Group")
        values[side] = items
    same = sorted(set(values["from"]) & set(values["to"]))
    if same:
        raise SarvRuleError(1520, f"{same[0]} is in both `from` and `to`")
    return values


def _check_time_limit(params: Mapping[str, str]) -> None:
    alerts_raw = params.get("timeLimtAlert")
    audio = params.get("alertAudio")
    if audio is not None and any(not item for item in split(audio)):
        raise SarvRuleError(1546, "alertAudio has an empty announcement id")
    if alerts_raw is None:
        if audio is not None:
            raise SarvRuleError(None, "alertAudio is played at the timeLimtAlert times: set those")
        return
    alerts = split(alerts_raw)
    if not all(a.isdigit() and int(a) > 0 for a in alerts):
        raise SarvRuleError(1545, f"timeLimtAlert must be seconds > 0, comma-separated, not "
                            f"{alerts_raw!r}")  # fmt: skip
    limit = params.get("timeLimit")
    if limit is None or int(limit) == 0:
        raise SarvRuleError(1547, "timeLimtAlert needs a timeLimit above 0 (alerts are played "
                            "before the talk time runs out)")  # fmt: skip
    late = [a for a in alerts if int(a) >= int(limit)]
    if late:
        raise SarvRuleError(1547, f"timeLimtAlert {late[0]} is not below timeLimit {limit}")


def _check_logins(params: Mapping[str, str], types: dict[str, str]) -> None:
    for side in ("from", "to"):
        for kind in ("WebLogin", "CallLogin"):
            name = f"{side}{kind}"
            if name in params and types[side] == "Number":
                raise SarvRuleError(
                    None, f"{name} filters agents: it needs {side}Type Agent or Group"
                )
        if f"{side}CallLogin" in params and params.get(f"{side}Strategy") == "TO_ALL":
            code = 1556 if side == "from" else 1557
            raise SarvRuleError(
                code, f"{side}CallLogin cannot filter when {side}Strategy=TO_ALL"
            )  # fmt: skip


def _check_clis(params: Mapping[str, str], types: dict[str, str]) -> None:
    """CLIs are a user's DIDs (10 digits) or AGENT_CLI: the CLI of the agent in the call.

    Our reading of 1580–1585: AGENT_CLI needs an agent on one side (1584), and a group on the
    side whose agent it would be is not known when dialing (1580, 1581, 1585).
    """
    for side, bad, bad_type in (("from", 1554, 1580), ("to", 1555, 1581)):
        cli = params.get(f"{side}CLI")
        if cli is None:
            continue
        if cli != AGENT_CLI:
            if not _NATIONAL.fullmatch(cli):
                raise SarvRuleError(bad, f"{side}CLI {cli!r} is not AGENT_CLI or a 10-digit DID")
            continue
        if types[side] == "Group":
            raise SarvRuleError(bad_type, f"{side}CLI=AGENT_CLI cannot be used with "
                                f"{side}Type=Group")  # fmt: skip
        if side == "from" and types["to"] == "Group":
            raise SarvRuleError(1585, "fromCLI=AGENT_CLI cannot be used with toType=Group")
        if "Agent" not in types.values():
            raise SarvRuleError(1584, f"{side}CLI=AGENT_CLI needs fromType or toType Agent")


def _check_sticky(
    params: Mapping[str, str], types: dict[str, str], values: dict[str, list[str]], reserve: int
) -> None:
    sticky = params.get("sticky")
    if sticky is not None and sticky != "yes":
        raise SarvRuleError(None, f"sticky takes only 'yes', not {sticky!r}")
    options = [n for n in ("stickyTimeType", "stickyTimeValue", "stickyAgentBusy") if n in params]
    if options and sticky != "yes":
        raise SarvRuleError(1561, f"{', '.join(options)} need sticky=yes")
    if sticky == "yes":
        if list(types.values()).count("Number") != 1:
            raise SarvRuleError(1558, "sticky needs exactly one of fromType and toType Number")
        for side, code in (("from", 1576), ("to", 1577)):
            # Our reading: a sticky call binds one number to one agent, so one value per side.
            if len(values[side]) + reserve > 1:
                raise SarvRuleError(code, f"sticky calls take one value in `{side}`")
    if "queueTimeout" in params:
        if "Group" not in types.values():
            raise SarvRuleError(1568, "queueTimeout needs fromType or toType Group")
        if sticky != "yes":
            raise SarvRuleError(None, "queueTimeout works only with sticky=yes")


def refusal(code: str, message: str) -> ProviderRefused:
    """The typed error for a Sarv error reply: the document's text, then what to do."""
    known = int(code) if code.isdigit() and int(code) in ERRORS else None
    if known is None:
        return ProviderRefused(code, f"Sarv refused the request: {message or 'no reason given'}")
    text = ERRORS[known]
    reason = f"{text} — {ADVICE[known]}" if known in ADVICE else text
    if known in AUTH_CODES:
        return AuthError(code, reason)
    return ProviderRefused(code, reason)
