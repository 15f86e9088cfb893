"""Channel digest subscriptions: the /digest settings, and the schedule the digest job advances.

A digest's schedule advance and its outbox row commit in one transaction (`write_digests`), so a
crash leaves a digest either still due or queued and scheduled for the next day, never both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Table, bindparam, select, tuple_, update
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from core.subscriptions import (
    Channel,
    DigestPin,
    DigestWrite,
    DueBatch,
    SubscriptionRecord,
    WriteOutcome,
)
from storage.db import Database
from storage.models import Pin, Subscription
from storage.outbox import enqueue_many

__all__ = ["SubscriptionStore"]

_T: Table = Subscription.__table__  # type: ignore[attr-defined]
_PINS: Table = Pin.__table__  # type: ignore[attr-defined]
_CHANNELS_PER_QUERY = 500


def _record(sub: Subscription) -> SubscriptionRecord:
    assert sub.id is not None
    return SubscriptionRecord(
        id=sub.id,
        platform=sub.platform,
        workspace=sub.workspace,
        channel=sub.channel,
        local_time=sub.local_time,
        timezone=sub.timezone,
        topics=tuple(sub.topics.split()),
        enabled=sub.enabled,
        post_quiet_days=sub.post_quiet_days,
        created_by=sub.created_by,
        next_due_at=sub.next_due_at,
        last_digest_at=sub.last_digest_at,
        last_note=sub.last_note,
        disabled_reason=sub.disabled_reason,
        cadence=sub.cadence,
        weekday=sub.weekday,
        size=sub.size,
        query=sub.query,
    )


def _find(session: Session, platform: str, workspace: str, channel: str) -> Subscription | None:
    stmt = sm_select(Subscription).where(
        Subscription.platform == platform,
        Subscription.workspace == workspace,
        Subscription.channel == channel,
    )
    return session.exec(stmt).first()


def _pins_by_channel(
    session: Session, channels: Sequence[Channel], now: datetime
) -> dict[Channel, tuple[DigestPin, ...]]:
    """Unexpired pins of these channels, oldest first."""
    t = _PINS
    found: dict[Channel, list[DigestPin]] = {}
    for start in range(0, len(channels), _CHANNELS_PER_QUERY):
        chunk = list(channels[start : start + _CHANNELS_PER_QUERY])
        rows = session.connection().execute(
            select(t.c.platform, t.c.workspace, t.c.channel, t.c.pinned_at, t.c.story_id)
            .where(
                tuple_(t.c.platform, t.c.workspace, t.c.channel).in_(chunk),
                t.c.expires_at > now,
            )
            .order_by(t.c.pinned_at, t.c.id)
        )
        for platform, workspace, channel, pinned_at, story_id in rows:
            pin = DigestPin(story_id=int(story_id), pinned_at=pinned_at)
            found.setdefault((platform, workspace, channel), []).append(pin)
    return {where: tuple(pins) for where, pins in found.items()}


class SubscriptionStore:
    """Channel digests: their settings, and the schedule the digest job claims and advances."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- /digest -------------------------------------------------------------------------------

    def get(self, platform: str, workspace: str, channel: str) -> SubscriptionRecord | None:
        """The channel's subscription (enabled or not), or None."""
        with self._db.session() as session:
            sub = _find(session, platform, workspace, channel)
            return None if sub is None else _record(sub)

    def save(
        self,
        *,
        platform: str,
        workspace: str,
        channel: str,
        local_time: str,
        timezone: str,
        topics: Sequence[str],
        next_due_at: datetime,
        created_by: str,
        query: str = "",
        cadence: str = "daily",
        weekday: int | None = None,
        size: int = 5,
    ) -> SubscriptionRecord:
        """Create or update the channel's subscription and enable it."""
        with self._db.session() as session:
            sub = _find(session, platform, workspace, channel)
            if sub is None:
                sub = Subscription(platform=platform, workspace=workspace, channel=channel)
                sub.created_by = created_by
            sub.local_time = local_time
            sub.timezone = timezone
            sub.topics = " ".join(topics)
            sub.query = query
            sub.cadence = cadence
            sub.weekday = weekday
            sub.size = size
            sub.enabled = True
            sub.disabled_reason = None
            sub.next_due_at = next_due_at
            session.add(sub)
            session.flush()
            return _record(sub)

    def disable(
        self, platform: str, workspace: str, channel: str, reason: str
    ) -> SubscriptionRecord | None:
        """Turn the channel's digest off; None when there is no enabled one."""
        with self._db.session() as session:
            sub = _find(session, platform, workspace, channel)
            if sub is None or not sub.enabled:
                return None
            sub.enabled = False
            sub.disabled_reason = reason
            sub.next_due_at = None
            session.add(sub)
            session.flush()
            return _record(sub)

    def in_workspace(
        self, platform: str, workspace: str, *, created_by: str | None = None, limit: int = 40
    ) -> list[SubscriptionRecord]:
        """The workspace's subscriptions by channel (only those `created_by` set up, if given)."""
        stmt = sm_select(Subscription).where(
            Subscription.platform == platform, Subscription.workspace == workspace
        )
        if created_by is not None:
            stmt = stmt.where(Subscription.created_by == created_by)
        with self._db.session() as session:
            subs = session.exec(stmt.order_by(col(Subscription.channel)).limit(limit)).all()
            return [_record(s) for s in subs]

    def some_workspace(self, platform: str) -> str | None:
        """The workspace of some subscription on `platform` (where a direct message can go)."""
        with self._db.engine.begin() as conn:
            found = conn.execute(
                select(_T.c.workspace).where(_T.c.platform == platform).limit(1)
            ).first()
        return None if found is None else str(found[0])

    # -- the digest job ------------------------------------------------------------------------

    def due(self, now: datetime) -> list[SubscriptionRecord]:
        """Enabled subscriptions due at `now`, the most overdue first (read only: nothing is
        claimed)."""
        stmt = (
            sm_select(Subscription)
            .where(
                col(Subscription.enabled).is_(True),
                col(Subscription.next_due_at).is_not(None),
                col(Subscription.next_due_at) <= now,
            )
            .order_by(col(Subscription.next_due_at), col(Subscription.id))
        )
        with self._db.session() as session:
            return [_record(s) for s in session.exec(stmt)]

    def unscheduled(self) -> list[SubscriptionRecord]:
        """Enabled subscriptions without a due time (new, or set up by hand)."""
        stmt = sm_select(Subscription).where(
            col(Subscription.enabled).is_(True), col(Subscription.next_due_at).is_(None)
        )
        with self._db.session() as session:
            return [_record(s) for s in session.exec(stmt)]

    def set_schedules(self, due: Mapping[int, datetime], unschedulable: Mapping[int, str]) -> None:
        """Give unscheduled subscriptions their due time, or disable them with the reason why."""
        still = (_T.c.enabled.is_(True), _T.c.next_due_at.is_(None))
        with self._db.engine.begin() as conn:
            for sub_id, when in due.items():
                conn.execute(update(_T).where(_T.c.id == sub_id, *still).values(next_due_at=when))
            for sub_id, reason in unschedulable.items():
                conn.execute(
                    update(_T)
                    .where(_T.c.id == sub_id, *still)
                    .values(enabled=False, disabled_reason=reason, last_note=reason)
                )

    def due_batch(self, ids: Sequence[int], owner: str, now: datetime) -> DueBatch:
        """Those of the claimed `ids` that `owner` still holds, with their channels' pins."""
        stmt = sm_select(Subscription).where(
            col(Subscription.id).in_(list(ids)),
            Subscription.lease_owner == owner,
            col(Subscription.next_due_at).is_not(None),
        )
        with self._db.session() as session:
            subs = tuple(_record(s) for s in session.exec(stmt))
            channels = sorted({s.where for s in subs})
            pins = _pins_by_channel(session, channels, now)
        return DueBatch(subscriptions=subs, pins=pins)

    def write_digests(self, owner: str, writes: Sequence[DigestWrite]) -> dict[int, WriteOutcome]:
        """Advance each schedule, release its lease and queue its outbox row, all in one
        transaction; a subscription another process took over in the meantime is left alone."""
        t = _T
        with self._db.session() as session:
            conn = session.connection()
            held = dict(
                conn.execute(
                    select(t.c.id, t.c.next_due_at)
                    .where(
                        t.c.id.in_([w.subscription_id for w in writes]), t.c.lease_owner == owner
                    )
                    .with_for_update()
                ).all()
            )
            valid = [w for w in writes if held.get(w.subscription_id) == w.due]
            groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
            for write in valid:
                values = _schedule_values(write)
                groups.setdefault(tuple(sorted(values)), []).append(
                    {"_sid": write.subscription_id, **{f"_v_{k}": v for k, v in values.items()}}
                )
            for names, params in groups.items():
                stmt = (
                    update(t)
                    .where(t.c.id == bindparam("_sid"))
                    .values(
                        lease_owner=None,
                        lease_until=None,
                        **{name: bindparam(f"_v_{name}") for name in names},
                    )
                )
                conn.execute(stmt, params)  # one executemany per set of columns
            deliveries = [w.delivery for w in valid if w.delivery is not None]
            new = enqueue_many(session, deliveries)
        outcomes: dict[int, WriteOutcome] = dict.fromkeys(
            (w.subscription_id for w in writes), "lost"
        )
        for write in valid:
            duplicate = write.delivery is not None and write.delivery.key not in new
            outcomes[write.subscription_id] = "duplicate" if duplicate else "written"
        return outcomes

    def push_back(self, owner: str, subscription_id: int, retry_at: datetime, note: str) -> None:
        """After an error, drop the lease and retry that channel at `retry_at`, saying why."""
        with self._db.engine.begin() as conn:
            conn.execute(
                update(_T)
                .where(_T.c.id == subscription_id)
                .values(next_due_at=retry_at, last_note=note[:300])
            )
            conn.execute(
                update(_T)
                .where(_T.c.id == subscription_id, _T.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )


def _schedule_values(write: DigestWrite) -> dict[str, object]:
    values: dict[str, object] = {"next_due_at": write.next_due_at, "last_note": write.last_note}
    if write.last_digest_at is not None:
        values["last_digest_at"] = write.last_digest_at
    return values
