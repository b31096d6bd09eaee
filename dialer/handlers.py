"""Make the dialer the handler of tel: and callto: links, and undo it cleanly.

A click on a number in a CRM page, an email or a chat runs `dialer tel:+91…`; the launch then
forwards the number to the running app (`dialer.ipc`). How each OS learns who handles a scheme:

- Linux and other XDG desktops: a desktop entry with `MimeType=x-scheme-handler/tel;…` in
  `$XDG_DATA_HOME/applications`, made the default with `xdg-mime default` (which writes
  `$XDG_CONFIG_HOME/mimeapps.list`). Without xdg-mime the same line is written directly.
- Windows: ProgIDs `Dialer.tel` / `Dialer.callto` under `HKCU\\Software\\Classes`, the
  scheme keys themselves (used when the user has made no choice), and the
  Capabilities + RegisteredApplications entries that list the dialer in Default Apps. Windows
  10+ protects the user's choice: the first click may ask which app to use.
- macOS: the app bundle declares the schemes (`packaging/macos/Info.plist`); Launch Services
  registers them when the bundle is first opened, so there is nothing to do at run time.

Unregistering removes only what is the dialer's: another app that took the schemes over keeps
them. Everything takes its locations (directories, a `winreg` module, a command runner) as
arguments so tests run it against temporary folders and a stand-in registry. Qt-free.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from dialer import autostart

__all__ = [
    "APP_KEY",
    "DESKTOP_ID",
    "MIME_TYPES",
    "PROGIDS",
    "SCHEMES",
    "HandlerError",
    "Handlers",
    "MacBundleHandlers",
    "WindowsHandlers",
    "XdgHandlers",
    "for_platform",
    "register",
    "unregister",
]

SCHEMES = ("tel", "callto")
DESKTOP_ID = "dialer.desktop"
MIME_TYPES = tuple(f"x-scheme-handler/{scheme}" for scheme in SCHEMES)
#: Marks the desktop entry and registry keys this module wrote, so unregister removes only those.
MARKER = "X-Dialer-Handler"
APP_KEY = r"Software\Dialer"
CAPABILITIES_KEY = APP_KEY + r"\Capabilities"
REGISTERED_APPS_KEY = r"Software\RegisteredApplications"
CLASSES_KEY = r"Software\Classes"
APP_NAME = "Dialer"
PROGIDS = {scheme: f"Dialer.{scheme}" for scheme in SCHEMES}

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


class HandlerError(Exception):
    """Registration could not be done; the text says what to do about it."""


class Handlers(Protocol):
    def register(self, argv: list[str]) -> str: ...
    def unregister(self) -> str: ...
    def is_registered(self) -> bool: ...


def _run(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=20, check=False)


def _xdg_dir(env: str, fallback: str) -> Path:
    value = os.environ.get(env, "")
    # The spec says a relative XDG_* path is invalid and must be ignored.
    return Path(value) if value and Path(value).is_absolute() else Path.home() / fallback


# --- Linux / XDG --------------------------------------------------------------------------------


class XdgHandlers:
    """The desktop entry plus `mimeapps.list` defaults, as freedesktop.org desktops read them."""

    def __init__(
        self,
        data_home: Path | None = None,
        config_home: Path | None = None,
        run: Runner = _run,
        which: Callable[[str], str | None] = shutil.which,
    ) -> None:
        self.data_home = data_home or _xdg_dir("XDG_DATA_HOME", ".local/share")
        self.config_home = config_home or _xdg_dir("XDG_CONFIG_HOME", ".config")
        self.desktop_path = self.data_home / "applications" / DESKTOP_ID
        self.mimeapps_path = self.config_home / "mimeapps.list"
        self._run = run
        self._which = which

    def desktop_entry(self, argv: list[str]) -> str:
        exec_line = " ".join(autostart._desktop_exec_arg(a) for a in argv) + " %u"
        return (
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=Dialer\n"
            "GenericName=Click-to-call dialer\n"
            "Comment=Call numbers from tel: and callto: links\n"
            f"Exec={exec_line}\n"
            "Icon=dialer\n"
            "Terminal=false\n"
            "Categories=Network;Telephony;\n"
            f"MimeType={';'.join(MIME_TYPES)};\n"
            "StartupWMClass=dialer\n"
            f"{MARKER}=true\n"
        )

    def register(self, argv: list[str]) -> str:
        # An entry a package installed (the tarball's install.sh, a distribution) that already
        # declares both schemes is kept: overwriting it with ours would make unregistering
        # delete the menu entry the user installed.
        if not self._installed_entry_handles_schemes():
            entry = self.desktop_entry(argv).encode("utf-8")
            autostart._write_atomically(self.desktop_path, entry)
        xdg_mime = self._which("xdg-mime")
        if xdg_mime:
            result = self._run([xdg_mime, "default", DESKTOP_ID, *MIME_TYPES])
            if result.returncode != 0:
                raise HandlerError(
                    f"xdg-mime could not make the dialer the default: "
                    f"{(result.stderr or result.stdout).strip() or result.returncode}"
                )
        else:
            self._set_defaults()
        update_db = self._which("update-desktop-database")
        if update_db:  # refreshes the desktop's scheme cache; harmless when it fails
            self._run([update_db, str(self.desktop_path.parent)])
        how = "xdg-mime" if xdg_mime else str(self.mimeapps_path)
        return f"tel: and callto: links now open the dialer ({self.desktop_path}, via {how})"

    def unregister(self) -> str:
        removed = self._clear_defaults()
        if self._is_ours(self.desktop_path):
            self.desktop_path.unlink()
            removed = True
        update_db = self._which("update-desktop-database")
        if removed and update_db and self.desktop_path.parent.is_dir():
            self._run([update_db, str(self.desktop_path.parent)])
        if not removed:
            return "the dialer was not handling tel: or callto: links"
        return "tel: and callto: links no longer open the dialer"

    def is_registered(self) -> bool:
        if not self.desktop_path.exists():
            return False
        defaults = self._read_mimeapps().get("Default Applications", {})
        return all(DESKTOP_ID in _entries(defaults.get(m, "")) for m in MIME_TYPES)

    # --- mimeapps.list ----------------------------------------------------------------------
    # Edited line by line, not through configparser: the user's comments, order and other
    # apps' lines must survive the dialer registering and unregistering itself.

    def _read_mimeapps(self) -> dict[str, dict[str, str]]:
        sections: dict[str, dict[str, str]] = {}
        current: dict[str, str] | None = None
        for line in self._mimeapps_lines():
            stripped = line.strip()
            if stripped.startswith("[") and stripped.endswith("]"):
                current = sections.setdefault(stripped[1:-1], {})
            elif current is not None and "=" in stripped and not stripped.startswith("#"):
                key, _, value = stripped.partition("=")
                current[key.strip()] = value.strip()
        return sections

    def _mimeapps_lines(self) -> list[str]:
        try:
            return self.mimeapps_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise HandlerError(f"cannot read {self.mimeapps_path}: {exc}") from exc

    def _update_mimeapps(self, updates: dict[tuple[str, str], str | None]) -> None:
        """Set (section, key) lines to a value, or remove them (None); others stay as they were."""
        out: list[str] = []
        pending = dict(updates)
        section = ""

        def flush_section() -> None:
            for (sec, key), value in list(pending.items()):
                if sec == section and value is not None:
                    out.append(f"{key}={value}")
                if sec == section:
                    del pending[(sec, key)]

        for line in self._mimeapps_lines():
            stripped = line.strip()
            if stripped.startswith("[") and stripped.endswith("]"):
                flush_section()
                section = stripped[1:-1]
                out.append(line)
                continue
            key = stripped.partition("=")[0].strip()
            if "=" in stripped and not stripped.startswith("#") and (section, key) in pending:
                value = pending.pop((section, key))
                if value is not None:
                    out.append(f"{key}={value}")
                continue
            out.append(line)
        flush_section()
        for sec in dict.fromkeys(sec for (sec, _key), v in pending.items() if v is not None):
            out.append(f"[{sec}]")
            section = sec
            flush_section()
        text = "\n".join(out).strip("\n") + "\n"
        autostart._write_atomically(self.mimeapps_path, text.encode("utf-8"))

    def _set_defaults(self) -> None:
        added = self._read_mimeapps().get("Added Associations", {})
        updates: dict[tuple[str, str], str | None] = {}
        for mime in MIME_TYPES:
            updates[("Default Applications", mime)] = DESKTOP_ID + ";"
            others = [e for e in _entries(added.get(mime, "")) if e != DESKTOP_ID]
            updates[("Added Associations", mime)] = ";".join([DESKTOP_ID, *others]) + ";"
        self._update_mimeapps(updates)

    def _clear_defaults(self) -> bool:
        """Take the dialer out of the scheme lines; other apps' entries stay as they were."""
        sections = self._read_mimeapps()
        updates: dict[tuple[str, str], str | None] = {}
        for section in ("Default Applications", "Added Associations"):
            values = sections.get(section, {})
            for mime in MIME_TYPES:
                entries = _entries(values.get(mime, ""))
                if DESKTOP_ID in entries:
                    rest = [e for e in entries if e != DESKTOP_ID]
                    updates[(section, mime)] = ";".join(rest) + ";" if rest else None
        if updates:
            self._update_mimeapps(updates)
        return bool(updates)

    def _installed_entry_handles_schemes(self) -> bool:
        if not self.desktop_path.exists() or self._is_ours(self.desktop_path):
            return False
        try:
            lines = self.desktop_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return False
        declared = {
            mime
            for line in lines
            if line.startswith("MimeType=")
            for mime in _entries(line.removeprefix("MimeType="))
        }
        return set(MIME_TYPES) <= declared

    @staticmethod
    def _is_ours(path: Path) -> bool:
        try:
            return f"{MARKER}=true" in path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return False


