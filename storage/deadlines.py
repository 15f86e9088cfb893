"""The deadline radar's records: each story's deadlines (replaced whenever the story changes),
the upcoming ones for /deadlines and calendars, and people's private calendar feeds.

A deadline row belongs to its story and its item (ON DELETE CASCADE on both); a story merged into
another is never listed, and its rows go when the hook replaces them with nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, func, insert, or_, select

from core.deadlines import (
    CalendarFeed,
    DatedItem,
    Deadline,
    DeadlineFilter,
    DeadlineRecord,
    FoundDeadline,
    Kind,
    Precision,
)
from core.tenants import Tenant
from storage.db import Database
from storage.deadline_models import CALENDAR_FEEDS, DEADLINES
from storage.scope import item_seen, sight_of
from storage.tables import ITEMS, STORIES, STORY_TAGS, chunked
from storage.views import seen_headlines

__all__ = ["DeadlineStore"]


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _feed(row: Any) -> CalendarFeed:
    return CalendarFeed(
        id=int(row.id),
        platform=row.platform,
        workspace=row.workspace,
        user=row.user_id,
        query=row.query,
        created_at=row.created_at,
    )


class DeadlineStore:
    """Deadlines of stories, and calendar feeds; every method is one transaction."""

    def __init__(self, db: Database, tenant: Tenant | None = None) -> None:
        self._db = db
        self._tenant = tenant  # readers see only its stories' deadlines (storage/scope.py)

    # -- what the after-ingest hook reads and writes ------------------------------------------

    def story_texts(self, story_ids: Sequence[int]) -> dict[int, list[DatedItem]]:
        """The items of these stories, oldest first, by story; a story that is not policy news
        (or was merged into another) has none, so its deadlines leave the radar."""
        out: dict[int, list[DatedItem]] = {sid: [] for sid in dict.fromkeys(story_ids)}
        i = ITEMS.c
        with self._db.engine.connect() as conn:
            for chunk in chunked(story_ids):
                stmt = (
                    select(i.id, i.story_id, i.title, i.text, i.published_at)
                    .join(STORIES, STORIES.c.id == i.story_id)
                    .where(i.story_id.in_(chunk), STORIES.c.relevant.is_(True))
                    .order_by(i.published_at, i.id)
                )
                for row in conn.execute(stmt):
                    out[row.story_id].append(
                        DatedItem(row.id, row.story_id, row.title, row.text, row.published_at)
                    )
        return out

    def replace(self, found: Mapping[int, Sequence[FoundDeadline]]) -> int:
        """Each given story's deadlines become exactly `found[story]` (nothing: all removed);
        returns how many rows were written."""
        rows = [
            {
                "story_id": story_id,
                "item_id": f.item_id,
                "kind": f.deadline.kind,
                "due_start": f.deadline.start,
                "due_end": f.deadline.end,
                "precision": f.deadline.precision,
                "sentence": f.deadline.sentence,
                "published_at": f.published_at,
            }
            for story_id, deadlines in found.items()
            for f in deadlines
        ]
        with self._db.engine.begin() as conn:
            for chunk in chunked(found):
                conn.execute(delete(DEADLINES).where(DEADLINES.c.story_id.in_(chunk)))
            if rows:
                conn.execute(insert(DEADLINES), rows)
        return len(rows)

    # -- readers ------------------------------------------------------------------------------

    def upcoming(self, want: DeadlineFilter) -> list[DeadlineRecord]:
        """Deadlines not over by `want.today` that start within the horizon and match its tags and
        words; soonest first (then the most precise first)."""
        d, s, i = DEADLINES.c, STORIES.c, ITEMS.c
        until = want.today + want.horizon
        conds: list[ColumnElement[bool]] = [
            d.due_end >= want.today,
            d.due_start <= until,
            s.merged_into.is_(None),
        ]
        if want.kinds:
            conds.append(d.kind.in_(sorted(want.kinds)))
        for kind, slugs in (("topic", want.topics), ("jurisdiction", want.jurisdictions)):
            if slugs:
                t = STORY_TAGS.c
                conds.append(
                    exists().where(
                        and_(t.story_id == d.story_id, t.kind == kind, t.slug.in_(sorted(slugs)))
                    )
                )
        with self._db.engine.connect() as conn:
            sight = sight_of(conn, self._tenant)
            seen = item_seen(sight)  # the item each deadline was read from
            if seen is not None:
                conds.append(seen)
            sqlite = conn.dialect.name == "sqlite"
            for word in want.words:
                conds.append(_mentions(word, sqlite, sight.whole))
            stmt = (
                select(
                    d.id,
                    d.story_id,
                    d.kind,
                    d.due_start,
                    d.precision,
                    d.sentence,
                    d.published_at,
                    s.headline,
                    i.url,
                )
                .join(STORIES, s.id == d.story_id)
                .join(ITEMS, i.id == d.item_id)
                .where(*conds)
                .order_by(d.due_start, d.due_end, d.id)
                .limit(want.limit)
            )
            rows = list(conn.execute(stmt))
            tags = _tags(conn, [r.story_id for r in rows])
            heads = seen_headlines(conn, [r.story_id for r in rows], sight)
        return [
            DeadlineRecord(
                id=int(r.id),
                story_id=int(r.story_id),
                deadline=Deadline(
                    cast(Kind, r.kind), r.due_start, cast(Precision, r.precision), r.sentence
                ),
                published_at=r.published_at,
                headline=heads.get(r.story_id, r.headline),
                url=r.url if r.url and r.url.startswith(("http://", "https://")) else None,
                topics=tags.get(r.story_id, ((), ()))[0],
                jurisdictions=tags.get(r.story_id, ((), ()))[1],
            )
            for r in rows
        ]

    def count_for_story(self, story_id: int) -> int:
        """How many deadlines a story has (tests and diagnostics)."""
        with self._db.engine.connect() as conn:
            stmt = select(func.count()).where(DEADLINES.c.story_id == story_id)
            return int(conn.execute(stmt).scalar_one())

    # -- calendar feeds -----------------------------------------------------------------------

    def subscribe(
        self,
        *,
        platform: str,
        workspace: str,
        user: str,
        query: str,
        token_hash: str,
        now: datetime,
    ) -> CalendarFeed:
        """The person's feed for `query` under a new token: any earlier token stops working."""
        c = CALENDAR_FEEDS.c
        person = and_(c.platform == platform, c.workspace == workspace, c.user_id == user)
        with self._db.engine.begin() as conn:
            conn.execute(delete(CALENDAR_FEEDS).where(person))
            conn.execute(
                insert(CALENDAR_FEEDS).values(
                    platform=platform,
                    workspace=workspace,
                    user_id=user,
                    query=query,
                    token_hash=token_hash,
                    created_at=now,
                )
            )
            row = conn.execute(select(CALENDAR_FEEDS).where(person)).one()
        return _feed(row)

    def unsubscribe(self, *, platform: str, workspace: str, user: str) -> bool:
        """Revoke the person's feed; False when they had none."""
        c = CALENDAR_FEEDS.c
        with self._db.engine.begin() as conn:
            gone = conn.execute(
                delete(CALENDAR_FEEDS).where(
                    c.platform == platform, c.workspace == workspace, c.user_id == user
                )
            ).rowcount
        return bool(gone)

    def feed_of(self, *, platform: str, workspace: str, user: str) -> CalendarFeed | None:
        """The person's feed, if any."""
        c = CALENDAR_FEEDS.c
        with self._db.engine.connect() as conn:
            row = conn.execute(
                select(CALENDAR_FEEDS).where(
                    c.platform == platform, c.workspace == workspace, c.user_id == user
                )
            ).first()
        return None if row is None else _feed(row)

    def feed_by_token_hash(self, token_hash: str) -> tuple[CalendarFeed, str] | None:
        """The feed stored under this token hash, with the stored hash (for the caller's
        constant-time comparison), or None."""
        with self._db.engine.connect() as conn:
            row = conn.execute(
                select(CALENDAR_FEEDS).where(CALENDAR_FEEDS.c.token_hash == token_hash)
            ).first()
        return None if row is None else (_feed(row), str(row.token_hash))


def _mentions(word: str, sqlite: bool, whole: bool) -> ColumnElement[bool]:
    """The deadline's sentence or (for a tenant that sees the story whole) its story's
    headline contains `word`, whatever the case."""
    pattern = _like(word)
    columns = (DEADLINES.c.sentence, STORIES.c.headline) if whole else (DEADLINES.c.sentence,)
    if not sqlite:
        return or_(*(c.ilike(pattern, escape="\\") for c in columns))
    if word.isascii():
        return or_(*(c.like(pattern, escape="\\") for c in columns))  # SQLite folds ASCII
    return or_(*(func.pb_lower(c).like(pattern, escape="\\") for c in columns))


def _tags(
    conn: Connection, story_ids: Sequence[int]
) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """(topics, jurisdictions) of these stories, sorted."""
    found: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    t = STORY_TAGS.c
    for chunk in chunked(story_ids):
        for sid, kind, slug in conn.execute(
            select(t.story_id, t.kind, t.slug).where(t.story_id.in_(chunk)).order_by(t.slug)
        ):
            found[sid][0 if kind == "topic" else 1].append(slug)
    return {sid: (tuple(a), tuple(b)) for sid, (a, b) in found.items()}
