"""The pre-dial guard in the window: what calling would do, shown as the number is typed.

`dialer.guard` decides; this shows its verdict under the number (type, place, local time,
do-not-call, calling hours), keeps the Call button disabled with the reason when the guard
refuses, and asks before a call that needs confirmation (`calling_hours_confirm`,
`premium_confirm`). It is created once the services are loaded, so start-up never imports it.

Where the number came from matters for premium-rate numbers: a number the agent typed or keyed
was seen; a whole number arriving at once (a paste) or set from outside (a tel: link, another
launch, a recent entry) was not, and needs a confirmation. The do-not-call list is read into
memory on a worker thread (and again when its file changes) for the preview; the controller's
`before_place` checks the list on disk once more before any call leaves, so neither a call
right after start-up nor a list imported a moment ago slips through: in memory when the files
are provably unchanged since that read, else read again off the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from dialer.ui.style import set_tone

if TYPE_CHECKING:
    import asyncio
    from pathlib import Path

    from dialer import dnc as dnc_mod
    from dialer.dnc import DncEntry, DncSnapshot
    from dialer.domain.models import CallRequest
    from dialer.guard import Verdict
    from dialer.ui.main_window import MainWindow

log = logging.getLogger("dialer.ui")

#: How often a shown verdict is re-evaluated: local times move, and calling hours end.
REFRESH_MS = 30_000


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


#: Where an unseen number came from, for the preview's premium-rate warning.
_FROM = {"typed": "", "clipboard": "from the clipboard", "tel": "from a link", "cli": ""}


def _explained(reason: str) -> str:
    """A guard reason as the dialog's lines: its headline already says "outside calling
    hours", so the reason's clauses follow, one sentence each."""
    reason = reason.removeprefix("outside calling hours: ")
    return "\n".join(_sentence(part.rstrip(".")) + "." for part in reason.split("; "))


