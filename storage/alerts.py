"""Watch alerts in storage: the stories each person was told about (`watch_alerts`), the outbox
rows that tell them, and the ages of stories. Reading and writing are two calls: the alert step
decides in between; the write is one transaction, so a told story and its message go together."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.alerts import AlertedStory, AlertState, QueuedAlert, StoryAge
from core.outbox import NewDelivery
from core.watches import WatchOwner
from storage.db import Database
from storage.models import Delivery, WatchAlert
from storage.outbox import enqueue_many
from storage.tables import ITEMS, SOURCES, chunked

__all__ = ["AlertStore"]

_T: Table = Delivery.__table__  # type: ignore[attr-defined]
_A: Table = WatchAlert.__table__  # type: ignore[attr-defined]


class AlertStore:
    """Alert deliveries in the outbox and the per-person record of told stories."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def story_ages(self, story_ids: Sequence[int]) -> dict[int, StoryAge]:
        """Each story's first publication, and whether all of it is sources' backlog: items
        published before their source was added."""
        i, src = ITEMS.c, SOURCES.c
        first_published: dict[int, datetime] = {}
        fresh: dict[int, bool] = defaultdict(bool)
        with self._db.session() as session:
            conn = session.connection()
            for chunk in chunked(story_ids):
                stmt = (
                    select(i.story_id, i.published_at, src.created_at)
                    .join(SOURCES, src.id == i.source_id)
                    .where(i.story_id.in_(chunk))
                )
                for story_id, published, added in conn.execute(stmt):
                    if story_id not in first_published or published < first_published[story_id]:
                        first_published[story_id] = published
                    fresh[story_id] = fresh[story_id] or published >= added
        return {sid: StoryAge(when, not fresh[sid]) for sid, when in first_published.items()}

    def state(
        self,
        users: Sequence[WatchOwner],
        story_ids: Sequence[int],
        day_start: datetime,
        rollup_keys: Sequence[str],
    ) -> AlertState:
        """Which (user, story) pairs were handled, each user's stories told since `day_start`,
        and the pending roll-ups among `rollup_keys` with the stories they hold."""
        a, t = _A.c, _T.c
        wanted = set(users)
        handled: set[tuple[WatchOwner, int]] = set()
        sent: dict[WatchOwner, int] = {}
        queued: dict[str, QueuedAlert] = {}
        held: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
        with self._db.session() as session:
            conn = session.connection()
            for chunk in chunked(story_ids):
                stmt = select(a.platform, a.workspace, a.user_id, a.story_id).where(
                    a.story_id.in_(chunk)
                )
                for platform, workspace, user_id, story_id in conn.execute(stmt):
                    if (platform, workspace, user_id) in wanted:
                        handled.add(((platform, workspace, user_id), story_id))
            counts = (
                select(a.platform, a.workspace, a.user_id, func.count())
                .where(a.at >= day_start, a.delivery_key.is_not(None))
                .group_by(a.platform, a.workspace, a.user_id)
            )
            for platform, workspace, user_id, n in conn.execute(counts):
                if (platform, workspace, user_id) in wanted:
                    sent[(platform, workspace, user_id)] = int(n)
            for keys in chunked(rollup_keys):
                for key, status, payload in conn.execute(
                    select(t.idempotency_key, t.status, t.payload).where(
                        t.idempotency_key.in_(keys)
                    )
                ):
                    queued[key] = QueuedAlert(status, payload)
            pending = [k for k, q in queued.items() if q.status == "pending"]
            for keys in chunked(pending):
                for key, story_id, watch_id in conn.execute(
                    select(a.delivery_key, a.story_id, a.watch_id)
                    .where(a.delivery_key.in_(keys))
                    .order_by(a.at, a.story_id)
                ):
                    held[key].append((story_id, watch_id))
        return AlertState(frozenset(handled), sent, queued, {k: tuple(v) for k, v in held.items()})

    def write(
        self,
        new: Sequence[NewDelivery],
        payloads: Mapping[str, str],
        told: Sequence[AlertedStory],
        now: datetime,
    ) -> int:
        """In one transaction: record the told stories, queue the new alerts (keys already
        queued are skipped) and replace the payloads of roll-ups still pending; returns how many
        deliveries were new."""
        t = _T.c
        with self._db.session() as session:
            conn = session.connection()
            if told:
                dialect = conn.dialect.name
                insert = pg_insert if dialect == "postgresql" else sqlite_insert
                rows = [
                    {
                        "platform": s.owner[0],
                        "workspace": s.owner[1],
                        "user_id": s.owner[2],
                        "story_id": s.story_id,
                        "watch_id": s.watch_id,
                        "delivery_key": s.delivery_key,
                        "at": now,
                    }
                    for s in told
                ]
                for start in range(0, len(rows), 1000):
                    conn.execute(insert(_A).on_conflict_do_nothing(), rows[start : start + 1000])
            written = len(enqueue_many(session, new))
            for key, payload in payloads.items():
                conn.execute(
                    update(_T)
                    .where(t.idempotency_key == key, t.status == "pending")
                    .values(payload=payload)
                )
        return written
