"""Selects and orders stories into a Document: a briefing (/brief) or a channel digest.

Summaries come from a `SummaryProvider`: cached per (content hash, summarizer, model) and made on
a miss by the offline extractive summarizer. The LLM-aware provider (digest/llm_summaries.py)
wraps this one and offers the same three methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from core.document import Document, Section, SourceLink, StoryCard
from core.texts import ItemText, StorySummary, StoryText
from digest.writing.summarize import ExtractiveSummarizer, Summarizer
from storage.db import Database
from storage.models import Story
from storage.stories import (
    find_stories,
    stories_by_ids,
    story_items,
    story_tags,
)
from storage.summaries import SummaryKey, get_summaries, put_summary

__all__ = [
    "Provider",
    "SummaryProvider",
    "story_texts",
    "story_cards",
    "compose_brief",
    "compose_digest",
    "OTHER_SECTION",
    "PINNED_SECTION",
]

OTHER_SECTION = "Other"
PINNED_SECTION = "Pinned"


class Provider(Protocol):
    """What composition needs of a summary provider."""

    def summaries_for(self, db: Database, stories: list[StoryText]) -> dict[int, StorySummary]: ...

    def footer_note(self) -> str | None: ...

    def top_line(self, cards: Sequence[StoryCard]) -> str: ...


class SummaryProvider:
    """Cached summaries, made by `summarizer` (extractive by default) on a cache miss."""

    def __init__(self, summarizer: Summarizer | None = None) -> None:
        self.summarizer: Summarizer = summarizer or ExtractiveSummarizer()

    def summaries_for(self, db: Database, stories: list[StoryText]) -> dict[int, StorySummary]:
        """Each story's summary by story id: from the cache, else made now and cached."""
        name, model = self.summarizer.name, self.summarizer.model
        keys = {s.story_id: SummaryKey(s.content_hash, name, model) for s in stories}
        with db.session() as session:
            cached = get_summaries(session, keys.values())
        out: dict[int, StorySummary] = {}
        made: list[tuple[StoryText, StorySummary]] = []
        for story in stories:
            hit = cached.get(keys[story.story_id])
            if hit is not None:
                out[story.story_id] = StorySummary(
                    hit.headline, hit.text, hit.summarizer, hit.model
                )
                continue
            summary = self.summarizer.summarize(story)
            out[story.story_id] = summary
            if story.content_hash:
                made.append((story, summary))
        if made:
            # Insert in one global order: two compositions caching overlapping stories at once
            # (parallel digests, replicas) would otherwise deadlock on PostgreSQL.
            made.sort(key=lambda pair: pair[0].content_hash)
            with db.session() as session:
                for story, summary in made:
                    put_summary(
                        session,
                        keys[story.story_id],
                        headline=summary.headline,
                        text=summary.text,
                        story_id=story.story_id,
                    )
        return out

    def footer_note(self) -> str | None:
        """A short note for the document's footer; the offline summaries need none."""
        return None

    def top_line(self, cards: Sequence[StoryCard]) -> str:
        """One line above the stories: how many, from how many sources."""
        if not cards:
            return "Nothing new in this period."
        sources = {link.name for card in cards for link in card.sources}
        stories = "1 story" if len(cards) == 1 else f"{len(cards)} stories"
        from_ = "1 source" if len(sources) == 1 else f"{len(sources)} sources"
        multi = sum(1 for card in cards if len({s.name for s in card.sources}) > 1)
        tail = f"; {multi} told by several sources" if multi else ""
        return f"{stories} from {from_}{tail}."


def story_texts(session: Session, story_ids: Sequence[int]) -> list[StoryText]:
    """What a summarizer reads about each story (in the order given; missing ids left out)."""
    stories = stories_by_ids(session, story_ids)
    rows = story_items(session, [s.id for s in stories if s.id is not None])
    out = []
    for story in stories:
        assert story.id is not None
        items = tuple(
            ItemText(
                item_id=r.item_id,
                source=r.source_name,
                title=r.title,
                text=r.text,
                url=r.url or "",
                language=r.language,
            )
            for r in rows.get(story.id, [])
        )
        out.append(StoryText(story.id, story.headline, story.content_hash, items))
    return out


def _ordered(slugs: Iterable[str], order: Sequence[str]) -> list[str]:
    rank = {slug: i for i, slug in enumerate(order)}
    return sorted(slugs, key=lambda s: (rank.get(s, len(rank)), s))


def story_cards(
    session: Session,
    stories: Sequence[Story],
    summaries: dict[int, StorySummary],
    *,
    taxonomy: Any = None,
    pinned: Iterable[int] = (),
) -> list[StoryCard]:
    """One card per story: headline, summary, every source (name, item title, item URL), tags."""
    ids = [s.id for s in stories if s.id is not None]
    rows = story_items(session, ids)
    tags = story_tags(session, ids)
    topic_order = list(getattr(taxonomy, "topics", {}) or {})
    place_order = list(getattr(taxonomy, "jurisdictions", {}) or {})
    pinned_ids = set(pinned)
    cards = []
    for story in stories:
        assert story.id is not None
        links: list[SourceLink] = []
        seen: set[tuple[int, str]] = set()
        for r in rows.get(story.id, []):
            # one link per source and URL: a source that re-published keeps one line
            key = (r.source_id, r.url or r.title)
            if key in seen or any(link.name == r.source_name for link in links):
                continue
            seen.add(key)
            url = r.url if r.url and r.url.startswith(("http://", "https://")) else ""
            links.append(SourceLink(name=r.source_name, title=r.title, url=url))
        summary = summaries.get(story.id)
        topics, places = tags.get(story.id, (frozenset(), frozenset()))
        cards.append(
            StoryCard(
                id=story.id,
                headline=story.headline,
                summary=(summary.text or summary.headline) if summary else "",
                sources=links,
                topics=_ordered(topics, topic_order),
                jurisdictions=_ordered(places, place_order),
                published_at=story.last_seen_at.isoformat(),
                pinned=story.id in pinned_ids,
            )
        )
    return cards


