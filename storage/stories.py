"""Stories (clusters of items): creating them, keeping their aggregates true, and querying them.

Storage never imports digest/, so classification arrives as a callback and the reader-facing
shapes (StoryCard, StoryText) are built in digest/compose.py from the rows returned here.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from storage.items import ItemLike
from storage.models import Item, Source, Story, StoryTag

__all__ = [
    "TagPair",
    "Classify",
    "StoryItemRow",
    "insert_stories",
    "load_sources",
    "SourceFacts",
    "SourceLike",
    "refresh_stories",
    "recent_story_items",
    "recent_stories_mentioning",
    "find_stories",
    "get_story",
    "story_by_url",
    "stories_by_ids",
    "story_items",
    "story_tags",
    "rank_key",
]

_CHUNK = 500
_ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
_STORIES: Table = Story.__table__  # type: ignore[attr-defined]
_STORY_TAGS: Table = StoryTag.__table__  # type: ignore[attr-defined]
TagPair = tuple[frozenset[str], frozenset[str]]  # (topics, jurisdictions)


class SourceLike(Protocol):
    """What stories need of a source (a Source row or a SourceFacts)."""

    @property
    def official(self) -> bool: ...
    @property
    def jurisdiction(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """A source's id, rank and default jurisdiction: loaded per batch, so kept light."""

    id: int
    official: bool
    jurisdiction: str | None


Classify = Callable[[ItemLike, SourceLike], TagPair]
"""Tags one item (an Item, a NewItem or a row of item columns), given its source (for the
source's default jurisdiction)."""


@dataclass(frozen=True)
class StoryItemRow:
    """One item of a story with what a reader needs of its source."""

    story_id: int
    item_id: int
    source_id: int
    source_name: str
    official: bool
    title: str
    text: str
    url: str | None
    published_at: datetime
    language: str | None


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    uniq = list(dict.fromkeys(ids))
    for i in range(0, len(uniq), _CHUNK):
        yield uniq[i : i + _CHUNK]


def _aggregate(members: Sequence[ItemLike], official: dict[int, bool]) -> dict[str, Any]:
    """A story's columns computed from its items (all of them)."""
    # the headline: official sources first, then the earliest
    unofficial, _, head = min(
        (not official.get(it.source_id, False), it.published_at, i) for i, it in enumerate(members)
    )
    times = [it.published_at for it in members]
    hashes = sorted(it.content_hash for it in members)
    return {
        "headline": members[head].title,
        "item_count": len(members),
        "source_count": len({it.source_id for it in members}),
        "official": not unofficial,
        "first_seen_at": min(times),
        "last_seen_at": max(times),
        "content_hash": hashlib.sha256("".join(hashes).encode("ascii", "replace")).hexdigest(),
    }


def _tag_rows(
    story_id: int,
    members: Sequence[ItemLike],
    sources: Mapping[int, SourceLike],
    classify: Classify,
) -> list[dict[str, Any]]:
    """The union of the members' tags, as story_tags rows."""
    topics: set[str] = set()
    places: set[str] = set()
    for it in members:
        t, j = classify(it, sources[it.source_id])
        topics |= t
        places |= j
    rows = [{"story_id": story_id, "kind": "topic", "slug": slug} for slug in sorted(topics)]
    rows += [
        {"story_id": story_id, "kind": "jurisdiction", "slug": slug} for slug in sorted(places)
    ]
    return rows


def insert_stories(
    session: Session,
    groups: Sequence[Sequence[ItemLike]],
    sources: Mapping[int, SourceLike],
    classify: Classify,
) -> list[int]:
    """Insert one complete story (columns and tags) per group of items; returns the new ids.

    One multi-row INSERT ... RETURNING for the stories and one INSERT for their tags.
    """
    if not groups:
        return []
    official = {sid: src.official for sid, src in sources.items()}
    rows = [_aggregate(members, official) for members in groups]
    # Core inserts on the tables (not the ORM bulk path): the rows are plain dicts already
    conn = session.connection()
    ids = _insert_returning_ids(conn, rows)
    tag_rows: list[dict[str, Any]] = []
    for story_id, members in zip(ids, groups, strict=True):
        tag_rows += _tag_rows(story_id, members, sources, classify)
    if tag_rows:
        conn.execute(insert(_STORY_TAGS), tag_rows)
    return ids


