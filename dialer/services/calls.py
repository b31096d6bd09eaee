"""The owner of every live call: validate, write history ahead, send, follow, report.

Qt-free so the CLI and the GUI share one path. Listeners receive an immutable CallSnapshot on
every change; the GUI wraps them in a Qt signal, the CLI prints them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dialer import numbers
from dialer.domain import (
    CallRequest,
    CallSnapshot,
    CallStatus,
    CredentialsUnavailable,
    DialerError,
    InvalidNumber,
    NetworkError,
    OutcomeUnknown,
    ProviderReplyError,
)
from dialer.providers import registry
from dialer.services.secret_reads import SecretReads

if TYPE_CHECKING:
    import httpx

    from dialer.providers.base import Provider
    from dialer.services.history import HistoryStore
    from dialer.settings import Account, Settings

log = logging.getLogger("dialer.calls")

Listener = Callable[[CallSnapshot], None]
SecretLookup = Callable[[str], "str | None"]
#: A last check before a request leaves (the window's do-not-call lookup): raises to refuse.
BeforePlace = Callable[[CallRequest], Awaitable[None]]

#: How long a follow keeps retrying a provider that stopped answering status polls.
STATUS_GIVE_UP_AFTER = 60.0


def _now() -> datetime:
    return datetime.now(UTC)


def _default_secret_lookup(account: str) -> str | None:
    from dialer import credentials

    return credentials.get_secret(account)


def build_provider(
    account: Account, client: httpx.AsyncClient, secret_lookup: SecretLookup | None = None
) -> Provider:
    """The account's provider, with its secret from the keyring when it needs one."""
    cls = registry.get(account.provider)
    secret: str | None = None
    if cls.needs_secret:
        secret = (secret_lookup or _default_secret_lookup)(account.name)
        if not secret:
            raise CredentialsUnavailable(
                f"no secret stored for account {account.name!r}; "
                f"set it with: dialer accounts add {account.name} --provider {account.provider}"
            )
        from dialer import log

        log.register_secret(secret)
    return cls(account, secret, client)


