"""The `dialer` command line: a contract that other tools script against.

    dialer [gui] [--minimized] [NUMBER | tel:URI]
    dialer call NUMBER [--account NAME] [--from CALLER_ID] [--wait] [--timeout S] [--json]
    dialer accounts add|list|remove|test|default ...
    dialer history [--limit N] [--search TEXT] [--json]
    dialer sandbox [--host H] [--port N]
    dialer kazoo endpoints list|show|create|update|replace|delete|history ...
    dialer --version

Heavy imports (Qt, httpx, keyring) happen inside the command that needs them, so `dialer call`
never loads Qt and the GUI paints before it loads httpx.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dialer import __version__

SUBCOMMANDS = ("call", "accounts", "history", "sandbox", "kazoo")


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer",
        description="Desktop click-to-call. With no command, opens the window.",
        epilog="commands: call, accounts, history, sandbox, kazoo (dialer COMMAND --help)",
    )
    parser.add_argument("--version", action="version", version=f"dialer {__version__}")
    parser.add_argument("--minimized", action="store_true", help="start minimized")
    parser.add_argument("number", nargs="?", help="a number or tel: URI to fill in")
    return parser


def _command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialer")
    parser.add_argument("--version", action="version", version=f"dialer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    call = sub.add_parser("call", help="place a call")
    call.add_argument("number")
    call.add_argument("--account", metavar="NAME")
    call.add_argument("--from", dest="caller_id", metavar="CALLER_ID")
    call.add_argument("--wait", action="store_true", help="follow the call until it ends")
    call.add_argument("--timeout", type=float, metavar="S", help="stop waiting after S seconds")
    call.add_argument("--json", action="store_true")

    accounts = sub.add_parser("accounts", help="manage provider accounts")
    acc = accounts.add_subparsers(dest="action", required=True)
    add = acc.add_parser("add", help="add or replace an account (secret read from stdin)")
    add.add_argument("name")
    add.add_argument("--provider", required=True)
    add.add_argument("--base-url")
    add.add_argument("--agent")
    add.add_argument("--caller-id", action="append", default=[], dest="caller_ids")
    add.add_argument("--set", action="append", default=[], dest="values", metavar="KEY=VALUE")
    add.add_argument("--default", action="store_true")
    lst = acc.add_parser("list")
    lst.add_argument("--json", action="store_true")
    for action in ("remove", "test", "default"):
        acc.add_parser(action).add_argument("name")

    history = sub.add_parser("history", help="show call history")
    history.add_argument("--limit", type=int, default=50)
    history.add_argument("--search", metavar="TEXT")
    history.add_argument("--json", action="store_true")

    sandbox = sub.add_parser("sandbox", help="run the simulated provider in the foreground")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=0)
    sandbox.add_argument("--speed", type=float, help="simulated time speed-up (default 1)")
    sandbox.add_argument(
        "--idle-exit",
        type=float,
        default=600.0,
        metavar="S",
        help="exit after S idle seconds (0: never)",
    )

    from dialer.commands import kazoo

    kazoo.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        ns = _command_parser().parse_args(args)
        from dialer import commands

        return commands.run(ns)
    if args and args[0] == "gui":
        args = args[1:]
    ns = _gui_parser().parse_args(args)
    return launch_gui(ns.number, minimized=ns.minimized)


def launch_gui(number: str | None, *, minimized: bool) -> int:
    from dialer import app

    return app.run(number, minimized=minimized)


def gui_main() -> int:
    """Entry point of `dialer-gui` (no console window on Windows); same arguments as `dialer`."""
    return main()
