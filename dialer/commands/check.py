"""`dialer check NUMBER [--account A] [--json]`: what `dialer call` would do, without calling.

Exit codes follow `dialer call`: 0 the call would go ahead as is; 2 it would not (refused, or
it needs a confirmation that `dialer call --force` gives). The number is judged as the CLI
sees it (a script's input, not typed in the window), so premium-rate numbers need --force.
"""

from __future__ import annotations

import argparse
import json

from dialer.guard import Verdict

EXIT_OK, EXIT_HELD = 0, 2


def run(ns: argparse.Namespace) -> int:
    from dialer import dnc, guard, settings

    conf = settings.load()
    with dnc.open_existing() as listed:
        verdict = guard.check(ns.number, ns.account, conf, source=guard.Source.CLI, dnc=listed)
    if ns.json:
        print(json.dumps(verdict.to_json_dict(), ensure_ascii=False))
    else:
        print(render(verdict))
    return EXIT_OK if verdict.allowed and not verdict.needs_confirmation else EXIT_HELD


def render(v: Verdict) -> str:
    """A short report: facts first, then what stops or holds the call."""
    head = v.international or v.input.strip() or "(empty)"
    if v.valid:
        head += f" — {v.type_label}"
        if v.place:
            head += f", {v.place}"
    rows: list[tuple[str, str]] = []
    if v.valid:
        rows.append((f"{v.provider} receives", v.wire or "nothing: refused (below)"))
        local = v.local_time_text()
        if local and len(v.local_times) == 1:
            local += v.local_times[0].time.strftime(" (%a %d %b)")
        rows.append(("local time", local or "unknown"))
        if v.calling_hours is None:
            hours = f"none for account {v.account!r}"
        else:
            hours = f"{v.calling_hours[0]}–{v.calling_hours[1]} destination time"
            state = {True: "inside", False: "outside", None: "cannot tell"}
            hours += f" ({state[v.within_calling_hours]})"
        rows.append(("calling hours", hours))
        rows.append(("do-not-call", "listed" if v.do_not_call else "not listed"))
    width = max((len(label) for label, _ in rows), default=0)
    lines = [head] + [f"  {label:<{width}}  {value}" for label, value in rows]
    lines += [f"  refused: {reason}" for reason in v.refusals]
    lines += [f"  confirm: {reason}" for reason in v.confirmations]
    lines += [f"  note: {note}" for note in v.notes]
    if not v.allowed:
        lines.append("verdict: refused")
    elif v.needs_confirmation:
        lines.append("verdict: needs confirmation (dialer call --force calls anyway)")
    else:
        lines.append("verdict: ok to call")
    return "\n".join(lines)
