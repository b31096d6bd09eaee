"""The small widgets every preferences section is made of, built one way so the sections look
and read alike (a named, described check box; a section heading)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QWidget


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
