"""Polling sources, end to end: each source is read, decided and written on its own, then the
new items are judged together, then the after-hooks run.

1. A refresh of one source (`refresh_source`): fetch (a 304 ends there) -> parse -> clean ->
   decide which entries are new or edited (pure) -> [full text: for a source with `full_text`
   on, the step `read_articles` fetches each new or edited entry's article page and puts its
   main text in the entry's place (digest/ingest/fulltext.py)] -> store them, pending, with the
   poll's success, in one transaction. Feeds parsed while the database was busy are read and
   stored together when their turn comes: one transaction for the group, not one per source.
2. A judgement of everything pending (`judge_pending`), the oldest `JUDGE_BATCH` items at a
   time: read the window -> decide tags and stories (pure, digest.ingest.judge) -> write the
   plan in one transaction -> adopt it in the in-memory story index.
3. The after-hooks, in their fixed order (watch alerts, the LLM summary queue, metrics), with
   what the judgement made.

Fetches run concurrently; database work runs in worker threads, one at a time behind a lock
(SQLite allows one writer, and the story index must see judgements in order).

Setting `PipelineContext.stop` (at shutdown) ends a poll between atomic units: no source starts
or stores after it, and no judgement batch starts after it (the items not yet judged stay
pending for the next poll), so the poll returns as soon as the unit under way has finished.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from core.clock import utcnow
from core.feeds import FeedError, FetchError
from core.ingest import (
    CleanEntry,
    FeedValidators,
    JudgeResult,
    JudgeWindow,
    PollTarget,
    SourceBatch,
    SourceWrite,
    StaleJudgement,
)
from digest.ingest.clean import clean_entry, distinct_keys, strip_boilerplate
from digest.ingest.fulltext import ArticleCounts, ArticleReader
from digest.ingest.judge import Judge, decide
from digest.ingest.rawfeed import ParsedFeed
from digest.judgement.classify import Taxonomy
from digest.judgement.cluster import MEMBERS_IN_SIGNATURE, StoryIndex
from digest.judgement.embeddings import Embedder
from digest.judgement.signature import Signature

if TYPE_CHECKING:  # fetch and parse load httpx, lxml and feedparser: only polling needs them
    from digest.ingest.fetch import FeedFetcher, FetchResult
    from storage.store import Storage

__all__ = [
    "AfterIngest",
    "PipelineContext",
    "RefreshResult",
    "PollReport",
    "plan_batch",
    "refresh_source",
    "read_articles",
    "poll_sources",
    "judge_pending",
    "ingest_feeds",
    "ingest_entries",
    "ingest_bytes",
]

log = logging.getLogger(__name__)

Status = Literal["ok", "not_modified", "failed", "stopped"]
HORIZON = timedelta(days=14)  # an item older than this (against the newest) is not revisited
_STALE_RETRIES = 3
# pending items judged at once: the window of a judgement (items, their texts, the plan) is
# most of a cold start's memory, while a batch this large costs little more time than one
JUDGE_BATCH = 2000


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh of one source stored."""

    source_id: int
    status: Status
    new_items: int = 0
    updated_items: int = 0
    deferred: int = 0  # new items over the per-poll limit, left for the next poll
    error: str | None = None
    articles: ArticleCounts = field(default_factory=ArticleCounts)  # full-text sources only


@dataclass(frozen=True)
class PollReport:
    """A poll of some sources: each source's refresh, and the judgement that followed."""

    results: tuple[RefreshResult, ...] = ()
    judged: JudgeResult = field(default_factory=JudgeResult)

    @property
    def new_story_ids(self) -> tuple[int, ...]:
        return self.judged.new_story_ids

    @property
    def changed_story_ids(self) -> tuple[int, ...]:
        return self.judged.changed_story_ids

    @property
    def failures(self) -> int:
        return sum(1 for r in self.results if r.status == "failed")

    @property
    def new_items(self) -> int:
        return sum(r.new_items for r in self.results)

    @property
    def articles(self) -> ArticleCounts:
        """Article pages read for full-text sources, over every source of the poll."""
        return sum((r.articles for r in self.results), ArticleCounts())


@dataclass(frozen=True)
class AfterIngest:
    """A named step run after every judgement that judged something, in registration order."""

    name: str
    run: Callable[[PollReport], object]


