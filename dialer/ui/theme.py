"""Light and dark, and "system": one look in two palettes, switchable while the app runs.

`style.py` holds the dark stylesheet the window paints with at start-up. This module adds the
rules for forms and dialogs (line edits, spin boxes, lists, tabs, help and error lines) and
derives the light theme from the dark one by a colour map, so a rule added to the dark sheet
can never be missing from the light one. A Qt palette is set as well: Fusion draws what no
rule covers (check marks, spin arrows, scroll bars, message boxes) from it.
"""

from __future__ import annotations

import re
from typing import Literal

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from dialer.ui import style

Mode = Literal["system", "light", "dark"]
Resolved = Literal["light", "dark"]

__all__ = ["FORM_QSS", "apply", "current", "ensure_applied", "resolve", "stylesheet"]

_B, _S, _H, _D = style.BG, style.SURFACE, style.SURFACE_HI, style.BORDER
_T, _M = style.TEXT, style.MUTED

#: Dialog and form rules, in the dark palette (the light one is mapped from it).
FORM_QSS = f"""
QDialog {{ background: {_B}; }}
QTabWidget::pane {{ border: none; border-top: 1px solid {_D}; top: -1px; }}
QTabBar::tab {{ background: transparent; color: {_M}; padding: 10px 18px; margin-right: 4px;
    border: none; border-bottom: 2px solid transparent; font-weight: 600; }}
QTabBar::tab:selected {{ color: {_T}; border-bottom-color: {style.BLUE}; }}
QTabBar::tab:hover {{ color: {_T}; }}
QTabBar::tab:focus {{ color: {style.BLUE}; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; border: none; }}
QLineEdit, QSpinBox, QDoubleSpinBox {{ background: {_S}; border: 1px solid {_D};
    border-radius: 8px; padding: 6px 10px; min-height: 20px;
    selection-background-color: #0369a1; selection-color: white; }}
QLineEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus {{ border-color: {style.BLUE}; }}
QLineEdit:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled {{ color: #64748b;
    background: #162033; border-color: #243044; }}
QAbstractSpinBox {{ padding-right: 26px; }}
QAbstractSpinBox QLineEdit {{ background: transparent; border: none; padding: 0;
    min-height: 0; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 22px; border: none;
    background: transparent; subcontrol-origin: border; }}
QAbstractSpinBox::up-button {{ subcontrol-position: top right; }}
QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; }}
QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover {{ background: {_H}; }}
QAbstractSpinBox::up-arrow, QAbstractSpinBox::down-arrow {{ image: none; }}
QCheckBox {{ spacing: 10px; }}
QCheckBox::indicator {{ width: 18px; height: 18px; }}
QListWidget {{ background: {_S}; border: 1px solid {_D}; border-radius: 10px; padding: 4px;
    outline: none; }}
QListWidget::item {{ padding: 8px 10px; border-radius: 6px; }}
QListWidget::item:selected {{ background: {_H}; color: {_T}; }}
QListWidget:focus {{ border-color: {style.BLUE}; }}
QListWidget:disabled {{ color: #64748b; }}
QTableView {{ background: {_S}; border: 1px solid {_D}; border-radius: 10px;
    gridline-color: {_D}; selection-background-color: #0369a1; selection-color: white; }}
QTableView:focus {{ border-color: {style.BLUE}; }}
QHeaderView::section {{ background: {_H}; color: {_M}; border: none;
    border-bottom: 1px solid {_D}; padding: 6px 8px; font-weight: 600; }}
QTableCornerButton::section {{ background: {_H}; border: none; }}
QLabel[role="field"] {{ color: {_M}; font-weight: 600; padding-top: 8px; }}
QLabel[role="help"] {{ color: {_M}; font-size: 12px; }}
QLabel[role="error"] {{ color: {style.RED_HI}; font-size: 12px; font-weight: 600; }}
QLabel[role="section"] {{ color: {_T}; font-size: 16px; font-weight: 700; padding-top: 6px; }}
QLabel[role="notice"] {{ background: #3a2a0a; color: #fcd34d; border: 1px solid #92400e;
    border-radius: 8px; padding: 10px 12px; }}
QLabel[tone="ok"] {{ color: {style.GREEN_HI}; }}
QLabel[tone="bad"] {{ color: {style.RED_HI}; }}
QLabel[tone="busy"] {{ color: {_M}; }}
QPushButton[role="primary"] {{ background: {style.GREEN}; border: none; color: white;
    font-weight: 700; padding: 8px 22px; }}
QPushButton[role="primary"]:hover {{ background: {style.GREEN_HI}; }}
QPushButton[role="primary"]:disabled {{ background: #1f3b2c; color: #7b9a88; }}
QPushButton[role="danger"] {{ color: {style.RED_HI}; }}
QPushButton:focus {{ border-color: {style.BLUE}; }}
QFrame[role="card"] {{ background: {_S}; border: 1px solid {_D}; border-radius: 12px; }}
QFrame[role="card"] QLabel {{ background: transparent; }}
"""

