"""The recipes that cannot be built here (Windows installer, macOS bundle) and the Linux desktop
entry register what the app itself registers (`dialer.handlers`, `dialer.autostart`) and name
what packaging/dialer.spec builds, so neither side can drift unnoticed.
"""

from __future__ import annotations

import plistlib
import re
import shlex
import sys
from pathlib import Path

import pytest

from dialer import autostart, cli, handlers
from tests.unit.test_handlers import FakeWinreg, Key

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
#: Where the installer puts the app, with a space so quoting is exercised.
APP = r"C:\Users\Ann Lee\AppData\Local\Programs\Dialer"


def spec_constant(name: str) -> str:
    match = re.search(rf'^{name} = "([^"]+)"$', (PACKAGING / "dialer.spec").read_text(), re.M)
    assert match, f"{name} not found in packaging/dialer.spec"
    return match.group(1)


# --- the Inno Setup script ------------------------------------------------------------------


def inno_value(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith('"') and raw.endswith('"'):
        return raw[1:-1].replace('""', '"')
    return raw


def inno_entries(section: str) -> list[dict[str, str]]:
    """The `Key: value; Key: value` lines of one section, with ISPP defines expanded."""
    text = (PACKAGING / "windows" / "dialer.iss").read_text(encoding="utf-8")
    defines = dict(re.findall(r'^#define (\w+) "([^"]*)"', text, re.M))
    body = text.split(f"[{section}]\n", 1)[1].split("\n[", 1)[0]
    entries = []
    for line in body.splitlines():
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        fields = {}
        for part in re.findall(r'(?:[^;"]|"[^"]*(?:""[^"]*)*")+', line):
            key, _, value = part.partition(":")
            fields[key.strip()] = inno_value(value)
        for key, value in fields.items():
            value = re.sub(r"\{#(\w+)\}", lambda m: defines[m.group(1)], value)
            fields[key] = value.replace("{app}", APP)
        entries.append(fields)
    return entries


def registry_values(reg: FakeWinreg) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()

    def walk(key: Key, path: str) -> None:
        for name, (value, _kind) in key.values.items():
            found.add((path.lower(), name.lower(), str(value)))
        for child in key.children.values():
            walk(child, f"{path}\\{child.name}" if path else child.name)

    walk(reg.root, "")
    return found


def installer_values(task: str | None) -> set[tuple[str, str, str]]:
    return {
        (e["Subkey"].lower(), e["ValueName"].lower(), e["ValueData"])
        for e in inno_entries("Registry")
        if "ValueType" in e and e.get("Tasks") == task
    }


def test_installer_registers_links_exactly_as_the_app_does() -> None:
    reg = FakeWinreg()
    handlers.WindowsHandlers(reg, notify=lambda: None).register([rf"{APP}\dialer-gui.exe"])
    assert installer_values(task=None) == registry_values(reg)


def test_installer_autostart_is_the_apps_start_at_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", rf"{APP}\dialer-gui.exe")
    reg = FakeWinreg()
    autostart.WindowsRun(reg).enable(autostart.command(minimized=True))
    assert installer_values(task="autostart") == registry_values(reg)


def test_installer_starts_the_executables_the_spec_builds() -> None:
    gui, cli_exe = f"{spec_constant('GUI_NAME')}.exe", f"{spec_constant('CLI_NAME')}.exe"
    commands = {e["ValueData"] for e in inno_entries("Registry") if "command" in e["Subkey"]}
    assert commands == {f'"{APP}\\{gui}" "%1"'}
    assert {e["Filename"] for e in inno_entries("Icons")} >= {f"{APP}\\{gui}"}
    (uninstall,) = inno_entries("UninstallRun")
    assert (uninstall["Filename"], uninstall["Parameters"]) == (
        f"{APP}\\{cli_exe}",
        "--unregister-handlers",
    )


def test_a_clicked_link_reaches_the_app_as_the_number_to_dial() -> None:
    """Windows replaces %1 with the link and splits the line the way the C runtime does."""
    (command,) = {e["ValueData"] for e in inno_entries("Registry") if "command" in e["Subkey"]}
    line = command.replace("%1", "tel:+91-98765-43210")
    argv = shlex.split(line.replace("\\", "/"))  # no escapes in it: POSIX rules split alike
    assert argv[0].endswith("/dialer-gui.exe")
    assert cli._gui_parser().parse_args(argv[1:]).number == "tel:+91-98765-43210"


def test_the_manual_reg_file_writes_the_same_keys() -> None:
    text = (PACKAGING / "windows" / "tel-handler.reg").read_text(encoding="utf-16")
    values, key = set(), ""
    for line in text.splitlines():
        if line.startswith("[HKEY_CURRENT_USER\\"):
            key = line[len("[HKEY_CURRENT_USER\\") : -1]
        elif "=" in line and not line.startswith(";"):
            name, _, data = line.partition("=")
            name = "" if name == "@" else name.strip('"')
            data = data[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            values.add((key.lower(), name.lower(), data))
    reg = FakeWinreg()
    handlers.WindowsHandlers(reg, notify=lambda: None).register(
        [r"C:\Program Files\Dialer\dialer-gui.exe"]
    )
    assert values == registry_values(reg)


# --- macOS and Linux ------------------------------------------------------------------------


def test_info_plist_declares_the_apps_schemes_for_the_specs_bundle() -> None:
    plist = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    schemes = [s for t in plist["CFBundleURLTypes"] for s in t["CFBundleURLSchemes"]]
    assert sorted(schemes) == sorted(handlers.SCHEMES)
    assert all(t["CFBundleTypeRole"] == "Viewer" for t in plist["CFBundleURLTypes"])
    assert plist["CFBundleExecutable"] == spec_constant("CLI_NAME")
    assert plist["CFBundleIdentifier"] == spec_constant("BUNDLE_ID")
    assert plist["CFBundleName"] == spec_constant("APP_NAME")
    build = (PACKAGING / "macos" / "build.sh").read_text()
    assert f"-o build/icons/{plist['CFBundleIconFile']}" in build


def test_desktop_entry_matches_the_one_the_app_writes(tmp_path: Path) -> None:
    shipped = (ROOT / "resources" / "dialer.desktop").read_text(encoding="utf-8")
    written = handlers.XdgHandlers(data_home=tmp_path, config_home=tmp_path).desktop_entry(
        ["dialer"]
    )

    def entry(text: str) -> dict[str, str]:
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    ours, app = entry(shipped), entry(written)
    for key in ("Type", "Name", "Icon", "MimeType", "StartupWMClass", "Terminal"):
        assert ours[key] == app[key], key
    assert ours["Exec"].endswith(" %u")
    assert handlers.DESKTOP_ID == "dialer.desktop"
