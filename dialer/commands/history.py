"""`dialer history`: the same store the window shows, for scripts and CRMs."""

from __future__ import annotations

import argparse
import json

from dialer.domain import ConfigError


def run(ns: argparse.Namespace) -> int:
    from dialer import paths
    from dialer.services.history import HistoryStore

    if ns.limit < 1:
        raise ConfigError("--limit must be at least 1")
    store = HistoryStore(paths.history_db())
    try:
        entries = store.recent(limit=ns.limit, search=ns.search)
    finally:
        store.close()
    rows = [entry.to_json_dict() for entry in entries]
    if ns.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print("no calls yet")
        return 0
    for row in rows:
        duration = f"{row['duration']}s" if row["duration"] is not None else "-"
        print(
            f"{row['started_at'] or '-':<21} {row['to']:<16} {row['status']:<11} "
            f"{duration:>6}  {row['account']}"
        )
    return 0
