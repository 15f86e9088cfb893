"""The outbox of deliveries: enqueue once per idempotency key, record how each send went."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from core.clock import utcnow
from core.outbox import DeliveryOrigin, DeliveryRecord, NewDelivery
from storage.db import Database
from storage.models import Delivery, Subscription, Watch

__all__ = ["OutboxStore", "enqueue"]

_T: Table = Delivery.__table__  # type: ignore[attr-defined]
_SUBS: Table = Subscription.__table__  # type: ignore[attr-defined]
_WATCHES: Table = Watch.__table__  # type: ignore[attr-defined]


def delivery_record(row: Delivery) -> DeliveryRecord:
    """The core shape of a stored delivery."""
    assert row.id is not None
    return DeliveryRecord(
        id=row.id,
        key=row.idempotency_key,
        kind=row.kind,
        platform=row.platform,
        workspace=row.workspace,
        target=row.target,
        direct=row.direct,
        payload=row.payload,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        lease_until=row.lease_until,
        subscription_id=row.subscription_id,
        watch_id=row.watch_id,
        attempted_at=row.attempted_at,
    )


def _row(new: NewDelivery) -> dict[str, Any]:
    """The columns of a new delivery row (plain values: building model objects for thousands of
    alerts at once costs seconds)."""
    return {
        "idempotency_key": new.key,
        "kind": new.kind,
        "platform": new.platform,
        "workspace": new.workspace,
        "target": new.target,
        "direct": new.direct,
        "payload": new.payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": new.next_attempt_at,
        "lease_owner": None,
        "lease_until": None,
        "message_id": None,
        "attempted_at": None,
        "error": None,
        "subscription_id": new.subscription_id,
        "watch_id": new.watch_id,
        "story_id": new.story_id,
        "created_at": new.created_at if new.created_at is not None else utcnow(),
        "sent_at": None,
    }


def enqueue(session: Session, delivery: Delivery) -> bool:
    """Insert the delivery unless its idempotency key exists, in the caller's transaction; True
    when it was new."""
    values = delivery.model_dump(exclude={"id"})
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(Delivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(_T.c.id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT that did nothing.
    result = session.exec(stmt)  # type: ignore[call-overload]
    return result.first() is not None


def enqueue_many(session: Session, deliveries: Sequence[NewDelivery]) -> set[str]:
    """Insert many deliveries in one statement in the caller's transaction, skipping existing
    keys; returns the new keys."""
    if not deliveries:
        return set()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(_T)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(_T.c.idempotency_key)
    )
    result = session.connection().execute(stmt, [_row(d) for d in deliveries])
    return {str(r[0]) for r in result.all()}


class OutboxStore:
    """Deliveries: queued once per key, then sent, retried or given up on."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def enqueue(self, delivery: NewDelivery) -> bool:
        """Queue the delivery unless its key is queued already; True when it was new."""
        return bool(self.enqueue_many([delivery]))

    def enqueue_many(self, deliveries: Sequence[NewDelivery]) -> set[str]:
        """Queue the deliveries whose keys are new, in one statement; returns those keys."""
        with self._db.session() as session:
            return enqueue_many(session, deliveries)

    def mark_sent(self, delivery_id: int, message_id: str, now: datetime) -> None:
        """Record a successful send: the platform's message id, status "sent", lease dropped."""
        with self._db.engine.begin() as conn:
            conn.execute(
                update(_T)
                .where(_T.c.id == delivery_id)
                .values(
                    status="sent",
                    message_id=message_id,
                    sent_at=now,
                    attempted_at=None,
                    error=None,
                    lease_owner=None,
                    lease_until=None,
                )
            )

    def mark_attempt(self, delivery_id: int, owner: str, now: datetime) -> bool:
        """Record that a send begins now, before the request is made; False when the row is no
        longer this owner's to send (its lease was lost)."""
        with self._db.engine.begin() as conn:
            done = conn.execute(
                update(_T)
                .where(_T.c.id == delivery_id, _T.c.lease_owner == owner, _T.c.status == "sending")
                .values(attempted_at=now)
            )
            return bool(done.rowcount)

    def mark_retry(
        self, delivery_id: int, error: str, retry_at: datetime, *, unknown: bool = False
    ) -> None:
        """A transient failure: count the attempt and come back at `retry_at`. `unknown`: the
        send may have been posted, so the attempt's time is kept for the next sender to look."""
        values: dict[str, Any] = {
            "status": "pending",
            "attempts": _T.c.attempts + 1,
            "next_attempt_at": retry_at,
            "error": error[:500],
            "lease_owner": None,
            "lease_until": None,
        }
        if not unknown:
            values["attempted_at"] = None
        with self._db.engine.begin() as conn:
            conn.execute(
                update(_T).where(_T.c.id == delivery_id, _T.c.status == "sending").values(**values)
            )

    def origin(self, delivery_id: int) -> DeliveryOrigin:
        """What the delivery was for: the digest's creator, or the watch's query and user."""
        with self._db.engine.begin() as conn:
            found = conn.execute(
                select(_SUBS.c.created_by, _WATCHES.c.query, _WATCHES.c.user_id)
                .select_from(_T)
                .outerjoin(_SUBS, _SUBS.c.id == _T.c.subscription_id)
                .outerjoin(_WATCHES, _WATCHES.c.id == _T.c.watch_id)
                .where(_T.c.id == delivery_id)
            ).first()
        if found is None:
            return DeliveryOrigin()
        return DeliveryOrigin(found[0], found[1], found[2])

    def give_up(
        self,
        delivery_id: int,
        status: str,
        error: str,
        notices: Sequence[NewDelivery],
        *,
        disable: str | None = None,
    ) -> int:
        """A permanent outcome ("failed", "gone", "forbidden") and the admins' notices, together.

        With `disable` (the reason), the subscription or watch the delivery was for is turned
        off, and the notices are queued only by the delivery that turned it off: admins hear once.
        Returns how many notices were new.
        """
        with self._db.session() as session:
            conn = session.connection()
            conn.execute(
                update(_T)
                .where(_T.c.id == delivery_id)
                .values(
                    status=status,
                    error=error[:500],
                    lease_owner=None,
                    lease_until=None,
                    attempts=_T.c.attempts + 1,
                )
            )
            if disable is not None and not _turn_off_origin(conn, delivery_id, disable[:300]):
                return 0
            return len(enqueue_many(session, notices))


def _turn_off_origin(conn: Connection, delivery_id: int, reason: str) -> bool:
    """Turn off the subscription or watch behind the delivery; False when it was already off."""
    sub_id, watch_id = conn.execute(
        select(_T.c.subscription_id, _T.c.watch_id).where(_T.c.id == delivery_id)
    ).one()
    if sub_id is not None:
        flipped = conn.execute(
            update(_SUBS)
            .where(_SUBS.c.id == sub_id, _SUBS.c.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason, next_due_at=None)
            .returning(_SUBS.c.id)
        ).first()
        return flipped is not None
    if watch_id is not None:
        flipped = conn.execute(
            update(_WATCHES)
            .where(_WATCHES.c.id == watch_id, _WATCHES.c.active.is_(True))
            .values(active=False, disabled_reason=reason)
            .returning(_WATCHES.c.id)
        ).first()
        return flipped is not None
    return True
