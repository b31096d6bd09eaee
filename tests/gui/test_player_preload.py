"""QtMultimedia's libraries are mapped on a worker thread before the player imports the module:
check, in a fresh process, that the preload maps them without importing anything, and that
the import and the first device query afterwards work as usual."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.fresh_python import fresh_python

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
from dialer.ui.player import preload_media_libraries

def mapped():
    return Path("/proc/self/maps").read_text()

assert "libQt6Multimedia" not in mapped()
preload_media_libraries()
maps = mapped()
assert "PySide6.QtMultimedia" not in sys.modules
print("multimedia", "libQt6Multimedia" in maps)
print("plugin", "libffmpegmediaplugin" in maps)
print("extension", "QtMultimedia.abi3" in maps)
from PySide6.QtWidgets import QApplication
app = QApplication([])
from PySide6.QtMultimedia import QMediaDevices, QMediaPlayer
QMediaDevices.defaultAudioOutput()
print("player", QMediaPlayer() is not None)
"""


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads Linux's /proc maps")
def test_preload_maps_the_libraries_and_leaves_the_import_working() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_MEDIA_BACKEND", None)  # the back end Qt picks by itself, which is preloaded
    out = fresh_python(SCRIPT, timeout=120, env=env, cwd=ROOT)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines == {"multimedia": "True", "plugin": "True", "extension": "True", "player": "True"}
