"""tel:/callto: registration: the XDG path with the real xdg-mime in temporary folders, the
Windows registry through a stand-in `winreg` that behaves like the real one where it matters
(case-insensitive paths, DeleteKey refusing keys with subkeys, missing keys raising)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dialer import handlers
from dialer.handlers import DESKTOP_ID, HandlerError, WindowsHandlers, XdgHandlers

ARGV = ["/opt/dialer/bin/python", "-m", "dialer"]
needs_xdg_mime = pytest.mark.skipif(
    shutil.which("xdg-mime") is None, reason="xdg-utils is not installed (scripts/setup --test)"
)


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> XdgHandlers:
    """XDG dirs in tmp, for this process and for the xdg-mime it runs."""
    data, config = tmp_path / "data", tmp_path / "config"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.delenv("XDG_CURRENT_DESKTOP", raising=False)
    monkeypatch.delenv("DESKTOP_SESSION", raising=False)
    return XdgHandlers()


def xdg_query(scheme: str) -> str:
    result = subprocess.run(
        ["xdg-mime", "query", "default", f"x-scheme-handler/{scheme}"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    return result.stdout.strip()


# --- XDG ----------------------------------------------------------------------------------------


@needs_xdg_mime
def test_register_makes_the_dialer_the_default_for_real(xdg: XdgHandlers) -> None:
    message = xdg.register(ARGV)
    assert "xdg-mime" in message
    entry = xdg.desktop_path.read_text(encoding="utf-8")
    assert "Exec=/opt/dialer/bin/python -m dialer %u\n" in entry
    assert "MimeType=x-scheme-handler/tel;x-scheme-handler/callto;\n" in entry
    assert xdg_query("tel") == DESKTOP_ID
    assert xdg_query("callto") == DESKTOP_ID
    assert xdg.is_registered()

    assert "no longer" in xdg.unregister()
    assert not xdg.desktop_path.exists()
    assert xdg_query("tel") == ""
    assert not xdg.is_registered()
    assert "was not handling" in xdg.unregister()


def test_without_xdg_mime_the_defaults_are_written_directly(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "mimeapps.list").write_text(
        "# mine\n[Default Applications]\ntext/html=firefox.desktop\n"
        "[Added Associations]\nx-scheme-handler/tel=linphone.desktop;\n",
        encoding="utf-8",
    )
    ran: list[list[str]] = []
    xdg = XdgHandlers(
        data_home=tmp_path / "data",
        config_home=config,
        run=lambda cmd: ran.append(list(cmd)) or subprocess.CompletedProcess(cmd, 0, "", ""),
        which=lambda name: None,
    )
    xdg.register(ARGV)
    assert ran == []
    text = (config / "mimeapps.list").read_text(encoding="utf-8")
    assert text.startswith("# mine\n[Default Applications]\ntext/html=firefox.desktop\n")
    assert "x-scheme-handler/tel=dialer.desktop;\n" in text
    assert "x-scheme-handler/tel=dialer.desktop;linphone.desktop;\n" in text
    assert "x-scheme-handler/callto=dialer.desktop;\n" in text
    assert xdg.is_registered()

    xdg.unregister()
    after = (config / "mimeapps.list").read_text(encoding="utf-8")
    assert "dialer.desktop" not in after
    assert "text/html=firefox.desktop" in after
    assert "x-scheme-handler/tel=linphone.desktop;" in after  # the other app keeps its line
    assert after.startswith("# mine\n")


def test_unregister_leaves_another_apps_default_and_a_foreign_desktop_file(
    tmp_path: Path,
) -> None:
    xdg = XdgHandlers(data_home=tmp_path / "data", config_home=tmp_path / "config")
    xdg.desktop_path.parent.mkdir(parents=True)
    xdg.desktop_path.write_text("[Desktop Entry]\nName=Packaged dialer\n", encoding="utf-8")
    xdg.mimeapps_path.parent.mkdir(parents=True)
    xdg.mimeapps_path.write_text(
        "[Default Applications]\nx-scheme-handler/tel=linphone.desktop;\n", encoding="utf-8"
    )
    assert "was not handling" in xdg.unregister()
    assert xdg.desktop_path.exists()  # the package's file is not ours to delete
    assert "linphone.desktop" in xdg.mimeapps_path.read_text(encoding="utf-8")


def test_an_installed_entry_declaring_both_schemes_is_kept_through_register_and_unregister(
    tmp_path: Path,
) -> None:
    """The tarball's install.sh puts dialer.desktop where the app would write its own: toggling
    link handling in the app must not replace it, nor delete it when switched off."""
    xdg = XdgHandlers(
        data_home=tmp_path / "data", config_home=tmp_path / "config", which=lambda name: None
    )
    installed = (
        "[Desktop Entry]\nType=Application\nName=Dialer\nExec=/opt/dialer/dialer %u\n"
        "MimeType=x-scheme-handler/tel;x-scheme-handler/callto;\n"
    )
    xdg.desktop_path.parent.mkdir(parents=True)
    xdg.desktop_path.write_text(installed, encoding="utf-8")

    xdg.register(ARGV)
    assert xdg.desktop_path.read_text(encoding="utf-8") == installed
    assert xdg.is_registered()
    xdg.unregister()
    assert xdg.desktop_path.read_text(encoding="utf-8") == installed
    assert not xdg.is_registered()


def test_an_installed_entry_without_the_schemes_is_replaced(tmp_path: Path) -> None:
    xdg = XdgHandlers(
        data_home=tmp_path / "data", config_home=tmp_path / "config", which=lambda name: None
    )
    xdg.desktop_path.parent.mkdir(parents=True)
    xdg.desktop_path.write_text(
        "[Desktop Entry]\nName=Old\nMimeType=x-scheme-handler/tel;\n", encoding="utf-8"
    )
    xdg.register(ARGV)
    assert "x-scheme-handler/callto" in xdg.desktop_path.read_text(encoding="utf-8")
    assert xdg.is_registered()


def test_a_failing_xdg_mime_is_reported(tmp_path: Path) -> None:
    xdg = XdgHandlers(
        data_home=tmp_path / "d",
        config_home=tmp_path / "c",
        run=lambda cmd: subprocess.CompletedProcess(cmd, 4, "", "xdg-mime: bad things"),
        which=lambda name: f"/usr/bin/{name}",
    )
    with pytest.raises(HandlerError, match="bad things"):
        xdg.register(ARGV)


def test_exec_line_quotes_awkward_paths(tmp_path: Path) -> None:
    xdg = XdgHandlers(data_home=tmp_path, config_home=tmp_path)
    entry = xdg.desktop_entry(["/opt/My Apps/python", "-m", "dialer"])
    assert 'Exec="/opt/My Apps/python" -m dialer %u\n' in entry


# --- Windows ------------------------------------------------------------------------------------


@dataclass
class Key:
    name: str
    values: dict[str, tuple[Any, int]] = field(default_factory=dict)
    children: dict[str, Key] = field(default_factory=dict)


class FakeWinreg:
    """The winreg calls the handler uses, with the real module's failure modes."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_READ = 1
    KEY_SET_VALUE = 2
    REG_SZ = 1

    def __init__(self) -> None:
        self.root = Key("HKCU")

    def _walk(self, path: str, create: bool) -> Key:
        node = self.root
        for part in filter(None, path.split("\\")):
            child = node.children.get(part.lower())
            if child is None:
                if not create:
                    raise FileNotFoundError(2, "The system cannot find the file specified")
                child = node.children[part.lower()] = Key(part)
            node = child
        return node

    @contextmanager
    def CreateKeyEx(self, root: str, sub: str, reserved: int, access: int) -> Iterator[Key]:
        yield self._walk(sub, create=True)

    @contextmanager
    def OpenKey(self, root: str, sub: str, reserved: int, access: int) -> Iterator[Key]:
        yield self._walk(sub, create=False)

    def SetValueEx(self, key: Key, name: str | None, reserved: int, kind: int, value: Any) -> None:
        key.values[(name or "").lower()] = (value, kind)

    def QueryValueEx(self, key: Key, name: str | None) -> tuple[Any, int]:
        try:
            return key.values[(name or "").lower()]
        except KeyError:
            raise FileNotFoundError(2, "value not found") from None

    def DeleteValue(self, key: Key, name: str) -> None:
        if key.values.pop(name.lower(), None) is None:
            raise FileNotFoundError(2, "value not found")

    def DeleteKey(self, root: str, sub: str) -> None:
        parent_path, _, leaf = sub.rpartition("\\")
        parent = self._walk(parent_path, create=False)
        node = parent.children.get(leaf.lower())
        if node is None:
            raise FileNotFoundError(2, "key not found")
        if node.children:
            raise PermissionError(5, "Access is denied")  # what Windows says for a non-leaf
        del parent.children[leaf.lower()]

    def EnumKey(self, key: Key, index: int) -> str:
        names = [child.name for child in key.children.values()]
        if index >= len(names):
            raise OSError(259, "No more data is available")
        return names[index]

    def QueryInfoKey(self, key: Key) -> tuple[int, int, int]:
        return len(key.children), len(key.values), 0

    def value(self, path: str, name: str | None = None) -> Any:
        try:
            return self.QueryValueEx(self._walk(path, create=False), name)[0]
        except FileNotFoundError:
            return None

    def exists(self, path: str) -> bool:
        try:
            self._walk(path, create=False)
        except FileNotFoundError:
            return False
        return True


