"""Only rows whose owner process is dead are marked interrupted; a live one's are left alone."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from dialer import paths, settings
from dialer.domain import CallSnapshot, CallStatus
from dialer.services import recovery
from dialer.services.calls import CallController
from dialer.services.history import HistoryStore

_OWNER = """
import sys, time
from dialer.domain import CallSnapshot, CallStatus
from dialer.services.recovery import OwnerFile
owner = OwnerFile()
owner(CallSnapshot(uuid=sys.argv[1], account="sandbox", provider="sandbox",
                   to_number="+919876543210", status=CallStatus.INITIATED))
print("claimed", flush=True)
time.sleep(60)
"""


def _open_row(history: HistoryStore, uuid: str) -> None:
    history.record(
        CallSnapshot(
            uuid=uuid,
            account="sandbox",
            provider="sandbox",
            to_number="+919876543210",
            call_id=f"call-{uuid}",
            status=CallStatus.ANSWER,
            started_at=datetime.now(UTC),
        )
    )


def test_live_owner_keeps_its_call_dead_owner_loses_it(dialer_home: Path) -> None:
    history = HistoryStore(paths.history_db())
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, "followed-elsewhere"],
        env=dict(os.environ, DIALER_HOME=str(dialer_home)),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "claimed"
        _open_row(history, "followed-elsewhere")
        _open_row(history, "abandoned")
        left = recovery.mark_interrupted(history)
        assert [e.uuid for e in left] == ["abandoned"]
        assert left[0].status is CallStatus.ANSWER, "returned as it was, to re-attach from"
        row = history.get("abandoned")
        assert row is not None and row.status is CallStatus.INTERRUPTED and row.final
        assert row.call_id == "call-abandoned"
        live = history.get("followed-elsewhere")
        assert live is not None and not live.final

        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        assert [e.uuid for e in recovery.mark_interrupted(history)] == ["followed-elsewhere"]
        assert list(recovery.owners_dir().glob("*.lock")) == []
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(10)
        if owner.stdout is not None:
            owner.stdout.close()
        history.close()


def test_this_process_does_not_mark_its_own_calls(dialer_home: Path) -> None:
    history = HistoryStore(paths.history_db())
    owner = recovery.OwnerFile()
    try:
        _open_row(history, "mine")
        owner(recovery.snapshot_of(history.unfinished()[0]))
        assert recovery.mark_interrupted(history) == []
    finally:
        owner.close()
        history.close()


def test_a_call_is_claimed_before_its_row_exists(
    dialer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kill between the history write and the claim would leave a row no live owner claims:
    another start would mark a call this process still follows as interrupted."""
    monkeypatch.setenv("DIALER_SANDBOX_SPEED", "40")
    history = HistoryStore(paths.history_db())
    owner = recovery.OwnerFile()
    claimed_at_first_write: dict[str, bool] = {}
    real_record = history.record

    def record(snapshot: CallSnapshot) -> None:
        if snapshot.uuid not in claimed_at_first_write:
            assert history.get(snapshot.uuid) is None, "observed before the row is written"
            claimed = owner.path.read_text(encoding="utf-8").split()
            claimed_at_first_write[snapshot.uuid] = snapshot.uuid in claimed
        real_record(snapshot)

    monkeypatch.setattr(history, "record", record)

    async def go() -> CallSnapshot:
        async with httpx.AsyncClient() as client:
            controller = CallController(settings.load(), history, client)
            controller.add_listener(owner)
            return await controller.dial("+91 98765 43210")

    try:
        final = asyncio.run(go())
    finally:
        owner.close()
        history.close()
    assert claimed_at_first_write == {final.uuid: True}
