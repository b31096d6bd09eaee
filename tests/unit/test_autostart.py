"""Start at login: the XDG file for real (in a temporary XDG_CONFIG_HOME), the macOS plist in a
temporary folder, the Windows Run key through a stand-in `winreg`."""

from __future__ import annotations

import configparser
import plistlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dialer import autostart

AWKWARD = ['/opt/My Apps/py$thon "3"/bin/python', "-m", "dialer", "--label=100%", "a\\b"]


def exec_argv(desktop_file: Path) -> list[str]:
    """Read Exec back the way a desktop does: string unescape, then shell-like quoting."""
    parser = configparser.RawConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(desktop_file, encoding="utf-8")
    value = parser.get("Desktop Entry", "Exec").replace("\\\\", "\\")
    return [arg.replace("%%", "%") for arg in split_exec(value)]


def split_exec(value: str) -> list[str]:
    """The spec's Exec rules: space separates, double quotes group, and inside quotes a
    backslash escapes the next character (shlex does not escape `$` in quotes)."""
    args: list[str] = []
    current: list[str] | None = None
    chars = iter(value)
    for ch in chars:
        if ch == " ":
            if current is not None:
                args.append("".join(current))
            current = None
        elif ch == '"':
            current = current if current is not None else []
            for inner in chars:
                if inner == '"':
                    break
                current.append(next(chars) if inner == "\\" else inner)
        else:
            current = (current if current is not None else []) + [ch]
    if current is not None:
        args.append("".join(current))
    return args


def test_xdg_autostart_for_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = tmp_path / "autostart" / "dialer.desktop"

    assert not autostart.is_enabled()
    autostart.enable()
    assert autostart.is_enabled()
    assert exec_argv(path) == autostart.command()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\n")
    assert "Type=Application\n" in text and "Name=Dialer\n" in text

    autostart.enable(minimized=True)  # replaces the entry
    assert exec_argv(path)[-1] == "--minimized"

    autostart.disable()
    assert not path.exists() and not autostart.is_enabled()
    autostart.disable()  # disabling twice is fine


def test_xdg_exec_quoting_survives_awkward_paths(tmp_path: Path) -> None:
    backend = autostart.XdgAutostart(tmp_path)
    backend.enable(AWKWARD)
    assert exec_argv(backend.path) == AWKWARD


def test_xdg_entry_switched_off_by_the_desktop_counts_as_disabled(tmp_path: Path) -> None:
    backend = autostart.XdgAutostart(tmp_path)
    backend.enable(["dialer"])
    text = backend.path.read_text(encoding="utf-8")
    backend.path.write_text(text.replace("enabled=true", "enabled=false"), encoding="utf-8")
    assert not backend.is_enabled()
    backend.path.write_text(text + "Hidden=true\n", encoding="utf-8")
    assert not backend.is_enabled()


def test_relative_xdg_config_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    expected = Path.home() / ".config" / "autostart" / "dialer.desktop"
    assert autostart.XdgAutostart().path == expected


def test_launch_agent_plist(tmp_path: Path) -> None:
    backend = autostart.LaunchAgent(tmp_path)
    assert not backend.is_enabled()
    autostart.enable(minimized=True, backend=backend)
    assert backend.path == tmp_path / "dialer.autostart.plist"
    plist = plistlib.loads(backend.path.read_bytes())
    assert plist == {
        "Label": "dialer.autostart",
        "ProgramArguments": autostart.command(minimized=True),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    assert autostart.is_enabled(backend)
    autostart.disable(backend)
    assert not backend.path.exists() and not backend.is_enabled()


class FakeWinreg:
    """The part of `winreg` the Run key uses, over a dict; keys are context managers."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_SET_VALUE = 2
    KEY_READ = 1
    REG_SZ = 1

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[Any, int]]] = {}

    @contextmanager
    def CreateKeyEx(self, root: str, sub: str, reserved: int, access: int) -> Iterator[str]:
        assert (root, reserved, access) == ("HKCU", 0, self.KEY_SET_VALUE)
        self.keys.setdefault(sub, {})
        yield sub

    @contextmanager
    def OpenKey(self, root: str, sub: str, reserved: int, access: int) -> Iterator[str]:
        assert root == "HKCU"
        if sub not in self.keys:
            raise FileNotFoundError(sub)
        yield sub

    def SetValueEx(self, key: str, name: str, reserved: int, kind: int, value: str) -> None:
        self.keys[key][name] = (value, kind)

    def QueryValueEx(self, key: str, name: str) -> tuple[Any, int]:
        try:
            return self.keys[key][name]
        except KeyError:
            raise FileNotFoundError(name) from None

    def DeleteValue(self, key: str, name: str) -> None:
        if name not in self.keys[key]:
            raise FileNotFoundError(name)
        del self.keys[key][name]


def test_windows_run_key() -> None:
    fake = FakeWinreg()
    backend = autostart.WindowsRun(fake)  # type: ignore[arg-type]
    assert not backend.is_enabled()
    backend.disable()  # no key yet: nothing to do

    backend.enable(AWKWARD)
    value, kind = fake.keys[autostart.RUN_KEY]["Dialer"]
    assert kind == FakeWinreg.REG_SZ
    assert value == subprocess.list2cmdline(AWKWARD)
    assert value.startswith('"/opt/My Apps/py$thon \\"3\\"/bin/python" -m dialer')
    assert backend.is_enabled()

    backend.disable()
    assert "Dialer" not in fake.keys[autostart.RUN_KEY]
    assert not backend.is_enabled()
    backend.disable()


def test_each_platform_gets_its_mechanism(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(autostart.for_platform("linux"), autostart.XdgAutostart)
    assert isinstance(autostart.for_platform("freebsd14"), autostart.XdgAutostart)
    assert isinstance(autostart.for_platform("darwin"), autostart.LaunchAgent)
    monkeypatch.setitem(sys.modules, "winreg", SimpleNamespace())
    assert isinstance(autostart.for_platform("win32"), autostart.WindowsRun)


def test_command_starts_this_installation(monkeypatch: pytest.MonkeyPatch) -> None:
    assert autostart.command() == [sys.executable, "-m", "dialer"]
    assert autostart.command(minimized=True)[-1] == "--minimized"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert autostart.command() == [sys.executable]


def test_a_frozen_windows_bundle_registers_its_windowed_twin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`dialer.exe --register-handlers` from a console must not make links open a console."""
    console = tmp_path / "dialer.exe"
    console.write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(console))
    monkeypatch.setattr(sys, "platform", "win32")
    assert autostart.command() == [str(console)]  # no twin next to it: itself
    (tmp_path / "dialer-gui.exe").write_bytes(b"")
    assert autostart.command(minimized=True) == [str(tmp_path / "dialer-gui.exe"), "--minimized"]
    monkeypatch.setattr(sys, "platform", "linux")
    assert autostart.command() == [str(console)]
