"""What summarizers read and write: a story's items as text, and a story's summary."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ItemText", "StoryText", "StorySummary"]


@dataclass(frozen=True)
class ItemText:
    """One item of a story, as the summarizer sees it (cleaned, untrusted text)."""

    item_id: int
    source: str
    title: str
    text: str
    url: str = ""
    language: str | None = None


@dataclass(frozen=True)
class StoryText:
    """Everything a summarizer may read about one story."""

    story_id: int
    headline: str
    content_hash: str
    items: tuple[ItemText, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StorySummary:
    """A story's summary: one-sentence headline summary and a short body."""

    headline: str
    text: str
    summarizer: str  # "extractive" | "llm"
    model: str = ""
