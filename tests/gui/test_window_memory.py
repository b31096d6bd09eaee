"""The window reopens where it was left, in the theme it showed, from its first paint on."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRect, QSettings, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from dialer.ui import style, theme
from dialer.ui.window_memory import FILE_NAME, WindowMemory, location
from tests.gui.conftest import Gui, run_until_done
from tests.support.fresh_python import fresh_python

ROOT = Path(__file__).resolve().parents[2]
#: Inside the offscreen platform's 800×600 screen, above the main window's minimum size.
PLACE = QRect(12, 34, 770, 548)


@pytest.fixture
def theme_restored(qapp: QApplication) -> Iterator[None]:
    sheet, palette, state = qapp.styleSheet(), qapp.palette(), (theme._applied, theme._mode)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    theme._applied, theme._mode = state


class HidingWindow(QMainWindow):
    """Says when it hides, as MainWindow and HistoryView do (what `WindowMemory.watch` needs)."""

    hidden = Signal(object)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.hidden.emit(self)


def shown_window(qtbot: QtBot, place: QRect = PLACE) -> HidingWindow:
    window = HidingWindow()
    qtbot.addWidget(window)
    window.setGeometry(place)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_file_lives_under_dialer_home_when_set(tmp_path: Path) -> None:
    assert location() == os.path.join(os.environ["DIALER_HOME"], "config", FILE_NAME)


def test_without_dialer_home_qt_names_the_apps_own_config_folder(tmp_path: Path) -> None:
    out = fresh_python(
        textwrap.dedent(
            """
            from PySide6.QtWidgets import QApplication
            from dialer.ui.window_memory import location
            app = QApplication([])
            app.setApplicationName("dialer")
            print(location())
            """
        ),
        env={**os.environ, "DIALER_HOME": "", "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
    )
    # Linux: the folder platformdirs gives the settings (XDG_CONFIG_HOME/dialer).
    assert out.strip() == str(tmp_path / "xdg" / "dialer" / FILE_NAME)


def test_a_first_start_has_nothing_to_restore(qtbot: QtBot, tmp_path: Path) -> None:
    memory = WindowMemory(str(tmp_path / "w.ini"))
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(900, 650)
    assert (memory.geometry, memory.theme) == (None, None)
    assert memory.restore(window) is False
    assert window.size().width() == 900
    assert not (tmp_path / "w.ini").exists()  # reading writes nothing


def test_hiding_the_window_remembers_its_place_for_the_next_start(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication, theme_restored: None
) -> None:
    path = str(tmp_path / "sub" / "w.ini")
    memory = WindowMemory(path)
    window = shown_window(qtbot)
    theme.apply(qapp, "light")
    memory.watch(window)
    window.hide()  # closing, or sending it to the tray
    assert Path(path).exists()
    assert oct(Path(path).parent.stat().st_mode & 0o777) == oct(0o700)
    text = Path(path).read_text()
    assert "geometry=@ByteArray(" in text and "theme=light" in text  # plain Qt values
    assert "PyObjectWrapper" not in text  # never a pickled Python object

    again = WindowMemory(path)
    assert again.theme == "light"
    reopened = QMainWindow()
    qtbot.addWidget(reopened)
    assert again.restore(reopened) is True
    reopened.show()
    qtbot.waitExposed(reopened)
    assert reopened.geometry() == window.geometry() == PLACE


def test_an_unchanged_window_is_not_written_again(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication, theme_restored: None
) -> None:
    path = tmp_path / "w.ini"
    memory = WindowMemory(str(path))
    window = shown_window(qtbot)
    theme.apply(qapp, "dark")
    memory.remember(window)
    written = path.stat().st_mtime_ns
    os.utime(path, ns=(written - 10**9, written - 10**9))
    memory.remember(window)
    assert path.stat().st_mtime_ns == written - 10**9
    window.setGeometry(PLACE.translated(5, 0))  # moved: written
    qtbot.waitUntil(lambda: window.geometry().x() == PLACE.x() + 5)
    memory.remember(window)
    assert path.stat().st_mtime_ns != written - 10**9


def test_a_hand_edited_or_foreign_file_is_ignored(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "w.ini"
    path.write_text("[window]\ngeometry=not a geometry\ntheme=purple\n\x00\x01garbage\n")
    memory = WindowMemory(str(path))
    assert (memory.geometry, memory.theme) == (None, None)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(900, 650)
    assert memory.restore(window) is False
    assert window.size().width() == 900

    # A pickled Python object (PySide6 refuses to read one that is not a builtin type).
    path.write_text(
        "[window]\ntheme=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18PySide::PyObjectWrapper"
        "\\0\\0\\0\\0:\\x80\\x4\\x95/\\0\\0\\0\\0\\0\\0\\0\\x8c\\x5posix\\x94\\x8c\\x6system"
        "\\x94\\x93\\x94\\x8c\\x14\\x65\\x63ho PWNED-BY-PICKLE\\x94\\x85\\x94R\\x94.)\n"
    )
    pickled = WindowMemory(str(path))
    assert (pickled.geometry, pickled.theme) == (None, None)

    path.unlink()
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    settings.setValue("window/geometry", QByteArray(b"\x01\xd9\xd0\xcbtruncated"))
    settings.sync()
    truncated = WindowMemory(str(path))
    assert truncated.geometry is not None
    assert truncated.restore(window) is False  # Qt rejects it; the default place stays
    assert window.size().width() == 900


def test_a_window_from_a_screen_that_is_gone_comes_back_on_screen(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = str(tmp_path / "w.ini")
    memory = WindowMemory(path)
    window = shown_window(qtbot, QRect(20, 20, 770, 548))
    window.setGeometry(QRect(3000, 2000, 770, 548))  # where a second monitor was
    qtbot.waitUntil(lambda: window.geometry().x() == 3000)
    memory.remember(window)

    reopened = QMainWindow()
    qtbot.addWidget(reopened)
    assert WindowMemory(path).restore(reopened) is True
    screen = reopened.screen().availableGeometry()
    assert screen.intersects(reopened.frameGeometry())


START_TWICE = """
import sys
from PySide6.QtWidgets import QApplication
from dialer import app
from dialer.ui import theme

