"""The window opens where the agent left it, in the theme it showed last.

An agent parks the dialer beside the CRM, often on a second screen, and starts it every
morning: like MicroSIP or Zoiper it must come back there, at that size, maximized if it was.
Both the place and the theme have to be known before the first paint: a window moved after
it painted jumps, and a light desktop would see one dark frame first (asking the OS for its
colour scheme costs ~12 ms before the paint, since it builds PySide6's `Qt` namespace; the
theme the app resolved last time is a line of this file). The settings themselves are read
after the paint, so what the window needs before it lives here, written whenever the
window is hidden (closed, sent to the tray, quit).

The file is `window.ini` (QSettings, INI) in Qt's per-user configuration folder for the app:
the settings folder on Linux and Windows (`~/.config/dialer`, `%LOCALAPPDATA%\\dialer`),
`~/Library/Preferences/dialer` on macOS; under `DIALER_HOME/config` when that is set. It is a
hint and is read as one: a missing, unreadable or foreign file starts the window at its
default size and in the theme the OS asks for (`app.run` pays the ~12 ms that once), and
`restoreGeometry` brings a window whose screen is gone (a docking station unplugged) back
onto one that exists.

The history window keeps its place in the same file (section `history`), read when it first
opens and written when it hides or the app quits with it open.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

__all__ = ["FILE_NAME", "WindowMemory", "location"]

log = logging.getLogger("dialer.ui.window_memory")

FILE_NAME = "window.ini"

Theme = Literal["light", "dark"]


def location() -> str:
    """Where the file lives; Qt's own lookup, so no path library is imported before paint."""
    from dialer import paths

    home = paths.home_override()
    if home is not None:
        return os.path.join(home, "config", FILE_NAME)
    from PySide6.QtCore import QStandardPaths

    # After QApplication.setApplicationName("dialer"); no organization name is set, so the
    # folder is the app's own (".../dialer"), as platformdirs names it on Linux and Windows.
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return os.path.join(folder, FILE_NAME)


class WindowMemory(QObject):
    """Reads the hint once at start; install it on the window to keep it up to date.

    `section` names the window in the file ("window": the main one, which also keeps the
    theme; "history"); `keeps_theme` is whether this window's memory holds the theme."""

    def __init__(
        self,
        path: str | None = None,
        parent: QObject | None = None,
        *,
        section: str = "window",
        keeps_theme: bool = True,
    ) -> None:
        super().__init__(parent)
        self.path = path if path is not None else location()
        self._geometry_key, self._theme_key = f"{section}/geometry", f"{section}/theme"
        self._keeps_theme = keeps_theme
        #: What the file holds (None where nothing usable is stored).
        self.geometry: bytes | None = None
        self.theme: Theme | None = None
        self._store: QSettings | None = None
        if os.path.exists(self.path):  # a first start skips QSettings (~0.3 ms) until it writes
            store = self._settings()
            try:
                theme = store.value(self._theme_key) if keeps_theme else None
                self.geometry = _as_bytes(store.value(self._geometry_key))
            except Exception:  # PySide6 raises for a value it will not convert: a hint, dropped
                log.warning("ignoring %s: it holds a value this app never writes", self.path)
                return
            self.theme = theme if theme in ("light", "dark") else None

    def _settings(self) -> QSettings:
        if self._store is None:
            from PySide6.QtCore import QSettings

            self._store = QSettings(self.path, QSettings.Format.IniFormat)
        return self._store

    def restore(self, window: QWidget) -> bool:
        """Put the window where it was; False (and the default place) when nothing fits."""
        if not self.geometry:
            return False
        return bool(window.restoreGeometry(self.geometry))

    def watch(self, window: QWidget) -> None:
        """Remember the window's place (and the theme then showing) each time it is hidden.

        The window must have a `hidden` signal emitted from its `hideEvent` (MainWindow,
        HistoryView): an event filter would also be handed the hide Qt sends while destroying
        the window, and PySide6 crashes converting the half-destroyed widget."""
        window.hidden.connect(self.remember)  # type: ignore[attr-defined]

    def remember(self, window: QWidget) -> None:
        """Write the window's place and the theme in use, if either changed since last read."""
        saved = window.saveGeometry()  # stored as a QByteArray: Python bytes would be pickled
        geometry = bytes(saved.data())
        theme = _theme_in_use() if self._keeps_theme else None
        if geometry == self.geometry and (theme is None or theme == self.theme):
            return
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        store = self._settings()
        store.setValue(self._geometry_key, saved)
        if theme is not None:
            store.setValue(self._theme_key, theme)
        store.sync()
        if store.status() == store.Status.NoError:
            self.geometry = geometry
            self.theme = theme if theme is not None else self.theme


def _as_bytes(value: object) -> bytes | None:
    """A QByteArray (or bytes) from the file; anything else a hand-edited file may hold: None."""
    if isinstance(value, bytes):
        return value or None
    data = getattr(value, "data", None)
    if callable(data):
        raw = data()
        if isinstance(raw, bytes):
            return raw or None
    return None


def _theme_in_use() -> Theme | None:
    from dialer.ui.style import applied_theme

    current = applied_theme()
    return current if current in ("light", "dark") else None  # type: ignore[return-value]
