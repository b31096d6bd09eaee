"""The recording player: download with progress, waveform, play/pause, seek, speed, volume.

QtMultimedia (~126 ms to import, plus its FFmpeg plugin) is loaded the first time a recording
is asked for, in small steps while it downloads, never at start-up: this module imports nothing
from it at the top,
and the history view imports this module only when the agent first asks for a recording.
The file comes from `services.recordings` (download, checks, cache); this widget only shows it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from dialer.ui.style import set_tone
from dialer.ui.waveform import Waveform

if TYPE_CHECKING:
    import httpx
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

    from dialer.services.recordings import RecordingCache

log = logging.getLogger("dialer.ui.player")

SPEEDS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
#: Peaks computed per recording; the widget resamples them to its width.
WAVEFORM_POINTS = 1200
PLAY, PAUSE = "▶", "❚❚"
SOUND_STUCK = (
    "The sound system is not answering, so this recording cannot play here. It is "
    "downloaded: save it or open its folder to play it elsewhere, or open it again once "
    "sound works."
)


def format_ms(ms: int) -> str:
    seconds = max(0, ms) // 1000
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def open_folder(path: Path) -> bool:
    """Show the folder in the desktop's file manager (a seam tests replace)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def preload_media_libraries() -> None:
    """Map QtMultimedia's shared libraries into the process on this (worker) thread.

    Importing `PySide6.QtMultimedia` and the first device query make the dynamic loader map
    QtMultimedia and the FFmpeg back-end plugin (with Qt Quick, QML, OpenGL and FFmpeg behind
    it): 15-25 ms on the GUI thread, with the GIL held. Loaded here first with `dlopen`
    called through ctypes (a foreign call, so the GIL is released), the same files are then
    found already loaded: the import and Qt's plugin loader get the same handles, nothing
    else changes. Only where `dlopen` exists and for the back end Qt would pick by itself;
    anything unexpected leaves the loading to Qt, as before.
    """
    import os
    import sys

    if not hasattr(os, "RTLD_NOW") or os.environ.get("QT_MEDIA_BACKEND", "ffmpeg") != "ffmpeg":
        return
    try:
        import ctypes
        import importlib.util

        from PySide6.QtCore import QLibraryInfo

        plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "multimedia"
        suffix = ".dylib" if sys.platform == "darwin" else ".so"
        spec = importlib.util.find_spec("PySide6.QtMultimedia")
        files = [plugins / f"libffmpegmediaplugin{suffix}"]
        if spec is not None and spec.origin:
            files.append(Path(spec.origin))
        dlopen = ctypes.CDLL(None).dlopen
        dlopen.argtypes, dlopen.restype = [ctypes.c_char_p, ctypes.c_int], ctypes.c_void_p
        for file in files:
            if file.is_file():
                # Left loaded on purpose: the app keeps both for its lifetime anyway.
                dlopen(os.fsencode(file), os.RTLD_NOW | os.RTLD_LOCAL)
    except (OSError, AttributeError, ImportError, ValueError):
        log.debug("QtMultimedia not preloaded", exc_info=True)