qapp = QApplication([])
seen = {{}}
real_wait = app._wait_for_first_paint
if {os_light!r}:  # what a light desktop answers (offscreen Qt cannot be told)
    theme._os_prefers_light = lambda: True

def wait(window):
    real_wait(window)
    seen["geometry"] = window.geometry().getRect()
    seen["light"] = {light_bg!r} in qapp.styleSheet()
    seen["heavy"] = [m for m in ("pydantic", "httpx", "dialer.settings") if m in sys.modules]
    if {first!r}:
        theme.apply(qapp, "light")
        window.setGeometry({x}, {y}, {w}, {h})
        window.close()

app._wait_for_first_paint = wait
app.run(None)
print(seen)
"""


def test_the_next_start_paints_in_place_and_in_the_last_theme(tmp_path: Path) -> None:
    """Two real starts: the first is moved, turned light and closed; the second's first paint
    is already there and light, before the settings are even loaded."""
    env = {**os.environ, "DIALER_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    values = {
        "light_bg": theme._LIGHT[style.BG],
        "x": PLACE.x(),
        "y": PLACE.y(),
        "w": PLACE.width(),
        "h": PLACE.height(),
    }
    first = fresh_python(
        START_TWICE.format(first=True, os_light=False, **values),
        env={**env, "DIALER_EXIT_AFTER_PAINT": "1"},
        cwd=ROOT,
    )
    assert "'light': False" in first  # nothing remembered, an OS that does not say: dark
    assert (tmp_path / "config" / FILE_NAME).exists()

    second = fresh_python(
        START_TWICE.format(first=False, os_light=False, **values),
        env={**env, "DIALER_EXIT_AFTER_PAINT": "1"},
        cwd=ROOT,
    )
    rect = (PLACE.x(), PLACE.y(), PLACE.width(), PLACE.height())
    assert f"'geometry': {rect}" in second
    assert "'light': True" in second
    assert "'heavy': []" in second


def test_a_first_start_on_a_light_desktop_paints_light_from_the_first_frame(
    tmp_path: Path,
) -> None:
    """No window.ini yet: the OS is asked before the first paint, and what it said is what the
    next start remembers (a dark desktop's first start is the test above; each start here
    ends as a quit does, writing window.ini)."""
    env = {**os.environ, "DIALER_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    values = {"light_bg": theme._LIGHT[style.BG], "x": 0, "y": 0, "w": 0, "h": 0}
    first = fresh_python(
        START_TWICE.format(first=False, os_light=True, **values),
        env={**env, "DIALER_EXIT_AFTER_PAINT": "1"},
        cwd=ROOT,
    )
    assert "'light': True" in first

    second = fresh_python(  # the OS stops saying: the theme shown last is what paints
        START_TWICE.format(first=False, os_light=False, **values),
        env={**env, "DIALER_EXIT_AFTER_PAINT": "1"},
        cwd=ROOT,
    )
    assert "'light': True" in second


def test_the_history_window_keeps_its_own_place_beside_the_main_one(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = str(tmp_path / "w.ini")
    main = WindowMemory(path)
    history = WindowMemory(path, section="history", keeps_theme=False)
    first, second = shown_window(qtbot), shown_window(qtbot, QRect(30, 40, 700, 500))
    main.remember(first)
    history.remember(second)
    text = Path(path).read_text()
    assert "[window]" in text and "[history]" in text
    assert WindowMemory(path).geometry == bytes(first.saveGeometry().data())
    again = WindowMemory(path, section="history", keeps_theme=False)
    assert again.geometry == bytes(second.saveGeometry().data()) and again.theme is None


def test_the_history_window_reopens_where_it_was_closed(gui: Gui, qtbot: QtBot) -> None:
    """Ctrl+H in the real window; closed at one place; the next app's history opens there."""
    from dialer.ui.history_window import HistoryWindow

    window = gui.window
    window.history.open()
    view = window.history.view
    assert view is not None
    qtbot.waitExposed(view)
    view.setGeometry(QRect(16, 24, 720, 520))
    qtbot.waitUntil(lambda: view.geometry().topLeft() == QRect(16, 24, 1, 1).topLeft())
    place = view.geometry()  # as the window manager (here: offscreen) settled it
    view.close()  # hidden: written now
    assert "[history]" in Path(location()).read_text()

    later = HistoryWindow(window)  # what the next start builds on the first Ctrl+H
    later.open()
    assert later.view is not None
    qtbot.waitExposed(later.view)
    assert later.view.geometry() == place
    later.view.close()
    run_until_done(qtbot, later.aclose())
