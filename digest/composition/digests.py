"""The digest step: compose every due channel digest and queue it in the outbox, exactly once.

For each due subscription the Delivery row (key `digest:{subscription_id}:{local_date}`) is written
in the same transaction that advances `next_due_at`, so a crash either leaves the digest due (and
it is redone, harmlessly, under the same key) or queued and scheduled for the next day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, and_, bindparam, select, tuple_, update
from sqlmodel import Session

from core.document import Document, Section
from digest.composition.schedule import next_due, parse_hhmm
from storage.claims import claim_due_subscriptions, new_owner, release_subscriptions
from storage.db import Database
from storage.models import Delivery, Pin, Subscription
from storage.outbox import enqueue, enqueue_many

__all__ = [
    "LATE_LIMIT",
    "FIRST_DIGEST_WINDOW",
    "DigestOutcome",
    "DigestRunReport",
    "Compose",
    "digest_key",
    "digest_title",
    "quiet_document",
    "schedule_unscheduled",
    "run_due_digests",
]

log = logging.getLogger("policybrief.digests")

LATE_LIMIT = timedelta(hours=12)  # a digest later than this after downtime is skipped, with a note
FIRST_DIGEST_WINDOW = timedelta(hours=24)  # what the first digest of a channel covers
MAX_WINDOW = timedelta(days=7)  # never reach further back than this, whatever was missed
LATE_FOOTER_AFTER = timedelta(minutes=15)
_WRITE_CHUNK = 50  # subscriptions whose schedule and outbox rows commit in one transaction

Compose = Callable[..., Document | None]
"""`compose_digest(db, taxonomy, provider, *, topics, since, now, pinned_ids, limit)`."""


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


def _topics_label(topics: set[str]) -> str:
    return ", ".join(sorted(topics)) if topics else "your sources"


def digest_title(local_day: date) -> str:
    """The title of a channel's digest: its local date, e.g. 'Policy digest, Mon 01 Jun 2026'."""
    return f"Policy digest, {local_day:%a %d %b %Y}"


def quiet_document(topics: set[str], local_day: date) -> Document:
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


def _sub_table() -> Table:
    return Subscription.__table__  # type: ignore[attr-defined,no-any-return]


def _schedule(sub: Subscription, after: datetime) -> datetime:
    return next_due(parse_hhmm(sub.local_time), sub.timezone, after)


def schedule_unscheduled(db: Database, now: datetime) -> int:
    """Give enabled subscriptions without a due time their next one; disable unschedulable ones."""
    t = _sub_table()
    with db.session() as session:
        subs = (
            session.exec(  # type: ignore[call-overload]
                select(Subscription).where(and_(t.c.enabled.is_(True), t.c.next_due_at.is_(None)))
            )
            .scalars()
            .all()
        )
        for sub in subs:
            try:
                sub.next_due_at = _schedule(sub, now)
            except (ValueError, ZoneInfoNotFoundError) as exc:
                sub.enabled = False
                sub.disabled_reason = f"cannot schedule the digest: {exc}"
                sub.last_note = sub.disabled_reason
            session.add(sub)
        return len(subs)


def _latest_slot(sub: Subscription, due: datetime, now: datetime) -> datetime:
    """The last due instant at or before `now`, starting from the stored (possibly old) one."""
    slot = max(due, now - timedelta(days=3))  # far behind: only the last days can matter
    if slot != due:
        slot = _schedule(sub, slot)
        if slot > now:
            return due if due <= now else slot
    while (following := _schedule(sub, slot)) <= now:
        slot = following
    return slot


def _pins_by_channel(
    session: Session, subs: Sequence[Subscription], now: datetime
) -> dict[tuple[str, str, str], list[tuple[datetime, int]]]:
    """Unexpired pins of these channels, oldest first: (pinned_at, story id) per channel."""
    t: Table = Pin.__table__  # type: ignore[attr-defined]
    channels = sorted({(s.platform, s.workspace, s.channel) for s in subs})
    out: dict[tuple[str, str, str], list[tuple[datetime, int]]] = {}
    for start in range(0, len(channels), 500):
        chunk = channels[start : start + 500]
        rows = session.exec(  # type: ignore[call-overload]
            select(t.c.platform, t.c.workspace, t.c.channel, t.c.pinned_at, t.c.story_id)
            .where(
                tuple_(t.c.platform, t.c.workspace, t.c.channel).in_(chunk),
                t.c.expires_at > now,
            )
            .order_by(t.c.pinned_at, t.c.id)
        ).all()
        for platform, workspace, channel, pinned_at, story_id in rows:
            out.setdefault((platform, workspace, channel), []).append((pinned_at, int(story_id)))
    return out