@dataclass
class PipelineContext:
    """Everything polling needs, built once by the caller and kept for the process's life."""

    store: Storage
    fetcher: FeedFetcher | None
    # read when something is first judged: a poll of unchanged feeds never needs the taxonomy
    load_taxonomy: Callable[[], Taxonomy]
    clock: Callable[[], datetime] = utcnow
    parse_timeout: float = 10.0
    hooks: Sequence[AfterIngest] = ()
    index: StoryIndex = field(default_factory=StoryIndex)
    horizon: timedelta = HORIZON
    per_host: int = 2  # sources of one host fetched at once (the fetcher allows as many)
    # reads article pages for full-text sources; None: such sources keep their feeds' text
    articles: ArticleReader | None = None
    max_new_per_poll: int = 500  # new items stored per source per poll; the rest wait
    # items' embeddings as extra clustering evidence (POLICYBRIEF_EMBEDDINGS_MODEL); None offline.
    # The index needs a `meaning` hook to use them (bot/app.py builds both).
    embedder: Embedder | None = None
    # stored stories' model readings (topics, relevance, event type) are read and applied by
    # every judgement; on when an LLM is configured (offline there are none to read)
    model_readings: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # set at shutdown: polls end between atomic units (see the module docstring)
    stop: threading.Event = field(default_factory=threading.Event)

    @cached_property
    def judge(self) -> Judge:
        """Tags, signatures and relevance of items, with their caches (see Judge)."""
        return Judge(self.load_taxonomy())


# -- one source -----------------------------------------------------------------------------


def plan_batch(
    entries: Sequence[CleanEntry],
    known: dict[str, tuple[int, str]],
    max_new: int | None = None,
) -> SourceBatch:
    """Which of a source's cleaned entries are new, edited (by stored item id) or unchanged.

    A feed that floods is taken `max_new` new entries at a time, the oldest first: the rest
    wait for the next poll, so one poll's cost stays bounded whatever the feed does."""
    new: list[CleanEntry] = []
    edited: list[tuple[int, CleanEntry]] = []
    unchanged = 0
    seen: set[str] = set()
    for entry in entries:
        if entry.entry_key in seen:
            continue  # the same entry listed twice (distinct_keys told different ones apart)
        seen.add(entry.entry_key)
        stored = known.get(entry.entry_key)
        if stored is None:
            new.append(entry)
        elif stored[1] != entry.content_hash:
            edited.append((stored[0], entry))
        else:
            unchanged += 1
    deferred = 0
    if max_new is not None and len(new) > max_new:
        new.sort(key=lambda e: (e.published_at, e.entry_key))
        deferred = len(new) - max_new
        new = new[:max_new]
    return SourceBatch(tuple(new), tuple(edited), unchanged, deferred)


def _clean(feed: ParsedFeed, now: datetime) -> list[CleanEntry]:
    cleaned = [e for raw in feed.entries if (e := clean_entry(raw, now=now)) is not None]
    # the whole feed, not only new entries: a footer is recognised on every poll
    return distinct_keys(strip_boilerplate(cleaned))


def _plan_feeds(
    ctx: PipelineContext, feeds: Sequence[tuple[int, ParsedFeed]], now: datetime
) -> list[SourceBatch]:
    """Read the sources' known entries (one transaction for all) and decide which are new or
    edited; a source appears at most once."""
    entries = {source_id: _clean(feed, now) for source_id, feed in feeds}
    known = ctx.store.ingest.known_entries(
        {source_id: [e.entry_key for e in found] for source_id, found in entries.items()}
    )
    return [
        plan_batch(found, known[source_id], ctx.max_new_per_poll)
        for source_id, found in entries.items()
    ]


def _write_batches(
    ctx: PipelineContext,
    batches: Sequence[SourceWrite],
    now: datetime,
    articles: dict[int, ArticleCounts] | None = None,
) -> list[RefreshResult]:
    """Write the batches and the polls' success (and the article counts of full-text sources)
    in one transaction."""
    writes = []
    for source_id, batch, validators in batches:
        if batch.deferred:
            # without the validators the next poll fetches the feed whole, deferred entries too
            validators = FeedValidators(title=validators.title)
            log.info("source %s: %d new items left for the next poll", source_id, batch.deferred)
        writes.append((source_id, batch, validators))
    counts = articles or {}
    ctx.store.ingest.store(
        writes, now, {i: (c.fetched, c.failed + c.deferred) for i, c in counts.items()}
    )
    return [
        RefreshResult(
            source_id,
            "ok",
            len(batch.new),
            len(batch.edited),
            batch.deferred,
            articles=counts.get(source_id, ArticleCounts()),
        )
        for source_id, batch, _validators in writes
    ]


