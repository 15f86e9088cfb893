"""Reading stories for an export: the surviving stories seen since a time, oldest first, with
their tags and every item, read a batch of stories at a time; for a tenant, only what it sees."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, select

from core.export import ExportedItem, ExportedStory
from storage.scope import EVERYTHING, Sight, item_seen, story_seen
from storage.tables import ITEMS, SOURCES, STORIES, STORY_TAGS
from storage.views import seen_headlines

__all__ = ["export_stories"]

BATCH = 500  # stories per read: memory stays flat however long the window


def export_stories(
    conn: Connection, since: datetime, sight: Sight = EVERYTHING
) -> Iterator[ExportedStory]:
    """Every story (merged ones left out) last seen at or after `since` that `sight` sees, by
    first seen, with the items it sees."""
    s = STORIES.c
    seen = story_seen(sight)
    after: tuple[datetime, int] | None = None
    while True:
        stmt = (
            select(STORIES)
            .where(s.merged_into.is_(None), s.last_seen_at >= since)
            .order_by(s.first_seen_at, s.id)
            .limit(BATCH)
        )
        if seen is not None:
            stmt = stmt.where(seen)
        if after is not None:  # keyset paging: no OFFSET re-reading what was read
            stmt = stmt.where(
                (s.first_seen_at > after[0]) | ((s.first_seen_at == after[0]) & (s.id > after[1]))
            )
        rows = conn.execute(stmt).all()
        if not rows:
            return
        ids = [r.id for r in rows]
        tags = _tags(conn, ids)
        items = _items(conn, ids, sight)
        heads = seen_headlines(conn, ids, sight)
        for r in rows:
            topics, places = tags.get(r.id, ([], []))
            yield ExportedStory(
                id=r.id,
                headline=heads.get(r.id, r.headline),
                topics=tuple(sorted(topics)),
                jurisdictions=tuple(sorted(places)),
                relevant=bool(r.relevant),
                relevance_reasons=tuple(x for x in r.relevance_reasons.split("; ") if x),
                event_type=r.event_type,
                significance=float(r.significance),
                official=bool(r.official),
                # a story seen in part counts the sources seen
                source_count=(
                    len({item.source for item in items.get(r.id, [])})
                    if r.id in heads
                    else int(r.source_count)
                ),
                first_seen_at=r.first_seen_at,
                last_seen_at=r.last_seen_at,
                items=tuple(items.get(r.id, [])),
            )
        after = (rows[-1].first_seen_at, rows[-1].id)


def _tags(conn: Connection, ids: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    t = STORY_TAGS.c
    out: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for sid, kind, slug in conn.execute(
        select(t.story_id, t.kind, t.slug).where(t.story_id.in_(ids))
    ):
        out[sid][0 if kind == "topic" else 1].append(slug)
    return out


def _items(conn: Connection, ids: list[int], sight: Sight) -> dict[int, list[ExportedItem]]:
    i, src = ITEMS.c, SOURCES.c
    stmt = (
        select(i.story_id, src.name, i.title, i.url, i.published_at)
        .join(SOURCES, src.id == i.source_id)
        .where(i.story_id.in_(ids))
        .order_by(i.story_id, i.published_at, i.id)
    )
    seen = item_seen(sight)
    if seen is not None:
        stmt = stmt.where(seen)
    out: dict[int, list[ExportedItem]] = defaultdict(list)
    for sid, source, title, url, published in conn.execute(stmt):
        out[sid].append(ExportedItem(source, title, url, published))
    return out
