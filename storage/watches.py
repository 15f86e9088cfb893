"""CRUD for users' keyword watches (per platform, workspace and user)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from storage.models import Watch

__all__ = ["add_watch", "count_watches", "list_watches", "remove_watch", "active_watches"]


def add_watch(
    session: Session,
    *,
    platform: str,
    workspace: str,
    user_id: str,
    query: str,
    mode: str,
    now: datetime,
) -> Watch:
    """Store a new active watch and return it with its id."""
    watch = Watch(
        platform=platform,
        workspace=workspace,
        user_id=user_id,
        query=query,
        mode=mode,
        created_at=now,
    )
    session.add(watch)
    session.flush()
    return watch


def count_watches(session: Session, platform: str, workspace: str, user_id: str) -> int:
    """How many active watches the user has."""
    stmt = select(func.count()).where(
        Watch.platform == platform,
        Watch.workspace == workspace,
        Watch.user_id == user_id,
        col(Watch.active).is_(True),
    )
    return int(session.exec(stmt).one())


def list_watches(session: Session, platform: str, workspace: str, user_id: str) -> list[Watch]:
    """The user's active watches, oldest first."""
    stmt = (
        select(Watch)
        .where(
            Watch.platform == platform,
            Watch.workspace == workspace,
            Watch.user_id == user_id,
            col(Watch.active).is_(True),
        )
        .order_by(col(Watch.id))
    )
    return list(session.exec(stmt).all())


def remove_watch(
    session: Session, platform: str, workspace: str, user_id: str, watch_id: int
) -> bool:
    """Delete the watch if it is this user's; False (and nothing changed) otherwise."""
    watch = session.get(Watch, watch_id)
    if (
        watch is None
        or not watch.active
        or (watch.platform, watch.workspace, watch.user_id) != (platform, workspace, user_id)
    ):
        return False
    session.delete(watch)
    return True


def active_watches(session: Session) -> list[Watch]:
    """Every active watch, for building the matcher."""
    return list(session.exec(select(Watch).where(col(Watch.active).is_(True))).all())
