"""Story cards: one function turns a story view and its summary into the card every document
shows (/brief, /pinned, More, digests, alerts), and `Cards` makes them from storage: the views
and their cached summaries in one read, the summaries it had to make in one write."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from core.document import SourceLink, StoryCard
from core.pins import PinRecord
from core.stories import StoryPage, StoryPick, StoryView
from core.subscriptions import Channel
from core.summaries import SummaryCache
from core.tenants import Tenant
from core.texts import StorySummary
from digest.judgement.classify import Taxonomy
from digest.writing.provider import Provider, Summaries
from storage.store import Storage

__all__ = ["ordered", "story_card", "Cards"]


def ordered(slugs: Iterable[str], order: Iterable[str]) -> list[str]:
    """`slugs` in the taxonomy's order (unknown ones last, alphabetically)."""
    rank = {slug: i for i, slug in enumerate(order)}
    return sorted(slugs, key=lambda s: (rank.get(s, len(rank)), s))


def _links(view: StoryView) -> list[SourceLink]:
    """One link per source (its first item; a source that re-published keeps one line); only
    http(s) item URLs become links."""
    links: dict[str, SourceLink] = {}
    for item in view.items:
        if item.source not in links:
            url = item.url if item.url.startswith(("http://", "https://")) else ""
            links[item.source] = SourceLink(name=item.source, title=item.title, url=url)
    return list(links.values())


def story_card(
    view: StoryView, summary: StorySummary | None, taxonomy: Taxonomy, *, pinned: bool = False
) -> StoryCard:
    """The card of a story: headline, summary, every source (name, item title, URL), tags in
    the taxonomy's order."""
    return StoryCard(
        id=view.id,
        headline=view.headline,
        summary=(summary.text or summary.headline) if summary else "",
        sources=_links(view),
        topics=ordered(view.topics, taxonomy.topics),
        jurisdictions=ordered(view.jurisdictions, taxonomy.jurisdictions),
        published_at=view.last_seen_at.astimezone(UTC).isoformat(),
        pinned=pinned,
    )


@dataclass(frozen=True)
class Cards:
    """Cards of stored stories, summarised by the provider."""

    store: Storage
    taxonomy: Taxonomy
    provider: Provider

    def summarise(self, views: Sequence[StoryView], cache: SummaryCache) -> Summaries:
        """The views' summaries; the ones made now are cached in one transaction."""
        summaries = self.provider.summarise([v.text() for v in views], cache)
        if summaries.new:
            self.store.summaries.put(summaries.new)
        return summaries

    def make(
        self, views: Sequence[StoryView], summaries: Summaries, pinned: Collection[int] = ()
    ) -> list[StoryCard]:
        """One card per view, in order."""
        return [
            story_card(v, summaries.by_story.get(v.id), self.taxonomy, pinned=v.id in pinned)
            for v in views
        ]

    def of_page(self, page: StoryPage) -> list[StoryCard]:
        """The cards of a page's stories, pinned ones first and marked."""
        views = page.chosen()
        return self.make(views, self.summarise(views, page.cache), page.pinned)

    def read(
        self, story_ids: Sequence[int], tenant: Tenant | None = None
    ) -> Mapping[int, StoryCard]:
        """Cards of these stories by id (a merged story's card is its survivor's), as `tenant`
        sees them when given."""
        cards = self if tenant is None else replace(self, store=self.store.scoped(tenant))
        page = cards.store.stories.read(story_ids, self.provider.lookup())
        return {card.id: card for card in cards.of_page(page)}

    def read_pick(self, pick: StoryPick) -> StoryCard | None:
        """The card of the story a user named; None when there is no such story."""
        page = self.store.stories.read_pick(pick, self.provider.lookup())
        cards = [] if page is None else self.of_page(page)
        return cards[0] if cards else None

    def pinned(
        self, channel: Channel, now: datetime
    ) -> tuple[tuple[PinRecord, ...], list[StoryCard]]:
        """The channel's unexpired pins, newest first, and their stories' cards."""
        board = self.store.pins.board(channel, now, self.provider.lookup())
        return board.pins, self.of_page(board.page)
