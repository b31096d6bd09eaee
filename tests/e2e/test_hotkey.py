"""The global shortcut: parsed and refused readably everywhere, and on X11 (a real Xvfb server)
registered, pressed through XTest as a keyboard would, refused when another client holds it,
and released again."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from dialer.ui import hotkey


def test_shortcut_text_is_parsed_the_qt_way() -> None:
    assert hotkey.parse("Ctrl+Alt+D") == (frozenset({"Ctrl", "Alt"}), "D")
    assert hotkey.parse("meta+shift+f9") == (frozenset({"Meta", "Shift"}), "F9")
    with pytest.raises(ValueError, match="Ctrl, Alt or Meta"):
        hotkey.parse("Shift+D")  # would steal capital letters from every app
    with pytest.raises(ValueError):
        hotkey.parse("")


@pytest.mark.parametrize(
    ("platform", "env", "supported", "words"),
    [
        ("linux", {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, False, "Wayland"),
        ("linux", {}, False, "No X11 display"),
        ("darwin", {}, False, "macOS"),
        ("win32", {}, True, ""),
    ],
)
def test_the_setting_says_where_it_cannot_work(
    monkeypatch: pytest.MonkeyPatch, platform: str, env: dict[str, str], supported: bool, words: str
) -> None:
    for var in ("WAYLAND_DISPLAY", "DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "platform", platform)
    ok, why = hotkey.support()
    assert ok is supported
    assert words in why


SCRIPT = textwrap.dedent(
    """
    import ctypes, ctypes.util
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from dialer.ui.hotkey import GlobalHotkey

    app = QApplication([])
    x = ctypes.CDLL(ctypes.util.find_library("X11"))
    xtst = ctypes.CDLL(ctypes.util.find_library("Xtst"))
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x.XStringToKeysym.restype = ctypes.c_ulong
    x.XFlush.argtypes = [ctypes.c_void_p]
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
    display = x.XOpenDisplay(None)

    def press(*names):
        codes = [x.XKeysymToKeycode(display, x.XStringToKeysym(n.encode())) for n in names]
        for code in codes:
            xtst.XTestFakeKeyEvent(display, code, 1, 0)
        for code in reversed(codes):
            xtst.XTestFakeKeyEvent(display, code, 0, 0)
        x.XFlush(display)

    key = GlobalHotkey()
    print("register", key.set_shortcut("Ctrl+Alt+D"))
    other = GlobalHotkey()
    print("taken", other.set_shortcut("Ctrl+Alt+D"))
    hits = []
    key.triggered.connect(lambda: hits.append(1))
    QTimer.singleShot(200, lambda: press("Control_L", "Alt_L", "d"))
    QTimer.singleShot(900, lambda: press("d"))  # without the modifiers: not the shortcut
    QTimer.singleShot(1500, app.quit)
    app.exec()
    print("hits", len(hits))
    key.clear()
    print("after clear", other.set_shortcut("Ctrl+Alt+D"))
    other.clear()
    """
)


@pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or shutil.which("xvfb-run") is None
    or ctypes.util.find_library("X11") is None
    or ctypes.util.find_library("Xtst") is None,
    reason="needs Xvfb (xvfb-run) and libX11/libXtst",
)
def test_the_x11_shortcut_fires_from_anywhere_and_is_released() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"  # the grab uses its own X connection, not Qt's
    result = subprocess.run(
        ["xvfb-run", "-a", sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=40,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "register None" in lines
    assert "taken another application already uses this shortcut; choose another" in lines
    assert "hits 1" in lines
    assert "after clear None" in lines
