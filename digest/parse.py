"""feedparser on bytes -> raw entries. Never hand feedparser a URL or a path."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser

__all__ = ["RawEntry", "ParsedFeed", "FeedError", "parse_feed"]


@dataclass(frozen=True)
class RawEntry:
    """One entry as the feed gave it: untrusted, not yet cleaned."""

    guid: str | None
    link: str | None
    title: str
    summary_html: str = ""
    content_html: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str | None
    language: str | None
    entries: list[RawEntry] = field(default_factory=list)
    bozo_reason: str | None = None  # set when the feed was malformed but still yielded entries


class FeedError(Exception):
    """The bytes are not a usable feed; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _when(struct: object) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def parse_feed(body: bytes) -> ParsedFeed:
    """Parse feed bytes (RSS 0.9x/1.0/2.0, Atom). Raises FeedError when nothing usable is there."""
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes bytes, never a URL or a path")
    if not body.strip():
        raise FeedError("empty response: the server sent no content")
    parsed = feedparser.parse(body)
    feed = parsed.get("feed", {})
    language = feed.get("language")
    entries = []
    for e in parsed.get("entries", []):
        content = ""
        if e.get("content"):
            content = "\n".join(c.get("value", "") for c in e["content"])
        entries.append(
            RawEntry(
                guid=e.get("id") or None,
                link=e.get("link") or None,
                title=e.get("title", "") or "",
                summary_html=e.get("summary", "") or "",
                content_html=content,
                published=_when(e.get("published_parsed")),
                updated=_when(e.get("updated_parsed")),
                author=e.get("author", "") or "",
                language=language,
            )
        )
    bozo = str(parsed.get("bozo_exception", "")) if parsed.get("bozo") else None
    if not entries:
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise FeedError("not a feed: the address returned a web page (HTML), not RSS or Atom")
        if parsed.get("version"):
            raise FeedError("the feed has no entries")
        raise FeedError("not a feed: the content is neither RSS nor Atom")
    return ParsedFeed(
        title=feed.get("title", "") or "",
        link=feed.get("link") or None,
        language=language,
        entries=entries,
        bozo_reason=bozo,
    )
