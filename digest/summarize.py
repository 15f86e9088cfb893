"""Summarizer protocol and the offline extractive summarizer (the LLM one lives in llm.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ItemText", "StoryText", "StorySummary", "Summarizer"]


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


class Summarizer(Protocol):
    """Turns a story into a summary. Implementations must not raise on bad text."""

    name: str
    model: str

    def summarize(self, story: StoryText) -> StorySummary: ...
