"""LLM summaries without waiting on the model: a cache-reading provider and a background worker.

`LlmSummaryProvider` serves the cached LLM summary for a story's current content hash, else the
extractive one (and queues the story); a command never calls the model. `SummaryWorker` makes the
missing summaries in the background with bounded concurrency, within the daily token budget. A
story whose content keeps changing is summarised again at most once per `redo_after` (24 h by
default); until then its last LLM summary is served.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from core.clock import utcnow
from core.document import StoryCard, story_ref
from core.readings import ModelReading
from core.summaries import (
    MODEL_REJECTED,
    MODEL_SUMMARIZER,
    NewSummary,
    NewTopLine,
    StoryHistory,
    SummaryCache,
    SummaryKey,
    SummaryLookup,
)
from core.texts import StorySummary, StoryText
from digest.judgement.readings import combine
from digest.writing.llm import CardText, LlmOutcome, LlmSummarizer
from digest.writing.provider import Provider, Summaries
from digest.writing.sanitize import sanitize_model_text
from storage.store import Storage

__all__ = [
    "EXTRACTIVE_NOTE",
    "REDO_AFTER",
    "LlmSummaryProvider",
    "SummaryQueue",
    "SummaryWorker",
    "TopLineRequest",
    "WorkerStats",
    "fill_then_recompose",
]

log = logging.getLogger(__name__)

EXTRACTIVE_NOTE = "summaries: extractive"
REDO_AFTER = timedelta(hours=24)  # a story is summarised again at most this often
_MAX_REFS = 5  # story refs shown after a top line


def _may_redo(history: StoryHistory | None, now: datetime, redo_after: timedelta) -> bool:
    """Whether the model may be asked about a story (again) now."""
    if history is None or not history.asked or history.last_redo_at is None:
        return True  # its first summary, or its first re-summary
    return now - history.last_redo_at >= redo_after


# -- the queue the provider fills and the worker drains ---------------------------------------


def _card_text(card: StoryCard) -> CardText:
    return CardText(
        id=card.id,
        headline=card.headline,
        summary=card.summary,
        sources=tuple(dict.fromkeys(s.name for s in card.sources)),
    )


@dataclass(frozen=True)
class TopLineRequest:
    """A top line to write over these cards, cached under `key` (the key of their stories)."""

    key: str
    cards: tuple[CardText, ...]

    @property
    def fingerprint(self) -> str:
        """What the cards say (ids, headlines, summaries): a line over other texts is stale."""
        digest = hashlib.sha256(b"top-line-v1")
        for card in sorted(self.cards, key=lambda c: c.id):
            digest.update(f"\x00{card.id}\x00{card.headline}\x00{card.summary}".encode())
        return digest.hexdigest()


class SummaryQueue:
    """Stories and top lines the provider could not serve from the LLM cache (thread-safe)."""

    def __init__(self, max_top_lines: int = 200) -> None:
        self._lock = threading.Lock()
        self._stories: dict[int, None] = {}
        self._top_lines: dict[tuple[str, str], TopLineRequest] = {}
        self.max_top_lines = max_top_lines

    def add_stories(self, story_ids: Iterable[int]) -> None:
        with self._lock:
            self._stories.update(dict.fromkeys(story_ids))

    def add_top_line(self, request: TopLineRequest) -> None:
        with self._lock:
            if len(self._top_lines) < self.max_top_lines:
                self._top_lines.setdefault((request.key, request.fingerprint), request)

    def drain(self) -> tuple[list[int], list[TopLineRequest]]:
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
    """A provider that prefers cached LLM summaries and never calls the model itself.

    When any story of a document falls back to the extractive summary (no key, budget spent,
    server failing, not summarised yet), the footer says "summaries: extractive".
    """

    def __init__(
        self,
        fallback: Provider,
        *,
        model: str,
        enabled: bool = True,
        queue: SummaryQueue | None = None,
        clock: Callable[[], datetime] = utcnow,
        redo_after: timedelta = REDO_AFTER,
    ) -> None:
        self.fallback = fallback
        self.model = model
        self.enabled = enabled
        self.queue = queue if queue is not None else SummaryQueue()
        self.clock = clock
        self.redo_after = redo_after

    def lookup(self) -> SummaryLookup:
        base = self.fallback.lookup()
        if not self.enabled:
            return base
        return SummaryLookup(kinds=((MODEL_SUMMARIZER, self.model), *base.kinds), model=self.model)

    def _cached(self, story: StoryText, cache: SummaryCache, now: datetime) -> StorySummary | None:
        """The LLM summary of the story's current text; else, while the story may not be
        summarised again yet, its last one."""
        row = cache.rows.get(SummaryKey(story.content_hash, MODEL_SUMMARIZER, self.model))
        if row is None or not row.text:
            history = cache.history.get(story.story_id)
            if history is None or _may_redo(history, now, self.redo_after):
                return None
            row = history.latest
        if row is None or not row.text:
            return None
        return StorySummary(row.headline, row.text, MODEL_SUMMARIZER, row.model)

    def summarise(self, stories: Sequence[StoryText], cache: SummaryCache) -> Summaries:
        """LLM summaries where cached; extractive ones for the rest (which are queued)."""
        found: dict[int, StorySummary] = {}
        if self.enabled:
            now = self.clock()
            for story in stories:
                if (summary := self._cached(story, cache, now)) is not None:
                    found[story.story_id] = summary
        missing = [s for s in stories if s.story_id not in found]
        made = self.fallback.summarise(missing, cache) if missing else Summaries()
        for sid, summary in made.by_story.items():
            # Extractive text is feed text: it gets the same link and mention stripping.
            found[sid] = replace(
                summary,
                headline=sanitize_model_text(summary.headline, 400),
                text=sanitize_model_text(summary.text, 1200),
            )
        if self.enabled and missing:
            self.queue.add_stories(s.story_id for s in missing)
        return Summaries(found, made.new)

    def footer_note(self, summaries: Summaries) -> str | None:
        """ "summaries: extractive" when any story of the document is not an LLM summary."""
        fell_back = not self.enabled or any(
            s.summarizer != MODEL_SUMMARIZER for s in summaries.by_story.values()
        )
        return EXTRACTIVE_NOTE if fell_back else None

    def top_line(self, cards: Sequence[StoryCard], key: str, cache: SummaryCache) -> str:
        """The cached LLM top line over exactly these cards, else the fallback's (and queue it)."""
        if not self.enabled or not cards:
            return self.fallback.top_line(cards, key, cache)
        request = TopLineRequest(key, tuple(_card_text(c) for c in cards))
        row = cache.top_lines.get(key)
        if row is not None and row.text and row.headline == request.fingerprint:
            return row.text
        self.queue.add_top_line(request)
        return self.fallback.top_line(cards, key, cache)


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
    throttled: int = 0  # changed again too soon after its last re-summary: the last one stays
    missing: int = 0  # no such story
    top_lines: int = 0
    readings: int = 0  # stories whose facts a model reading (topics, relevance, type) shaped
    refused: int = 0  # reading values refused: not a taxonomy slug or a known event type
    calls: int = 0
    tokens: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    summarised_ids: list[int] = field(default_factory=list)

    def add(self, other: WorkerStats) -> WorkerStats:
        for name in (
            "requested", "cached", "summarised", "rejected", "failed", "skipped_budget",
            "skipped_breaker", "throttled", "missing", "top_lines", "readings", "refused", "calls",
            "tokens",
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
        store: Storage,
        llm: LlmSummarizer | None,
        *,
        concurrency: int = 4,
        daily_tokens: int = 200_000,
        queue: SummaryQueue | None = None,
        clock: Callable[[], datetime] = utcnow,
        max_top_lines_per_run: int = 20,
        redo_after: timedelta = REDO_AFTER,
    ) -> None:
        self.store = store
        self.llm = llm
        self.max_top_lines_per_run = max_top_lines_per_run
        self.concurrency = max(1, concurrency)
        self.daily_tokens = daily_tokens
        self.queue = queue
        self.clock = clock
        self.redo_after = redo_after
        self._reserved = 0
        self._lock = threading.Lock()

    # -- budget -----------------------------------------------------------------------------

    def budget_left(self) -> int:
        """Tokens left today (UTC), after the calls in flight."""
        used = self.store.usage.tokens_used(self.clock().date())
        with self._lock:
            return self.daily_tokens - used - self._reserved

    def _reserve(self, estimate: int) -> bool:
        used = self.store.usage.tokens_used(self.clock().date())
        with self._lock:
            if used + self._reserved + estimate > self.daily_tokens:
                return False
            self._reserved += estimate
            return True

    def _settle(self, estimate: int, tokens: int) -> None:
        with self._lock:
            self._reserved -= estimate
        if tokens > 0:
            self.store.usage.add(self.clock().date(), tokens)

    # -- stories ----------------------------------------------------------------------------

    def _todo(
        self, llm: LlmSummarizer, ids: list[int], stats: WorkerStats
    ) -> list[tuple[StoryText, bool]]:
        """The stories among `ids` that need a call now (no answer for their current text, and
        not summarised again too recently), each with whether it would be a re-summary."""
        kinds = ((MODEL_SUMMARIZER, llm.model), (MODEL_REJECTED, llm.model))
        page = self.store.stories.read(ids, SummaryLookup(kinds=kinds, model=llm.model))
        stats.missing = len(ids) - len(page.views)
        now, todo = self.clock(), []
        for view in page.chosen():
            known = any(SummaryKey(view.content_hash, *kind) in page.cache.rows for kind in kinds)
            history = page.cache.history.get(view.id)
            if not view.content_hash or known:
                stats.cached += 1
            elif not _may_redo(history, now, self.redo_after):
                stats.throttled += 1
            else:
                todo.append((view.text(), history is not None and history.asked))
        # Two stories can share a hash (identical text); one call serves both.
        unique = list({s.content_hash: (s, redo) for s, redo in todo}.values())
        stats.cached += len(todo) - len(unique)
        return unique

    async def run_pending(self, story_ids: Iterable[int]) -> WorkerStats:
        """Summarise the given stories that lack an LLM summary for their current content."""
        ids = list(dict.fromkeys(story_ids))
        stats = WorkerStats(requested=len(ids))
        if not ids or self.llm is None:
            return stats
        llm = self.llm
        unique = await asyncio.to_thread(self._todo, llm, ids, stats)
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(story: StoryText, redo: bool) -> WorkerStats:
            async with semaphore:
                return await asyncio.to_thread(self._summarise_one, llm, story, redo)

        for result in await asyncio.gather(*(one(s, redo) for s, redo in unique)):
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

    def _summarise_one(self, llm: LlmSummarizer, story: StoryText, redo: bool) -> WorkerStats:
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
            key = SummaryKey(story.content_hash, MODEL_SUMMARIZER, llm.model)
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
            key = SummaryKey(story.content_hash, MODEL_REJECTED, llm.model)
            headline, text = "", ""
            stats.rejected = 1
        answer = NewSummary(key, headline, text, story.story_id)
        self.store.summaries.put_answer(answer, redo=redo, now=self.clock())
        stats.refused = len(outcome.refused)
        if outcome.summary is not None and outcome.reading is not None:
            stats.readings = int(self._apply_reading(story, outcome.reading))
        return stats

    def _apply_reading(self, story: StoryText, reading: ModelReading) -> bool:
        """Keep the model's reading of a story and apply it to the story's facts and topics
        (digest.judgement.readings says how); later judgements of the story apply it again."""
        if reading.empty:
            return False
        facts = self.store.readings.facts(story.story_id)
        if facts is None:
            return False
        combined = combine(facts, reading)
        self.store.readings.put(
            story.story_id, story.content_hash, reading, combined, now=self.clock()
        )
        return True

    # -- top lines --------------------------------------------------------------------------

    async def run_top_lines(self, requests: Iterable[TopLineRequest]) -> WorkerStats:
        """Write and cache the top lines the provider queued (one call per distinct card set)."""
        stats = WorkerStats()
        if self.llm is None:
            return stats
        llm = self.llm
        unique = {(r.key, r.fingerprint): r for r in requests if r.cards}
        keys = [key for key, _ in unique]
        have = await asyncio.to_thread(self.store.summaries.top_lines, keys, llm.model)
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(request: TopLineRequest) -> WorkerStats:
            async with semaphore:
                return await asyncio.to_thread(self._top_line_one, llm, request)

        todo = [
            r for (key, mark), r in unique.items() if key not in have or have[key].headline != mark
        ]
        stats.cached = len(unique) - len(todo)
        for result in await asyncio.gather(*(one(r) for r in todo)):
            stats.add(result)
        return stats

    def _top_line_one(self, llm: LlmSummarizer, request: TopLineRequest) -> WorkerStats:
        stats = WorkerStats()
        if not llm.breaker.allow():
            stats.skipped_breaker = 1
            return stats
        estimate = llm.estimate_top_line_tokens(request.cards)
        if not self._reserve(estimate):
            stats.skipped_budget = 1
            return stats
        tokens = 0
        try:
            outcome = llm.top_line(request.cards)
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
        line = NewTopLine(request.key, llm.model, request.fingerprint, text)
        self.store.summaries.put_top_line(line, now=self.clock())
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
        fresh = [r for r in tops if not changed & {c.id for c in r.cards}]
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
