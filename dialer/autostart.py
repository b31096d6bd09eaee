"""Start the dialer at login, the way each OS expects it, and undo it cleanly.

- Linux (and other XDG desktops): a `.desktop` file in `$XDG_CONFIG_HOME/autostart/`.
- Windows: a value under `HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`.
- macOS: a LaunchAgent plist in `~/Library/LaunchAgents/` (loaded by launchd at next login).

Each is one small class taking its location (a directory, or the `winreg` module) so tests can
point it somewhere harmless. Calls touch the file system or the registry: the GUI runs them off
its thread. Nothing here imports Qt.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Protocol

__all__ = [
    "DESKTOP_FILE",
    "LAUNCH_AGENT_LABEL",
    "RUN_KEY",
    "RUN_VALUE",
    "Autostart",
    "LaunchAgent",
    "WindowsRun",
    "XdgAutostart",
    "command",
    "disable",
    "enable",
    "for_platform",
    "is_enabled",
]

DESKTOP_FILE = "dialer.desktop"
LAUNCH_AGENT_LABEL = "dialer.autostart"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Dialer"


def command(minimized: bool = False) -> list[str]:
    """How this very installation is started: the bundle's executable, else this Python."""
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        # The Windows bundle ships a windowed twin (packaging/dialer.spec): links and login
        # must start that one, even when the console `dialer.exe` did the registering.
        windowless = exe.with_name("dialer-gui.exe")
        if sys.platform.startswith("win") and windowless.exists():
            exe = windowless
        argv = [str(exe)]
    else:
        python = Path(sys.executable)
        # On Windows, pythonw.exe starts a GUI app without flashing a console window.
        windowless = python.with_name("pythonw.exe")
        if sys.platform.startswith("win") and windowless.exists():
            python = windowless
        argv = [str(python), "-m", "dialer"]
    return [*argv, "--minimized"] if minimized else argv


class Autostart(Protocol):
    def enable(self, argv: list[str]) -> None: ...
    def disable(self) -> None: ...
    def is_enabled(self) -> bool: ...


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- Linux / XDG --------------------------------------------------------------------------------


def _desktop_exec_arg(arg: str) -> str:
    """Quote one argument for a desktop entry's Exec key (Desktop Entry Specification).

    Reserved characters need double quotes, inside which `"`, `` ` ``, `$` and `\\` are
    backslash-escaped; `%` is doubled (field codes). The result is then a "string" value,
    whose own escape rule doubles every backslash.
    """
    arg = arg.replace("%", "%%")
    if arg and not any(ch in arg for ch in " \t\n\"'\\><~|&;$*?#()`="):
        quoted = arg
    else:
        escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
        quoted = f'"{escaped}"'
    return quoted.replace("\\", "\\\\")


class XdgAutostart:
    """The freedesktop.org autostart file, honoured by GNOME, KDE, Xfce, Cinnamon, LXQt…"""

    def __init__(self, config_home: Path | None = None) -> None:
        if config_home is None:
            env = os.environ.get("XDG_CONFIG_HOME", "")
            # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
            config_home = Path(env) if env and Path(env).is_absolute() else None
            config_home = config_home or Path.home() / ".config"
        self.path = config_home / "autostart" / DESKTOP_FILE

    def enable(self, argv: list[str]) -> None:
        exec_line = " ".join(_desktop_exec_arg(a) for a in argv)
        text = (
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=Dialer\n"
            "Comment=Click-to-call dialer\n"
            f"Exec={exec_line}\n"
            "Icon=dialer\n"
            "Terminal=false\n"
            "Categories=Network;Telephony;\n"
            "X-GNOME-Autostart-enabled=true\n"
        )
        _write_atomically(self.path, text.encode("utf-8"))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def is_enabled(self) -> bool:
        """The file exists and is not switched off the ways desktops switch it off."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return False
        entries = {k.strip(): v.strip() for k, _, v in (line.partition("=") for line in lines)}
        return (
            entries.get("Hidden", "false") != "true"
            and entries.get("X-GNOME-Autostart-enabled", "true") != "false"
        )


# --- macOS --------------------------------------------------------------------------------------


class LaunchAgent:
    """A per-user LaunchAgent with RunAtLoad: launchd starts it at each login."""

    def __init__(self, agents_dir: Path | None = None) -> None:
        agents_dir = agents_dir or Path.home() / "Library" / "LaunchAgents"
        self.path = agents_dir / f"{LAUNCH_AGENT_LABEL}.plist"

    def enable(self, argv: list[str]) -> None:
        import plistlib

        plist = {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": argv,
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
        _write_atomically(self.path, plistlib.dumps(plist))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def is_enabled(self) -> bool:
        import plistlib

        try:
            plist = plistlib.loads(self.path.read_bytes())
        except (OSError, ValueError, plistlib.InvalidFileException):
            return False
        return isinstance(plist, dict) and bool(plist.get("RunAtLoad"))


# --- Windows ------------------------------------------------------------------------------------


class WindowsRun:
    """The current user's Run key. `winreg` is injectable: tests pass a stand-in module."""

    def __init__(self, winreg: ModuleType | None = None) -> None:
        if winreg is None:
            import winreg as real  # type: ignore[import-not-found,unused-ignore]

            winreg = real
        self.winreg = winreg

    def enable(self, argv: list[str]) -> None:
        import subprocess

        reg = self.winreg
        with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
            reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, subprocess.list2cmdline(argv))

    def disable(self) -> None:
        reg = self.winreg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass  # no key or no value: already disabled

    def is_enabled(self) -> bool:
        reg = self.winreg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_READ) as key:
                value, _kind = reg.QueryValueEx(key, RUN_VALUE)
        except FileNotFoundError:
            return False
        return bool(value)


# --- the current platform -----------------------------------------------------------------------


def for_platform(platform: str | None = None) -> Autostart:
    platform = platform or sys.platform
    if platform.startswith("win"):
        return WindowsRun()
    if platform == "darwin":
        return LaunchAgent()
    return XdgAutostart()


def enable(minimized: bool = False, backend: Autostart | None = None) -> None:
    """Start this installation at login (replacing an older entry, e.g. from another path)."""
    (backend or for_platform()).enable(command(minimized))


def disable(backend: Autostart | None = None) -> None:
    (backend or for_platform()).disable()


def is_enabled(backend: Autostart | None = None) -> bool:
    return (backend or for_platform()).is_enabled()
