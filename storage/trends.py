"""Stories per day for /trend: counts by the day a story was first seen, optionally split by
topic, jurisdiction or source, and each day's most-told headline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal, NamedTuple

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select

from core.deadlines import StoriesPerDay, TrendRow
from core.tenants import Tenant
from storage.db import Database
from storage.scope import Sight, item_seen, sight_of, story_seen
from storage.tables import ITEMS, SOURCES, STORIES, STORY_TAGS, chunked
from storage.views import seen_headlines

__all__ = ["TrendStore", "SplitBy"]

SplitBy = Literal["", "topic", "jurisdiction", "source"]
MAX_STORIES = 50_000  # a year of a busy deployment; beyond it the oldest are not counted


class TrendStore:
    """Read-only counts over stories; one transaction per call."""

    def __init__(self, db: Database, tenant: Tenant | None = None) -> None:
        self._db = db
        self._tenant = tenant  # counts only the stories it sees (storage/scope.py)

    def stories_per_day(
        self,
        *,
        since: datetime,
        until: datetime,
        topics: Sequence[str] = (),
        jurisdictions: Sequence[str] = (),
        words: Sequence[str] = (),
        by: SplitBy = "",
    ) -> StoriesPerDay:
        """Stories first seen in [since, until) that match (any topic, any jurisdiction, every
        word), counted per UTC day and series."""
        s = STORIES.c
        conds: list[ColumnElement[bool]] = [
            s.first_seen_at >= since,
            s.first_seen_at < until,
            s.merged_into.is_(None),
            s.item_count > 0,
        ]
        t = STORY_TAGS.c
        for kind, slugs in (("topic", topics), ("jurisdiction", jurisdictions)):
            if slugs:
                conds.append(
                    exists().where(
                        and_(t.story_id == s.id, t.kind == kind, t.slug.in_(sorted(slugs)))
                    )
                )
        with self._db.engine.connect() as conn:
            sight = sight_of(conn, self._tenant)
            seen = story_seen(sight)
            if seen is not None:
                conds.append(seen)
            sqlite = conn.dialect.name == "sqlite"
            conds += [_mentions(w, sqlite, sight) for w in words if w.strip()]
            stmt = (
                select(s.id, s.first_seen_at, s.headline, s.source_count)
                .where(*conds)
                .order_by(s.first_seen_at.desc())
                .limit(MAX_STORIES)
            )
            stories = [_Story(*row) for row in conn.execute(stmt)]
            series = _series(conn, [r.id for r in stories], by, sight) if by else {}
            peaks = _peaks(stories)
            # a peak the tenant sees in part is named by what it sees
            heads = seen_headlines(conn, [r.id for r in peaks.values()], sight)
        counts: Counter[tuple[date, str]] = Counter()
        for row in stories:
            day = row.first_seen_at.date()
            for name in series.get(row.id, ("other",)) if by else ("",):
                counts[(day, name)] += 1
        rows = tuple(TrendRow(day, name, n) for (day, name), n in sorted(counts.items()))
        return StoriesPerDay(rows, {day: heads.get(r.id, r.headline) for day, r in peaks.items()})


class _Story(NamedTuple):
    id: int
    first_seen_at: datetime
    headline: str
    source_count: int


def _peaks(stories: Sequence[_Story]) -> dict[date, _Story]:
    """Each day's most-told story (ties: the earliest), which names its peak."""
    best: dict[date, _Story] = {}
    for row in stories:
        day = row.first_seen_at.date()
        held = best.get(day)
        rank = (int(row.source_count), -row.first_seen_at.timestamp())
        if held is None or rank > (int(held.source_count), -held.first_seen_at.timestamp()):
            best[day] = row
    return best


def _series(
    conn: Connection, story_ids: Sequence[int], by: SplitBy, sight: Sight
) -> dict[int, tuple[str, ...]]:
    """Each story's series names: its topics or jurisdictions (slugs), or the names of its
    sources the tenant sees."""
    found: dict[int, list[str]] = {}
    for chunk in chunked(story_ids):
        if by == "source":
            i, src = ITEMS.c, SOURCES.c
            stmt = (
                select(i.story_id, src.name)
                .join(SOURCES, src.id == i.source_id)
                .where(i.story_id.in_(chunk))
                .distinct()
            )
            seen = item_seen(sight)
            if seen is not None:
                stmt = stmt.where(seen)
        else:
            t = STORY_TAGS.c
            stmt = select(t.story_id, t.slug).where(t.story_id.in_(chunk), t.kind == by)
        for sid, name in conn.execute(stmt):
            found.setdefault(sid, []).append(name)
    return {sid: tuple(sorted(names)) for sid, names in found.items()}


def _mentions(word: str, sqlite: bool, sight: Sight) -> ColumnElement[bool]:
    """Some item of the story the tenant sees has `word` in its title or text, whatever the
    case."""
    escaped = word.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    i = ITEMS.c
    columns = (i.title, i.text)
    if not sqlite:
        match = or_(*(c.ilike(pattern, escape="\\") for c in columns))
    elif word.isascii():
        match = or_(*(c.like(pattern, escape="\\") for c in columns))
    else:
        match = or_(*(func.pb_lower(c).like(pattern, escape="\\") for c in columns))
    seen = item_seen(sight)
    return exists().where(i.story_id == STORIES.c.id, match, *(() if seen is None else (seen,)))