WIN_ARGV = [r"C:\Program Files\Dialer\dialer-gui.exe"]


def test_windows_register_writes_progids_scheme_keys_and_capabilities() -> None:
    reg = FakeWinreg()
    notified: list[int] = []
    win = WindowsHandlers(reg, notify=lambda: notified.append(1))
    win.register(WIN_ARGV)
    command = r'"C:\Program Files\Dialer\dialer-gui.exe" "%1"'
    for scheme in ("tel", "callto"):
        progid = f"Dialer.{scheme}"
        assert reg.value(rf"Software\Classes\{progid}\shell\open\command") == command
        assert reg.value(rf"Software\Classes\{progid}", "URL Protocol") == ""
        assert reg.value(rf"Software\Classes\{scheme}\shell\open\command") == command
        assert reg.value(rf"Software\Classes\{scheme}", "URL Protocol") == ""
        assert reg.value(r"Software\Dialer\Capabilities\URLAssociations", scheme) == progid
    assert (
        reg.value(r"Software\RegisteredApplications", "Dialer") == r"Software\Dialer\Capabilities"
    )
    assert reg.value(r"Software\Dialer\Capabilities", "ApplicationName") == "Dialer"
    assert win.is_registered()
    assert notified == [1]

    win.unregister()
    assert not reg.exists(r"Software\Classes\Dialer.tel")
    assert not reg.exists(r"Software\Classes\tel")
    assert not reg.exists(r"Software\Dialer")
    assert reg.value(r"Software\RegisteredApplications", "Dialer") is None
    assert reg.exists(r"Software\RegisteredApplications")
    assert not win.is_registered()
    assert notified == [1, 1]
    assert "was not handling" in win.unregister()


