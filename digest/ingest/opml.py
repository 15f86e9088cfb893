"""OPML import and export of the source list.

`official` travels as a namespaced attribute (`pb:official="true"`, namespace `OPML_NS`), and
folders (outlines without an xmlUrl) as each feed's `folder`: the caller decides whether a folder
names a jurisdiction or is kept as the source's label. Export writes labels back as folders.

Files are read with expat set to refuse any DOCTYPE or entity declaration the moment it starts,
whatever the file's encoding (UTF-8, UTF-16, ...): no entity is ever defined, so none expands.
Each address is then checked as every source is (digest/ingest/source_url.py) by the caller.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit
from xml.parsers import expat

__all__ = ["OPML_NS", "OpmlSource", "OpmlError", "parse_opml", "to_opml"]

MAX_OPML_BYTES = 5 * 1024 * 1024
OPML_NS = "urn:policybrief:opml"  # our attributes' namespace (a name, never fetched)
_OFFICIAL = f"{{{OPML_NS}}}official"
_TRUE = ("true", "1", "yes")


@dataclass(frozen=True)
class OpmlSource:
    url: str
    name: str
    jurisdiction: str | None = None
    official: bool = False
    folder: str | None = None  # the innermost folder the feed sits in (export: its label)
    problem: str | None = None  # why the entry cannot be a source (the rest may still be)
    full_text: bool = False  # fullText="true": read each new item's article page


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
    parser = expat.ParserCreate(namespace_separator=" ")
    builder = ET.TreeBuilder()

    def start(tag: str, attrs: dict[str, str]) -> None:
        # expat names namespaced things "uri local"; ElementTree's spelling is "{uri}local"
        builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_clark(tag))
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


def _clark(name: str) -> str:
    uri, _, local = name.rpartition(" ")
    return f"{{{uri}}}{local}" if uri else local


def _feeds(parent: ET.Element, folder: str | None) -> Iterator[tuple[ET.Element, str | None]]:
    """Every outline under `parent` in document order, with the folder it sits in."""
    for outline in parent.findall("outline"):
        yield outline, folder
        if not (outline.get("xmlUrl") or "").strip():
            name = (outline.get("title") or outline.get("text") or "").strip() or folder
            yield from _feeds(outline, name)


def parse_opml(data: bytes) -> list[OpmlSource]:
    """Every feed outline of an OPML document, an entry whose address is no http(s) URL with
    its `problem`; OpmlError when the document itself is unusable."""
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
    for n, (outline, folder) in enumerate(_feeds(body, None), start=1):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue  # a folder
        name = (outline.get("title") or outline.get("text") or url).strip()
        problem = None
        if not _valid_feed_url(url):
            problem = f"outline {n} ({name!r}): {url[:200]!r} is not an http(s) feed address"
        if url in seen:
            continue
        seen.add(url)
        jurisdiction = (outline.get("jurisdiction") or "").strip() or None
        official = (outline.get(_OFFICIAL) or "").strip().lower() in _TRUE
        flag = (outline.get("fullText") or outline.get("full_text") or "").strip().lower()
        if flag not in _TRUE + _FALSE and problem is None:
            problem = f"outline {n} ({name!r}): fullText={flag[:20]!r} is not true or false"
        sources.append(
            OpmlSource(
                url=url,
                name=name[:200],
                jurisdiction=jurisdiction,
                official=official,
                folder=folder[:200] if folder else None,
                problem=problem,
                full_text=flag in _TRUE,
            )
        )
    if not sources:
        raise OpmlError("the OPML file lists no feeds (no <outline> with an xmlUrl)")
    return sources


def to_opml(sources: list[OpmlSource], title: str = "policybrief sources") -> str:
    """An OPML 2.0 document listing the sources, those with a folder (label) inside it."""
    ET.register_namespace("pb", OPML_NS)
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for src in sources:
        parent = body
        if src.folder:
            if src.folder not in folders:
                folders[src.folder] = ET.SubElement(
                    body, "outline", {"text": src.folder, "title": src.folder}
                )
            parent = folders[src.folder]
        attrs = {"type": "rss", "text": src.name, "title": src.name, "xmlUrl": src.url}
        if src.jurisdiction:
            attrs["jurisdiction"] = src.jurisdiction
        if src.official:
            attrs[_OFFICIAL] = "true"
        if src.full_text:
            attrs["fullText"] = "true"
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
