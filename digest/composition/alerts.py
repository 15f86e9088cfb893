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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from core.alerts import AlertState
from core.document import Document, Section, StoryCard, story_ref
from core.outbox import NewDelivery
from core.stories import StoryMatchText
from core.watches import WatchOwner, WatchRecord
from digest.judgement.query import QueryError, StoryFacts, WatchMatcher, parse_query
from storage.store import Storage
from storage.watches import WatchStore

__all__ = [
    "CardSource",
    "CompiledWatches",
    "WatchIndex",
    "compile_watches",
    "story_facts",
    "queue_alerts",
    "DAILY_ROLLUP_AT",
]

log = logging.getLogger(__name__)

DAILY_ROLLUP_AT = time(8, 0)  # UTC: users' own zones are not known
_MAX_MATCH_TEXT = 20_000  # characters of item text per story that watches look at
_ROLLUP_CARDS = 20

CardSource = Callable[[Sequence[int]], Mapping[int, StoryCard]]
"""Story cards by id (`Cards.read`): an alert shows the card /brief shows."""


@dataclass(frozen=True)
class CompiledWatches:
    """A matcher plus the watches it was built from, by id."""

    matcher: WatchMatcher
    watches: Mapping[int, WatchRecord]


def compile_watches(watches: Iterable[WatchRecord]) -> CompiledWatches:
    """Parse every watch once and build one matcher; unparsable stored queries are skipped."""
    pairs, by_id = [], {}
    for watch in watches:
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

    def compiled(self, watches: WatchStore) -> CompiledWatches:
        """The current matcher; a cheap aggregate over active watches detects any change."""
        key = watches.fingerprint()
        if self._compiled is None or key != self._key:
            self._compiled = compile_watches(watches.active())
            self._key = key
            self.rebuilds += 1
        return self._compiled


def story_facts(stories: Iterable[StoryMatchText]) -> list[StoryFacts]:
    """What watches match: the stored texts (each item's first 20,000 characters), tags,
    source keys and the articles' hosts."""
    return [StoryFacts.of(s, _MAX_MATCH_TEXT) for s in stories]


def _next_rollup(now: datetime) -> datetime:
    due = datetime.combine(now.astimezone(UTC).date(), DAILY_ROLLUP_AT, tzinfo=UTC)
    return due if due > now else due + timedelta(days=1)


def _alert_key(user: WatchOwner, story_id: int) -> str:
    return f"alert:{':'.join(user)}:{story_id}"


def _overflow_key(user: WatchOwner, day_start: datetime) -> str:
    return f"alert-overflow:{':'.join(user)}:{day_start.date().isoformat()}"


def _rollup_key(user: WatchOwner, now: datetime) -> str:
    return f"alert-daily:{':'.join(user)}:{_next_rollup(now).date().isoformat()}"


def _more_title(n: int) -> str:
    return f"and {n} more watch {'match' if n == 1 else 'matches'} today"


@dataclass
class _Plan:
    """What the alert step writes: new deliveries, and new payloads of pending ones."""

    new: list[NewDelivery] = field(default_factory=list)
    payloads: dict[str, str] = field(default_factory=dict)

    def dm(
        self,
        key: str,
        user: WatchOwner,
        doc: Document,
        *,
        due: datetime,
        now: datetime,
        watch_id: int | None = None,
        story_id: int | None = None,
    ) -> None:
        platform, workspace, user_id = user
        self.new.append(
            NewDelivery(
                key=key,
                kind="alert",
                platform=platform,
                workspace=workspace,
                target=user_id,
                payload=doc.to_json(),
                next_attempt_at=due,
                direct=True,
                watch_id=watch_id,
                story_id=story_id,
                created_at=now,
            )
        )


@dataclass(frozen=True)
class _Matches:
    """Each user's matched stories ("instant" wins over "daily") and the watch that matched."""

    wanted: Mapping[WatchOwner, Mapping[int, str]]
    watch_of: Mapping[tuple[WatchOwner, int], int]


def _match(compiled: CompiledWatches, facts: Iterable[StoryFacts]) -> _Matches:
    wanted: dict[WatchOwner, dict[int, str]] = defaultdict(dict)
    watch_of: dict[tuple[WatchOwner, int], int] = {}
    for story in facts:
        for watch_id in compiled.matcher.match(story):
            watch = compiled.watches.get(watch_id)
            if watch is None:
                continue
            mode = "instant" if watch.mode != "daily" else "daily"
            if wanted[watch.owner].get(story.story_id) != "instant":
                wanted[watch.owner][story.story_id] = mode
                watch_of[(watch.owner, story.story_id)] = watch_id
    return _Matches(dict(wanted), watch_of)


