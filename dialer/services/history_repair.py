"""The way out of an unreadable history file that never deletes anything.

A damaged `history.sqlite3` may still be the only copy of someone's call records (a recovery
tool can often read most rows back), so the app never deletes or rewrites it. Instead it is
moved aside, with its WAL and shared-memory companions (a WAL left next to a fresh database
would be replayed into it), and the next open starts an empty history. The GUI offers this as a
button; the CLI prints the exact commands. Stdlib only.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from pathlib import Path

from dialer.domain.errors import DialerError

_COMPANIONS = ("", "-wal", "-shm")


class HistoryUnreadable(DialerError):
    """The history file exists but is not a usable SQLite database."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def _files(path: Path) -> list[tuple[Path, str]]:
    return [(Path(f"{path}{suffix}"), suffix) for suffix in _COMPANIONS]


def move_aside(path: Path) -> Path:
    """Rename the broken file (and companions) next to itself; returns the main file's new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    for source, suffix in _files(path):
        if source.exists():
            source.rename(Path(f"{target}{suffix}"))
    return target


def repair_commands(path: Path) -> str:
    """Shell commands doing what `move_aside` does, for a person at a terminal."""
    target = f"{path}.broken"
    moves = [
        f"mv {shlex.quote(str(source))} {shlex.quote(target + suffix)}"
        for source, suffix in _files(path)
        if suffix == "" or source.exists()
    ]
    return " && ".join(moves)
