"""The digest step: compose every due channel digest and queue it in the outbox, exactly once.

For each due subscription the outbox row (key `digest:{subscription_id}:{local_date}`) is written
in the same transaction that advances `next_due_at`, so a crash either leaves the digest due (and
it is redone, harmlessly, under the same key) or queued and scheduled for the next day.

The step runs on the event loop and sends only storage calls and compositions to worker threads,
because the LLM worker is async: a batch awaits the model on the loop itself (a first composition
picks the stories and queues those without an LLM summary; the document posted is composed after
the worker wrote them), so no thread ever blocks waiting on the loop. A digest may wait, bounded,
for the model; commands never do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.document import Document, Section
from core.outbox import NewDelivery
from core.query import Query
from core.subscriptions import DigestPin, DigestWrite, DueBatch, SubscriptionRecord, WriteOutcome
from core.tenants import Tenant
from digest.composition.schedule import next_due, parse_hhmm
from digest.judgement.query import QueryError, parse_query
from digest.writing.llm_summaries import SummaryWorker, fill_then_recompose
from storage.claims import new_owner
from storage.store import Storage

__all__ = [
    "LATE_LIMIT",
    "FIRST_DIGEST_WINDOW",
    "DigestOutcome",
    "DigestRunReport",
    "Compose",
    "digest_key",
    "digest_title",
    "quiet_document",
    "run_due_digests",
]

log = logging.getLogger("policybrief.digests")

LATE_LIMIT = timedelta(hours=12)  # a digest later than this after downtime is skipped, with a note
FIRST_DIGEST_WINDOW = timedelta(hours=24)  # what the first digest of a channel covers
MAX_WINDOW = timedelta(days=7)  # never reach further back than this, whatever was missed
LATE_FOOTER_AFTER = timedelta(minutes=15)
RETRY_AFTER_ERROR = timedelta(minutes=10)
_WRITE_CHUNK = 50  # subscriptions whose schedule and outbox rows commit in one transaction


class Compose(Protocol):
    """A channel digest of the stories seen in [since, now]; None when nothing is new
    (`compose_digest` bound to its database, taxonomy and summary provider)."""

    def __call__(
        self,
        *,
        tenant: Tenant | None = None,
        topics: frozenset[str],
        since: datetime,
        now: datetime,
        pinned_ids: tuple[int, ...],
        limit: int,
        title: str,
        query: Query | None = None,
        size: int = 5,
        chart: bool = False,
    ) -> Document | None: ...


@dataclass(frozen=True)
class DigestOutcome:
    """What happened to one due subscription in a run."""

    subscription_id: int
    action: str  # queued | duplicate | quiet_posted | quiet_skipped | late_skipped | lost | error
    key: str = ""
    note: str = ""


@dataclass
class DigestRunReport:
    """The result of one digest step."""

    now: datetime
    outcomes: list[DigestOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def queued(self) -> int:
        """Deliveries written by this run (digests and quiet-day notes)."""
        return self.count("queued") + self.count("quiet_posted")

    def summary(self) -> str:
        """One line for operators, e.g. '3 due: 2 queued, 1 skipped (late)'."""
        if not self.outcomes:
            return f"No digest due at {self.now.isoformat(timespec='minutes')}."
        parts = [
            f"{self.count('queued')} queued",
            f"{self.count('quiet_posted')} quiet-day notes",
            f"{self.count('quiet_skipped')} quiet days skipped",
            f"{self.count('late_skipped')} skipped (over 12 h late)",
            f"{self.count('duplicate')} already queued",
            f"{self.count('lost')} taken by another process",
            f"{self.count('error')} errors",
        ]
        shown = [p for p in parts if not p.startswith("0 ")]
        return f"{len(self.outcomes)} due: " + ", ".join(shown)


def digest_key(subscription_id: int, local_day: date) -> str:
    """The idempotency key of a channel's digest for one local day."""
    return f"digest:{subscription_id}:{local_day.isoformat()}"


def _topics_label(topics: frozenset[str]) -> str:
    return ", ".join(sorted(topics)) if topics else "your sources"


def digest_title(local_day: date, local_time: str = "") -> str:
    """The title of a channel's digest: its local date and time, e.g.
    'Policy digest, Mon 01 Jun 2026, 08:00 CEST'."""
    return f"Policy digest, {local_day:%a %d %b %Y}" + (f", {local_time}" if local_time else "")


def quiet_document(topics: frozenset[str], local_day: date) -> Document:
    """The one-line "quiet day" digest."""
    return Document(
        kind="digest",
        title=digest_title(local_day),
        sections=[
            Section(
                lines=[f"Quiet day: nothing new on {_topics_label(topics)} since the last digest."]
            )
        ],
    )


