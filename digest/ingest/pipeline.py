"""One refresh of one source, end to end (Miniflux style): fetch -> parse -> clean -> store ->
classify -> cluster -> stories. Fetches run concurrently; database writes and clustering are
serialised behind one lock so SQLite stays happy and the in-memory clusterer stays consistent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session

from core.clock import utcnow
from digest.ingest import parse as parse_mod
from digest.ingest.clean import CleanEntry, clean_entry, strip_boilerplate
from digest.ingest.fetch import FetchError, FetchResult
from digest.ingest.parse import FeedError, ParsedFeed, RawEntry, parse_feed
from digest.judgement.cluster import Clusterer
from digest.text.words import Words, split_words
from storage import sources as source_state
from storage.db import Database
from storage.items import ItemLike, NewItem, store_entries
from storage.models import Source
from storage.stories import (
    SourceLike,
    TagPair,
    insert_stories,
    load_sources,
    refresh_stories,
)

__all__ = [
    "PipelineContext",
    "RefreshResult",
    "refresh_source",
    "poll_sources",
    "ingest_bytes",
    "ingest_entries",
]

log = logging.getLogger(__name__)

Status = Literal["ok", "not_modified", "failed"]


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did; the new/changed story ids feed watch alerts."""

    source_id: int
    status: Status
    new_items: int = 0
    updated_items: int = 0
    new_story_ids: tuple[int, ...] = ()
    changed_story_ids: tuple[int, ...] = ()
    error: str | None = None


@dataclass
class PipelineContext:
    """Everything a refresh needs, built once by the caller."""

    db: Database
    fetcher: Any  # digest.ingest.fetch.Fetcher (or a test double with the same `fetch`)
    taxonomy: Any  # digest.judgement.classify.Taxonomy
    clusterer: Clusterer | None = None  # loaded from storage on first use when None
    clock: Callable[[], datetime] = utcnow
    parse_timeout: float = 10.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # (content hash, default jurisdiction) -> tags: a story's older items are not classified
    # again each time it gains one
    tag_cache: dict[tuple[str, str | None], TagPair] = field(default_factory=dict)
    tag_pairs: dict[TagPair, TagPair] = field(default_factory=dict)


_TAG_CACHE_LIMIT = 50_000


def _clusterer(ctx: PipelineContext, session: Session, now: datetime) -> Clusterer:
    if ctx.clusterer is None:
        window = Clusterer().window
        ctx.clusterer = Clusterer.load(session, now - window, window)
    else:
        # stories another process (a replica, `policybrief poll`) stored since we last looked
        ctx.clusterer.catch_up(session, now - ctx.clusterer.window)
    ctx.clusterer.maybe_prune(now)
    return ctx.clusterer


class _Classifier:
    """Tags items through `ctx.taxonomy`, once per (content hash, default jurisdiction): a
    story's older items are not classified again each time it gains one."""

    def __init__(self, ctx: PipelineContext) -> None:
        if len(ctx.tag_cache) > _TAG_CACHE_LIMIT:
            ctx.tag_cache.clear()
            ctx.tag_pairs.clear()
        self._ctx = ctx

    def __call__(
        self, item: ItemLike, source: SourceLike, words: tuple[Words, Words] | None = None
    ) -> TagPair:
        """The item's (topics, jurisdictions); `words`: its title and text already split."""
        # the content hash covers title and text: equal hashes, equal tags
        key = (item.content_hash, source.jurisdiction)
        found = self._ctx.tag_cache.get(key)
        if found is None:
            title, text = words or (split_words(item.title), split_words(item.text))
            tags = self._ctx.taxonomy.classify_words(title, text, source.jurisdiction)
            pair = (frozenset(tags.topics), frozenset(tags.jurisdictions))
            # a few hundred distinct pairs serve every item: share them (fewer live objects)
            found = self._ctx.tag_cache[key] = self._ctx.tag_pairs.setdefault(pair, pair)
        return found


