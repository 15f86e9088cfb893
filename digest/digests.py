"""The digest step: compose every due channel digest and queue it in the outbox, exactly once.

For each due subscription the Delivery row (key `digest:{subscription_id}:{local_date}`) is written
in the same transaction that advances `next_due_at`, so a crash either leaves the digest due (and
it is redone, harmlessly, under the same key) or queued and scheduled for the next day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, and_, select, update
from sqlmodel import Session

from digest.document import Document, Section
from digest.schedule import next_due, parse_hhmm
from storage.claims import claim_due_subscriptions, new_owner, release_subscriptions
from storage.db import Database
from storage.models import Delivery, Pin, Subscription
from storage.outbox import enqueue

__all__ = [
    "LATE_LIMIT",
    "FIRST_DIGEST_WINDOW",
    "DigestOutcome",
    "DigestRunReport",
    "Compose",
    "digest_key",
    "quiet_document",
    "schedule_unscheduled",
    "run_due_digests",
]

LATE_LIMIT = timedelta(hours=12)  # a digest later than this after downtime is skipped, with a note
FIRST_DIGEST_WINDOW = timedelta(hours=24)  # what the first digest of a channel covers
MAX_WINDOW = timedelta(days=7)  # never reach further back than this, whatever was missed
LATE_FOOTER_AFTER = timedelta(minutes=15)

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


def quiet_document(topics: set[str], local_day: date) -> Document:
    """The one-line "quiet day" digest."""
    return Document(
        kind="digest",
        title=f"Daily digest, {local_day:%a %d %b %Y}",
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


def _pinned_ids(session: Session, sub: Subscription, since: datetime, now: datetime) -> list[int]:
    """Stories pinned in this channel since the last digest and not expired: they lead it."""
    t: Table = Pin.__table__  # type: ignore[attr-defined]
    rows = session.exec(  # type: ignore[call-overload]
        select(t.c.story_id)
        .where(
            t.c.platform == sub.platform,
            t.c.workspace == sub.workspace,
            t.c.channel == sub.channel,
            t.c.pinned_at > since,
            t.c.expires_at > now,
        )
        .order_by(t.c.pinned_at)
    ).all()
    return [int(r[0]) for r in rows]


def _local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%H:%M %Z")


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
    ) -> None:
        self.db, self.taxonomy, self.provider, self.compose = db, taxonomy, provider, compose
        self.now, self.owner, self.limit = now, owner, limit
        # Channels with the same topics, window and pins get the same document: compose it once.
        self.cache: dict[tuple[frozenset[str], datetime, tuple[int, ...]], str | None] = {}

    def _compose_json(self, topics: set[str], since: datetime, pins: Sequence[int]) -> str | None:
        key = (frozenset(topics), since, tuple(pins))
        if key not in self.cache:
            doc = self.compose(
                self.db,
                self.taxonomy,
                self.provider,
                topics=set(topics),
                since=since,
                now=self.now,
                pinned_ids=tuple(pins),
                limit=self.limit,
            )
            self.cache[key] = None if doc is None else doc.to_json()
        return self.cache[key]

    def run_one(self, sub_id: int) -> DigestOutcome:
        now = self.now
        with self.db.session() as session:
            sub = session.get(Subscription, sub_id)
            if sub is None or sub.lease_owner != self.owner or sub.next_due_at is None:
                return DigestOutcome(sub_id, "lost")
            session.expunge(sub)
            due = sub.next_due_at
            topics = set(sub.topics.split())
            since = max(sub.last_digest_at or now - FIRST_DIGEST_WINDOW, now - MAX_WINDOW)
            pins = _pinned_ids(session, sub, since, now)
        zone = ZoneInfo(sub.timezone)
        slot = _latest_slot(sub, due, now)  # after days of downtime, only the latest slot counts
        local_day = slot.astimezone(zone).date()
        key = digest_key(sub_id, local_day)
        nxt = _schedule(sub, max(now, slot))
        late = now - slot
        values: dict[str, object] = {"next_due_at": nxt}
        payload: str | None = None
        if late >= LATE_LIMIT:
            hours = int(late.total_seconds() // 3600)
            note = (
                f"Skipped the digest of {local_day:%a %d %b} (due {_local(slot, zone)}): "
                f"the bot was offline and it would have arrived {hours} h late. "
                f"Next digest: {nxt.astimezone(zone):%a %d %b %H:%M %Z}."
            )
            action = "late_skipped"
            values["last_note"] = note
        else:
            payload = self._compose_json(topics, since, pins)
            if payload is None and sub.post_quiet_days:
                payload = quiet_document(topics, local_day).to_json()
                action, note = "quiet_posted", "quiet day"
            elif payload is None:
                action = "quiet_skipped"
                note = f"Quiet day on {local_day:%a %d %b}: nothing new, so no digest was posted."
                values["last_note"] = note
            else:
                action, note = "queued", ""
            if payload is not None:
                if late >= LATE_FOOTER_AFTER:
                    doc = Document.from_json(payload)
                    minutes = int(late.total_seconds() // 60)
                    doc.footer.append(
                        f"Sent {minutes // 60} h {minutes % 60:02d} min late: the bot was "
                        f"offline at {_local(slot, zone)}."
                    )
                    payload = doc.to_json()
                values["last_note"] = None
            values["last_digest_at"] = now
        t = _sub_table()
        with self.db.session() as session:
            # Advancing the schedule and writing the outbox row commit together, or not at all.
            moved = session.exec(  # type: ignore[call-overload]
                update(t)
                .where(t.c.id == sub_id, t.c.lease_owner == self.owner, t.c.next_due_at == due)
                .values(lease_owner=None, lease_until=None, **values)
            ).rowcount
            if not moved:
                session.rollback()
                return DigestOutcome(sub_id, "lost", key)
            if payload is not None:
                new = enqueue(
                    session,
                    Delivery(
                        idempotency_key=key,
                        kind="digest",
                        platform=sub.platform,
                        workspace=sub.workspace,
                        target=sub.channel,
                        payload=payload,
                        next_attempt_at=now,
                        subscription_id=sub_id,
                        created_at=now,
                    ),
                )
                if not new:
                    action = "duplicate"
        return DigestOutcome(sub_id, action, key, note)


def _default_compose() -> Compose:
    from digest.compose import compose_digest  # P2's composer; imported late to stay optional

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
) -> DigestRunReport:
    """Queue every digest due at `now` (claiming each with a lease); returns what happened."""
    owner = owner or new_owner()
    compose = compose or _default_compose()
    runner = _Runner(db, taxonomy, provider, compose, now, owner, limit)
    report = DigestRunReport(now=now)
    schedule_unscheduled(db, now)
    while not (should_stop and should_stop()):
        ids = claim_due_subscriptions(db, owner, now, limit=batch, lease=lease)
        if not ids:
            break
        for i, sub_id in enumerate(ids):
            if should_stop and should_stop():
                release_subscriptions(db, owner, ids[i:])
                return report
            try:
                report.outcomes.append(runner.run_one(sub_id))
            except Exception as exc:  # one broken channel must not stop the others
                release_subscriptions(db, owner, [sub_id])
                _push_back(db, sub_id, now, f"The digest could not be made: {exc}")
                report.outcomes.append(DigestOutcome(sub_id, "error", note=str(exc)))
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
