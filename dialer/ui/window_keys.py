"""The main window's keyboard: where digits go, the Ctrl shortcuts, and the Tab order.

An agent dials from the keyboard all day, so wherever the focus is (an account box, a recent
call, the window itself) a digit typed goes to the number box and Backspace takes one back,
as in the dialers agents know; Tab walks the window in the order it is laid out, call cards
included, though cards come and go. That touches every part of the window and none of its
calling logic, so it lives here, and `MainWindow` only hands it its widgets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from dialer.ui.main_window import MainWindow

#: Keys that, typed anywhere in the window, go to the number box.
NUMBER_KEYS = frozenset("0123456789*#+")


class WindowKeys:
    """The window's keyboard rules, made after the first paint (`MainWindow._finish_setup`:
    nothing here is needed to paint, and each module imported before it delays it). The
    window stays the event filter of the widgets watched and asks `number_key`."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def watch(self, *widgets: QWidget) -> None:
        """Digits typed into these (combo boxes select by typing; lists search) are a number."""
        for widget in widgets:
            widget.installEventFilter(self._window)

    def number_key(self, event: QEvent) -> bool:
        """A digit (or * # +) typed into a watched widget: True once it went to the number."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.text()
            and event.text() in NUMBER_KEYS
        ):
            self._window.entry.append(event.text())
            return True
        return False

    def key_press(self, event: QKeyEvent) -> bool:
        """A key the window itself got (no field took it): True when it went to the number."""
        text = event.text()
        if text and text in NUMBER_KEYS:
            self._window.entry.append(text)
            return True
        from PySide6.QtCore import Qt  # not before the first paint: see `make_shortcuts`

        if event.key() == Qt.Key.Key_Backspace:
            self._window.entry.backspace()
            return True
        return False

    def make_shortcuts(self) -> None:
        """After the first paint: QShortcut and QKeySequence need PySide6's `Qt` enum
        namespace (~11 ms to load), which nothing needs to paint the window."""
        from PySide6.QtGui import QKeySequence, QShortcut

        window = self._window
        bindings: tuple[tuple[str, Callable[[], None]], ...] = (
            ("Ctrl+Return", window.request_call),
            ("Ctrl+Enter", window.request_call),
            ("Ctrl+,", window.open_settings),
            ("Ctrl+H", window.history.open),
            ("Ctrl+L", window.focus_number),
        )
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), window)
            shortcut.activated.connect(slot)

    def refresh_tab_order(self) -> None:
        """Tab follows the layout: the dial column, then each call card (newest first), then
        the recent list and the call options. Cards come and go, so the chain is rebuilt."""
        window = self._window
        chain: list[QWidget] = [
            window.account_selector,
            window.caller_id_selector,
            window.history_button,
            window.settings_button,
            window.number_input,
            window.call_button,
        ]
        for card in window.call_panel.cards():
            chain += card.focus_chain()
        chain += window.side_tabs.focus_chain()
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