def _local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%H:%M %Z")


class _Stopped(Exception):
    """Raised inside a composition thread when the process is shutting down."""


_ComposeKey = tuple[frozenset[str], datetime, tuple[int, ...], str]


@dataclass
class _Plan:
    """What to do for one claimed subscription, decided before anything is written."""

    sub: Subscription
    due: datetime
    key: str
    values: dict[str, object]
    action: str
    note: str = ""
    compose_key: _ComposeKey | None = None
    late: timedelta = timedelta(0)
    slot: datetime | None = None
    zone: ZoneInfo | None = None
    local_day: date | None = None
    payload: str | None = None


class _Runner:
    def __init__(
        self,
        db: Database,
        taxonomy: Any,
        provider: Any,
        compose: Compose,
        now: datetime,
        owner: str,
        limit: int,
        workers: int,
        should_stop: Callable[[], bool],
    ) -> None:
        self.db, self.taxonomy, self.provider, self.compose = db, taxonomy, provider, compose
        self.now, self.owner, self.limit, self.workers = now, owner, limit, workers
        self.should_stop = should_stop
        # Channels with the same topics, window and pins get the same document: compose it once.
        self.cache: dict[_ComposeKey, str | None] = {}

    def _compose_json(self, key: _ComposeKey) -> str | None:
        if self.should_stop():
            raise _Stopped
        topics, since, pins, title = key
        doc = self.compose(
            self.db,
            self.taxonomy,
            self.provider,
            topics=set(topics),
            since=since,
            now=self.now,
            pinned_ids=pins,
            limit=self.limit,
            title=title,
        )
        return None if doc is None else doc.to_json()

    def _plan(self, sub: Subscription, pins: list[tuple[datetime, int]]) -> _Plan:
        now = self.now
        assert sub.id is not None and sub.next_due_at is not None
        due = sub.next_due_at
        zone = ZoneInfo(sub.timezone)
        slot = _latest_slot(sub, due, now)  # after days of downtime, only the latest slot counts
        local_day = slot.astimezone(zone).date()
        nxt = _schedule(sub, max(now, slot))
        late = now - slot
        plan = _Plan(
            sub,
            due,
            digest_key(sub.id, local_day),
            {"next_due_at": nxt},
            "queued",
            late=late,
            slot=slot,
            zone=zone,
            local_day=local_day,
        )
        if late >= LATE_LIMIT:
            hours = int(late.total_seconds() // 3600)
            plan.action = "late_skipped"
            plan.note = (
                f"Skipped the digest of {local_day:%a %d %b} (due {_local(slot, zone)}): "
                f"the bot was offline and it would have arrived {hours} h late. "
                f"Next digest: {nxt.astimezone(zone):%a %d %b %H:%M %Z}."
            )
            plan.values["last_note"] = plan.note
            return plan
        since = max(sub.last_digest_at or now - FIRST_DIGEST_WINDOW, now - MAX_WINDOW)
        pinned = tuple(story for at, story in pins if at > since)
        plan.compose_key = (frozenset(sub.topics.split()), since, pinned, digest_title(local_day))
        return plan

    def _finish(self, plan: _Plan) -> None:
        """Turn the composed document (or its absence) into the payload, note and values."""
        assert plan.compose_key is not None and plan.local_day is not None
        sub, payload = plan.sub, self.cache[plan.compose_key]
        if payload is None and sub.post_quiet_days:
            payload = quiet_document(set(plan.compose_key[0]), plan.local_day).to_json()
            plan.action, plan.note = "quiet_posted", "quiet day"
        elif payload is None:
            plan.action = "quiet_skipped"
            plan.note = (
                f"Quiet day on {plan.local_day:%a %d %b}: nothing new, so no digest was posted."
            )
            plan.values["last_note"] = plan.note
        if payload is not None:
            if plan.late >= LATE_FOOTER_AFTER:
                assert plan.slot is not None and plan.zone is not None
                doc = Document.from_json(payload)
                minutes = int(plan.late.total_seconds() // 60)
                doc.footer.append(
                    f"Sent {minutes // 60} h {minutes % 60:02d} min late: the bot was "
                    f"offline at {_local(plan.slot, plan.zone)}."
                )
                payload = doc.to_json()
            plan.values["last_note"] = None
        plan.values["last_digest_at"] = self.now
        plan.payload = payload

    def _write(self, session: Session, plan: _Plan) -> DigestOutcome:
        """Advance the schedule and write the outbox row; the caller's transaction holds both."""
        sub = plan.sub
        assert sub.id is not None
        t = _sub_table()
        moved = session.exec(  # type: ignore[call-overload]
            update(t)
            .where(t.c.id == sub.id, t.c.lease_owner == self.owner, t.c.next_due_at == plan.due)
            .values(lease_owner=None, lease_until=None, **plan.values)
        ).rowcount
        if not moved:
            return DigestOutcome(sub.id, "lost", plan.key)
        action = plan.action
        if plan.payload is not None and not enqueue(session, self._delivery(plan)):
            action = "duplicate"
        return DigestOutcome(sub.id, action, plan.key, plan.note)

    def _write_chunk(self, session: Session, chunk: Sequence[_Plan]) -> list[DigestOutcome]:
        """`_write` for many plans in a few statements, all in the caller's transaction."""
        t = _sub_table()
        ids = [p.sub.id for p in chunk]
        held = dict(
            session.exec(  # type: ignore[call-overload]
                select(t.c.id, t.c.next_due_at)
                .where(t.c.id.in_(ids), t.c.lease_owner == self.owner)
                .with_for_update()
            ).all()
        )
        outcomes: list[DigestOutcome] = []
        valid: list[_Plan] = []
        for plan in chunk:
            assert plan.sub.id is not None
            if held.get(plan.sub.id) == plan.due:
                valid.append(plan)
            else:  # another process took it over after our lease ran out
                outcomes.append(DigestOutcome(plan.sub.id, "lost", plan.key))
        groups: dict[tuple[str, ...], list[_Plan]] = {}
        for plan in valid:
            groups.setdefault(tuple(sorted(plan.values)), []).append(plan)
        conn = session.connection()
        for names, plans in groups.items():
            stmt = (
                update(t)
                .where(t.c.id == bindparam("_sid"))
                .values(
                    lease_owner=None,
                    lease_until=None,
                    **{name: bindparam(f"_v_{name}") for name in names},
                )
            )
            conn.execute(
                stmt,
                [{"_sid": p.sub.id, **{f"_v_{n}": p.values[n] for n in names}} for p in plans],
            )
        new = enqueue_many(session, [self._delivery(p) for p in valid if p.payload is not None])
        for plan in valid:
            assert plan.sub.id is not None
            action = plan.action
            if plan.payload is not None and plan.key not in new:
                action = "duplicate"
            outcomes.append(DigestOutcome(plan.sub.id, action, plan.key, plan.note))
        return outcomes

    def _delivery(self, plan: _Plan) -> Delivery:
        sub = plan.sub
        return Delivery(
            idempotency_key=plan.key,
            kind="digest",
            platform=sub.platform,
            workspace=sub.workspace,
            target=sub.channel,
            payload=plan.payload or "{}",
            next_attempt_at=self.now,
            subscription_id=sub.id,
            created_at=self.now,
        )

    def run_batch(self, ids: Sequence[int]) -> list[DigestOutcome]:
        """Plan, compose (distinct documents only, in parallel) and write one claimed batch."""
        outcomes: list[DigestOutcome] = []
        with self.db.session() as session:
            subs = (
                session.exec(  # type: ignore[call-overload]
                    select(Subscription).where(_sub_table().c.id.in_(list(ids)))
                )
                .scalars()
                .all()
            )
            for sub in subs:
                session.expunge(sub)
            pins = _pins_by_channel(session, subs, self.now)
        mine = {s.id: s for s in subs if s.lease_owner == self.owner and s.next_due_at is not None}
        outcomes += [DigestOutcome(i, "lost") for i in ids if i not in mine]
        plans: list[_Plan] = []
        for sub_id, sub in mine.items():
            try:
                plans.append(
                    self._plan(sub, pins.get((sub.platform, sub.workspace, sub.channel), []))
                )
            except Exception as exc:
                outcomes.append(self._failed(sub_id, exc))
        wanted = list(
            dict.fromkeys(
                p.compose_key for p in plans if p.compose_key and p.compose_key not in self.cache
            )
        )
        if wanted:
            # Composition mostly waits on the database: a few threads overlap those waits.
            with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(wanted)))) as pool:
                futures = {key: pool.submit(self._compose_json, key) for key in wanted}
            errors: dict[_ComposeKey, BaseException] = {}
            for key, future in futures.items():
                error = future.exception()
                if isinstance(error, _Stopped):
                    continue
                if error is not None:
                    # e.g. a deadlock between two compositions caching the same summaries:
                    # try once more on its own before giving up on these channels.
                    first_line = (str(error).splitlines() or [""])[0][:200]
                    log.warning(
                        "composing a digest failed (%s: %s); trying once more",
                        type(error).__name__,
                        first_line,
                    )
                    try:
                        self.cache[key] = self._compose_json(key)
                    except _Stopped:
                        continue
                    except Exception as again:
                        errors[key] = again
                    continue
                self.cache[key] = future.result()
            kept = []
            for plan in plans:
                if plan.compose_key in errors:
                    assert plan.sub.id is not None
                    outcomes.append(self._failed(plan.sub.id, errors[plan.compose_key]))
                else:
                    kept.append(plan)
            plans = kept
        if self.should_stop():  # shutting down: hand the whole batch back, nothing written
            release_subscriptions(self.db, self.owner, [p.sub.id for p in plans if p.sub.id])
            return outcomes
        for plan in plans:
            if plan.compose_key is not None:
                self._finish(plan)
        for start in range(0, len(plans), _WRITE_CHUNK):
            chunk = plans[start : start + _WRITE_CHUNK]
            if self.should_stop():
                release_subscriptions(self.db, self.owner, [p.sub.id for p in chunk if p.sub.id])
                continue
            try:
                with self.db.session() as session:
                    done = self._write_chunk(session, chunk)
                outcomes += done
            except Exception:
                # One bad row must not hold back the others: write the chunk one by one.
                for plan in chunk:
                    assert plan.sub.id is not None
                    try:
                        with self.db.session() as session:
                            outcomes.append(self._write(session, plan))
                    except Exception as exc:
                        outcomes.append(self._failed(plan.sub.id, exc))
        return outcomes

    def _failed(self, sub_id: int, exc: BaseException) -> DigestOutcome:
        release_subscriptions(self.db, self.owner, [sub_id])
        _push_back(self.db, sub_id, self.now, f"The digest could not be made: {exc}")
        return DigestOutcome(sub_id, "error", note=str(exc))


