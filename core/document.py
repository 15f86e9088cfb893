"""The neutral message model every renderer reads (console, Slack Block Kit, Discord embeds).

Text fields hold untrusted plain text (feed or model output); renderers escape it for their
platform. Links come only from `SourceLink.url`, which is a stored item URL.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "Choice",
    "SourceLink",
    "StoryCard",
    "Section",
    "Attachment",
    "Document",
    "story_ref",
    "parse_story_ref",
]

_REF_ALPHABET = "0123456789abcdefghijkmnpqrstuvwxyz"  # no "l" or "o": easy to read aloud


def story_ref(story_id: int) -> str:
    """The short id shown on a story card, e.g. 's4k2'."""
    n, out = story_id, ""
    while True:
        n, r = divmod(n, len(_REF_ALPHABET))
        out = _REF_ALPHABET[r] + out
        if n == 0:
            return "s" + out


def parse_story_ref(ref: str) -> int | None:
    """The story id of a short id, or None when it is not one."""
    ref = ref.strip().lower()
    if len(ref) < 2 or len(ref) > 12 or not ref.startswith("s"):
        return None
    n = 0
    for ch in ref[1:]:
        pos = _REF_ALPHABET.find(ch)
        if pos < 0:
            return None
        n = n * len(_REF_ALPHABET) + pos
    return n


@dataclass
class SourceLink:
    """One source that told a story: its name, the item's own headline, and the item URL."""

    name: str
    title: str
    url: str


@dataclass
class StoryCard:
    """One story as shown to a reader."""

    id: int
    headline: str
    summary: str
    sources: list[SourceLink] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    published_at: str = ""  # ISO-8601 UTC of the story's latest item
    pinned: bool = False

    @property
    def ref(self) -> str:
        return story_ref(self.id)


@dataclass
class Section:
    """A titled group of stories and/or plain lines (e.g. one topic of a digest, a watch list)."""

    title: str = ""
    stories: list[StoryCard] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    # "cards": each story in full; "list": one line each (linked headline, source, tags)
    style: str = "cards"


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a document (a chart): its name, media type and bytes.

    Platforms upload it (Slack's files API, a Discord attachment); the console writes it to a
    file and prints the path. `alt` is the text shown where the image cannot be.
    """

    name: str  # a plain file name, e.g. "trend.png"
    media_type: str  # e.g. "image/png"
    data: bytes = b""
    alt: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "media_type": self.media_type,
            "alt": self.alt,
            "data": base64.b64encode(self.data).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Attachment:
        return cls(
            name=data["name"],
            media_type=data["media_type"],
            data=base64.b64decode(data.get("data", "")),
            alt=data.get("alt", ""),
        )


@dataclass(frozen=True)
class Choice:
    """A button that runs one command as the person who clicks it (e.g. "/sources add <url>")."""

    label: str
    command: str


def _card_dict(card: StoryCard) -> dict[str, Any]:
    data = {f.name: getattr(card, f.name) for f in fields(card)}
    data["sources"] = [{"name": s.name, "title": s.title, "url": s.url} for s in card.sources]
    data["topics"] = list(card.topics)
    data["jurisdictions"] = list(card.jurisdictions)
    data["ref"] = story_ref(card.id)
    return data


def _section_dict(sec: Section) -> dict[str, Any]:
    data = {f.name: getattr(sec, f.name) for f in fields(sec)}
    data["stories"] = [_card_dict(c) for c in sec.stories]
    data["lines"] = list(sec.lines)
    return data


@dataclass
class Document:
    """A reply or a post: a title, an optional top line, sections, and short footer notes."""

    kind: str  # "brief" | "digest" | "alert" | "notice" | "help" | "list" | "error"
    title: str
    intro: str = ""
    sections: list[Section] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    images: list[Attachment] = field(default_factory=list)  # charts, in order
    choices: list[Choice] = field(default_factory=list)  # buttons, where the platform has them
    at: str = ""  # ISO-8601 UTC instant the document speaks for (a digest's time), or ""
    # the listed things as fields, for scripts (`chat --json`): e.g. a watch's id, query, mode,
    # created_at, last_match; renderers show the lines, not these
    records: list[dict[str, str | int | None]] = field(default_factory=list)

    def stories(self) -> list[StoryCard]:
        """Every story card, in order."""
        return [s for sec in self.sections for s in sec.stories]

    def to_dict(self) -> dict[str, Any]:
        # by hand rather than dataclasses.asdict: thousands of alerts are serialised per poll
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["sections"] = [_section_dict(sec) for sec in self.sections]
        data["footer"] = list(self.footer)
        data["images"] = [image.to_dict() for image in self.images]
        data["choices"] = [{"label": c.label, "command": c.command} for c in self.choices]
        return data

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        sections = []
        for sec in data.get("sections", []):
            stories = []
            for card in sec.get("stories", []):
                card = {k: v for k, v in card.items() if k != "ref"}
                card["sources"] = [SourceLink(**s) for s in card.get("sources", [])]
                stories.append(StoryCard(**card))
            sections.append(
                Section(
                    title=sec.get("title", ""),
                    stories=stories,
                    lines=sec.get("lines", []),
                    style=sec.get("style", "cards"),
                )
            )
        return cls(
            kind=data["kind"],
            title=data["title"],
            intro=data.get("intro", ""),
            sections=sections,
            footer=list(data.get("footer", [])),
            images=[Attachment.from_dict(i) for i in data.get("images", [])],
            choices=[Choice(**c) for c in data.get("choices", [])],
            at=data.get("at", ""),
            records=[dict(r) for r in data.get("records", [])],
        )

    @classmethod
    def from_json(cls, text: str) -> Document:
        return cls.from_dict(json.loads(text))

    @classmethod
    def notice(cls, title: str, *lines: str) -> Document:
        """A short text-only document."""
        return cls(
            kind="notice", title=title, sections=[Section(lines=list(lines))] if lines else []
        )