# Parsed feeds stored together, in one transaction, hold at most this many entries between them:
# a cold start's commits are few, while a group's rows in flight stay small beside the poll's
# memory and no write holds the database long
STORE_GROUP = 1000


@dataclass
class _Parsed:
    """A fetched and parsed feed, waiting to be stored; `result` once it was."""

    source_id: int
    feed: ParsedFeed
    validators: FeedValidators
    result: RefreshResult | None = None


def _take_group(waiting: list[_Parsed], first: _Parsed) -> list[_Parsed]:
    """`first` and the feeds waiting after it, in order, up to the first that would take the
    group past STORE_GROUP entries or repeat a source; taken out of `waiting`."""
    group, size = [first], len(first.feed.entries)
    sources = {first.source_id}
    for parsed in waiting:
        if parsed is first:
            continue
        size += len(parsed.feed.entries)
        if size > STORE_GROUP or parsed.source_id in sources:
            break
        group.append(parsed)
        sources.add(parsed.source_id)
    taken = {id(parsed) for parsed in group}
    waiting[:] = [parsed for parsed in waiting if id(parsed) not in taken]
    return group


def _store_feeds(
    ctx: PipelineContext, group: Sequence[_Parsed], now: datetime
) -> list[RefreshResult]:
    """Read the sources' known entries, decide, write the batches and the polls' success: one
    read and one write transaction for the group. The collector waits meanwhile: cleaning a
    group makes thousands of short-lived objects, and a full collection would walk every feed
    the poll still holds."""
    with _collector_paused():
        batches = _plan_feeds(ctx, [(p.source_id, p.feed) for p in group], now)
        return _write_batches(
            ctx, [(p.source_id, b, p.validators) for p, b in zip(group, batches, strict=True)], now
        )


def _store_or_fail(
    ctx: PipelineContext, group: Sequence[_Parsed], now: datetime
) -> list[RefreshResult]:
    """`_store_feeds`; when the group's transaction fails, each feed is stored alone, so one
    source's failure (recorded on it) costs the others nothing."""
    try:
        return _store_feeds(ctx, group, now)
    except Exception as exc:
        if len(group) > 1:
            return [result for parsed in group for result in _store_or_fail(ctx, [parsed], now)]
        source_id = group[0].source_id
        log.exception("storing source %s failed", source_id)
        reason = f"could not store the feed: {type(exc).__name__}"
        try:
            _fail(ctx, source_id, reason, None)
        except Exception:  # the source itself is gone, say: the others' results stand
            log.exception("recording the failure of source %s failed", source_id)
        return [RefreshResult(source_id, "failed", error=reason)]


async def _store_parsed(
    ctx: PipelineContext, waiting: list[_Parsed], parsed: _Parsed
) -> RefreshResult:
    """Store a parsed feed with every other one waiting for the database when its turn comes
    (one transaction for the group, `_take_group`); a feed a turn before it already stored
    just returns its result. No waiting is added: a feed is written on its own turn or
    earlier."""
    waiting.append(parsed)
    async with ctx.lock:
        if parsed.result is None:
            if ctx.stop.is_set():  # fetched, but stopping: stored by the next poll instead
                waiting.remove(parsed)
                return RefreshResult(parsed.source_id, "stopped")
            group = _take_group(waiting, parsed)
            results = await asyncio.to_thread(_store_or_fail, ctx, group, ctx.clock())
            for member, result in zip(group, results, strict=True):
                member.result = result
    assert parsed.result is not None
    return parsed.result


async def read_articles(
    ctx: PipelineContext, batch: SourceBatch
) -> tuple[SourceBatch, ArticleCounts]:
    """The full-text step: the batch's new and edited entries with their articles' main text
    where it could be read; network only, no database."""
    if ctx.articles is None or not (batch.new or batch.edited):
        return batch, ArticleCounts()
    return await ctx.articles.enrich_batch(batch)