class RecordingPlayer(QFrame):
    """objectName `recording_player`; see the issue's names for its controls."""

    #: The close button was pressed (the view hides the player).
    close_requested = Signal()
    #: The recording is downloaded and its duration known.
    ready = Signal()
    #: Download or playback failed; the message is also shown in the player.
    failed = Signal(str)

    def __init__(
        self, cache: RecordingCache, client: httpx.AsyncClient, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recording_player")
        self.setAccessibleName("Recording player")
        self.cache = cache
        self.client = client
        self.media: QMediaPlayer | None = None
        self.audio: QAudioOutput | None = None
        #: The sound server accepted a connection and never answered (`sound_server`): Qt
        #: would wait 30 s for it on the GUI thread, so QtMultimedia is left alone.
        self.sound_stuck = False
        self.path: Path | None = None
        self.call_uuid: str | None = None
        self._file_stem = "recording"
        self._task: asyncio.Task[None] | None = None
        self._save_task: asyncio.Task[None] | None = None
        self._syncing = False

        self.title = QLabel("Recording", self)
        self.title.setObjectName("recording_title")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = self._button("save_recording_button", "Save as…", "Save a copy")
        self.folder_button = self._button(
            "open_folder_button", "Show in folder", "Open the folder that holds the recording"
        )
        self.close_button = self._button("recording_close", "✕", "Close the player")
        self.close_button.setProperty("role", "icon")

        self.download_progress = QProgressBar(self)
        self.download_progress.setObjectName("download_progress")
        self.download_progress.setAccessibleName("Download progress")
        self.download_progress.setTextVisible(True)
        self.waveform = Waveform(self)

        self.play_button = self._button("play_button", PLAY, "Play")
        self.play_button.setProperty("role", "play")
        self.time_label = QLabel("0:00 / 0:00", self)
        self.time_label.setObjectName("recording_time")
        self.time_label.setAccessibleName("Elapsed and total time")
        self.position_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.position_slider.setObjectName("position_slider")
        self.position_slider.setAccessibleName("Playback position")
        self.position_slider.setSingleStep(5000)
        self.position_slider.setPageStep(15000)
        self.speed_selector = QComboBox(self)
        self.speed_selector.setObjectName("speed_selector")
        self.speed_selector.setAccessibleName("Playback speed")
        for speed in SPEEDS:
            self.speed_selector.addItem(f"{speed:g}×", speed)
        self.speed_selector.setCurrentIndex(SPEEDS.index(1.0))
        speed_label = QLabel("Speed", self)
        speed_label.setProperty("role", "caption")
        speed_label.setBuddy(self.speed_selector)
        volume_label = QLabel("Volume", self)
        volume_label.setProperty("role", "caption")
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.volume_slider.setObjectName("volume_slider")
        self.volume_slider.setAccessibleName("Volume")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(80)
        self.volume_slider.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 9)
        volume_label.setBuddy(self.volume_slider)
        self.message = QLabel("", self)
        self.message.setObjectName("recording_message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        head = QHBoxLayout()
        head.setSpacing(8)
        head.addWidget(self.title, 1)
        for button in (self.save_button, self.folder_button, self.close_button):
            head.addWidget(button)
        controls = QHBoxLayout()
        controls.setSpacing(10)
        controls.addWidget(self.play_button)
        controls.addWidget(self.time_label)
        controls.addWidget(self.position_slider, 1)
        controls.addSpacing(6)
        controls.addWidget(speed_label)
        controls.addWidget(self.speed_selector)
        controls.addSpacing(6)
        controls.addWidget(volume_label)
        controls.addWidget(self.volume_slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addWidget(self.download_progress)
        layout.addWidget(self.waveform)
        layout.addLayout(controls)
        layout.addWidget(self.message)

        self.play_button.clicked.connect(self.toggle)
        self.position_slider.valueChanged.connect(self._slider_moved)
        self.speed_selector.currentIndexChanged.connect(self._speed_chosen)
        self.volume_slider.valueChanged.connect(self._volume_chosen)
        self.waveform.seek_requested.connect(self._seek_fraction)
        self.save_button.clicked.connect(self._ask_save_path)
        self.folder_button.clicked.connect(self._open_folder)
        self.close_button.clicked.connect(self.close_requested)
        self._set_controls(False)

    def _button(self, name: str, text: str, accessible: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setToolTip(accessible)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        return button

    # --- loading -----------------------------------------------------------------------------

    def load(self, call_uuid: str, url: str, title: str, file_stem: str = "recording") -> None:
        """Fetch (or reuse) the call's recording and get it ready to play."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.media is not None:
            self.media.stop()
            self.media.setSource(QUrl())
        self.call_uuid = call_uuid
        self.path = None
        self._file_stem = file_stem
        self.title.setText(title)
        self._set_controls(False)
        self._show_message("", "")
        self.waveform.set_peaks([])
        self.waveform.set_progress(0)
        self._set_time(0, 0)
        self.download_progress.setRange(0, 0)
        self.download_progress.setFormat("Fetching the recording…")
        self.download_progress.setVisible(True)
        self.waveform.setVisible(False)
        self._task = asyncio.ensure_future(self._load(call_uuid, url))

    async def _load(self, call_uuid: str, url: str) -> None:
        from dialer.services.recording_audio import RecordingError, wav_peaks

        warm = asyncio.ensure_future(self._warm_media())
        try:
            try:
                path = await self.cache.fetch(self.client, call_uuid, url, self._progress)
            except RecordingError as exc:
                self._fail(f"Cannot play this recording: {exc}")
                return
            await warm
        finally:
            warm.cancel()  # a no-op once it is done
        self.path = path
        self.download_progress.setVisible(False)
        self.waveform.setVisible(True)
        playable = self.media is not None or not self.sound_stuck
        if playable:
            self._ensure_media()
            assert self.media is not None
            self.media.setSource(QUrl.fromLocalFile(str(path)))
        if path.suffix == ".wav":
            try:
                peaks = await asyncio.to_thread(wav_peaks, path, WAVEFORM_POINTS)
            except (RecordingError, OSError) as exc:
                self._fail(f"Cannot read this recording: {exc}")
                return
            self.waveform.set_peaks(peaks, "silent recording" if not any(peaks) else "")
        else:
            self.waveform.set_peaks([], f"no waveform for {path.suffix[1:].upper()} recordings")
        self.save_button.setEnabled(True)
        self.folder_button.setEnabled(True)
        if not playable:
            self._show_message(SOUND_STUCK, "bad")

    def _progress(self, received: int, total: int | None) -> None:
        if total:
            self.download_progress.setRange(0, 1000)
            self.download_progress.setValue(int(1000 * received / total))
            self.download_progress.setFormat(
                f"Downloading… {100 * received // total} %  ({received / 1024:,.0f} KB)"
            )
        else:
            self.download_progress.setRange(0, 0)
            self.download_progress.setFormat(f"Downloading… {received / 1024:,.0f} KB")

    def _fail(self, text: str) -> None:
        self.download_progress.setVisible(False)
        self.waveform.setVisible(True)
        self.waveform.set_peaks([], "")
        self._set_controls(False)
        self._show_message(text, "bad")
        self.failed.emit(text)

    # --- playback ----------------------------------------------------------------------------

    async def _warm_media(self) -> None:
        """Load QtMultimedia while the recording downloads, one step per event-loop turn: the
        import (~10 ms) and its first audio-device query (~10-20 ms, the platform's media
        back end) would otherwise run back to back, after the download, as one frozen frame.
        Most of both is the dynamic loader mapping QtMultimedia, its FFmpeg plugin and the
        libraries they pull in, which a worker thread does first (`preload_media_libraries`);
        what is left on the GUI thread is ~5 ms of type set-up and ~1-2 ms of device query."""
        if self.media is not None:
            return
        from dialer.ui import sound_server

        verdict = await asyncio.to_thread(sound_server.probe)
        self.sound_stuck = verdict == sound_server.NOT_ANSWERING
        if self.sound_stuck:
            log.warning("the sound server is not answering: recordings cannot play")
            return
        await asyncio.to_thread(preload_media_libraries)
        from PySide6.QtMultimedia import QMediaDevices

        await asyncio.sleep(0)
        QMediaDevices.defaultAudioOutput()
        await asyncio.sleep(0)
        self._ensure_media()

    def _ensure_media(self) -> None:
        """Create the player on first use: this is where QtMultimedia gets imported."""
        if self.media is not None:
            return
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self.audio = QAudioOutput(self)
        self.audio.setVolume(self.volume_slider.value() / 100)
        self.media = QMediaPlayer(self)
        self.media.setAudioOutput(self.audio)
        self.media.setPlaybackRate(float(self.speed_selector.currentData()))
        self.media.durationChanged.connect(self._duration_changed)
        self.media.positionChanged.connect(self._position_changed)
        self.media.playbackStateChanged.connect(self._state_changed)
        self.media.errorOccurred.connect(self._media_error)

    def toggle(self) -> None:
        if self.media is None:
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.media.pause()
        else:
            self.media.play()

    def play(self) -> None:
        if self.media is not None:
            self.media.play()

    def pause(self) -> None:
        if self.media is not None:
            self.media.pause()

    def _duration_changed(self, duration: int) -> None:
        self._syncing = True
        try:
            self.position_slider.setRange(0, max(0, duration))
        finally:
            self._syncing = False
        self._set_time(self.media.position() if self.media else 0, duration)
        if duration > 0:
            self._set_controls(True)
            self.ready.emit()

    def _position_changed(self, position: int) -> None:
        duration = self.media.duration() if self.media else 0
        if not self.position_slider.isSliderDown():
            self._syncing = True
            try:
                self.position_slider.setValue(position)
            finally:
                self._syncing = False
        self._set_time(position, duration)
        self.waveform.set_progress(position / duration if duration else 0.0)

    def _state_changed(self, state: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(PAUSE if playing else PLAY)
        self.play_button.setAccessibleName("Pause" if playing else "Play")
        self.play_button.setToolTip("Pause" if playing else "Play")

    def _media_error(self, error: Any, text: str) -> None:
        if int(getattr(error, "value", error)) != 0:
            self._fail(f"Cannot play this recording: {text or 'the player refused the file'}")

    def _slider_moved(self, value: int) -> None:
        if not self._syncing and self.media is not None:
            self.media.setPosition(value)

    def _seek_fraction(self, fraction: float) -> None:
        if self.media is not None and self.media.duration() > 0:
            self.media.setPosition(int(self.media.duration() * fraction))

    def _speed_chosen(self, index: int) -> None:
        if self.media is not None:
            self.media.setPlaybackRate(float(self.speed_selector.itemData(index)))

    def _volume_chosen(self, value: int) -> None:
        if self.audio is not None:
            self.audio.setVolume(value / 100)

    def _set_time(self, position: int, duration: int) -> None:
        self.time_label.setText(f"{format_ms(position)} / {format_ms(duration)}")

    def _set_controls(self, enabled: bool) -> None:
        for widget in (self.play_button, self.position_slider):
            widget.setEnabled(enabled)
        for button in (self.save_button, self.folder_button):
            button.setEnabled(enabled and self.path is not None)

    def _show_message(self, text: str, tone: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setProperty("role", "error" if tone == "bad" else "help")
        set_tone(self.message, tone)

    # --- save, folder ------------------------------------------------------------------------

    def _ask_save_path(self) -> None:
        if self.path is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(self, "Save the recording", str(Path(folder) / self._suggested()))
        dialog.setObjectName("recording_save_dialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(f"Audio (*{self.path.suffix})")
        dialog.fileSelected.connect(self.save_to)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _suggested(self) -> str:
        suffix = self.path.suffix if self.path else ".wav"
        return self._file_stem + suffix

    def save_to(self, target: str) -> None:
        """Copy the recording to `target` on a worker thread, then say where it went."""
        if self.path is None or not target:
            return
        self._save_task = asyncio.ensure_future(self._save(self.path, Path(target)))

    async def _save(self, source: Path, target: Path) -> None:
        from dialer.services.recordings import RecordingError, save_copy

        if not target.suffix:
            target = target.with_suffix(source.suffix)
        try:
            await asyncio.to_thread(save_copy, source, target)
        except RecordingError as exc:
            self._show_message(str(exc), "bad")
            return
        self._show_message(f"Saved to {target}", "ok")

    def _open_folder(self) -> None:
        if self.path is not None and not open_folder(self.path.parent):
            self._show_message(f"The recording is in {self.path.parent}", "ok")

    # --- closing -----------------------------------------------------------------------------

    def stop(self) -> None:
        if self.media is not None:
            self.media.stop()

    async def aclose(self) -> None:
        self.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
