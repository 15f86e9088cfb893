"""The outbox of deliveries: enqueue once per idempotency key."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.models import Delivery

__all__ = ["enqueue"]


def enqueue(session: Session, delivery: Delivery) -> bool:
    """Insert the delivery unless its idempotency key exists; True when it was new."""
    values = delivery.model_dump(exclude={"id"})
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(Delivery).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    result = session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)
