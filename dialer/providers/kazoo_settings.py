"""What a Kazoo account needs: its settings model, and the shape of Kazoo document ids.

Kept apart from the adapter so the settings form reads on its own. Field names are Kazoo's own
(`account_id`, the `user_auth` keys `account_name`, `account_realm`, `phone_number`, `method`,
the `/connect` query parameters `blocking` and `auto_answer`); `auth_method`, `username` and
`contact_format` are this app's, because Kazoo has no name for them.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import Field, model_validator

from dialer.providers.base import ProviderSettings

#: Kazoo document ids (accounts, click-to-call endpoints) are 32 lower-case hex characters.
KAZOO_ID = re.compile(r"[0-9a-f]{32}")

_USER_KEYS = ("username", "account_name", "account_realm", "phone_number")


class KazooSettings(ProviderSettings):
    """Settings of a Kazoo account; the keyring secret is the API key or the user's password."""

    account_id: str = Field(
        pattern=KAZOO_ID.pattern,
        description="The Kazoo account ID (32 lower-case hex characters) whose click-to-call "
        "endpoints this account uses.",
    )
    auth_method: Literal["api_key", "user"] = Field(
        default="api_key",
        description="api_key: the stored secret is the account's API key (PUT /v2/api_auth). "
        "user: the stored secret is the password of `username` (PUT /v2/user_auth).",
    )
    username: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="Kazoo user name (with auth_method=user).",
    )
    account_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The user's account name (with auth_method=user; or give account_realm "
        "or phone_number instead).",
    )
    account_realm: str | None = Field(
        default=None,
        min_length=4,
        max_length=253,
        pattern=r"^[.\w_-]+$",
        description="The user's account realm (with auth_method=user), e.g. sip.example.com.",
    )
    phone_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="A phone number assigned to the user's account (with auth_method=user).",
    )
    method: Literal["md5", "sha"] = Field(
        default="md5",
        description="How user credentials are hashed for user_auth: md5 or sha (sha1) of "
        '"username:password".',
    )
    api_key: str | None = Field(
        default=None,
        min_length=64,
        max_length=64,
        description="The account's API key, 64 characters (kept in the keyring).",
        json_schema_extra={"secret": True},
    )
    password: str | None = Field(
        default=None,
        description="The user's password (kept in the keyring; with auth_method=user).",
        json_schema_extra={"secret": True},
    )
    blocking: bool = Field(
        default=False,
        description="Wait (up to 20 s) for Kazoo to report whether the call got through, "
        "instead of being told at once that it was queued.",
    )
    auto_answer: bool = Field(
        default=True,
        description="Ask the extension's phone to answer the call by itself (where the phone "
        "supports it).",
    )
    contact_format: Literal["e164", "e164_digits", "national_digits"] = Field(
        default="e164",
        description="How the number is sent as `contact`: e164 (+919876543210), e164_digits "
        "(919876543210) or national_digits (9876543210). The endpoint's whitelist regexes "
        "are matched against it.",
    )

    @model_validator(mode="after")
    def _auth_keys_fit_the_method(self) -> Self:
        if self.auth_method == "user":
            if not self.username:
                raise ValueError("auth_method=user needs username")
            given = [k for k in _USER_KEYS[1:] if getattr(self, k) is not None]
            if len(given) != 1:
                raise ValueError(
                    "auth_method=user needs exactly one of account_name, account_realm, "
                    "phone_number"
                )
        else:
            extra = [k for k in _USER_KEYS if getattr(self, k) is not None]
            if extra:
                raise ValueError(f"{', '.join(extra)} only apply with auth_method=user")
        return self
