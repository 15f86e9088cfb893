"""Row leases: how one process (or one of several replicas) claims due work.

On PostgreSQL a claim is `SELECT ... FOR UPDATE SKIP LOCKED` inside an UPDATE, so replicas never
claim the same row. On SQLite the single UPDATE statement is atomic under the write lock; SQLite is
meant for one process, and `other_live_processes` lets the bot warn when another one is alive.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, Table, and_, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel import select as sm_select

from core.outbox import DeliveryRecord
from storage.db import Database
from storage.models import Delivery, Lease, Source, Subscription
from storage.outbox import delivery_record
from storage.tenants import DEPARTURES

__all__ = ["HEARTBEAT_PREFIX", "new_owner", "ClaimStore"]

HEARTBEAT_PREFIX = "heartbeat:"
_SOURCES: Table = Source.__table__  # type: ignore[attr-defined]
_SUBS: Table = Subscription.__table__  # type: ignore[attr-defined]
_DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]
_LEASES: Table = Lease.__table__  # type: ignore[attr-defined]


def new_owner() -> str:
    """A lease owner name unique to this process: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _free(t: Table, now: datetime) -> ColumnElement[bool]:
    return or_(t.c.lease_until.is_(None), t.c.lease_until < now)


def _deliverable(now: datetime, platforms: Sequence[str] | None) -> ColumnElement[bool]:
    """Deliveries a sender may claim: pending ones that are due, and "sending" ones whose
    sender's lease expired; on `platforms` only, if given; never to a workspace that removed
    policybrief."""
    t = _DELIVERIES
    cond = or_(
        and_(t.c.status == "pending", t.c.next_attempt_at <= now),
        and_(t.c.status == "sending", t.c.lease_until < now),
    )
    if platforms is not None:
        cond = and_(cond, t.c.platform.in_(list(platforms)))
    gone = DEPARTURES.c
    departed = exists().where(gone.platform == t.c.platform, gone.workspace == t.c.workspace)
    return and_(cond, ~departed)


def _release(
    conn: Connection, t: Table, owner: str, ids: Sequence[int] | None, **values: object
) -> int:
    stmt = update(t).where(t.c.lease_owner == owner)
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(t.c.id.in_(list(ids)))
    return conn.execute(stmt.values(lease_owner=None, lease_until=None, **values)).rowcount


def _release_deliveries(conn: Connection, owner: str, ids: Sequence[int] | None) -> int:
    # Only rows still being sent go back: a row recorded as sent keeps its status.
    t = _DELIVERIES
    stmt = update(t).where(t.c.lease_owner == owner, t.c.status == "sending")
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(t.c.id.in_(list(ids)))
    return conn.execute(stmt.values(status="pending", lease_owner=None, lease_until=None)).rowcount