def _ingest(
    ctx: PipelineContext,
    session: Session,
    source_id: int,
    entries: Sequence[RawEntry],
    now: datetime,
) -> tuple[int, int, list[int], list[int]]:
    """Clean, store, cluster and tag one source's batch; (new, updated, new ids, changed ids)."""
    cleaned: list[CleanEntry] = []
    for raw in entries:
        entry = clean_entry(raw, now=now)
        if entry is not None:
            cleaned.append(entry)
    # the whole batch, not only new entries: a footer is recognised on every poll
    cleaned = strip_boilerplate(cleaned)
    clusterer = _clusterer(ctx, session, now)
    classify = _Classifier(ctx)
    sources = load_sources(session, {source_id})
    joined: set[int] = set()
    new_ids: list[int] = []

    def attach(new_items: list[NewItem]) -> None:
        # Items of one batch may join each other's new stories: assign one by one; an item
        # that starts a story gets a temporary negative id until the story row exists.
        groups: dict[int, list[NewItem]] = {}
        for item in new_items:
            # split once for both the clusterer and the classifier (whose tags are cached for
            # when the item's story is stored)
            words = split_words(item.title), split_words(item.text)
            classify(item, sources[source_id], words)
            story_id = clusterer.assign(item, words)
            if story_id is None:
                groups[clusterer.start(item)] = [item]
                continue
            if story_id < 0:
                groups[story_id].append(item)
            else:
                item.story_id = story_id
                joined.add(story_id)
            clusterer.add(story_id, item)
        temps = list(groups)
        ids = insert_stories(session, [groups[t] for t in temps], sources, classify)
        for temp, story_id in zip(temps, ids, strict=True):
            clusterer.rekey(temp, story_id)
            for item in groups[temp]:
                item.story_id = story_id
        new_ids.extend(ids)

    stored = store_entries(session, source_id, cleaned, now, before_insert=attach)
    changed = set(joined)
    changed.update(it.story_id for it in stored.updated if it.story_id is not None)
    changed.difference_update(new_ids)
    if changed:
        refresh_stories(session, sorted(changed), classify)
    return len(stored.new), len(stored.updated), new_ids, sorted(changed)


def _commit(
    ctx: PipelineContext,
    source_id: int,
    feed: ParsedFeed,
    now: datetime,
    etag: str | None = None,
    last_modified: str | None = None,
) -> RefreshResult:
    """Ingest a parsed feed and record the success, in one transaction."""
    try:
        with ctx.db.session() as session:
            new, updated, new_ids, changed = _ingest(ctx, session, source_id, feed.entries, now)
            source_state.record_success(
                session,
                source_id,
                now,
                etag=etag,
                last_modified=last_modified,
                title=feed.title or None,
            )
    except Exception:
        ctx.clusterer = None  # the index may hold stories the rollback removed: rebuild it
        raise
    return RefreshResult(source_id, "ok", new, updated, tuple(new_ids), tuple(changed))


def ingest_entries(
    ctx: PipelineContext, source_id: int, feed: ParsedFeed, *, now: datetime | None = None
) -> RefreshResult:
    """Store one parsed feed for a source (one transaction); records the success."""
    return _commit(ctx, source_id, feed, now or ctx.clock())


def ingest_bytes(ctx: PipelineContext, source_id: int, body: bytes) -> RefreshResult:
    """Parse local feed bytes and ingest them for `source_id` (demo, benchmark, import)."""
    now = ctx.clock()
    try:
        feed = parse_feed(body)
    except FeedError as exc:
        with ctx.db.session() as session:
            source_state.record_failure(session, source_id, now, exc.reason)
        return RefreshResult(source_id, "failed", error=exc.reason)
    return ingest_entries(ctx, source_id, feed, now=now)


