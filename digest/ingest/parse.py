"""Feed bytes -> raw entries. RSS 2.0 and Atom in their common form go through fastxml.py
(lxml, a tenth of feedparser's time), every other XML feed through feedparser, JSON Feed through
jsonfeed.py; all come out as the same RawEntry values.

Never hand feedparser a URL or a path. `parse_feed` parses in this process; polling parses
untrusted bytes through parser_pool.py instead, in worker processes killed when they overrun
their time limit (feedparser 6.0.x has a regex on `<author>` that can take minutes on a crafted
feed; the fast path never runs it, but feedparser still reads what the fast path declines).

feedparser runs without its HTML sanitiser and its relative-URI pass (a third of its time):
clean.py reduces all markup to text, dropping scripts and styles, and links are resolved here
against the response's final URL and Content-Location. RawEntry markup is therefore raw: it is
never to be shown as HTML.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.datetimes import _parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin

from digest.ingest import fastxml
from digest.ingest.clean import title_to_text
from digest.ingest.jsonfeed import declared_json, looks_like_json, parse_json_feed
from digest.ingest.rawfeed import (
    BINARY_REASON,
    EMPTY_REASON,
    HTML_REASON,
    JSON_MALFORMED_REASON,
    NO_ENTRIES_REASON,
    NOT_A_FEED_REASON,
    UNREADABLE_REASON,
    FeedError,
    LinkCheck,
    ParsedFeed,
    RawEntry,
    TextType,
    absolute_refs,
    base_url_of,
)

__all__ = ["RawEntry", "ParsedFeed", "FeedError", "parse_feed"]

# feedparser's content types, as clean.py reads them; any other type (images, base64 binaries)
# is not text for a briefing.
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_JSON_FEED_MARK = b"jsonfeed.org/version/"


def _when(struct: object) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _kind(mime: str, default: TextType) -> TextType | None:
    """How to read a piece typed `mime`; `default` when untyped, None for another media type."""
    mime = mime.strip().lower()
    if not mime:
        return default
    if mime in _HTML_TYPES or mime.endswith(("+xml", "/xml")):
        return "html"
    if mime.startswith("text/") or mime == "text":
        return "text"
    return None


def _looks_binary(body: bytes) -> bool:
    head = body[:1024]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False  # a byte-order mark: text in some Unicode encoding
    if b"\x00" in head:
        return not head.lstrip(b"\x00").startswith(b"<") and b"<\x00" not in head
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 10


def _detail(e: Any, key: str) -> tuple[str, str, str | None]:
    """(value, type, xml:base) of a feedparser text construct such as title or summary."""
    detail = e.get(f"{key}_detail")
    if not hasattr(detail, "get"):
        return _text(e.get(key)), "", None
    return _text(e.get(key)), _text(detail.get("type")), _text(detail.get("base")) or None


def _content(e: Any, links: LinkCheck) -> tuple[str, TextType]:
    """One of the entry's content elements: html before text, the longest of a type.

    Content of another media type (base64 that feedparser decoded) comes last, read as markup.
    """
    best: dict[str, tuple[str, str | None]] = {}
    for c in e.get("content") or ():
        if not hasattr(c, "get"):
            continue
        value = _text(c.get("value"))
        if not value.strip():
            continue
        kind = _kind(_text(c.get("type")), "text") or "other"
        if len(value) > len(best.get(kind, ("", None))[0]):
            best[kind] = (value, _text(c.get("base")) or None)
    if "text" in best and "html" not in best:
        return best["text"][0], "text"
    value, where = best.get("html") or best.get("other") or ("", None)
    return absolute_refs(value, links.within(where)), "html"


def _entry(e: Any, language: str | None, links: LinkCheck) -> RawEntry:
    title, title_mime, _ = _detail(e, "title")
    summary, summary_mime, summary_base = _detail(e, "summary")
    summary_kind = _kind(summary_mime, "html") or "html"  # another media type: as before
    if summary_kind == "html":
        summary = absolute_refs(summary, links.within(summary_base))
    content, content_kind = _content(e, links)
    return RawEntry(
        guid=_text(e.get("id")) or None,
        link=links.link(_text(e.get("link"))),
        title=title,
        title_type=_kind(title_mime, "text") or "text",  # another media type: as before
        summary_html=summary,
        summary_type=summary_kind,
        content_html=content,
        content_type=content_kind,
        published=_when(e.get("published_parsed")),
        updated=_when(e.get("updated_parsed")),
        author=_text(e.get("author")),
        language=language,
    )


# feedparser's helpers for the fast path (private names of a dependency pinned below 7: the
# tests that compare both paths would see them change).
_RULES = fastxml.FeedparserRules(_parse_date, _FeedParserMixin.looks_like_html, _urljoin)


def read_common_feed(body: bytes) -> tuple[fastxml.FeedDict, list[fastxml.FeedDict], str] | None:
    """The fast path's reading of `body`, or None when feedparser must read it."""
    return fastxml.read_common_feed(body, _RULES)


