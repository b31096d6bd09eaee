"""Bringing providers' own call history into the app's, account by account.

Providers with `Capabilities.provider_history` (Kazoo endpoint history, Alohaa call logs) know
outcomes the app may have missed and calls placed from elsewhere; the merge itself
(`HistoryStore.import_provider_rows`) never lists a call twice. One account failing (offline,
bad key) does not stop the others: each gets its own result line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialer.domain import DialerError
from dialer.providers import registry

if TYPE_CHECKING:
    from dialer.services.calls import CallController


async def sync(controller: CallController, *, limit: int = 100) -> dict[str, str]:
    """Import every capable account's recent provider history; a summary per account."""
    results: dict[str, str] = {}
    for account in controller.settings.accounts:
        try:
            if not registry.get(account.provider).capabilities.provider_history:
                continue
            provider = await controller.provider(account)
            rows = await provider.fetch_history(limit)
        except DialerError as exc:
            results[account.name] = f"not synced: {exc}"
            continue
        merged = controller.history.import_provider_rows(provider.name, account.name, rows)
        results[account.name] = (
            f"{merged.added} new, {merged.merged} updated, {merged.unchanged} unchanged"
        )
    return results
