"""Try a feed once before it is saved: `/sources add <url>` reports what it found or why not.

A site's address works too: when the answer is a web page, the feeds it links to (else the common
feed paths of its site) are tried, every one through the same guarded fetcher, at most
`MAX_REQUESTS` requests and `BUDGET_SECONDS` in all. One feed found is the result; several raise
`SeveralFeeds` so the user picks one.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from core.clock import utcnow
from core.feeds import FeedChoice, ProbeResult, SeveralFeeds
from digest.ingest.clean import clean_entry
from digest.ingest.discover import common_paths, feed_links, is_html
from digest.ingest.fetch import FeedFetcher, FetchError, FetchResult
from digest.ingest.parser_pool import ParserPool, parse_feed_limited
from digest.ingest.rawfeed import HTML_REASON, FeedError, ParsedFeed

__all__ = [
    "BUDGET_SECONDS",
    "FeedChoice",
    "FeedError",
    "FetchError",
    "MAX_REQUESTS",
    "NO_FEED_ON_PAGE",
    "ProbeResult",
    "SeveralFeeds",
    "probe_source",
]

MAX_REQUESTS = 6  # the page itself included
BUDGET_SECONDS = 20.0
NO_FEED_ON_PAGE = (
    "not a feed: the address returned a web page (HTML), and no feed was found from it "
    '(no <link rel="alternate"> feed that could be read, nor /feed, /rss.xml, /atom.xml, '
    "/index.xml or /feed.json)"
)


def _avg_text(feed: ParsedFeed) -> float:
    now = utcnow()
    lengths = [len(e.text) for raw in feed.entries if (e := clean_entry(raw, now=now)) is not None]
    return sum(lengths) / len(lengths) if lengths else 0.0


class _Budget:
    """Requests and seconds left for one probe."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.requests = requests
        self._deadline = asyncio.get_running_loop().time() + seconds

    def left(self) -> float:
        return self._deadline - asyncio.get_running_loop().time()

    async def fetch(self, fetcher: FeedFetcher, url: str) -> FetchResult:
        if self.requests <= 0 or self.left() <= 0:
            raise FetchError(
                "the time or request budget for finding a feed ran out", kind="timeout"
            )
        self.requests -= 1
        try:
            return await asyncio.wait_for(fetcher.fetch(url), self.left())
        except TimeoutError:
            raise FetchError("timed out while looking for a feed", kind="timeout") from None


async def _parse(result: FetchResult, parse_timeout: float, pool: ParserPool | None) -> ParsedFeed:
    if result.not_modified:  # no validators were sent, so a 304 is the server's mistake
        raise FetchError("the server answered 'not modified' to a first request", kind="http")
    return await parse_feed_limited(
        result.body,
        parse_timeout,
        pool=pool,
        base_url=result.base_url,
        content_location=result.content_location,
        content_type=result.content_type,
    )


def _result(result: FetchResult, feed: ParsedFeed, **found: str) -> ProbeResult:
    return ProbeResult(
        title=feed.title.strip(),  # may be empty: callers pick their own fallback name
        item_count=len(feed.entries),
        url=result.url,
        etag=result.etag,
        last_modified=result.last_modified,
        avg_text_chars=_avg_text(feed),
        **found,
    )


async def _try(
    fetcher: FeedFetcher, url: str, budget: _Budget, parse_timeout: float, pool: ParserPool | None
) -> ProbeResult | None:
    """One candidate: the feed it serves, or None when it is not one (its reason is not the
    user's question: they asked about the page)."""
    try:
        result = await budget.fetch(fetcher, url)
        return _result(result, await _parse(result, parse_timeout, pool), feed_url=url)
    except (FetchError, FeedError, TimeoutError):
        return None


async def _discover(
    fetcher: FeedFetcher,
    page: FetchResult,
    budget: _Budget,
    parse_timeout: float,
    pool: ParserPool | None,
) -> ProbeResult:
    found: list[ProbeResult] = []
    named: dict[str, str] = {}  # feed address -> the page's own title for it
    tried = {page.url}
    for link in feed_links(page.body, page.base_url):
        if link.url in tried:
            continue  # a page naming itself as its feed
        if budget.requests <= 0 or budget.left() <= 0:
            break
        tried.add(link.url)
        probed = await _try(fetcher, link.url, budget, parse_timeout, pool)
        if probed is not None:
            found.append(probed)
            named[link.url] = link.title
    if not found:
        # guesses, not announcements: the first that answers with a feed is the site's feed
        for url in common_paths(page.url):
            if url in tried or budget.requests <= 0 or budget.left() <= 0:
                continue
            tried.add(url)
            probed = await _try(fetcher, url, budget, parse_timeout, pool)
            if probed is not None:
                found.append(probed)
                break
    # two links that redirect to one feed are one feed
    distinct = list({p.url: p for p in found}.values())
    if not distinct:
        raise FeedError(NO_FEED_ON_PAGE)
    if len(distinct) > 1:
        raise SeveralFeeds(
            page.url,
            # the link's own title names the feed as the site means it; the feed's title else
            tuple(
                FeedChoice(url, named.get(url) or p.title, p.item_count)
                for p in distinct
                if (url := p.feed_url or p.url)
            ),
        )
    return replace(distinct[0], found_on=page.url)


async def probe_source(
    fetcher: FeedFetcher,
    url: str,
    *,
    parse_timeout: float = 5.0,
    pool: ParserPool | None = None,
    discover: bool = True,
    max_requests: int = MAX_REQUESTS,
    budget_seconds: float = BUDGET_SECONDS,
) -> ProbeResult:
    """Fetch and parse `url` once (a web page: the feed found from it). Raises FetchError or
    FeedError with the reason to show; SeveralFeeds when a page leads to more than one feed."""
    budget = _Budget(max_requests, budget_seconds)
    result = await budget.fetch(fetcher, url.strip())
    try:
        return _result(result, await _parse(result, parse_timeout, pool))
    except FeedError as exc:
        page = exc.reason == HTML_REASON or is_html(result.body, result.content_type)
        if not (discover and page):
            raise
    return await _discover(fetcher, result, budget, parse_timeout, pool)
