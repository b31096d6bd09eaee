"""Accounts and preferences: a pydantic model in a JSON file, never holding a secret.

Writes are atomic (temp file + rename) so a crash mid-save never leaves a half file, and a
file that cannot be read is set aside rather than silently overwritten.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dialer import paths
from dialer.domain.errors import ConfigError

SETTINGS_VERSION = 1
SANDBOX_ACCOUNT = "sandbox"
#: The sandbox account's simulated agent phone and DID pool: demo data, not anyone's number.
SANDBOX_AGENT = "+919800000001"
SANDBOX_CALLER_IDS = ("+918069000001", "+918069000002")
#: Calling hours in the destination's local time for provider accounts: India's regulator
#: (TRAI) limits commercial calls to 09:00-21:00. The simulated sandbox rings nobody: no window.
DEFAULT_CALLING_HOURS = ("09:00", "21:00")


def parse_calling_hours(value: object) -> tuple[str, str] | None:
    """("HH:MM", "HH:MM") from a pair or "09:00-21:00"; None/""/"off" mean no window.

    A window may wrap midnight ("22:00-06:00"); an empty one (start == end) is refused
    because it would silently block every call.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "off", "none")):
        return None
    if isinstance(value, str):
        parts: list[object] = list(value.replace("–", "-").split("-"))
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValueError("calling hours are two times, like 09:00-21:00")
    if len(parts) != 2 or not all(isinstance(p, str) for p in parts):
        raise ValueError("calling hours are two times, like 09:00-21:00")
    times: list[str] = []
    for part in parts:
        assert isinstance(part, str)
        hours, sep, minutes = part.strip().partition(":")
        if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise ValueError(f"{part.strip()!r} is not a time like 09:00")
        if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
            raise ValueError(f"{part.strip()!r} is not a time of day")
        times.append(f"{int(hours):02d}:{minutes}")
    if times[0] == times[1]:
        raise ValueError("calling hours start and end at the same time")
    return times[0], times[1]


#: One segment of a callback path: URL-safe characters only, so the path needs no escaping.
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
DEFAULT_CALLBACK_PATH = "callbacks"


def parse_callback_path(value: object) -> str | None:
    """A callback path prefix ("pbx/north") without its outer slashes; None/"" mean the default.

    Segments are letters, digits and `. _ ~ -`: the URL is pasted into dashboards and PBX
    configurations, where anything needing percent-escapes tends to get mangled.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("a callback path is text, like pbx/north")
    text = value.strip().strip("/")
    if not text:
        return None
    segments = text.split("/")
    for segment in segments:
        if segment in ("", ".", "..") or not _PATH_SEGMENT.fullmatch(segment):
            raise ValueError(
                "a callback path is segments of letters, digits and . _ ~ - joined by /"
            )
    if segments[0] == "health":
        raise ValueError("a callback path cannot start with 'health' (the listener's probe)")
    return text


class Account(BaseModel):
    """One provider account. Its secret lives in the keyring under (`dialer`, name)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    provider: str
    base_url: str | None = None
    agent: str | None = None
    caller_ids: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    #: When calls may ring, in the destination's local time (`dialer.guard`); None: any time.
    calling_hours: tuple[str, str] | None = None
    # --- status pushes (issue 9): this account's own listener port and path prefix ---------
    #: The port this account's pushes arrive on; None shares the preference's port.
    callback_port: int | None = Field(default=None, ge=1, le=65535)
    #: Path prefix before `/<account>` in the callback URL (e.g. "pbx/north"); None: "callbacks".
    callback_path: str | None = Field(default=None, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _default_calling_hours(cls, data: Any) -> Any:
        """Provider accounts saved before calling hours existed get the regulator's window."""
        if isinstance(data, dict) and "calling_hours" not in data:
            is_sandbox = data.get("provider") == "sandbox"
            return {**data, "calling_hours": None if is_sandbox else DEFAULT_CALLING_HOURS}
        return data

    @field_validator("calling_hours", mode="before")
    @classmethod
    def _calling_hours(cls, value: object) -> tuple[str, str] | None:
        return parse_calling_hours(value)

    @field_validator("callback_path", mode="before")
    @classmethod
    def _callback_path(cls, value: object) -> str | None:
        return parse_callback_path(value)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch in value for ch in "/\\\n\r\t"):
            raise ValueError("an account name is one line without slashes")
        return value


