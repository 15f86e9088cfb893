"""Tell the configured admins, by direct message, when a source has been disabled."""

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
    """One DM per admin and platform for each of `source_ids` that is now disabled; idempotent."""
    disabled = store.sources.disabled_among(source_ids)
    if not disabled:
        return 0
    notices: list[NewDelivery] = []
    for platform in platforms:
        users = admin_recipients(platform, admins, None)
        if not users:
            continue
        workspace = store.subscriptions.some_workspace(platform) or ""
        for source in disabled:
            when = (source.last_error_at or now).isoformat(timespec="seconds")
            payload = _notice(source).to_json()
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
                for user in users
            ]
    return len(store.outbox.enqueue_many(notices))