def _plan_user(
    plan: _Plan,
    user: WatchOwner,
    matches: _Matches,
    cards: Mapping[int, StoryCard],
    state: AlertState,
    now: datetime,
    daily_cap: int,
) -> None:
    day_start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    sent_today = state.sent_today.get(user, 0)
    stories = matches.wanted[user]
    overflow, daily = [], []
    for sid in sorted(stories):
        key = _alert_key(user, sid)
        if key in state.queued or sid not in cards:
            continue
        if stories[sid] == "daily":
            daily.append(sid)
            continue
        if sent_today >= daily_cap:
            overflow.append(sid)
            continue
        watch_id = matches.watch_of[(user, sid)]
        doc = Document(
            kind="alert",
            title=f"Watch match: {cards[sid].headline}",
            intro=f"Your watch #{watch_id} matched a new story.",
            sections=[Section(stories=[cards[sid]])],
            footer=["Manage your watches with /watch list and /watch remove <id>."],
        )
        plan.dm(key, user, doc, due=now, now=now, watch_id=watch_id, story_id=sid)
        sent_today += 1
    if overflow:
        _overflow(plan, user, overflow, cards, state, now, _overflow_key(user, day_start))
    if daily:
        _rollup(plan, user, daily, cards, state, now)


def _overflow(
    plan: _Plan,
    user: WatchOwner,
    story_ids: list[int],
    cards: Mapping[int, StoryCard],
    state: AlertState,
    now: datetime,
    key: str,
) -> None:
    """One "and N more" delivery per user and day, extended while it is still pending."""
    existing = state.queued.get(key)
    if existing is not None and existing.status != "pending":
        # already sent today: a second overflow notice the same day would be noise
        return
    refs = [f"{story_ref(s)} {cards[s].headline}" for s in story_ids]
    if existing is not None:
        doc = Document.from_json(existing.payload)
        lines = doc.sections[0].lines if doc.sections else []
        seen = set(lines)
        lines.extend(r for r in refs if r not in seen)
        doc.title = _more_title(len(lines))
        plan.payloads[key] = doc.to_json()
        return
    doc = Document(
        kind="alert",
        title=_more_title(len(refs)),
        intro="You reached today's alert limit; these matched too.",
        sections=[Section(lines=refs)],
    )
    plan.dm(key, user, doc, due=now, now=now)


def _rollup(
    plan: _Plan,
    user: WatchOwner,
    story_ids: list[int],
    cards: Mapping[int, StoryCard],
    state: AlertState,
    now: datetime,
) -> None:
    """Daily-mode matches: one roll-up per user, due at the next 08:00 UTC."""
    key = _rollup_key(user, now)
    existing = state.queued.get(key)
    if existing is not None and existing.status != "pending":
        return
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
        plan.payloads[key] = doc.to_json()
        return
    plan.dm(key, user, doc, due=_next_rollup(now), now=now)


def queue_alerts(
    store: Storage,
    cards: CardSource,
    watches: CompiledWatches | WatchIndex | None,
    new_story_ids: Sequence[int],
    now: datetime,
    daily_cap: int = 20,
) -> int:
    """Match the new stories once and queue alerts; returns how many deliveries were written.

    Pass a WatchIndex (kept across polls; rebuilt when watches change), a CompiledWatches, or
    None to load and compile every active watch now.
    """
    if not new_story_ids:
        return 0
    if isinstance(watches, CompiledWatches):
        compiled = watches
    elif isinstance(watches, WatchIndex):
        compiled = watches.compiled(store.watches)
    else:
        compiled = compile_watches(store.watches.active())
    if not compiled.watches:
        return 0
    texts = store.stories.match_texts(list(dict.fromkeys(new_story_ids)))
    matches = _match(compiled, story_facts(texts))
    if not matches.wanted:
        return 0
    found = cards(sorted({sid for stories in matches.wanted.values() for sid in stories}))
    day_start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    users = list(matches.wanted)
    keys = [_alert_key(u, sid) for u in users for sid in matches.wanted[u]]
    keys += [_overflow_key(u, day_start) for u in users] + [_rollup_key(u, now) for u in users]
    state = store.alerts.state(keys, users, day_start)
    plan = _Plan()
    for user in users:
        _plan_user(plan, user, matches, found, state, now, daily_cap)
    if not plan.new and not plan.payloads:
        return 0
    return store.alerts.write(plan.new, plan.payloads)
