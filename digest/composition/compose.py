"""Selects and orders stories into a Document: a briefing (/brief) or a channel digest.

Each document is one storage read (the chosen stories' views with their cached summaries, and
the channel's pins when asked) and, only when summaries had to be made, one write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from core.deadlines import DeadlineFilter, DeadlineRecord
from core.document import Document, Section, StoryCard
from core.query import Query
from core.stories import StoryFind, StoryPage, StoryView
from core.subscriptions import Channel
from core.summaries import top_line_key
from core.tenants import Tenant
from digest.composition.cards import Cards, story_card
from digest.composition.deadlines import deadline_line
from digest.composition.lead import extractive_lead
from digest.composition.weekchart import week_chart
from digest.judgement.classify import Taxonomy
from digest.judgement.sameevent import OnePage, one_per_event, places_of
from digest.writing.provider import Provider, Summaries, count_line

if TYPE_CHECKING:
    from storage.store import Storage

__all__ = [
    "compose_brief",
    "compose_brief_page",
    "compose_digest",
    "OTHER_SECTION",
    "PINNED_SECTION",
    "TOP_SECTION",
    "ALSO_NOTED_SECTION",
    "DIGEST_SIZE",
    "ALSO_NOTED",
    "COMING_UP_SECTION",
]

OTHER_SECTION = "Other"
PINNED_SECTION = "Pinned"
TOP_SECTION = "Top stories"
ALSO_NOTED_SECTION = "Also noted"
DIGEST_SIZE = 5  # stories shown as cards in a digest (`/digest on ... size:N`, 3 to 15)
ALSO_NOTED = 15  # further stories, one line each
COMING_UP_SECTION = "Coming up"
COMING_UP_DAYS = timedelta(days=14)
COMING_UP_LINES = 5


def _footer(provider: Provider, summaries: Summaries) -> list[str]:
    note = provider.footer_note(summaries)
    return [note] if note else []


def _intro(
    provider: Provider, cards: Sequence[StoryCard], views: Sequence[StoryView], page: StoryPage
) -> str:
    key = top_line_key(v.id for v in views)
    return provider.top_line(cards, key, page.cache)


def _with_folded(
    cards: Sequence[StoryCard], pages: Sequence[OnePage], taxonomy: Taxonomy
) -> list[StoryCard]:
    """Each card with the sources of the stories folded into it added after its own: the
    reader still sees every outlet that told the event."""
    out = []
    for card, page in zip(cards, pages, strict=True):
        sources = list(card.sources)
        for view in page.folded:
            for link in story_card(view, None, taxonomy).sources:
                if link not in sources:  # a few links a card: a scan is enough
                    sources.append(link)
        out.append(replace(card, sources=sources) if len(sources) > len(card.sources) else card)
    return out


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


def _fold_room(stories: int) -> int:
    """Stories read beyond a page's, for those folded into a card above them: about one story
    in fifty is, so a quarter more is ample."""
    return stories // 4 + 1


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
    number: int = 1,
    title: str = "Briefing",
) -> tuple[Document, bool]:
    """Page `number` of a brief, and whether another page follows: the cards of the stories
    `query` (and the filters) match in [since, now], pins first, then best first, `limit` a
    page. Pages count cards, not stories: a story folded into a card above it (one event told
    twice) leaves no gap, and is not shown again on a later page."""
    before = (number - 1) * limit
    find = StoryFind(
        since=since,
        until=now,
        topics=frozenset(topics),
        jurisdictions=frozenset(jurisdictions),
        words=tuple(words),
        # the stories of the earlier pages (their folds decide where this page starts), this
        # page's, room for the few folded into a card, and one more telling whether a page follows
        limit=before + limit + _fold_room(before + limit) + 1,
        query=query,
    )
    page = store.stories.brief(
        find, provider.lookup(), channel=channel, now=now, pinned_ids=pinned_ids
    )
    every = one_per_event(page.chosen(), page.pinned, places_of(taxonomy))
    more = len(every) > before + limit
    pages = every[before : before + limit]
    views = [p.view for p in pages]
    cards = Cards(store, taxonomy, provider)
    summaries = cards.summarise(views, page.cache)
    made = _with_folded(cards.make(views, summaries, page.pinned), pages, taxonomy)
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


def _digest_intro(
    provider: Provider,
    taxonomy: Taxonomy,
    cards: Sequence[StoryCard],
    views: Sequence[StoryView],
    page: StoryPage,
) -> str:
    """The model's top line when it has written one, else an extractive lead."""
    line = _intro(provider, cards, views, page)
    if line and line != count_line(cards):  # the fallback's count line: no model text yet
        return line
    labels = {slug: cat.label for slug, cat in taxonomy.topics.items()}
    return extractive_lead(cards, labels)


