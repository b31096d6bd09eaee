"""`dialer dnc import FILE | add NUMBER | remove NUMBER | list`: the local do-not-call list.

Numbers are stored in E.164 whatever form the file or the argument uses; an import reports
every row it could not read (by line), so an agent knows the list is complete.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dialer.domain import ConfigError

if TYPE_CHECKING:
    from dialer.dnc import DncList


def run(ns: argparse.Namespace) -> int:
    from dialer import dnc, settings

    region = settings.load().preferences.default_region
    with dnc.DncList() as listed:
        if ns.action == "import":
            return _import(listed, Path(ns.file), ns.reason or "", region, ns.json)
        if ns.action == "add":
            entry = listed.add(ns.number, ns.reason or "", region=region)
            print(f"{entry.number} is on the do-not-call list")
            return 0
        if ns.action == "remove":
            if not listed.remove(ns.number, region=region):
                raise ConfigError(f"{ns.number} is not on the do-not-call list")
            print(f"{ns.number} removed from the do-not-call list")
            return 0
        if ns.action == "list":
            entries = listed.entries()
            if ns.json:
                rows = [
                    {
                        "number": e.number,
                        "reason": e.reason,
                        "source": e.source,
                        "added_at": e.added_at,
                    }
                    for e in entries
                ]
                print(json.dumps(rows, ensure_ascii=False))
            for e in [] if ns.json else entries:
                print(f"{e.number:<16} {e.added_at[:10]}  {e.reason}".rstrip())
            return 0
    raise AssertionError(f"unhandled dnc action {ns.action}")


def _import(listed: DncList, path: Path, reason: str, region: str, as_json: bool) -> int:
    from dialer import dnc

    text = dnc.read_file(path)
    report = listed.import_csv(text, source=path.name, reason=reason, region=region)
    if as_json:
        print(
            json.dumps(
                {
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "skipped": report.skipped_count,
                    "skipped_rows": [
                        {"line": line, "text": cell, "reason": why}
                        for line, cell, why in report.skipped
                    ],
                },
                ensure_ascii=False,
            )
        )
    else:
        print(f"{path.name}: {report.summary()}")
    for line, _cell, why in report.skipped:
        print(f"  line {line}: {why}", file=sys.stderr)
    if report.skipped_count > len(report.skipped):
        print(f"  ... and {report.skipped_count - len(report.skipped)} more", file=sys.stderr)
    return 0
