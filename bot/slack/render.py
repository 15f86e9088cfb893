"""Document -> Block Kit, within Slack's limits, with every untrusted string escaped.

Untrusted text (feed items, model output, user words) only ever reaches Slack as mrkdwn with
`&`, `<`, `>` escaped and `verbatim: true` (so no `<!channel>`, `<@U…>`, `<#C…>` or spoofed link can
form), or as plain_text with `<`/`>` swapped for look-alikes. Links are built here, only from
`SourceLink.url` values with an http(s) scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from core.document import Document, Section, SourceLink, StoryCard

__all__ = [
    "MAX_BLOCKS",
    "MAX_SECTION_TEXT",
    "MAX_HEADER_TEXT",
    "MAX_FALLBACK_TEXT",
    "ACTION_PIN",
    "ACTION_MENU",
    "ACTION_RUN",
    "ACTION_RUN_PATTERN",
    "SlackMessage",
    "escape",
    "safe_truncate",
    "link",
    "render",
    "render_card",
    "story_line",
    "fallback_text",
]

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 3000  # Slack accepts 40k, but notifications show a line or two
COMPACT_SUMMARY_CHARS = 600  # a card in a list; "More" shows the whole summary
COMPACT_SOURCES = 3
MAX_URL_CHARS = 1500  # a longer URL is almost certainly junk; it is shown without a link

ACTION_PIN = "pb_pin"
ACTION_MENU = "pb_story_menu"
# a Document's choices: buttons whose value is the command they run (`/sources add <url>`);
# each button of a block needs its own action_id, so the index follows
ACTION_RUN = "pb_run"
ACTION_RUN_PATTERN = re.compile(rf"^{ACTION_RUN}:\d+$")
MAX_CHOICES = 5
MAX_VALUE = 2000  # Slack's limit on a button's value

_BULLET = "\u2022"
_ELLIPSIS = "\u2026"
_HEADLINE_KINDS = {"brief", "digest", "alert"}


@dataclass
class SlackMessage:
    """One chat.postMessage / respond() payload: blocks plus the notification text."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The keyword arguments for chat.postMessage (unfurls off, no server-side parsing)."""
        return {
            "text": self.text,
            "blocks": self.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }


# --- escaping -----------------------------------------------------------------------------------


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control (& < >); drop bidi overrides."""
    text = _BIDI.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> str:
    """Text for plain_text objects: no control characters, `<`/`>` as look-alikes."""
    text = _collapse(text)
    return text.replace("<", "\u2039").replace(">", "\u203a")


def _collapse(text: str) -> str:
    """One line: control characters and runs of whitespace become single spaces."""
    return re.sub(r"[\s\x00-\x1f\x7f]+", " ", text).strip()


def _clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` chars, on a word boundary when one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + _ELLIPSIS


_ENTITY_TAIL = re.compile(r"&[a-z#0-9]{0,6}$")


def safe_truncate(mrkdwn: str, limit: int) -> str:
    """Cut escaped mrkdwn to `limit` chars, never inside an `&amp;`-style entity or a `<…>` link."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: max(limit - 1, 0)]
    # inside a <url|label> (an opening bracket with no closing one after it): drop the link
    lt = cut.rfind("<")
    if lt > cut.rfind(">"):
        cut = cut[:lt]
    # inside an entity such as "&am": drop the partial entity
    m = _ENTITY_TAIL.search(cut)
    if m:
        cut = cut[: m.start()]
    # an unbalanced *bold* or _italic_ marker would leak into the rest: accept it; Slack
    # shows a stray asterisk, nothing worse.
    return cut.rstrip() + _ELLIPSIS


