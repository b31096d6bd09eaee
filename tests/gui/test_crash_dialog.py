"""After a crash the window shows the report once, copyable, keyboard-closable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from dialer import crash
from dialer.ui.crash_dialog import CrashReportDialog
from dialer.ui.recovery_start import after_start
from tests.gui.conftest import Gui, find, run_until_done


@pytest.fixture
def hooks_restored() -> Iterator[None]:
    yield
    crash.uninstall()


def test_report_is_shown_once_and_copies(gui: Gui, hooks_restored: None, tmp_path: Path) -> None:
    crash.write_report("Uncaught exception on the main thread", "Traceback: RuntimeError: boom")
    window, qtbot = gui.window, gui.qtbot
    assert window.controller is not None
    first = run_until_done(
        qtbot, after_start(window, window.controller, gui.services.history, reattach=True)
    )
    try:
        dialog = first.dialog
        assert isinstance(dialog, CrashReportDialog)
        assert dialog.objectName() == "crash_report_dialog"
        qtbot.waitUntil(dialog.isVisible, timeout=3000)
        assert "RuntimeError: boom" in dialog.text.toPlainText()
        copy = find(dialog, QPushButton, "crash_report_copy")
        copy.click()
        assert "RuntimeError: boom" in QGuiApplication.clipboard().text()
        dialog.grab().save(str(tmp_path / "crash_dialog.png"))
        close = find(dialog, QPushButton, "crash_report_close")
        assert close.isDefault()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    finally:
        first.close()
    again = run_until_done(
        qtbot, after_start(window, window.controller, gui.services.history, reattach=True)
    )
    again.close()
    assert again.dialog is None