class Preferences(BaseModel):
    model_config = ConfigDict(extra="ignore")

    default_region: str = Field(default="IN", min_length=2, max_length=2)
    start_minimized: bool = False
    #: Last caller ID chosen per account, restored when the account is picked again.
    last_caller_id: dict[str, str] = Field(default_factory=dict)
    recent_numbers: list[str] = Field(default_factory=list)
    #: "system" follows the OS light/dark setting where Qt can read it.
    theme: Literal["system", "light", "dark"] = "system"
    #: Ask before dialing a number that came from outside (a tel: link, a second launch).
    confirm_external: bool = True
    #: Mirrors the OS login item (`dialer.autostart`); the OS entry is the truth.
    start_at_login: bool = False
    # --- living on the desktop (issue 7): tray, clipboard, links, global shortcut -------------
    #: Dial a number that came from outside without asking first, per source. Off by default:
    #: the agent opts in (e.g. from the consent dialog's "always" box).
    auto_dial_tel: bool = False  # tel:/callto: links
    auto_dial_cli: bool = False  # `dialer NUMBER` run by another program
    auto_dial_clipboard: bool = False  # copied numbers, "Dial from clipboard", the shortcut
    #: Closing the window keeps the dialer in the system tray (where the desktop has one).
    close_to_tray: bool = True
    #: Offer numbers copied to the clipboard for one-click dialing.
    watch_clipboard: bool = True
    #: Desktop notifications when a call ends, fails or is missed.
    notify_calls: bool = True
    #: A system-wide shortcut (Qt key text, e.g. "Ctrl+Alt+D") that dials the selected text or
    #: the clipboard; "" is off. Not every desktop allows one (`dialer.ui.hotkey.support`).
    global_hotkey: str = Field(default="", max_length=40)
    # --- call recordings (issue 6) ------------------------------------------------------------
    #: Downloaded recordings kept for replay; the least recently played go first beyond this.
    recording_cache_mb: int = Field(default=500, ge=10, le=100_000)
    #: A download larger than this is stopped as soon as it passes it (a call of ~1 h in WAV).
    recording_max_mb: int = Field(default=50, ge=1, le=2_000)
    # --- status pushes (issue 9): the optional callback listener (`dialer.services.callbacks`) --
    #: Off by default: a listening socket is opt-in.
    callback_listener: bool = False
    #: 127.0.0.1 unless the user chooses another address (a PBX on the LAN, a tunnel).
    callback_host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    callback_port: int = Field(default=8765, ge=1, le=65535)
    #: How providers reach the listener (the tunnel's URL); "" means http://host:port.
    callback_public_url: str = Field(default="", max_length=2000)


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int = SETTINGS_VERSION
    default_account: str | None = None
    accounts: list[Account] = Field(default_factory=list)
    preferences: Preferences = Field(default_factory=Preferences)

    def account(self, name: str | None = None) -> Account:
        """The named account, or the default one; ConfigError names the choices."""
        wanted = name or self.default_account
        for acc in self.accounts:
            if acc.name == wanted:
                return acc
        if name is None and self.accounts:
            return self.accounts[0]
        known = ", ".join(a.name for a in self.accounts) or "none"
        raise ConfigError(f"no account named {wanted!r} (accounts: {known})")

    def has_account(self, name: str) -> bool:
        return any(a.name == name for a in self.accounts)


def default_settings() -> Settings:
    """First run: one ready sandbox account so the app works with no provider at all."""
    sandbox = Account(
        name=SANDBOX_ACCOUNT,
        provider="sandbox",
        agent=SANDBOX_AGENT,
        caller_ids=list(SANDBOX_CALLER_IDS),
    )
    return Settings(default_account=SANDBOX_ACCOUNT, accounts=[sandbox])


def load(path: Path | None = None) -> Settings:
    """Read settings; create the first-run defaults if there are none.

    A corrupt file is renamed to `settings.json.corrupt-N` (kept for the user) and defaults
    are used, so the app still starts and nothing is lost.
    """
    path = path or paths.settings_file()
    if not path.exists():
        settings = default_settings()
        save(settings, path)
        return settings
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Settings.model_validate(raw)
    except (OSError, ValueError, ValidationError):
        n = 1
        while (aside := path.with_name(f"{path.name}.corrupt-{n}")).exists():
            n += 1
        os.replace(path, aside)
        settings = default_settings()
        save(settings, path)
        return settings


def save(settings: Settings, path: Path | None = None) -> None:
    path = path or paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(settings.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