class CallController:
    def __init__(
        self,
        settings: Settings,
        history: HistoryStore,
        client: httpx.AsyncClient,
        *,
        secret_lookup: SecretLookup | None = None,
        before_place: BeforePlace | None = None,
    ) -> None:
        self.settings = settings
        #: Awaited by `place` before anything is recorded or sent; a DialerError refuses.
        self.before_place = before_place
        self.history = history
        self.client = client
        self._secret_lookup = secret_lookup or _default_secret_lookup
        self._listeners: list[Listener] = []
        self._claimers: list[Listener] = []
        self._live: dict[str, CallSnapshot] = {}
        self._placing: set[tuple[str, str]] = set()
        self._secrets = SecretReads(self._secret_lookup)
        #: Calls a status push finished (issue 9): their follow stops without a second final.
        self._pushed: dict[str, CallSnapshot] = {}
        #: Calls whose follow found the push already in the ledger: its report is not repeated.
        self._seen_pushed: set[str] = set()

    # --- observers -----------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Hear every call update, after it is in history.

        A listener with a true `before_history` attribute (recovery's `OwnerFile`) is a claim
        and runs before the history write instead: a process killed between the two must never
        leave a row that exists while no live process claims it, or another start would mark
        a call this process is still following as interrupted.
        """
        if getattr(listener, "before_history", False):
            self._claimers.append(listener)
        else:
            self._listeners.append(listener)

    def live(self) -> dict[str, CallSnapshot]:
        """Calls placed by this process and not yet final, by uuid."""
        return dict(self._live)

    def _emit(self, snapshot: CallSnapshot) -> None:
        for claim in list(self._claimers):
            try:
                claim(snapshot)
            except Exception:  # no claim costs a re-attach after a crash, never the record
                log.exception("claiming the call failed")
        self.history.record(snapshot)
        if snapshot.final:
            self._live.pop(snapshot.uuid, None)
        else:
            self._live[snapshot.uuid] = snapshot
        for listener in list(self._listeners):
            try:
                listener(snapshot)
            except Exception:  # a broken listener must not stop the call being followed
                log.exception("call listener failed")

    def report(self, snapshot: CallSnapshot) -> None:
        """A call update that came from outside a follow (issue 9: a provider's status push):
        the live-call table and every listener see it as if a poll had found it."""
        if snapshot.final and snapshot.uuid in self._seen_pushed:
            self._seen_pushed.discard(snapshot.uuid)
            return  # the follow already reported this push, read from the ledger
        if snapshot.final and snapshot.uuid in self._live:
            self._pushed[snapshot.uuid] = snapshot
        self._emit(snapshot)

    # --- the call ----------------------------------------------------------------------------

    def provider_for(self, account: Account) -> Provider:
        """Build the provider now; the secret comes from the cache `provider` fills off-thread."""
        return build_provider(account, self.client, self._cached_secret)

    def _cached_secret(self, account: str) -> str | None:
        return self._secrets.cache.get(account) or self._secret_lookup(account)

    async def provider(self, account: Account) -> Provider:
        """The provider, its secret read off the event loop and waited for a bounded time
        (`secret_reads`): a keyring read is a D-Bus round trip, or an unlock prompt, that must
        neither freeze the window nor hold a call forever."""
        if registry.get(account.provider).needs_secret:
            secret = await self._secrets.read(account.name)
            if not secret:  # none stored: said from this answer, not a second (blocking) read
                return build_provider(account, self.client, lambda _name: None)
        return self.provider_for(account)

    def waiting_for_secret(self, account: str) -> bool:
        """The keyring has not yet handed over this account's secret (an unlock prompt?)."""
        return self._secrets.pending(account)

    def forget_secret(self, account: str) -> None:
        """Drop a cached secret after the user changed or removed it."""
        self._secrets.forget(account)

    def prepare(
        self,
        number: str,
        *,
        account: str | None = None,
        caller_id: str | None = None,
        options: dict[str, object] | None = None,
    ) -> CallRequest:
        """Validate everything that can be checked before sending; raises, sends nothing.

        The number box parsed this text as the agent typed: `numbers.parse` answers again from
        its memory, so the click costs no second parse."""
        acc = self.settings.account(account)
        cls = registry.get(acc.provider)
        parsed = numbers.parse(number, self.settings.preferences.default_region)
        if not parsed.valid or parsed.e164 is None:
            reason = parsed.reason or "not a valid phone number"
            raise InvalidNumber(f"cannot dial {number.strip()[:64]!r}: {reason}")
        cls.wire_number(parsed)  # refuses what the provider cannot dial, before any trace
        if caller_id is not None and acc.caller_ids and caller_id not in acc.caller_ids:
            wanted = numbers.parse(caller_id).e164
            match = [c for c in acc.caller_ids if numbers.parse(c).e164 == wanted]
            if not match:
                pool = ", ".join(acc.caller_ids)
                raise InvalidNumber(
                    f"caller ID {caller_id} is not in account {acc.name!r}'s pool ({pool})"
                )
            caller_id = match[0]
        return CallRequest(
            account=acc.name,
            to_number=parsed.e164,
            caller_id=caller_id or (acc.caller_ids[0] if acc.caller_ids else None),
            agent=acc.agent,
            options=dict(options or {}),
        )

    async def place(self, request: CallRequest) -> CallSnapshot:
        """Send one call request. History holds the call before the request leaves."""
        acc = self.settings.account(request.account)
        key = (acc.name, request.to_number)
        if key in self._placing:
            raise DialerError(f"a call to {request.to_number} is already being placed")
        self._placing.add(key)  # before any await: a second click finds it taken
        try:
            if self.before_place is not None:
                await self.before_place(request)
            provider = await self.provider(acc)
            from dialer.services import callback_setup

            await callback_setup.attach(provider, self.settings)  # issue 9: Alohaa's webhook
        except BaseException:
            self._placing.discard(key)
            raise
        placing = CallSnapshot(
            uuid=request.uuid,
            account=acc.name,
            provider=provider.name,
            to_number=request.to_number,
            from_number=request.caller_id,
            status=CallStatus.DIALING,
            started_at=_now(),
            message="placing the call",
        )

        def progress(status: CallStatus, message: str) -> None:
            self._emit(placing.model_copy(update={"status": status, "message": message}))

        provider.on_progress = progress  # e.g. QUEUED while a rate limit holds the request
        try:
            self._emit(placing)
            try:
                accepted = await provider.place_call(request)
            except OutcomeUnknown as exc:
                self._emit(
                    self._finish(placing, CallStatus.UNKNOWN, f"{exc} — check before redialing")
                )
                raise
            except DialerError as exc:
                self._emit(self._finish(placing, CallStatus.FAILED, str(exc)))
                raise
        finally:
            self._placing.discard(key)
        snapshot = accepted.model_copy(update={"started_at": placing.started_at})
        caps = provider.capabilities
        # A final_status provider's accepted snapshot stays open: `follow` polls for the outcome.
        if not caps.live_status and not caps.final_status:
            snapshot = snapshot.model_copy(
                update={
                    "status": CallStatus.PLACED,
                    "final": True,
                    "message": snapshot.message or f"{provider.title} reports no live status",
                }
            )
        self._emit(snapshot)
        return snapshot

    @staticmethod
    def _finish(snapshot: CallSnapshot, status: CallStatus, message: str) -> CallSnapshot:
        return snapshot.model_copy(
            update={"status": status, "final": True, "ended_at": _now(), "message": message}
        )

    async def follow(self, snapshot: CallSnapshot) -> CallSnapshot:
        """Poll until the call is final; transient failures are retried, then given up on."""
        if snapshot.final:
            return snapshot
        provider = await self.provider(self.settings.account(snapshot.account))
        current = snapshot
        failing_since: float | None = None
        loop = asyncio.get_running_loop()
        while not current.final:
            await asyncio.sleep(provider.poll_interval(current))
            if (pushed := self._pushed.pop(current.uuid, None)) is not None:
                return pushed  # the provider's push ended it: no poll may overwrite that
            try:
                fresh = await provider.get_status(current)
            except (NetworkError, ProviderReplyError) as exc:
                failing_since = failing_since or loop.time()
                if loop.time() - failing_since > STATUS_GIVE_UP_AFTER:
                    current = current.model_copy(
                        update={"message": f"lost track of the call: {exc}"}
                    )
                    self._emit(current)
                    return current
                log.warning("status poll failed, retrying: %s", exc)
                continue
            failing_since = None
            if (pushed := self._pushed.pop(current.uuid, None)) is not None:
                return pushed
            if (pushed := await self._pushed_elsewhere(fresh)) is not None:
                if (ours := self._pushed.pop(current.uuid, None)) is not None:
                    return ours  # our own listener reported it meanwhile
                self._seen_pushed.add(current.uuid)
                self._emit(pushed)  # another process's listener (`dialer listen`) got it
                return pushed
            if fresh != current:
                current = fresh
                self._emit(current)
        return current

    async def _pushed_elsewhere(self, snapshot: CallSnapshot) -> CallSnapshot | None:
        from dialer.services import callback_events

        if snapshot.provider not in callback_events.PUSH_PROVIDERS:
            return None
        return await asyncio.to_thread(callback_events.pushed_outcome, self.history, snapshot.uuid)

    async def dial(
        self,
        number: str,
        *,
        account: str | None = None,
        caller_id: str | None = None,
        follow: bool = True,
    ) -> CallSnapshot:
        snapshot = await self.place(self.prepare(number, account=account, caller_id=caller_id))
        return await self.follow(snapshot) if follow else snapshot

    async def hangup(self, uuid: str) -> None:
        snapshot = self._require_live(uuid)
        provider = await self.provider(self.settings.account(snapshot.account))
        await provider.hangup(snapshot)

    async def add_leg(self, uuid: str, number: str, *, ring_time: int | None = None) -> None:
        """Dial one more participant into a live call; `ring_time` (s) overrides the account's."""
        snapshot = self._require_live(uuid)
        parsed = numbers.parse(number, self.settings.preferences.default_region)
        if not parsed.valid or parsed.e164 is None:
            raise InvalidNumber(f"cannot add {number.strip()[:64]!r}: {parsed.reason}")
        provider = await self.provider(self.settings.account(snapshot.account))
        await provider.add_leg(snapshot, parsed.e164, ring_time=ring_time)

    def _require_live(self, uuid: str) -> CallSnapshot:
        try:
            return self._live[uuid]
        except KeyError:
            raise DialerError("that call is no longer live") from None
