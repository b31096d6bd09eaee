"""`dialer hours ACCOUNT [09:00-21:00 | off]`: show or set an account's calling hours.

The window is in the destination's local time; provider accounts start with India's
regulatory 09:00-21:00, the sandbox with none. Changing it re-reads the settings first so
nothing the window or another command saved meanwhile is lost.
"""

from __future__ import annotations

import argparse

from dialer.domain import ConfigError


def run(ns: argparse.Namespace) -> int:
    from dialer import settings

    conf = settings.load()
    account = conf.account(ns.account)
    if ns.window is None:
        print(f"{account.name}: {_shown(account.calling_hours)}")
        return 0
    try:
        window = settings.parse_calling_hours(ns.window)
    except ValueError as exc:
        raise ConfigError(f"calling hours: {exc}") from None
    conf.accounts = [
        a.model_copy(update={"calling_hours": window}) if a.name == account.name else a
        for a in conf.accounts
    ]
    settings.save(conf)
    print(f"{account.name}: {_shown(window)}")
    return 0


def _shown(window: tuple[str, str] | None) -> str:
    if window is None:
        return "no calling hours (calls at any time)"
    return f"calls {window[0]}–{window[1]}, destination's local time"
