"""LLM summaries without waiting on the model: a cache-reading provider and a background worker.

`LlmSummaryProvider` serves the cached LLM summary for a story's current content hash, else the
extractive one (and queues the story); a command never calls the model. `SummaryWorker` makes the
missing summaries in the background with bounded concurrency, within the daily token budget.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import exists
from sqlmodel import Session, col, select

from core.clock import utcnow
from core.document import StoryCard, story_ref
from core.texts import ItemText, StorySummary, StoryText
from digest.writing.llm import LLM_SUMMARIZER, CardText, LlmOutcome, LlmSummarizer
from digest.writing.sanitize import sanitize_model_text
from storage.db import Database
from storage.models import Item, Source, Story, Summary
from storage.summaries import CachedSummary, SummaryKey, get_summaries, put_summary
from storage.usage import add_usage, tokens_used

__all__ = [
    "EXTRACTIVE_NOTE",
    "LLM_REJECTED",
    "LLM_TOP_LINE",
    "LlmSummaryProvider",
    "SummaryQueue",
    "SummaryWorker",
    "WorkerStats",
    "load_story_texts",
    "pending_story_ids",
    "cached_llm_summaries",
    "fill_then_recompose",
]

log = logging.getLogger(__name__)

EXTRACTIVE_NOTE = "summaries: extractive"
# Cache rows besides "llm": a story the model could not summarise well for this hash (so it is not
# asked again), and a document's top line keyed by its cards. Both keep `text` empty or harmless.
LLM_REJECTED = "llm-rejected"
LLM_TOP_LINE = "llm-top"
_CHUNK = 500
_MAX_REFS = 5  # story refs shown after a top line


class _Fallback(Protocol):
    """P2's SummaryProvider (extractive, cached) as this module uses it."""

    def summaries_for(self, db: Database, stories: list[StoryText]) -> dict[int, StorySummary]: ...

    def top_line(self, cards: Sequence[StoryCard]) -> str: ...


# -- cache rows -----------------------------------------------------------------------------


def cached_llm_summaries(
    session: Session, hashes: Iterable[str], model: str, summarizer: str = LLM_SUMMARIZER
) -> dict[str, CachedSummary]:
    """Cached rows by content hash for (hash, summarizer, model)."""
    keys = [SummaryKey(h, summarizer, model) for h in dict.fromkeys(hashes) if h]
    return {key.content_hash: row for key, row in get_summaries(session, keys).items()}


def _known_hashes(session: Session, hashes: Iterable[str], model: str) -> set[str]:
    """Hashes that already have an LLM summary or a rejection for `model`."""
    wanted = [h for h in dict.fromkeys(hashes) if h]
    keys = [SummaryKey(h, name, model) for h in wanted for name in (LLM_SUMMARIZER, LLM_REJECTED)]
    return {key.content_hash for key in get_summaries(session, keys)}


# -- reading stories ------------------------------------------------------------------------


def load_story_texts(session: Session, story_ids: Sequence[int]) -> dict[int, StoryText]:
    """StoryText for each existing story id: headline, current content hash, items with sources."""
    ids = list(dict.fromkeys(story_ids))
    stories: dict[int, Story] = {}
    items: dict[int, list[ItemText]] = defaultdict(list)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        for story in session.exec(select(Story).where(col(Story.id).in_(chunk))):
            if story.id is not None:
                stories[story.id] = story
        rows = session.exec(
            select(Item, Source.name)
            .join(Source, col(Source.id) == col(Item.source_id))
            .where(col(Item.story_id).in_(chunk))
            .order_by(col(Item.published_at), col(Item.id))
        )
        for item, source_name in rows:
            if item.story_id is None or item.id is None:
                continue
            items[item.story_id].append(
                ItemText(
                    item_id=item.id,
                    source=source_name,
                    title=item.title,
                    text=item.text,
                    url=item.url or "",
                    language=item.language,
                )
            )
    return {
        sid: StoryText(
            story_id=sid,
            headline=story.headline,
            content_hash=story.content_hash,
            items=tuple(items.get(sid, ())),
        )
        for sid, story in stories.items()
    }


