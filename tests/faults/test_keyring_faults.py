"""A keyring that never answers: the call gives up in time with a message, reads once, and the
answer that comes later serves the next call.

The keyring here is a real `keyring` backend selected the way keyring selects one, whose read
blocks until the test lets it answer: what a stuck Secret Service, or an unlock prompt nobody
sees, looks like to the app.
"""

from __future__ import annotations

import asyncio
import os
import socket
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dialer import paths, settings
from dialer.domain import CredentialsUnavailable
from dialer.services import secret_reads
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore
from dialer.ui import window_tasks
from tests.faults import accounts
from tests.gui.conftest import Gui, button, label, line
from tests.support.fresh_python import fresh_python
from tests.support.stuck_keyring import SECRET, StuckKeyring

#: Nothing listens there: a call that got past the keyring would fail loudly, not hang.
NOWHERE = "http://127.0.0.1:9"
WAIT_S = 0.3
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stuck(dialer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StuckKeyring]:
    """The only account needs a secret; the keyring holding it does not answer."""
    acc = accounts.account("clouddialer", NOWHERE)
    settings.save(settings.Settings(accounts=[acc], default_account=acc.name))
    monkeypatch.setattr(secret_reads, "WAIT_S", WAIT_S)
    backend = StuckKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        backend.release.set()  # the blocked worker thread ends
        keyring.set_keyring(previous)


def test_the_call_gives_up_in_time_reads_once_and_takes_the_late_answer(
    stuck: StuckKeyring,
) -> None:
    history = HistoryStore(paths.history_db())
    conf = settings.load()
    account = conf.account(None)

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            controller = CallController(conf, history, client)
            for _attempt in range(2):  # the second waits on the first read, starts none
                started = time.monotonic()
                with pytest.raises(CredentialsUnavailable) as refused:
                    await controller.dial("+91 98765 43210")
                assert WAIT_S <= time.monotonic() - started < WAIT_S + 2
                assert "keyring" in str(refused.value) and account.name in str(refused.value)
            assert stuck.reads == 1
            assert history.recent(10) == []  # nothing recorded, nothing sent

            stuck.release.set()  # the keyring answers at last
            provider = await asyncio.wait_for(controller.provider(account), 5)
            assert provider.name == "clouddialer"
            controller.provider_for(account)  # from what was read: no second keyring read
            assert stuck.reads == 1

    try:
        asyncio.run(go())
    finally:
        history.close()


@pytest.fixture
def stuck_gui(sandbox_env: Path, stuck: StuckKeyring, gui: Gui) -> Gui:
    """In this order: the GUI suite's sandbox settings, then the stuck account over them."""
    return gui


def test_the_window_says_so_and_can_call_again(
    stuck_gui: Gui, stuck: StuckKeyring, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window_tasks, "KEYRING_HINT_S", 0.05)
    window = stuck_gui.window
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    number_input = line(window, "number_input")
    qtbot.keyClicks(number_input, accounts.DEFAULT_NUMBER)
    call = button(window, "call_button")
    qtbot.waitUntil(call.isEnabled, timeout=5000)
    qtbot.keyClick(number_input, Qt.Key.Key_Return)
    assert not call.isEnabled()  # "Calling…" while the keyring is asked
    message = label(window, "call_panel_message")
    qtbot.waitUntil(lambda: "keyring" in message.text(), timeout=5000)
    assert "unlock it and try again" in message.text()
    assert SECRET not in message.text()
    qtbot.waitUntil(call.isEnabled, timeout=5000)  # the agent can try again at once
    assert stuck.reads == 1
    # While it waited, the status bar said where to look.
    hints = [text for text in said if text.startswith("Waiting for the system keyring")]
    assert hints and "unlock it if it asks" in hints[0]


QUIT_WHILE_STUCK = """
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from dialer import app
from dialer.services import secret_reads
from dialer.ui.main_window import MainWindow

secret_reads.WAIT_S = {wait!r}
qapp = QApplication([])

def window():
    found = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
    return found[0] if found else None

def call_when_ready():
    w = window()
    if w is None or w.controller is None:
        QTimer.singleShot(20, call_when_ready)
        return
    w.entry.set_text({number!r})
    w.request_call()
    QTimer.singleShot(20, close_when_refused)

def close_when_refused():
    w = window()
    text = w.call_panel.message_label.text()
    if "keyring" not in text:
        QTimer.singleShot(20, close_when_refused)
        return
    print("refused:", text.split(".")[0])
    print("closing", time.monotonic(), flush=True)
    w.close()

QTimer.singleShot(0, call_when_ready)
rc = app.run(None)
print("rc", rc, time.monotonic(), flush=True)
"""


