"""Accounts and preferences: a pydantic model in a JSON file, never holding a secret.

Writes are atomic (temp file + rename) so a crash mid-save never leaves a half file, and a
file that cannot be read is set aside rather than silently overwritten.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dialer import paths
from dialer.domain.errors import ConfigError

SETTINGS_VERSION = 1
SANDBOX_ACCOUNT = "sandbox"
#: The sandbox account's simulated agent phone and DID pool: demo data, not anyone's number.
SANDBOX_AGENT = "+919800000001"
SANDBOX_CALLER_IDS = ("+918069000001", "+918069000002")


class Account(BaseModel):
    """One provider account. Its secret lives in the keyring under (`dialer`, name)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    provider: str
    base_url: str | None = None
    agent: str | None = None
    caller_ids: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)

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