#: Dark colour → light colour. Text keeps its contrast on white (WCAG AA for body text).
_LIGHT = {
    style.BG: "#f1f5f9",
    style.SURFACE: "#ffffff",
    style.SURFACE_HI: "#e2e8f0",
    style.BORDER: "#cbd5e1",
    style.TEXT: "#0f172a",
    style.MUTED: "#475569",
    style.GREEN_HI: "#15803d",
    style.RED_HI: "#b91c1c",
    style.AMBER: "#b45309",
    style.BLUE: "#0284c7",
    "#64748b": "#94a3b8",
    "#162033": "#f1f5f9",
    "#243044": "#e2e8f0",
    "#1f3b2c": "#bbf7d0",
    "#7b9a88": "#3f6b50",
    "#3a2024": "#fecaca",
    "#a38a8d": "#7f1d1d",
    "#475569": "#94a3b8",
    "#3a2a0a": "#fef3c7",
    "#fcd34d": "#78350f",
    "#92400e": "#f59e0b",
}

_applied: Resolved | None = None
_mode: Mode = "dark"


def stylesheet(resolved: Resolved) -> str:
    """The whole application stylesheet for a theme."""
    dark = style.STYLESHEET + FORM_QSS
    if resolved == "dark":
        return dark
    return re.sub(r"#[0-9a-fA-F]{6}\b", lambda m: _LIGHT.get(m.group(0).lower(), m.group(0)), dark)


def _palette(resolved: Resolved) -> QPalette:
    colours = {
        QPalette.ColorRole.Window: style.BG,
        QPalette.ColorRole.WindowText: style.TEXT,
        QPalette.ColorRole.Base: style.SURFACE,
        QPalette.ColorRole.AlternateBase: style.SURFACE_HI,
        QPalette.ColorRole.Text: style.TEXT,
        QPalette.ColorRole.Button: style.SURFACE,
        QPalette.ColorRole.ButtonText: style.TEXT,
        QPalette.ColorRole.ToolTipBase: style.SURFACE_HI,
        QPalette.ColorRole.ToolTipText: style.TEXT,
        QPalette.ColorRole.PlaceholderText: "#64748b",
        QPalette.ColorRole.Highlight: "#0369a1",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: style.BLUE,
        QPalette.ColorRole.Mid: style.BORDER,
        QPalette.ColorRole.Dark: style.BG,
        QPalette.ColorRole.Light: style.SURFACE_HI,
    }
    palette = QPalette()
    for role, colour in colours.items():
        if resolved == "light":
            colour = _LIGHT.get(colour, colour)
        palette.setColor(role, QColor(colour))
    muted = QColor(_LIGHT["#64748b"] if resolved == "light" else "#64748b")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, muted)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, muted)
    return palette


def resolve(mode: Mode) -> Resolved:
    """ "system" asks Qt for the OS colour scheme; when it cannot tell, dark (the designed look)."""
    if mode != "system":
        return mode
    return "light" if _os_prefers_light() else "dark"


def _os_prefers_light() -> bool:
    """The OS's answer; a desktop that does not say (many X11 ones, offscreen) reads as dark."""
    from PySide6.QtCore import Qt

    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Light


def current() -> Resolved | None:
    """The theme this module last applied (None: only `style.apply`'s dark sheet is in use)."""
    return _applied


def apply(app: QApplication, mode: Mode, *, style_chosen: bool = False) -> Resolved:
    """Restyle the whole app now; with "system", follow the OS when it switches later.

    `style_chosen` when Fusion is already the style (`style.STYLE_ARGS`): before the first
    paint, where `setStyle` would cost ~5 ms (see `style.apply`)."""
    global _applied, _mode
    resolved = resolve(mode)
    if mode == "system" and _mode != "system":
        _follow_system(app)
    _mode = mode
    if not style_chosen:
        app.setStyle("Fusion")
    app.setPalette(_palette(resolved))
    app.setStyleSheet(stylesheet(resolved))
    _applied = resolved
    return resolved


def ensure_applied(app: QApplication, mode: Mode) -> None:
    """Apply only if something else is showing: cheap to call from every dialog's start."""
    if _applied != resolve(mode) or _mode != mode:
        apply(app, mode)


_following = False


def _follow_system(app: QApplication) -> None:
    global _following
    if _following:
        return
    _following = True

    def changed() -> None:
        if _mode == "system":
            apply(app, "system")

    QGuiApplication.styleHints().colorSchemeChanged.connect(changed)