class ClaimStore:
    """Leases on sources, subscriptions and deliveries; named singleton leases; heartbeats."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _claim_ids(
        self,
        t: Table,
        condition: ColumnElement[bool],
        order: Sequence[ColumnElement[object]],
        owner: str,
        until: datetime,
        limit: int,
        extra: dict[str, object] | None = None,
    ) -> list[int]:
        values: dict[str, object] = {"lease_owner": owner, "lease_until": until, **(extra or {})}
        pick = select(t.c.id).where(condition).order_by(*order).limit(limit)
        if self._db.is_sqlite:
            stmt = update(t).where(t.c.id.in_(pick.scalar_subquery())).values(**values)
        else:
            # A CTE is evaluated once, so the LIMIT and the row locks apply to one set of rows.
            picked = pick.with_for_update(skip_locked=True).cte("picked")
            stmt = update(t).where(t.c.id == picked.c.id).values(**values)
        with self._db.engine.begin() as conn:
            rows = conn.execute(stmt.returning(t.c.id)).all()
        return sorted(int(r[0]) for r in rows)

    # -- sources -----------------------------------------------------------------------------

    def claim_sources(
        self,
        owner: str,
        now: datetime,
        *,
        limit: int = 100,
        lease: timedelta = timedelta(minutes=5),
    ) -> list[int]:
        """Lease enabled sources whose next poll is due; returns their ids."""
        t = _SOURCES
        cond = and_(
            t.c.enabled.is_(True),
            or_(t.c.next_poll_at.is_(None), t.c.next_poll_at <= now),
            _free(t, now),
        )
        return self._claim_ids(t, cond, [t.c.next_poll_at, t.c.id], owner, now + lease, limit)

    def renew_sources(self, owner: str, ids: Sequence[int], until: datetime) -> int:
        """Extend this owner's leases on sources it is still polling; returns how many it holds."""
        if not ids:
            return 0
        t = _SOURCES
        with self._db.engine.begin() as conn:
            return conn.execute(
                update(t)
                .where(t.c.id.in_(list(ids)), t.c.lease_owner == owner)
                .values(lease_until=until)
            ).rowcount

    def finish_sources(self, owner: str, ids: Sequence[int], now: datetime) -> None:
        """Drop this owner's leases after a poll; a source left due (it should not be) waits one
        interval, so a bug cannot make a hot loop."""
        if not ids:
            return
        t = _SOURCES
        with self._db.engine.begin() as conn:
            still_due = conn.execute(
                select(t.c.id, t.c.interval_minutes).where(
                    t.c.id.in_(list(ids)),
                    t.c.lease_owner == owner,
                    or_(t.c.next_poll_at.is_(None), t.c.next_poll_at <= now),
                )
            ).all()
            for source_id, minutes in still_due:
                conn.execute(
                    update(t)
                    .where(t.c.id == source_id)
                    .values(next_poll_at=now + timedelta(minutes=minutes))
                )
            _release(conn, t, owner, ids)

    def release_sources(self, owner: str, ids: Sequence[int] | None = None) -> int:
        """Drop this owner's leases on sources (all of them when `ids` is None)."""
        with self._db.engine.begin() as conn:
            return _release(conn, _SOURCES, owner, ids)

    # -- subscriptions -----------------------------------------------------------------------

    def claim_subscriptions(
        self,
        owner: str,
        now: datetime,
        *,
        limit: int = 200,
        lease: timedelta = timedelta(minutes=2),
    ) -> list[int]:
        """Lease enabled subscriptions whose digest is due; returns their ids."""
        t = _SUBS
        cond = and_(
            t.c.enabled.is_(True),
            t.c.next_due_at.is_not(None),
            t.c.next_due_at <= now,
            _free(t, now),
        )
        return self._claim_ids(t, cond, [t.c.next_due_at, t.c.id], owner, now + lease, limit)

    def release_subscriptions(self, owner: str, ids: Sequence[int] | None = None) -> int:
        """Drop this owner's leases on subscriptions (all of them when `ids` is None)."""
        with self._db.engine.begin() as conn:
            return _release(conn, _SUBS, owner, ids)

    # -- deliveries --------------------------------------------------------------------------

    def claim_deliveries(
        self,
        owner: str,
        now: datetime,
        *,
        platforms: Sequence[str] | None = None,
        limit: int = 50,
        lease: timedelta = timedelta(seconds=60),
    ) -> list[DeliveryRecord]:
        """Lease pending deliveries that are due, and "sending" ones whose sender's lease expired.

        Claimed rows become status "sending" with this owner's lease; returns them, oldest first.
        """
        t = _DELIVERIES
        ids = self._claim_ids(
            t,
            _deliverable(now, platforms),
            [t.c.next_attempt_at, t.c.id],
            owner,
            now + lease,
            limit,
            extra={"status": "sending"},
        )
        if not ids:
            return []
        with self._db.session() as session:
            rows = session.exec(sm_select(Delivery).where(col(Delivery.id).in_(ids))).all()
            records = [delivery_record(r) for r in rows]
        return sorted(records, key=lambda d: (d.next_attempt_at, d.id))

    def deliveries_due(self, now: datetime, *, platforms: Sequence[str] | None = None) -> bool:
        """Whether `claim_deliveries` would claim anything now; claims nothing (a read)."""
        t = _DELIVERIES
        with self._db.engine.connect() as conn:
            found = conn.execute(select(t.c.id).where(_deliverable(now, platforms)).limit(1))
            return found.first() is not None

    def renew_delivery(self, owner: str, delivery_id: int, until: datetime) -> bool:
        """Extend this owner's lease on a claimed delivery; False when it is no longer ours."""
        t = _DELIVERIES
        with self._db.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(t)
                    .where(t.c.id == delivery_id, t.c.lease_owner == owner, t.c.status == "sending")
                    .values(lease_until=until)
                ).rowcount
            )

    def release_deliveries(self, owner: str, ids: Sequence[int] | None = None) -> int:
        """Hand this owner's unsent claimed deliveries back as "pending" (e.g. at shutdown)."""
        with self._db.engine.begin() as conn:
            return _release_deliveries(conn, owner, ids)

    # -- the whole process -------------------------------------------------------------------

    def release_all(self, owner: str, *, sources: bool = True) -> None:
        """Release every lease this owner holds, and its heartbeat (graceful shutdown).
        `sources=False` keeps the sources' leases: work on them is still running."""
        with self._db.engine.begin() as conn:
            _release_deliveries(conn, owner, None)
            _release(conn, _SUBS, owner, None)
            if sources:
                _release(conn, _SOURCES, owner, None)
            conn.execute(delete(_LEASES).where(_LEASES.c.name == HEARTBEAT_PREFIX + owner))

    def heartbeat(self, owner: str, now: datetime, ttl: timedelta = timedelta(seconds=60)) -> None:
        """Record that this process is alive (a row in the leases table) until now + ttl."""
        name = HEARTBEAT_PREFIX + owner
        with self._db.session() as session:
            row = session.get(Lease, name)
            if row is None:
                session.add(Lease(name=name, owner=owner, until=now + ttl))
            else:
                row.until = now + ttl
                session.add(row)

    def other_live_processes(self, owner: str, now: datetime) -> list[str]:
        """Owners of other fresh heartbeats: processes that share this database right now."""
        t = _LEASES
        with self._db.engine.begin() as conn:
            rows = conn.execute(
                select(t.c.owner).where(
                    t.c.name.startswith(HEARTBEAT_PREFIX), t.c.owner != owner, t.c.until >= now
                )
            ).all()
        return sorted(str(r[0]) for r in rows)

    def claim_singleton(self, name: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Take the named lease (e.g. "prune") if it is free or expired; True when this owner has
        it."""
        t = _LEASES
        with self._db.engine.begin() as conn:
            got = conn.execute(
                update(t)
                .where(t.c.name == name, or_(t.c.until < now, t.c.owner == owner))
                .values(owner=owner, until=now + lease)
            ).rowcount
            if got:
                return True
            exists = conn.execute(select(t.c.name).where(t.c.name == name)).first()
        if exists:
            return False
        try:
            with self._db.engine.begin() as conn:
                conn.execute(t.insert().values(name=name, owner=owner, until=now + lease))
            return True
        except IntegrityError:  # another process inserted it first
            return False
