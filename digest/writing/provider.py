"""The summary provider: what composition asks of summaries, and the offline one.

A provider serves summaries from the cache rows storage read with the stories (never waiting on
a model) and makes what it must now; composition writes the rows it made in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.document import StoryCard
from core.summaries import NewSummary, SummaryCache, SummaryKey, SummaryLookup
from core.texts import StorySummary, StoryText
from digest.writing.summarize import ExtractiveSummarizer, Summarizer

__all__ = ["Summaries", "Provider", "SummaryProvider", "count_line"]


@dataclass(frozen=True)
class Summaries:
    """Summaries by story id, and the cache rows made for them that are not stored yet."""

    by_story: Mapping[int, StorySummary] = field(default_factory=dict)
    new: tuple[NewSummary, ...] = ()


class Provider(Protocol):
    """Summaries and top lines for documents, from the cache or made now without a model."""

    def lookup(self) -> SummaryLookup:
        """The cache rows to read with the stories."""
        ...

    def summarise(self, stories: Sequence[StoryText], cache: SummaryCache) -> Summaries:
        """Each story's summary: from `cache`, else made now (its row in `Summaries.new`)."""
        ...

    def top_line(self, cards: Sequence[StoryCard], key: str, cache: SummaryCache) -> str:
        """One line above the cards; `key` is the cache key of a top line over their stories."""
        ...

    def footer_note(self, summaries: Summaries) -> str | None:
        """A short note for the document's footer about how it was summarised, or None."""
        ...


def count_line(cards: Sequence[StoryCard]) -> str:
    """How many stories, from how many sources."""
    if not cards:
        return "Nothing new in this period."
    sources = {link.name for card in cards for link in card.sources}
    stories = "1 story" if len(cards) == 1 else f"{len(cards)} stories"
    from_ = "1 source" if len(sources) == 1 else f"{len(sources)} sources"
    multi = sum(1 for card in cards if len({s.name for s in card.sources}) > 1)
    tail = f"; {multi} told by several sources" if multi else ""
    return f"{stories} from {from_}{tail}."


class SummaryProvider:
    """Cached summaries, made by `summarizer` (extractive by default) on a cache miss."""

    def __init__(self, summarizer: Summarizer | None = None) -> None:
        self.summarizer: Summarizer = summarizer or ExtractiveSummarizer()

    def _key(self, story: StoryText) -> SummaryKey:
        return SummaryKey(story.content_hash, self.summarizer.name, self.summarizer.model)

    def lookup(self) -> SummaryLookup:
        return SummaryLookup(kinds=((self.summarizer.name, self.summarizer.model),))

    def summarise(self, stories: Sequence[StoryText], cache: SummaryCache) -> Summaries:
        by_story: dict[int, StorySummary] = {}
        new: list[NewSummary] = []
        for story in stories:
            hit = cache.rows.get(self._key(story))
            if hit is not None:
                by_story[story.story_id] = StorySummary(
                    hit.headline, hit.text, hit.summarizer, hit.model
                )
                continue
            summary = self.summarizer.summarize(story)
            by_story[story.story_id] = summary
            if story.content_hash:
                new.append(
                    NewSummary(self._key(story), summary.headline, summary.text, story.story_id)
                )
        return Summaries(by_story, tuple(new))

    def top_line(self, cards: Sequence[StoryCard], key: str, cache: SummaryCache) -> str:
        return count_line(cards)

    def footer_note(self, summaries: Summaries) -> str | None:
        """The offline summaries need no note."""
        return None