def test_windows_never_takes_or_deletes_another_apps_scheme_key() -> None:
    reg = FakeWinreg()
    other = r'"C:\Skype\skype.exe" "%1"'
    reg.SetValueEx(
        reg._walk(r"Software\Classes\TEL\shell\open\command", create=True), None, 0, 1, other
    )
    reg.SetValueEx(reg._walk(r"Software\RegisteredApplications", create=True), "Skype", 0, 1, "x")
    win = WindowsHandlers(reg, notify=lambda: None)
    win.register(WIN_ARGV)
    assert reg.value(r"Software\Classes\tel\shell\open\command") == other
    assert reg.value(r"Software\Classes\callto", "X-Dialer-Handler") == "1"  # callto was free
    assert win.is_registered()  # listed in Default Apps through Capabilities
    win.unregister()
    assert reg.value(r"Software\Classes\tel\shell\open\command") == other
    assert reg.value(r"Software\RegisteredApplications", "Skype") == "x"
    assert not reg.exists(r"Software\Classes\callto")


# --- the platform choice and the CLI --------------------------------------------------------------


def test_each_platform_gets_its_mechanism(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(handlers.for_platform("linux"), XdgHandlers)
    assert isinstance(handlers.for_platform("darwin"), handlers.MacBundleHandlers)
    monkeypatch.setitem(sys.modules, "winreg", FakeWinreg())
    assert isinstance(handlers.for_platform("win32"), WindowsHandlers)


def test_macos_outside_a_bundle_says_what_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    with pytest.raises(HandlerError, match=r"Dialer\.app"):
        handlers.MacBundleHandlers().register(ARGV)


def test_the_shipped_files_declare_both_schemes() -> None:
    import plistlib

    root = Path(__file__).resolve().parents[2]
    desktop = (root / "resources" / "dialer.desktop").read_text(encoding="utf-8")
    assert "MimeType=x-scheme-handler/tel;x-scheme-handler/callto;" in desktop
    assert "%u" in desktop
    plist = plistlib.loads((root / "packaging" / "macos" / "Info.plist").read_bytes())
    schemes = {s for t in plist["CFBundleURLTypes"] for s in t["CFBundleURLSchemes"]}
    assert schemes == {"tel", "callto"}
    reg = (root / "packaging" / "windows" / "tel-handler.reg").read_text(encoding="utf-16")
    for key in ("Classes\\Dialer.tel", "Classes\\tel", "RegisteredApplications"):
        assert key in reg