async def _parse(ctx: PipelineContext, body: bytes) -> ParsedFeed:
    limited = getattr(parse_mod, "parse_feed_limited", None)
    if limited is not None:
        return await limited(body, ctx.parse_timeout)  # type: ignore[no-any-return]
    return await asyncio.wait_for(asyncio.to_thread(parse_feed, body), ctx.parse_timeout)


def _fail(
    ctx: PipelineContext, source_id: int, now: datetime, reason: str, retry: float | None
) -> None:
    with ctx.db.session() as session:
        source_state.record_failure(session, source_id, now, reason, retry_after=retry)


async def refresh_source(ctx: PipelineContext, source_id: int) -> RefreshResult:
    """Poll one source: a 304 ends after the fetch; failures are recorded, never raised."""
    with ctx.db.session() as session:
        source = session.get(Source, source_id)
        if source is None:
            return RefreshResult(source_id, "failed", error=f"no source #{source_id}")
        url, etag, last_modified = source.url, source.etag, source.last_modified
    try:
        fetched: FetchResult = await ctx.fetcher.fetch(url, etag=etag, last_modified=last_modified)
    except FetchError as exc:
        async with ctx.lock:
            await asyncio.to_thread(_fail, ctx, source_id, ctx.clock(), exc.reason, exc.retry_after)
        return RefreshResult(source_id, "failed", error=exc.reason)
    except Exception as exc:  # a bug or an unexpected transport error: one source only
        log.exception("fetching source %s failed", source_id)
        reason = f"unexpected error: {type(exc).__name__}"
        async with ctx.lock:
            await asyncio.to_thread(_fail, ctx, source_id, ctx.clock(), reason, None)
        return RefreshResult(source_id, "failed", error=reason)
    if fetched.not_modified:
        async with ctx.lock:
            await asyncio.to_thread(_not_modified, ctx, source_id, ctx.clock())
        return RefreshResult(source_id, "not_modified")
    try:
        feed = await _parse(ctx, fetched.body)
    except FeedError as exc:
        reason = exc.reason
    except TimeoutError:
        reason = f"the feed took longer than {ctx.parse_timeout:g} s to parse"
    else:
        reason = ""
    if reason:
        async with ctx.lock:
            await asyncio.to_thread(_fail, ctx, source_id, ctx.clock(), reason, None)
        return RefreshResult(source_id, "failed", error=reason)
    async with ctx.lock:
        try:
            return await asyncio.to_thread(_store_fetched, ctx, source_id, feed, fetched)
        except Exception as exc:
            log.exception("storing source %s failed", source_id)
            reason = f"could not store the feed: {type(exc).__name__}"
            await asyncio.to_thread(_fail, ctx, source_id, ctx.clock(), reason, None)
            return RefreshResult(source_id, "failed", error=reason)


def _not_modified(ctx: PipelineContext, source_id: int, now: datetime) -> None:
    with ctx.db.session() as session:
        source_state.record_not_modified(session, source_id, now)


def _store_fetched(
    ctx: PipelineContext, source_id: int, feed: ParsedFeed, fetched: FetchResult
) -> RefreshResult:
    return _commit(ctx, source_id, feed, ctx.clock(), fetched.etag, fetched.last_modified)


async def poll_sources(
    ctx: PipelineContext,
    source_ids: Sequence[int],
    *,
    concurrency: int = 16,
    progress: Callable[[RefreshResult], None] | None = None,
) -> list[RefreshResult]:
    """Refresh many sources, `concurrency` fetches at a time; results in the order given."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(source_id: int) -> RefreshResult:
        async with gate:
            try:
                result = await refresh_source(ctx, source_id)
            except Exception as exc:  # refresh_source records its failures; this is a last guard
                log.exception("refreshing source %s failed", source_id)
                result = RefreshResult(source_id, "failed", error=type(exc).__name__)
        if progress is not None:
            progress(result)
        return result

    return list(await asyncio.gather(*(one(sid) for sid in source_ids)))
