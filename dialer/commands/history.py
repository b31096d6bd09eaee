"""`dialer history`: the same store the window shows, for scripts and CRMs.

`--sync` first merges each capable account's own provider history (Kazoo, Alohaa), as the
window does when its history opens, so a script sees outcomes and calls placed elsewhere; the
per-account result goes to stderr, keeping stdout the listing (or the JSON) alone.

`--csv FILE` exports what the search selects, every matching call unless `--limit` is given:
an export that silently stopped at the screen's default of 50 would look complete and not be.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from dialer.domain import ConfigError

if TYPE_CHECKING:
    from dialer.services.history import HistoryStore

#: Calls listed when --limit is not given (the terminal and --json).
DEFAULT_LIMIT = 50


def run(ns: argparse.Namespace) -> int:
    from dialer import paths
    from dialer.services.history import HistoryStore

    if ns.limit is not None and ns.limit < 1:
        raise ConfigError("--limit must be at least 1")
    csv_path = Path(ns.csv).expanduser() if getattr(ns, "csv", None) else None
    if csv_path is not None and csv_path.is_dir():
        raise ConfigError(f"--csv {csv_path} is a folder; give a file name")
    limit = ns.limit if ns.limit is not None else DEFAULT_LIMIT
    store = HistoryStore(paths.history_db())
    try:
        from dialer.services import recovery

        recovery.mark_interrupted(store)  # issue 8: rows a killed process left open
        if getattr(ns, "sync", False):
            _sync(store)
        if csv_path is not None:
            query = store.query(search=ns.search or "")
            written = store.export_csv(query, csv_path, limit=ns.limit)
            if not ns.json:
                print(f"wrote {written} call{'s' if written != 1 else ''} to {csv_path}")
                return 0
        entries = store.recent(limit=limit, search=ns.search)
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


def _sync(store: HistoryStore) -> None:
    import sys

    from dialer import http_client
    from dialer import settings as settings_mod
    from dialer.services import daemon_threads, history_sync
    from dialer.services.calls import CallController

    async def go() -> dict[str, str]:
        async with http_client.async_client() as client:
            controller = CallController(settings_mod.load(), store, client)
            return await history_sync.sync(controller)

    results = daemon_threads.run(go())
    if not results:
        print("sync: no account keeps a call history of its own", file=sys.stderr)
    for account, result in results.items():
        print(f"sync {account}: {result}", file=sys.stderr)
