"""The sound-server probe, against libpulse itself talking to a fake server on a Unix socket:
one that answers the handshake, one that accepts and never answers, and none at all."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dialer.ui import sound_server
from tests.support.fake_pulse import fake_pulse, own_pulse_config

pytestmark = pytest.mark.skipif(
    sound_server.probe(0.01) == sound_server.UNKNOWN, reason="needs Linux with libpulse"
)


@pytest.fixture(autouse=True)
def pulse_config_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own_pulse_config(tmp_path, monkeypatch)


def test_a_server_that_answers_is_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_pulse(tmp_path / "native", hung=False) as server:
        monkeypatch.setenv("PULSE_SERVER", server)
        assert sound_server.probe(5.0) == sound_server.ANSWERING


def test_a_server_that_never_answers_is_given_up_on_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_pulse(tmp_path / "native", hung=True) as server:
        monkeypatch.setenv("PULSE_SERVER", server)
        started = time.monotonic()
        assert sound_server.probe(0.4) == sound_server.NOT_ANSWERING
        assert 0.4 <= time.monotonic() - started < 3.0


def test_no_server_is_absent_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'nobody-listens'}")
    started = time.monotonic()
    assert sound_server.probe(5.0) == sound_server.ABSENT
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("case", ["pipewire backend", "no libpulse", "not Linux"])
def test_where_qt_would_not_ask_pulseaudio_the_answer_is_unknown(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if case == "pipewire backend":
        monkeypatch.setenv("QT_AUDIO_BACKEND", "PipeWire")
    elif case == "no libpulse":
        monkeypatch.setattr(sound_server, "LIBRARY", "libpulse-not-installed.so.0")
    else:
        monkeypatch.setattr(sound_server.sys, "platform", "darwin")
    with fake_pulse(tmp_path / "native", hung=True) as server:
        monkeypatch.setenv("PULSE_SERVER", server)
        assert sound_server.probe(5.0) == sound_server.UNKNOWN
