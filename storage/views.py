"""Reading stories as cards and summaries see them, in the caller's transaction: story views,
merged stories followed to the story they went to, and a page of views with its cached summaries.
Shared by the story and pin parts."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from core.stories import StoryHeadline, StoryPage, StoryPick, StoryView
from core.summaries import SummaryLookup, top_line_key
from core.texts import ItemText
from storage.scope import EVERYTHING, Sight, item_seen
from storage.summaries import read_cache
from storage.tables import ITEMS, SOURCES, STORIES, STORY_TAGS, chunked

__all__ = [
    "MAX_VIEW_ITEMS",
    "partly_unseen",
    "seen_headlines",
    "survivor_map",
    "survivors",
    "resolve",
    "load_views",
    "read_page",
]

MAX_VIEW_ITEMS = 50  # items read per story: a story fed thousands of items costs no more
_MERGE_HOPS = 8
_PART = "part:"  # merged_into points at the survivor directly; the bound is a guard


def survivor_map(conn: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Each existing story among `ids` -> itself, or the story it was merged into."""
    s = STORIES.c
    into: dict[int, int] = {}
    for chunk in chunked(ids):
        for sid, merged in conn.execute(select(s.id, s.merged_into).where(s.id.in_(chunk))):
            into[sid] = merged if merged is not None else sid
    return into


def survivors(conn: Connection, ids: Sequence[int]) -> list[int]:
    """The stories `ids` name, each merged one replaced by the story it went to; in order, once
    each, missing ones left out."""
    into = survivor_map(conn, ids)
    return list(dict.fromkeys(into[i] for i in ids if i in into))


def _headline(conn: Connection, story_id: int, sight: Sight) -> StoryHeadline | None:
    s = STORIES.c
    for _ in range(_MERGE_HOPS):
        row = conn.execute(
            select(s.id, s.headline, s.last_seen_at, s.merged_into).where(s.id == story_id)
        ).first()
        if row is None:
            return None
        if row.merged_into is None:
            if sight.whole:
                return StoryHeadline(row.id, row.headline, row.last_seen_at)
            view = load_views(conn, [row.id], sight).get(row.id)
            return None if view is None else StoryHeadline(view.id, view.headline, row.last_seen_at)
        story_id = row.merged_into
    return None


def resolve(conn: Connection, pick: StoryPick, sight: Sight = EVERYTHING) -> StoryHeadline | None:
    """The story a user named (by id, or by an item URL: the newest such item's story),
    following a merged story to the one it went to; None when there is none the tenant sees."""
    if pick.story_id is not None:
        return _headline(conn, pick.story_id, sight)
    i = ITEMS.c
    stmt = select(i.story_id).where(i.url == pick.ref, i.story_id.is_not(None))
    seen = item_seen(sight)
    if seen is not None:
        stmt = stmt.where(seen)
    story_id = conn.execute(stmt.order_by(i.published_at.desc()).limit(1)).scalar()
    return None if story_id is None else _headline(conn, story_id, sight)


def _items(conn: Connection, ids: Sequence[int], sight: Sight) -> dict[int, list[ItemText]]:
    """The first MAX_VIEW_ITEMS items of each story the tenant sees: official sources first,
    then by time."""
    i, src = ITEMS.c, SOURCES.c
    place = (
        func.row_number()
        .over(partition_by=i.story_id, order_by=(src.official.desc(), i.published_at, i.id))
        .label("place")
    )
    out: dict[int, list[ItemText]] = defaultdict(list)
    for chunk in chunked(ids):
        stmt = (
            select(i.story_id, i.id, src.name, i.title, i.text, i.url, i.language, place)
            .join(SOURCES, src.id == i.source_id)
            .where(i.story_id.in_(chunk))
        )
        seen = item_seen(sight)
        ranked = (stmt if seen is None else stmt.where(seen)).subquery()
        r = ranked.c
        page = select(ranked).where(r.place <= MAX_VIEW_ITEMS).order_by(r.story_id, r.place)
        for row in conn.execute(page):
            out[row.story_id].append(
                ItemText(
                    item_id=row.id,
                    source=row.name,
                    title=row.title,
                    text=row.text,
                    url=row.url or "",
                    language=row.language,
                )
            )
    return out


