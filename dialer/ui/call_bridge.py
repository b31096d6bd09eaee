"""Turns the Qt-free controller's listener callbacks into a Qt signal.

The controller must not know about Qt (the CLI shares it), and widgets should not register
plain callbacks that outlive them: a signal disconnects itself when its receiver is destroyed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from dialer.domain.models import CallSnapshot
    from dialer.services.calls import CallController


class CallBridge(QObject):
    """Emits `snapshot` (a CallSnapshot) for every change of every call the controller owns."""

    snapshot = Signal(object)

    def __init__(self, controller: CallController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._attached = True
        controller.add_listener(self._relay)

    def detach(self) -> None:
        """Stop relaying; the controller keeps the callback but it becomes a no-op."""
        self._attached = False

    def _relay(self, snapshot: CallSnapshot) -> None:
        if self._attached:
            self.snapshot.emit(snapshot)
