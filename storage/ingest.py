"""Ingest's reads and writes: sources' batches of items, and the judgement of pending items.

`store` writes what polls of one or more sources found, in one transaction (new items wait,
pending, for judgement); `window` reads what a judgement decides from; `apply` writes its plan
in one transaction, keeping every touched story's columns and tags true. Core statements
throughout, and plain tuples straight to the driver for the narrow rows a judgement writes by
the thousand: these run for every poll and must not build ORM objects per row.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Select,
    Table,
    UpdateBase,
    bindparam,
    case,
    delete,
    distinct,
    false,
    func,
    insert,
    literal_column,
    null,
    or_,
    true,
    update,
)
from sqlalchemy import select as sa_select

from core.ingest import (
    HASHED_MEMBERS,
    JudgePlan,
    JudgeResult,
    JudgeWindow,
    NewStory,
    PollTarget,
    SourceProfile,
    SourceWrite,
    StaleJudgement,
    StoredBatch,
    StoredItem,
    StoryFacts,
    sampled_content_hash,
)
from core.source_url import fetch_url
from core.tags import STORY_SHARE, Tags
from storage.db import Database
from storage.readings import add_model_topics
from storage.sources import count_articles, record_success
from storage.tables import (
    INGEST_STATE,
    ITEM_TAGS,
    ITEMS,
    SOURCES,
    STORIES,
    STORY_TAGS,
    chunked,
)

__all__ = ["IngestStore", "JUDGED"]

JUDGED = "judged"  # the ingest_state row counting judgements


def _item_columns() -> list[Any]:
    i = ITEMS.c
    return [
        i.id,
        i.source_id,
        i.entry_key,
        i.title,
        i.text,
        i.published_at,
        i.content_hash,
        i.story_id,
        i.pending,
        i.url,
    ]


def _stored(row: Any) -> StoredItem:
    return StoredItem(
        id=row.id,
        source_id=row.source_id,
        entry_key=row.entry_key,
        title=row.title,
        text=row.text,
        published_at=row.published_at,
        content_hash=row.content_hash,
        story_id=row.story_id,
        pending=bool(row.pending),
        url=row.url,
    )


def _ids() -> Any:
    """The bound list of ids a statement built once is run with (`b_ids`)."""
    return bindparam("b_ids", expanding=True)


# The statements every poll of a source runs, built once: building one costs more than running
# it, and a statement built anew is keyed anew for the compiled cache (one built once keeps its
# key). Values go in as bound parameters.
_KNOWN = sa_select(ITEMS.c.entry_key, ITEMS.c.id, ITEMS.c.content_hash).where(
    ITEMS.c.source_id == bindparam("b_source"),
    ITEMS.c.entry_key.in_(bindparam("b_keys", expanding=True)),
)
# A new item waits, pending, in no story: constants in the statement, not two more bound values
# per row for SQLAlchemy to process
_INSERT_ITEMS = (
    insert(ITEMS)
    .values(story_id=null(), pending=true())
    .returning(ITEMS.c.source_id, ITEMS.c.entry_key, ITEMS.c.id)
)
_INSERT_PAGE = 512  # rows a statement at most (6,144 bound values)
# and those every judgement runs
# Pending items as the partial index ix_items_pending selects them (`WHERE pending`): SQLite uses
# that index only for the bare column, and `pending = 1` (SQLAlchemy's SQLite form of the
# Boolean column) would read the whole items table on every judgement.
_PENDING: ColumnElement[bool] = literal_column("items.pending")
_PENDING_ITEMS = sa_select(*_item_columns()).where(_PENDING)
_PENDING_CUT = (
    sa_select(ITEMS.c.published_at)
    .where(_PENDING)
    .order_by(ITEMS.c.published_at)
    .offset(bindparam("b_skip"))
    .limit(1)
)
# Stories not merged into another. Not `merged_into IS NULL`: SQLite would answer that through
# the merged_into index, walking every standing story, where the last-seen range or maximum
# beside it needs only the few newest (ids start at 1, so no merged story has 0).
_STANDING = func.coalesce(STORIES.c.merged_into, 0) == 0
_NEWEST = sa_select(func.max(STORIES.c.last_seen_at)).where(_STANDING)
_PROFILES = sa_select(
    SOURCES.c.id, SOURCES.c.official, SOURCES.c.jurisdiction, SOURCES.c.kind
).where(SOURCES.c.id.in_(_ids()))
_ITEM_TAGS = sa_select(ITEM_TAGS.c.item_id, ITEM_TAGS.c.kind, ITEM_TAGS.c.slug).where(
    ITEM_TAGS.c.item_id.in_(_ids())
)
_INSERT_STORIES = insert(STORIES).returning(STORIES.c.content_hash, STORIES.c.id)
_INSERT_STORIES_IN_ORDER = insert(STORIES).returning(STORIES.c.id, sort_by_parameter_order=True)
# a story's columns, those the rows name (facts, or a refresh's totals)
_UPDATE_STORY = update(STORIES).where(STORIES.c.id == bindparam("b_id"))
_DELETE_ITEM_TAGS = delete(ITEM_TAGS).where(ITEM_TAGS.c.item_id.in_(_ids()))
_DELETE_STORY_TAGS = delete(STORY_TAGS).where(STORY_TAGS.c.story_id.in_(_ids()))
_ASSIGN = (
    update(ITEMS)
    .where(ITEMS.c.id == bindparam("b_id"), ITEMS.c.content_hash == bindparam("b_hash"))
    .values(story_id=bindparam("b_story"), pending=false())
)
_UPDATE_EDITED = (
    update(ITEMS)
    .where(ITEMS.c.id == bindparam("b_id"))
    .values(
        title=bindparam("b_title"),
        text=bindparam("b_text"),
        url=bindparam("b_url"),
        language=bindparam("b_language"),
        content_hash=bindparam("b_hash"),
        updated_at=bindparam("b_now"),
        pending=True,
    )
)


def _tag_rows(owner_id: int, tags: Tags) -> list[tuple[int, str, str]]:
    """(owner, kind, slug) rows of an item's or a story's tags."""
    rows = [(owner_id, "topic", s) for s in sorted(tags.topics)]
    rows += [(owner_id, "jurisdiction", s) for s in sorted(tags.jurisdictions)]
    return rows


class _ManyRows:
    """A statement run once per row through the driver's executemany, the rows plain tuples of
    the bound parameters `names` in that order. SQLAlchemy processes no row (its processing
    costs more than the driver's execution of these narrow statements), so every value must be
    one the driver takes as it is: numbers, text, booleans; a constant goes in as SQL."""

    def __init__(self, stmt: UpdateBase, names: tuple[str, ...]) -> None:
        self.stmt = stmt
        self.names = names
        self._forms: dict[str, tuple[str, tuple[int, ...] | None]] = {}

    def run(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        sql, order = self._form(conn.dialect)
        params: list[Any]
        if order is None:  # named parameters (psycopg)
            params = [dict(zip(self.names, row, strict=True)) for row in rows]
        elif order == tuple(range(len(self.names))):
            params = rows
        else:  # positional (SQLite), in the compiled statement's order
            params = [tuple(row[i] for i in order) for row in rows]
        conn.exec_driver_sql(sql, params)

    def _form(self, dialect: Dialect) -> tuple[str, tuple[int, ...] | None]:
        """The statement's SQL for `dialect`, and where each positional value comes from."""
        if dialect.name not in self._forms:
            compiled = self.stmt.compile(dialect=dialect)
            order = compiled.positiontup
            self._forms[dialect.name] = (
                str(compiled),
                None if order is None else tuple(self.names.index(n) for n in order),
            )
        return self._forms[dialect.name]


_ASSIGN_ROWS = _ManyRows(_ASSIGN, ("b_id", "b_hash", "b_story"))


def _insert_tags(table: Table, owner: str) -> _ManyRows:
    return _ManyRows(
        insert(table).values(
            {owner: bindparam("b_owner"), "kind": bindparam("b_kind"), "slug": bindparam("b_slug")}
        ),
        ("b_owner", "b_kind", "b_slug"),
    )


_INSERT_ITEM_TAGS = _insert_tags(ITEM_TAGS, "item_id")
_INSERT_STORY_TAGS = _insert_tags(STORY_TAGS, "story_id")


class IngestStore:
    """Items in, stories out: the storage side of ingest."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- one source's poll -----------------------------------------------------------------------

    def poll_targets(self, source_ids: Sequence[int]) -> dict[int, PollTarget]:
        """Each existing source's address and validators, by id."""
        c = SOURCES.c
        found: dict[int, PollTarget] = {}
        with self.db.session() as session:
            conn = session.connection()
            for chunk in chunked(source_ids):
                stmt = sa_select(
                    c.id, c.url, c.credentials, c.etag, c.last_modified, c.full_text
                ).where(c.id.in_(chunk))
                for row in conn.execute(stmt):
                    url = fetch_url(row.url, row.credentials)  # sent to that host alone
                    found[row.id] = PollTarget(
                        url, row.etag, row.last_modified, full_text=bool(row.full_text)
                    )
        return found

    def known_entries(
        self, keys: Mapping[int, Iterable[str]]
    ) -> dict[int, dict[str, tuple[int, str]]]:
        """Per source, (item id, content hash) of the given entry keys it already has stored;
        every source read in one transaction."""
        found: dict[int, dict[str, tuple[int, str]]] = {}
        with self.db.session() as session:
            conn = session.connection()
            for source_id, source_keys in keys.items():
                known = found.setdefault(source_id, {})
                for chunk in chunked(source_keys):
                    rows = conn.execute(_KNOWN, {"b_source": source_id, "b_keys": chunk})
                    known.update((key, (item_id, digest)) for key, item_id, digest in rows)
        return found

    def store(
        self,
        writes: Sequence[SourceWrite],
        now: datetime,
        articles: Mapping[int, tuple[int, int]] | None = None,
    ) -> list[StoredBatch]:
        """Insert the new entries and update the edited ones (both pending judgement) of each
        source's batch, and record each source's successful poll (and the article pages it read
        and failed to read, by source), all in one transaction; what each batch stored, in
        order. A source appears at most once."""
        with self.db.session() as session:
            conn = session.connection()
            new_ids = _insert_items(conn, writes, now)
            edited = [
                {
                    "b_id": item_id,
                    "b_title": e.title,
                    "b_text": e.text,
                    "b_url": e.url,
                    "b_language": e.language,
                    "b_hash": e.content_hash,
                    "b_now": now,
                }
                for _source_id, batch, _validators in writes
                for item_id, e in batch.edited
            ]
            if edited:
                conn.execute(_UPDATE_EDITED, edited)
            for source_id, batch, validators in writes:
                record_success(
                    session,
                    source_id,
                    now,
                    etag=validators.etag,
                    last_modified=validators.last_modified,
                    title=validators.title,
                    deferred=batch.deferred,
                )
            for source_id, (fetched, failed) in (articles or {}).items():
                count_articles(conn, source_id, fetched, failed)
        return [
            StoredBatch(new_ids=ids, edited_ids=tuple(i for i, _ in batch.edited))
            for ids, (_source_id, batch, _validators) in zip(new_ids, writes, strict=True)
        ]

    # -- judgement ------------------------------------------------------------------------------

    def generation(self) -> int:
        """How many judgements have been written (another process's count too)."""
        with self.db.session() as session:
            return _generation(session.connection())

    def window(self, *, horizon: timedelta, history: int, batch: int | None = None) -> JudgeWindow:
        """What a judgement of the pending items decides from (see `JudgeWindow`).

        With `batch`, only the oldest `batch` pending items are judged (with every other item of
        the same moment, so a moment is never split). The revisit starts at the oldest pending
        item, but never more than `horizon` before the newest judged story: an item that arrives
        later than that is judged without revisiting. `history` members (the earliest) of each
        revisited story are read.
        """
        with self.db.session() as session:
            conn = session.connection()
            generation = _generation(conn)
            wanted = _PENDING_ITEMS
            if batch is not None:
                last = conn.execute(_PENDING_CUT, {"b_skip": batch - 1}).scalar()
                if last is not None:
                    wanted = wanted.where(ITEMS.c.published_at <= last)
            pending = [_stored(r) for r in conn.execute(wanted)]
            if not pending:
                return JudgeWindow(generation=generation, start=None)
            start = min(it.published_at for it in pending)
            newest = conn.execute(_NEWEST).scalar()
            floor = newest - horizon if newest is not None else None
            if floor is not None:
                start = max(start, floor)
            revisit = _judged_from(conn, start)
            # A merge that an item judged after `start` made is decided again, not kept: the
            # replay starts where the merged stories started, so a late report older than the
            # item that bridged them is judged as in time order
            while (rewind := _merged_start(conn, revisit)) is not None:
                rewind = rewind if floor is None else max(rewind, floor)
                if rewind >= start:
                    break
                start = rewind
                revisit = _judged_from(conn, start)
            stories = sorted({s for it in (*revisit, *pending) if (s := it.story_id) is not None})
            earlier = _members_before(conn, stories, start, history)
            involved = pending + revisit + [m for ms in earlier.values() for m in ms]
            return JudgeWindow(
                generation=generation,
                start=start,
                pending=tuple(pending),
                revisit=tuple(revisit),
                history={s: tuple(earlier.get(s, ())) for s in stories},
                sources=_profiles(conn, {it.source_id for it in involved}),
                tags=_item_tags(conn, [it.id for it in revisit]),
            )

    def index_stories(
        self, since: datetime, members: int
    ) -> tuple[int, list[tuple[int, list[StoredItem]]], dict[int, SourceProfile]]:
        """(generation, stories, sources): each judged story last seen since `since`, with its
        first `members` judged items in canonical order, to rebuild the in-memory index from,
        and those items' sources."""
        with self.db.session() as session:
            conn = session.connection()
            generation = _generation(conn)
            s = STORIES.c
            ids = [
                sid
                for (sid,) in conn.execute(
                    sa_select(s.id).where(s.last_seen_at >= since, _STANDING)
                )
            ]
            found = _members_before(conn, ids, None, members)
            sources = _profiles(conn, {m.source_id for ms in found.values() for m in ms})
        return generation, [(sid, found[sid]) for sid in ids if found.get(sid)], sources

    def refresh(self, story_ids: Sequence[int]) -> None:
        """Recompute these stories' columns and tags from their items (after a repair)."""
        with self.db.session() as session:
            _refresh(session.connection(), list(dict.fromkeys(story_ids)))

    def apply(self, plan: JudgePlan) -> JudgeResult:
        """Write a judgement in one transaction; StaleJudgement when another process judged
        since the plan's window was read (nothing is written then)."""
        with self.db.session() as session:
            conn = session.connection()
            moved = conn.execute(
                update(INGEST_STATE)
                .where(INGEST_STATE.c.name == JUDGED, INGEST_STATE.c.generation == plan.generation)
                .values(generation=plan.generation + 1)
            ).rowcount
            if moved != 1:
                raise StaleJudgement(f"judgement {plan.generation} was overtaken")
            ids = _insert_stories(conn, plan.new_stories)

            def story(ref: int) -> int:
                return ids[ref] if ref < 0 else ref

            _assign(conn, plan, story)
            _replace_item_tags(conn, plan.item_tags)
            merged = {old: story(into) for old, into in plan.merged.items()}
            _merge(conn, merged)
            tag_rows: list[tuple[int, str, str]] = []
            for new in plan.new_stories:
                tag_rows += _tag_rows(ids[new.key], new.tags)
            _INSERT_STORY_TAGS.run(conn, tag_rows)
            touched = sorted(plan.touched)
            _refresh(conn, touched)
            _write_facts(conn, plan.facts)
        return JudgeResult(
            ids=ids,
            new_story_ids=tuple(ids[n.key] for n in plan.new_stories),
            changed_story_ids=tuple(touched),
            judged_items=len(plan.assign),
            generation=plan.generation + 1,
            merged_story_ids=tuple(sorted(merged)),
        )


def _generation(conn: Connection) -> int:
    found = conn.execute(
        sa_select(INGEST_STATE.c.generation).where(INGEST_STATE.c.name == JUDGED)
    ).scalar()
    if found is None:
        conn.execute(insert(INGEST_STATE).values(name=JUDGED, generation=0))
        return 0
    return int(found)


def _insert_items(
    conn: Connection, writes: Sequence[SourceWrite], now: datetime
) -> list[tuple[int, ...]]:
    """Insert every batch's new entries; their ids, per batch in batch order."""
    rows = [
        {
            "source_id": source_id,
            "entry_key": e.entry_key,
            "url": e.url,
            "title": e.title,
            "text": e.text,
            "language": e.language,
            "published_at": e.published_at,
            "fetched_at": now,
            "updated_at": now,
            "content_hash": e.content_hash,
        }
        for source_id, batch, _validators in writes
        for e in batch.new
    ]
    found: dict[tuple[int, str], int] = {}
    # Multi-row INSERTs, in order; RETURNING order is not guaranteed, so ids are matched back by
    # source and entry key (unique). Sorting by parameter order would insert row by row on
    # SQLite. On SQLite each statement also writes the search index's pending words out, so
    # fewer, longer statements cost less.
    paged = conn.execution_options(insertmanyvalues_page_size=_INSERT_PAGE)
    for start, end in _pages(len(rows)):
        found.update(
            ((source_id, key), int(item_id))
            for source_id, key, item_id in paged.execute(_INSERT_ITEMS, rows[start:end])
        )
    return [
        tuple(found[source_id, e.entry_key] for e in batch.new)
        for source_id, batch, _validators in writes
    ]


def _pages(count: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the statements `count` rows are inserted in: full pages of _INSERT_PAGE
    rows, then the rest in powers of two. The driver keeps each statement it prepared, and a
    multi-row statement is a large program: a few lengths keep that cache small."""
    start, size = 0, _INSERT_PAGE
    while start < count:
        while size > count - start:
            size //= 2
        yield start, start + size
        start += size


# The judged items published since `b_start`, found through their stories' last-seen index
# (items have no index on time). The stories are a subquery, not a join: given a join, SQLite
# reads the whole items table and looks each item's story up.
_JUDGED_FROM = sa_select(*_item_columns()).where(
    ITEMS.c.story_id.in_(
        sa_select(STORIES.c.id).where(STORIES.c.last_seen_at >= bindparam("b_start"))
    ),
    ITEMS.c.published_at >= bindparam("b_start"),
    ITEMS.c.pending.is_(False),
)


def _judged_from(conn: Connection, start: datetime) -> list[StoredItem]:
    """The judged items published at or after `start`."""
    return [_stored(r) for r in conn.execute(_JUDGED_FROM, {"b_start": start})]


def _merged_start(conn: Connection, revisit: Sequence[StoredItem]) -> datetime | None:
    """When the earliest story began among the revisited items' stories that absorbed others
    (and the stories they absorbed); None when none did."""
    s = STORIES.c
    survivors = sorted({it.story_id for it in revisit if it.story_id is not None})
    earliest: datetime | None = None
    for chunk in chunked(survivors):
        absorbed = sa_select(s.merged_into).where(s.merged_into.in_(chunk))
        found = conn.execute(
            sa_select(func.min(s.first_seen_at)).where(
                or_(s.merged_into.in_(chunk), s.id.in_(absorbed))
            )
        ).scalar()
        if found is not None:
            earliest = found if earliest is None else min(earliest, found)
    return earliest


def _members_before(
    conn: Connection, story_ids: Sequence[int], before: datetime | None, limit: int
) -> dict[int, list[StoredItem]]:
    """Each story's first `limit` judged items (published before `before`, when given), in
    canonical order."""
    out: dict[int, list[StoredItem]] = defaultdict(list)
    stmt = _members_statement(before is not None)
    for chunk in chunked(story_ids):
        for row in conn.execute(stmt, {"b_ids": chunk, "b_before": before, "b_limit": limit}):
            out[row.story_id].append(_stored(row))
    return out


@functools.cache
def _members_statement(bounded: bool) -> Select[Any]:
    """`_members_before`'s query, built once (with `b_before` when `bounded`)."""
    i = ITEMS.c
    order = (i.published_at, i.content_hash, i.entry_key, i.source_id)
    rank = func.row_number().over(partition_by=i.story_id, order_by=order).label("rank")
    conds: list[ColumnElement[bool]] = [i.story_id.in_(_ids()), i.pending.is_(False)]
    if bounded:
        conds.append(i.published_at < bindparam("b_before"))
    inner = sa_select(*_item_columns(), rank).where(*conds).subquery()
    return (
        sa_select(inner)
        .where(inner.c.rank <= bindparam("b_limit"))
        .order_by(inner.c.story_id, inner.c.rank)
    )


def _profiles(conn: Connection, source_ids: Iterable[int]) -> dict[int, SourceProfile]:
    out: dict[int, SourceProfile] = {}
    for chunk in chunked(source_ids):
        for source_id, official, jurisdiction, kind in conn.execute(_PROFILES, {"b_ids": chunk}):
            out[source_id] = SourceProfile(source_id, bool(official), jurisdiction, kind)
    return out


def _item_tags(conn: Connection, item_ids: Sequence[int]) -> dict[int, Tags]:
    topics: dict[int, set[str]] = defaultdict(set)
    places: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(item_ids):
        for item_id, kind, slug in conn.execute(_ITEM_TAGS, {"b_ids": chunk}):
            (topics if kind == "topic" else places)[item_id].add(slug)
    return {
        item_id: Tags(frozenset(topics.get(item_id, ())), frozenset(places.get(item_id, ())))
        for item_id in set(topics) | set(places)
    }


def _insert_stories(conn: Connection, stories: Sequence[NewStory]) -> dict[int, int]:
    """Insert the new stories; their ids by plan key."""
    if not stories:
        return {}
    rows = [
        {
            "headline": n.headline,
            "first_seen_at": n.first_seen_at,
            "last_seen_at": n.last_seen_at,
            "item_count": n.item_count,
            "source_count": n.source_count,
            "official": n.official,
            "content_hash": n.content_hash,
            **_fact_columns(n.facts),
        }
        for n in stories
    ]
    hashes = [n.content_hash for n in stories]
    if len(set(hashes)) == len(rows):
        # one multi-row INSERT; RETURNING order is not guaranteed, so ids are matched back by
        # content hash (distinct here)
        found = {h: int(i) for h, i in conn.execute(_INSERT_STORIES, rows)}
        return {n.key: found[n.content_hash] for n in stories}
    new_ids = [int(i) for i in conn.execute(_INSERT_STORIES_IN_ORDER, rows).scalars()]
    return {n.key: i for n, i in zip(stories, new_ids, strict=True)}


def _fact_columns(facts: StoryFacts) -> dict[str, Any]:
    return {
        "relevant": facts.relevant,
        "relevance_reasons": "; ".join(facts.reasons),
        "event_type": facts.event_type,
        "significance": facts.significance,
    }


def _write_facts(conn: Connection, facts: dict[int, StoryFacts]) -> None:
    """Stories' relevance, event type and significance; a story that is not policy news keeps
    no topic or place (its items keep theirs, for watches)."""
    if not facts:
        return
    conn.execute(
        _UPDATE_STORY,
        [{"b_id": story_id, **_fact_columns(f)} for story_id, f in facts.items()],
    )
    other = [story_id for story_id, f in facts.items() if not f.relevant]
    for chunk in chunked(other):
        conn.execute(_DELETE_STORY_TAGS, {"b_ids": chunk})
    add_model_topics(conn, {s: f.model_topics for s, f in facts.items() if f.relevant})


def _assign(conn: Connection, plan: JudgePlan, story: Any) -> None:
    """Put each judged item in its story; an item edited since it was read stays pending."""
    if not plan.assign:
        return
    _ASSIGN_ROWS.run(
        conn,
        [(item_id, plan.read_hashes[item_id], story(ref)) for item_id, ref in plan.assign.items()],
    )


def _replace_item_tags(conn: Connection, tags: dict[int, Tags]) -> None:
    if not tags:
        return
    for chunk in chunked(tags):
        conn.execute(_DELETE_ITEM_TAGS, {"b_ids": chunk})
    rows: list[tuple[int, str, str]] = []
    for item_id, item_tags in tags.items():
        rows += _tag_rows(item_id, item_tags)
    _INSERT_ITEM_TAGS.run(conn, rows)


def _merge(conn: Connection, merged: dict[int, int]) -> None:
    """Emptied stories point at the story their items went to (and so do older pointers);
    any member they still hold (from before the judged window) goes there too."""
    if not merged:
        return
    s = STORIES.c
    for old, into in merged.items():
        conn.execute(update(ITEMS).where(ITEMS.c.story_id == old).values(story_id=into))
        conn.execute(
            update(STORIES).where(or_(s.id == old, s.merged_into == old)).values(merged_into=into)
        )
    conn.execute(update(STORIES).where(s.id.in_(list(merged))).values(item_count=0, source_count=0))
    for chunk in chunked(merged):
        conn.execute(_DELETE_STORY_TAGS, {"b_ids": chunk})


@functools.cache
def _totals() -> Any:
    """Per story of `b_ids`: its items, sources, first and last times, and whether an
    official source told it."""
    i, src = ITEMS.c, SOURCES.c
    return (
        sa_select(
            i.story_id,
            func.count().label("items"),
            func.count(distinct(i.source_id)).label("sources"),
            func.min(i.published_at).label("first"),
            func.max(i.published_at).label("last"),
            func.max(case((src.official.is_(True), 1), else_=0)).label("official"),
        )
        .join(SOURCES, src.id == i.source_id)
        .where(i.story_id.in_(_ids()))
        .group_by(i.story_id)
    )


@functools.cache
def _sample_members() -> Any:
    """(story, title, content hash, headline rank, rank from the first, rank from the last) of
    the members a refresh reads of the stories `b_ids`: the headline (an official source's
    first item, else the earliest) and the first and last `HASHED_MEMBERS` in canonical order.
    Built once, like the other statements a judgement runs."""
    i, src = ITEMS.c, SOURCES.c
    canonical = (i.published_at, i.content_hash, i.entry_key, i.source_id)
    backwards = tuple(c.desc() for c in canonical)
    ranked = (
        sa_select(
            i.story_id,
            i.title,
            i.content_hash,
            func.row_number()
            .over(partition_by=i.story_id, order_by=(src.official.desc(), *canonical))
            .label("head"),
            func.row_number().over(partition_by=i.story_id, order_by=canonical).label("first"),
            func.row_number().over(partition_by=i.story_id, order_by=backwards).label("last"),
        )
        .join(SOURCES, src.id == i.source_id)
        .where(i.story_id.in_(_ids()))
        .subquery()
    )
    r = ranked.c
    return sa_select(r.story_id, r.title, r.content_hash, r.head, r.first, r.last).where(
        or_(r.head == 1, r.first <= HASHED_MEMBERS, r.last <= HASHED_MEMBERS)
    )


def _headline_order(row: Any) -> tuple[bool, datetime, str, str]:
    return (not row.official, row.published_at, row.content_hash, row.entry_key)


# A story with more members than twice this is large: its tags are those its first and last this
# many members (canonical order) share, so that its refresh reads a bounded number of rows.
TAGGED_MEMBERS = 100


def _refresh(conn: Connection, story_ids: Sequence[int]) -> None:
    """Recompute the columns and tags of these stories from their items, in work that does not
    grow with a story's size in Python: counts and times are SQL aggregates, the headline and
    the content hash read a bounded sample of members, and a large story's tags a bounded
    sample too (`TAGGED_MEMBERS`)."""
    if not story_ids:
        return
    totals: dict[int, Any] = {}
    heads: dict[int, str] = {}
    samples: dict[int, list[str]] = defaultdict(list)
    large_tags: dict[int, Tags] = {}
    for chunk in chunked(story_ids):
        totals.update((row.story_id, row) for row in conn.execute(_totals(), {"b_ids": chunk}))
    large = [s for s in story_ids if s in totals and totals[s].items > 2 * TAGGED_MEMBERS]
    small = [s for s in story_ids if s in totals and totals[s].items <= 2 * TAGGED_MEMBERS]
    for chunk in chunked(small):
        for story_id, title, digest, head, first, last in conn.execute(
            _sample_members(), {"b_ids": chunk}
        ):
            if head == 1:
                heads[story_id] = title
            if first <= HASHED_MEMBERS or last <= HASHED_MEMBERS:
                samples[story_id].append(digest)
    for story_id in large:
        heads[story_id], samples[story_id], large_tags[story_id] = _large_story(
            conn, story_id, bool(totals[story_id].official)
        )
    updates = []
    for story_id in story_ids:
        row = totals.get(story_id)
        if row is None:
            continue
        updates.append(
            {
                "b_id": story_id,
                "headline": heads[story_id],
                "item_count": row.items,
                "source_count": row.sources,
                "official": bool(row.official),
                "first_seen_at": row.first,
                "last_seen_at": row.last,
                "content_hash": sampled_content_hash(samples[story_id], row.items),
            }
        )
    if updates:
        conn.execute(_UPDATE_STORY, updates)
    for chunk in chunked(story_ids):
        conn.execute(_DELETE_STORY_TAGS, {"b_ids": chunk})
    for chunk in chunked(small):
        conn.execute(_insert_shared(), {"b_ids": chunk})
    rows: list[tuple[int, str, str]] = []
    for story_id, tags in large_tags.items():
        rows += _tag_rows(story_id, tags)
    _INSERT_STORY_TAGS.run(conn, rows)


@functools.cache
def _insert_shared() -> Any:
    """Tag the stories `b_ids` with `_shared`'s tags."""
    return insert(STORY_TAGS).from_select(["story_id", "kind", "slug"], _shared())


def _shared() -> Any:
    """(story, kind, slug) of the tags a share (STORY_SHARE) of each story's tagged members
    carry, as digest.ingest.judge tags a new story (the stories `b_ids`)."""
    i, t = ITEMS.c, ITEM_TAGS.c
    tagged = (
        sa_select(i.story_id, func.count(distinct(t.item_id)).label("n"))
        .join(ITEMS, i.id == t.item_id)
        .where(i.story_id.in_(_ids()))
        .group_by(i.story_id)
        .subquery()
    )
    per_tag = (
        sa_select(i.story_id, t.kind, t.slug, func.count(distinct(t.item_id)).label("c"))
        .join(ITEMS, i.id == t.item_id)
        .where(i.story_id.in_(_ids()))
        .group_by(i.story_id, t.kind, t.slug)
        .subquery()
    )
    return (
        sa_select(per_tag.c.story_id, per_tag.c.kind, per_tag.c.slug)
        .join(tagged, tagged.c.story_id == per_tag.c.story_id)
        .where(
            per_tag.c.c
            >= tagged.c.n
            * case(
                (per_tag.c.kind == "topic", STORY_SHARE["topic"]),
                else_=STORY_SHARE["jurisdiction"],
            )
        )
    )


def _large_story(conn: Connection, story_id: int, official: bool) -> tuple[str, list[str], Tags]:
    """A large story's headline, content-hash sample and tags, from its first and last
    `TAGGED_MEMBERS` members (and its first official one): a few top-k reads, never a sort or a
    count of its tags over all its members."""
    i, src, t = ITEMS.c, SOURCES.c, ITEM_TAGS.c
    canonical = (i.published_at, i.content_hash, i.entry_key, i.source_id)
    ends = []
    for order in (canonical, tuple(c.desc() for c in canonical)):
        stmt = (
            sa_select(i.id, i.title, i.content_hash)
            .where(i.story_id == story_id)
            .order_by(*order)
            .limit(TAGGED_MEMBERS)
        )
        ends.append(conn.execute(stmt).all())
    first, last = ends
    head = first[0].title  # the earliest, unless an official source told it
    if official:
        stmt = (
            sa_select(i.title)
            .join(SOURCES, src.id == i.source_id)
            .where(i.story_id == story_id, src.official.is_(True))
            .order_by(*canonical)
            .limit(1)
        )
        head = conn.execute(stmt).scalar_one_or_none() or head
    sample = [r.content_hash for r in (*first[:HASHED_MEMBERS], *last[:HASHED_MEMBERS])]
    member_tags: dict[int, set[tuple[str, str]]] = defaultdict(set)
    ids = sorted({r.id for r in (*first, *last)})
    for item_id, kind, slug in conn.execute(
        sa_select(t.item_id, t.kind, t.slug).where(t.item_id.in_(ids))
    ):
        member_tags[item_id].add((kind, slug))
    counts = Counter(tag for tags in member_tags.values() for tag in tags)
    tagged = len(member_tags)
    share = {"topic": STORY_SHARE["topic"]}  # any other kind as a jurisdiction, as in `_shared`
    shared = {
        tag
        for tag, n in counts.items()
        if n >= tagged * share.get(tag[0], STORY_SHARE["jurisdiction"])
    }
    return (
        head,
        sample,
        Tags(
            frozenset(slug for kind, slug in shared if kind == "topic"),
            frozenset(slug for kind, slug in shared if kind == "jurisdiction"),
        ),
    )
