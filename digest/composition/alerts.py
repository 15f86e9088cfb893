"""Match new stories against every watch once, and queue one batched message per person.

A poll's new matches for one person go out as ONE direct message (kind "alert") listing every
story under the query of the watch that found it: up to ten lines, then "and N more: /watch test
<query>". Each (person, story) pair is recorded in storage with the message that told it, in the
same transaction as the message, so a story is told at most once, whatever polls, edits or
replicas do.

Not told, ever: stories published before the watch was saved (the reply to /watch offers
/watch test for those) and a source's backlog (items published before the source was added;
an undated entry takes its fetch time as its date, so it counts as new). Instant matches past
the person's daily cap are recorded but not sent, and the message that reaches the cap says so
and how to narrow the watch. Daily-mode watches feed one roll-up per person and slot, due at
the watch's local time in its zone (08:00 in the workspace default zone unless chosen).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Protocol

from core.alerts import AlertedStory, AlertState, StoryAge
from core.document import Document, Section, StoryCard
from core.outbox import NewDelivery
from core.stories import StoryMatchText
from core.tenants import Tenant
from core.watches import DEFAULT_DAILY_AT, WatchOwner, WatchRecord
from digest.composition.schedule import next_due, parse_hhmm
from digest.ingest.pipeline import AfterIngest, PollReport
from digest.judgement.query import QueryError, StoryFacts, WatchMatcher, parse_query

if TYPE_CHECKING:
    from storage.store import Storage
    from storage.watches import WatchStore

__all__ = [
    "CardSource",
    "CompiledWatches",
    "WatchIndex",
    "compile_watches",
    "story_facts",
    "queue_alerts",
    "alerts_hook",
    "alert_document",
    "MAX_LINES",
]

log = logging.getLogger(__name__)

MAX_LINES = 10  # story lines in one alert message; the rest are counted per watch
_MAX_MATCH_TEXT = 20_000  # characters of item text per story that watches look at


class CardSource(Protocol):
    """Story cards by id as a tenant sees them (`Cards.read`): an alert shows the card /brief
    shows."""

    def __call__(
        self, story_ids: Sequence[int], tenant: Tenant | None = None
    ) -> Mapping[int, StoryCard]: ...


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

    Hold one per process (the alerts hook keeps one) and pass it to `queue_alerts`: with many
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


# -- the message -----------------------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def alert_document(
    title: str,
    groups: Sequence[tuple[WatchRecord, Sequence[StoryCard]]],
    notes: Sequence[str] = (),
) -> Document:
    """One message for one person: a section per watch, named by its query, its stories as
    linked one-liners; ten lines in all, then "and N more: /watch test <query>" per watch."""
    room = MAX_LINES
    sections = []
    for watch, cards in groups:
        shown = list(cards[: max(room, 0)])
        room -= len(shown)
        hidden = len(cards) - len(shown)
        lines = [f"and {hidden} more: /watch test {watch.query}"] if hidden else []
        sections.append(
            Section(
                title=f"{watch.query}  (watch #{watch.id})",
                stories=shown,
                lines=lines,
                style="list",
            )
        )
    return Document(
        kind="alert",
        title=title,
        sections=sections,
        footer=[
            *notes,
            "Your watches: /watch list · stop one for a while: /watch pause <id>",
        ],
    )


def _cap_note(cap: int, left_out: int) -> str:
    return (
        f"You reached today's limit of {cap} alerts; "
        f"{_plural(left_out, 'more match was', 'more matches were')} not sent. "
        "To narrow a watch, add a word or an -exclusion (try it first with /watch test <query>), "
        "then save it and /watch remove <id> the old one; or /watch pause <id>."
    )


# -- deciding who is told what ------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    story_id: int
    watch: WatchRecord


def _better(a: WatchRecord, b: WatchRecord) -> bool:
    """Instant beats daily; then the older watch."""
    return (a.mode == "daily", a.id) < (b.mode == "daily", b.id)


def _eligible(watch: WatchRecord, age: StoryAge | None) -> bool:
    if age is None or age.backlog:
        return False
    return watch.created_at is None or age.first_published >= watch.created_at


def _match(
    store: Storage, compiled: CompiledWatches, facts: Iterable[StoryFacts]
) -> dict[WatchOwner, dict[int, WatchRecord]]:
    """Each person's matched stories with the best watch that matched, old stories and
    backlog left out."""
    raw: list[tuple[int, WatchRecord]] = []
    for story in facts:
        for watch_id in compiled.matcher.match(story):
            watch = compiled.watches.get(watch_id)
            if watch is not None:
                raw.append((story.story_id, watch))
    if not raw:
        return {}
    ages = store.alerts.story_ages(sorted({sid for sid, _ in raw}))
    wanted: dict[WatchOwner, dict[int, WatchRecord]] = defaultdict(dict)
    for sid, watch in raw:
        if not _eligible(watch, ages.get(sid)):
            continue
        mine = wanted[watch.owner]
        if sid not in mine or _better(watch, mine[sid]):
            mine[sid] = watch
    return dict(wanted)


def _match_as_seen(
    store: Storage,
    compiled: CompiledWatches,
    story_ids: Sequence[int],
    wanted: dict[WatchOwner, dict[int, WatchRecord]],
) -> dict[Tenant, set[int]]:
    """Match again, for each tenant that sees some of these stories only in part (a private
    source of another tenant, a catalogue source it hid), its watches against what it sees;
    `wanted` is corrected in place. Returns those stories per tenant."""
    by_tenant: dict[Tenant, dict[int, WatchRecord]] = defaultdict(dict)
    for watch_id, watch in compiled.watches.items():
        by_tenant[Tenant(watch.owner[0], watch.owner[1])][watch_id] = watch
    partial = store.stories.seen_in_part(list(by_tenant), story_ids)
    for tenant, part in partial.items():
        watches = by_tenant[tenant]
        texts = store.scoped(tenant).stories.match_texts(sorted(part))
        again = _match(store, CompiledWatches(compiled.matcher, watches), story_facts(texts))
        owners = {w.owner for w in watches.values()}
        for owner in owners:
            kept = {s: w for s, w in wanted.get(owner, {}).items() if s not in part}
            kept.update(again.get(owner, {}))
            if kept:
                wanted[owner] = kept
            else:
                wanted.pop(owner, None)
    return partial


def _slot(watch: WatchRecord, now: datetime, default_zone: str) -> datetime:
    at = parse_hhmm(watch.daily_at or DEFAULT_DAILY_AT)
    try:
        return next_due(at, watch.timezone or default_zone, now)
    except Exception:  # a zone the system no longer knows: fall back rather than lose it
        return next_due(at, "UTC", now)


def _rollup_key(user: WatchOwner, slot: datetime) -> str:
    return f"alert-daily:{':'.join(user)}:{slot.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


def _batch_key(user: WatchOwner, story_ids: Sequence[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(story_ids))).encode()).hexdigest()[:16]
    return f"alert:{':'.join(user)}:{digest}"


def _capped_key(user: WatchOwner, now: datetime) -> str:
    return f"alert-capped:{':'.join(user)}:{now.astimezone(UTC).date().isoformat()}"


def _groups(
    items: Sequence[tuple[int, WatchRecord]], cards: Mapping[int, StoryCard]
) -> list[tuple[WatchRecord, list[StoryCard]]]:
    by_watch: dict[int, tuple[WatchRecord, list[StoryCard]]] = {}
    for sid, watch in items:
        if sid in cards:
            by_watch.setdefault(watch.id, (watch, []))[1].append(cards[sid])
    return [by_watch[k] for k in sorted(by_watch)]


@dataclass
class _Plan:
    """What the alert step writes: new messages, new payloads of pending roll-ups, and the
    (person, story) pairs handled."""

    now: datetime
    new: list[NewDelivery] = field(default_factory=list)
    payloads: dict[str, str] = field(default_factory=dict)
    told: list[AlertedStory] = field(default_factory=list)

    def dm(self, key: str, user: WatchOwner, doc: Document, due: datetime) -> None:
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
                created_at=self.now,
            )
        )

    def tell(self, user: WatchOwner, items: Iterable[tuple[int, WatchRecord]], key: str | None):
        self.told += [AlertedStory(user, sid, w.id, key) for sid, w in items]


def _plan_instant(
    plan: _Plan,
    user: WatchOwner,
    items: list[tuple[int, WatchRecord]],
    cards: Mapping[int, StoryCard],
    state: AlertState,
    cap: int,
) -> None:
    room = max(0, cap - state.sent_today.get(user, 0))
    sent, left_out = items[:room], items[room:]
    notes = [_cap_note(cap, len(left_out))] if left_out else []
    if not sent and not left_out:
        return
    # the message that reaches the cap has a key per day: a second one that day is not queued
    key = _capped_key(user, plan.now) if left_out else _batch_key(user, [s for s, _ in sent])
    plan.tell(user, sent, key)
    plan.tell(user, left_out, None)
    if not sent and key in state.queued:
        return  # over the cap again today: told once already
    n = len(sent)
    groups = _groups(sent, cards)
    queries = {w.id for w, _ in groups}
    title = (
        f"{_plural(n, 'new story', 'new stories')} for your "
        + (f"watch “{groups[0][0].query}”" if len(queries) == 1 else "watches")
        if n
        else "Today's alert limit reached"
    )
    plan.dm(key, user, alert_document(title, groups, notes), plan.now)


def _plan_rollups(
    plan: _Plan,
    user: WatchOwner,
    items: list[tuple[int, WatchRecord]],
    found: Mapping[int, StoryCard],
    state: AlertState,
    default_zone: str,
    known: Mapping[int, WatchRecord],
) -> None:
    by_slot: dict[str, tuple[datetime, list[tuple[int, WatchRecord]]]] = {}
    for sid, watch in items:
        slot = _slot(watch, plan.now, default_zone)
        by_slot.setdefault(_rollup_key(user, slot), (slot, []))[1].append((sid, watch))
    for key, (slot, new) in by_slot.items():
        existing = state.queued.get(key)
        if existing is not None and existing.status != "pending":
            plan.tell(user, new, None)  # its time has passed already (a clock step): not told
            continue
        plan.tell(user, new, key)
        held = [
            (sid, known[wid])
            for sid, wid in state.rollup_stories.get(key, ())
            if wid is not None and wid in known
        ]
        everything = held + new
        everything = list({sid: (sid, w) for sid, w in everything}.values())
        doc = alert_document(
            f"Your daily watch matches: {_plural(len(everything), 'story', 'stories')}",
            _groups(everything, found),
        )
        if existing is not None:
            plan.payloads[key] = doc.to_json()
        else:
            plan.dm(key, user, doc, slot)


def queue_alerts(
    store: Storage,
    cards: CardSource,
    watches: CompiledWatches | WatchIndex | None,
    new_story_ids: Sequence[int],
    now: datetime,
    daily_cap: int = 20,
    default_zone: str = "UTC",
) -> int:
    """Match the stories once and queue at most one message per person (plus daily roll-ups);
    returns how many messages were new.

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
    ids = list(dict.fromkeys(new_story_ids))
    wanted = _match(store, compiled, story_facts(store.stories.match_texts(ids)))
    partial = _match_as_seen(store, compiled, ids, wanted)
    if not wanted:
        return 0
    day_start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    users = list(wanted)
    rollup_keys = [
        _rollup_key(u, _slot(w, now, default_zone))
        for u in users
        for w in wanted[u].values()
        if w.mode == "daily"
    ]
    rollup_keys += [_capped_key(u, now) for u in users]
    story_ids = sorted({sid for stories in wanted.values() for sid in stories})
    state = store.alerts.state(users, story_ids, day_start, rollup_keys)
    plan = _Plan(now)
    instant: dict[WatchOwner, list[tuple[int, WatchRecord]]] = {}
    daily: dict[WatchOwner, list[tuple[int, WatchRecord]]] = {}
    for user in users:
        fresh = sorted(
            (sid, w) for sid, w in wanted[user].items() if (user, sid) not in state.handled
        )
        instant[user] = [(s, w) for s, w in fresh if w.mode != "daily"]
        daily[user] = [(s, w) for s, w in fresh if w.mode == "daily"]
    # every card the messages show, in one read (and one per tenant that sees some in part)
    shown = {sid for items in (*instant.values(), *daily.values()) for sid, _ in items}
    shown |= {sid for held in state.rollup_stories.values() for sid, _ in held}
    everyone = cards(sorted(shown))
    theirs = {tenant: cards(sorted(shown), tenant) for tenant, part in partial.items() if part}
    for user in users:
        found = theirs.get(Tenant(user[0], user[1]), everyone)
        _plan_instant(plan, user, instant[user], found, state, daily_cap)
        if daily[user]:
            _plan_rollups(plan, user, daily[user], found, state, default_zone, compiled.watches)
    if not plan.new and not plan.payloads and not plan.told:
        return 0
    return store.alerts.write(plan.new, plan.payloads, plan.told, now)


def alerts_hook(
    store: Storage,
    cards: CardSource,
    *,
    clock: Callable[[], datetime],
    daily_cap: int = 20,
    default_zone: str = "UTC",
    index: WatchIndex | None = None,
    on_queued: Callable[[int], object] | None = None,
) -> AfterIngest:
    """`AfterIngest("alerts", ...)`: the stories a poll's judgement made or changed are matched
    against every watch, and each person's matches are queued as one message in the outbox (a
    running bot, or `policybrief poll` when none runs, sends them)."""
    watches = index or WatchIndex()

    def run(report: PollReport) -> int:
        ids = list(dict.fromkeys(report.new_story_ids + report.changed_story_ids))
        queued = queue_alerts(
            store, cards, watches, ids, clock(), daily_cap=daily_cap, default_zone=default_zone
        )
        log.debug("alerts: %d messages queued for %d stories", queued, len(ids))
        if on_queued is not None:
            on_queued(queued)
        return queued

    return AfterIngest("alerts", run)
