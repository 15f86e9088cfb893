"""Per-channel pins of stories; they expire unless re-pinned. A pin of a story that was merged
into another counts as a pin of the story it went to."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, Connection, Table, delete, insert, select, update

from core.pins import PinBoard, PinOutcome, PinRecord, UnpinOutcome
from core.stories import StoryPick
from core.subscriptions import Channel
from core.summaries import SummaryLookup
from core.tenants import Tenant
from storage.db import Database
from storage.models import Pin
from storage.scope import sight_of
from storage.views import read_page, resolve, survivor_map

__all__ = ["PinStore", "channel_pins"]

_T: Table = Pin.__table__  # type: ignore[attr-defined]


def _in(channel: Channel) -> tuple[ColumnElement[bool], ...]:
    platform, workspace, where = channel
    t = _T.c
    return (t.platform == platform, t.workspace == workspace, t.channel == where)


def channel_pins(conn: Connection, channel: Channel, now: datetime) -> list[PinRecord]:
    """The channel's unexpired pins, newest first, each on the story a merged one went to (one
    pin per story)."""
    t = _T.c
    rows = conn.execute(
        select(t.story_id, t.pinned_by, t.pinned_at, t.expires_at)
        .where(*_in(channel), t.expires_at > now)
        .order_by(t.pinned_at.desc(), t.id.desc())
    ).all()
    into = survivor_map(conn, [r.story_id for r in rows])
    pins: dict[int, PinRecord] = {}
    for r in rows:
        story_id = into.get(r.story_id)
        if story_id is not None and story_id not in pins:
            pins[story_id] = PinRecord(story_id, r.pinned_by, r.pinned_at, r.expires_at)
    return list(pins.values())


class _PinRow(NamedTuple):
    id: int
    story_id: int
    expires_at: datetime


def _pins_of(conn: Connection, channel: Channel, story_id: int) -> list[_PinRow]:
    """The channel's pin rows (expired ones too) on this story or on stories merged into it."""
    t = _T.c
    rows = conn.execute(select(t.id, t.story_id, t.expires_at).where(*_in(channel)))
    found = [_PinRow(*r) for r in rows]
    into = survivor_map(conn, [r.story_id for r in found])
    return [r for r in found if into.get(r.story_id) == story_id]


class PinStore:
    """Moderators' pins of stories in channels."""

    def __init__(self, db: Database, tenant: Tenant | None = None) -> None:
        self._db = db
        self._tenant = tenant  # pins only stories it sees (storage/scope.py)

    def pin(
        self, channel: Channel, pick: StoryPick, *, by: str, now: datetime, days: int = 7
    ) -> PinOutcome | None:
        """Pin (or re-pin, extending the expiry) the story `pick` names; None when there is no
        such story."""
        t = _T.c
        with self._db.session() as session:
            conn = session.connection()
            story = resolve(conn, pick, sight_of(conn, self._tenant))
            if story is None:
                return None
            same = _pins_of(conn, channel, story.id)
            expires = now + timedelta(days=days)
            values = {
                "story_id": story.id,
                "pinned_by": by,
                "pinned_at": now,
                "expires_at": expires,
            }
            if not same:
                platform, workspace, where = channel
                conn.execute(
                    insert(_T).values(
                        platform=platform, workspace=workspace, channel=where, **values
                    )
                )
                return PinOutcome(story, expires, new=True)
            # one row per story: keep the row on the story itself, drop pins of its merged ones
            keep = next((r for r in same if r.story_id == story.id), same[0])
            drop = [r.id for r in same if r.id != keep.id]
            if drop:
                conn.execute(delete(_T).where(t.id.in_(drop)))
            conn.execute(update(_T).where(t.id == keep.id).values(**values))
            return PinOutcome(story, expires, new=not any(r.expires_at > now for r in same))

    def unpin(self, channel: Channel, pick: StoryPick, now: datetime) -> UnpinOutcome | None:
        """Remove the active pin of the story `pick` names; None when there is no such story."""
        with self._db.session() as session:
            conn = session.connection()
            story = resolve(conn, pick, sight_of(conn, self._tenant))
            if story is None:
                return None
            gone = [r.id for r in _pins_of(conn, channel, story.id) if r.expires_at > now]
            if gone:
                conn.execute(delete(_T).where(_T.c.id.in_(gone)))
            return UnpinOutcome(story, removed=bool(gone))

    def board(self, channel: Channel, now: datetime, lookup: SummaryLookup) -> PinBoard:
        """The channel's unexpired pins, newest first, and their stories' page."""
        with self._db.session() as session:
            conn = session.connection()
            pins = channel_pins(conn, channel, now)
            page = read_page(
                conn, [p.story_id for p in pins], [], lookup, sight_of(conn, self._tenant)
            )
        return PinBoard(tuple(p for p in pins if p.story_id in page.views), page)
