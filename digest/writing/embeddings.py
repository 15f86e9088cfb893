"""Item embeddings from an OpenAI-compatible /v1/embeddings endpoint, for clustering evidence.

`EmbeddingsClient` is the read step's `Embedder` (digest.judgement.embeddings): it serves cached
vectors (storage, keyed by item content hash and model) and embeds the rest in batches, one call
per `batch_size` items, within a share of the daily token budget the summaries count in too (the
LlmUsage table).
Every failure (timeout, HTTP error, a reply that is not one vector per input) is logged in one
line without secrets and leaves those items without a vector: clustering then decides by words
alone, as it does offline. Nothing here imports openai until a client is built.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.clock import utcnow
from core.ingest import StoredItem
from digest.judgement.embeddings import Vector, embed_text, quantize, vector_of
from digest.writing.llm import CircuitBreaker
from storage.store import Storage

if TYPE_CHECKING:  # openai costs ~1 s of start-up: loaded only when a model is configured
    import openai

__all__ = ["EmbeddingStats", "EmbeddingsClient", "BATCH_SIZE", "BUDGET_SHARE"]

log = logging.getLogger(__name__)

BATCH_SIZE = 64  # inputs per call: one poll's new items take one or a few calls
# Embeddings stop once the day's usage (summaries and embeddings together) reaches this share of
# the daily budget: a first poll of many sources must not spend what the summaries need.
BUDGET_SHARE = 0.5


@dataclass
class EmbeddingStats:
    """What the client did since it was built (for tests, metrics and logs)."""

    calls: int = 0  # HTTP calls made, failed ones included
    embedded: int = 0  # vectors made by the server and cached
    cache_hits: int = 0  # vectors served from the cache
    failed: int = 0  # items left without a vector after a failed call
    over_budget: int = 0  # items not embedded because the day's tokens were spent
    tokens: int = 0  # tokens counted in the daily budget


class _Garbage(Exception):
    """The server answered, but not with one usable vector per input."""


def _describe(exc: BaseException) -> str:
    """A failure in a few words: never the message, which may quote a URL or a header."""
    status = getattr(exc, "status_code", None)
    if status is not None:
        return f"HTTP {status}"
    name = type(exc).__name__
    return "timeout" if "Timeout" in name else name


def _vectors_of(response: object, count: int) -> list[bytes]:
    """One quantized vector per input, in input order; _Garbage for anything else."""
    data = getattr(response, "data", None)
    if not isinstance(data, list) or len(data) != count:
        raise _Garbage("not one embedding per input")
    by_index: dict[int, bytes] = {}
    dims: set[int] = set()
    for n, entry in enumerate(data):
        values = getattr(entry, "embedding", None)
        index = getattr(entry, "index", n)
        if not isinstance(values, list) or not isinstance(index, int) or not 0 <= index < count:
            raise _Garbage("an embedding is not a list of numbers")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise _Garbage("an embedding holds something other than numbers")
        try:
            by_index[index] = quantize(values)
        except ValueError:
            raise _Garbage("an embedding is empty, zero or not finite") from None
        dims.add(len(values))
    if len(by_index) != count or len(dims) != 1:
        raise _Garbage("embeddings repeat an index or differ in length")
    return [by_index[i] for i in range(count)]


class EmbeddingsClient:
    """Cached, batched item embeddings by one model; never raises on a server's failure."""

    def __init__(
        self,
        store: Storage,
        client: openai.OpenAI,
        model: str,
        *,
        daily_tokens: int,
        batch_size: int = BATCH_SIZE,
        budget_share: float = BUDGET_SHARE,
        timeout: float = 10.0,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.model = model
        self.daily_tokens = daily_tokens
        self.budget_share = budget_share
        self.batch_size = max(1, batch_size)
        self.breaker = breaker or CircuitBreaker()
        self.clock = clock
        self.stats = EmbeddingStats()
        # one short try: ingest waits on this call, and words alone decide when it fails
        self._client = client.with_options(timeout=timeout, max_retries=0)

    def vectors(self, items: Sequence[StoredItem], *, fetch: bool) -> Mapping[str, Vector]:
        """The items' vectors by content hash: cached, else (with `fetch`) embedded now."""
        texts: dict[str, str] = {}
        for item in items:
            if item.content_hash and item.content_hash not in texts:
                texts[item.content_hash] = embed_text(item)
        if not texts:
            return {}
        found = self.store.embeddings.get(texts, self.model)
        self.stats.cache_hits += len(found)
        missing = [(h, t) for h, t in texts.items() if h not in found]
        if fetch and missing:
            made = self._embed(missing)
            if made:
                self.store.embeddings.put(made, self.model, now=self.clock())
                found.update(made)
        return {h: vector_of(blob) for h, blob in found.items()}

    def _embed(self, missing: Sequence[tuple[str, str]]) -> dict[str, bytes]:
        """Vectors for (content hash, text) pairs, a batch per call, until the budget or the
        server stops it."""
        made: dict[str, bytes] = {}
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            if not self.breaker.allow():
                self.stats.failed += len(missing) - start
                break
            estimate = sum(math.ceil(len(text) / 4) for _, text in batch)
            day = self.clock().date()
            if self.store.usage.tokens_used(day) + estimate > self.daily_tokens * self.budget_share:
                self.stats.over_budget += len(missing) - start
                log.info("embeddings: the day's token budget is spent; words alone cluster")
                break
            vectors = self._call(batch, estimate, day)
            if vectors is None:
                self.stats.failed += len(missing) - start
                break
            made.update(zip((h for h, _ in batch), vectors, strict=True))
        self.stats.embedded += len(made)
        return made

    def _call(
        self, batch: Sequence[tuple[str, str]], estimate: int, day: date
    ) -> list[bytes] | None:
        """One embeddings call; None (logged, counted) when it fails in any way."""
        import openai  # already loaded: the client came from it

        self.stats.calls += 1
        try:
            response = self._client.embeddings.create(
                model=self.model, input=[text for _, text in batch], encoding_format="float"
            )
            vectors = _vectors_of(response, len(batch))
        except (openai.OpenAIError, _Garbage, ValueError, TypeError, AttributeError) as exc:
            self.breaker.record_failure()
            if isinstance(exc, _Garbage):  # it answered, so it may have charged: the estimate
                self._count(day, estimate)
            log.info("embeddings call failed (%s); words alone cluster", _describe(exc))
            return None
        self.breaker.record_success()
        usage = getattr(response, "usage", None)
        tokens = int(getattr(usage, "total_tokens", 0) or getattr(usage, "prompt_tokens", 0) or 0)
        self._count(day, tokens if tokens > 0 else estimate)
        return vectors

    def _count(self, day: date, tokens: int) -> None:
        """Count a call in the day's budget, which the summaries share."""
        self.store.usage.add(day, tokens, calls=1)
        self.stats.tokens += tokens
