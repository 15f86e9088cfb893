"""Document -> Discord embeds within every Discord limit, with untrusted text made inert.

Every text field of a Document is untrusted (feed or model output). It is escaped for Discord
markdown, mentions and masked links are broken with a zero-width joiner, and links come only
from `SourceLink.url` (http/https). Long documents are split into several messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import discord

from core.document import Choice, Document, Section, StoryCard

__all__ = [
    "Limits",
    "LIMITS",
    "RenderedMessage",
    "render",
    "escape_text",
    "safe_url",
    "story_embed",
    "story_line",
    "timestamp",
]

ZWJ = "\u200d"


@dataclass(frozen=True)
class Limits:
    """Discord's documented message and embed limits."""

    title: int = 256
    description: int = 4096
    fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    author: int = 256
    total: int = 6000  # all embeds of one message together
    embeds: int = 10
    content: int = 2000


LIMITS = Limits()

# Our own budgets, well inside the limits, so a card stays readable and a message holds several.
_SUMMARY_CHARS = 1500
_FOOTER_CHARS = 200
_SOURCES_SHOWN = 5

_COLOURS = {
    "error": discord.Colour.red(),
    "alert": discord.Colour.orange(),
    "digest": discord.Colour.blurple(),
    "brief": discord.Colour.blurple(),
}

# `<@id>`, `<@!id>`, `<@&id>`, `<#id>`, `</cmd:id>`, `<t:..>`, `<:emoji:id>`, `<a:..>`,
# `<https://...>`: anything that starts like Discord's angle-bracket syntax.
_ANGLE = re.compile(r"<(?=[@#:/!&a-zA-Z])")
_BROADCAST = re.compile(r"@(?=everyone|here)", re.IGNORECASE)  # Discord needs no word boundary
_MASKED_LINK = re.compile(r"\](?=\s*\()")  # `[text](url)` needs `](` adjacent


def escape_text(text: str, *, markdown: bool = True) -> str:
    """Untrusted text made inert: markdown escaped, no mention, broadcast or masked link.

    `markdown=False` is for footers and author names, which Discord shows without markdown
    (a backslash would show as is); mentions and link syntax are still broken there.
    """
    if markdown:
        text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)
    text = _ANGLE.sub("<" + ZWJ, text)
    text = _BROADCAST.sub("@" + ZWJ, text)
    return _MASKED_LINK.sub("]" + ZWJ, text)


def _truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, never leaving a dangling escape backslash."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    # An odd run of trailing backslashes would escape the ellipsis: drop one.
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def _inert(text: str, limit: int, *, one_line: bool = False, markdown: bool = True) -> str:
    """Escape then truncate; truncation after escaping keeps the result within `limit`."""
    if one_line:
        text = " ".join(text.split())
    # Escaping only lengthens text: what lies past `limit` raw characters is cut anyway, and not
    # escaping it keeps the regex work bounded on huge inputs.
    return _truncate(escape_text(text[: limit + 1], markdown=markdown), limit)


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) with a host, with characters that break markdown encoded."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # `https://trusted.example@evil.example/` spoofs the host
    if len(url) > 2000:
        return None
    # Parentheses, spaces, angle brackets and control characters would end the markdown link.
    # `@` is encoded too, so no link target reads as a mention.
    return quote(url, safe=":/?#[]!$&'*+,;=%~-._")


_NO_BRACKETS = str.maketrans({"[": "(", "]": ")"})


def _source_line(link_name: str, link_title: str, url: str) -> str:
    # Brackets would end the link text early: the label loses them before escaping.
    raw = " ".join((link_name or link_title or "source").split()).translate(_NO_BRACKETS)
    label = _inert(raw, 80)
    href = safe_url(url)
    return f"[{label}]({href})" if href else label


def timestamp(iso: str, style: str = "R") -> str:
    """Discord's `<t:…>` markup for an ISO-8601 instant (each reader sees their own local
    time); "" when it does not parse."""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return f"<t:{int(when.timestamp())}:{style}>"