def test_the_app_quits_at_once_while_the_keyring_read_still_hangs(dialer_home: Path) -> None:
    """The reads' threads are the keyring's alone: quitting waits neither for them nor for a
    pool they would have blocked (qasync's executor joins its threads when the loop closes).
    The status-push listener is on, so start-up itself meets the keyring (its routes' tokens)
    and must get past it."""
    acc = accounts.account("clouddialer", NOWHERE)
    with socket.socket() as probe:  # a free port for the listener it will not get to open
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    prefs = settings.Preferences(callback_listener=True, callback_port=port)
    settings.save(settings.Settings(accounts=[acc], default_account=acc.name, preferences=prefs))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "tests.support.stuck_keyring.StuckKeyring",
        "DIALER_TEST_KEYRING_HOLD_S": "300",  # far longer than the test may take
    }
    started = time.monotonic()
    out = fresh_python(
        textwrap.dedent(QUIT_WHILE_STUCK.format(wait=WAIT_S, number=accounts.DEFAULT_NUMBER)),
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    assert "keyring did not hand over" in lines["refused:"]
    closing = float(lines["closing"])
    rc, ended = lines["rc"].split()
    assert rc == "0"
    assert float(ended) - closing < 10  # not the 300 s the read is held
    assert time.monotonic() - started < 45


def test_an_alohaa_call_goes_without_its_webhook_when_the_token_read_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account's key was read before the keyring got stuck; the webhook's token read (on
    the way to the request) is given up after the wait, and the call still goes."""
    from contextlib import contextmanager

    from dialer.sandbox import alohaa_sim
    from dialer.settings import Account, Preferences, Settings
    from tests.support.live_server import run_server

    monkeypatch.setattr(secret_reads, "WAIT_S", WAIT_S)
    key = "STUCK-alohaa-key"
    app = alohaa_sim.create_app(tmp_path / "sim", api_key=key)
    backend, previous = StuckKeyring(), keyring.get_keyring()
    keyring.set_keyring(backend)
    history = HistoryStore(tmp_path / "h.sqlite")
    try:
        with contextmanager(run_server)(app) as url:
            account = Account(
                name="al", provider="alohaa", base_url=url, agent="+919800000001",
                caller_ids=["+918069000001"],
            )  # fmt: skip
            conf = Settings(accounts=[account], preferences=Preferences(callback_listener=True))

            async def place() -> float:
                async with httpx.AsyncClient() as client:
                    controller = CallController(conf, history, client, secret_lookup=lambda _: key)
                    started = time.monotonic()
                    await controller.place(controller.prepare("+919876543210", account="al"))
                    return time.monotonic() - started

            took = asyncio.run(place())
    finally:
        backend.release.set()
        keyring.set_keyring(previous)
        history.close()
        app.state.alohaa.pushes.close()
    assert backend.reads == 1  # the token, asked once
    assert WAIT_S <= took < WAIT_S + 3
    [call] = app.state.alohaa.calls
    assert not call.webhook_details  # no token, no webhook: the call itself went


def test_the_settings_dialog_says_the_keyring_is_not_answering_and_saves_the_rest(
    sandbox_env: Path,  # first: the stuck account's settings go over its own
    stuck: StuckKeyring,
    qtbot: QtBot,
    qasync_loop: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QLabel

    from tests.gui.test_settings_dialog import open_dialog

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # login items
    conf = settings.load()
    with open_dialog(qtbot, conf) as ui:
        # The keyring is there (so no "no keyring" notice); reading it is what never ends.
        field = ui.line("account_secret")
        qtbot.waitUntil(lambda: "did not answer" in field.toolTip(), timeout=5000)
        assert "did not say if a secret is stored" in field.placeholderText()
        assert not ui.w(QLabel, "keyring_message").isVisible()
        ui.line("account_agent").setText("+91 98000 00009")
        assert ui.save().account(conf.accounts[0].name).agent == "+919800000009"


def test_the_stuck_keyring_is_never_chosen_by_keyring_itself() -> None:
    """Only set or named explicitly: keyring's own choice (the real-keyring run) never sees it."""
    from keyring.backend import get_all_keyring

    assert not any(isinstance(backend, StuckKeyring) for backend in get_all_keyring())
