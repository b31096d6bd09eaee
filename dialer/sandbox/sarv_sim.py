"""Sarv's click-to-call API, simulated from its public document, for tests over real HTTP.

Read from `sarv-click-to-call.txt` and the public facts on Sarv, independently of the adapter
(nothing here imports `dialer.providers`), so a misreading on either side shows up as a failure:

* `POST /v2/clickToCall/para`, every parameter in the query string (a body is not read).
  `user_id` and `token` authenticate; `from` / `to` are 10-digit numbers, agent ids or one group
  id (`fromType` / `toType`: Number, Agent, Group), up to 5 comma-separated values; the optional
  parameters and their limits are the document's table.
* Success: `{"callid": ..., "status": "success", "code": "200"}`; failure:
  `{"message": <the table's text>, "status": "error", "code": "<code>"}` (codes as strings, as in
  the document's examples).

Not in the document, so chosen here and marked as such: HTTP 200 for every JSON reply; the order
of the checks (credentials first, as the code numbers suggest); 1539 "Invalid format" for a
malformed value (an empty list item, a boolean that is not true/false); 1576/1577 for several
values on one side of a sticky call; the AGENT_CLI rules (the CLI of the agent in the call: a
group on the side concerned is refused, an agent must be on one side); the accepted values of
the login filters, stickyTimeType and stickyAgentBusy (`Account`); and DND, whose request
parameter is not documented, as an account setting. Login filters, queueTimeout without sticky
and alertAudio without timeLimtAlert are accepted and ignored. Sarv reports no call status, so
a call's life is simulated only to time its push report (chosen here, `push_outcome`): the
report (DeepCall's public field names) goes to the panel's push URL when the call ends, is
retried 3 more times with backoff until the reply body is GODBLESSYOU, and that reply is what
marks the webhook active (`SarvSim.push_active`).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dialer.sandbox.callback_senders import PushScheduler
from dialer.sandbox.sarv_sim_errors import ERROR_TEXTS

Clock = Callable[[], datetime]
CALL_PATH = "/v2/clickToCall/para"

_MOBILE = re.compile(r"[1-9][0-9]{9}")
_WHOLE = re.compile(r"-?[0-9]+")
#: (not an integer, negative, maximum, over the maximum) per documented integer parameter.
_LIMITS: dict[str, tuple[int, int, int | None, int]] = {
    "fromRingTime": (1524, 1525, 50, 1550),
    "toRingTime": (1526, 1527, 50, 1551),
    "fromRetryCount": (1528, 1529, 3, 1548),
    "toRetryCount": (1530, 1531, 3, 1549),
    "timeLimit": (1534, 1533, None, 0),
}
_CREDENTIALS = ("user_id", "token")


@dataclass
class Agent:
    web: str = "login"  # web-login state
    call: str = "login"  # call-login state
    available: bool = True
    cli: str | None = None  # the agent's own CLI (for AGENT_CLI)


def _agents() -> dict[str, Agent]:
    return {
        "101": Agent(cli="8069000101"),
        "102": Agent(web="logout", call="logout", cli="8069000102"),
        "103": Agent(available=False),
        "104": Agent(),  # available, but no CLI of its own
    }


@dataclass
class Account:
    """The user behind `user_id`; tests change it between requests."""

    agents: dict[str, Agent] = field(default_factory=_agents)
    groups: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"501": ("101", "102"), "502": ("103",)}
    )
    clis: set[str] = field(default_factory=lambda: {"8069000001", "8069000002"})
    announcements: set[str] = field(
        default_factory=lambda: {"1610448601_84.wav", "1610448601_85.wav"}
    )
    # Value lists NOT FOUND in the document: chosen here.
    login_values: set[str] = field(default_factory=lambda: {"na", "login", "logout"})
    sticky_time_types: set[str] = field(default_factory=lambda: {"Minute", "Hour", "Day"})
    sticky_agent_busy: set[str] = field(default_factory=lambda: {"retrySame", "retryOther"})
    dnd_filter: str | None = None  # from / to / both: an account setting here
    dnd_numbers: set[str] = field(default_factory=set)
    dnd_api_up: bool = True
    connected: bool = True  # False: 1501
    force_code: int | None = None  # answer the next request with this code


@dataclass
class SimCall:
    callid: str
    params: dict[str, str]  # the query, token left out
    created_at: str
    speed: float = 1.0


#: A call's life for the push report, in simulated seconds (chosen here: Sarv publishes none).
ANSWERED_AT, ENDS_AT, BUSY_ENDS_AT, NO_ANSWER_ENDS_AT = 6.0, 20.0, 5.0, 30.0
ACTIVATION_REPLY = "GODBLESSYOU"


def push_outcome(call: SimCall) -> tuple[str, float]:
    """(callStatus, end in simulated seconds): a `to` ending 0000 is busy, 1111 rings out."""
    to = call.params.get("to", "")
    if to.endswith("0000"):
        return "busy", BUSY_ENDS_AT
    if to.endswith("1111"):
        return "missed", NO_ANSWER_ENDS_AT
    return "answered", ENDS_AT


class Refused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(ERROR_TEXTS[code])
        self.code = code


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",")]


class SarvSim:
    def __init__(
        self,
        state_dir: Path,
        user_id: str,
        token: str,
        clock: Clock,
        speed: float = 1.0,
        push_url: str | None = None,
    ) -> None:
        self.user_id, self.token, self.clock, self.speed = user_id, token, clock, speed
        #: The push-report URL set in Sarv's panel (None: no reports are sent).
        self.push_url = push_url
        #: Sarv activates a push webhook only once it answers GODBLESSYOU.
        self.push_active = False
        self.pushes = PushScheduler(backoff=1.0 / speed)
        self.account = Account()
        self.requests: list[dict[str, str]] = []  # every query received, token left out
        state_dir.mkdir(parents=True, exist_ok=True)
        self._file = state_dir / "sarv_sim.json"
        self._lock = threading.Lock()
        self.calls: list[SimCall] = []
        if self._file.exists():
            self.calls = [SimCall(**c) for c in json.loads(self._file.read_text("utf-8"))]

    def place(self, query: dict[str, str]) -> str:
        with self._lock:
            self.requests.append({k: v for k, v in query.items() if k != "token"})
            forced, self.account.force_code = self.account.force_code, None
            if forced is not None:
                raise Refused(forced)
            self._validate(query)
            callid = "".join(secrets.choice(string.ascii_lowercase) for _ in range(7))
            callid += str(int(self.clock().timestamp() * 1e9))[:19]
            params = {k: v for k, v in query.items() if k != "token"}
            call = SimCall(callid, params, self.clock().isoformat(), self.speed)
            self.calls.append(call)
            tmp = self._file.with_suffix(".tmp")
            tmp.write_text(json.dumps([asdict(c) for c in self.calls]), "utf-8")
            tmp.replace(self._file)
        if self.push_url:
            self.pushes.schedule(
                callid, self.push_url, lambda: self.push_report(call), accepts=self._activated
            )
        return callid

    def _activated(self, reply: httpx.Response) -> bool:
        if reply.text.strip() == ACTIVATION_REPLY:
            self.push_active = True
            return True
        return False

    def push_report(self, call: SimCall) -> dict[str, str] | None:
        """The push report once the call has ended, else None; the public field names."""
        status, end = push_outcome(call)
        start = datetime.fromisoformat(call.created_at)
        if (self.clock() - start).total_seconds() * call.speed < end:
            return None
        answered = start + timedelta(seconds=ANSWERED_AT / call.speed)
        return {
            "callId": call.callid,
            "callStatus": status,
            "cType": "CTC",
            "cNumber": call.params.get("to", ""),
            "masterNumCTC": call.params.get("from", ""),
            "masterAgent": call.params.get("from", ""),
            "firstAnswerTime": answered.strftime("%Y-%m-%d %H:%M:%S")
            if status == "answered"
            else "",
        }

    # --- the document's checks, in the order assumed here -----------------------------------

    def _validate(self, q: dict[str, str]) -> None:
        acc = self.account
        if not q.get("user_id"):
            raise Refused(1002)
        if not hmac.compare_digest(q["user_id"].encode(), self.user_id.encode()):
            raise Refused(1013)
        if not q.get("token"):
            raise Refused(1014)
        if not hmac.compare_digest(q["token"].encode(), self.token.encode()):
            raise Refused(1020)
        if not acc.connected:
            raise Refused(1501)
        for name, value in q.items():
            if name not in _CREDENTIALS and any(len(v) > 50 for v in _items(value)):
                raise Refused(1569)
        if not q.get("from") and not q.get("to"):
            raise Refused(1521)
        if not q.get("from"):
            raise Refused(1506)
        if not q.get("to"):
            raise Refused(1507)
        kinds = {}
        for side, empty, invalid in (("from", 1502, 1503), ("to", 1504, 1505)):
            kind = q.get(f"{side}Type", "Number")
            if kind == "":
                raise Refused(empty)
            if kind not in ("Number", "Agent", "Group"):
                raise Refused(invalid)
            kinds[side] = kind
        lists = {side: self._side(q, side, kinds[side]) for side in ("from", "to")}
        if set(lists["from"]) & set(lists["to"]):
            raise Refused(1520)
        for side, code in (("from", 1522), ("to", 1523)):
            if q.get(f"{side}Strategy", "ONE_BY_ONE") not in ("ONE_BY_ONE", "TO_ALL"):
                raise Refused(code)
        self._integers(q)
        self._alerts(q)
        self._logins(q, kinds, lists)
        self._clis(q, kinds, lists)
        self._sticky(q, kinds, lists)
        self._dnd(kinds, lists)
        for side, code in (("from", 1578), ("to", 1579)):
            if kinds[side] == "Agent" and not any(acc.agents[a].available for a in lists[side]):
                raise Refused(code)

    def _side(self, q: dict[str, str], side: str, kind: str) -> list[str]:
        values = _items(q[side])
        first = side == "from"
        if "" in values:
            raise Refused(1539)
        if len(values) > 5:
            raise Refused(1552 if first else 1553)
        if kind == "Number":
            if not all(_MOBILE.fullmatch(v) for v in values):
                raise Refused(1508 if first else 1509)
            if len(set(values)) != len(values):
                raise Refused(1510 if first else 1511)
        elif kind == "Agent":
            if len(set(values)) != len(values):
                raise Refused(1514 if first else 1515)
            if any(v not in self.account.agents for v in values):
                raise Refused(1512 if first else 1513)
        else:
            if len(values) > 1:
                raise Refused(1516 if first else 1517)
            if values[0] not in self.account.groups:
                raise Refused(1518 if first else 1519)
        return values

    def _integers(self, q: dict[str, str]) -> None:
        if q.get("timeLimit") == "":
            raise Refused(1532)
        for name, (invalid, negative, maximum, over) in _LIMITS.items():
            if name not in q:
                continue
            if not _WHOLE.fullmatch(q[name].strip()):
                raise Refused(invalid)
            if int(q[name]) < 0:
                raise Refused(negative)
            if maximum is not None and int(q[name]) > maximum:
                raise Refused(over)
        if q.get("timeLimitHangup", "true") not in ("true", "false"):
            raise Refused(1539)

    def _alerts(self, q: dict[str, str]) -> None:
        if "timeLimtAlert" in q:
            alerts = _items(q["timeLimtAlert"])
            if not all(a.isdigit() and int(a) > 0 for a in alerts):
                raise Refused(1545)
            limit = int(q.get("timeLimit", "0"))
            if any(int(a) >= limit for a in alerts):
                raise Refused(1547)
        if "alertAudio" in q and any(
            a not in self.account.announcements for a in _items(q["alertAudio"])
        ):
            raise Refused(1546)
        if "ringTone" in q and q["ringTone"] not in self.account.announcements:
            raise Refused(1535)

    def _members(self, kind: str, values: list[str]) -> list[Agent]:
        ids = self.account.groups[values[0]] if kind == "Group" else values
        return [self.account.agents[i] for i in ids if i in self.account.agents]

    def _logins(
        self, q: dict[str, str], kinds: dict[str, str], lists: dict[str, list[str]]
    ) -> None:
        invalid = {"fromWebLogin": 1564, "fromCallLogin": 1565, "toWebLogin": 1566,
                   "toCallLogin": 1567}  # fmt: skip
        for name, code in invalid.items():
            if name in q and q[name] not in self.account.login_values:
                raise Refused(code)
        for side, code in (("from", 1556), ("to", 1557)):
            if f"{side}CallLogin" in q and q.get(f"{side}Strategy") == "TO_ALL":
                raise Refused(code)
        none_have = {"fromWebLogin": (1536, 1537), "fromCallLogin": (1538, 1540),
                     "toWebLogin": (1541, 1542), "toCallLogin": (1543, 1544)}  # fmt: skip
        for name, (agents_code, group_code) in none_have.items():
            side = "from" if name.startswith("from") else "to"
            state = q.get(name, "na")
            if state == "na" or kinds[side] == "Number":
                continue  # a filter on numbers means nothing: ignored
            members = self._members(kinds[side], lists[side])
            attr = "web" if "Web" in name else "call"
            if not any(getattr(m, attr) == state for m in members):
                raise Refused(group_code if kinds[side] == "Group" else agents_code)

    def _clis(self, q: dict[str, str], kinds: dict[str, str], lists: dict[str, list[str]]) -> None:
        for side, invalid, bad_type, missing in (("from", 1554, 1580, 1582),
                                                 ("to", 1555, 1581, 1583)):  # fmt: skip
            cli = q.get(f"{side}CLI")
            if cli is None:
                continue
            if cli != "AGENT_CLI":
                if cli not in self.account.clis:
                    raise Refused(invalid)
                continue
            if kinds[side] == "Group":
                raise Refused(bad_type)
            if side == "from" and kinds["to"] == "Group":
                raise Refused(1585)
            agent_sides = [s for s in ("from", "to") if kinds[s] == "Agent"]
            if not agent_sides:
                raise Refused(1584)
            agents = [self.account.agents[a] for s in agent_sides for a in lists[s]]
            if not any(a.cli for a in agents):
                raise Refused(missing)

    def _sticky(
        self, q: dict[str, str], kinds: dict[str, str], lists: dict[str, list[str]]
    ) -> None:
        sticky = q.get("sticky") == "yes"
        options = ("stickyTimeType", "stickyTimeValue", "stickyAgentBusy")
        if not sticky and any(o in q for o in options):
            raise Refused(1561)
        if sticky:
            if list(kinds.values()).count("Number") != 1:
                raise Refused(1558)
            if q.get("stickyTimeType", "Day") not in self.account.sticky_time_types:
                raise Refused(1559)
            value = q.get("stickyTimeValue", "1").strip()
            if not value.isdigit() or int(value) < 1:
                raise Refused(1560)
            if q.get("stickyAgentBusy", "retrySame") not in self.account.sticky_agent_busy:
                raise Refused(1562)
            if len(lists["from"]) > 1:
                raise Refused(1576)
            if len(lists["to"]) > 1:
                raise Refused(1577)
        if "queueTimeout" in q:
            if not q["queueTimeout"].strip().isdigit():
                raise Refused(1563)
            if "Group" not in kinds.values():
                raise Refused(1568)

    def _dnd(self, kinds: dict[str, str], lists: dict[str, list[str]]) -> None:
        dnd = self.account.dnd_filter
        if dnd is None:
            return
        if dnd not in ("from", "to", "both"):
            raise Refused(1570)
        sides = ("from", "to") if dnd == "both" else (dnd,)
        for side in sides:
            if kinds[side] != "Number":
                raise Refused(1571 if side == "from" else 1572)
        if not self.account.dnd_api_up:
            raise Refused(1575)
        for side in sides:
            if set(lists[side]) & self.account.dnd_numbers:
                raise Refused(1573 if side == "from" else 1574)


def create_app(
    state_dir: Path,
    *,
    user_id: str,
    token: str,
    clock: Clock | None = None,
    speed: float = 1.0,
    push_url: str | None = None,
) -> Starlette:
    """The simulated service for one Sarv user. `speed` scales the simulated call life that
    times the push report; `push_url` stands for the URL set in Sarv's panel (also settable
    as `sim.push_url`, or with `POST /sim/push-url {"url": ...}`)."""
    if not speed > 0:
        raise ValueError("speed must be positive")
    sim = SarvSim(state_dir, user_id, token, clock or (lambda: datetime.now(UTC)), speed, push_url)

    async def click_to_call(request: Request) -> JSONResponse:
        query = dict(request.query_params)
        try:
            callid = sim.place(query)
        except Refused as exc:
            return JSONResponse({"message": ERROR_TEXTS[exc.code], "status": "error",
                                 "code": str(exc.code)})  # fmt: skip
        return JSONResponse({"callid": callid, "status": "success", "code": "200"})

    async def set_push_url(request: Request) -> JSONResponse:
        """The simulated panel: where push reports go (not part of Sarv's API)."""
        try:
            url = json.loads(await request.body()).get("url")
        except (ValueError, AttributeError):
            return JSONResponse({"status": "error", "message": "JSON object expected"}, 400)
        if url is not None and (not isinstance(url, str) or not url.startswith("http")):
            return JSONResponse({"status": "error", "message": "url must be http(s)"}, 400)
        sim.push_url, sim.push_active = url, False
        return JSONResponse({"status": "success"})

    app = Starlette(
        routes=[
            Route(CALL_PATH, click_to_call, methods=["POST"]),
            Route("/sim/push-url", set_push_url, methods=["POST"]),
        ]
    )
    app.state.sarv = sim
    return app
