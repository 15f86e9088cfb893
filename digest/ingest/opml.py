"""OPML import and export of the source list. Import is all-or-nothing.

Files are read with expat set to refuse any DOCTYPE or entity declaration the moment it starts,
whatever the file's encoding (UTF-8, UTF-16, ...): no entity is ever defined, so none expands.
Each address is then checked as every source is (digest/ingest/source_url.py) by the caller.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit
from xml.parsers import expat

__all__ = ["OpmlSource", "OpmlError", "parse_opml", "to_opml"]

MAX_OPML_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class OpmlSource:
    url: str
    name: str
    jurisdiction: str | None = None
    full_text: bool = False  # fullText="true": read each new item's article page


_TRUE = ("true", "1", "yes")
_FALSE = ("", "false", "0", "no")


class OpmlError(Exception):
    """The OPML file cannot be imported; the message says where and why."""


def _valid_feed_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


_NO_DTD = "DOCTYPE and entity declarations are not accepted in OPML files"


class _Declared(Exception):
    """Raised from inside expat the moment a DOCTYPE or entity declaration starts."""


def _refuse(*_args: object) -> NoReturn:
    raise _Declared


def _parse_xml(data: bytes) -> ET.Element:
    """The document's root, built by expat with every declaration refused."""
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    try:
        parser.Parse(data, True)
        return builder.close()
    except _Declared:
        raise OpmlError(_NO_DTD) from None
    except expat.ExpatError as exc:
        where = f"line {exc.lineno}, column {exc.offset + 1}"
        raise OpmlError(f"not well-formed XML at {where}") from None
    except AssertionError:  # TreeBuilder.close() on a document without a root element
        raise OpmlError("not well-formed XML: no root element") from None


def parse_opml(data: bytes) -> list[OpmlSource]:
    """Every feed outline of an OPML document; OpmlError on the first problem (nothing partial)."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
    root = _parse_xml(data)
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
        flag = (outline.get("fullText") or outline.get("full_text") or "").strip().lower()
        if flag not in _TRUE + _FALSE:
            raise OpmlError(f"outline {n} ({name!r}): fullText={flag!r} is not true or false")
        sources.append(
            OpmlSource(url=url, name=name[:200], jurisdiction=jurisdiction, full_text=flag in _TRUE)
        )
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
        if src.full_text:
            attrs["fullText"] = "true"
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