def _schedule(sub: SubscriptionRecord, after: datetime) -> datetime:
    return next_due(parse_hhmm(sub.local_time), sub.timezone, after, sub.cadence, sub.weekday)


def _stored_query(text: str) -> Query | None:
    """A subscription's filters (written out, so no vocabulary is needed); None for none, and
    for one stored before a grammar change (the digest then covers everything, and says so in
    the log rather than failing every day)."""
    if not text:
        return None
    try:
        return parse_query(text, require_positive=False)
    except QueryError as exc:
        log.warning("digest filters %r no longer parse: %s", text, exc.message)
        return None


def _schedule_unscheduled(store: Storage, now: datetime) -> None:
    """Give enabled subscriptions without a due time their next one; disable unschedulable ones."""
    subs = store.subscriptions.unscheduled()
    if not subs:
        return
    due: dict[int, datetime] = {}
    unschedulable: dict[int, str] = {}
    for sub in subs:
        try:
            due[sub.id] = _schedule(sub, now)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            unschedulable[sub.id] = f"cannot schedule the digest: {exc}"
    store.subscriptions.set_schedules(due, unschedulable)


def _latest_slot(sub: SubscriptionRecord, due: datetime, now: datetime) -> datetime:
    """The last due instant at or before `now`, starting from the stored (possibly old) one."""
    slot = max(due, now - timedelta(days=3))  # far behind: only the last days can matter
    if slot != due:
        slot = _schedule(sub, slot)
        if slot > now:
            return due if due <= now else slot
    while (following := _schedule(sub, slot)) <= now:
        slot = following
    return slot


def _local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%H:%M %Z")


_ComposeKey = tuple[frozenset[str], datetime, tuple[int, ...], str, str, int, bool, Tenant]
"""(topics, since, pins, title, query text, size, weekly chart, the tenant whose sources it
reads): channels with the same key get one document."""


@dataclass
class _Plan:
    """What to do for one claimed subscription, decided before anything is composed or written."""

    sub: SubscriptionRecord
    due: datetime  # the next_due_at its claim saw
    key: str
    next_due_at: datetime
    slot: datetime
    late: timedelta
    action: str = "queued"
    note: str = ""
    compose_key: _ComposeKey | None = None  # None: skipped, nothing to compose


