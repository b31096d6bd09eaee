"""A guard against a PySide6 reference-count bug that kills the app on Python 3.11.

In PySide6 6.12.0 some bindings hand Python a `True` or `None` without taking a new reference:
`SignalInstance.emit()` returns `True` that way, and void methods (`setObjectName`, `polish`,
…) and C++ signals delivered to Python slots do the same with `None`. On Python 3.12+ those
objects are immortal and nothing happens; on 3.11 (this project's floor) their counts run out
(measured: ~1,100 keystrokes in the number box) and the interpreter aborts with "Fatal Python
error: bool_dealloc" or "none_dealloc", in the middle of the agent's work or at exit.

`install()` checks for the bug (one emit, one void call) and, only where it is present, gives
`True`, `False` and `None` a reserve of references no session can use up (2^40: at a million
leaked references a second, 12 days). They are static singletons that are never meant to be
freed, so a larger count changes nothing else. Call it once, right after creating the
QApplication (and in test sessions).
"""

from __future__ import annotations

import sys

__all__ = ["install", "leaks"]

_RESERVE = 1 << 40
_installed = False


def leaks() -> tuple[bool, bool]:
    """(emit drops a `True`, a void method drops a `None`), measured once each."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    probe.ping.emit()  # the result is discarded, as with every ordinary emit
    true_leak = sys.getrefcount(True) < before
    before = sys.getrefcount(None)
    probe.setObjectName("probe")
    none_leak = sys.getrefcount(None) < before
    return true_leak, none_leak


def install() -> bool:
    """Apply the guard if this PySide6/Python pair needs it; True when it is in place."""
    global _installed
    if _installed or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _installed
    if not any(leaks()):
        return False
    import ctypes

    for singleton in (True, False, None):
        # ob_refcnt is the first field of every CPython object (a Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(singleton)).value += _RESERVE
    _installed = True
    return True
