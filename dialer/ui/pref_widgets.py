"""The small widgets the settings pages are made of, built one way so the pages look and read
alike: each named for automation, described for screen readers, captions tied to their field."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QWidget


def check_box(parent: QWidget, name: str, text: str, tip: str, checked: bool) -> QCheckBox:
    box = QCheckBox(text, parent)
    box.setObjectName(name)
    box.setAccessibleName(text)
    box.setToolTip(tip)
    box.setChecked(checked)
    return box


def section(parent: QWidget, text: str) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "section")
    return label


def caption(parent: QWidget, text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "field")
    label.setBuddy(buddy)
    return label


def push_button(parent: QWidget, name: str, text: str, tip: str) -> QPushButton:
    """Never the dialog's default button: Enter in a field must not press it."""
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAccessibleName(tip)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    return button


def line_edit(
    parent: QWidget, name: str, accessible: str, placeholder: str, text: str = ""
) -> QLineEdit:
    line = QLineEdit(text, parent)
    line.setObjectName(name)
    line.setAccessibleName(accessible)
    line.setPlaceholderText(placeholder)
    return line