async def _store_full_text(
    ctx: PipelineContext, source_id: int, feed: ParsedFeed, validators: FeedValidators
) -> RefreshResult:
    """read (known entries) -> decide -> full text (outside the lock: it is network) -> write."""
    now = ctx.clock()
    async with ctx.lock:
        (batch,) = await asyncio.to_thread(_plan_feeds, ctx, [(source_id, feed)], now)
    batch, counts = await read_articles(ctx, batch)
    async with ctx.lock:
        if ctx.stop.is_set():  # read, but stopping: stored (and read again) by the next poll
            return RefreshResult(source_id, "stopped")
        (result,) = await asyncio.to_thread(
            _write_batches, ctx, [(source_id, batch, validators)], now, {source_id: counts}
        )
        return result


def _fail(ctx: PipelineContext, source_id: int, reason: str, retry: float | None) -> None:
    ctx.store.sources.record_failure(source_id, ctx.clock(), reason, retry_after=retry)


async def _parse(ctx: PipelineContext, fetched: FetchResult) -> ParsedFeed:
    from digest.ingest.parser_pool import parse_feed_limited

    return await parse_feed_limited(
        fetched.body,
        ctx.parse_timeout,
        base_url=fetched.base_url,
        content_location=fetched.content_location,
        content_type=fetched.content_type,
    )


async def refresh_source(
    ctx: PipelineContext,
    source_id: int,
    target: PollTarget | None,
    not_modified: list[int] | None = None,
    waiting: list[_Parsed] | None = None,
) -> RefreshResult:
    """Fetch, parse and store one source (judgement comes after: see `poll_sources`).
    Failures are recorded on the source and returned, never raised. A 304 is recorded at once,
    or added to `not_modified` for the caller to record with the others in one transaction.
    Parsed feeds of one poll share `waiting`, so that those ready together are stored in one
    transaction."""
    if target is None:
        return RefreshResult(source_id, "failed", error=f"no source #{source_id}")
    if ctx.fetcher is None:
        raise RuntimeError("this pipeline has no fetcher")
    reason, retry = "", None
    try:
        fetched: FetchResult = await ctx.fetcher.fetch(
            target.url, etag=target.etag, last_modified=target.last_modified
        )
    except FetchError as exc:
        reason, retry = exc.reason, exc.retry_after
    except Exception as exc:  # a bug or an unexpected transport error: one source only
        log.exception("fetching source %s failed", source_id)
        reason = f"unexpected error: {type(exc).__name__}"
    if reason:
        async with ctx.lock:
            await asyncio.to_thread(_fail, ctx, source_id, reason, retry)
        return RefreshResult(source_id, "failed", error=reason)
    if fetched.not_modified:
        if not_modified is not None:
            not_modified.append(source_id)
            return RefreshResult(source_id, "not_modified")
        async with ctx.lock:
            await asyncio.to_thread(ctx.store.sources.record_not_modified, source_id, ctx.clock())
        return RefreshResult(source_id, "not_modified")
    try:
        feed = await _parse(ctx, fetched)
    except FeedError as exc:
        reason = exc.reason
    except TimeoutError:
        reason = f"the feed took longer than {ctx.parse_timeout:g} s to parse"
    if reason:
        async with ctx.lock:
            await asyncio.to_thread(_fail, ctx, source_id, reason, None)
        return RefreshResult(source_id, "failed", error=reason)
    validators = FeedValidators(fetched.etag, fetched.last_modified, feed.title or None)
    if target.full_text and ctx.articles is not None:
        try:
            return await _store_full_text(ctx, source_id, feed, validators)
        except Exception as exc:
            log.exception("storing source %s failed", source_id)
            reason = f"could not store the feed: {type(exc).__name__}"
            async with ctx.lock:
                await asyncio.to_thread(_fail, ctx, source_id, reason, None)
            return RefreshResult(source_id, "failed", error=reason)
    return await _store_parsed(
        ctx, [] if waiting is None else waiting, _Parsed(source_id, feed, validators)
    )


# -- judgement and hooks ----------------------------------------------------------------------


StoryRows = tuple[int, list[tuple[datetime, Signature]]]  # a story and its members' signatures


class _Stopped(Exception):
    """The stop signal came while the story index was being loaded."""


def _until_stopped(ctx: PipelineContext, rows: Iterable[StoryRows]) -> Iterator[StoryRows]:
    for row in rows:
        if ctx.stop.is_set():
            raise _Stopped
        yield row