def _coming_up(
    store: Storage, taxonomy: Taxonomy, slugs: frozenset[str], now: datetime
) -> list[str]:
    """Deadlines in the next 14 days that match the digest's filters (any of its slugs),
    soonest first, at most five lines."""
    topics = tuple(sorted(s for s in slugs if s in taxonomy.topics))
    places = tuple(sorted(s for s in slugs if s in taxonomy.jurisdictions))
    today = now.date()
    wants = (
        [
            DeadlineFilter(today, COMING_UP_DAYS, topics=topics, limit=COMING_UP_LINES),
            DeadlineFilter(today, COMING_UP_DAYS, jurisdictions=places, limit=COMING_UP_LINES),
        ]
        if topics and places
        else [
            DeadlineFilter(
                today, COMING_UP_DAYS, topics=topics, jurisdictions=places, limit=COMING_UP_LINES
            )
        ]
    )
    found: dict[tuple[int, str, date], DeadlineRecord] = {}
    for want in wants:
        for record in store.deadlines.upcoming(want):
            found.setdefault((record.story_id, record.deadline.kind, record.deadline.start), record)
    soonest = sorted(found.values(), key=lambda r: (r.deadline.start, r.story_id))
    return [deadline_line(r, 120) for r in soonest[:COMING_UP_LINES]]


def compose_digest(
    store: Storage,
    taxonomy: Taxonomy,
    provider: Provider,
    *,
    tenant: Tenant | None = None,
    topics: set[str] | frozenset[str] = frozenset(),
    since: datetime,
    now: datetime,
    channel: Channel | None = None,
    pinned_ids: Sequence[int] = (),
    limit: int = DIGEST_SIZE + ALSO_NOTED,
    size: int = DIGEST_SIZE,
    title: str = "Policy digest",
    query: Query | None = None,
    chart: bool = False,
) -> Document | None:
    """A channel digest of stories seen in [since, now]; None when none is new.

    A lead on the day; the top `size` stories as cards (pinned ones first); then "Also noted",
    one line per further story (up to 15 and `limit` stories in all). `topics` holds topic and
    jurisdiction slugs; a story qualifies when it carries any of them (empty = everything).
    Only the cards are summarised. With a `tenant` (or a `channel`), only the stories its
    sources tell. `chart` (weekly digests): the week's topic-volume chart goes with it as a PNG
    image, unless the week has no story to draw.
    """
    if tenant is None and channel is not None:
        tenant = Tenant(channel[0], channel[1])
    if tenant is not None:
        store = store.scoped(tenant)
    slugs = frozenset(topics)
    total = max(limit, size)
    finds = _finds(taxonomy, slugs, since, now, total, query)
    if not finds:
        return None  # only unknown slugs: nothing can match
    page = store.stories.digest(
        finds, provider.lookup(), channel=channel, now=now, pinned_ids=pinned_ids
    )
    if not page.found:
        return None
    # one card (or line) per event: a later story of a shown event joins its card
    pages = one_per_event(page.chosen(), page.pinned, places_of(taxonomy))
    top_n = max(size, len(page.pinned))
    top_pages = pages[:top_n]
    rest_pages = pages[top_n : min(len(pages), top_n + ALSO_NOTED, total)]
    top, rest = [p.view for p in top_pages], [p.view for p in rest_pages]
    cards = Cards(store, taxonomy, provider)
    summaries = cards.summarise(top, page.cache)
    shown = _with_folded(cards.make(top, summaries, page.pinned), top_pages, taxonomy)
    # one line each: no summary
    noted = _with_folded(cards.make(rest, Summaries(), page.pinned), rest_pages, taxonomy)
    sections = []
    coming = _coming_up(store, taxonomy, slugs, now)
    if coming:
        sections.append(Section(title=COMING_UP_SECTION, lines=coming))
    sections.append(Section(title=TOP_SECTION, stories=shown))
    if noted:
        sections.append(Section(title=ALSO_NOTED_SECTION, stories=noted, style="list"))
    fresh = [c for c in (*shown, *noted) if c.id not in page.pinned]
    image = week_chart(store, taxonomy, slugs=slugs, query=query, now=now) if chart else None
    return Document(
        kind="digest",
        title=title,
        intro=_digest_intro(provider, taxonomy, fresh, [page.views[c.id] for c in fresh], page),
        sections=sections,
        footer=_footer(provider, summaries),
        images=[image] if image else [],
        at=now.astimezone(UTC).isoformat(timespec="seconds"),
    )
