"""Turns the Qt-free controller's listener callbacks into a Qt signal.

The controller must not know about Qt (the CLI shares it), and widgets should not register
plain callbacks that outlive them: a signal disconnects itself when its receiver is destroyed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.services.calls import CallController


#: A new call's first snapshot ("placing the call") is relayed at most this long after it came
#: (with any other call's held one), or just before the call's next snapshot if that comes
#: first. The controller reports it just before the request leaves, and what it sets off on
#: screen (a new call card, ~5 ms of widgets, then its layout and paint) would otherwise run
#: first and delay the request by ~10 ms (benchmarks/dial.py). The Call button already says
#: "Calling…" meanwhile.
NEW_CALL_DELAY_MS = 40


class CallBridge(QObject):
    """Emits `snapshot` (a CallSnapshot) for every change of every call the controller owns,
    in the order the controller reported them for each call."""

    snapshot = Signal(object)

    def __init__(self, controller: CallController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._attached = True
        self._seen: set[str] = set()
        self._held: dict[str, CallSnapshot] = {}
        # One timer for every held snapshot: started while the request is about to leave, where
        # a `QTimer.singleShot` with a callable cost ~0.05 ms (its functor object) per call.
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(NEW_CALL_DELAY_MS)
        self._release_timer.timeout.connect(self.flush)
        controller.add_listener(self._relay)

    def detach(self) -> None:
        """Stop relaying; the controller keeps the callback but it becomes a no-op."""
        self._attached = False
        self._held.clear()  # the timer may still fire: it then finds nothing held

    def flush(self) -> None:
        """Relay the held first snapshots now (tools and tests that look right away)."""
        for uuid in list(self._held):
            self._release(uuid)

    def _relay(self, snapshot: CallSnapshot) -> None:
        if not self._attached:
            return
        uuid = snapshot.uuid
        if uuid not in self._seen:
            self._seen.add(uuid)
            if not snapshot.final:
                self._held[uuid] = snapshot
                if not self._release_timer.isActive():
                    self._release_timer.start()
                return
        self._release(uuid)
        self.snapshot.emit(snapshot)
        if snapshot.final:  # nothing follows a final snapshot: forget the call (all-day windows)
            self._seen.discard(uuid)

    def _release(self, uuid: str) -> None:
        held = self._held.pop(uuid, None)
        if held is not None and self._attached:
            self.snapshot.emit(held)
