"""`dialer.app.run` as a user gets it, in a fresh process: paint first, then services, clean exit.

A fresh interpreter is the only honest way to see what start-up imports before the first paint.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dialer

PACKAGE = Path(dialer.__file__).resolve().parent
ROOT = PACKAGE.parent

#: Modules that must not be loaded before the window has painted.
HEAVY = ("httpx", "keyring", "pydantic", "PySide6.QtMultimedia", "qasync", "dialer.settings")


def run_python(code: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "DIALER_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **env}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=40,
        check=False,
    )


def test_first_paint_needs_none_of_the_heavy_imports(tmp_path: Path) -> None:
    result = run_python(
        f"""
        import sys
        from dialer.app import run
        rc = run("+919876543210")
        print("rc", rc)
        print("loaded", [m for m in {HEAVY!r} if m in sys.modules])
        """,
        tmp_path,
        DIALER_EXIT_AFTER_PAINT="1",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("first-paint ")
    assert "rc 0" in lines
    assert "loaded []" in lines, result.stdout


@pytest.mark.parametrize("minimized", [False, True])
def test_run_starts_services_then_exits_cleanly_on_close(tmp_path: Path, minimized: bool) -> None:
    result = run_python(
        f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
        from dialer import app
        from dialer.ui.main_window import MainWindow

        qapp = QApplication([])

        def close_when_ready():
            windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
            window = windows[0] if windows else None
            if window is None or window.controller is None:
                QTimer.singleShot(20, close_when_ready)
                return
            print("number", window.findChild(QLineEdit, "number_input").text())
            print("preview", window.findChild(QLabel, "number_preview").text())
            print("call enabled", window.call_button.isEnabled())
            print("minimized", window.isMinimized())
            window.close()

        QTimer.singleShot(0, close_when_ready)
        print("rc", app.run("tel:+91-98765-43210", minimized={minimized!r}))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "number tel:+91-98765-43210" in out
    assert "+919876543210" in out and "valid" in out
    assert "call enabled True" in out
    assert f"minimized {minimized}" in out
    assert out.rstrip().endswith("rc 0")
    assert "Traceback" not in result.stderr
    assert (tmp_path / "data" / "history.sqlite3").exists()
    assert (tmp_path / "config" / "settings.json").exists()


def test_only_the_gui_layer_imports_qt() -> None:
    """The core stays Qt-free so the CLI and the services never load it."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "app.py" or relative.startswith("ui/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "PySide6" or name.startswith("PySide6.") for name in names):
                offenders.append(relative)
    assert offenders == []


def test_ui_modules_import_no_network_or_keyring_code() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dialer.ui.main_window, dialer.ui.call_bridge, dialer.app;"
            f"print([m for m in {HEAVY!r} if m in sys.modules])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=40,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_inline_icon_matches_the_shipped_svg() -> None:
    from dialer.ui.style import ICON_SVG

    assert (ROOT / "resources" / "dialer.svg").read_text(encoding="utf-8") == ICON_SVG
