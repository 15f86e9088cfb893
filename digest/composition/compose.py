"""Selects and orders stories into a Document: a briefing (/brief) or a channel digest.

Each document is one storage read (the chosen stories' views with their cached summaries, and
the channel's pins when asked) and, only when summaries had to be made, one write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.document import Document, Section, StoryCard
from core.query import Query
from core.stories import StoryFind, StoryPage, StoryView
from core.subscriptions import Channel
from core.summaries import top_line_key
from digest.composition.cards import Cards
from digest.judgement.classify import Taxonomy
from digest.writing.provider import Provider, Summaries
from storage.store import Storage

__all__ = [
    "compose_brief",
    "compose_brief_page",
    "compose_digest",
    "OTHER_SECTION",
    "PINNED_SECTION",
]

OTHER_SECTION = "Other"
PINNED_SECTION = "Pinned"


def _footer(provider: Provider, summaries: Summaries) -> list[str]:
    note = provider.footer_note(summaries)
    return [note] if note else []


def _intro(
    provider: Provider, cards: Sequence[StoryCard], views: Sequence[StoryView], page: StoryPage
) -> str:
    key = top_line_key(v.id for v in views)
    return provider.top_line(cards, key, page.cache)


def compose_brief(
    store: Storage,
    taxonomy: Taxonomy,
    provider: Provider,
    *,
    topics: set[str] | frozenset[str] = frozenset(),
    jurisdictions: set[str] | frozenset[str] = frozenset(),
    words: Sequence[str] = (),
    since: datetime,
    now: datetime,
    channel: Channel | None = None,
    pinned_ids: Sequence[int] = (),
    limit: int = 8,
    title: str = "Briefing",
) -> Document:
    """The top stories matching the filters in [since, now]: one card per story, the channel's
    pins (and `pinned_ids`) first."""
    return compose_brief_page(
        store,
        taxonomy,
        provider,
        topics=topics,
        jurisdictions=jurisdictions,
        words=words,
        since=since,
        now=now,
        channel=channel,
        pinned_ids=pinned_ids,
        limit=limit,
        title=title,
    )[0]


def compose_brief_page(
    store: Storage,
    taxonomy: Taxonomy,
    provider: Provider,
    *,
    query: Query | None = None,
    topics: set[str] | frozenset[str] = frozenset(),
    jurisdictions: set[str] | frozenset[str] = frozenset(),
    words: Sequence[str] = (),
    since: datetime,
    now: datetime,
    channel: Channel | None = None,
    pinned_ids: Sequence[int] = (),
    limit: int = 8,
    offset: int = 0,
    title: str = "Briefing",
) -> tuple[Document, bool]:
    """One page of a brief (pins lead the first), and whether another page follows: the
    stories `query` (and the filters) match in [since, now], best first, `offset` skipped."""
    find = StoryFind(
        since=since,
        until=now,
        topics=frozenset(topics),
        jurisdictions=frozenset(jurisdictions),
        words=tuple(words),
        limit=limit + 1,  # one more than shown tells whether there is a next page
        query=query,
        offset=offset,
    )
    page = store.stories.brief(
        find, provider.lookup(), channel=channel, now=now, pinned_ids=pinned_ids
    )
    chosen = page.chosen()
    more = len(chosen) > limit
    views = chosen[:limit]
    cards = Cards(store, taxonomy, provider)
    summaries = cards.summarise(views, page.cache)
    made = cards.make(views, summaries, page.pinned)
    doc = Document(
        kind="brief",
        title=title,
        intro=_intro(provider, made, views, page),
        sections=[Section(stories=made)] if made else [],
        footer=_footer(provider, summaries) if made else [],
    )
    return doc, more


def _finds(
    taxonomy: Taxonomy,
    slugs: frozenset[str],
    since: datetime,
    now: datetime,
    limit: int,
    query: Query | None = None,
) -> list[StoryFind]:
    """A story qualifies when it carries any of the topic or jurisdiction slugs: one find per
    kind when both are given (the page merges them), none when no slug is known. A `query`
    (the channel's filters in the query language) decides alone."""
    if query:
        return [StoryFind(since=since, until=now, limit=limit, query=query)]
    topics = frozenset(s for s in slugs if s in taxonomy.topics)
    places = frozenset(s for s in slugs if s in taxonomy.jurisdictions)
    if slugs and not topics and not places:
        return []
    if topics and places:
        return [
            StoryFind(since=since, until=now, topics=topics, limit=limit),
            StoryFind(since=since, until=now, jurisdictions=places, limit=limit),
        ]
    return [StoryFind(since=since, until=now, topics=topics, jurisdictions=places, limit=limit)]


def compose_digest(
    store: Storage,
    taxonomy: Taxonomy,
    provider: Provider,
    *,
    topics: set[str] | frozenset[str] = frozenset(),
    since: datetime,
    now: datetime,
    channel: Channel | None = None,
    pinned_ids: Sequence[int] = (),
    limit: int = 20,
    title: str = "Policy digest",
    query: Query | None = None,
) -> Document | None:
    """A channel digest of stories seen in [since, now], grouped by topic; None when none is new.

    `topics` holds topic and jurisdiction slugs; a story qualifies when it carries any of them
    (empty = everything). A story appears once, under its first topic; "Other" comes last.
    """
    slugs = frozenset(topics)
    finds = _finds(taxonomy, slugs, since, now, limit, query)
    if not finds:
        return None  # only unknown slugs: nothing can match
    page = store.stories.digest(
        finds, provider.lookup(), channel=channel, now=now, pinned_ids=pinned_ids
    )
    if not page.found:
        return None
    views = page.chosen()
    cards = Cards(store, taxonomy, provider)
    summaries = cards.summarise(views, page.cache)
    by_id = {card.id: card for card in cards.make(views, summaries, page.pinned)}
    sections: list[Section] = []
    if page.pinned:
        sections.append(Section(title=PINNED_SECTION, stories=[by_id[i] for i in page.pinned]))
    wanted = [s for s in taxonomy.topics if s in slugs]
    order = wanted or list(taxonomy.topics)
    order += [s for s in taxonomy.topics if s not in order]
    groups: dict[str, list[StoryCard]] = {}
    for story_id in page.found:
        card = by_id[story_id]
        first = next((s for s in order if s in card.topics), None)
        groups.setdefault(first or OTHER_SECTION, []).append(card)
    for slug in order:
        if slug in groups:
            sections.append(Section(title=taxonomy.topics[slug].label, stories=groups[slug]))
    if OTHER_SECTION in groups:
        sections.append(Section(title=OTHER_SECTION, stories=groups[OTHER_SECTION]))
    fresh = [page.views[i] for i in page.found]
    return Document(
        kind="digest",
        title=title,
        intro=_intro(provider, [by_id[v.id] for v in fresh], fresh, page),
        sections=sections,
        footer=_footer(provider, summaries),
    )
