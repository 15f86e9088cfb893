"""Stories as readers see them: found by filters, named by users, and read as views that hold
everything a card and a summary need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.query import Query
from core.summaries import SummaryCache
from core.texts import ItemText, StoryText

__all__ = [
    "StoryPick",
    "StoryFind",
    "StoryView",
    "StoryPage",
    "StoryHeadline",
    "StoryMatchText",
]


@dataclass(frozen=True)
class StoryPick:
    """One story as a user named it: a short id (then `story_id` is set) or an item URL."""

    ref: str
    story_id: int | None


@dataclass(frozen=True)
class StoryFind:
    """Stories seen in [since, until] with any of `topics` and any of `jurisdictions` (each filter
    only when given) and every word; the best `limit`."""

    since: datetime
    until: datetime | None = None
    topics: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    limit: int = 8
    query: Query | None = None  # the query language's tree; holds exactly as it does in memory


@dataclass(frozen=True)
class StoryView:
    """A story as cards and summaries read it; items official sources first, then by time."""

    id: int
    headline: str
    last_seen_at: datetime
    content_hash: str
    topics: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    items: tuple[ItemText, ...] = ()  # `url` is "" when an item has none

    def text(self) -> StoryText:
        """What a summarizer reads about this story."""
        return StoryText(self.id, self.headline, self.content_hash, self.items)


@dataclass(frozen=True)
class StoryPage:
    """Stories chosen in one read: pinned ones first, then found ones, with their views and the
    cached summaries a provider asked for."""

    pinned: tuple[int, ...] = ()
    found: tuple[int, ...] = ()
    views: Mapping[int, StoryView] = field(default_factory=dict)
    cache: SummaryCache = field(default_factory=SummaryCache)

    def chosen(self) -> list[StoryView]:
        """The views of the pinned, then the found stories."""
        return [self.views[i] for i in (*self.pinned, *self.found) if i in self.views]


@dataclass(frozen=True)
class StoryHeadline:
    """A story by id and headline (what a notice names), and when it was last seen."""

    id: int
    headline: str
    last_seen_at: datetime


@dataclass(frozen=True)
class StoryMatchText:
    """What watches are matched against, as stored: the headline and item titles and texts,
    tags, and each item's source (name, URL)."""

    story_id: int
    texts: tuple[str, ...]
    topics: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    sources: tuple[tuple[str, str | None], ...] = ()