def _tags(conn: Connection, ids: Sequence[int]) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    t = STORY_TAGS.c
    topics: dict[int, set[str]] = defaultdict(set)
    places: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(ids):
        for story_id, kind, slug in conn.execute(
            select(t.story_id, t.kind, t.slug).where(t.story_id.in_(chunk))
        ):
            (topics if kind == "topic" else places)[story_id].add(slug)
    return topics, places


def partly_unseen(conn: Connection, ids: Sequence[int], sight: Sight) -> set[int]:
    """The stories among `ids` with an item the tenant does not see."""
    if sight.whole:
        return set()
    i = ITEMS.c
    unseen = sorted(sight.unseen)
    return {
        sid
        for chunk in chunked(ids)
        for (sid,) in conn.execute(
            select(i.story_id).where(i.story_id.in_(chunk), i.source_id.in_(unseen)).distinct()
        )
    }


def seen_headlines(conn: Connection, ids: Sequence[int], sight: Sight) -> dict[int, str]:
    """The headline the tenant sees of each story among `ids` it sees in part (the title of the
    first item it sees); stories it sees whole are not listed."""
    partial = partly_unseen(conn, ids, sight)
    if not partial:
        return {}
    return {sid: view.headline for sid, view in load_views(conn, sorted(partial), sight).items()}


def _part_hash(content_hash: str, items: Sequence[ItemText]) -> str:
    """The summary cache key of the part of a story a tenant sees: never the whole story's."""
    digest = hashlib.sha256(content_hash.encode())
    for item in items:
        digest.update(f"\x00{item.item_id}".encode())
    return _PART + digest.hexdigest()[:40]


def load_views(
    conn: Connection, ids: Sequence[int], sight: Sight = EVERYTHING
) -> dict[int, StoryView]:
    """The views of these stories as the tenant sees them (missing and unseen ones left out);
    a story it sees in part is headed and summarised from the items it sees."""
    s = STORIES.c
    columns = (s.id, s.headline, s.last_seen_at, s.content_hash)
    heads = [
        row
        for chunk in chunked(ids)
        for row in conn.execute(select(*columns).where(s.id.in_(chunk)))
    ]
    present = [row.id for row in heads]
    items = _items(conn, present, sight)
    partial = partly_unseen(conn, present, sight)
    topics, places = _tags(conn, present)
    views: dict[int, StoryView] = {}
    for row in heads:
        mine = items.get(row.id, [])
        if row.id in partial and not mine:
            continue
        part = row.id in partial
        views[row.id] = StoryView(
            id=row.id,
            headline=mine[0].title if part else row.headline,
            last_seen_at=row.last_seen_at,
            content_hash=_part_hash(row.content_hash, mine) if part else row.content_hash,
            topics=frozenset(topics.get(row.id, ())),
            jurisdictions=frozenset(places.get(row.id, ())),
            items=tuple(mine),
        )
    return views


def read_page(
    conn: Connection,
    pinned: Sequence[int],
    found: Sequence[int],
    lookup: SummaryLookup,
    sight: Sight = EVERYTHING,
) -> StoryPage:
    """A page of these stories as the tenant sees them, with the summaries `lookup` asks for,
    top lines over the whole page and over the found stories alone."""
    views = load_views(conn, [*pinned, *found], sight)
    pinned = [i for i in pinned if i in views]
    found = [i for i in found if i in views and i not in pinned]
    hashes = {i: views[i].content_hash for i in (*pinned, *found)}
    tops = [top_line_key(group) for group in ([*pinned, *found], found)]
    # a story seen in part has no history: its earlier summaries were written over all of it
    whole = [i for i, h in hashes.items() if not h.startswith(_PART)]
    return StoryPage(
        pinned=tuple(pinned),
        found=tuple(found),
        views=views,
        cache=read_cache(conn, hashes, lookup, tops, history_of=whole),
    )
