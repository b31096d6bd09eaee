"""Stylesheet rules for the history view and the recording player, in the active theme.

They live with these widgets rather than in the app stylesheet, which start-up paints with:
nothing here is needed before the history is first opened. Colours go through
`style.painted`, so the light theme gets its own palette; the view re-applies them when the
theme changes (a palette change reaches every widget).
"""

from __future__ import annotations

from dialer.ui import style


def _c(colour: str) -> str:
    return style.painted(colour)


def view_qss() -> str:
    bg, surface, hi, border = (
        _c(style.BG),
        _c(style.SURFACE),
        _c(style.SURFACE_HI),
        _c(style.BORDER),
    )
    text, muted, blue = _c(style.TEXT), _c(style.MUTED), _c(style.BLUE)
    return f"""
QLineEdit#history_search {{ background: {surface}; border: 1px solid {border};
    border-radius: 8px; padding: 6px 12px; min-height: 22px; }}
QLineEdit#history_search:focus {{ border-color: {blue}; }}
QDateEdit {{ background: {surface}; border: 1px solid {border}; border-radius: 8px;
    padding: 6px 10px; }}
QDateEdit:focus {{ border-color: {blue}; }}
QDateEdit::drop-down {{ border: none; width: 24px; }}
QTableView#history_table {{ background: {surface}; alternate-background-color: {surface};
    border: 1px solid {border}; border-radius: 12px; padding: 2px; outline: none;
    selection-background-color: {hi}; selection-color: {text}; }}
QTableView#history_table:focus {{ border-color: {blue}; }}
QTableView#history_table::item {{ padding: 0 10px; border-bottom: 1px solid {bg}; }}
QTableView#history_table::item:hover {{ background: {bg}; }}
QTableView#history_table::item:selected {{ background: {hi}; }}
QTableView#history_table QHeaderView::section {{ background: {surface}; color: {muted};
    border: none; border-bottom: 1px solid {border}; padding: 8px 10px; font-size: 12px;
    font-weight: 700; text-transform: uppercase; }}
QTableView#history_table QHeaderView::section:hover {{ color: {text}; }}
QTableView#history_table QHeaderView::down-arrow, QTableView#history_table QHeaderView::up-arrow
    {{ width: 10px; height: 10px; subcontrol-position: center right; right: 6px; }}
QLabel#history_empty {{ color: {muted}; font-size: 15px; background: transparent; }}
QLabel#history_count {{ color: {muted}; font-size: 12px; font-weight: 600; }}
QLabel#history_status {{ color: {muted}; font-size: 12px; }}
QLabel#history_status[tone="bad"] {{ color: {_c(style.RED_HI)}; }}
QScrollBar:vertical {{ background: transparent; width: 12px; margin: 4px 2px; }}
QScrollBar::handle:vertical {{ background: {border}; border-radius: 4px; min-height: 32px; }}
QScrollBar::handle:vertical:hover {{ background: {muted}; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
QScrollBar:horizontal {{ background: transparent; height: 12px; margin: 2px 4px; }}
QScrollBar::handle:horizontal {{ background: {border}; border-radius: 4px; min-width: 32px; }}
QMenu {{ background: {surface}; border: 1px solid {border}; border-radius: 8px; padding: 4px; }}
QMenu::item {{ padding: 6px 24px 6px 12px; border-radius: 6px; }}
QMenu::item:selected {{ background: {hi}; }}
QMenu::item:disabled {{ color: {muted}; }}
QMenu::separator {{ height: 1px; background: {border}; margin: 4px 8px; }}
"""


def player_qss() -> str:
    bg, surface, hi, border = (
        _c(style.BG),
        _c(style.SURFACE),
        _c(style.SURFACE_HI),
        _c(style.BORDER),
    )
    text, muted, blue = _c(style.TEXT), _c(style.MUTED), _c(style.BLUE)
    return f"""
QFrame#recording_player {{ background: {surface}; border: 1px solid {border};
    border-radius: 14px; }}
QFrame#recording_player QLabel {{ background: transparent; }}
QLabel#recording_title {{ font-weight: 700; font-size: 15px; }}
QLabel#recording_time {{ color: {muted}; font-family: "DejaVu Sans Mono", monospace;
    font-size: 13px; }}
QLabel#recording_message[tone="bad"] {{ color: {_c(style.RED_HI)}; font-weight: 600; }}
QLabel#recording_message[tone="ok"] {{ color: {_c(style.GREEN_HI)}; }}
QPushButton#play_button {{ background: {blue}; color: {bg}; border: none; font-size: 16px;
    font-weight: 800; min-width: 44px; min-height: 44px; max-width: 44px; max-height: 44px;
    border-radius: 22px; padding: 0; }}
QPushButton#play_button:hover {{ background: {text}; }}
QPushButton#play_button:focus {{ border: 2px solid {text}; }}
QPushButton#play_button:disabled {{ background: {hi}; color: {muted}; }}
QPushButton#recording_close {{ min-width: 32px; padding: 4px 8px; color: {muted}; }}
QProgressBar#download_progress {{ background: {bg}; border: 1px solid {border};
    border-radius: 8px; min-height: 26px; text-align: center; color: {text}; }}
QProgressBar#download_progress::chunk {{ background: {hi}; border-radius: 7px; }}
QSlider::groove:horizontal {{ height: 6px; background: {bg}; border: 1px solid {border};
    border-radius: 3px; }}
QSlider::sub-page:horizontal {{ background: {blue}; border-radius: 3px; }}
QSlider::handle:horizontal {{ background: {text}; width: 16px; height: 16px;
    margin: -6px 0; border-radius: 8px; }}
QSlider::handle:horizontal:focus {{ background: {blue}; border: 2px solid {text}; }}
QSlider::sub-page:horizontal:disabled {{ background: {border}; }}
QSlider::handle:horizontal:disabled {{ background: {border}; }}
"""
