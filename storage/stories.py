"""Stories (clusters of items) as readers find them: by filters, by id or URL, with their items
and tags. Ingest writes them (storage/ingest.py); a story merged into another is never listed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    exists,
    func,
    literal,
    or_,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.export import ExportedStory
from core.query import Query
from core.stories import (
    StoryFind,
    StoryHeadline,
    StoryMatchText,
    StoryPage,
    StoryPick,
)
from core.subscriptions import Channel
from core.summaries import SummaryLookup
from core.tenants import Tenant
from storage.db import Database
from storage.models import Item, Source, Story, StoryTag
from storage.pins import channel_pins
from storage.scope import (
    EVERYTHING,
    Sight,
    item_seen,
    seen_story_ids,
    sight_of,
    sights_of,
    story_seen,
)
from storage.search import matching_stories, query_condition
from storage.story_export import export_stories
from storage.tables import chunked
from storage.views import partly_unseen, read_page, resolve, survivors

__all__ = [
    "StoryStore",
    "recent_stories_mentioning",
    "find_stories",
    "rank_key",
]

_MATCH_CHUNK = 2000  # stories per query when reading what watches match: /watch test reads many
_ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
_STORIES: Table = Story.__table__  # type: ignore[attr-defined]
_STORY_TAGS: Table = StoryTag.__table__  # type: ignore[attr-defined]
_SOURCES: Table = Source.__table__  # type: ignore[attr-defined]


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _mentions(word: str, sqlite: bool, sight: Sight = EVERYTHING) -> ColumnElement[bool]:
    """Some item of the story the tenant sees has `word` in its title or text, whatever the
    case."""
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
    seen = item_seen(sight)
    return exists().where(i.story_id == _STORIES.c.id, match, *(() if seen is None else (seen,)))


def recent_stories_mentioning(
    session: Session, since: datetime, words: Sequence[str], sight: Sight = EVERYTHING
) -> list[tuple[int, str, datetime]]:
    """(id, headline, last_seen_at) of the stories seen since `since` with any of `words` in
    an item (every such story when `words` is empty), newest first."""
    s = _STORIES.c
    stmt = sa_select(s.id, s.headline, s.last_seen_at).where(
        s.last_seen_at >= since, s.merged_into.is_(None)
    )
    seen = story_seen(sight)
    if seen is not None:
        stmt = stmt.where(seen)
    sqlite = _is_sqlite(session)
    needles = [w for w in words if w.strip()]
    if needles:
        stmt = stmt.where(or_(*(_mentions(w, sqlite, sight) for w in needles)))
    stmt = stmt.order_by(s.last_seen_at.desc(), s.id.desc())
    return [(sid, head, seen) for sid, head, seen in session.connection().execute(stmt)]


class Rankable(Protocol):
    """What ranking reads of a story (a `Story`, or a row of its columns)."""

    last_seen_at: datetime
    significance: float
    source_count: int
    official: bool


def rank_key(story: Rankable, now: datetime, *, has_topic: bool = True) -> float:
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
    query: Query | None = None,
    sight: Sight = EVERYTHING,
) -> list[StoryHeadline]:
    """Stories in the window that carry any of `topics` and any of `jurisdictions` (each filter
    applies only when given) and contain every word; ranked by `rank_key`. Without words, only
    policy news (`Story.relevant`): other stories are found by their words alone. `query`
    (the query language) must hold too. Only stories the tenant's `sight` sees are found;
    each as its headline."""
    conds = [col(Story.last_seen_at) >= since, col(Story.merged_into).is_(None)]
    seen = story_seen(sight)
    if seen is not None:
        conds.append(seen)
    if query is not None:
        conds.append(query_condition(query, session.connection(), sight))
    searched = query is not None and query.has_terms()
    if not searched and not any(w.strip() for w in words):
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
    conds += [_mentions(w, sqlite, sight) for w in words if w.strip()]
    excluded = list(dict.fromkeys(exclude_ids))
    if excluded:
        conds.append(col(Story.id).not_in(excluded))
    # Rank a generous slice of the newest matches: an old story cannot outrank this many
    # newer ones, since the recency term dominates once a story is a few days old.
    pool = max(limit * 25, 200)
    # whether a story has a topic is read in the same statement: a second query with the pool's
    # ids as parameters cost as much again on PostgreSQL. Asked story by story (the OFFSET):
    # expecting many matches, PostgreSQL would read every topic tag into a hash instead
    has_topic = (
        exists(
            sa_select(literal(1))
            .where(col(StoryTag.story_id) == col(Story.id), col(StoryTag.kind) == "topic")
            .offset(0)
        )
    ).label("has_topic")
    # the columns ranking reads, not whole stories: the pool is hundreds of rows and the page
    # a few, and building an object for each row cost more than the query
    s = _STORIES.c
    stmt = (
        sa_select(
            s.id, s.headline, s.last_seen_at, s.significance, s.source_count, s.official, has_topic
        )
        .where(*conds)
        .order_by(s.last_seen_at.desc(), s.id.desc())
        .limit(pool)
    )
    rows = list(session.connection().execute(stmt))
    now = until or max((row.last_seen_at for row in rows), default=datetime.now(UTC))
    rows.sort(key=lambda row: (-rank_key(row, now, has_topic=row.has_topic), -row.id))
    return [StoryHeadline(r.id, r.headline, r.last_seen_at) for r in rows[:limit]]


def _find(
    session: Session, find: StoryFind, sight: Sight, *, limit: int, exclude: Sequence[int]
) -> list[StoryHeadline]:
    return find_stories(
        session,
        topics=find.topics,
        jurisdictions=find.jurisdictions,
        words=find.words,
        since=find.since,
        until=find.until,
        limit=limit,
        exclude_ids=exclude,
        query=find.query,
        sight=sight,
    )


def _ids(stories: Iterable[StoryHeadline]) -> list[int]:
    return [s.id for s in stories]


class StoryStore:
    """Stories as readers see them: pages of views with their cached summaries, a story a user
    names, and what watches match against. Merged stories are followed, never listed. With a
    tenant, only what it sees (storage/scope.py); without one, everything."""

    def __init__(self, db: Database, tenant: Tenant | None = None) -> None:
        self._db = db
        self._tenant = tenant

    def _sight(self, session: Session) -> Sight:
        return sight_of(session.connection(), self._tenant)

    def export(self, since: datetime) -> Iterator[ExportedStory]:
        """Every story last seen since `since` that the tenant sees, with its judgements, reasons
        and the items it sees, oldest first (one read transaction; read a batch at a time)."""
        with self._db.engine.connect() as conn:
            yield from export_stories(conn, since, sight_of(conn, self._tenant))

    def _pinned(
        self,
        session: Session,
        sight: Sight,
        channel: Channel | None,
        now: datetime | None,
        ids: Sequence[int],
    ) -> list[int]:
        conn = session.connection()
        pins = [] if channel is None or now is None else channel_pins(conn, channel, now)
        return seen_story_ids(conn, survivors(conn, [*(p.story_id for p in pins), *ids]), sight)

    def brief(
        self,
        find: StoryFind,
        lookup: SummaryLookup,
        *,
        channel: Channel | None = None,
        now: datetime | None = None,
        pinned_ids: Sequence[int] = (),
    ) -> StoryPage:
        """The channel's unexpired pins (then `pinned_ids`) lead, at most `find.limit` of them;
        the best stories `find` matches fill the rest of the page."""
        with self._db.session() as session:
            sight = self._sight(session)
            pinned = self._pinned(session, sight, channel, now, pinned_ids)[: find.limit]
            room = find.limit - len(pinned)
            found = (
                _ids(_find(session, find, sight, limit=room, exclude=pinned)) if room > 0 else []
            )
            return read_page(session.connection(), pinned, found, lookup, sight)

    def digest(
        self,
        finds: Sequence[StoryFind],
        lookup: SummaryLookup,
        *,
        channel: Channel | None = None,
        now: datetime | None = None,
        pinned_ids: Sequence[int] = (),
    ) -> StoryPage:
        """Every pin leads; then the stories a find matches, in its ranking (with several finds,
        the stories any of them matches, newest first), at most the finds' limit."""
        with self._db.session() as session:
            sight = self._sight(session)
            pinned = self._pinned(session, sight, channel, now, pinned_ids)
            matched: dict[int, StoryHeadline] = {}
            for find in finds:
                for story in _find(session, find, sight, limit=find.limit, exclude=pinned):
                    matched.setdefault(story.id, story)
            found = list(matched.values())
            if len(finds) > 1:
                limit = max(f.limit for f in finds)
                found = sorted(found, key=lambda s: s.last_seen_at, reverse=True)[:limit]
            return read_page(session.connection(), pinned, _ids(found), lookup, sight)

    def read(self, story_ids: Sequence[int], lookup: SummaryLookup) -> StoryPage:
        """A page of these stories (merged ones followed), in order, as found ones."""
        with self._db.session() as session:
            conn = session.connection()
            return read_page(conn, [], survivors(conn, story_ids), lookup, self._sight(session))

    def read_pick(self, pick: StoryPick, lookup: SummaryLookup) -> StoryPage | None:
        """A page of the one story a user named; None when there is no such story."""
        with self._db.session() as session:
            conn = session.connection()
            sight = self._sight(session)
            story = resolve(conn, pick, sight)
            return None if story is None else read_page(conn, [], [story.id], lookup, sight)

    def headline(self, pick: StoryPick) -> StoryHeadline | None:
        """The story a user named (merged ones followed); None when there is no such story."""
        with self._db.session() as session:
            return resolve(session.connection(), pick, self._sight(session))

    def mentioning(self, since: datetime, words: Sequence[str]) -> list[StoryHeadline]:
        """The stories seen since `since` with any of `words` in an item (every story when
        `words` is empty), newest first."""
        with self._db.session() as session:
            rows = recent_stories_mentioning(session, since, words, self._sight(session))
        return [StoryHeadline(sid, headline, seen) for sid, headline, seen in rows]

    def matching(self, since: datetime, query: Query) -> list[StoryHeadline]:
        """The stories seen since `since` that the tenant sees and that match `query`
        (decided in SQL, narrowed by the word index), newest first."""
        with self._db.session() as session:
            conn = session.connection()
            rows = conn.execute(matching_stories(query, conn, since, self._sight(session)))
            return [StoryHeadline(sid, headline, seen) for sid, headline, seen in rows]

    def seen_in_part(
        self, tenants: Sequence[Tenant], story_ids: Sequence[int]
    ) -> dict[Tenant, set[int]]:
        """For each of `tenants` that does not see some of these stories whole (or at all),
        those stories; in one transaction whatever the number of tenants."""
        i = _ITEMS.c
        with self._db.session() as session:
            conn = session.connection()
            blind = {t: s for t, s in sights_of(conn, tenants).items() if not s.whole}
            if not blind:
                return {}
            told: dict[int, set[int]] = defaultdict(set)
            for chunk in chunked(story_ids):
                stmt = sa_select(i.story_id, i.source_id).where(i.story_id.in_(chunk)).distinct()
                for sid, source_id in conn.execute(stmt):
                    told[sid].add(source_id)
        partial = {
            tenant: {sid for sid, sources in told.items() if sources & sight.unseen}
            for tenant, sight in blind.items()
        }
        return {tenant: part for tenant, part in partial.items() if part}

    def match_texts(
        self, story_ids: Sequence[int], *, with_sources: bool = True
    ) -> list[StoryMatchText]:
        """What watches match these stories against (skip the sources when no query has a
        `source:` filter): a story the tenant sees in part, by the items it sees alone."""
        s, i, src, t = _STORIES.c, _ITEMS.c, _SOURCES.c, _STORY_TAGS.c
        texts: dict[int, list[str]] = {}
        sources: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        topics: dict[int, set[str]] = defaultdict(set)
        places: dict[int, set[str]] = defaultdict(set)
        with self._db.session() as session:
            conn = session.connection()
            sight = self._sight(session)
            seen = item_seen(sight)
            for chunk in chunked(story_ids, _MATCH_CHUNK):
                for sid, head in conn.execute(sa_select(s.id, s.headline).where(s.id.in_(chunk))):
                    texts[sid] = [head]
                if not sight.whole:
                    # the headline may be an unseen item's title: the seen items speak alone
                    for sid in partly_unseen(conn, chunk, sight):
                        texts[sid] = []
                if with_sources:
                    stmt = sa_select(i.story_id, i.title, i.text, src.name, i.url).join(
                        _SOURCES, src.id == i.source_id
                    )
                    stmt = stmt.where(i.story_id.in_(chunk))
                    for sid, title, body, name, url in conn.execute(
                        stmt if seen is None else stmt.where(seen)
                    ):
                        if sid in texts:
                            texts[sid] += (title, body)
                            sources[sid].append((name, url))
                else:
                    stmt = sa_select(i.story_id, i.title, i.text).where(i.story_id.in_(chunk))
                    for sid, title, body in conn.execute(
                        stmt if seen is None else stmt.where(seen)
                    ):
                        if sid in texts:
                            texts[sid] += (title, body)
                for sid, kind, slug in conn.execute(
                    sa_select(t.story_id, t.kind, t.slug).where(t.story_id.in_(chunk))
                ):
                    (topics if kind == "topic" else places)[sid].add(slug)
        return [
            StoryMatchText(
                story_id=sid,
                texts=tuple(parts),
                topics=frozenset(topics[sid]),
                jurisdictions=frozenset(places[sid]),
                sources=tuple(sources[sid]),
            )
            for sid, parts in texts.items()
            if parts
        ]
