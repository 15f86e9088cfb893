"""Feeds found from a site's address: the page's `<link rel="alternate">` feeds, else common paths.

Pure reading of the page here (`feed_links`, `common_paths`); fetching the candidates is
digest/ingest/probe.py's, through the same guarded fetcher and within one request and time budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

__all__ = ["FeedLink", "COMMON_PATHS", "FEED_TYPES", "feed_links", "common_paths", "is_html"]

# What an alternate link's type says when it points at a feed (RSS, Atom, RDF, JSON Feed).
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "text/xml",
        "application/xml",
    }
)
COMMON_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json")
MAX_LINKS = 20  # a page listing more is not telling us which feed it means
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class FeedLink:
    """A feed a page links to: its absolute address and the link's own title (may be empty)."""

    url: str
    title: str


def is_html(body: bytes, content_type: str | None) -> bool:
    """True when the answer is a web page: an HTML media type, or markup that starts like one."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in _HTML_TYPES:
        return True
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def feed_links(body: bytes, page_url: str) -> list[FeedLink]:
    """The feeds a page announces with `<link rel="alternate" type=…>`, absolute, in page order,
    each address once; a `<base href>` is honoured; only http(s) addresses are kept."""
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)
    try:
        root = lxml.html.document_fromstring(body, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return []  # an empty or unreadable page announces nothing
    base = page_url
    for href in root.xpath("//base/@href")[:1]:
        joined = urljoin(page_url, str(href).strip())
        if _is_web(joined):
            base = joined
    found: list[FeedLink] = []
    seen: set[str] = set()
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";", 1)[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in rels or kind not in FEED_TYPES or not href:
            continue
        try:
            url = urljoin(base, href)
        except ValueError:
            continue
        if not _is_web(url) or url in seen:
            continue
        seen.add(url)
        found.append(FeedLink(url, " ".join((link.get("title") or "").split())[:200]))
        if len(found) >= MAX_LINKS:
            break
    return found


def common_paths(page_url: str) -> list[str]:
    """The usual feed addresses at the root of the page's site, in the order we try them."""
    return [urljoin(page_url, path) for path in COMMON_PATHS]
