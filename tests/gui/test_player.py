"""Recording playback, headless: a real sandbox call's WAV, downloaded over loopback and played
with QtMultimedia (no audio device: duration is still reported and the position advances);
broken downloads from a tiny Starlette server say what is wrong."""

from __future__ import annotations

import asyncio
import itertools
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import qasync
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialer.domain import CallStatus
from dialer.services.history import HistoryEntry, HistoryStore
from dialer.services.recordings import RecordingCache
from dialer.ui import player as player_mod
from dialer.ui import pyside_fix, sound_server
from dialer.ui.history_model import RECORDING
from dialer.ui.history_view import HistoryView
from dialer.ui.player import RecordingPlayer
from tests.gui.conftest import run_until_done
from tests.support.fake_pulse import fake_pulse, own_pulse_config
from tests.support.live_server import run_server

pyside_fix.install()  # see dialer/ui/pyside_fix.py: PySide6 6.12.0 on Python 3.11


@pytest.fixture
def client(qasync_loop: qasync.QEventLoop, qtbot: QtBot) -> Iterator[httpx.AsyncClient]:
    c = httpx.AsyncClient()
    yield c
    run_until_done(qtbot, c.aclose())


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        yield store


@pytest.fixture
def cache(tmp_path: Path) -> RecordingCache:
    return RecordingCache(tmp_path / "cache" / "recordings", max_file_bytes=1024 * 1024)


@pytest.fixture
def recorded_call(
    qtbot: QtBot,
    sandbox_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    history: HistoryStore,
    client: httpx.AsyncClient,
) -> HistoryEntry:
    """One answered sandbox call, placed and followed by the real controller, in history."""
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "40")
    from dialer import settings as settings_mod
    from dialer.services.calls import CallController

    controller = CallController(settings_mod.load(), history, client)
    final = run_until_done(qtbot, controller.dial("+91 98765 43210"), timeout_ms=15000)
    assert final.status is CallStatus.ANSWER and final.recording_url
    entry = history.get(final.uuid)
    assert entry is not None and entry.recording_url == final.recording_url
    return entry


def open_view(
    qtbot: QtBot, history: HistoryStore, client: httpx.AsyncClient, cache: RecordingCache
) -> HistoryView:
    view = HistoryView(history, client, recordings=cache)
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    return view


def wait_ready(qtbot: QtBot, player: RecordingPlayer) -> None:
    qtbot.waitUntil(lambda: player.media is not None and player.media.duration() > 0, timeout=10000)


def test_a_sandbox_recording_downloads_and_plays(
    qtbot: QtBot,
    recorded_call: HistoryEntry,
    history: HistoryStore,
    client: httpx.AsyncClient,
    cache: RecordingCache,
) -> None:
    view = open_view(qtbot, history, client, cache)
    table = view.table
    circle = table.visualRect(view.index_of(0, RECORDING)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=circle)
    player = view.player
    assert player is not None and player.isVisible()
    assert player.objectName() == "recording_player"
    wait_ready(qtbot, player)

    # Stored privately, under the app's name for the call, as the WAV the sandbox served.
    assert player.path is not None
    assert player.path.name == cache.key(recorded_call.uuid) + ".wav"
    assert stat.S_IMODE(player.path.stat().st_mode) == 0o600
    assert player.path.read_bytes()[:4] == b"RIFF"
    assert not player.download_progress.isVisible()
    duration = player.media.duration()  # type: ignore[union-attr]
    assert 5000 <= duration <= 6500  # the sandbox records up to 6 s of an 8 s talk
    assert player.time_label.text() == "0:00 / 0:06"
    qtbot.waitUntil(lambda: bool(player.waveform.peaks), timeout=5000)
    assert max(player.waveform.peaks) > 0.1  # speech, not silence
    assert player.play_button.isEnabled() and player.position_slider.maximum() == duration

    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.media.position() > 300, timeout=10000)  # type: ignore[union-attr]
    assert player.play_button.accessibleName() == "Pause"
    qtbot.waitUntil(lambda: player.position_slider.value() > 0, timeout=5000)
    assert player.time_label.text().startswith("0:0")
    qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.play_button.accessibleName() == "Play", timeout=5000)

    player.position_slider.setValue(3000)  # seek
    qtbot.waitUntil(lambda: abs(player.media.position() - 3000) < 400, timeout=5000)  # type: ignore[union-attr]
    player.position_slider.setFocus()
    qtbot.keyClick(player.position_slider, Qt.Key.Key_Left)  # keyboard: 5 s back
    qtbot.waitUntil(lambda: player.media.position() < 500, timeout=5000)  # type: ignore[union-attr]

    player.speed_selector.setCurrentIndex(player.speed_selector.findText("2×"))
    assert player.media.playbackRate() == 2.0  # type: ignore[union-attr]
    player.speed_selector.setCurrentIndex(player.speed_selector.findText("0.75×"))
    assert player.media.playbackRate() == 0.75  # type: ignore[union-attr]
    player.volume_slider.setValue(30)
    assert player.audio is not None and player.audio.volume() == pytest.approx(0.3)
    for name in ("play_button", "position_slider", "speed_selector", "volume_slider"):
        assert getattr(player, name).accessibleName()
    run_until_done(qtbot, view.aclose())