def pending_story_ids(
    session: Session, since: datetime, *, model: str | None = None, limit: int = 500
) -> list[int]:
    """Stories seen since `since` with no LLM summary (nor rejection) for their current hash."""
    conditions = [
        col(Summary.content_hash) == col(Story.content_hash),
        col(Summary.summarizer).in_((LLM_SUMMARIZER, LLM_REJECTED)),
    ]
    if model is not None:
        conditions.append(col(Summary.model) == model)
    query = (
        select(Story.id)
        .where(col(Story.last_seen_at) >= since, col(Story.content_hash) != "")
        .where(~exists().where(*conditions))
        .order_by(col(Story.last_seen_at).desc(), col(Story.id).desc())
        .limit(limit)
    )
    return [sid for sid in session.exec(query) if sid is not None]


# -- the queue the provider fills and the worker drains ---------------------------------------


def _top_key(cards: Sequence[CardText]) -> str:
    """Cache key of a top line: the cards it is written over (ids, headlines, summaries)."""
    digest = hashlib.sha256(b"top-line-v1")
    for card in sorted(cards, key=lambda c: c.id):
        digest.update(f"\x00{card.id}\x00{card.headline}\x00{card.summary}".encode())
    return "top:" + digest.hexdigest()


def _card_text(card: StoryCard) -> CardText:
    return CardText(
        id=card.id,
        headline=card.headline,
        summary=card.summary,
        sources=tuple(dict.fromkeys(s.name for s in card.sources)),
    )


class SummaryQueue:
    """Stories and top lines the provider could not serve from the LLM cache (thread-safe)."""

    def __init__(self, max_top_lines: int = 200) -> None:
        self._lock = threading.Lock()
        self._stories: dict[int, None] = {}
        self._top_lines: dict[str, tuple[CardText, ...]] = {}
        self.max_top_lines = max_top_lines

    def add_stories(self, story_ids: Iterable[int]) -> None:
        with self._lock:
            self._stories.update(dict.fromkeys(story_ids))

    def add_top_line(self, cards: Sequence[CardText]) -> None:
        with self._lock:
            if len(self._top_lines) < self.max_top_lines:
                self._top_lines.setdefault(_top_key(cards), tuple(cards))

    def drain(self) -> tuple[list[int], list[tuple[CardText, ...]]]:
        """Everything queued so far, emptying the queue."""
        with self._lock:
            stories, tops = list(self._stories), list(self._top_lines.values())
            self._stories.clear()
            self._top_lines.clear()
        return stories, tops

    def __len__(self) -> int:
        with self._lock:
            return len(self._stories) + len(self._top_lines)


# -- the provider -----------------------------------------------------------------------------


