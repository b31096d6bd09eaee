"""The bridge relays every snapshot of a call, in order, and lets a new call's request leave
before the window reacts to its first snapshot."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from dialer.domain.models import CallSnapshot, CallStatus
from dialer.ui.call_bridge import NEW_CALL_DELAY_MS, CallBridge


class FakeController:
    """Only what the bridge uses: one listener, called as the controller would."""

    def __init__(self) -> None:
        self.listeners: list[Any] = []

    def add_listener(self, listener: Any) -> None:
        self.listeners.append(listener)

    def report(self, snapshot: CallSnapshot) -> None:
        for listener in self.listeners:
            listener(snapshot)


def snap(uuid: str, status: CallStatus, *, final: bool = False) -> CallSnapshot:
    return CallSnapshot(
        uuid=uuid,
        account="sandbox",
        provider="sandbox",
        to_number="+919876543210",
        status=status,
        final=final,
    )


def make(qtbot: QtBot) -> tuple[FakeController, CallBridge, list[tuple[str, CallStatus]]]:
    controller = FakeController()
    bridge = CallBridge(controller)  # type: ignore[arg-type]
    seen: list[tuple[str, CallStatus]] = []
    bridge.snapshot.connect(lambda s: seen.append((s.uuid, s.status)))
    return controller, bridge, seen


def test_a_new_calls_first_snapshot_waits_then_arrives(qtbot: QtBot) -> None:
    controller, _bridge, seen = make(qtbot)
    controller.report(snap("a", CallStatus.DIALING))
    assert seen == []  # the request is still to be sent: nothing is built yet
    qtbot.waitUntil(lambda: seen == [("a", CallStatus.DIALING)], timeout=NEW_CALL_DELAY_MS * 20)


def test_calls_placed_together_are_released_together_in_order(qtbot: QtBot) -> None:
    controller, _bridge, seen = make(qtbot)
    controller.report(snap("a", CallStatus.DIALING))
    controller.report(snap("b", CallStatus.DIALING))
    assert seen == []
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=NEW_CALL_DELAY_MS * 20)
    assert seen == [("a", CallStatus.DIALING), ("b", CallStatus.DIALING)]
    controller.report(snap("c", CallStatus.DIALING))  # the timer runs again for a later call
    assert len(seen) == 2
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=NEW_CALL_DELAY_MS * 20)


def test_the_next_snapshot_brings_the_held_one_first(qtbot: QtBot) -> None:
    controller, _bridge, seen = make(qtbot)
    controller.report(snap("a", CallStatus.DIALING))
    controller.report(snap("a", CallStatus.INITIATED))
    controller.report(snap("a", CallStatus.ANSWER))
    assert seen == [
        ("a", CallStatus.DIALING),
        ("a", CallStatus.INITIATED),
        ("a", CallStatus.ANSWER),
    ]
    qtbot.wait(NEW_CALL_DELAY_MS * 3)
    assert len(seen) == 3  # the timer finds nothing left to relay


def test_a_call_that_ends_at_once_is_shown_at_once(qtbot: QtBot) -> None:
    controller, _bridge, seen = make(qtbot)
    controller.report(snap("b", CallStatus.FAILED, final=True))
    assert seen == [("b", CallStatus.FAILED)]


def test_flush_and_detach(qtbot: QtBot) -> None:
    controller, bridge, seen = make(qtbot)
    controller.report(snap("a", CallStatus.DIALING))
    bridge.flush()
    assert seen == [("a", CallStatus.DIALING)]
    controller.report(snap("c", CallStatus.DIALING))
    bridge.detach()
    qtbot.wait(NEW_CALL_DELAY_MS * 3)
    controller.report(snap("c", CallStatus.ANSWER))
    assert seen == [("a", CallStatus.DIALING)]


def test_ended_calls_are_forgotten_and_a_late_final_snapshot_still_passes(qtbot: QtBot) -> None:
    """A window open all day relays thousands of calls: the bridge keeps none once it ended."""
    controller, bridge, seen = make(qtbot)
    for n in range(50):
        controller.report(snap(f"c{n}", CallStatus.DIALING))
        controller.report(snap(f"c{n}", CallStatus.ANSWER, final=True))
    assert bridge._seen == set() and bridge._held == {}
    assert len(seen) == 100
    controller.report(snap("c7", CallStatus.ANSWER, final=True))  # e.g. a status push, late
    assert seen[-1] == ("c7", CallStatus.ANSWER)
    assert bridge._seen == set()