def _plan(sub: SubscriptionRecord, pins: Sequence[DigestPin], now: datetime) -> _Plan:
    """The slot to serve (after downtime only the latest), its key, window and pins."""
    assert sub.next_due_at is not None
    zone = ZoneInfo(sub.timezone)
    slot = _latest_slot(sub, sub.next_due_at, now)
    local_day = slot.astimezone(zone).date()
    nxt = _schedule(sub, max(now, slot))
    key = digest_key(sub.id, local_day)
    plan = _Plan(sub, sub.next_due_at, key, nxt, slot, late=now - slot)
    if plan.late >= LATE_LIMIT:
        hours = int(plan.late.total_seconds() // 3600)
        plan.action = "late_skipped"
        plan.note = (
            f"Skipped the digest of {local_day:%a %d %b} (due {_local(slot, zone)}): "
            f"the bot was offline and it would have arrived {hours} h late. "
            f"Next digest: {nxt.astimezone(zone):%a %d %b %H:%M %Z}."
        )
        return plan
    since = max(sub.last_digest_at or now - FIRST_DIGEST_WINDOW, now - MAX_WINDOW)
    pinned = tuple(pin.story_id for pin in pins if pin.pinned_at > since)
    title = digest_title(local_day, _local(slot, zone))
    # A weekly digest carries the week's topic-volume chart. Its PNG is drawn once here and
    # stored in the outbox payload with the text: every retry of the delivery sends the same
    # bytes, and a send never reads the stories again (they may have changed meanwhile).
    weekly = sub.cadence == "weekly"
    tenant = Tenant(sub.where[0], sub.where[1])
    plan.compose_key = (
        frozenset(sub.topics),
        since,
        pinned,
        title,
        sub.query,
        sub.size,
        weekly,
        tenant,
    )
    return plan


def _late_footer(payload: str, plan: _Plan) -> str:
    doc = Document.from_json(payload)
    minutes = int(plan.late.total_seconds() // 60)
    zone = ZoneInfo(plan.sub.timezone)
    doc.footer.append(
        f"Sent {minutes // 60} h {minutes % 60:02d} min late: the bot was "
        f"offline at {_local(plan.slot, zone)}."
    )
    return doc.to_json()


class _Runner:
    """One digest step: claimed batches are planned, composed (each distinct document once) and
    written; an error in one channel pushes that channel back, never the others."""

    def __init__(
        self,
        store: Storage,
        compose: Compose,
        *,
        now: datetime,
        owner: str,
        limit: int,
        workers: int,
        llm: SummaryWorker | None,
        llm_wait: float,
        should_stop: Callable[[], bool],
    ) -> None:
        self.store, self.compose, self.now, self.owner = store, compose, now, owner
        self.limit, self.workers, self.llm, self.llm_wait = limit, workers, llm, llm_wait
        self.should_stop = should_stop
        # Channels with the same topics, window and pins get the same document: compose it once.
        self.cache: dict[_ComposeKey, str | None] = {}

    async def run_batch(self, ids: Sequence[int]) -> list[DigestOutcome]:
        """Plan, compose and write one claimed batch."""
        batch = await asyncio.to_thread(
            self.store.subscriptions.due_batch, ids, self.owner, self.now
        )
        held = {sub.id for sub in batch.subscriptions}
        outcomes = [DigestOutcome(i, "lost") for i in ids if i not in held]
        plans, failed = await asyncio.to_thread(self._plan_all, batch)
        wanted = list(
            dict.fromkeys(
                p.compose_key for p in plans if p.compose_key and p.compose_key not in self.cache
            )
        )
        errors = await self._compose(wanted)
        failed += [(p.sub.id, errors[p.compose_key]) for p in plans if p.compose_key in errors]
        plans = [p for p in plans if p.compose_key not in errors]
        outcomes += [await self._failed(sub_id, exc) for sub_id, exc in failed]
        if self.should_stop():  # shutting down: hand the whole batch back, nothing written
            release = self.store.claims.release_subscriptions
            await asyncio.to_thread(release, self.owner, [p.sub.id for p in plans])
            return outcomes
        return outcomes + await asyncio.to_thread(self._write_all, plans)

    def _plan_all(self, batch: DueBatch) -> tuple[list[_Plan], list[tuple[int, Exception]]]:
        plans: list[_Plan] = []
        failed: list[tuple[int, Exception]] = []
        for sub in batch.subscriptions:
            try:
                plans.append(_plan(sub, batch.pins.get(sub.where, ()), self.now))
            except Exception as exc:
                failed.append((sub.id, exc))
        return plans, failed

    # -- composing -------------------------------------------------------------------------------

    def _compose_json(self, key: _ComposeKey) -> str | None:
        topics, since, pins, title, query, size, weekly, tenant = key
        doc = self.compose(
            tenant=tenant,
            topics=topics,
            since=since,
            now=self.now,
            pinned_ids=pins,
            limit=self.limit,
            title=title,
            query=_stored_query(query),
            size=size,
            chart=weekly,
        )
        return None if doc is None else doc.to_json()

    async def _compose(self, keys: list[_ComposeKey]) -> dict[_ComposeKey, Exception]:
        """Compose `keys` into the cache; with a model, let it fill in and compose again."""
        errors = await self._compose_keys(keys)
        if self.llm is None or not keys or self.should_stop():
            return errors
        made = [key for key in keys if key not in errors]

        async def recompose() -> None:
            await self._compose_keys(made)  # a failure here keeps the document composed before

        try:
            async with asyncio.timeout(self.llm_wait):
                await fill_then_recompose(self.llm, recompose)
        except TimeoutError:  # the extractive text stands; the footer says so
            log.warning("LLM summaries for a digest did not finish; sending it extractive")
        return errors

    async def _compose_keys(self, keys: list[_ComposeKey]) -> dict[_ComposeKey, Exception]:
        """Each key in a worker thread, a few at once: composing mostly waits on the database."""
        gate = asyncio.Semaphore(max(1, self.workers))
        errors: dict[_ComposeKey, Exception] = {}

        async def one(key: _ComposeKey) -> None:
            async with gate:
                if self.should_stop():
                    return
                try:
                    self.cache[key] = await asyncio.to_thread(self._compose_json, key)
                except Exception as error:
                    # e.g. a deadlock between two compositions caching the same summaries:
                    # try once more on its own before giving up on these channels.
                    first_line = (str(error).splitlines() or [""])[0][:200]
                    log.warning(
                        "composing a digest failed (%s: %s); trying once more",
                        type(error).__name__,
                        first_line,
                    )
                    try:
                        self.cache[key] = await asyncio.to_thread(self._compose_json, key)
                    except Exception as again:
                        errors[key] = again

        await asyncio.gather(*(one(key) for key in keys))
        return errors

    # -- writing ---------------------------------------------------------------------------------

    def _finish(self, plan: _Plan) -> DigestWrite:
        """The schedule advance and outbox row of a plan whose document (if any) is composed."""
        sub = plan.sub
        if plan.compose_key is None:
            return DigestWrite(sub.id, plan.due, plan.next_due_at, last_note=plan.note)
        payload, note = self.cache[plan.compose_key], None
        topics = plan.compose_key[0]
        local_day = plan.slot.astimezone(ZoneInfo(sub.timezone)).date()
        if payload is None and sub.post_quiet_days:
            payload = quiet_document(topics, local_day).to_json()
            plan.action, plan.note = "quiet_posted", "quiet day"
        elif payload is None:
            plan.action = "quiet_skipped"
            plan.note = note = (
                f"Quiet day on {local_day:%a %d %b}: nothing new, so no digest was posted."
            )
        if payload is not None and plan.late >= LATE_FOOTER_AFTER:
            payload = _late_footer(payload, plan)
        delivery = None
        if payload is not None:
            delivery = NewDelivery(
                key=plan.key,
                kind="digest",
                platform=sub.platform,
                workspace=sub.workspace,
                target=sub.channel,
                payload=payload,
                next_attempt_at=self.now,
                subscription_id=sub.id,
                created_at=self.now,
            )
        return DigestWrite(
            sub.id,
            plan.due,
            plan.next_due_at,
            last_note=note,
            last_digest_at=self.now,
            delivery=delivery,
        )

    def _write_all(self, plans: list[_Plan]) -> list[DigestOutcome]:
        """Write the plans a chunk per transaction; a chunk that fails is written one by one."""
        outcomes: list[DigestOutcome] = []
        for start in range(0, len(plans), _WRITE_CHUNK):
            chunk = plans[start : start + _WRITE_CHUNK]
            if self.should_stop():
                self.store.claims.release_subscriptions(self.owner, [p.sub.id for p in chunk])
                continue
            writes = [self._finish(plan) for plan in chunk]
            try:
                done = self.store.subscriptions.write_digests(self.owner, writes)
            except Exception:
                # One bad row must not hold back the others.
                for plan, write in zip(chunk, writes, strict=True):
                    try:
                        done = self.store.subscriptions.write_digests(self.owner, [write])
                    except Exception as exc:
                        outcomes.append(self._failed_now(plan.sub.id, exc))
                    else:
                        outcomes.append(_outcome(plan, done[plan.sub.id]))
                continue
            outcomes += [_outcome(plan, done[plan.sub.id]) for plan in chunk]
        return outcomes

    def _failed_now(self, sub_id: int, exc: BaseException) -> DigestOutcome:
        note = f"The digest could not be made: {exc}"
        self.store.subscriptions.push_back(self.owner, sub_id, self.now + RETRY_AFTER_ERROR, note)
        return DigestOutcome(sub_id, "error", note=str(exc))

    async def _failed(self, sub_id: int, exc: BaseException) -> DigestOutcome:
        """After an error, retry that channel in 10 minutes instead of at every tick."""
        return await asyncio.to_thread(self._failed_now, sub_id, exc)


def _outcome(plan: _Plan, written: WriteOutcome) -> DigestOutcome:
    if written == "lost":  # another process took it over after our lease ran out
        return DigestOutcome(plan.sub.id, "lost", plan.key)
    action = "duplicate" if written == "duplicate" else plan.action
    return DigestOutcome(plan.sub.id, action, plan.key, plan.note)


async def run_due_digests(
    store: Storage,
    compose: Compose,
    *,
    now: datetime,
    owner: str | None = None,
    llm: SummaryWorker | None = None,
    llm_wait: float = 60.0,
    batch: int = 200,
    limit: int = 20,
    lease: timedelta = timedelta(minutes=2),
    should_stop: Callable[[], bool] | None = None,
    workers: int = 4,
) -> DigestRunReport:
    """Queue every digest due at `now` (claiming each with a lease); returns what happened.

    With `llm`, each batch waits up to `llm_wait` seconds for the model's summaries and top line.
    """
    owner = owner or new_owner()
    stop = should_stop or (lambda: False)
    runner = _Runner(
        store,
        compose,
        now=now,
        owner=owner,
        limit=limit,
        workers=workers,
        llm=llm,
        llm_wait=llm_wait,
        should_stop=stop,
    )
    report = DigestRunReport(now=now)
    await asyncio.to_thread(_schedule_unscheduled, store, now)
    while not stop():
        claim = store.claims.claim_subscriptions
        ids = await asyncio.to_thread(claim, owner, now, limit=batch, lease=lease)
        if not ids:
            break
        report.outcomes += await runner.run_batch(ids)
    return report