class LlmSummaryProvider:
    """SummaryProvider that prefers cached LLM summaries and never calls the model itself.

    When any story of a document falls back to the extractive summary (no key, budget spent,
    server failing, not summarised yet), `footer_note()` says "summaries: extractive".
    """

    def __init__(
        self,
        fallback: _Fallback,
        *,
        model: str,
        enabled: bool = True,
        queue: SummaryQueue | None = None,
        db: Database | None = None,
    ) -> None:
        self.fallback = fallback
        self.model = model
        self.enabled = enabled
        self.queue = queue if queue is not None else SummaryQueue()
        self._db = db
        # Per call context (a command's thread or task), whether the last document fell back.
        self._fell_back: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
            f"llm_fell_back_{id(self)}", default=None
        )
        self._last_fell_back: bool | None = None

    def __getattr__(self, name: str) -> Any:
        # Anything else P2's provider offers (e.g. `summarize`) behaves as the fallback's.
        if name == "fallback":
            raise AttributeError(name)
        return getattr(self.fallback, name)

    def summaries_for(self, db: Database, stories: list[StoryText]) -> dict[int, StorySummary]:
        """LLM summaries for stories cached under their current hash; extractive for the rest."""
        self._db = db
        found: dict[int, StorySummary] = {}
        if self.enabled and stories:
            with db.session() as session:
                rows = cached_llm_summaries(session, (s.content_hash for s in stories), self.model)
            for story in stories:
                row = rows.get(story.content_hash)
                if row is not None and row.text:
                    found[story.story_id] = StorySummary(
                        headline=row.headline,
                        text=row.text,
                        summarizer=LLM_SUMMARIZER,
                        model=row.model,
                    )
        missing = [s for s in stories if s.story_id not in found]
        if missing:
            # Extractive text is feed text: it gets the same link and mention stripping.
            for sid, summary in self.fallback.summaries_for(db, missing).items():
                found[sid] = replace(
                    summary,
                    headline=sanitize_model_text(summary.headline, 400),
                    text=sanitize_model_text(summary.text, 1200),
                )
            if self.enabled:
                self.queue.add_stories(s.story_id for s in missing)
        fell_back = bool(missing) or not self.enabled
        self._fell_back.set(fell_back)
        self._last_fell_back = fell_back
        return found

    def footer_note(self, summaries: dict[int, StorySummary] | None = None) -> str | None:
        """ "summaries: extractive" when any story of the document is not an LLM summary."""
        if summaries is not None:
            fell_back = not self.enabled or any(
                s.summarizer != LLM_SUMMARIZER for s in summaries.values()
            )
        else:
            value = self._fell_back.get()
            fell_back = bool(value if value is not None else self._last_fell_back) or (
                not self.enabled
            )
        return EXTRACTIVE_NOTE if fell_back else None

    def top_line(self, cards: Sequence[StoryCard]) -> str:
        """The cached LLM top line for exactly these cards, else the fallback's (and queue it)."""
        if not self.enabled or not cards or self._db is None:
            return self.fallback.top_line(cards)
        texts = [_card_text(c) for c in cards]
        with self._db.session() as session:
            row = cached_llm_summaries(session, [_top_key(texts)], self.model, LLM_TOP_LINE)
        if row:
            text = next(iter(row.values())).text
            if text:
                return text
        self.queue.add_top_line(texts)
        return self.fallback.top_line(cards)


# -- the worker -----------------------------------------------------------------------------