def _index_for(ctx: PipelineContext, window: JudgeWindow) -> bool:
    """Make the story index match the window's judgement and reach back far enough; False
    when storage moved on while loading (read the window again)."""
    assert window.start is not None
    index = ctx.index
    since = window.start - 2 * index.window
    if index.generation == window.generation and index.since is not None and index.since <= since:
        return True
    generation, stories, sources = ctx.store.ingest.index_stories(since, MEMBERS_IN_SIGNATURE)
    if generation != window.generation:
        return False
    judge = ctx.judge
    if ctx.embedder is not None:  # the stored vectors only: loading the index calls no server
        members = [m for _sid, ms in stories for m in ms]
        judge.vectors.update(ctx.embedder.vectors(members, fetch=False))
    index.load(
        _until_stopped(
            ctx,
            (
                (
                    sid,
                    [(m.published_at, judge.member(m, sources.get(m.source_id))) for m in members],
                )
                for sid, members in stories
            ),
        ),
        generation=generation,
        since=since,
    )
    return True


def _read_vectors(ctx: PipelineContext, window: JudgeWindow) -> None:
    """The read step's embeddings (when configured): the window's items' vectors, cached or made
    now in batches; what the server cannot give now is left out (words alone decide for it)."""
    if ctx.embedder is None:
        return
    items = [*window.pending, *window.revisit, *(m for ms in window.history.values() for m in ms)]
    ctx.judge.vectors = dict(ctx.embedder.vectors(items, fetch=True))


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim (from the symbols the interpreter has loaded), or None elsewhere."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None
    return trim


