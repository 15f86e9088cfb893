"""Document -> readable plain text, for the console chat and the CLI."""

from __future__ import annotations

import unicodedata

from core.document import Document, StoryCard

__all__ = ["render_text", "clean_line"]

_WIDTH_RULE = 72


def clean_line(text: str) -> str:
    """Untrusted text made safe for a terminal: no control or escape characters, one line."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


def _card(card: StoryCard) -> list[str]:
    mark = "[pinned] " if card.pinned else ""
    lines = [f"{mark}[{card.ref}] {clean_line(card.headline)}"]
    if card.summary:
        lines.append(f"    {clean_line(card.summary)}")
    tags = [*card.jurisdictions, *card.topics]
    if tags:
        lines.append(f"    tags: {', '.join(clean_line(t) for t in tags)}")
    for link in card.sources:
        # links come only from stored item URLs, and only http(s) ones are shown
        url = link.url if link.url.startswith(("http://", "https://")) else ""
        tail = f": {clean_line(url)}" if url else ""
        lines.append(f"    - {clean_line(link.name)}{tail}")
    return lines


def _line(card: StoryCard) -> str:
    url = next((s.url for s in card.sources if s.url.startswith(("http://", "https://"))), "")
    source = clean_line(card.sources[0].name) if card.sources else ""
    tail = " · ".join(x for x in (source, " ".join(card.jurisdictions + card.topics)) if x)
    link = f" <{clean_line(url)}>" if url else ""
    return f"- {clean_line(card.headline)}{link}" + (f" · {clean_line(tail)}" if tail else "")


def render_text(doc: Document) -> str:
    """The whole document as plain text lines; stories show their short id for /pin."""
    lines: list[str] = []
    title = clean_line(doc.title)
    if doc.kind == "error":
        title = f"error: {title}"
    lines.append(title)
    lines.append("=" * min(len(title), _WIDTH_RULE))
    if doc.intro:
        lines.append(clean_line(doc.intro))
    for section in doc.sections:
        if lines and lines[-1] != "":
            lines.append("")
        if section.title:
            lines.append(f"## {clean_line(section.title)}")
        for card in section.stories:
            if section.style == "list":
                lines.append(_line(card))
            else:
                lines.extend(_card(card))
        for line in section.lines:
            lines.append(clean_line(line))
    for image in doc.images:
        # the console writes the file itself (bot/console.py) and prints where
        lines.append(f"[image {clean_line(image.name)}: {clean_line(image.alt)}]")
    if doc.footer:
        lines.append("")
        lines.extend(clean_line(f) for f in doc.footer)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)
