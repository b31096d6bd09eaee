"""A system-wide shortcut that dials the selected text (or the clipboard) from any app.

No new dependency: each platform's own API through ctypes.
- X11: `XGrabKey` on the root window over a private Xlib connection (libX11 ships with Qt's
  xcb platform), read through a QSocketNotifier on that connection, so it works whichever Qt
  platform plugin runs the window. Grabbed with and without Caps Lock / Num Lock, which X11
  treats as modifiers.
- Windows: `RegisterHotKey` for the GUI thread; WM_HOTKEY arrives through Qt's native event
  filter.
- Wayland and macOS: not offered. Wayland gives no app the keyboard outside its windows (the
  desktop's own shortcut settings can run a command instead); macOS would need the Carbon
  event API, which this build does not carry. `support()` says so in words the settings show.

Off by default: a global shortcut can collide with other apps, so the agent picks one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QByteArray, QObject, QSocketNotifier, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

log = logging.getLogger("dialer.ui")

MODIFIERS = ("Ctrl", "Alt", "Shift", "Meta")
#: Key presses closer together than this are one press held down (auto-repeat).
REPEAT_GUARD_S = 0.4


def support() -> tuple[bool, str]:
    """(supported, why not) for this desktop session."""
    if sys.platform.startswith("win"):
        return True, ""
    if sys.platform == "darwin":
        return False, "Global shortcuts are not available on macOS in this version."
    if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return False, (
            "Wayland does not let apps listen for keys outside their windows. Add a shortcut "
            "in your desktop's keyboard settings instead, or use the tray's "
            "“Dial number from clipboard”."
        )
    if not os.environ.get("DISPLAY"):
        return False, "No X11 display: global shortcuts need an X11 desktop session."
    if ctypes.util.find_library("X11") is None:
        return False, "libX11 is not installed, so no global shortcut can be registered."
    return True, ""


def parse(text: str) -> tuple[frozenset[str], str]:
    """("Ctrl+Alt+D") → ({"Ctrl", "Alt"}, "D"); ValueError with a readable reason."""
    sequence = QKeySequence.fromString(text.strip(), QKeySequence.SequenceFormat.PortableText)
    if sequence.isEmpty() or sequence.count() != 1:
        raise ValueError(f"{text!r} is not one key combination")
    portable = sequence.toString(QKeySequence.SequenceFormat.PortableText)
    *mods, key = (
        portable.split("+") if not portable.endswith("++") else [*portable[:-2].split("+"), "+"]
    )
    modifiers = frozenset(m for m in mods if m)
    if not modifiers & {"Ctrl", "Alt", "Meta"}:
        raise ValueError("a global shortcut needs Ctrl, Alt or Meta, or it steals normal typing")
    if not key:
        raise ValueError(f"{text!r} has no key")
    return modifiers, key


class GlobalHotkey(QObject):
    """`triggered` when the shortcut is pressed anywhere on the desktop."""

    triggered = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend: _X11Grab | _WindowsHotkey | None = None
        self.shortcut = ""
        self._last_press = 0.0

    def set_shortcut(self, text: str) -> str | None:
        """Register `text` ("" turns it off); None on success, else why it cannot work."""
        self.clear()
        if not text.strip():
            return None
        supported, reason = support()
        if not supported:
            return reason
        try:
            modifiers, key = parse(text)
        except ValueError as exc:
            return str(exc)
        try:
            if sys.platform.startswith("win"):
                self._backend = _WindowsHotkey(modifiers, key, self._pressed)
            else:
                self._backend = _X11Grab(modifiers, key, self._pressed, self)
        except _HotkeyError as exc:
            return str(exc)
        self.shortcut = text.strip()
        return None

    def clear(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None
        self.shortcut = ""

    def _pressed(self) -> None:
        import time

        now = time.monotonic()
        if now - self._last_press < REPEAT_GUARD_S:
            return
        self._last_press = now
        self.triggered.emit()


class _HotkeyError(Exception):
    pass


# --- X11 ----------------------------------------------------------------------------------------

_X_KEYPRESS = 2
_X_GRAB_MODE_ASYNC = 1
_X_MASKS = {"Shift": 1 << 0, "Ctrl": 1 << 2, "Alt": 1 << 3, "Meta": 1 << 6}
_X_LOCK, _X_NUMLOCK = 1 << 1, 1 << 4
_X_BAD_ACCESS = 10
_X_KEY_NAMES = {"Space": "space", "Return": "Return", "Enter": "Return", "Tab": "Tab"}


class _XKeyEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("root", ctypes.c_ulong),
        ("subwindow", ctypes.c_ulong),
        ("time", ctypes.c_ulong),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("x_root", ctypes.c_int),
        ("y_root", ctypes.c_int),
        ("state", ctypes.c_uint),
        ("keycode", ctypes.c_uint),
        ("same_screen", ctypes.c_int),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xkey", _XKeyEvent), ("pad", ctypes.c_long * 24)]


class _XErrorEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("resourceid", ctypes.c_ulong),
        ("serial", ctypes.c_ulong),
        ("error_code", ctypes.c_ubyte),
        ("request_code", ctypes.c_ubyte),
        ("minor_code", ctypes.c_ubyte),
    ]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_XErrorEvent))


def _xlib() -> Any:
    path = ctypes.util.find_library("X11")
    if path is None:
        raise _HotkeyError("libX11 is not installed")
    lib = ctypes.CDLL(path)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XDefaultRootWindow.restype = ctypes.c_ulong
    lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    lib.XStringToKeysym.restype = ctypes.c_ulong
    lib.XStringToKeysym.argtypes = [ctypes.c_char_p]
    lib.XKeysymToKeycode.restype = ctypes.c_ubyte
    lib.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    lib.XGrabKey.argtypes = [
        ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong,
        ctypes.c_int, ctypes.c_int, ctypes.c_int,
    ]  # fmt: skip
    lib.XUngrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong]
    lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.XPending.argtypes = [ctypes.c_void_p]
    lib.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XEvent)]
    lib.XConnectionNumber.argtypes = [ctypes.c_void_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XSetErrorHandler.restype = ctypes.c_void_p
    lib.XSetErrorHandler.argtypes = [ctypes.c_void_p]
    return lib


class _X11Grab:
    """XGrabKey on a private connection; its events are read when its socket is readable."""

    def __init__(self, modifiers: frozenset[str], key: str, pressed: Any, parent: QObject) -> None:
        self.x = _xlib()
        self.display = self.x.XOpenDisplay(None)
        if not self.display:
            raise _HotkeyError("cannot open the X11 display for a global shortcut")
        self.root = self.x.XDefaultRootWindow(self.display)
        keysym = self.x.XStringToKeysym(
            _X_KEY_NAMES.get(key, key.lower() if len(key) == 1 else key).encode()
        )
        self.keycode = self.x.XKeysymToKeycode(self.display, keysym) if keysym else 0
        if not self.keycode:
            self.x.XCloseDisplay(self.display)
            raise _HotkeyError(f"the key {key!r} is not on this keyboard")
        base = 0
        for name in modifiers:
            base |= _X_MASKS[name]
        self.masks = [base | extra for extra in (0, _X_LOCK, _X_NUMLOCK, _X_LOCK | _X_NUMLOCK)]
        self._grab(key)
        self.pressed = pressed
        self.notifier = QSocketNotifier(
            self.x.XConnectionNumber(self.display), QSocketNotifier.Type.Read, parent
        )
        self.notifier.activated.connect(self._read)

    def _grab(self, key: str) -> None:
        """Grab under a temporary error handler: BadAccess means another app holds the key."""
        errors: list[int] = []

        def on_error(_display: Any, event: Any) -> int:
            errors.append(int(event.contents.error_code))
            return 0

        handler = _ERROR_HANDLER(on_error)
        previous = self.x.XSetErrorHandler(ctypes.cast(handler, ctypes.c_void_p))
        try:
            for mask in self.masks:
                self.x.XGrabKey(
                    self.display, self.keycode, mask, self.root, 0,
                    _X_GRAB_MODE_ASYNC, _X_GRAB_MODE_ASYNC,
                )  # fmt: skip
            self.x.XSync(self.display, 0)
        finally:
            self.x.XSetErrorHandler(previous)
        if errors:
            self._ungrab()
            self.x.XCloseDisplay(self.display)
            taken = _X_BAD_ACCESS in errors
            raise _HotkeyError(
                "another application already uses this shortcut; choose another"
                if taken
                else f"the X server refused the shortcut (error {errors[0]})"
            )

    def _read(self) -> None:
        event = _XEvent()
        while self.x.XPending(self.display):
            self.x.XNextEvent(self.display, ctypes.byref(event))
            if event.type == _X_KEYPRESS and event.xkey.keycode == self.keycode:
                self.pressed()

    def _ungrab(self) -> None:
        for mask in self.masks:
            self.x.XUngrabKey(self.display, self.keycode, mask, self.root)

    def close(self) -> None:
        self.notifier.setEnabled(False)
        self.notifier.deleteLater()
        self._ungrab()
        self.x.XSync(self.display, 0)
        self.x.XCloseDisplay(self.display)


# --- Windows ------------------------------------------------------------------------------------

_WM_HOTKEY = 0x0312
_MOD_FLAGS = {"Alt": 0x1, "Ctrl": 0x2, "Shift": 0x4, "Meta": 0x8}
_MOD_NOREPEAT = 0x4000
_HOTKEY_ID = 0xD1A1
_VK_NAMES = {"Space": 0x20, "Return": 0x0D, "Enter": 0x0D, "Tab": 0x09}


def _virtual_key(key: str) -> int:
    if len(key) == 1 and key.isascii() and key.isalnum():
        return ord(key.upper())
    if key.startswith("F") and key[1:].isdigit() and 1 <= int(key[1:]) <= 24:
        return 0x70 + int(key[1:]) - 1
    if key in _VK_NAMES:
        return _VK_NAMES[key]
    raise _HotkeyError(f"the key {key!r} cannot be a global shortcut on Windows")


class _WindowsFilter(QAbstractNativeEventFilter):
    def __init__(self, pressed: Any) -> None:
        super().__init__()
        self.pressed = pressed

    def nativeEventFilter(
        self, event_type: QByteArray | bytes | bytearray | memoryview, message: int
    ) -> tuple[bool, int]:
        from ctypes import wintypes

        kind = event_type.data() if isinstance(event_type, QByteArray) else bytes(event_type)
        if kind == b"windows_generic_MSG":
            msg = wintypes.MSG.from_address(int(message))
            if msg.message == _WM_HOTKEY and msg.wParam == _HOTKEY_ID:
                self.pressed()
                return True, 0
        return False, 0


class _WindowsHotkey:
    """RegisterHotKey with no window: WM_HOTKEY is posted to the GUI thread's queue."""

    def __init__(self, modifiers: frozenset[str], key: str, pressed: Any) -> None:
        flags = _MOD_NOREPEAT
        for name in modifiers:
            flags |= _MOD_FLAGS[name]
        self.user32 = ctypes.windll.user32  # type: ignore[attr-defined,unused-ignore]
        if not self.user32.RegisterHotKey(None, _HOTKEY_ID, flags, _virtual_key(key)):
            raise _HotkeyError("another application already uses this shortcut; choose another")
        self.filter = _WindowsFilter(pressed)
        app = QApplication.instance()
        if app is not None:
            app.installNativeEventFilter(self.filter)

    def close(self) -> None:
        self.user32.UnregisterHotKey(None, _HOTKEY_ID)
        app = QApplication.instance()
        if app is not None:
            app.removeNativeEventFilter(self.filter)
