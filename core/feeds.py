"""Why a feed could not be fetched or read, and what a probe of one found: shapes that handlers
and the CLI catch and show without loading the HTTP client or the feed parsers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FetchError", "FeedError", "FeedChoice", "SeveralFeeds", "ProbeResult"]


class FetchError(Exception):
    """A failed fetch. `reason` is plain words for admins; `retry_after` is set for 429/503."""

    def __init__(self, reason: str, *, kind: str = "network", retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # refused | timeout | too_large | http | network | not_a_feed
        self.retry_after = retry_after


class FeedError(Exception):
    """The bytes are not a usable feed; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedChoice:
    """One of several feeds found from a web page."""

    url: str
    title: str
    item_count: int


class SeveralFeeds(FeedError):
    """The web page leads to more than one feed: nothing is chosen for the user."""

    def __init__(self, page: str, choices: tuple[FeedChoice, ...]) -> None:
        super().__init__(f"the web page links to {len(choices)} feeds; add one of them")
        self.page = page
        self.choices = choices


@dataclass(frozen=True)
class ProbeResult:
    """What one fetch of a candidate feed found."""

    title: str
    item_count: int
    url: str  # the address finally fetched (after redirects)
    etag: str | None = None
    last_modified: str | None = None
    # mean plain-text length of the items (teaser feeds are short); None: not measured
    avg_text_chars: float | None = None
    # set when `url` was a web page: the feed found from it (the address to save) and the page
    feed_url: str | None = None
    found_on: str | None = None