def _insert_returning_ids(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert story rows; their new ids, in the order of `rows`."""
    hashes = [row["content_hash"] for row in rows]
    if len(set(hashes)) == len(rows):
        # One multi-row INSERT; RETURNING order is not guaranteed, so ids are matched back by
        # content hash (distinct here). SQLAlchemy's sort_by_parameter_order would insert row
        # by row on SQLite.
        stmt = insert(_STORIES).returning(_STORIES.c.content_hash, _STORIES.c.id)
        found: dict[str, int] = {h: int(i) for h, i in conn.execute(stmt, rows)}
        return [found[h] for h in hashes]
    stmt = insert(_STORIES).returning(_STORIES.c.id, sort_by_parameter_order=True)
    return [int(i) for i in conn.execute(stmt, rows).scalars().all()]


def refresh_stories(session: Session, story_ids: Sequence[int], classify: Classify) -> list[int]:
    """Recompute headline, counts, times, content hash and tags of these stories; returns the
    ids of those that have items (a story without items only loses its tags)."""
    if not story_ids:
        return []
    by_story = _member_rows(session, story_ids)
    sources = load_sources(session, {it.source_id for rows in by_story.values() for it in rows})
    official = {sid: s.official for sid, s in sources.items()}
    refreshed: list[int] = []
    updates: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    for story_id in dict.fromkeys(story_ids):
        members = by_story.get(story_id)
        if not members:
            continue
        row = _aggregate(members, official)
        row["b_id"] = story_id
        updates.append(row)
        tag_rows += _tag_rows(story_id, members, sources, classify)
        refreshed.append(story_id)
    # One UPDATE ... executemany (Core: the ORM would issue one per story)
    conn = session.connection()
    if updates:
        conn.execute(update(_STORIES).where(_STORIES.c.id == bindparam("b_id")), updates)
    for chunk in _chunks(story_ids):
        conn.execute(delete(_STORY_TAGS).where(_STORY_TAGS.c.story_id.in_(chunk)))
    if tag_rows:
        conn.execute(insert(_STORY_TAGS), tag_rows)
    # Story objects this session already holds must not keep the old values
    for story_id in refreshed:
        held = session.identity_map.get(identity_key(Story, story_id))
        if held is not None:
            session.expire(held)
    return refreshed


def _member_rows(session: Session, story_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each story's items, oldest first, as rows of the columns a story is built from (rows,
    not ORM objects: cheaper, and enough for the aggregates and the classifier)."""
    session.flush()  # edits made through the ORM in this session must be seen
    by_story: dict[int, list[Any]] = defaultdict(list)
    for chunk in _chunks(story_ids):
        rows = session.connection().execute(
            sa_select(
                _ITEMS.c.story_id,
                _ITEMS.c.source_id,
                _ITEMS.c.title,
                _ITEMS.c.text,
                _ITEMS.c.published_at,
                _ITEMS.c.content_hash,
            )
            .where(_ITEMS.c.story_id.in_(chunk))
            .order_by(_ITEMS.c.published_at, _ITEMS.c.id)
        )
        for row in rows:
            by_story[row.story_id].append(row)
    return by_story


def load_sources(session: Session, ids: Iterable[int]) -> dict[int, SourceFacts]:
    """What stories need of these sources, by id."""
    c = Source.__table__.c  # type: ignore[attr-defined]
    out: dict[int, SourceFacts] = {}
    for chunk in _chunks(list(ids)):
        stmt = sa_select(c.id, c.official, c.jurisdiction).where(c.id.in_(chunk))
        for source_id, official, jurisdiction in session.connection().execute(stmt):
            out[source_id] = SourceFacts(source_id, bool(official), jurisdiction)
    return out


def recent_story_items(
    session: Session, since: datetime, *, after_id: int = 0
) -> list[tuple[int, str, str, datetime]]:
    """(story id, title, text, published_at) of every item of the stories seen since `since`
    (with an id above `after_id`), by story and then oldest first: the clusterer's index is
    rebuilt from them."""
    # Core, not the ORM: this runs before every batch and usually finds nothing new, which the
    # primary key index tells at once
    s, i = _STORIES.c, _ITEMS.c
    conn = session.connection()
    if after_id and (conn.execute(sa_select(func.max(s.id))).scalar() or 0) <= after_id:
        return []
    stmt = (
        sa_select(i.story_id, i.title, i.text, i.published_at)
        .join(_STORIES, s.id == i.story_id)
        .where(s.last_seen_at >= since)
        .order_by(i.story_id, i.published_at, i.id)
    )
    if after_id:
        stmt = stmt.where(s.id > after_id)
    return [(sid, t, x, at) for sid, t, x, at in conn.execute(stmt)]


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _mentions(word: str, sqlite: bool) -> ColumnElement[bool]:
    """Some item of the story has `word` in its title or text, whatever the case."""
    pattern = f"%{_like_escape(word.strip().lower())}%"
    i = _ITEMS.c
    columns: list[ColumnElement[str]] = [i.title, i.text]
    if not sqlite:
        match = or_(*(c.ilike(pattern, escape="\\") for c in columns))
    elif word.isascii():
        match = or_(*(c.like(pattern, escape="\\") for c in columns))  # SQLite's LIKE folds ASCII
    else:
        # SQLite's own lower() and LIKE fold ASCII only: "Überwachung" needs Python's lower()
        match = or_(*(func.pb_lower(c).like(pattern, escape="\\") for c in columns))
    return exists().where(i.story_id == _STORIES.c.id, match)


def recent_stories_mentioning(
    session: Session, since: datetime, words: Sequence[str]
) -> list[tuple[int, str, datetime]]:
    """(id, headline, last_seen_at) of the stories seen since `since` with any of `words` in
    an item (every such story when `words` is empty), newest first."""
    s = _STORIES.c
    stmt = sa_select(s.id, s.headline, s.last_seen_at).where(s.last_seen_at >= since)
    sqlite = _is_sqlite(session)
    needles = [w for w in words if w.strip()]
    if needles:
        stmt = stmt.where(or_(*(_mentions(w, sqlite) for w in needles)))
    stmt = stmt.order_by(s.last_seen_at.desc(), s.id.desc())
    return [(sid, head, seen) for sid, head, seen in session.connection().execute(stmt)]


def rank_key(story: Story, now: datetime, *, has_topic: bool = True) -> float:
    """Higher ranks first: recent, told by several sources, official sources ahead; a story
    with no policy topic at all (a festival, a newsletter tip) sinks."""
    age_hours = max((now - story.last_seen_at).total_seconds() / 3600.0, 0.0)
    score = min(story.source_count, 5) * 0.9 + (1.5 if story.official else 0.0) - age_hours / 12.0
    return score if has_topic else score - 3.0


def find_stories(
    session: Session,
    *,
    topics: set[str] | frozenset[str] = frozenset(),
    jurisdictions: set[str] | frozenset[str] = frozenset(),
    words: Sequence[str] = (),
    since: datetime,
    until: datetime | None = None,
    limit: int = 8,
    exclude_ids: Iterable[int] = (),
) -> list[Story]:
    """Stories in the window that carry any of `topics` and any of `jurisdictions` (each filter
    applies only when given) and contain every word; ranked by `rank_key`."""
    conds = [col(Story.last_seen_at) >= since]
    if until is not None:
        conds.append(col(Story.last_seen_at) <= until)
    for kind, slugs in (("topic", topics), ("jurisdiction", jurisdictions)):
        if slugs:
            conds.append(
                exists().where(
                    and_(
                        col(StoryTag.story_id) == col(Story.id),
                        col(StoryTag.kind) == kind,
                        col(StoryTag.slug).in_(sorted(slugs)),
                    )
                )
            )
    sqlite = _is_sqlite(session)
    conds += [_mentions(w, sqlite) for w in words if w.strip()]
    excluded = list(dict.fromkeys(exclude_ids))
    if excluded:
        conds.append(col(Story.id).not_in(excluded))
    # Rank a generous slice of the newest matches: an old story cannot outrank this many
    # newer ones, since the recency term dominates once a story is a few days old.
    pool = max(limit * 25, 200)
    rows = list(
        session.exec(
            select(Story)
            .where(*conds)
            .order_by(col(Story.last_seen_at).desc(), col(Story.id).desc())
            .limit(pool)
        )
    )
    now = until or max((s.last_seen_at for s in rows), default=datetime.now(UTC))
    topical = _with_topic(session, [s.id for s in rows if s.id is not None])
    rows.sort(key=lambda s: (-rank_key(s, now, has_topic=s.id in topical), -(s.id or 0)))
    return rows[:limit]


def _with_topic(session: Session, ids: Sequence[int]) -> set[int]:
    """The ids among `ids` that carry at least one topic tag."""
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(
            session.exec(
                select(StoryTag.story_id)
                .where(col(StoryTag.kind) == "topic", col(StoryTag.story_id).in_(chunk))
                .distinct()
            )
        )
    return found


def get_story(session: Session, story_id: int) -> Story | None:
    return session.get(Story, story_id)


def stories_by_ids(session: Session, ids: Sequence[int]) -> list[Story]:
    """The stories with these ids, in the order given (missing ones left out)."""
    found: dict[int, Story] = {}
    for chunk in _chunks(ids):
        found.update(
            (s.id, s)
            for s in session.exec(select(Story).where(col(Story.id).in_(chunk)))
            if s.id is not None
        )
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def story_by_url(session: Session, url: str) -> Story | None:
    """The story that holds an item with this URL (the newest such item's story)."""
    item = session.exec(
        select(Item)
        .where(col(Item.url) == url, col(Item.story_id).is_not(None))
        .order_by(col(Item.published_at).desc())
        .limit(1)
    ).first()
    if item is None or item.story_id is None:
        return None
    return session.get(Story, item.story_id)


def story_items(session: Session, story_ids: Sequence[int]) -> dict[int, list[StoryItemRow]]:
    """Each story's items with their source, official sources first, then by time."""
    out: dict[int, list[StoryItemRow]] = defaultdict(list)
    for chunk in _chunks(story_ids):
        rows = session.exec(
            select(Item, Source)
            .join(Source, col(Source.id) == col(Item.source_id))
            .where(col(Item.story_id).in_(chunk))
            .order_by(col(Source.official).desc(), col(Item.published_at), col(Item.id))
        )
        for item, source in rows:
            assert item.story_id is not None and item.id is not None
            out[item.story_id].append(
                StoryItemRow(
                    story_id=item.story_id,
                    item_id=item.id,
                    source_id=item.source_id,
                    source_name=source.name,
                    official=source.official,
                    title=item.title,
                    text=item.text,
                    url=item.url,
                    published_at=item.published_at,
                    language=item.language,
                )
            )
    return dict(out)


def story_tags(session: Session, story_ids: Sequence[int]) -> dict[int, TagPair]:
    """Each story's (topics, jurisdictions)."""
    topics: dict[int, set[str]] = defaultdict(set)
    places: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(story_ids):
        for tag in session.exec(select(StoryTag).where(col(StoryTag.story_id).in_(chunk))):
            (topics if tag.kind == "topic" else places)[tag.story_id].add(tag.slug)
    return {
        sid: (frozenset(topics.get(sid, ())), frozenset(places.get(sid, ())))
        for sid in dict.fromkeys(story_ids)
    }