def release_freed_memory() -> None:
    """Hand the C heap's free pages back to the system. A poll's transient data (feed bodies,
    a judgement's window of texts) is freed in between the index's long-lived entries, and
    glibc keeps such pages mapped: a cold start's peak grows by what each phase left behind."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def judge_pending(ctx: PipelineContext) -> JudgeResult:
    """Judge every pending item, the oldest `JUDGE_BATCH` at a time (a cold start of thousands
    of items never holds them all at once); stopped between batches by `ctx.stop`."""
    total = JudgeResult()
    while True:
        release_freed_memory()
        with _collector_paused():
            judged = _judge_batch(ctx)
        total = total.followed_by(judged)
        if not judged.judged_items or ctx.stop.is_set():
            return total


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection for the block: a judgement (or a store group) makes few
    cycles but many small objects, and each full collection walks the whole story index (a
    tenth of a judgement batch's time); the collector catches up once the block ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _judge_batch(ctx: PipelineContext) -> JudgeResult:
    """read -> decide -> write -> adopt for the oldest pending items (retried when another
    process judged in between)."""
    for _ in range(_STALE_RETRIES):
        window = ctx.store.ingest.window(
            horizon=ctx.horizon, history=MEMBERS_IN_SIGNATURE, batch=JUDGE_BATCH
        )
        if not window.pending:
            return JudgeResult(generation=window.generation)
        _read_vectors(ctx, window)
        try:
            if not _index_for(ctx, window):
                continue
        except _Stopped:  # loading the index is the long part; the items wait for next time
            ctx.index.invalidate()
            return JudgeResult(generation=window.generation)
        readings = None
        if ctx.model_readings and window.start is not None:
            readings = ctx.store.readings.recent(window.start - 2 * ctx.index.window)
        decision = decide(window, ctx.index, ctx.judge, readings)
        newest = max(it.published_at for it in window.pending)
        # the window's items and their texts are most of a batch: they go before the write
        # allocates its own rows, not after (the batch's peak of memory)
        del window
        try:
            result = ctx.store.ingest.apply(decision.plan)
        except StaleJudgement:
            ctx.index.invalidate()
            continue
        except BaseException:
            ctx.index.invalidate()  # what the index holds may not match storage any more
            raise
        ids = {key: (ref if ref > 0 else result.ids[ref]) for key, ref in decision.refs.items()}
        ctx.index.commit(decision.draft, ids, result.generation)
        ctx.index.prune(newest - 3 * ctx.index.window)
        return result
    raise StaleJudgement("other processes kept judging; the pending items wait for the next poll")


def run_hooks(ctx: PipelineContext, report: PollReport) -> None:
    """The after-hooks, in order; one failing hook is logged and the others still run."""
    if not (report.judged.new_story_ids or report.judged.changed_story_ids):
        return
    for hook in ctx.hooks:
        try:
            hook.run(report)
        except Exception:
            log.exception("after-ingest hook %s failed", hook.name)


def _host_key(target: PollTarget | None) -> str:
    """Sources are polite per host and port (two services on one address are two servers)."""
    if target is None:
        return ""
    parts = urlsplit(target.url)
    try:
        port = parts.port
    except ValueError:  # a malformed port: the fetcher refuses the address anyway
        port = None
    return f"{(parts.hostname or '').lower()}:{port or (443 if parts.scheme == 'https' else 80)}"


def _judge_and_hook(ctx: PipelineContext, results: Sequence[RefreshResult]) -> PollReport:
    report = PollReport(tuple(results), judge_pending(ctx))
    run_hooks(ctx, report)
    return report


async def poll_sources(
    ctx: PipelineContext,
    source_ids: Sequence[int],
    *,
    concurrency: int = 16,
    progress: Callable[[RefreshResult], None] | None = None,
) -> PollReport:
    """Refresh many sources, `concurrency` fetches at a time, then judge what they stored and
    run the hooks; results in the order given."""
    targets = await asyncio.to_thread(ctx.store.ingest.poll_targets, source_ids)
    gate = asyncio.Semaphore(max(1, concurrency))
    not_modified: list[int] = []  # 304s, recorded together below: one commit, not one each
    waiting: list[_Parsed] = []  # parsed feeds, stored together when ready together
    hosts: dict[str, asyncio.Semaphore] = {}

    async def one(source_id: int) -> RefreshResult:
        target = targets.get(source_id)
        host = hosts.setdefault(_host_key(target), asyncio.Semaphore(ctx.per_host))
        # the host's turn first, then a slot: sources queued behind one slow host must not take
        # the slots that sources on other hosts could use
        async with host, gate:
            if ctx.stop.is_set():  # stopping: this source stays due for the next poll
                return RefreshResult(source_id, "stopped")
            try:
                result = await refresh_source(ctx, source_id, target, not_modified, waiting)
            except Exception as exc:  # refresh_source records its failures; this is a last guard
                log.exception("refreshing source %s failed", source_id)
                result = RefreshResult(source_id, "failed", error=type(exc).__name__)
        if progress is not None:
            progress(result)
        return result

    results = await asyncio.gather(*(one(sid) for sid in source_ids))
    if any(r.status == "ok" for r in results):  # something was parsed: the parsers are idle now
        from digest.ingest.parser_pool import release_idle_parsers

        await release_idle_parsers()
    if not_modified:
        async with ctx.lock:
            await asyncio.to_thread(
                ctx.store.sources.record_not_modified_many, not_modified, ctx.clock()
            )
    if ctx.stop.is_set():  # what was stored stays pending: the next poll judges it
        return PollReport(tuple(results))
    async with ctx.lock:
        return await asyncio.to_thread(_judge_and_hook, ctx, results)


def ingest_feeds(
    ctx: PipelineContext, feeds: Sequence[tuple[int, ParsedFeed]], *, now: datetime | None = None
) -> PollReport:
    """Store already-parsed feeds (demo, benchmarks, imports), then judge and run the hooks."""
    when = now or ctx.clock()
    waiting = [
        _Parsed(source_id, feed, FeedValidators(title=feed.title or None))
        for source_id, feed in feeds
    ]
    parsed = list(waiting)
    while waiting:
        group = _take_group(waiting, waiting[0])
        for member, result in zip(group, _store_feeds(ctx, group, when), strict=True):
            member.result = result
    return _judge_and_hook(ctx, [p.result for p in parsed if p.result is not None])


def ingest_entries(
    ctx: PipelineContext, source_id: int, feed: ParsedFeed, *, now: datetime | None = None
) -> PollReport:
    """`ingest_feeds` for one feed."""
    return ingest_feeds(ctx, [(source_id, feed)], now=now)


def ingest_bytes(ctx: PipelineContext, source_id: int, body: bytes) -> PollReport:
    """Parse local feed bytes and ingest them for `source_id`; a bad feed is recorded."""
    from digest.ingest.parse import parse_feed

    try:
        feed = parse_feed(body)
    except FeedError as exc:
        _fail(ctx, source_id, exc.reason, None)
        return PollReport((RefreshResult(source_id, "failed", error=exc.reason),))
    return ingest_entries(ctx, source_id, feed)
