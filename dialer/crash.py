"""Crash reports: what the app was doing when it died, shown to the agent on the next start.

A crash in a dialer loses more than a window: a call may be live at the provider. The report
(traceback plus the last log lines from `dialer.log.RING`, both redacted) lets the agent or
support see what happened without digging through log files. Three ways to die are covered:
an uncaught exception on the main thread (`sys.excepthook`), on another thread
(`threading.excepthook`), and a hard fault inside Qt or SQLite (`faulthandler`, which can only
write to an open file, so its file is read back on the next start). A command-line command
gets the same report through `run_command`, and a one-line message naming it instead of a
traceback.

Qt-free and stdlib only: the CLI and the GUI share it, and installing it costs no imports the
first paint would notice (it is installed after the paint anyway).
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

_FAULT_FILE = "faulthandler.log"
_PREFIX = "crash-"
_SEEN = ".seen"

_fault_stream: IO[str] | None = None
_previous_hook = sys.excepthook
_previous_thread_hook = threading.excepthook


def crash_dir() -> Path:
    from dialer import paths

    folder = paths.state_dir() / "crashes"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write_private(path: Path, text: str) -> None:
    """Create the file readable by the user only: a report may name numbers that were called."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _log_tail() -> list[str]:
    from dialer import log

    return [log.redact(line) for line in list(log.RING.lines)]


def report_text(what: str, details: str) -> str:
    from dialer import __version__ as version
    from dialer import log

    lines = [
        f"Dialer crash report — {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"version {version}, Python {sys.version.split()[0]}, {sys.platform}, pid {os.getpid()}",
        "",
        what,
        "",
        log.redact(details.rstrip()),
        "",
        "Last log lines:",
        *(_log_tail() or ["(none)"]),
    ]
    return "\n".join(lines) + "\n"


def write_report(what: str, details: str) -> Path:
    """Write one report; its name sorts by time so the newest is last."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = crash_dir() / f"{_PREFIX}{stamp}-{os.getpid()}.txt"
    _write_private(path, report_text(what, details))
    return path


def _format(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    return "".join(traceback.format_exception(exc_type, exc, tb))


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if not issubclass(exc_type, KeyboardInterrupt):
        with contextlib.suppress(Exception):  # a full disk must not hide the original error
            write_report("Uncaught exception on the main thread", _format(exc_type, exc, tb))
    _previous_hook(exc_type, exc, tb)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
        name = args.thread.name if args.thread is not None else "?"
        with contextlib.suppress(Exception):
            write_report(
                f"Uncaught exception in thread {name!r}",
                _format(args.exc_type, args.exc_value, args.exc_traceback),
            )
    _previous_thread_hook(args)


def _tell(what: str, exc: BaseException | None) -> None:
    """Write the report and say in one line where it is; never raise from here."""
    name = type(exc).__name__ if exc is not None else "error"
    try:
        details = _format(type(exc), exc, exc.__traceback__) if exc is not None else ""
        path = write_report(what, details)
    except Exception as failure:  # a full disk must not hide the original error
        told = f"no crash report could be written ({type(failure).__name__}: {failure})"
    else:
        told = f"a crash report was written to {path}"
    with contextlib.suppress(Exception):
        print(f"dialer: internal error ({name}); {told}", file=sys.stderr, flush=True)


def _command_thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
        name = args.thread.name if args.thread is not None else "?"
        _tell(f"Uncaught exception in thread {name!r}", args.exc_value)


def run_command(name: str, run: Callable[[], int], *, exit_code: int = 1) -> int:
    """Run one command-line command; an unexpected exception becomes a redacted report.

    The person at the terminal gets one line with the report's path and `exit_code`, not a
    traceback: the traceback, and the log lines before it, are in the report, with secrets
    redacted, where support can read them. Expected failures (DialerError) never get here.
    """
    threading.excepthook = _command_thread_hook
    try:
        return run()
    except Exception as exc:
        _tell(f"Uncaught exception in `{name}`", exc)
        return exit_code
    finally:
        threading.excepthook = _previous_thread_hook


def _collect_fault_file(folder: Path) -> None:
    """Turn what faulthandler wrote before the last process died into an ordinary report."""
    fault = folder / _FAULT_FILE
    try:
        text = fault.read_text(encoding="utf-8", errors="replace").strip()
    except FileNotFoundError:
        return
    if text:
        write_report("The app stopped on a fatal error (faulthandler)", text)


def install() -> None:
    """Route every uncaught error into a report; safe to call more than once."""
    global _fault_stream
    if _fault_stream is not None:
        return
    folder = crash_dir()
    _collect_fault_file(folder)
    fd = os.open(folder / _FAULT_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    _fault_stream = os.fdopen(fd, "w", encoding="utf-8")
    faulthandler.enable(_fault_stream, all_threads=True)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_hook


def uninstall() -> None:
    """Undo `install` (tests; a clean shutdown leaves an empty fault file behind)."""
    global _fault_stream
    if _fault_stream is None:
        return
    faulthandler.disable()
    sys.excepthook = _previous_hook
    threading.excepthook = _previous_thread_hook
    _fault_stream.close()
    _fault_stream = None


def take_unseen() -> str | None:
    """Reports nobody has been shown yet, newest last, marked seen so each shows once."""
    folder = crash_dir()
    texts: list[str] = []
    for path in sorted(folder.glob(f"{_PREFIX}*.txt")):
        if path.stem.endswith(_SEEN):
            continue
        try:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
            path.rename(path.with_name(path.stem + _SEEN + path.suffix))
        except OSError:
            continue
    return "\n".join(texts) if texts else None
