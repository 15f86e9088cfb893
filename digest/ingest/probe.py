"""Try a feed once before it is saved: `/sources add <url>` reports what it found or why not."""

from __future__ import annotations

from dataclasses import dataclass

from digest.ingest.fetch import FeedFetcher, FetchError
from digest.ingest.parse import FeedError, ParserPool, parse_feed_limited

__all__ = ["ProbeResult", "probe_source", "FetchError", "FeedError"]


@dataclass(frozen=True)
class ProbeResult:
    """What one fetch of a candidate feed found."""

    title: str
    item_count: int
    url: str  # the address finally fetched (after redirects)
    etag: str | None = None
    last_modified: str | None = None


async def probe_source(
    fetcher: FeedFetcher,
    url: str,
    *,
    parse_timeout: float = 5.0,
    pool: ParserPool | None = None,
) -> ProbeResult:
    """Fetch and parse `url` once. Raises FetchError or FeedError with the reason to show."""
    result = await fetcher.fetch(url.strip())
    if result.not_modified:  # no validators were sent, so a 304 is the server's mistake
        raise FetchError("the server answered 'not modified' to a first request", kind="http")
    feed = await parse_feed_limited(
        result.body,
        parse_timeout,
        pool=pool,
        base_url=result.base_url,
        content_location=result.content_location,
        content_type=result.content_type,
    )
    return ProbeResult(
        title=feed.title.strip(),  # may be empty: callers pick their own fallback name
        item_count=len(feed.entries),
        url=result.url,
        etag=result.etag,
        last_modified=result.last_modified,
    )
