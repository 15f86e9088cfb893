"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) -> the same raw entries as RSS and Atom.

The standard library's json reader is enough: a JSON Feed is small and flat, and the worker
process that runs every parse holds the time and memory limits.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from digest.ingest.rawfeed import (
    JSON_MALFORMED_REASON,
    JSON_NO_ITEMS_LIST_REASON,
    JSON_NOT_A_FEED_REASON,
    NO_ENTRIES_REASON,
    FeedError,
    LinkCheck,
    ParsedFeed,
    RawEntry,
    TextType,
    absolute_refs,
)

__all__ = ["looks_like_json", "parse_json_feed"]

_VERSION = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")
_JSON_TYPES = ("application/feed+json", "application/json")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

JsonObject = dict[str, object]


def declared_json(content_type: str | None) -> bool:
    """True when the Content-Type says JSON (application/feed+json or application/json)."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return media in _JSON_TYPES


def looks_like_json(body: bytes, content_type: str | None = None) -> bool:
    """True when the response says JSON, or its first character opens a JSON object."""
    if declared_json(content_type):
        return True
    head = body[:64]
    for bom in _BOMS:
        head = head.removeprefix(bom)
    return head.lstrip().startswith(b"{")


def _str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # ids are strings by the spec, numbers in the wild
    return ""


def _when(value: object) -> datetime | None:
    """An RFC 3339 date, aware UTC; None when absent or unreadable."""
    text = _str(value).strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _author(item: JsonObject) -> str:
    authors = item.get("authors")
    if isinstance(authors, list):  # 1.1
        names = [_str(a.get("name")) for a in authors if isinstance(a, dict)]
        return ", ".join(n for n in names if n)
    author = item.get("author")  # 1.0
    return _str(author.get("name")) if isinstance(author, dict) else ""


def _entry(item: JsonObject, links: LinkCheck, language: str | None) -> RawEntry:
    content: str
    content_type: TextType
    html = _str(item.get("content_html"))
    if html.strip():  # html is preferred over text, as for Atom's several contents
        content, content_type = absolute_refs(html, links.base), "html"
    else:
        content, content_type = _str(item.get("content_text")), "text"
    return RawEntry(
        guid=_str(item.get("id")).strip() or None,
        link=links.link(_str(item.get("url")) or _str(item.get("external_url"))),
        title=_str(item.get("title")),
        summary_html=_str(item.get("summary")),
        summary_type="text",
        content_html=content,
        content_type=content_type,
        published=_when(item.get("date_published")),
        updated=_when(item.get("date_modified")),
        author=_author(item),
        language=_str(item.get("language")) or language,
    )


def parse_json_feed(body: bytes, base: str | None) -> ParsedFeed:
    """Parse JSON Feed bytes; FeedError with a plain reason when they are not a usable feed."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        raise FeedError(JSON_MALFORMED_REASON) from None
    if not isinstance(doc, dict) or not _VERSION.match(_str(doc.get("version")).strip()):
        raise FeedError(JSON_NOT_A_FEED_REASON)
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError(JSON_NO_ITEMS_LIST_REASON)
    language = _str(doc.get("language")) or None
    links = LinkCheck(base)
    entries = [_entry(item, links, language) for item in items if isinstance(item, dict)]
    if not entries:
        raise FeedError(NO_ENTRIES_REASON)
    return ParsedFeed(
        title=_str(doc.get("title")),
        link=LinkCheck(base).link(_str(doc.get("home_page_url"))),
        language=language,
        entries=entries,
        dropped_links=dict(links.dropped),
    )
