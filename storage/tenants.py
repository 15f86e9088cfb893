"""Tenants that left: recording a departure (and a return), and purging what they left behind."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Table, and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.tenants import Departure
from storage.db import Database
from storage.deadline_models import CALENDAR_FEEDS
from storage.models import AuditRow, Delivery, DepartureRow, Pin, Subscription, Watch
from storage.scope import OWN, TENANT_SOURCES
from storage.sources import delete_unfollowed

__all__ = ["TenantStore", "DEPARTURES"]

DEPARTURES: Table = DepartureRow.__table__  # type: ignore[attr-defined]
_DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]
_WATCHES: Table = Watch.__table__  # type: ignore[attr-defined]
_SUBSCRIPTIONS: Table = Subscription.__table__  # type: ignore[attr-defined]
_PINS: Table = Pin.__table__  # type: ignore[attr-defined]
_AUDIT: Table = AuditRow.__table__  # type: ignore[attr-defined]
# what a tenant's people created, each with platform and workspace columns; deliveries first
# (they refer to watches and subscriptions)
_OWNED: tuple[tuple[str, Table], ...] = (
    ("deliveries", _DELIVERIES),
    ("watches", _WATCHES),
    ("digests", _SUBSCRIPTIONS),
    ("pins", _PINS),
    ("calendar feeds", CALENDAR_FEEDS),
    ("audit entries", _AUDIT),
)
_UNSENT = ("pending", "sending")


def _departure(row: object) -> Departure:
    return Departure(row.platform, row.workspace, row.left_at, row.purge_at)  # type: ignore[attr-defined]


class TenantStore:
    """Departures, returns and purges; the outbox never claims a departed tenant's deliveries."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def leave(self, platform: str, workspace: str, now: datetime, keep: timedelta) -> Departure:
        """Record the departure (a second one keeps the first date) and stop its unsent
        deliveries, in one transaction."""
        values = {
            "platform": platform,
            "workspace": workspace,
            "left_at": now,
            "purge_at": now + keep,
        }
        with self._db.engine.begin() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(insert(DEPARTURES).values(**values).on_conflict_do_nothing())
            d = _DELIVERIES.c
            conn.execute(
                update(_DELIVERIES)
                .where(d.platform == platform, d.workspace == workspace, d.status.in_(_UNSENT))
                .values(status="gone", error="the workspace removed policybrief")
            )
            t = DEPARTURES.c
            row = conn.execute(
                select(DEPARTURES).where(t.platform == platform, t.workspace == workspace)
            ).one()
        return _departure(row)

    def come_back(self, platform: str, workspace: str) -> bool:
        """A reinstall within the grace period: nothing is purged; True when it had left."""
        t = DEPARTURES.c
        with self._db.engine.begin() as conn:
            gone = delete(DEPARTURES).where(t.platform == platform, t.workspace == workspace)
            return bool(conn.execute(gone).rowcount)

    def departed(self) -> list[Departure]:
        """Every tenant that left and is not purged yet, soonest purge first."""
        with self._db.engine.connect() as conn:
            rows = conn.execute(select(DEPARTURES).order_by(DEPARTURES.c.purge_at))
            return [_departure(r) for r in rows]

    def purge(self, platform: str, workspace: str) -> dict[str, int]:
        """Delete everything the tenant's people created, its private sources that no other
        tenant follows (with their items and the stories only they told), and its departure;
        counts per kind."""
        with self._db.session() as session:
            conn = session.connection()
            t = TENANT_SOURCES.c
            mine = and_(t.platform == platform, t.workspace == workspace)
            own = list(conn.execute(select(t.source_id).where(mine, t.relation == OWN)).scalars())
            counts = _purge(conn, platform, workspace)
            conn.execute(delete(TENANT_SOURCES).where(mine))
            counts["private sources"] = delete_unfollowed(session, own)
            return counts

    def forget_person(self, platform: str, workspace: str, user: str) -> dict[str, int]:
        """Erase one person of one tenant (GDPR-style): their watches and the messages for them,
        calendar feeds and audit entries; their name leaves pins and digests. Counts per kind."""
        with self._db.engine.begin() as conn:
            return _forget(conn, platform, workspace, user)

    def purge_due(self, now: datetime) -> list[tuple[Departure, dict[str, int]]]:
        """Purge every departed tenant whose grace period ran out by `now`."""
        due = [d for d in self.departed() if d.purge_at <= now]
        return [(d, self.purge(d.platform, d.workspace)) for d in due]


def _forget(conn: Connection, platform: str, workspace: str, user: str) -> dict[str, int]:
    w = _WATCHES.c
    mine = select(w.id).where(w.platform == platform, w.workspace == workspace, w.user_id == user)
    d = _DELIVERIES.c
    to_them = and_(d.platform == platform, d.workspace == workspace)
    messages = delete(_DELIVERIES).where(
        to_them, or_(and_(d.direct, d.target == user), d.watch_id.in_(mine))
    )
    counts = {"direct messages and alerts": conn.execute(messages).rowcount}
    for what, table, column in (
        ("watches", _WATCHES, "user_id"),
        ("calendar feeds", CALENDAR_FEEDS, "user_id"),
        ("audit entries", _AUDIT, "user"),
    ):
        c = table.c
        counts[what] = conn.execute(
            delete(table).where(c.platform == platform, c.workspace == workspace, c[column] == user)
        ).rowcount
    # a pin or a digest stays the channel's; only the name of who made it goes
    p, s = _PINS.c, _SUBSCRIPTIONS.c
    counts["pins no longer naming you"] = conn.execute(
        update(_PINS)
        .where(p.platform == platform, p.workspace == workspace, p.pinned_by == user)
        .values(pinned_by="")
    ).rowcount
    counts["digests no longer naming you"] = conn.execute(
        update(_SUBSCRIPTIONS)
        .where(s.platform == platform, s.workspace == workspace, s.created_by == user)
        .values(created_by=None)
    ).rowcount
    return counts


def _purge(conn: Connection, platform: str, workspace: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for what, table in _OWNED:
        c = table.c
        counts[what] = conn.execute(
            delete(table).where(c.platform == platform, c.workspace == workspace)
        ).rowcount
    t = DEPARTURES.c
    conn.execute(delete(DEPARTURES).where(t.platform == platform, t.workspace == workspace))
    return counts
