"""Implementations of the `dialer` subcommands; argument parsing stays in `dialer.cli`."""

from __future__ import annotations

import argparse
import sys

from dialer.domain import DialerError


def run(ns: argparse.Namespace) -> int:
    from dialer import log

    log.setup()
    try:
        if ns.command == "call":
            from dialer.commands import call

            return call.run(ns)
        if ns.command == "accounts":
            from dialer.commands import accounts

            return accounts.run(ns)
        if ns.command == "history":
            from dialer.commands import history

            return history.run(ns)
        if ns.command in ("check", "dnc", "hours"):  # the pre-dial guard's commands
            import importlib

            code: int = importlib.import_module(f"dialer.commands.{ns.command}").run(ns)
            return code
        if ns.command == "kazoo":
            from dialer.commands import kazoo

            return kazoo.run(ns)
        if ns.command == "listen":
            from dialer.commands import listen

            return listen.run(ns)
        if ns.command == "sandbox":
            from dialer.sandbox import server

            server.serve(ns.host, ns.port, speed=ns.speed, idle_exit=ns.idle_exit or None)
            return 0
    except DialerError as exc:
        print(f"dialer: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {ns.command}")
