"""The look: one small dark stylesheet, inline so start-up reads no file and packaging ships none.

Widgets that change colour with state (the number preview, the call status) carry a `tone`
property that the stylesheet keys on; `set_tone` re-polishes them, because Qt does not restyle a
widget when only a dynamic property changed.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

BG = "#0f172a"
SURFACE = "#1e293b"
SURFACE_HI = "#273449"
BORDER = "#334155"
TEXT = "#e2e8f0"
MUTED = "#94a3b8"
GREEN = "#16a34a"
GREEN_HI = "#22c55e"
RED = "#dc2626"
RED_HI = "#ef4444"
AMBER = "#f59e0b"
BLUE = "#38bdf8"

STYLESHEET = f"""
QMainWindow, QWidget#central {{ background: {BG}; }}
QWidget {{ color: {TEXT}; font-size: 14px; }}
QToolTip {{ background: {SURFACE_HI}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QLabel[role="caption"] {{ color: {MUTED}; font-size: 12px; font-weight: 600; }}
QComboBox {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
    padding: 6px 10px; min-height: 22px; }}
QComboBox:disabled {{ color: {MUTED}; }}
QComboBox::drop-down {{ border: none; width: 28px; }}
QComboBox::down-arrow {{ image: none; }}
QComboBox:focus {{ border-color: {BLUE}; }}
QComboBox QAbstractItemView {{ background: {SURFACE}; border: 1px solid {BORDER};
    selection-background-color: {SURFACE_HI}; }}
QLineEdit#number_input {{ background: {SURFACE}; border: 2px solid {BORDER}; border-radius: 12px;
    padding: 10px 14px; font-size: 26px; font-weight: 600; }}
QLineEdit#number_input:focus {{ border-color: {BLUE}; }}
QLabel#number_preview {{ color: {MUTED}; font-size: 13px; padding: 0 4px; }}
QLabel#number_preview[tone="ok"] {{ color: {GREEN_HI}; }}
QLabel#number_preview[tone="bad"] {{ color: {AMBER}; }}
QPushButton {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 10px;
    padding: 8px 14px; }}
QPushButton:hover {{ background: {SURFACE_HI}; }}
QPushButton:pressed {{ background: {BORDER}; }}
QPushButton:disabled {{ color: #64748b; background: #162033; border-color: #243044; }}
QPushButton[role="digit"] {{ font-size: 22px; font-weight: 500; min-height: 40px;
    padding: 2px; border-radius: 14px; }}
QPushButton[role="edit"] {{ color: {MUTED}; min-height: 30px; }}
QPushButton#call_button {{ background: {GREEN}; border: none; border-radius: 14px;
    font-size: 20px; font-weight: 700; min-height: 56px; color: white; }}
QPushButton#call_button:hover {{ background: {GREEN_HI}; }}
QPushButton#call_button:disabled {{ background: #1f3b2c; color: #7b9a88; }}
QPushButton#hangup_button {{ background: {RED}; border: none; border-radius: 10px;
    font-size: 15px; font-weight: 700; min-height: 32px; padding: 4px 16px; color: white; }}
QPushButton#hangup_button:hover {{ background: {RED_HI}; }}
QPushButton#hangup_button:focus {{ border: 2px solid {TEXT}; }}
QPushButton#hangup_button:disabled {{ background: #3a2024; color: #a38a8d; }}
QPushButton:focus {{ border-color: {BLUE}; }}
QToolButton#open_settings, QToolButton#open_history {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px; font-size: 18px;
    padding: 4px 8px; min-height: 24px; color: {MUTED}; }}
QToolButton#open_settings:hover, QToolButton#open_history:hover {{
    background: {SURFACE_HI}; color: {TEXT}; }}
QToolButton#open_settings:focus, QToolButton#open_history:focus {{ border-color: {BLUE}; }}
QFrame#call_panel {{ background: transparent; border: none; }}
QFrame#call_panel QLabel {{ background: transparent; }}
QLabel#call_panel_title, QLabel[role="heading"] {{ color: {MUTED}; font-size: 12px;
    font-weight: 700; letter-spacing: 1px; }}
QLabel#call_panel_idle {{ color: {MUTED}; font-size: 14px; padding: 24px;
    background: {SURFACE}; border: 1px dashed {BORDER}; border-radius: 14px;
    qproperty-alignment: AlignCenter; }}
QLabel#call_panel_message {{ color: {RED_HI}; font-weight: 600; padding: 10px 14px;
    background: {SURFACE}; border: 1px solid {RED}; border-radius: 10px; }}
QScrollArea#call_scroll, QWidget#call_list {{ background: transparent; border: none; }}
QFrame#call_card {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 14px; }}
QFrame#call_card[tone="live"] {{ border: 2px solid {BLUE}; }}
QFrame#call_card QLabel {{ background: transparent; border: none; }}
QLabel#call_status {{ font-size: 18px; font-weight: 700; }}
QLabel#call_status[tone="live"] {{ color: {BLUE}; }}
QLabel#call_status[tone="ok"] {{ color: {GREEN_HI}; }}
QLabel#call_status[tone="bad"] {{ color: {RED_HI}; }}
QLabel#call_status[tone="warn"] {{ color: {AMBER}; }}
QLabel#call_timer {{ font-size: 26px; font-weight: 300; color: #475569;
    font-family: "DejaVu Sans Mono", monospace; }}