def _cards(
    db: Database,
    taxonomy: Any,
    provider: Provider,
    stories: Sequence[Story],
    pinned: Iterable[int] = (),
) -> list[StoryCard]:
    ids = [s.id for s in stories if s.id is not None]
    with db.session() as session:
        texts = story_texts(session, ids)
    summaries = provider.summaries_for(db, texts) if texts else {}
    with db.session() as session:
        return story_cards(session, stories, summaries, taxonomy=taxonomy, pinned=pinned)


def _footer(provider: Provider) -> list[str]:
    note = provider.footer_note()
    return [note] if note else []


def compose_brief(
    db: Database,
    taxonomy: Any,
    provider: Provider,
    *,
    topics: set[str] | frozenset[str] = frozenset(),
    jurisdictions: set[str] | frozenset[str] = frozenset(),
    words: Sequence[str] = (),
    since: datetime,
    now: datetime,
    pinned_ids: Sequence[int] = (),
    limit: int = 8,
    title: str = "Briefing",
) -> Document:
    """The top stories matching the filters in [since, now]: one card per story, pinned first."""
    with db.session() as session:
        pinned = stories_by_ids(session, list(pinned_ids))[:limit]
        rest = find_stories(
            session,
            topics=topics,
            jurisdictions=jurisdictions,
            words=words,
            since=since,
            until=now,
            limit=max(limit - len(pinned), 0),
            exclude_ids=[s.id for s in pinned if s.id is not None],
        )
    chosen = pinned + rest
    cards = _cards(db, taxonomy, provider, chosen, pinned=[s.id for s in pinned if s.id])
    return Document(
        kind="brief",
        title=title,
        intro=provider.top_line(cards),
        sections=[Section(stories=cards)] if cards else [],
        footer=_footer(provider) if cards else [],
    )


def compose_digest(
    db: Database,
    taxonomy: Any,
    provider: Provider,
    *,
    topics: set[str] | frozenset[str] = frozenset(),
    since: datetime,
    now: datetime,
    pinned_ids: Sequence[int] = (),
    limit: int = 20,
    title: str = "Policy digest",
) -> Document | None:
    """A channel digest of stories seen in [since, now], grouped by topic; None when none is new.

    `topics` holds topic and jurisdiction slugs; a story qualifies when it carries any of them
    (empty = everything). A story appears once, under its first topic; "Other" comes last.
    """
    topic_slugs = {s for s in topics if s in getattr(taxonomy, "topics", {})}
    place_slugs = {s for s in topics if s in getattr(taxonomy, "jurisdictions", {})}
    with db.session() as session:
        pinned = stories_by_ids(session, list(pinned_ids))
        pinned_set = [s.id for s in pinned if s.id is not None]
        if topics and not topic_slugs and not place_slugs:
            fresh: list[Story] = []  # only unknown slugs: nothing can match
        elif topic_slugs and place_slugs:
            # either kind qualifies a story: merge the two queries, keep the ranking by recency
            by_id: dict[int, Story] = {}
            found = find_stories(
                session,
                topics=topic_slugs,
                since=since,
                until=now,
                limit=limit,
                exclude_ids=pinned_set,
            ) + find_stories(
                session,
                jurisdictions=place_slugs,
                since=since,
                until=now,
                limit=limit,
                exclude_ids=pinned_set,
            )
            for s in found:
                if s.id is not None:
                    by_id[s.id] = s
            fresh = sorted(by_id.values(), key=lambda s: s.last_seen_at, reverse=True)[:limit]
        else:
            fresh = find_stories(
                session,
                topics=topic_slugs,
                jurisdictions=place_slugs,
                since=since,
                until=now,
                limit=limit,
                exclude_ids=pinned_set,
            )
    if not fresh:
        return None
    cards = _cards(db, taxonomy, provider, pinned + fresh, pinned=pinned_set)
    by_id_card = {c.id: c for c in cards}
    sections: list[Section] = []
    if pinned:
        sections.append(Section(title=PINNED_SECTION, stories=[by_id_card[i] for i in pinned_set]))
    order = [s for s in getattr(taxonomy, "topics", {}) if not topic_slugs or s in topic_slugs]
    order += [s for s in getattr(taxonomy, "topics", {}) if s not in order]
    groups: dict[str, list[StoryCard]] = {}
    for story in fresh:
        assert story.id is not None
        card = by_id_card[story.id]
        first = next((s for s in order if s in card.topics), None)
        groups.setdefault(first or OTHER_SECTION, []).append(card)
    for slug in order:
        if slug in groups:
            label = taxonomy.topics[slug].label if slug in taxonomy.topics else slug
            sections.append(Section(title=label, stories=groups[slug]))
    if OTHER_SECTION in groups:
        sections.append(Section(title=OTHER_SECTION, stories=groups[OTHER_SECTION]))
    return Document(
        kind="digest",
        title=title,
        intro=provider.top_line([by_id_card[s.id] for s in fresh if s.id is not None]),
        sections=sections,
        footer=_footer(provider),
    )
