"""Tell the configured admins, by direct message, when a source has been disabled."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import col, select

from bot.delivery import admin_recipients
from core.document import Document
from storage.db import Database
from storage.models import Delivery, Source, Subscription
from storage.outbox import enqueue

__all__ = ["queue_disabled_source_notices"]


def queue_disabled_source_notices(
    db: Database,
    source_ids: Sequence[int],
    platforms: Iterable[str],
    admins: Sequence[str],
    now: datetime,
) -> int:
    """One DM per admin and platform for each of `source_ids` that is now disabled; idempotent."""
    queued = 0
    with db.session() as session:
        disabled = session.exec(
            select(Source).where(
                col(Source.id).in_(source_ids),
                col(Source.enabled).is_(False),
                col(Source.disabled_reason).is_not(None),
            )
        ).all()
        if not disabled:
            return 0
        for platform in platforms:
            users = admin_recipients(platform, admins, None)
            workspace = session.exec(
                select(Subscription.workspace).where(Subscription.platform == platform)
            ).first()
            for source in disabled:
                when = (source.last_error_at or now).isoformat(timespec="seconds")
                doc = Document.notice(
                    f"policybrief stopped polling the source “{source.name}”",
                    f"{source.disabled_reason}.",
                    f"Feed: {source.url}",
                    f"When the feed works again: /sources remove {source.id}, then "
                    f"/sources add {source.url}",
                )
                for user in users:
                    queued += enqueue(
                        session,
                        Delivery(
                            idempotency_key=f"notice:source:{source.id}:{when}:{platform}:{user}",
                            kind="notice",
                            platform=platform,
                            workspace=workspace or "",
                            target=user,
                            direct=True,
                            payload=doc.to_json(),
                            next_attempt_at=now,
                        ),
                    )
    return queued