def story_embed(
    card: StoryCard,
    *,
    section_title: str = "",
    kind: str = "brief",
    summary_chars: int = _SUMMARY_CHARS,
) -> discord.Embed:
    """One story card as an embed: headline (linked), summary, sources, its time in Discord's
    timestamp markup, ref and tags."""
    first_url = next((u for u in (safe_url(s.url) for s in card.sources) if u), None)
    embed = discord.Embed(
        title=_inert(card.headline or "(untitled story)", LIMITS.title, one_line=True),
        url=first_url,
        colour=_COLOURS.get(kind),
    )
    parts = []
    if card.summary and summary_chars > 0:
        parts.append(_inert(card.summary, summary_chars))
    shown = _SOURCES_SHOWN if summary_chars >= _SUMMARY_CHARS else 2
    links = [_source_line(s.name, s.title, s.url) for s in card.sources[:shown]]
    when = timestamp(card.published_at) if card.published_at else ""
    if links:
        more = len(card.sources) - shown
        tail = f" and {more} more" if more > 0 else ""
        parts.append("Sources: " + " · ".join(links) + tail + (f" · {when}" if when else ""))
    elif when:
        parts.append(when)
    embed.description = _truncate("\n\n".join(parts), LIMITS.description) or None
    tags = [card.ref, *card.topics, *card.jurisdictions]
    footer = " · ".join(tags)
    if card.pinned:
        footer = "📌 pinned · " + footer
    embed.set_footer(text=_inert(footer, _FOOTER_CHARS, one_line=True, markdown=False))
    if section_title:
        embed.set_author(name=_inert(section_title, LIMITS.author, one_line=True, markdown=False))
    return embed


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Join lines into blocks of at most `limit` characters; an over-long line is truncated."""
    blocks: list[str] = []
    current = ""
    for line in lines:
        line = _truncate(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            blocks.append(current)
            current = line
        else:
            current = candidate
    if current:
        blocks.append(current)
    return blocks


def _text_embeds(
    title: str, lines: list[str], colour: discord.Colour | None
) -> list[discord.Embed]:
    """A titled block of plain lines; continued over several embeds when long."""
    escaped = [_inert(line, LIMITS.description) for line in lines]
    blocks = _chunks(escaped, LIMITS.description) or [""]
    embeds = []
    for i, block in enumerate(blocks):
        name = title if i == 0 else (f"{title} (continued)" if title else "")
        embeds.append(
            discord.Embed(
                title=_inert(name, LIMITS.title, one_line=True) if name else None,
                description=block or None,
                colour=colour,
            )
        )
    return embeds


@dataclass
class RenderedMessage:
    """One Discord message: up to 10 embeds, and the story refs shown (for buttons)."""

    embeds: list[discord.Embed] = field(default_factory=list)
    story_refs: list[str] = field(default_factory=list)
    content: str | None = None
    choices: list[Choice] = field(default_factory=list)  # buttons (the last message only)

    def size(self) -> int:
        return sum(len(e) for e in self.embeds)


def _is_empty(embed: discord.Embed) -> bool:
    return len(embed) == 0


@dataclass(frozen=True)
class _Budget:
    """How much text a card's summary and a listed story's headline may take."""

    summary: int = _SUMMARY_CHARS
    headline: int = 200


# A digest is tried at these budgets in turn until it fits one message (10 embeds, 6,000
# characters): shorter summaries first, then shorter listed headlines.
_DIGEST_BUDGETS = (
    _Budget(),
    _Budget(700, 160),
    _Budget(450, 120),
    _Budget(300, 100),
    _Budget(160, 80),
    _Budget(0, 60),
)


def render(document: Document) -> list[RenderedMessage]:
    """The messages for a Document, each within Discord's per-message limits, in order; a
    digest is fitted into one message when shorter summaries make it fit. The document's
    choices go under its last message."""
    messages = _render(document, _Budget())
    if document.kind == "digest":
        for budget in _DIGEST_BUDGETS[1:]:
            if len(messages) == 1:
                break
            messages = _render(document, budget)
    return messages


def _head(document: Document, colour: discord.Colour | None) -> discord.Embed:
    when = timestamp(document.at, "F") if document.at else ""
    intro = _inert(document.intro, LIMITS.description - 40) if document.intro else ""
    text = "\n\n".join(x for x in (when, intro) if x)
    return discord.Embed(
        title=_inert(document.title, LIMITS.title, one_line=True) or None,
        description=text or None,
        colour=colour,
    )


def _render(document: Document, budget: _Budget) -> list[RenderedMessage]:
    colour = _COLOURS.get(document.kind)
    items: list[tuple[discord.Embed, str | None]] = [(_head(document, colour), None)]
    for section in document.sections:
        items.extend(_section_items(section, document.kind, colour, budget))
    if document.footer:
        notes = " · ".join(document.footer)
        last = items[-1][0]
        footer = _inert(notes, LIMITS.footer, markdown=False)
        if len(last) + len(footer) <= LIMITS.total and not last.footer.text:
            last.set_footer(text=footer)
        else:
            note = _inert(notes, LIMITS.description)
            items.append((discord.Embed(description=note, colour=colour), None))
    items = [(e, ref) for e, ref in items if not _is_empty(e)]
    if not items:
        items = [(discord.Embed(description="(nothing to show)", colour=colour), None)]
    messages = _pack(items)
    messages[-1].choices = list(document.choices)
    return messages


def story_line(card: StoryCard, headline_chars: int = 200) -> str:
    """A story in one line: the headline linked to the article, its first source, its tags."""
    raw = " ".join((card.headline or "(untitled story)").split()).translate(_NO_BRACKETS)
    headline = _inert(raw, headline_chars)
    href = next((u for u in (safe_url(s.url) for s in card.sources) if u), None)
    bits = [f"• [{headline}]({href})" if href else f"• {headline}"]
    if card.sources:
        more = len(card.sources) - 1
        bits.append(_inert(card.sources[0].name, 60, one_line=True) + (f" +{more}" if more else ""))
    tags = [*card.jurisdictions, *card.topics][:4]
    if tags:
        bits.append(_inert(" ".join(tags), 80, one_line=True))
    return " · ".join(bits)


def _list_embeds(
    section: Section, colour: discord.Colour | None, headline_chars: int = 200
) -> list[discord.Embed]:
    """A section of one-line stories: linked headlines, then its plain lines."""
    lines = [story_line(card, headline_chars) for card in section.stories]
    lines += [_inert(line, 500) for line in section.lines]
    blocks = _chunks(lines, LIMITS.description) or [""]
    title = _inert(section.title, LIMITS.title, one_line=True) if section.title else None
    return [
        discord.Embed(title=title if i == 0 else None, description=block or None, colour=colour)
        for i, block in enumerate(blocks)
    ]


def _section_items(
    section: Section, kind: str, colour: discord.Colour | None, budget: _Budget
) -> list[tuple[discord.Embed, str | None]]:
    out: list[tuple[discord.Embed, str | None]] = []
    if section.style == "list":
        embeds = _list_embeds(section, colour, budget.headline)
        return [(e, None) for e in embeds if not _is_empty(e)]
    if section.lines or (section.title and not section.stories):
        out.extend((e, None) for e in _text_embeds(section.title, section.lines, colour))
    for i, card in enumerate(section.stories):
        title = section.title if i == 0 and not section.lines else ""
        embed = story_embed(card, section_title=title, kind=kind, summary_chars=budget.summary)
        out.append((embed, card.ref))
    return [(e, ref) for e, ref in out if not _is_empty(e)]


def _pack(items: list[tuple[discord.Embed, str | None]]) -> list[RenderedMessage]:
    """Greedy packing: a new message when 10 embeds or 6000 characters would be exceeded."""
    messages: list[RenderedMessage] = [RenderedMessage()]
    for embed, ref in items:
        msg = messages[-1]
        if msg.embeds and (
            len(msg.embeds) >= LIMITS.embeds or msg.size() + len(embed) > LIMITS.total
        ):
            msg = RenderedMessage()
            messages.append(msg)
        msg.embeds.append(embed)
        if ref:
            msg.story_refs.append(ref)
    return messages