def test_the_second_play_reuses_the_cached_file(
    qtbot: QtBot,
    recorded_call: HistoryEntry,
    history: HistoryStore,
    client: httpx.AsyncClient,
    cache: RecordingCache,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = open_view(qtbot, history, client, cache)
    view.table.setFocus()
    view.table.setCurrentIndex(view.index_of(0, RECORDING))
    qtbot.keyClick(view.table, Qt.Key.Key_Space)  # keyboard: Space plays the row's recording
    player = view.player
    assert player is not None
    wait_ready(qtbot, player)
    first = player.path
    assert first is not None
    inode = first.stat().st_ino

    qtbot.mouseClick(player.close_button, Qt.MouseButton.LeftButton)
    assert not player.isVisible()

    async def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("downloaded again")

    monkeypatch.setattr(client, "stream", no_network)
    view.play_row(0)
    wait_ready(qtbot, player)
    assert player.path == first and first.stat().st_ino == inode

    opened: list[Path] = []
    monkeypatch.setattr(player_mod, "open_folder", lambda path: opened.append(path) or True)
    qtbot.mouseClick(player.folder_button, Qt.MouseButton.LeftButton)
    assert opened == [cache.directory]

    target = tmp_path / "kept" / "call.wav"
    target.parent.mkdir()
    player.save_to(str(target))
    qtbot.waitUntil(lambda: "Saved to" in player.message.text(), timeout=5000)
    assert target.read_bytes() == first.read_bytes()

    qtbot.mouseClick(player.save_button, Qt.MouseButton.LeftButton)
    dialog = player.findChild(QFileDialog, "recording_save_dialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.selectedFiles()[0].endswith(".wav")
    dialog.reject()
    run_until_done(qtbot, view.aclose())


# --- broken downloads ------------------------------------------------------------------------

GOOD_HEADER = (
    b"RIFF\x24\x7d\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00"
    b"\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x7d\x00\x00"
)  # 16-bit mono 8 kHz, promising 32,000 bytes (2 s) of audio


async def truncated(request: Request) -> Response:
    return Response(GOOD_HEADER + b"\x00\x01" * 3000, media_type="audio/wav")


async def html(request: Request) -> Response:
    return Response("<html><body>Session expired</body></html>", media_type="text/html")


async def disguised(request: Request) -> Response:
    return Response(b"<html>error</html>" * 20, media_type="audio/x-wav")


async def good(request: Request) -> Response:
    tone = bytes(i * 37 % 256 for i in range(32000))  # all 2 s of the header's promise
    return Response(GOOD_HEADER + tone, media_type="audio/wav")


@pytest.fixture(scope="module")
def broken_server() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/truncated.wav", truncated),
            Route("/page", html),
            Route("/disguised.wav", disguised),
            Route("/good.wav", good),
        ]
    )
    yield from run_server(app)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("truncated.wav", "truncated: its header promises 31 KB of audio but the file holds 6 KB"),
        ("page", "the server sent text/html, not an audio recording"),
        ("disguised.wav", "not an audio recording"),
    ],
)
def test_a_broken_download_says_what_is_wrong(
    qtbot: QtBot,
    client: httpx.AsyncClient,
    cache: RecordingCache,
    broken_server: str,
    path: str,
    words: str,
) -> None:
    player = RecordingPlayer(cache, client)
    qtbot.addWidget(player)
    player.show()
    with qtbot.waitSignal(player.failed, timeout=10000) as failed:
        player.load("call-9", f"{broken_server}/{path}", "+91 98765 43210")
    assert words in failed.args[0]
    assert player.message.isVisible() and words in player.message.text()
    assert broken_server not in player.message.text()  # the URL is a secret: never shown
    assert not player.play_button.isEnabled()
    assert not player.save_button.isEnabled()
    assert not player.download_progress.isVisible()
    assert list(cache.directory.iterdir()) == []  # nothing half-written left behind
    run_until_done(qtbot, player.aclose())


