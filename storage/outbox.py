"""The outbox of deliveries: enqueue once per idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.db import Database
from storage.models import Delivery

__all__ = [
    "enqueue",
    "enqueue_many",
    "mark_sent",
    "mark_retry",
    "mark_final",
    "status_counts",
    "prune_deliveries",
]

_T: Table = Delivery.__table__  # type: ignore[attr-defined]


def enqueue(session: Session, delivery: Delivery) -> bool:
    """Insert the delivery unless its idempotency key exists; True when it was new."""
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


def mark_sent(db: Database, delivery_id: int, message_id: str, now: datetime) -> None:
    """Record a successful send: the platform's message id, status "sent", lease dropped."""
    with db.engine.begin() as conn:
        conn.execute(
            update(_T)
            .where(_T.c.id == delivery_id)
            .values(
                status="sent",
                message_id=message_id,
                sent_at=now,
                error=None,
                lease_owner=None,
                lease_until=None,
            )
        )


def mark_retry(db: Database, delivery_id: int, error: str, retry_at: datetime) -> None:
    """A transient failure: count the attempt and come back at `retry_at`."""
    with db.engine.begin() as conn:
        conn.execute(
            update(_T)
            .where(_T.c.id == delivery_id, _T.c.status == "sending")
            .values(
                status="pending",
                attempts=_T.c.attempts + 1,
                next_attempt_at=retry_at,
                error=error[:500],
                lease_owner=None,
                lease_until=None,
            )
        )


def mark_final(
    session: Session, delivery_id: int, status: str, error: str, *, count_attempt: bool = True
) -> None:
    """A permanent outcome ("failed", "gone", "forbidden"), inside the caller's transaction."""
    values: dict[str, object] = {
        "status": status,
        "error": error[:500],
        "lease_owner": None,
        "lease_until": None,
    }
    if count_attempt:
        values["attempts"] = _T.c.attempts + 1
    session.exec(update(_T).where(_T.c.id == delivery_id).values(**values))  # type: ignore[call-overload]


def status_counts(db: Database) -> dict[str, int]:
    """How many deliveries are in each status."""
    with db.engine.begin() as conn:
        rows = conn.execute(select(_T.c.status, func.count()).group_by(_T.c.status)).all()
    return {str(status): int(n) for status, n in rows}


def prune_deliveries(db: Database, before: datetime) -> int:
    """Delete finished deliveries (sent, failed, gone, forbidden) created before `before`."""
    with db.engine.begin() as conn:
        return conn.execute(
            delete(_T).where(
                _T.c.status.in_(["sent", "failed", "gone", "forbidden"]), _T.c.created_at < before
            )
        ).rowcount


def enqueue_many(session: Session, deliveries: Sequence[Delivery]) -> set[str]:
    """Insert many deliveries in one statement, skipping existing keys; returns the new keys."""
    if not deliveries:
        return set()
    rows = [d.model_dump(exclude={"id"}) for d in deliveries]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(_T)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(_T.c.idempotency_key)
    )
    result = session.connection().execute(stmt, rows)
    return {str(r[0]) for r in result.all()}
