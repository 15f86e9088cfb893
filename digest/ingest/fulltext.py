"""Full text for teaser feeds: each new item's article page, its main text extracted.

The ingest step between parse and write for sources with `full_text` on (see
digest/ingest/pipeline.py). Pages come through the same guarded fetcher as feeds (address rules at
every hop, at most two connections per host) with a page's own limits (15 s, 2 MiB decoded); a
host that answers 429/503 with Retry-After is left alone until then. The main text is extracted
with trafilatura; when anything fails the item keeps its feed's own text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from core.feeds import FetchError
from core.ingest import CleanEntry, SourceBatch
from digest.ingest.clean import paragraph_key, plain_to_text

if TYPE_CHECKING:  # the HTTP client is loaded by whoever fetches, not by importers
    from digest.ingest.fetch import FetchResult, PageLimits

__all__ = [
    "ArticleCounts",
    "ArticleError",
    "ArticleReader",
    "PageFetcher",
    "extract_main_text",
]

MAX_ARTICLE_CHARS = 100_000  # what judgement and summaries read of one article, at most
IN_FLIGHT = 8  # pages fetched or extracted at once by one reader (bounds memory: 8 x 2 MiB)
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


class PageFetcher(Protocol):
    """What the article step needs of a fetcher: `Fetcher.fetch_page`, or a test double."""

    async def fetch_page(self, url: str, limits: PageLimits) -> FetchResult: ...


class ArticleError(Exception):
    """An article page could not be read; `reason` in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ArticleCounts:
    """Article pages one step read, failed to read, and left alone (host asked us to wait)."""

    fetched: int = 0
    failed: int = 0
    deferred: int = 0

    def __add__(self, other: ArticleCounts) -> ArticleCounts:
        return ArticleCounts(
            self.fetched + other.fetched,
            self.failed + other.failed,
            self.deferred + other.deferred,
        )


def extract_main_text(html: bytes | str, url: str | None = None) -> str:
    """The page's main text, paragraphs separated by a blank line ("" when none is found)."""
    # imported on first use: trafilatura takes about 0.6 s to import, which every command
    # (`policybrief chat "/help"`) would pay otherwise; only polls of full-text sources need it
    import trafilatura

    text = trafilatura.extract(
        html,
        url=url,
        fast=True,  # the main algorithm only: its fallbacks cost several times as much
        favor_precision=True,  # leave menus, teasers of other stories and footers out
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        with_metadata=False,
        output_format="txt",
    )
    if not text:
        return ""
    return plain_to_text("\n\n".join(text.splitlines()))[:MAX_ARTICLE_CHARS]


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or ''}"


class ArticleReader:
    """Reads article pages for the items of full-text sources; kept for the process's life so a
    host's Retry-After holds across polls."""

    def __init__(
        self,
        fetcher: PageFetcher,
        *,
        limits: PageLimits | None = None,
        per_host: int = 2,
        extract: Callable[[bytes, str], str] = extract_main_text,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher
        if limits is None:
            from digest.ingest.fetch import PageLimits

            limits = PageLimits()
        self.limits = limits
        self._per_host = per_host
        self._extract = extract
        self._clock = clock
        self._not_before: dict[str, float] = {}  # host -> clock time it may be asked again
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._gate: asyncio.Semaphore | None = None

    def waiting(self, url: str) -> bool:
        """True while the article's host has asked us (Retry-After) to wait."""
        host = _host(url)
        until = self._not_before.get(host)
        if until is not None and self._clock() >= until:
            del self._not_before[host]  # the wait is over
            return False
        return until is not None

    async def read(self, url: str) -> str:
        """The article's main text; ArticleError when the page cannot be fetched or read."""
        try:
            page = await self._fetcher.fetch_page(url, self.limits)
        except FetchError as exc:
            if exc.retry_after is not None:
                self._not_before[_host(url)] = self._clock() + exc.retry_after
            raise ArticleError(exc.reason) from None
        kind = (page.content_type or "").split(";", 1)[0].strip().lower()
        if kind not in _PAGE_TYPES:
            raise ArticleError(f"not a web page ({kind[:60]})")
        text = await asyncio.to_thread(self._extract, page.body, page.url)
        if not text:
            raise ArticleError("no main text found on the page")
        return text

    async def _one(self, entry: CleanEntry) -> tuple[CleanEntry, str]:
        """The entry with its article's text, and the outcome: fetched, failed or deferred."""
        if not entry.url:
            return entry, "no link"
        if self._gate is None:
            self._gate = asyncio.Semaphore(IN_FLIGHT)
        host = self._hosts.setdefault(_host(entry.url), asyncio.Semaphore(self._per_host))
        async with host, self._gate:
            # checked once our turn comes: an earlier page of this host may have been told to wait
            if self.waiting(entry.url):
                return entry, "deferred"
            try:
                text = await self.read(entry.url)
            except ArticleError:
                return entry, "failed"
        first, _, rest = text.partition("\n\n")
        if rest and paragraph_key(first) == paragraph_key(entry.title):
            text = rest  # the page's headline is the item's title: say it once
        if len(text) <= len(entry.text):
            return entry, "fetched"  # the feed said as much already
        # the content hash stays the feed's: it tells whether the *feed* changed next poll
        return replace(entry, text=text), "fetched"

    async def enrich(self, entries: Sequence[CleanEntry]) -> tuple[list[CleanEntry], ArticleCounts]:
        """Each entry with its article's main text where that could be read (the feed's own
        text otherwise), in the order given, and the counts."""
        done = await asyncio.gather(*(self._one(e) for e in entries))
        counts = ArticleCounts(
            fetched=sum(1 for _, how in done if how == "fetched"),
            failed=sum(1 for _, how in done if how == "failed"),
            deferred=sum(1 for _, how in done if how == "deferred"),
        )
        return [e for e, _ in done], counts

    async def enrich_batch(self, batch: SourceBatch) -> tuple[SourceBatch, ArticleCounts]:
        """`enrich` for a source's new and edited entries."""
        entries = [*batch.new, *(e for _, e in batch.edited)]
        enriched, counts = await self.enrich(entries)
        new = tuple(enriched[: len(batch.new)])
        edited = tuple(
            (item_id, e)
            for (item_id, _), e in zip(batch.edited, enriched[len(batch.new) :], strict=True)
        )
        return replace(batch, new=new, edited=edited), counts
