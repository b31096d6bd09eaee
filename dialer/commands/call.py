"""`dialer call`: place one call, optionally follow it to its end.

Exit codes are a contract: 0 accepted (or final with --wait), 1 refused or network failure,
2 bad input and nothing sent, 3 timeout or unknown outcome (do not blindly retry).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from dialer.domain import CallSnapshot, CallStatus, DialerError
from dialer.services import daemon_threads

if TYPE_CHECKING:
    from dialer.services.recovery import OwnerFile
    from dialer.settings import Settings

EXIT_OK, EXIT_REFUSED, EXIT_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3


def _describe(snapshot: CallSnapshot) -> str:
    parts = [snapshot.status.value]
    if snapshot.legs:
        parts.append(", ".join(f"{leg.role.value} {leg.state.value}" for leg in snapshot.legs))
    if snapshot.duration:
        parts.append(f"{snapshot.duration} s")
    if snapshot.message:
        parts.append(snapshot.message)
    return " · ".join(parts)


def _output(snapshot: CallSnapshot, *, waited: bool) -> dict[str, Any]:
    data = snapshot.to_json_dict()
    if waited:
        data["duration"] = snapshot.duration
        data["recording_url"] = snapshot.recording_url
    return data


def run(ns: argparse.Namespace) -> int:
    return daemon_threads.run(_run(ns))


async def _run(ns: argparse.Namespace) -> int:
    from dialer import http_client, paths, settings
    from dialer.services.calls import CallController
    from dialer.services.history import HistoryStore

    conf = settings.load()
    history = HistoryStore(paths.history_db())
    last: dict[str, CallSnapshot] = {}
    owner: OwnerFile | None = None
    try:
        async with http_client.async_client() as client:
            controller = CallController(conf, history, client)
            from dialer.services import recovery

            recovery.mark_interrupted(history)  # issue 8: rows a killed process left open
            owner = recovery.OwnerFile()
            controller.add_listener(owner)  # first: claimed before anything can await

            def on_change(snapshot: CallSnapshot) -> None:
                last["snapshot"] = snapshot
                if not ns.json:
                    print(_describe(snapshot), flush=True)

            controller.add_listener(on_change)
            try:
                request = controller.prepare(ns.number, account=ns.account, caller_id=ns.caller_id)
                _guard(ns, conf)
            except DialerError as exc:
                return _fail(ns, exc, EXIT_INPUT, None)
            try:
                snapshot = await controller.place(request)
            except DialerError as exc:
                return _fail(ns, exc, exc.exit_code, last.get("snapshot"))
            code = EXIT_OK
            if ns.wait:
                try:
                    snapshot = await asyncio.wait_for(controller.follow(snapshot), ns.timeout)
                except TimeoutError:
                    snapshot = last.get("snapshot", snapshot).model_copy(
                        update={"message": f"stopped waiting after {ns.timeout:g} s"}
                    )
                    code = EXIT_UNKNOWN
                if not snapshot.final or snapshot.status is CallStatus.UNKNOWN:
                    code = EXIT_UNKNOWN
            if ns.json:
                print(json.dumps(_output(snapshot, waited=ns.wait)))
            elif not ns.wait:
                print(f"call {snapshot.call_id} placed (uuid {snapshot.uuid})")
            return code
    finally:
        if owner is not None:
            owner.close()
        history.close()


def _guard(ns: argparse.Namespace, conf: Settings) -> None:
    """The pre-dial guard (`dialer.guard`): a do-not-call number is refused; calling hours and
    premium-rate numbers hold the call unless --force. Raises GuardRefused; sends nothing."""
    from dialer import dnc, guard

    with dnc.open_existing() as listed:
        verdict = guard.check(
            ns.number, ns.account, conf, source=guard.Source.CLI, dnc=listed, describe=False
        )
    if verdict.refusals:
        raise guard.GuardRefused("; ".join(verdict.refusals))
    if verdict.confirmations and not ns.force:
        raise guard.GuardRefused("; ".join(verdict.confirmations) + " (--force calls anyway)")


def _fail(
    ns: argparse.Namespace, exc: DialerError, code: int, snapshot: CallSnapshot | None
) -> int:
    print(f"dialer: {exc}", file=sys.stderr)
    if ns.json:
        data: dict[str, Any]
        if snapshot is not None:
            data = _output(snapshot, waited=ns.wait)
        else:
            data = {
                "account": ns.account,
                "provider": None,
                "call_id": None,
                "uuid": None,
                "to": ns.number,
                "from": ns.caller_id,
                "status": None,
                "message": str(exc),
            }
        data["message"] = str(exc)
        print(json.dumps(data))
    return code
