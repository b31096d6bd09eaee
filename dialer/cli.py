"""The `dialer` command line: a contract that other tools script against.

    dialer [gui] [--minimized] [NUMBER | tel:URI]
    dialer --register-handlers | --unregister-handlers
    dialer call NUMBER [--account NAME] [--from CALLER_ID] [--wait] [--timeout S] [--json]
                [--force]
    dialer check NUMBER [--account NAME] [--json]
    dialer dnc import FILE | add NUMBER | remove NUMBER | list
    dialer hours ACCOUNT [09:00-21:00 | off]
    dialer accounts add|list|remove|test|default ...
    dialer history [--limit N] [--search TEXT] [--json] [--csv FILE] [--sync]
    dialer sandbox [--host H] [--port N]
    dialer kazoo endpoints list|show|create|update|replace|delete|history ...
    dialer --version

Heavy imports (Qt, httpx, keyring) happen inside the command that needs them, so `dialer call`
never loads Qt and the GUI paints before it loads httpx.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dialer import __version__

if TYPE_CHECKING:
    import argparse

#: `dialer call`'s exit status, which scripts and CRMs branch on (also in README.md).
CALL_EXIT_CODES = """exit status:
  0  the provider accepted the call (with --wait: it reached a final status)
  1  the provider refused it, or the network failed
  2  bad input or a refused pre-check (do-not-call, calling hours): nothing was sent
  3  --timeout expired, or the outcome is unknown: check before redialing
"""

SUBCOMMANDS = ("call", "accounts", "history", "sandbox", "kazoo", "check", "dnc", "hours", "listen")


def _gui_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="dialer",
        description="Desktop click-to-call. With no command, opens the window.",
        epilog=(
            "commands: call, check, accounts, history, dnc, hours, listen, sandbox, kazoo "
            "(dialer COMMAND --help)"
        ),
    )
    parser.add_argument("--version", action="version", version=f"dialer {__version__}")
    parser.add_argument("--minimized", action="store_true", help="start minimized")
    handlers = parser.add_mutually_exclusive_group()
    handlers.add_argument(
        "--register-handlers", action="store_true", help="open tel: and callto: links here"
    )
    handlers.add_argument(
        "--unregister-handlers", action="store_true", help="stop opening tel: and callto: links"
    )
    parser.add_argument("number", nargs="?", help="a number or tel: URI to fill in")
    return parser


def _command_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog="dialer")
    parser.add_argument("--version", action="version", version=f"dialer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    call = sub.add_parser(
        "call",
        help="place a call",
        description="Place a call: the provider rings the agent's phone, then the number.",
        epilog=CALL_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    call.add_argument("number", help="the number to call (any format), or a tel: URI")
    call.add_argument(
        "--account", metavar="NAME", help="the account to call with (default: the default one)"
    )
    call.add_argument(
        "--from",
        dest="caller_id",
        metavar="CALLER_ID",
        help="the caller ID the customer sees (default: the account's first)",
    )
    call.add_argument("--wait", action="store_true", help="follow the call until it ends")
    call.add_argument("--timeout", type=float, metavar="S", help="stop waiting after S seconds")
    call.add_argument(
        "--json", action="store_true", help="print the result as one JSON object (for scripts)"
    )
    call.add_argument(
        "--force",
        action="store_true",
        help="call even outside calling hours or a premium-rate number (never a do-not-call one)",
    )
    _guard_parsers(sub)

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
    add.add_argument("--callback-port", type=int, help="this account's own push listener port")
    add.add_argument("--callback-path", help="path prefix of its callback URL (e.g. pbx/north)")
    lst = acc.add_parser("list")
    lst.add_argument("--json", action="store_true")
    for action in ("remove", "test", "default"):
        acc.add_parser(action).add_argument("name")

    history = sub.add_parser("history", help="show call history")
    history.add_argument("--limit", type=int, help="at most N calls (default 50; --csv: all)")
    history.add_argument(
        "--search",
        metavar="TEXT",
        help="a number, however written (4+ digits), or words of notes, outcome or account",
    )
    history.add_argument("--json", action="store_true", help="the calls as JSON")
    history.add_argument("--csv", metavar="FILE", help="write the calls to FILE as CSV")
    history.add_argument(
        "--sync", action="store_true", help="first merge the providers' own call history"
    )

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
    from dialer.commands import listen

    listen.add_parser(sub)
    return parser


def _guard_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The pre-dial guard's commands (`dialer.guard`): check, dnc, hours."""
    check = sub.add_parser("check", help="what calling a number would do, without calling")
    check.add_argument("number", help="the number (any format), or a tel: URI")
    check.add_argument("--account", metavar="NAME", help="the account it would be called with")
    check.add_argument("--json", action="store_true", help="the verdict as JSON")

    dnc = sub.add_parser("dnc", help="the local do-not-call list")
    act = dnc.add_subparsers(dest="action", required=True)
    imp = act.add_parser("import", help="add every number of a CSV file")
    imp.add_argument("file")
    imp.add_argument("--reason", help="reason for rows that give none")
    imp.add_argument("--json", action="store_true")
    add = act.add_parser("add")
    add.add_argument("number")
    add.add_argument("--reason")
    act.add_parser("remove").add_argument("number")
    act.add_parser("list").add_argument("--json", action="store_true")

    hours = sub.add_parser("hours", help="show or set an account's calling hours")
    hours.add_argument("account")
    hours.add_argument("window", nargs="?", help="e.g. 09:00-21:00 (destination time), or off")


