"""Match new stories against every active watch once, and queue one alert per user and story.

Alerts go through the outbox (kind "alert", a direct message) with the idempotency key
`alert:{platform}:{workspace}:{user}:{story_id}`, so re-running on the same stories changes
nothing. A user gets at most `daily_cap` instant alerts per UTC day; the rest collapse into one
"and N more" delivery per day. Daily-mode watches feed one roll-up per user per day, sent at the
next 08:00 UTC.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from core.document import Document, Section, SourceLink, StoryCard, story_ref
from digest.judgement.query import QueryError, StoryFacts, WatchMatcher, parse_query
from storage.db import Database
from storage.models import Delivery, Item, Source, Story, StoryTag, Summary, Watch
from storage.outbox import enqueue
from storage.watches import active_watches

__all__ = [
    "CompiledWatches",
    "WatchIndex",
    "compile_watches",
    "load_facts",
    "plain_cards",
    "queue_alerts",
    "DAILY_ROLLUP_AT",
]

log = logging.getLogger(__name__)

DAILY_ROLLUP_AT = time(8, 0)  # UTC: users' own zones are not known
_MAX_MATCH_TEXT = 20_000  # characters of item text per story that watches look at
_ROLLUP_CARDS = 20


@dataclass
class CompiledWatches:
    """A matcher plus the watches it was built from, by id."""

    matcher: WatchMatcher
    watches: dict[int, Watch]


def compile_watches(watches: Iterable[Watch]) -> CompiledWatches:
    """Parse every watch once and build one matcher; unparsable stored queries are skipped."""
    pairs, by_id = [], {}
    for watch in watches:
        if watch.id is None:
            continue
        try:
            pairs.append((watch.id, parse_query(watch.query)))
        except QueryError as exc:  # stored before a grammar change: skip, never crash a poll
            log.warning("watch %s has an invalid query: %s", watch.id, exc.message)
            continue
        by_id[watch.id] = watch
    return CompiledWatches(WatchMatcher.build(pairs), by_id)


class WatchIndex:
    """The compiled watches, rebuilt only when the set of active watches changes.

    Hold one per process (the scheduler's alert tick) and pass it to `queue_alerts`: with many
    watches, parsing and building the automaton costs seconds, matching a poll's stories does not.
    """

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._compiled: CompiledWatches | None = None
        self.rebuilds = 0

    def compiled(self, session: Session) -> CompiledWatches:
        """The current matcher; a cheap aggregate over active watch ids detects any change."""
        active = col(Watch.active).is_(True)
        key = tuple(
            session.execute(
                sa_select(
                    func.count(),
                    func.max(Watch.id),
                    func.sum(Watch.id),
                    func.max(Watch.created_at),  # SQLite may reuse a deleted row's id
                    func.sum(func.length(Watch.query)),
                ).where(active)
            ).one()
        )
        if self._compiled is None or key != self._key:
            self._compiled = compile_watches(active_watches(session))
            self._key = key
            self.rebuilds += 1
        return self._compiled


def load_facts(
    session: Session, story_ids: Sequence[int], *, with_sources: bool = True
) -> list[StoryFacts]:
    """What watches match against: headline, item titles and texts, tags and source keys
    (skip the sources when no query has a `source:` filter)."""
    if not story_ids:
        return []
    heads = session.exec(select(Story.id, Story.headline).where(col(Story.id).in_(story_ids)))
    texts: dict[int, list[str]] = {sid: [h] for sid, h in heads if sid is not None}
    for story_id, title, text in session.exec(
        select(Item.story_id, Item.title, Item.text).where(col(Item.story_id).in_(story_ids))
    ):
        if story_id in texts:
            texts[story_id] += (title, text[:_MAX_MATCH_TEXT])
    sources: dict[int, set[str]] = defaultdict(set)
    if with_sources:
        for story_id, url, source_name in session.exec(
            select(Item.story_id, Item.url, Source.name)
            .join(Source, col(Source.id) == col(Item.source_id))
            .where(col(Item.story_id).in_(story_ids))
        ):
            if story_id in texts:
                sources[story_id].update(StoryFacts.source_keys(source_name, url))
    topics: dict[int, set[str]] = defaultdict(set)
    juris: dict[int, set[str]] = defaultdict(set)
    tag_rows = session.exec(  # plain columns: ORM objects cost more than the query
        select(StoryTag.story_id, StoryTag.kind, StoryTag.slug).where(
            col(StoryTag.story_id).in_(story_ids)
        )
    ).all()
    for story_id, kind, slug in tag_rows:
        (topics if kind == "topic" else juris)[story_id].add(slug)
    return [
        StoryFacts(
            story_id=sid,
            text="\n".join(t for t in parts if t),
            topics=frozenset(topics[sid]),
            jurisdictions=frozenset(juris[sid]),
            sources=frozenset(sources[sid]),
        )
        for sid, parts in texts.items()
    ]


def plain_cards(session: Session, story_ids: Sequence[int]) -> dict[int, StoryCard]:
    """Plain story cards (cached summary when there is one, else the first item's opening)."""
    if not story_ids:
        return {}
    stories = {
        s.id: s for s in session.exec(select(Story).where(col(Story.id).in_(story_ids))).all()
    }
    items = session.exec(
        select(Item, Source.name)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(col(Item.story_id).in_(story_ids))
        .order_by(col(Item.published_at))
    ).all()
    by_story: dict[int, list[tuple[Item, str]]] = defaultdict(list)
    for item, name in items:
        if item.story_id is not None:
            by_story[item.story_id].append((item, name))
    hashes = {s.content_hash for s in stories.values() if s.content_hash}
    summaries: dict[str, str] = {}
    if hashes:
        for row in session.exec(select(Summary).where(col(Summary.content_hash).in_(hashes))):
            summaries.setdefault(row.content_hash, row.text)
    tags: dict[int, list[StoryTag]] = defaultdict(list)
    for tag in session.exec(select(StoryTag).where(col(StoryTag.story_id).in_(story_ids))).all():
        tags[tag.story_id].append(tag)
    cards = {}
    for sid, story in stories.items():
        if sid is None:
            continue
        its = by_story.get(sid, [])
        summary = summaries.get(story.content_hash) or _opening(its[0][0].text if its else "")
        cards[sid] = StoryCard(
            id=sid,
            headline=story.headline,
            summary=summary,
            sources=[
                SourceLink(name=name, title=item.title, url=item.url)
                for item, name in its
                if item.url and item.url.startswith(("http://", "https://"))
            ],
            topics=sorted(t.slug for t in tags[sid] if t.kind == "topic"),
            jurisdictions=sorted(t.slug for t in tags[sid] if t.kind == "jurisdiction"),
            published_at=story.last_seen_at.astimezone(UTC).isoformat(),
        )
    return cards


def _opening(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def _user_key(watch: Watch) -> tuple[str, str, str]:
    return (watch.platform, watch.workspace, watch.user_id)


def _alerts_today(session: Session, user: tuple[str, str, str], day_start: datetime) -> int:
    platform, workspace, user_id = user
    stmt = select(func.count()).where(
        Delivery.kind == "alert",
        Delivery.platform == platform,
        Delivery.workspace == workspace,
        Delivery.target == user_id,
        col(Delivery.idempotency_key).startswith("alert:"),
        col(Delivery.created_at) >= day_start,
    )
    return int(session.exec(stmt).one())


def _already_alerted(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    stmt = select(Delivery.idempotency_key).where(col(Delivery.idempotency_key).in_(keys))
    return set(session.exec(stmt).all())


def _next_rollup(now: datetime) -> datetime:
    due = datetime.combine(now.astimezone(UTC).date(), DAILY_ROLLUP_AT, tzinfo=UTC)
    return due if due > now else due + timedelta(days=1)


def queue_alerts(
    db: Database,
    matcher_or_watches: CompiledWatches | WatchIndex | Iterable[Watch] | None,
    new_story_ids: Sequence[int],
    now: datetime,
    daily_cap: int = 20,
) -> int:
    """Match the new stories once and queue alerts; returns how many deliveries were written.

    Pass a WatchIndex (kept across polls; rebuilt when watches change), a CompiledWatches, a
    list of Watch rows, or None to load and compile every active watch now.
    """
    if not new_story_ids:
        return 0
    with db.session() as session:
        if isinstance(matcher_or_watches, CompiledWatches):
            compiled = matcher_or_watches
        elif isinstance(matcher_or_watches, WatchIndex):
            compiled = matcher_or_watches.compiled(session)
        else:
            watches = active_watches(session) if matcher_or_watches is None else matcher_or_watches
            compiled = compile_watches(watches)
        if not compiled.watches:
            return 0
        # user -> story -> "instant" wins over "daily" when both kinds of watch match
        wanted: dict[tuple[str, str, str], dict[int, str]] = defaultdict(dict)
        watch_of: dict[tuple[tuple[str, str, str], int], int] = {}
        for facts in load_facts(session, list(dict.fromkeys(new_story_ids))):
            for watch_id in compiled.matcher.match(facts):
                watch = compiled.watches.get(watch_id)
                if watch is None or not watch.active:
                    continue
                user = _user_key(watch)
                mode = "instant" if watch.mode != "daily" else "daily"
                if wanted[user].get(facts.story_id) != "instant":
                    wanted[user][facts.story_id] = mode
                    watch_of[(user, facts.story_id)] = watch_id
        if not wanted:
            return 0
        all_ids = sorted({sid for stories in wanted.values() for sid in stories})
        cards = plain_cards(session, all_ids)
        written = 0
        for user, stories in wanted.items():
            written += _queue_for_user(session, user, stories, watch_of, cards, now, daily_cap)
        return written


def _queue_for_user(
    session: Session,
    user: tuple[str, str, str],
    stories: dict[int, str],
    watch_of: dict[tuple[tuple[str, str, str], int], int],
    cards: dict[int, StoryCard],
    now: datetime,
    daily_cap: int,
) -> int:
    platform, workspace, user_id = user
    keys = {sid: f"alert:{platform}:{workspace}:{user_id}:{sid}" for sid in stories}
    done = _already_alerted(session, list(keys.values()))
    day_start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    sent_today = _alerts_today(session, user, day_start)
    written, overflow, daily = 0, [], []
    for sid in sorted(stories):
        if keys[sid] in done or sid not in cards:
            continue
        if stories[sid] == "daily":
            daily.append(sid)
            continue
        if sent_today >= daily_cap:
            overflow.append(sid)
            continue
        doc = Document(
            kind="alert",
            title=f"Watch match: {cards[sid].headline}",
            intro=f"Your watch #{watch_of[(user, sid)]} matched a new story.",
            sections=[Section(stories=[cards[sid]])],
            footer=["Manage your watches with /watch list and /watch remove <id>."],
        )
        new = _queue_dm(
            session,
            keys[sid],
            user,
            doc,
            due=now,
            now=now,
            watch_id=watch_of[(user, sid)],
            story_id=sid,
        )
        written += new
        sent_today += new
    if overflow:
        written += _overflow(session, user, overflow, cards, now, day_start)
    if daily:
        written += _rollup(session, user, daily, cards, now)
    return written


def _extend_pending(session: Session, key: str) -> Delivery | None:
    return session.exec(select(Delivery).where(Delivery.idempotency_key == key)).first()


def _overflow(
    session: Session,
    user: tuple[str, str, str],
    story_ids: list[int],
    cards: dict[int, StoryCard],
    now: datetime,
    day_start: datetime,
) -> int:
    """One "and N more" delivery per user and day, extended while it is still pending."""
    key = f"alert-overflow:{':'.join(user)}:{day_start.date().isoformat()}"
    existing = _extend_pending(session, key)
    if existing is not None and existing.status != "pending":
        # already sent today: a second overflow notice the same day would be noise
        return 0
    refs = [f"{story_ref(s)} {cards[s].headline}" for s in story_ids]
    if existing is not None:
        doc = Document.from_json(existing.payload)
        lines = doc.sections[0].lines if doc.sections else []
        seen = set(lines)
        lines.extend(r for r in refs if r not in seen)
        n = len(lines)
        doc.title = f"and {n} more watch {'match' if n == 1 else 'matches'} today"
        existing.payload = doc.to_json()
        session.add(existing)
        return 0
    n = len(refs)
    doc = Document(
        kind="alert",
        title=f"and {n} more watch {'match' if n == 1 else 'matches'} today",
        intro="You reached today's alert limit; these matched too.",
        sections=[Section(lines=refs)],
    )
    return _queue_dm(session, key, user, doc, due=now, now=now)


def _rollup(
    session: Session,
    user: tuple[str, str, str],
    story_ids: list[int],
    cards: dict[int, StoryCard],
    now: datetime,
) -> int:
    """Daily-mode matches: one roll-up per user, due at the next 08:00 UTC."""
    due = _next_rollup(now)
    key = f"alert-daily:{':'.join(user)}:{due.date().isoformat()}"
    existing = _extend_pending(session, key)
    if existing is not None and existing.status != "pending":
        return 0
    doc = (
        Document.from_json(existing.payload)
        if existing is not None
        else Document(kind="alert", title="Your daily watch matches", sections=[Section()])
    )
    section = doc.sections[0]
    have = {c.id for c in section.stories}
    for sid in story_ids:
        if sid in have:
            continue
        if len(section.stories) < _ROLLUP_CARDS:
            section.stories.append(cards[sid])
        else:
            section.lines.append(f"{story_ref(sid)} {cards[sid].headline}")
    if existing is not None:
        existing.payload = doc.to_json()
        session.add(existing)
        return 0
    return _queue_dm(session, key, user, doc, due=due, now=now)


def _queue_dm(
    session: Session,
    key: str,
    user: tuple[str, str, str],
    doc: Document,
    *,
    due: datetime,
    now: datetime,
    watch_id: int | None = None,
    story_id: int | None = None,
) -> int:
    """Write one alert DM to the outbox unless its key exists; 1 when it was new."""
    platform, workspace, user_id = user
    delivery = Delivery(
        idempotency_key=key,
        kind="alert",
        platform=platform,
        workspace=workspace,
        target=user_id,
        direct=True,
        payload=doc.to_json(),
        next_attempt_at=due,
        created_at=now,
        watch_id=watch_id,
        story_id=story_id,
    )
    return int(enqueue(session, delivery))