def _entries(value: str) -> list[str]:
    return [e.strip() for e in value.split(";") if e.strip()]


# --- Windows ------------------------------------------------------------------------------------


class WindowsHandlers:
    """Per-user registry entries (no administrator rights); `winreg` is injectable for tests."""

    def __init__(
        self, winreg: ModuleType | Any | None = None, notify: Callable[[], None] | None = None
    ) -> None:
        if winreg is None:
            import winreg as real  # type: ignore[import-not-found,unused-ignore]

            winreg = real
        self.reg = winreg
        self._notify = notify if notify is not None else _notify_shell

    def register(self, argv: list[str]) -> str:
        command = subprocess.list2cmdline(argv) + ' "%1"'
        icon = f"{argv[0]},0"
        for scheme, progid in PROGIDS.items():
            base = rf"{CLASSES_KEY}\{progid}"
            self._set(base, None, f"{APP_NAME} {scheme}: link")
            self._set(base, "URL Protocol", "")
            self._set(base + r"\DefaultIcon", None, icon)
            self._set(base + r"\shell\open\command", None, command)
            # The scheme key itself: what Windows uses while the user has made no choice. It
            # is replaced only when it is free or already the dialer's.
            scheme_key = rf"{CLASSES_KEY}\{scheme}"
            if self._owned_or_free(scheme_key):
                self._set(scheme_key, None, f"URL:{scheme}")
                self._set(scheme_key, "URL Protocol", "")
                self._set(scheme_key, MARKER, "1")
                self._set(scheme_key + r"\DefaultIcon", None, icon)
                self._set(scheme_key + r"\shell\open\command", None, command)
        self._set(CAPABILITIES_KEY, "ApplicationName", APP_NAME)
        self._set(CAPABILITIES_KEY, "ApplicationDescription", "Click-to-call dialer")
        for scheme, progid in PROGIDS.items():
            self._set(CAPABILITIES_KEY + r"\URLAssociations", scheme, progid)
        self._set(REGISTERED_APPS_KEY, APP_NAME, CAPABILITIES_KEY)
        self._notify()
        return (
            "registered for tel: and callto: links; if Windows asks which app to use on the "
            "first click, choose Dialer (Settings › Apps › Default apps › Dialer)"
        )

    def unregister(self) -> str:
        reg = self.reg
        removed = False
        for scheme, progid in PROGIDS.items():
            removed |= self._delete_tree(rf"{CLASSES_KEY}\{progid}")
            scheme_key = rf"{CLASSES_KEY}\{scheme}"
            if self._value(scheme_key, MARKER) == "1":
                removed |= self._delete_tree(scheme_key)
        removed |= self._delete_tree(CAPABILITIES_KEY)
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, APP_KEY, 0, reg.KEY_READ) as key:
                empty = _subkey_count(reg, key) == 0
            if empty:
                reg.DeleteKey(reg.HKEY_CURRENT_USER, APP_KEY)
        except FileNotFoundError:
            pass
        try:
            with reg.OpenKey(
                reg.HKEY_CURRENT_USER, REGISTERED_APPS_KEY, 0, reg.KEY_SET_VALUE
            ) as key:
                reg.DeleteValue(key, APP_NAME)
                removed = True
        except FileNotFoundError:
            pass
        if removed:
            self._notify()
            return "tel: and callto: links no longer open the dialer"
        return "the dialer was not handling tel: or callto: links"

    def is_registered(self) -> bool:
        return all(
            self._value(rf"{CLASSES_KEY}\{progid}\shell\open\command", None)
            for progid in PROGIDS.values()
        ) and bool(self._value(REGISTERED_APPS_KEY, APP_NAME))

    # --- registry helpers --------------------------------------------------------------------

    def _set(self, path: str, name: str | None, value: str) -> None:
        reg = self.reg
        with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, path, 0, reg.KEY_SET_VALUE) as key:
            reg.SetValueEx(key, name, 0, reg.REG_SZ, value)

    def _value(self, path: str, name: str | None) -> str | None:
        reg = self.reg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, path, 0, reg.KEY_READ) as key:
                value, _kind = reg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        return str(value)

    def _owned_or_free(self, path: str) -> bool:
        if self._value(path, MARKER) == "1":
            return True
        return self._value(path + r"\shell\open\command", None) is None

    def _delete_tree(self, path: str) -> bool:
        """DeleteKey refuses keys with subkeys, so children go first; False if it was absent."""
        reg = self.reg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, path, 0, reg.KEY_READ) as key:
                children = [reg.EnumKey(key, i) for i in range(_subkey_count(reg, key))]
        except FileNotFoundError:
            return False
        for child in children:
            self._delete_tree(rf"{path}\{child}")
        reg.DeleteKey(reg.HKEY_CURRENT_USER, path)
        return True


