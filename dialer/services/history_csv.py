"""CSV export of call history: the `history --json` keys as columns, for spreadsheets and CRMs.

Written to a temporary file beside the target and renamed into place, so an export that fails
half-way (disk full, a cancelled export) never leaves a truncated file under the chosen name.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dialer.domain.errors import DialerError

if TYPE_CHECKING:
    from dialer.services.history import HistoryEntry

#: Free-text columns a spreadsheet would run as a formula if they began with one of these
#: characters (CSV injection): such a value is written with a leading apostrophe.
_TEXT_COLUMNS = frozenset({"account", "message", "notes", "disposition"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def header() -> list[str]:
    from dialer.services.history import JSON_KEYS

    return list(JSON_KEYS)


def _cell(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if key in _TEXT_COLUMNS and isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write(path: Path, entries: Iterable[HistoryEntry]) -> int:
    """Write `entries` to `path` (UTF-8, RFC 4180 quoting); returns how many rows."""
    path = Path(path)
    keys = header()
    try:
        fd, tmp = tempfile.mkstemp(prefix=".history-", suffix=".csv.tmp", dir=path.parent)
    except OSError as exc:
        raise DialerError(f"cannot write {path}: {exc.strerror}") from None
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(keys)
            for entry in entries:
                data = entry.to_json_dict()
                writer.writerow([_cell(key, data[key]) for key in keys])
                count += 1
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DialerError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
