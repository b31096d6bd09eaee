"""The cross-process request spacer: slots, waits, key privacy, and real processes sharing it.

Time comes from a FakeClock and a fake sleep that advances it, so no test waits for real.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dialer.providers import _ratelimit
from dialer.providers._ratelimit import Spacer, key_id
from tests.support.live_server import FakeClock

KEY = "alohaa-secret-key-123"


def spacer(directory: Path, clock: FakeClock, key: str = KEY, max_ahead: float = 300.0) -> Spacer:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    return Spacer(
        key,
        namespace="alohaa",
        interval=1.0,
        directory=directory,
        clock=clock,
        sleep=sleep,
        max_ahead=max_ahead,
    )


def test_slots_are_spaced_and_free_again_later(tmp_path: Path) -> None:
    clock = FakeClock()
    s = spacer(tmp_path, clock)
    assert [s.reserve() for _ in range(3)] == [0.0, 1.0, 2.0]
    clock.advance(0.5)
    assert s.reserve() == pytest.approx(2.5)  # queued behind the slot at +3.0
    clock.advance(10)
    assert s.reserve() == 0.0


def test_instances_share_a_key_but_not_across_keys_or_namespaces(tmp_path: Path) -> None:
    clock = FakeClock()
    first, second = spacer(tmp_path, clock), spacer(tmp_path, clock)
    assert first.reserve() == 0.0
    assert second.reserve() == 1.0  # another "process" with the same key waits
    assert spacer(tmp_path, clock, key="another-key").reserve() == 0.0
    other_ns = Spacer(KEY, namespace="sarv", interval=1.0, directory=tmp_path, clock=clock)
    assert other_ns.reserve() == 0.0


def test_files_never_hold_the_key(tmp_path: Path) -> None:
    clock = FakeClock()
    spacer(tmp_path, clock).reserve()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{key_id('alohaa', KEY)}.lock", f"{key_id('alohaa', KEY)}.slot"]
    for path in tmp_path.iterdir():
        assert KEY not in path.name
        assert KEY.encode() not in path.read_bytes()
    assert float((tmp_path / names[1]).read_text()) == clock().timestamp()


def test_default_directory_is_under_the_state_dir(dialer_home: Path) -> None:
    Spacer(KEY, namespace="alohaa", interval=1.0).reserve()
    assert (dialer_home / "state" / "ratelimit" / f"{key_id('alohaa', KEY)}.slot").exists()


def test_a_damaged_slot_file_or_a_clock_jump_back_frees_the_key(tmp_path: Path) -> None:
    clock = FakeClock()
    s = spacer(tmp_path, clock, max_ahead=60.0)
    s.reserve()
    (tmp_path / f"{key_id('alohaa', KEY)}.slot").write_text("garbage")
    assert s.reserve() == 0.0
    clock.advance(-3600)  # the system clock was set back an hour
    assert s.reserve() == 0.0


def test_wait_reports_and_sleeps_only_when_it_must(tmp_path: Path) -> None:
    clock = FakeClock()
    s = spacer(tmp_path, clock)
    heard: list[float] = []
    start = clock()
    assert asyncio.run(s.wait(heard.append)) == 0.0
    assert heard == [] and clock() == start
    assert asyncio.run(s.wait(heard.append)) == 1.0
    assert heard == [1.0]
    assert (clock() - start).total_seconds() == 1.0


def test_interval_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Spacer(KEY, namespace="x", interval=0, directory=tmp_path)


def test_reserve_waits_for_the_lock(tmp_path: Path) -> None:
    clock = FakeClock()
    s = spacer(tmp_path, clock)
    s.reserve()
    results: list[float] = []
    lock_file = tmp_path / f"{key_id('alohaa', KEY)}.lock"
    with _ratelimit._locked(lock_file):
        worker = threading.Thread(target=lambda: results.append(s.reserve()))
        worker.start()
        worker.join(0.2)
        assert worker.is_alive() and results == []  # blocked while another holds the lock
    worker.join(5)
    assert results == [1.0]


def test_real_processes_queue_one_after_another(tmp_path: Path) -> None:
    # Every process sees the same fixed instant, so the slots they get show the lock's work:
    # without it two would read the same last slot and collide.
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from dialer.providers._ratelimit import Spacer\n"
        "at = datetime(2026, 7, 3, 10, 0, tzinfo=UTC)\n"
        "s = Spacer(sys.argv[1], namespace='alohaa', interval=1.0,\n"
        "           directory=Path(sys.argv[2]), clock=lambda: at)\n"
        "print(s.reserve())\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, KEY, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    delays = sorted(float(p.communicate(timeout=30)[0]) for p in procs)
    assert delays == [0.0, 1.0, 2.0, 3.0]
