"""What a parsed feed is made of, whatever its format: raw entries, the feed, the reasons it fails.

Also the link rules every format shares: the base URL of a response, relative links resolved
against it, and links that are still not http(s) dropped with a counted reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from html import escape, unescape
from typing import Literal
from urllib.parse import urljoin, urlsplit

from core.feeds import FeedError

__all__ = [
    "TextType",
    "RawEntry",
    "ParsedFeed",
    "FeedError",
    "LinkCheck",
    "base_url_of",
    "absolute_refs",
    "EMPTY_REASON",
    "HTML_REASON",
    "NO_ENTRIES_REASON",
    "NOT_A_FEED_REASON",
    "BINARY_REASON",
    "UNREADABLE_REASON",
    "JSON_MALFORMED_REASON",
    "JSON_NOT_A_FEED_REASON",
    "JSON_NO_ITEMS_LIST_REASON",
    "DROP_RELATIVE",
    "DROP_SCHEME",
]

# How a piece of entry text is to be read: markup to reduce to text, or literal characters.
TextType = Literal["html", "text"]

EMPTY_REASON = "empty response: the server sent no content"
HTML_REASON = "not a feed: the address returned a web page (HTML), not RSS or Atom"
NO_ENTRIES_REASON = "the feed has no entries"
NOT_A_FEED_REASON = "not a feed: the content is neither RSS nor Atom"
BINARY_REASON = "not a feed: the content is binary data, not RSS or Atom"
UNREADABLE_REASON = "not a feed: the content could not be read as RSS or Atom"
JSON_MALFORMED_REASON = "not a feed: the JSON Feed could not be read (malformed JSON)"
JSON_NOT_A_FEED_REASON = "not a feed: the content is JSON, but not a JSON Feed (version 1 or 1.1)"
JSON_NO_ITEMS_LIST_REASON = "not a feed: the JSON Feed has no list of items"

# Why an entry's link was dropped (ParsedFeed.dropped_links counts them).
DROP_RELATIVE = "relative link and no base URL to resolve it against"
DROP_SCHEME = "not an http(s) link"


@dataclass(frozen=True)
class RawEntry:
    """One entry as the feed gave it: untrusted, not yet cleaned.

    `title`, `summary_html` and `content_html` hold markup or literal text as their `*_type`
    says (clean.py reads them so). `link` is absolute http(s) or None.
    """

    guid: str | None
    link: str | None
    title: str
    summary_html: str = ""
    content_html: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    language: str | None = None
    title_type: TextType = "text"
    summary_type: TextType = "html"
    content_type: TextType = "html"


@dataclass(frozen=True)
class ParsedFeed:
    title: str  # plain text
    link: str | None
    language: str | None
    entries: list[RawEntry] = field(default_factory=list)
    bozo_reason: str | None = None  # set when the feed was malformed but still yielded entries
    # reason -> how many entry links were dropped for it (DROP_RELATIVE, DROP_SCHEME)
    dropped_links: dict[str, int] = field(default_factory=dict)


_WEB = ("http", "https")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in _WEB and bool(parts.netloc)


def base_url_of(url: str | None, content_location: str | None = None) -> str | None:
    """The base for relative links: Content-Location resolved against the final URL; http(s) only.

    A Content-Location that is not http(s) once resolved is ignored (the URL still serves).
    """
    base = url.strip() if url and _is_web(url.strip()) else None
    if content_location and content_location.strip():
        try:
            located = urljoin(base or "", content_location.strip())
        except ValueError:
            located = ""
        if _is_web(located):
            return located
    return base


@dataclass
class LinkCheck:
    """Resolves entry links against a base and counts the ones dropped, by reason."""

    base: str | None
    dropped: Counter[str] = field(default_factory=Counter)

    def within(self, local: str | None) -> str | None:
        """The base inside an element whose own base (xml:base) is `local`, maybe relative."""
        if not local:
            return self.base
        try:
            joined = urljoin(self.base or "", local)
        except ValueError:
            return self.base
        return joined if _is_web(joined) else self.base

    def link(self, value: str | None) -> str | None:
        """`value` as an absolute http(s) URL, or None (counted when there was a link to drop)."""
        value = (value or "").strip()
        if not value:
            return None
        if not _SCHEME.match(value):
            if self.base is None:
                self.dropped[DROP_RELATIVE] += 1
                return None
            try:
                value = urljoin(self.base, value)
            except ValueError:
                self.dropped[DROP_SCHEME] += 1
                return None
        if not _is_web(value):
            self.dropped[DROP_SCHEME] += 1
            return None
        return value


# URL-valued attributes of HTML elements (feedparser resolved the same set, on any element).
_URI_ATTR = re.compile(
    r"""(\s(?:href|src|cite|poster|longdesc|background|action|data|usemap|codebase|profile)"""
    r"""\s*=\s*)("[^"]*"|'[^']*'|[^\s>"']+)""",
    re.IGNORECASE,
)


def absolute_refs(html: str, base: str | None) -> str:
    """`html` with relative URL attributes resolved against `base` (absolute ones untouched)."""
    if not base or "=" not in html:
        return html

    def fix(m: re.Match[str]) -> str:
        raw = m.group(2)
        quoted = raw[:1] in ('"', "'")
        value = unescape(raw[1:-1] if quoted else raw).strip()
        if not value or _SCHEME.match(value) or value.startswith("#"):
            return m.group(0)
        try:
            joined = urljoin(base, value)
        except ValueError:
            return m.group(0)
        return f'{m.group(1)}"{escape(joined, quote=True)}"'

    return _URI_ATTR.sub(fix, html)
