"""Tell, by direct message, when a source has been disabled: the operators (POLICYBRIEF_ADMINS)
for a catalogue source; for a workspace's private source, the person who added it there (the
operators never hear of it, and no other workspace does)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.delivery import admin_recipients
from core.document import Document
from core.outbox import NewDelivery
from core.sources import SourceRecord
from storage.store import Storage

__all__ = ["queue_disabled_source_notices"]


def _notice(source: SourceRecord) -> Document:
    return Document.notice(
        f"policybrief stopped polling the source “{source.name}”",
        f"{source.disabled_reason}.",
        f"Feed: {source.url}",
        f"When the feed works again: /sources remove {source.id}, then /sources add {source.url}",
    )


def queue_disabled_source_notices(
    store: Storage,
    source_ids: Sequence[int],
    platforms: Iterable[str],
    admins: Sequence[str],
    now: datetime,
) -> int:
    """One DM per recipient for each of `source_ids` that is now disabled; idempotent."""
    disabled = store.sources.disabled_among(source_ids)
    if not disabled:
        return 0
    served = set(platforms)
    notices: list[NewDelivery] = []
    for source in disabled:
        when = (source.last_error_at or now).isoformat(timespec="seconds")
        payload = _notice(source).to_json()
        if source.shared:
            to = [
                (platform, store.subscriptions.some_workspace(platform) or "", user)
                for platform in served
                for user in admin_recipients(platform, admins, None)
            ]
        else:
            to = [
                (tenant.platform, tenant.workspace, user)
                for tenant, user in store.sources.adders(source.id)
                if user and tenant.platform in served
            ]
        notices += [
            NewDelivery(
                key=f"notice:source:{source.id}:{when}:{platform}:{user}",
                kind="notice",
                platform=platform,
                workspace=workspace,
                target=user,
                direct=True,
                payload=payload,
                next_attempt_at=now,
            )
            for platform, workspace, user in sorted(to)
        ]
    return len(store.outbox.enqueue_many(notices))
