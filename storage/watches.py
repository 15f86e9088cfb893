"""Users' keyword watches (per platform, workspace and user)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from core.watches import WatchAdded, WatchListing, WatchOwner, WatchRecord
from storage.db import Database
from storage.models import Watch, WatchAlert

__all__ = ["WatchStore"]

_T: Table = Watch.__table__  # type: ignore[attr-defined]
_ALERTS: Table = WatchAlert.__table__  # type: ignore[attr-defined]
_COLUMNS = (
    _T.c.id,
    _T.c.platform,
    _T.c.workspace,
    _T.c.user_id,
    _T.c.query,
    _T.c.mode,
    _T.c.paused,
    _T.c.daily_at,
    _T.c.timezone,
    _T.c.created_at,
)
_ADD_LOCK = 7_263_101  # PostgreSQL advisory lock space: one add per user at a time


def _record(row: Any) -> WatchRecord:
    return WatchRecord(
        row.id,
        row.platform,
        row.workspace,
        row.user_id,
        row.query,
        row.mode,
        paused=bool(row.paused),
        daily_at=row.daily_at,
        timezone=row.timezone,
        created_at=row.created_at,
    )


def _owned(owner: WatchOwner) -> tuple[ColumnElement[bool], ...]:
    platform, workspace, user_id = owner
    t = _T.c
    return (t.platform == platform, t.workspace == workspace, t.user_id == user_id, t.active)


def _lock_owner(conn: Connection, owner: WatchOwner) -> None:
    """On PostgreSQL, serialise adds of one user, so two identical requests at once cannot both
    pass the duplicate check (SQLite has one writer anyway)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:owner))"),
            {"space": _ADD_LOCK, "owner": "\n".join(owner)},
        )


class WatchStore:
    """Keyword watches: saved once per user and query, listed, removed, and read for matching."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self,
        owner: WatchOwner,
        query: str,
        mode: str,
        *,
        now: datetime,
        cap: int,
        daily_at: str | None = None,
        timezone: str | None = None,
    ) -> WatchAdded:
        """Save an active watch unless the user has the same one, or `cap` watches already;
        `daily_at` and `timezone` say when a daily watch tells."""
        t = _T.c
        with self._db.session() as session:
            conn = session.connection()
            _lock_owner(conn, owner)
            same = conn.execute(
                select(t.id).where(*_owned(owner), t.query == query, t.mode == mode).limit(1)
            ).scalar()
            count = int(conn.execute(select(func.count()).where(*_owned(owner))).scalar_one())
            if same is not None:
                return WatchAdded("duplicate", same, count)
            if count >= cap:
                return WatchAdded("full", None, count)
            platform, workspace, user_id = owner
            new = conn.execute(
                insert(_T)
                .values(
                    platform=platform,
                    workspace=workspace,
                    user_id=user_id,
                    query=query,
                    mode=mode,
                    active=True,
                    created_at=now,
                    paused=False,
                    daily_at=daily_at,
                    timezone=timezone,
                )
                .returning(t.id)
            ).scalar_one()
            return WatchAdded("added", new, count + 1)

    def of(self, owner: WatchOwner) -> list[WatchRecord]:
        """The user's active watches, oldest first."""
        with self._db.session() as session:
            rows = session.connection().execute(
                select(*_COLUMNS).where(*_owned(owner)).order_by(_T.c.id)
            )
            return [_record(r) for r in rows]

    def listing(self, owner: WatchOwner) -> list[WatchListing]:
        """The user's watches, oldest first, each with when it last matched (the newest story
        it told them about)."""
        a = _ALERTS.c
        last = select(func.max(a.at)).where(a.watch_id == _T.c.id).scalar_subquery()
        t = _T.c
        stmt = (
            select(
                t.id,
                t.query,
                t.mode,
                t.created_at,
                last.label("last_match"),
                t.paused,
                t.daily_at,
                t.timezone,
            )
            .where(*_owned(owner))
            .order_by(t.id)
        )
        with self._db.session() as session:
            rows = session.connection().execute(stmt)
            return [
                WatchListing(
                    r.id,
                    r.query,
                    r.mode,
                    r.created_at,
                    r.last_match,
                    r.paused,
                    r.daily_at,
                    r.timezone,
                )
                for r in rows
            ]

    def remove(self, owner: WatchOwner, watch_id: int) -> bool:
        """Delete the watch if it is this user's; False (and nothing changed) otherwise."""
        with self._db.session() as session:
            gone = session.connection().execute(
                delete(_T).where(_T.c.id == watch_id, *_owned(owner))
            )
            return bool(gone.rowcount)

    def set_paused(
        self, owner: WatchOwner, watch_id: int, paused: bool
    ) -> tuple[WatchRecord, bool] | None:
        """Pause or resume the watch if it is this user's: the watch as it now stands, and
        whether this changed it (a watch already paused is not paused again); None if not theirs."""
        with self._db.session() as session:
            conn = session.connection()
            row = conn.execute(select(*_COLUMNS).where(_T.c.id == watch_id, *_owned(owner))).first()
            if row is None:
                return None
            if bool(row.paused) == paused:
                return _record(row), False
            conn.execute(update(_T).where(_T.c.id == watch_id).values(paused=paused))
            return replace(_record(row), paused=paused), True

    def active(self) -> list[WatchRecord]:
        """Every active watch that is not paused, for building the matcher."""
        with self._db.session() as session:
            rows = session.connection().execute(
                select(*_COLUMNS).where(_T.c.active, _T.c.paused.is_(False))
            )
            return [_record(r) for r in rows]

    def fingerprint(self) -> tuple[object, ...]:
        """A cheap aggregate over the active watches that changes whenever they do."""
        t = _T.c
        stmt = select(
            func.count(),
            func.max(t.id),
            func.sum(t.id),
            func.max(t.created_at),  # SQLite may reuse a deleted row's id
            func.sum(func.length(t.query)),
        ).where(t.active, t.paused.is_(False))
        with self._db.session() as session:
            return tuple(session.connection().execute(stmt).one())
