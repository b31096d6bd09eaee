"""The simulated Kazoo account behind `kazoo_sim`: tokens, click-to-call documents, attempts.

Written from Kazoo's click-to-call document, its JSON Schemas and the public facts in the
providers README only; it imports nothing from `dialer.providers`. Documents are validated
with the very schemas a real Kazoo applies (draft-04, this package's own copy), and refusals
carry Kazoo's validation data shape: `{field: {rule: {"message": ..., "target": ...}}}`.

An attempt's life is derived from elapsed simulated time (clock x speed), never advanced by a
background task. The extension leg rings for `RING_SECONDS`, then the originate succeeds and
the call talks for `TALK_SECONDS`; the channel exists from the connect until the end. Contacts
ending in 0000 fail with USER_BUSY at 3 s, 1111 with "timed out" (the extension never answers)
at min(timeout, 20) s, 2222 with "no resources" at 1 s, 3333 with "request failed:
CALL_REJECTED" at 2 s. A hang-up before the answer fails the attempt with ORIGINATOR_CANCEL.
History records appear once the originate has resolved, stamped with the attempt's start in
Gregorian seconds, as Kazoo stamps its documents.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

Clock = Callable[[], datetime]

#: Seconds from 0000-01-01 to the Unix epoch: Kazoo's timestamps are Gregorian seconds.
GREGORIAN_OFFSET = 62_167_219_200
RING_SECONDS = 3.0
TALK_SECONDS = 10.0
#: `?blocking=true` waits at most this long for the originate to resolve.
BLOCKING_LIMIT = 20.0
DEFAULT_TIMEOUT = 30

SCHEMA_DIR = Path(__file__).with_name("kazoo_schemas")
_STATE_FILE = "kazoo-state.json"

#: Kazoo's wording for schema rules, so refusals read like a real server's.
_RULE_TEXT = {
    "required": "Field is required but missing",
    "type": "Value is not of type {target}",
    "minLength": "String must be at least {target} characters",
    "maxLength": "String must not be more than {target} characters",
    "enum": "Value not found in enumerated list of values",
    "pattern": "Failed to match pattern '{target}'",
    "additionalProperties": "Strict checking of data is enabled; only include schema-defined "
    "properties",
    "oneOf": "Value did not match exactly one of the possible schemas",
    "anyOf": "Value did not match any of the possible schemas",
}

#: (suffix of the contact's digits, cause, seconds until the originate resolves)
_FAILURES = (
    ("0000", "USER_BUSY", 3.0),
    ("2222", "no resources", 1.0),
    ("3333", "request failed: CALL_REJECTED", 2.0),
)
NO_ANSWER_SUFFIX = "1111"


class KazooError(Exception):
    """A refusal rendered as Kazoo's error envelope."""

    def __init__(self, status: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.data = data or {}


def gregorian(moment: datetime) -> int:
    return int(moment.timestamp()) + GREGORIAN_OFFSET


def _load_schemas() -> dict[str, Draft4Validator]:
    raw = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_DIR.glob("*.json")}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(doc, default_specification=DRAFT4))
        for name, doc in raw.items()
    )
    return {name: Draft4Validator(doc, registry=registry) for name, doc in raw.items()}


SCHEMAS = _load_schemas()


