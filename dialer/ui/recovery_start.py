"""Start-up after a crash: show the last crash report, mark and re-attach abandoned calls.

Runs once the services are up (the controller exists), never before the first paint. Only the
process holding the single-instance lock re-attaches: two windows following the same call would
poll twice and write the same row from two processes. Every file touch runs on a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialer.services.calls import CallController
    from dialer.services.history import HistoryEntry, HistoryStore
    from dialer.services.recovery import OwnerFile
    from dialer.ui.main_window import MainWindow

log = logging.getLogger("dialer.app")


class Recovery:
    """What start-up recovery left running: the owner claim and the re-attached follows."""

    def __init__(self, owner: OwnerFile | None) -> None:
        self.owner = owner
        self.follows: list[asyncio.Task[object]] = []
        self.dialog: object | None = None

    def close(self) -> None:
        for task in self.follows:
            task.cancel()
        if self.owner is not None:
            self.owner.close()


async def after_start(
    window: MainWindow, controller: CallController, history: HistoryStore, *, reattach: bool
) -> Recovery:
    from dialer import crash
    from dialer.services import recovery

    owner: OwnerFile | None = None
    try:
        owner = await asyncio.to_thread(recovery.OwnerFile)
        controller.add_listener(owner)
    except OSError as exc:  # no claim: another start may mark our calls, they still finish
        log.warning("cannot claim live calls: %s", exc)
    result = Recovery(owner)
    try:
        await asyncio.to_thread(crash.install)
        report = await asyncio.to_thread(crash.take_unseen)
    except OSError as exc:
        log.warning("crash reports unavailable: %s", exc)
        report = None
    if report:
        result.dialog = show_report(window, report, str(crash.crash_dir()))
    if not reattach:
        return result
    try:
        left = await asyncio.to_thread(recovery.mark_interrupted, history)
    except Exception as exc:  # never a reason to lose the window
        log.exception("marking interrupted calls failed")
        window.statusBar().showMessage(f"Could not check for interrupted calls: {exc}", 15000)
        return result
    followable = [e for e in left if recovery.can_reattach(e)]
    for entry in followable:
        result.follows.append(asyncio.ensure_future(_follow(controller, entry)))
    if left:
        window.statusBar().showMessage(
            f"{len(left)} call(s) were live when the app stopped: marked interrupted"
            + (f", following {len(followable)} again" if followable else ""),
            15000,
        )
    return result


async def _follow(controller: CallController, entry: HistoryEntry) -> object:
    from dialer.domain import DialerError
    from dialer.services.recovery import snapshot_of

    try:
        return await controller.follow(snapshot_of(entry))
    except DialerError as exc:  # e.g. the account was removed since: the row stays interrupted
        log.warning("could not re-attach to call %s: %s", entry.uuid, exc)
        return None


def show_report(window: MainWindow, text: str, folder: str) -> object:
    from dialer.ui.crash_dialog import CrashReportDialog

    dialog = CrashReportDialog(text, folder, window)
    dialog.open()
    return dialog