def test_progress_is_shown_while_downloading(
    qtbot: QtBot, client: httpx.AsyncClient, cache: RecordingCache
) -> None:
    player = RecordingPlayer(cache, client)
    qtbot.addWidget(player)
    player.show()
    player._progress(0, 4000)
    player._progress(1000, 4000)
    assert player.download_progress.objectName() == "download_progress"
    assert player.download_progress.value() == 250
    assert "25 %" in player.download_progress.format()
    player._progress(5000, None)  # no Content-Length: a busy bar with the bytes so far
    assert player.download_progress.maximum() == 0
    assert "5 KB" in player.download_progress.format()
    run_until_done(qtbot, asyncio.sleep(0))


def test_a_stuck_sound_server_freezes_nothing_and_the_recording_is_kept(
    qtbot: QtBot,
    client: httpx.AsyncClient,
    cache: RecordingCache,
    broken_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Qt would wait 30 s for it on the GUI thread; the player asks on a worker first, says
    so, keeps the file, and plays once sound works again."""
    own_pulse_config(tmp_path, monkeypatch)
    monkeypatch.setattr(sound_server, "TIMEOUT_S", 0.5)
    if sound_server.probe(0.01) == sound_server.UNKNOWN:
        pytest.skip("needs Linux with libpulse")
    player = RecordingPlayer(cache, client)
    qtbot.addWidget(player)
    player.show()
    ticks: list[float] = []
    heartbeat = QTimer(player)
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start(10)
    with fake_pulse(tmp_path / "native", hung=True) as server:
        monkeypatch.setenv("PULSE_SERVER", server)
        player.load("call-7", f"{broken_server}/good.wav", "+91 98765 43210")
        qtbot.waitUntil(player.message.isVisible, timeout=10000)
    heartbeat.stop()
    assert player.message.text() == player_mod.SOUND_STUCK
    assert player.sound_stuck and player.media is None  # QtMultimedia never asked
    assert not player.play_button.isEnabled()
    assert player.save_button.isEnabled() and player.folder_button.isEnabled()
    assert player.path is not None and player.path.stat().st_size == len(GOOD_HEADER) + 32000
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.3  # the 0.5 s wait was not ours

    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")  # absent: Qt fails fast
    player.load("call-7", f"{broken_server}/good.wav", "+91 98765 43210")
    wait_ready(qtbot, player)
    assert not player.sound_stuck and not player.message.isVisible()
    assert player.play_button.isEnabled()
    run_until_done(qtbot, player.aclose())
