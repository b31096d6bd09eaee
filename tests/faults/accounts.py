"""One ready account per provider, pointed at any URL, with a distinctive secret."""

from __future__ import annotations

from dialer.providers import registry
from dialer.settings import Account

PROVIDERS = ("clouddialer", "kazoo", "alohaa", "sarv", "acefone", "sandbox")

SECRETS = {
    "clouddialer": "ck_live_FAULTSECRET_cd",
    "kazoo": "f" * 49 + "FAULTSECRETkz00",
    "alohaa": "FAULTSECRET-alohaa-key",
    "sarv": "FAULTSECRET/sarv+tok",
    "acefone": "FAULTSECRET-acefone-pw",
    "sandbox": "",
}

_EXTRA: dict[str, dict[str, object]] = {
    "kazoo": {
        "settings": {"account_id": "0123456789abcdef0123456789abcdef"},
        "caller_ids": ["fedcba9876543210fedcba9876543210"],
    },
    "sarv": {"settings": {"user_id": "4242"}, "agent": "+919800000001"},
    "acefone": {"agent": "0602049340005", "caller_ids": ["+442079460000"]},
    "alohaa": {"agent": "+919800000001", "caller_ids": ["+918069000001"]},
    "clouddialer": {"agent": "+919876543211", "caller_ids": ["+918069000001"]},
    "sandbox": {"agent": "+919800000001", "caller_ids": ["+918069000001"]},
}

#: A number every provider accepts (India for most, the UK for Acefone).
NUMBERS = {"acefone": "+442071838750"}
DEFAULT_NUMBER = "+919876543210"


def account(provider: str, url: str) -> Account:
    extra = dict(_EXTRA.get(provider, {}))
    raw = Account(name=f"f-{provider}", provider=provider, base_url=url, **extra)  # type: ignore[arg-type]
    return registry.get(provider).normalize_account(raw)


def number(provider: str) -> str:
    return NUMBERS.get(provider, DEFAULT_NUMBER)
