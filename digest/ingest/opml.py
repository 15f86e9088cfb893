"""OPML import and export of the source list. Import is all-or-nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["OpmlSource", "OpmlError", "parse_opml", "to_opml"]

MAX_OPML_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class OpmlSource:
    url: str
    name: str
    jurisdiction: str | None = None


class OpmlError(Exception):
    """The OPML file cannot be imported; the message says where and why."""


def _valid_feed_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def parse_opml(data: bytes) -> list[OpmlSource]:
    """Every feed outline of an OPML document; OpmlError on the first problem (nothing partial)."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise OpmlError("DOCTYPE and entity declarations are not accepted in OPML files")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise OpmlError(f"not well-formed XML at line {line}, column {col + 1}") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"not an OPML file: the root element is <{root.tag}>, expected <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("not an OPML file: it has no <body> element")
    sources: list[OpmlSource] = []
    seen: set[str] = set()
    for n, outline in enumerate(body.iter("outline"), start=1):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue  # a folder
        name = (outline.get("title") or outline.get("text") or url).strip()
        if not _valid_feed_url(url):
            raise OpmlError(f"outline {n} ({name!r}): {url!r} is not an http(s) feed address")
        if url in seen:
            continue
        seen.add(url)
        jurisdiction = (outline.get("jurisdiction") or "").strip() or None
        sources.append(OpmlSource(url=url, name=name[:200], jurisdiction=jurisdiction))
    if not sources:
        raise OpmlError("the OPML file lists no feeds (no <outline> with an xmlUrl)")
    return sources


def to_opml(sources: list[OpmlSource], title: str = "policybrief sources") -> str:
    """An OPML 2.0 document listing the sources."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for src in sources:
        attrs = {"type": "rss", "text": src.name, "title": src.name, "xmlUrl": src.url}
        if src.jurisdiction:
            attrs["jurisdiction"] = src.jurisdiction
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
