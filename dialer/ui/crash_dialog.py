"""Show the report of the last crash once, so the agent can pass it to support.

The report is already redacted (`dialer.crash`); the dialog only shows it, offers to copy it,
and says where the file is kept. Opened with `open()` (window-modal, not `exec()`): calls being
re-attached after the crash keep updating behind it.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class CrashReportDialog(QDialog):
    def __init__(self, text: str, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crash_report_dialog")
        self.setWindowTitle("Dialer stopped unexpectedly")
        self.setAccessibleName("Crash report from the last run")
        self.resize(640, 420)

        headline = QLabel("The dialer stopped unexpectedly last time.")
        font = QFont(headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        headline.setFont(font)
        explain = QLabel(
            "Calls that were live have been marked interrupted in the history. "
            "The report below holds no passwords or keys; copy it to send to support. "
            f"Reports are kept in {folder}."
        )
        explain.setWordWrap(True)

        self.text = QPlainTextEdit(text)
        self.text.setObjectName("crash_report_text")
        self.text.setAccessibleName("Crash report text")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        self.copy_button = QPushButton("&Copy report")
        self.copy_button.setObjectName("crash_report_copy")
        self.copy_button.setAccessibleName("Copy the crash report")
        self.copy_button.clicked.connect(self.copy)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("crash_report_close")
        self.close_button.setAccessibleName("Close the crash report")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(headline)
        layout.addWidget(explain)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.setTabOrder(self.text, self.copy_button)
        self.setTabOrder(self.copy_button, self.close_button)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied")