def private_files() -> None:
    """Make every file and folder the app creates from here on user-only (settings, history,
    logs, exports, crash reports): they hold customers' numbers, whatever the user's umask."""
    import os

    os.umask(os.umask(0o077) | 0o077)


def main(argv: Sequence[str] | None = None) -> int:
    private_files()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        ns = _command_parser().parse_args(args)
        from dialer import commands, crash

        # An internal error in `call` may come after the request left: exit as "unknown" (3).
        return crash.run_command(
            f"dialer {ns.command}",
            lambda: commands.run(ns),
            exit_code=3 if ns.command == "call" else 1,
        )
    if args and args[0] == "gui":
        args = args[1:]
    quick = _quick_gui_args(args)
    if quick is not None:  # the everyday launch: no argparse (~2 ms) before the first paint
        return launch_gui(quick[0], minimized=quick[1])
    ns = _gui_parser().parse_args(args)
    if ns.register_handlers or ns.unregister_handlers:
        return link_handlers(register=ns.register_handlers)
    return launch_gui(ns.number, minimized=ns.minimized)


def _quick_gui_args(args: list[str]) -> tuple[str | None, bool] | None:
    """(number, minimized) when the arguments are nothing, a number, `--minimized` or both,
    exactly as `_gui_parser` would read them; None for anything else (argparse decides)."""
    minimized = "--minimized" in args
    rest = [arg for arg in args if arg != "--minimized"]
    if len(rest) > 1 or (rest and (rest[0].startswith("-") or not rest[0])):
        return None
    if args.count("--minimized") > 1:
        return None
    return (rest[0] if rest else None), minimized


def launch_gui(number: str | None, *, minimized: bool) -> int:
    """Hand the number to the dialer already running (it raises its window), else start one."""
    from dialer import ipc

    try:
        if ipc.forward(number, minimized=minimized):
            return 0
    except ipc.IpcError as exc:
        print(f"dialer: the running dialer could not take this launch: {exc}", file=sys.stderr)
        return 1
    from dialer import app

    return app.run(number, minimized=minimized)


def link_handlers(*, register: bool) -> int:
    """`--register-handlers` / `--unregister-handlers` (`dialer.handlers`)."""
    from dialer import handlers

    try:
        message = handlers.register() if register else handlers.unregister()
    except (handlers.HandlerError, OSError) as exc:
        print(f"dialer: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


def gui_main() -> int:
    """Entry point of `dialer-gui` (no console window on Windows); same arguments as `dialer`."""
    return main()