def _safe_url(url: str) -> str | None:
    """The URL made safe for `<url|label>`, or None when it is not an http(s) URL."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    # `|` ends the URL part of a link and `<`/`>` end the link; percent-encode them (and other
    # unsafe characters) rather than trusting the feed; `&` is entity-escaped as Slack asks.
    encoded = quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")
    return escape(encoded)


def link(source: SourceLink, label: str | None = None, *, limit: int = 80) -> str:
    """`<url|label>` for an http(s) source, else the escaped label alone."""
    text = _collapse(label if label is not None else (source.name or source.title or "source"))
    text = escape(_clip(text, limit)).replace("|", "\u00a6") or "source"
    url = _safe_url(source.url)
    return f"<{url}|{text}>" if url else text


# --- blocks ---------------------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(safe_truncate(text, MAX_SECTION_TEXT))}


def _context(parts: list[str]) -> dict[str, Any]:
    parts = [p for p in parts if p][:MAX_CONTEXT_ELEMENTS]
    return {
        "type": "context",
        "elements": [_mrkdwn(safe_truncate(p, MAX_SECTION_TEXT)) for p in parts],
    }


def _header(text: str) -> dict[str, Any]:
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": _clip(_plain(text), MAX_HEADER_TEXT),
            "emoji": False,
        },
    }


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": _plain(text), "emoji": False},
        "action_id": action_id,
        "value": value,
    }


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text, "emoji": False}, "value": value}


def _bold(text: str) -> str:
    """Bold an escaped one-liner; `*` inside would end the bold early, so use a look-alike."""
    return "*" + text.replace("*", "\u2217") + "*" if text else ""


def card_context(card: StoryCard, *, all_sources: bool = False) -> str:
    """The context line: sources as links, tags, date, short id."""
    sources = card.sources if all_sources else card.sources[:COMPACT_SOURCES]
    bits = [", ".join(link(s) for s in sources)] if sources else []
    hidden = len(card.sources) - len(sources)
    if hidden > 0:
        bits[-1] += f" +{hidden} more"
    tags = [escape(_collapse(t)) for t in (*card.jurisdictions, *card.topics) if _collapse(t)]
    if tags:
        bits.append(" ".join(f"#{t}" for t in tags[:8]))
    if card.published_at:
        bits.append(escape(_collapse(card.published_at)[:10]))
    bits.append(f"`{card.ref}`")
    return " \u00b7 ".join(bits)


def _headline(card: StoryCard) -> str:
    """The bold headline, linked to the article (the first source with an http(s) URL)."""
    text = _clip(_collapse(card.headline), 300) or "(untitled story)"
    first = next((s for s in card.sources if _safe_url(s.url)), None)
    return _bold(link(first, text, limit=300) if first is not None else escape(text))


def render_card(card: StoryCard, *, expanded: bool = False, actions: bool = True) -> list[dict]:
    """A story: its headline linked to the article, the summary, a context line, then the ⋯
    menu (Watch similar, More, and Pin: members see no Pin button; the role is checked on
    click)."""
    headline = _headline(card)
    if card.pinned:
        headline = ":pushpin: " + headline
    summary = card.summary.strip()
    if not expanded:
        summary = _clip(summary, COMPACT_SUMMARY_CHARS)
    body = headline + ("\n" + escape(summary) if summary else "")
    blocks: list[dict[str, Any]] = [_section(body)]
    blocks[0]["block_id"] = f"story:{card.ref}"
    blocks.append(_context([card_context(card, all_sources=expanded)]))
    if actions:
        options = [
            _option("Watch similar", f"watch:{card.ref}"),
            _option("More", f"more:{card.ref}"),
        ]
        if not card.pinned:
            options.append(_option("Pin (moderators)", f"pin:{card.ref}"))
        menu = {"type": "overflow", "action_id": ACTION_MENU, "options": options}
        blocks.append({"type": "actions", "block_id": f"act:{card.ref}", "elements": [menu]})
    return blocks


def story_line(card: StoryCard) -> str:
    """A story in one line: the headline linked to the article, its first source, its tags."""
    headline = _clip(_collapse(card.headline), 200) or "(untitled story)"
    first = next((s for s in card.sources if _safe_url(s.url)), None)
    title = link(first, headline, limit=200) if first is not None else escape(headline)
    bits = [f"{_BULLET} {title}"]
    if card.sources:
        more = len(card.sources) - 1
        bits.append(
            escape(_clip(_collapse(card.sources[0].name), 60)) + (f" +{more}" if more else "")
        )
    tags = [escape(_collapse(t)) for t in (*card.jurisdictions, *card.topics) if _collapse(t)]
    if tags:
        bits.append(" ".join(f"#{t}" for t in tags[:4]))
    return " \u00b7 ".join(bits)


def _line_sections(lines: list[str], *, escaped: bool = False) -> list[dict[str, Any]]:
    """Plain lines (or lines of mrkdwn built here) as sections, packed up to the limit."""
    out: list[dict[str, Any]] = []
    chunk = ""
    for raw in lines:
        line = raw if escaped else escape(_clip(raw.strip(), MAX_SECTION_TEXT - 10))
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            out.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        out.append(_section(chunk))
    return out


def _section_groups(sec: Section, *, actions: bool) -> list[list[dict[str, Any]]]:
    """A section as groups of blocks that must stay together (a card never splits)."""
    groups: list[list[dict[str, Any]]] = []
    if sec.title:
        groups.append([_section(_bold(escape(_clip(_collapse(sec.title), 200))))])
    if sec.style == "list":
        lines = [story_line(card) for card in sec.stories]
        lines += [escape(_clip(_collapse(x), 500)) for x in sec.lines if _collapse(x)]
        groups.append(_line_sections(lines, escaped=True))
        return groups
    groups.extend([b] for b in _line_sections(sec.lines))
    for card in sec.stories:
        groups.append(render_card(card, actions=actions))
    return groups


def _unique_block_ids(blocks: list[dict[str, Any]]) -> None:
    """Slack rejects a message with a repeated block_id (the same story shown twice)."""
    seen: set[str] = set()
    for block in blocks:
        bid = block.get("block_id")
        if bid is None:
            continue
        n, candidate = 1, bid
        while candidate in seen:
            n += 1
            candidate = f"{bid}~{n}"
        block["block_id"] = candidate
        seen.add(candidate)


def fallback_text(doc: Document) -> str:
    """The notification text: title and headlines, escaped (Slack parses it as mrkdwn)."""
    lines = [_collapse(doc.title)]
    if doc.intro:
        lines.append(_collapse(doc.intro))
    for card in doc.stories():
        lines.append(f"{_BULLET} {_collapse(card.headline)}")
    if len(lines) == 1:
        for sec in doc.sections:
            lines.extend(_collapse(x) for x in sec.lines[:5])
    text = escape(_clip("\n".join(x for x in lines if x), MAX_FALLBACK_TEXT - 200))
    return safe_truncate(text, MAX_FALLBACK_TEXT) or "policybrief"


def render(
    doc: Document, *, actions: bool = True, max_blocks: int = MAX_BLOCKS
) -> list[SlackMessage]:
    """Render a Document as one or more messages of at most `max_blocks` blocks each.

    `actions` adds the Pin button and the menu to story cards (off for previews and DMs'
    pin, see the callers). The first message carries the title; later ones continue it.
    """
    head: list[dict[str, Any]] = []
    title = _collapse(doc.title)
    if doc.kind in _HEADLINE_KINDS:
        if title:
            head.append(_header(title))
    elif title:
        prefix = ":warning: " if doc.kind == "error" else ""
        head.append(_section(prefix + _bold(escape(_clip(title, 500)))))
    if doc.intro.strip():
        head.append(_section(escape(doc.intro.strip())))

    groups: list[list[dict[str, Any]]] = []
    for i, sec in enumerate(doc.sections):
        if i and (sec.title or sec.stories) and doc.kind in _HEADLINE_KINDS:
            groups.append([{"type": "divider"}])
        groups.extend(_section_groups(sec, actions=actions))
    footer = [escape(_clip(_collapse(f), 500)) for f in doc.footer if _collapse(f)]
    if footer:
        groups.append([_context(footer)])
    choices = [
        _button(_clip(c.label, 75), f"{ACTION_RUN}:{n}", c.command)
        for n, c in enumerate(doc.choices[:MAX_CHOICES])
        if len(c.command) <= MAX_VALUE
    ]
    if choices and actions:
        groups.append([{"type": "actions", "elements": choices}])

    fallback = fallback_text(doc)
    messages: list[SlackMessage] = []
    current = list(head)
    for group in groups:
        if current and len(current) + len(group) > max_blocks:
            messages.append(SlackMessage(text=fallback, blocks=current))
            current = []
        current.extend(group[:max_blocks])
    if current or not messages:
        messages.append(SlackMessage(text=fallback, blocks=current or [_section(fallback)]))
    for msg in messages:
        _unique_block_ids(msg.blocks)
    total = len(messages)
    if total > 1:
        for n, msg in enumerate(messages[1:], start=2):
            msg.text = safe_truncate(f"{escape(_clip(title, 200))} ({n}/{total})", 300)
    return messages