def _default_compose() -> Compose:
    from digest.composition.compose import (
        compose_digest,
    )  # P2's composer; imported late to stay optional

    return compose_digest  # type: ignore[no-any-return]


def run_due_digests(
    db: Database,
    taxonomy: Any,
    provider: Any,
    *,
    now: datetime,
    owner: str | None = None,
    compose: Compose | None = None,
    batch: int = 200,
    limit: int = 20,
    lease: timedelta = timedelta(minutes=2),
    should_stop: Callable[[], bool] | None = None,
    workers: int = 4,
) -> DigestRunReport:
    """Queue every digest due at `now` (claiming each with a lease); returns what happened."""
    owner = owner or new_owner()
    compose = compose or _default_compose()
    stop = should_stop or (lambda: False)
    runner = _Runner(db, taxonomy, provider, compose, now, owner, limit, workers, stop)
    report = DigestRunReport(now=now)
    schedule_unscheduled(db, now)
    while not stop():
        ids = claim_due_subscriptions(db, owner, now, limit=batch, lease=lease)
        if not ids:
            break
        report.outcomes += runner.run_batch(ids)
    return report


def _push_back(db: Database, sub_id: int, now: datetime, note: str) -> None:
    """After an error, retry that channel in 10 minutes instead of at every tick."""
    t = _sub_table()
    with db.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(t)
            .where(t.c.id == sub_id)
            .values(next_due_at=now + timedelta(minutes=10), last_note=note[:300])
        )