QLabel#call_timer[tone="live"] {{ color: {TEXT}; }}
QLabel#call_number {{ color: {MUTED}; font-size: 13px; }}
QLabel#call_message {{ color: {MUTED}; font-size: 13px; }}
QLabel#call_message[tone="bad"] {{ color: {RED_HI}; font-weight: 600; }}
QToolButton#call_close {{ background: transparent; border: 1px solid transparent;
    border-radius: 8px; color: {MUTED}; font-size: 15px; padding: 2px 7px; }}
QToolButton#call_close:hover {{ background: {SURFACE_HI}; color: {TEXT}; }}
QToolButton#call_close:focus {{ border-color: {BLUE}; }}
QListWidget#call_legs {{ background: {BG}; border: 1px solid {BORDER}; border-radius: 10px;
    padding: 2px 4px; font-size: 13px; }}
QListWidget#call_legs::item {{ padding: 3px 6px; }}
QLineEdit#add_leg_input, QSpinBox#add_leg_ring_time, QPlainTextEdit#call_notes {{
    background: {BG}; border: 1px solid {BORDER}; border-radius: 8px; padding: 5px 8px;
    selection-background-color: #0369a1; selection-color: white; }}
QLineEdit#add_leg_input:focus, QSpinBox#add_leg_ring_time:focus,
QPlainTextEdit#call_notes:focus {{ border-color: {BLUE}; }}
QLineEdit#add_leg_input:disabled, QSpinBox#add_leg_ring_time:disabled {{ color: #64748b;
    background: #162033; border-color: #243044; }}
QPushButton#add_leg_button {{ padding: 6px 16px; border-radius: 8px; }}
QComboBox#call_disposition {{ background: {BG}; }}
QTabWidget#side_tabs::pane {{ border: 1px solid {BORDER}; border-radius: 12px;
    background: {SURFACE}; top: -1px; }}
QTabWidget#side_tabs > QTabBar::tab {{ background: transparent; color: {MUTED};
    padding: 7px 16px; margin-right: 2px; border: none; border-bottom: 2px solid transparent;
    font-weight: 600; }}
QTabWidget#side_tabs > QTabBar::tab:selected {{ color: {TEXT}; border-bottom-color: {BLUE}; }}
QTabWidget#side_tabs > QTabBar::tab:hover {{ color: {TEXT}; }}
QTabWidget#side_tabs > QTabBar::tab:focus {{ color: {BLUE}; }}
QListView#recent_list {{ background: transparent; border: none; outline: none; }}
QListView#recent_list:focus {{ border: none; }}
QScrollArea#provider_options_scroll {{ background: transparent; border: none; }}
QLabel#recent_empty {{ color: {MUTED}; font-size: 13px; padding: 12px; }}
QLabel[role="help"] {{ color: {MUTED}; font-size: 12px; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: {BORDER}; border-radius: 4px; min-height: 24px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: transparent; }}
QStatusBar {{ background: {BG}; color: {MUTED}; border-top: 1px solid {BORDER}; }}
"""


#: The app icon; `resources/dialer.svg` holds the same drawing for desktop files and installers
#: (a test keeps the two equal). Inline so the window needs no file from the install.
ICON_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
  <rect width="64" height="64" rx="15" fill="#16a34a"/>
  <g transform="rotate(135 32 32)" fill="#ffffff">
    <path d="M15 30 C 19 14, 45 14, 49 30"
          fill="none" stroke="#ffffff" stroke-width="8" stroke-linecap="round"/>
    <rect x="9" y="27" width="15" height="11" rx="4"/>
    <rect x="40" y="27" width="15" height="11" rx="4"/>
  </g>
</svg>
"""


def app_icon() -> QIcon:
    """The icon at the sizes window managers ask for, rendered from the SVG (crisp at each)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QImageReader, QPixmap

    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        buffer = QBuffer()
        buffer.setData(QByteArray(ICON_SVG.encode()))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer, QByteArray(b"svg"))
        reader.setScaledSize(QSize(size, size))
        image = reader.read()
        if not image.isNull():
            icon.addPixmap(QPixmap.fromImage(image))
    return icon


#: Command-line arguments for a QApplication about to be created: they pick Fusion the way
#: `setStyle` does, without resolving `setStyle`'s overloads, which loads PySide6's QStyle type
#: (~5 ms) before the first paint.
STYLE_ARGS = ["-style", "Fusion"]


def apply(app: QApplication, *, style_chosen: bool = False) -> None:
    """Fusion (the same look on every OS; native styles ignore parts of the QSS) and the sheet;
    `style_chosen` when the app was created with `STYLE_ARGS`."""
    if not style_chosen:
        app.setStyle("Fusion")
    app.setStyleSheet(STYLESHEET)


def applied_theme() -> str | None:
    """The theme `theme` last applied; None while only this module's dark sheet is in use.

    Asked without importing `theme` (its palette types cost start-up time): a module nobody
    loaded has applied nothing."""
    import sys

    theme = sys.modules.get("dialer.ui.theme")
    current = theme.current() if theme is not None else None
    return current if isinstance(current, str) else None


def painted(colour: str) -> str:
    """`colour` as the active theme shows it, for widgets that paint themselves.

    The stylesheet is re-coloured for the light theme by `theme`; a painter bypasses the
    stylesheet, so it asks here.
    """
    if applied_theme() != "light":
        return colour
    from dialer.ui import theme  # loaded already: it applied the light theme

    return theme._LIGHT.get(colour.lower(), colour)


def set_tone(widget: QWidget, tone: str) -> None:
    if widget.property("tone") == tone:
        return
    widget.setProperty("tone", tone)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
