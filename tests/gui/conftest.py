"""GUI test fixtures: a qasync loop that pytest-qt can spin, and a real window on real services.

The loop is created with `already_running=True` (see NOTES-qt-testing.md): asyncio then treats
it as running, so tasks and httpx work inside slots while `qtbot.waitUntil` spins Qt. Tests
never mix this with pytest-asyncio, and never nest a Qt loop inside a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from dialer.app import Services, start_services
from dialer.domain.models import CallSnapshot
from dialer.ui.call_card import CallCard
from dialer.ui.main_window import MainWindow

T = TypeVar("T")

#: Simulated time runs this much faster: a whole sandbox call takes well under a second.
SANDBOX_SPEED = "20"


@pytest.fixture(autouse=True)
def qt_garbage_dies_on_the_gui_thread() -> Iterator[None]:
    """Collect each test's cyclic garbage here, on the GUI thread.

    Windows hold reference cycles (signal connections to lambdas and bound methods), so they
    die in a cyclic GC pass, and Python runs that pass in whichever thread happens to allocate:
    often a qasync executor thread of the next test (`asyncio.to_thread`). A QWidget destroyed
    there cannot stop its running timers (the status bar's message timeout), which stay
    registered on the GUI thread and crash it when they fire (seen: SIGSEGV in
    QTimerInfoList::activateTimers, about one run in three).
    """
    yield
    gc.collect()


@pytest.fixture
def qasync_loop(qapp: QApplication, qtbot: QtBot) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            qtbot.waitUntil(lambda: all(task.done() for task in pending), timeout=5000)
        # Not `loop.stop()`: it calls QApplication.exit(), which sets Qt's quitNow flag, and
        # from then on every QEventLoop.exec() in this process (qtbot.wait, waitUntil,
        # waitSignal) returns at once, so every later test would time out without spinning.
        loop._QEventLoop__is_running = False
        loop.close()
        with contextlib.suppress(RuntimeError, TypeError):
            qapp.aboutToQuit.disconnect(loop._after_run_forever)
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


@pytest.fixture
def sandbox_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private DIALER_HOME and a fast sandbox; stops the sandbox process the test started."""
    home = tmp_path / "gui-home"
    monkeypatch.setenv("DIALER_HOME", str(home))
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", SANDBOX_SPEED)
    yield home
    from dialer.sandbox import process

    process.stop()


def run_until_done(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout_ms: int = 15000) -> T:
    """Run a coroutine on the qasync loop while Qt spins; never nests a loop in a task."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()


@dataclass
class Gui:
    window: MainWindow
    services: Services
    qtbot: QtBot


@pytest.fixture
def gui(qtbot: QtBot, qasync_loop: qasync.QEventLoop, sandbox_env: Path) -> Iterator[Gui]:
    """The real main window wired to the real controller, history and HTTP client.

    The sandbox process is not started here: the first call starts it, as in the app.
    """
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.painted, timeout=5000)
    services = run_until_done(qtbot, start_services(window))
    try:
        yield Gui(window=window, services=services, qtbot=qtbot)
    finally:
        run_until_done(qtbot, window.aclose())
        run_until_done(qtbot, services.aclose())


# --- finding widgets by their public objectNames ----------------------------------------------

#: A whole sandbox call, placing to final, at the fixture's speed.
CALL_TIMEOUT_MS = 20000

W = TypeVar("W", bound=QWidget)


def find(parent: QWidget, cls: type[W], name: str) -> W:
    widget = parent.findChild(cls, name)
    assert isinstance(widget, cls), f"no {cls.__name__} named {name!r}"
    return widget


def line(parent: QWidget, name: str) -> QLineEdit:
    return find(parent, QLineEdit, name)


def label(parent: QWidget, name: str) -> QLabel:
    return find(parent, QLabel, name)


def button(parent: QWidget, name: str) -> QPushButton:
    return find(parent, QPushButton, name)


def combo(parent: QWidget, name: str) -> QComboBox:
    return find(parent, QComboBox, name)


def cards(window: QWidget) -> list[QFrame]:
    """The call cards in screen order (newest first)."""
    panel = find(window, QFrame, "call_panel")
    found = [c for c in panel.findChildren(QFrame, "call_card") if not c.isHidden()]
    return sorted(found, key=lambda c: c.mapTo(panel, c.rect().topLeft()).y())


def card_of(window: QWidget, uuid: str) -> CallCard:
    """The card whose `call_uuid` property is the call's uuid."""
    for card in window.findChildren(QFrame, "call_card"):
        if card.property("call_uuid") == uuid:
            assert isinstance(card, CallCard)
            return card
    raise AssertionError(f"no call_card for {uuid}")


def legs_texts(card: QWidget) -> list[str]:
    legs = find(card, QListWidget, "call_legs")
    return [legs.item(i).text() for i in range(legs.count())]


def active_timers(window: MainWindow) -> list[QTimer]:
    """Timers running in the window's content: an idle window must have none (the status bar's
    own message timeout, outside the content, stops itself)."""
    content = window.centralWidget()
    assert content is not None
    return [t for t in content.findChildren(QTimer) if t.isActive()]


class Recorder:
    """What each call's card showed after each snapshot (connected after the window's slot)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.snapshots: list[CallSnapshot] = []
        self.statuses: list[str] = []
        self.legs: list[list[str]] = []
        self.ticking: list[bool] = []
        assert window.bridge is not None
        window.bridge.snapshot.connect(self._seen)

    def _seen(self, snapshot: CallSnapshot) -> None:
        card = card_of(self.window, snapshot.uuid)
        self.snapshots.append(snapshot)
        self.statuses.append(label(card, "call_status").text())
        self.legs.append(legs_texts(card))
        self.ticking.append(card.ticking)

    def of(self, uuid: str) -> list[CallSnapshot]:
        return [s for s in self.snapshots if s.uuid == uuid]

    def uuids(self) -> list[str]:
        """Calls seen, in the order they were first seen."""
        return list(dict.fromkeys(s.uuid for s in self.snapshots))

    def final(self, uuid: str | None = None) -> bool:
        mine = self.of(uuid) if uuid else self.snapshots
        return bool(mine) and mine[-1].final