def validate(schema: str, doc: Any) -> None:
    """Raise Kazoo's 400 "validation error" with per-field data if `doc` breaks the schema."""
    problems: dict[str, Any] = {}
    for error in SCHEMAS[schema].iter_errors(doc):
        path = [str(p) for p in error.absolute_path]
        rule, target = str(error.validator), error.validator_value
        if rule == "required":
            have = error.instance if isinstance(error.instance, dict) else {}
            for missing in (m for m in target if m not in have):
                field = ".".join([*path, missing])
                problems.setdefault(field, {})["required"] = {"message": _RULE_TEXT["required"]}
            continue
        shown = target if rule in ("type", "minLength", "maxLength", "pattern") else None
        text = _RULE_TEXT.get(rule, error.message).format(target=shown)
        entry: dict[str, Any] = {"message": text}
        if shown is not None:
            entry["target"] = shown
        problems.setdefault(".".join(path) or "data", {})[rule] = entry
    if problems:
        raise KazooError(400, "validation error", problems)


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """PATCH semantics: objects merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in patch.items():
        old = out.get(key)
        out[key] = merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return out


@dataclass
class Attempt:
    call_id: str
    c2c_id: str
    contact: str
    started: str  # ISO, so the state file stays plain JSON
    cause: str | None  # None: the originate succeeds
    resolves_at: float  # simulated seconds after `started`
    hangup_at: float | None = None


class KazooState:
    """One simulated Kazoo account. Tests may reach it via `app.state.kazoo`."""

    def __init__(
        self,
        state_dir: Path,
        *,
        account_id: str,
        account_name: str,
        account_realm: str,
        api_key: str,
        users: dict[str, str],
        phone_numbers: dict[str, str],
        clock: Clock,
        speed: float,
        token_ttl: float,
    ) -> None:
        self.state_dir = state_dir
        self.account_id = account_id
        self.account_name = account_name
        self.account_realm = account_realm
        self.api_key = api_key
        self.users = dict(users)  # username -> password
        self.phone_numbers = dict(phone_numbers)  # phone number -> username
        self.clock = clock
        self.speed = speed
        self.token_ttl = token_ttl
        self.tokens: dict[str, datetime] = {}
        self.auth_requests = 0
        #: (method, path, query, had a token, parsed body) of every request, for tests.
        self.requests: list[tuple[str, str, dict[str, str], bool, Any]] = []
        #: Endpoints whose channels refuse a hang-up (metaflows not enabled on the call).
        self.hangup_refused: set[str] = set()
        self._lock = threading.RLock()
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.attempts: dict[str, Attempt] = {}
        self._load()

    # --- persistence -------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            raw = json.loads((self.state_dir / _STATE_FILE).read_text(encoding="utf-8"))
            self.endpoints = dict(raw["endpoints"])
            self.attempts = {a["call_id"]: Attempt(**a) for a in raw["attempts"]}
        except (OSError, ValueError, TypeError, KeyError):
            pass

    def save(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / _STATE_FILE
        tmp = path.with_suffix(".tmp")
        data = {
            "endpoints": self.endpoints,
            "attempts": [asdict(a) for a in self.attempts.values()],
        }
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)

    # --- tokens ------------------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_hex(32)
        with self._lock:
            self.tokens[token] = self.clock() + timedelta(seconds=self.token_ttl)
            self.auth_requests += 1
        return token

    def token_ok(self, token: str) -> bool:
        with self._lock:
            expires = self.tokens.get(token)
        return expires is not None and self.clock() < expires

    def expire_tokens(self) -> None:
        """Make every issued token stale at once (tests of the re-authentication path)."""
        with self._lock:
            self.tokens = dict.fromkeys(self.tokens, self.clock())

    def check_user(self, body: dict[str, Any]) -> str:
        """The user whose hashed credentials match within the named account, or 401."""
        if body.get("account_name") is not None:
            users = list(self.users) if body["account_name"] == self.account_name else []
        elif body.get("account_realm") is not None:
            users = list(self.users) if body["account_realm"] == self.account_realm else []
        elif body.get("phone_number") is not None:
            owner = self.phone_numbers.get(str(body["phone_number"]))
            users = [owner] if owner in self.users else []
        else:
            users = []
        hasher = hashlib.md5 if body.get("method", "md5") == "md5" else hashlib.sha1
        for user in users:
            digest = hasher(f"{user}:{self.users[user]}".encode()).hexdigest()
            if secrets.compare_digest(digest, str(body["credentials"])):
                return user
        raise KazooError(401, "invalid credentials", {"message": "invalid credentials"})

    # --- endpoints ---------------------------------------------------------------------------

    def endpoint(self, c2c_id: str) -> dict[str, Any]:
        with self._lock:
            doc = self.endpoints.get(c2c_id)
        if doc is None:
            raise KazooError(404, "bad identifier", {"cause": c2c_id, "message": "bad identifier"})
        return dict(doc)

    def store(self, c2c_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        validate("clicktocall", doc)
        stored = {"auth_required": True, "custom_application_vars": {}, **doc, "id": c2c_id}
        with self._lock:
            self.endpoints[c2c_id] = stored
            self.save()
        return dict(stored)

    def delete(self, c2c_id: str) -> dict[str, Any]:
        doc = self.endpoint(c2c_id)
        with self._lock:
            del self.endpoints[c2c_id]
            self.save()
        return doc

    # --- attempts ----------------------------------------------------------------------------

    def connect(self, c2c_id: str, contact: str, *, blocking: bool) -> Attempt:
        endpoint = self.endpoint(c2c_id)
        timeout = endpoint.get("timeout", DEFAULT_TIMEOUT)
        digits = re.sub(r"\D", "", contact)
        cause, resolves = None, RING_SECONDS
        if digits.endswith(NO_ANSWER_SUFFIX):
            cause, resolves = "timed out", float(min(max(1, timeout), BLOCKING_LIMIT))
        for suffix, failure, after in _FAILURES:
            if digits.endswith(suffix):
                cause, resolves = failure, after
        start = self.clock()
        if blocking:  # the reply comes once the originate has resolved: it started back then
            start -= timedelta(seconds=resolves / self.speed, microseconds=1)
        attempt = Attempt(
            call_id=f"c2c-{c2c_id}-{uuid.uuid4().hex[:12]}",
            c2c_id=c2c_id,
            contact=contact,
            started=start.isoformat(),
            cause=cause,
            resolves_at=resolves,
        )
        with self._lock:
            self.attempts[attempt.call_id] = attempt
            self.save()
        return attempt

    def elapsed(self, attempt: Attempt) -> float:
        started = datetime.fromisoformat(attempt.started)
        return (self.clock() - started).total_seconds() * self.speed

    def outcome(self, attempt: Attempt) -> tuple[str | None, float, float]:
        """(cause or None for success, seconds when it resolves, seconds when the channel ends)."""
        cause, resolves = attempt.cause, attempt.resolves_at
        end = resolves if cause is not None else resolves + TALK_SECONDS
        if attempt.hangup_at is not None and attempt.hangup_at < end:
            if attempt.hangup_at < resolves:
                cause, resolves = "ORIGINATOR_CANCEL", attempt.hangup_at
            end = attempt.hangup_at
        return cause, resolves, end

    def record(self, attempt: Attempt) -> dict[str, Any] | None:
        """The attempt's history record, once the originate has resolved."""
        cause, resolves, _ = self.outcome(attempt)
        if self.elapsed(attempt) < resolves:
            return None
        started = datetime.fromisoformat(attempt.started)
        record: dict[str, Any] = {
            "timestamp": gregorian(started),
            "contact": attempt.contact,
            "result": "error" if cause else "success",
        }
        if cause:
            record["cause"] = cause
        else:
            record["call_id"] = attempt.call_id
        return record

    def history(self, c2c_id: str) -> list[dict[str, Any]]:
        with self._lock:
            mine = [a for a in self.attempts.values() if a.c2c_id == c2c_id]
        records = (self.record(a) for a in mine)
        return [r for r in records if r is not None]

    def channel(self, call_id: str) -> tuple[Attempt, bool]:
        """The live channel's attempt and whether it is answered; 404 once it is gone."""
        with self._lock:
            attempt = self.attempts.get(call_id)
        if attempt is not None:
            cause, resolves, end = self.outcome(attempt)
            elapsed = self.elapsed(attempt)
            if elapsed < end:
                return attempt, cause is None and elapsed >= resolves
        raise KazooError(404, "bad identifier", {"cause": call_id, "message": "bad identifier"})

    def hangup(self, call_id: str) -> None:
        attempt, _ = self.channel(call_id)
        if attempt.c2c_id in self.hangup_refused:
            raise KazooError(
                400,
                "metaflows are not enabled on this call",
                {"action": {"metaflows": {"message": "metaflows are not enabled on this call"}}},
            )
        with self._lock:
            attempt.hangup_at = self.elapsed(attempt)
            self.save()


def utc_now() -> datetime:
    return datetime.now(UTC)