@dataclass
class WorkerStats:
    """What one worker run did."""

    requested: int = 0
    cached: int = 0  # already had an LLM summary (or rejection) for the current hash
    summarised: int = 0  # new LLM summaries stored
    rejected: int = 0  # malformed, invented id or ungrounded: extractive stays
    failed: int = 0  # server failures (timeout, 5xx, connection)
    skipped_budget: int = 0
    skipped_breaker: int = 0
    missing: int = 0  # no such story
    top_lines: int = 0
    calls: int = 0
    tokens: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    summarised_ids: list[int] = field(default_factory=list)

    def add(self, other: WorkerStats) -> WorkerStats:
        for name in (
            "requested", "cached", "summarised", "rejected", "failed", "skipped_budget",
            "skipped_breaker", "missing", "top_lines", "calls", "tokens",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, n in other.reasons.items():
            self.reasons[key] = self.reasons.get(key, 0) + n
        self.summarised_ids.extend(other.summarised_ids)
        return self


class SummaryWorker:
    """Makes LLM summaries for new or changed stories in the background, within the budget."""

    def __init__(
        self,
        db: Database,
        llm: LlmSummarizer | None,
        *,
        concurrency: int = 4,
        daily_tokens: int = 200_000,
        queue: SummaryQueue | None = None,
        clock: Callable[[], datetime] = utcnow,
        max_top_lines_per_run: int = 20,
    ) -> None:
        self.db = db
        self.llm = llm
        self.max_top_lines_per_run = max_top_lines_per_run
        self.concurrency = max(1, concurrency)
        self.daily_tokens = daily_tokens
        self.queue = queue
        self.clock = clock
        self._reserved = 0
        self._lock = threading.Lock()

    # -- budget -----------------------------------------------------------------------------

    def budget_left(self) -> int:
        """Tokens left today (UTC), after the calls in flight."""
        with self.db.session() as session:
            used = tokens_used(session, self.clock().date())
        with self._lock:
            return self.daily_tokens - used - self._reserved

    def _reserve(self, estimate: int) -> bool:
        with self.db.session() as session:
            used = tokens_used(session, self.clock().date())
        with self._lock:
            if used + self._reserved + estimate > self.daily_tokens:
                return False
            self._reserved += estimate
            return True

    def _settle(self, estimate: int, tokens: int) -> None:
        with self._lock:
            self._reserved -= estimate
        if tokens > 0:
            with self.db.session() as session:
                add_usage(session, self.clock().date(), tokens)

    # -- stories ----------------------------------------------------------------------------

    async def run_pending(self, story_ids: Iterable[int]) -> WorkerStats:
        """Summarise the given stories that lack an LLM summary for their current content."""
        ids = list(dict.fromkeys(story_ids))
        stats = WorkerStats(requested=len(ids))
        if not ids or self.llm is None:
            return stats
        llm = self.llm
        with self.db.session() as session:
            texts = load_story_texts(session, ids)
            known = _known_hashes(session, (t.content_hash for t in texts.values()), llm.model)
        stats.missing = len(ids) - len(texts)
        todo = []
        for sid in ids:
            story = texts.get(sid)
            if story is None:
                continue
            if not story.content_hash or story.content_hash in known:
                stats.cached += 1
            else:
                todo.append(story)
        # Two stories can share a hash (identical text); one call serves both.
        unique = list({s.content_hash: s for s in todo}.values())
        stats.cached += len(todo) - len(unique)
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(story: StoryText) -> WorkerStats:
            async with semaphore:
                return await asyncio.to_thread(self._summarise_one, llm, story)

        for result in await asyncio.gather(*(one(s) for s in unique)):
            stats.add(result)
        if stats.failed or stats.skipped_budget or stats.skipped_breaker:
            log.info(
                "LLM summaries: %d made, %d failed, %d over budget, %d skipped (breaker open)",
                stats.summarised,
                stats.failed,
                stats.skipped_budget,
                stats.skipped_breaker,
            )
        return stats

    def _summarise_one(self, llm: LlmSummarizer, story: StoryText) -> WorkerStats:
        stats = WorkerStats()
        if not llm.breaker.allow():
            stats.skipped_breaker = 1
            return stats
        estimate = llm.estimate_story_tokens(story)
        if not self._reserve(estimate):
            stats.skipped_budget = 1
            return stats
        outcome: LlmOutcome | None = None
        try:
            outcome = llm.summarize_story(story)
        except Exception:  # a bug must not stop the other stories; extractive stays
            log.exception("LLM summary of story %s failed unexpectedly", story.story_id)
            stats.failed = 1
            return stats
        finally:
            self._settle(estimate, outcome.tokens if outcome else 0)
        stats.reasons[outcome.status] = 1
        if outcome.status not in ("breaker_open",):
            stats.calls = 1
        stats.tokens = outcome.tokens
        if outcome.summary is not None:
            key = SummaryKey(story.content_hash, LLM_SUMMARIZER, llm.model)
            headline, text = outcome.summary.headline, outcome.summary.text
            stats.summarised = 1
            stats.summarised_ids.append(story.story_id)
        elif outcome.server_unavailable:
            if outcome.status == "breaker_open":
                stats.skipped_breaker = 1
            else:
                stats.failed = 1
            return stats  # not cached: tried again on a later run
        else:
            # The model answered but unusably; remember it so this content costs one call only.
            key = SummaryKey(story.content_hash, LLM_REJECTED, llm.model)
            headline, text = "", ""
            stats.rejected = 1
        with self.db.session() as session:
            put_summary(session, key, headline=headline, text=text, story_id=story.story_id)
        return stats

    # -- top lines --------------------------------------------------------------------------

    async def run_top_lines(self, requests: Iterable[Sequence[CardText]]) -> WorkerStats:
        """Write and cache the top lines the provider queued (one call per distinct card set)."""
        stats = WorkerStats()
        if self.llm is None:
            return stats
        llm = self.llm
        unique = {_top_key(cards): tuple(cards) for cards in requests if cards}
        with self.db.session() as session:
            have = cached_llm_summaries(session, unique, llm.model, LLM_TOP_LINE)
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(key: str, cards: tuple[CardText, ...]) -> WorkerStats:
            async with semaphore:
                return await asyncio.to_thread(self._top_line_one, llm, key, cards)

        todo = [(k, c) for k, c in unique.items() if k not in have]
        stats.cached = len(unique) - len(todo)
        for result in await asyncio.gather(*(one(k, c) for k, c in todo)):
            stats.add(result)
        return stats

    def _top_line_one(
        self, llm: LlmSummarizer, key: str, cards: tuple[CardText, ...]
    ) -> WorkerStats:
        stats = WorkerStats()
        if not llm.breaker.allow():
            stats.skipped_breaker = 1
            return stats
        estimate = llm.estimate_top_line_tokens(cards)
        if not self._reserve(estimate):
            stats.skipped_budget = 1
            return stats
        tokens = 0
        try:
            outcome = llm.top_line(cards)
            tokens = outcome.tokens
        except Exception:
            log.exception("LLM top line failed unexpectedly")
            stats.failed = 1
            return stats
        finally:
            self._settle(estimate, tokens)
        stats.calls, stats.tokens = 1, tokens
        stats.reasons[outcome.status] = 1
        if outcome.top_line is None:
            stats.failed = int(outcome.status == "failed")
            stats.rejected = int(outcome.status != "failed")
            return stats
        refs = ", ".join(story_ref(i) for i in outcome.top_line.cites[:_MAX_REFS])
        text = f"{sanitize_model_text(outcome.top_line.text, 600)} ({refs})"
        with self.db.session() as session:
            put_summary(session, SummaryKey(key, LLM_TOP_LINE, llm.model), headline="", text=text)
        stats.top_lines = 1
        return stats

    async def run_queued(self) -> WorkerStats:
        """Drain the provider's queue: the stories it served extractively, then its top lines.

        At most `max_top_lines_per_run` top lines are written per run (a one-off /brief's top
        line is rarely asked for again; a digest's is, by every channel that shares it).
        """
        if self.queue is None:
            return WorkerStats()
        story_ids, tops = self.queue.drain()
        stats = await self.run_pending(story_ids)
        # A top line over a card whose summary just changed is stale: the next composition
        # queues the one over the new text.
        changed = set(stats.summarised_ids)
        fresh = [cards for cards in tops if not changed & {c.id for c in cards}]
        return stats.add(await self.run_top_lines(fresh[: self.max_top_lines_per_run]))


async def fill_then_recompose(
    worker: SummaryWorker, recompose: Callable[[], Awaitable[object]]
) -> None:
    """For background composition (digests): let the worker write what the last composition
    queued, and compose again after each round that wrote something, so the post carries LLM
    summaries and top line when the server is up. Never for commands: those must not wait.
    """
    # Round 1 makes the story summaries; round 2 the top line over the cards they changed.
    for _round in range(2):
        if worker.queue is None or not len(worker.queue):
            return
        stats = await worker.run_queued()
        if not (stats.summarised or stats.top_lines):
            return
        await recompose()