def _read_xml(body: bytes) -> tuple[Any, list[Any], str | None, str | None]:
    """(feed, entries, version, bozo reason) in feedparser's shape: the fast path when it reads
    the document, feedparser otherwise."""
    fast = read_common_feed(body)
    if fast is not None:
        feed, entries, version = fast
        return feed, entries, version, None
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    bozo = str(parsed.get("bozo_exception", ""))[:300] if parsed.get("bozo") else None
    return parsed.get("feed", {}), parsed.get("entries", []), parsed.get("version"), bozo


def _parse_xml(body: bytes, base: str | None) -> ParsedFeed:
    """RSS or Atom; FeedError when nothing usable is there.

    feedparser gets no base: given one, it joins URLs at every element start (a fifth of its
    time). Relative links come out relative to their xml:base and are resolved here.
    """
    try:
        feed, raw_entries, version, bozo = _read_xml(body)
        language = _text(feed.get("language")) or None
        links = LinkCheck(base)
        entries = [_entry(e, language, links) for e in raw_entries]
        title, title_mime, _ = _detail(feed, "title")
        title = title_to_text(title, _kind(title_mime, "text") or "text")
        link = LinkCheck(base).link(_text(feed.get("link")))
    except (MemoryError, RecursionError):
        raise FeedError(UNREADABLE_REASON) from None
    except Exception:  # a stranger's bytes must never crash the poller; say so plainly instead
        raise FeedError(UNREADABLE_REASON) from None
    if not entries:
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise FeedError(HTML_REASON)
        if version:
            raise FeedError(NO_ENTRIES_REASON)
        if _looks_binary(body):
            raise FeedError(BINARY_REASON)
        raise FeedError(NOT_A_FEED_REASON)
    return ParsedFeed(
        title=title,
        link=link,
        language=language,
        entries=entries,
        bozo_reason=bozo,
        dropped_links=dict(links.dropped),
    )


def parse_feed(
    body: bytes,
    *,
    base_url: str | None = None,
    content_location: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """Parse feed bytes (RSS 0.9x/1.0/2.0, Atom, JSON Feed 1.0/1.1). FeedError when unusable.

    `base_url` (the final URL after redirects) and `content_location` give the base for relative
    links; `content_type` is the response's header. No time limit: see `parse_feed_limited`.
    """
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes bytes, never a URL or a path")
    if not body.strip():
        raise FeedError(EMPTY_REASON)
    base = base_url_of(base_url, content_location)
    if looks_like_json(body, content_type):
        try:
            return parse_json_feed(body, base)
        except FeedError as exc:
            # a "{" that is not JSON at all, from a server that did not say JSON and with no
            # word of JSON Feed: let the XML reader say what it is
            said_json = declared_json(content_type) or _JSON_FEED_MARK in body[:4096]
            if exc.reason != JSON_MALFORMED_REASON or said_json:
                raise
    return _parse_xml(body, base)