class GuardView(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from dialer import guard

        self.window = window
        self._guard = guard
        self._dnc: DncSnapshot | None = None
        #: The list's files as the copy was read (`dnc.stamp`), and whether the copy may
        #: stand for the disk while they stay so (`dnc.load_stamped`).
        self._dnc_stamp: dnc_mod.Stamp | None = None
        self._dnc_trusted = False
        self._dnc_path: Path | None = None
        self._dnc_error: str | None = None
        #: Reads of the list started so far: only the latest one's answer is kept.
        self._dnc_reads = 0
        self._source = guard.Source.TEL if window.number_input.text() else guard.Source.TYPED
        self._expected: guard.Source | None = None
        self._text = window.number_input.text()
        self._edited_to: str | None = None
        self._base = window.number_preview.text()
        self._written: str | None = None
        self._cached: tuple[tuple[object, ...], Verdict] | None = None
        self._confirmed: tuple[object, ...] | None = None
        self._dialog: QMessageBox | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        window.number_input.textEdited.connect(self._edited)
        window.entry.changed.connect(self._entry_changed)
        if window.controller is not None:
            window.controller.before_place = self._before_place
        self._spawn(self._load_dnc())
        self.refresh()

    # --- where the number came from ------------------------------------------------------------

    def expect_source(self, source: str) -> None:
        """Declare the source of the next text set by code (e.g. "clipboard" before a paste-
        and-dial feature fills the box); without it, text set by code counts as "tel"."""
        self._expected = self._guard.Source(source)

    @property
    def source(self) -> str:
        return self._source.value

    def _edited(self, text: str) -> None:
        """A person changed the box: one character is typing, several at once a paste."""
        old = self._text
        start = 0
        while start < min(len(old), len(text)) and old[start] == text[start]:
            start += 1
        end = 0
        while end < min(len(old), len(text)) - start and old[-1 - end] == text[-1 - end]:
            end += 1
        inserted = len(text) - start - end
        source = self._guard.Source
        self._source = source.CLIPBOARD if inserted > 1 else source.TYPED
        self._edited_to = text

    def _entry_changed(self) -> None:
        text = self.window.number_input.text()
        if text != self._text:
            if text != self._edited_to:  # set by code: a link, another launch, a recent number
                source = self._guard.Source
                self._source = self._expected or (source.TEL if text.strip() else source.TYPED)
                self._expected = None
            self._text = text
            self._edited_to = None
            self._confirmed = None
        self.refresh()

    # --- the verdict ---------------------------------------------------------------------------

    def verdict(self) -> Verdict | None:
        """The guard's verdict on the box and the selected account now; cached per minute."""
        window = self.window
        settings = window.settings
        text = window.number_input.text()
        account = window.picker.current_account()
        if settings is None or not text.strip() or not account:
            return None
        if not settings.has_account(account):
            return None
        from dialer import localtime
        from dialer.domain.errors import ConfigError

        try:
            now = localtime.now()
        except ConfigError as exc:  # a bad DIALER_NOW: say so, judge by the real clock
            log.warning("%s", exc)
            from datetime import UTC, datetime

            now = datetime.now(UTC)
        key = (
            text,
            account,
            settings.preferences.default_region,
            self._source,
            now.replace(second=0, microsecond=0),
            id(self._dnc),
            id(settings),
        )
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        verdict = self._guard.check(
            text, settings.account(account), settings, now, self._source, dnc=self._dnc
        )
        self._cached = (key, verdict)
        return verdict

    def problem(self) -> str | None:
        """Why the guard refuses this call (for the Call button), or None."""
        if self._dnc_error is not None:
            return f"Cannot read the do-not-call list, so no call is placed: {self._dnc_error}"
        verdict = self.verdict()
        if verdict is None or verdict.allowed:
            return None
        return _sentence(verdict.refusals[0])

    def hold(self, then: Callable[[], None]) -> bool:
        """True when the call must wait for the agent's confirmation (or is refused).

        `then` is called again once "Call anyway" is clicked; one confirmation lets one call
        through. The do-not-call list is checked again by `_before_place` in any case.
        """
        if self._dialog is not None:
            self._dialog.raise_()
            return True
        verdict = self.verdict()
        if verdict is None:
            return False
        if not verdict.allowed:
            self.window.refresh_call_button()
            return True
        key = self._confirm_key(verdict)
        if verdict.needs_confirmation and self._confirmed != key:
            self._ask(verdict, key, then)
            return True
        self._confirmed = None
        return False

    @staticmethod
    def _confirm_key(v: Verdict) -> tuple[object, ...]:
        return (v.input, v.account, v.source, v.within_calling_hours, v.premium_rate)

    # --- the confirmation ----------------------------------------------------------------------

    def _ask(self, verdict: Verdict, key: tuple[object, ...], then: Callable[[], None]) -> None:
        hours = any("calling hours" in reason for reason in verdict.confirmations)
        box = QMessageBox(self.window)
        box.setObjectName("calling_hours_confirm" if hours else "premium_confirm")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Confirm the call")
        box.setText("Call outside calling hours?" if hours else "Call this premium-rate number?")
        box.setInformativeText("\n\n".join(_explained(r) for r in verdict.confirmations))
        # Room for the reasons: a narrow box breaks them into a column of fragments.
        box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 26em; }")
        box.setAccessibleName(box.text())
        call = box.addButton("Call anyway", QMessageBox.ButtonRole.AcceptRole)
        call.setObjectName("confirm_call")
        call.setAccessibleName("Call anyway")
        cancel = box.addButton("Don't call", QMessageBox.ButtonRole.RejectRole)
        cancel.setObjectName("cancel_call")
        cancel.setAccessibleName("Don't call")
        box.setDefaultButton(cancel)  # Enter, pressed again out of habit, does not call
        box.setEscapeButton(cancel)

        def answered(_result: int) -> None:
            self._dialog = None
            box.deleteLater()
            if box.clickedButton() is call:
                self._confirmed = key
                then()
            else:
                self.window.statusBar().showMessage("Call not placed", 5000)

        box.finished.connect(answered)
        self._dialog = box
        box.open()

    # --- the preview ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Add the guard's facts and reasons under the number box's own preview."""
        label = self.window.number_preview
        if self._written is not None and label.text() == self._written:
            base = self._base  # our own text: start again from the entry's
        else:
            base = self._base = label.text()
        verdict = self.verdict()
        lines = self._lines(verdict, base) if verdict is not None else []
        if verdict is not None and verdict.valid:
            self._timer.start()
        else:
            self._timer.stop()
        if not lines:
            self._written = None
            return
        if verdict is not None and verdict.refusals and base.startswith("✓"):
            base = "✗" + base[1:]  # the entry's check mark was about the number alone
        self._written = base.rstrip() + "\n" + "\n".join(lines)
        label.setText(self._written)
        assert verdict is not None
        reasons = [*verdict.refusals, *verdict.confirmations, *verdict.notes]
        label.setToolTip("\n".join(_sentence(r) for r in reasons))  # the full story
        if verdict.refusals or verdict.confirmations or verdict.premium_rate:
            set_tone(label, "bad")

    @staticmethod
    def _lines(v: Verdict, base: str) -> list[str]:
        """At most two short lines: the preview sits above the dial pad and must not push it
        off a small window. The full reasons are in its tooltip, the dialog and `dialer check`.
        """
        lines: list[str] = []
        if v.valid:  # the entry's line already gives the number, its type and country
            facts = []
            if v.region:
                facts.append(v.region)
            elif v.country and v.country not in base:
                facts.append(v.country)
            local = v.local_time_text()
            facts.append(f"local time {local}" if local else "local time unknown")
            if v.within_calling_hours is False and v.calling_hours:
                facts.append("⚠ outside calling hours ({}–{})".format(*v.calling_hours))
            elif v.calling_hours and not local:
                facts.append("⚠ Call asks first")
            lines.append(_sentence("  ·  ".join(facts)))
        if v.do_not_call is not None:
            why = f": {v.do_not_call.reason}" if v.do_not_call.reason else ""
            lines.append(f"✗  On the do-not-call list{why}")
        elif v.emergency:
            lines.append("✗  Emergency number: dial it from a phone, not through a provider")
        elif v.refusals and v.refusals[0][:30] not in base:  # else the entry shows it
            lines.append("✗  " + _sentence(v.refusals[0]))
        elif v.premium_rate:
            unseen = any("premium" in r for r in v.confirmations)
            lines.append(
                f"⚠  Premium-rate number {_FROM[v.source]}: Call asks first"
                if unseen
                else "⚠  Premium-rate number: charged at a premium"
            )
        return lines

    def _tick(self) -> None:
        self.refresh()
        self.window.refresh_call_button()
        self.reload_dnc()

    def reload_dnc(self) -> None:
        """Read the do-not-call list again if its file changed (`dialer dnc import`)."""
        self._spawn(self._load_dnc(only_if_changed=True))

    # --- the do-not-call list ------------------------------------------------------------------

    async def _before_place(self, request: CallRequest) -> None:
        """The last word before a call leaves: the list on disk.

        When the list's files are exactly as they were when the in-memory copy was read
        (`dnc.stamp`: two `os.stat`s, ~10 µs), that copy *is* the list on disk and is looked
        up here; otherwise the list is read again off the GUI thread, and the copy reloaded.
        """
        from dialer import dnc
        from dialer.guard import GuardRefused

        snapshot = self._dnc if self._dnc_trusted and self._dnc_error is None else None
        entry: DncEntry | None = None
        if snapshot is not None and self._stamp_now(self._dnc_path) == self._dnc_stamp:
            entry = snapshot.lookup(request.to_number)
        else:
            import asyncio

            def lookup() -> DncEntry | None:
                with dnc.open_existing() as listed:
                    return listed.lookup(request.to_number)

            try:
                entry = await asyncio.to_thread(lookup)
            except Exception as exc:
                log.exception("reading the do-not-call list failed")
                raise GuardRefused(
                    f"cannot read the do-not-call list, so no call is placed: {exc}"
                ) from None
            if entry is None and self._dnc_error is None:
                self._spawn(self._load_dnc())  # so the next call finds the copy current
        if entry is not None:
            self.reload_dnc()  # the preview shows it from now on
            raise GuardRefused(entry.describe())

    @staticmethod
    def _stamp_now(path: Path | None = None) -> dnc_mod.Stamp | None:
        """The list's files now; `path` saves looking the data folder up (~0.15 ms)."""
        from dialer import dnc

        try:
            return dnc.stamp(path)
        except OSError:  # unreadable folder: the disk read says why
            return None

    async def _load_dnc(self, *, only_if_changed: bool = False) -> None:
        """Read the list into memory; with `only_if_changed`, only when its files changed
        (or the last read could not vouch for them, see `dnc.load_stamped`)."""
        import asyncio

        from dialer import dnc

        settled = self._dnc_trusted or self._dnc_error is not None
        if only_if_changed and settled and self._stamp_now(self._dnc_path) == self._dnc_stamp:
            return
        self._dnc_reads += 1
        read = self._dnc_reads
        try:
            path = await asyncio.to_thread(dnc.default_path)
            snapshot, stamp, trusted = await asyncio.to_thread(dnc.load_stamped, path)
        except Exception as exc:  # a broken list blocks calls with the reason, never crashes
            log.exception("reading the do-not-call list failed")
            if read != self._dnc_reads:
                return
            self._dnc_error = str(exc) or type(exc).__name__
            self._dnc_stamp, self._dnc_trusted = self._stamp_now(), False
        else:
            if read != self._dnc_reads:  # a later read started: an older answer landing after
                return  # it (the start-up read finishing after a reload) would be stale
            self._dnc, self._dnc_error = snapshot, None
            self._dnc_stamp, self._dnc_trusted, self._dnc_path = stamp, trusted, path
        self.refresh()
        self.window.refresh_call_button()

    def _spawn(self, coro: Any) -> None:
        import asyncio

        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