def _subkey_count(reg: Any, key: Any) -> int:
    count: int = reg.QueryInfoKey(key)[0]
    return count


def _notify_shell() -> None:
    """Tell Explorer that associations changed, so it stops using its cached handler."""
    try:
        import ctypes

        shcne_assocchanged, shcnf_idlist = 0x08000000, 0
        ctypes.windll.shell32.SHChangeNotify(shcne_assocchanged, shcnf_idlist, None, None)  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError):
        pass


# --- macOS --------------------------------------------------------------------------------------


class MacBundleHandlers:
    """Nothing to write: the bundle's Info.plist declares the schemes to Launch Services."""

    MESSAGE = (
        "on macOS, Dialer.app declares tel: and callto: in its Info.plist and macOS registers "
        "it when the app is first opened; choose the default in FaceTime › Settings › "
        "Default for calls, or with a tool such as duti"
    )

    def register(self, argv: list[str]) -> str:
        if not getattr(sys, "frozen", False):
            raise HandlerError(
                "tel: links on macOS need the Dialer.app bundle (see packaging/macos); "
                "a Python checkout cannot register a URL scheme"
            )
        return self.MESSAGE

    def unregister(self) -> str:
        return "on macOS, remove Dialer.app (or pick another default) to stop handling tel: links"

    def is_registered(self) -> bool:
        return bool(getattr(sys, "frozen", False))


# --- the current platform -----------------------------------------------------------------------


def for_platform(platform: str | None = None) -> Handlers:
    platform = platform or sys.platform
    if platform.startswith("win"):
        return WindowsHandlers()
    if platform == "darwin":
        return MacBundleHandlers()
    return XdgHandlers()


def register(backend: Handlers | None = None) -> str:
    """Register this installation (the bundle's executable, else this Python) as the handler."""
    return (backend or for_platform()).register(autostart.command())


def unregister(backend: Handlers | None = None) -> str:
    return (backend or for_platform()).unregister()
