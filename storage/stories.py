"""Stories (clusters of items) as readers find them: by filters, by id or URL, with their items
and tags. Ingest writes them (storage/ingest.py); a story merged into another is never listed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    exists,
    func,
    or_,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import Item, Source, Story, StoryTag

__all__ = [
    "TagPair",
    "StoryItemRow",
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
    stmt = sa_select(s.id, s.headline, s.last_seen_at).where(
        s.last_seen_at >= since, s.merged_into.is_(None)
    )
    sqlite = _is_sqlite(session)
    needles = [w for w in words if w.strip()]
    if needles:
        stmt = stmt.where(or_(*(_mentions(w, sqlite) for w in needles)))
    stmt = stmt.order_by(s.last_seen_at.desc(), s.id.desc())
    return [(sid, head, seen) for sid, head, seen in session.connection().execute(stmt)]


def rank_key(story: Story, now: datetime, *, has_topic: bool = True) -> float:
    """Higher ranks first: what the event is and how large (its significance: a fine of
    hundreds of millions over a how-to), told by several sources, official sources ahead,
    recent; a story with no policy topic at all sinks."""
    age_hours = max((now - story.last_seen_at).total_seconds() / 3600.0, 0.0)
    score = (
        story.significance
        + min(story.source_count, 5) * 0.5
        + (1.0 if story.official else 0.0)
        - age_hours / 24.0
    )
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
    applies only when given) and contain every word; ranked by `rank_key`. Without words, only
    policy news (`Story.relevant`): other stories are found by their words alone."""
    conds = [col(Story.last_seen_at) >= since, col(Story.merged_into).is_(None)]
    if not any(w.strip() for w in words):
        conds.append(col(Story.relevant).is_(True))
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
    """The story with this id, or the story it was merged into."""
    story = session.get(Story, story_id)
    for _ in range(8):  # merged_into points at the survivor directly; the bound is a guard
        if story is None or story.merged_into is None:
            break
        story = session.get(Story, story.merged_into)
    return story


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
