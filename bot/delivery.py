"""Drains the outbox through the platforms' Publishers: leases, pacing, retries, idempotency.

A row is claimed ("sending", with a lease), sent with its idempotency key (Discord uses it as the
message nonce, so a resend after a crash between send and record is dropped by Discord), and its
message id recorded. A crash before the record leaves an expired lease: another sender retries.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, update

from bot.publisher import Forbidden, Publisher, Target, TargetGone, Transient
from core.clock import utcnow
from core.document import Document
from storage.claims import claim_deliveries, new_owner, release_deliveries, renew_delivery
from storage.db import Database
from storage.models import Delivery, Subscription, Watch
from storage.outbox import enqueue, mark_final, mark_retry, mark_sent

__all__ = [
    "DeliveryConfig",
    "DrainReport",
    "Outbox",
    "admin_recipients",
    "backoff_seconds",
]

log = logging.getLogger("policybrief.delivery")

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]+$")


@dataclass(frozen=True)
class DeliveryConfig:
    """Knobs of the sender; tests shorten the lease and drop the pacing."""

    lease: timedelta = timedelta(seconds=60)
    batch: int = 50
    max_attempts: int = 8
    backoff_base: float = 30.0  # seconds before the first retry; doubles each time
    backoff_max: float = 3600.0
    channel_interval: float = 1.0  # seconds between two posts to one channel
    concurrency: int = 8  # channels served at once


@dataclass
class DrainReport:
    """What one drain did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    gone: int = 0
    forbidden: int = 0
    notices: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # idempotency key -> outcome

    def add(self, other: DrainReport) -> None:
        for name in ("claimed", "sent", "retried", "failed", "gone", "forbidden", "notices"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.outcomes.update(other.outcomes)


def backoff_seconds(
    attempts: int, config: DeliveryConfig, retry_after: float | None, salt: int
) -> float:
    """Delay before the next try: the server's Retry-After, else exponential with +-10 % jitter."""
    if retry_after is not None and retry_after > 0:
        return min(float(retry_after), config.backoff_max)
    delay = min(config.backoff_base * (2 ** max(attempts - 1, 0)), config.backoff_max)
    jitter = ((salt * 2654435761) % 201 - 100) / 1000  # deterministic per row: -10 % .. +10 %
    return delay * (1 + jitter)


def admin_recipients(platform: str, admins: Iterable[str], fallback: str | None) -> list[str]:
    """The user ids to tell on `platform`: POLICYBRIEF_ADMINS entries for it, else `fallback`.

    Entries are `platform:USER` or a bare id; a bare id counts for the platform it looks like
    (Slack `U…`/`W…`, Discord digits) and for any platform when it looks like neither.
    """
    found: list[str] = []
    for entry in admins:
        prefix, sep, user = entry.partition(":")
        if sep:
            if prefix == platform and user:
                found.append(user)
            continue
        looks = "slack" if _SLACK_USER.match(entry) else "discord" if entry.isdigit() else None
        if looks in (None, platform):
            found.append(entry)
    if not found and fallback:
        found.append(fallback)
    return list(dict.fromkeys(found))


def _t(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


class Outbox:
    """The sender: claims due deliveries for the platforms it has publishers for and sends them."""

    def __init__(
        self,
        db: Database,
        publishers: Mapping[str, Publisher],
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        config: DeliveryConfig | None = None,
        admins: Sequence[str] = (),
        metrics: Any = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.publishers = dict(publishers)
        self.owner = owner or new_owner()
        self.clock = clock
        self.config = config or DeliveryConfig()
        self.admins = tuple(admins)
        self.metrics = metrics
        self._sleep = sleep
        self._last_post: dict[tuple[str, str], float] = {}
        self._stopping = False
        self._in_flight: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    # -- lifecycle -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Claim nothing more; sends already under way finish."""
        self._stopping = True

    async def close(self, timeout: float = 8.0) -> int:
        """Stop, wait up to `timeout` s for sends under way, hand unsent claims back."""
        self.stop()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning(
                "shutdown: %d sends still in flight after %.0f s", len(self._in_flight), timeout
            )
        return await asyncio.to_thread(release_deliveries, self.db, self.owner)

    # -- draining --------------------------------------------------------------------------------

    async def drain(self, *, max_batches: int | None = None) -> DrainReport:
        """Claim and send batches until nothing is due (or `max_batches`, or stop())."""
        total = DrainReport()
        batches = 0
        while not self._stopping and (max_batches is None or batches < max_batches):
            rows = await asyncio.to_thread(
                claim_deliveries,
                self.db,
                self.owner,
                self.clock(),
                platforms=sorted(self.publishers),
                limit=self.config.batch,
                lease=self.config.lease,
            )
            if not rows:
                break
            batches += 1
            total.add(await self.send_batch(rows))
        return total

    async def send_batch(self, rows: Sequence[Delivery]) -> DrainReport:
        """Send claimed rows: one channel at a time in order, several channels at once."""
        report = DrainReport(claimed=len(rows))
        by_channel: dict[tuple[str, str, str], list[Delivery]] = {}
        for row in rows:
            by_channel.setdefault((row.platform, row.workspace, row.target), []).append(row)
        gate = asyncio.Semaphore(self.config.concurrency)

        async def serve(queue: list[Delivery]) -> None:
            async with gate:
                for row in queue:
                    if self._stopping:
                        return  # the rest stay claimed; close() hands them back
                    report.outcomes[row.idempotency_key] = await self._send_one(row, report)

        await asyncio.gather(*(serve(q) for q in by_channel.values()))
        return report

    async def _pace(self, platform: str, channel: str) -> None:
        interval = self.config.channel_interval
        if interval <= 0:
            return
        last = self._last_post.get((platform, channel))
        if last is not None:
            wait = last + interval - time.monotonic()
            if wait > 0:
                await self._sleep(wait)
        self._last_post[(platform, channel)] = time.monotonic()

    async def _send_one(self, row: Delivery, report: DrainReport) -> str:
        assert row.id is not None
        publisher = self.publishers[row.platform]
        target = Target(row.platform, row.workspace, row.target, row.direct)
        self._in_flight.add(row.id)
        self._idle.clear()
        try:
            await self._pace(row.platform, row.target)
            if not await asyncio.to_thread(self._still_ours, row):
                return "lost"  # the lease ran out while waiting and another sender took the row
            try:
                document = Document.from_json(row.payload)
                sent = await publisher.send(target, document, key=row.idempotency_key)
            except TargetGone as exc:
                await asyncio.to_thread(self._permanent, row, "gone", str(exc), report)
                return "gone"
            except Forbidden as exc:
                await asyncio.to_thread(self._permanent, row, "forbidden", str(exc), report)
                return "forbidden"
            except Transient as exc:
                return await asyncio.to_thread(
                    self._transient, row, str(exc), exc.retry_after, report
                )
            except Exception as exc:  # a bug or an unexpected SDK error: retry, never lose the row
                log.exception("send of %s failed unexpectedly", row.idempotency_key)
                return await asyncio.to_thread(
                    self._transient, row, f"{type(exc).__name__}: {exc}", None, report
                )
            await asyncio.to_thread(mark_sent, self.db, row.id, sent.message_id, self.clock())
            report.sent += 1
            self._count("sent", row)
            return "sent"
        finally:
            self._in_flight.discard(row.id)
            if not self._in_flight:
                self._idle.set()

    def _still_ours(self, row: Delivery) -> bool:
        """Renew the lease when half of it is gone; False when another sender took the row."""
        now = self.clock()
        if row.lease_until is not None and row.lease_until - now > self.config.lease / 2:
            return True
        assert row.id is not None
        until = now + self.config.lease
        if renew_delivery(self.db, self.owner, row.id, until):
            row.lease_until = until
            return True
        return False

    def _count(self, what: str, row: Delivery) -> None:
        if self.metrics is not None:
            self.metrics.delivery(what, row.platform, row.kind)

    def _transient(
        self, row: Delivery, error: str, retry_after: float | None, report: DrainReport
    ) -> str:
        assert row.id is not None
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            reason = f"gave up after {attempts} attempts: {error}"
            with self.db.session() as session:
                mark_final(session, row.id, "failed", reason)
                report.notices += self._notify_admins(session, row, "failed", reason)
            report.failed += 1
            self._count("failed", row)
            log.warning("delivery %s failed for good: %s", row.idempotency_key, error)
            return "failed"
        delay = backoff_seconds(attempts, self.config, retry_after, row.id)
        mark_retry(self.db, row.id, error, self.clock() + timedelta(seconds=delay))
        report.retried += 1
        self._count("retried", row)
        log.info("delivery %s will retry in %.0f s: %s", row.idempotency_key, delay, error)
        return "retried"

    def _permanent(self, row: Delivery, status: str, error: str, report: DrainReport) -> None:
        assert row.id is not None
        with self.db.session() as session:
            mark_final(session, row.id, status, error)
            report.notices += self._disable_and_notify(session, row, status, error)
        setattr(report, status, getattr(report, status) + 1)
        self._count(status, row)
        log.warning("delivery %s: %s (%s)", row.idempotency_key, status, error)

    # -- what the admins are told ----------------------------------------------------------------

    def _disable_and_notify(self, session: Any, row: Delivery, status: str, error: str) -> int:
        """Turn off the subscription or watch behind the row (once) and DM the admins about it."""
        if row.kind == "notice":
            return 0  # a notice that cannot be delivered is not reported again
        reason = (
            f"the channel is gone (archived, deleted, or the bot was removed): {error}"
            if status == "gone"
            else f"the bot is not allowed to post there: {error}"
        )
        if row.subscription_id is not None:
            s = _t(Subscription)
            flipped = session.exec(
                update(s)
                .where(s.c.id == row.subscription_id, s.c.enabled.is_(True))
                .values(enabled=False, disabled_reason=reason[:300], next_due_at=None)
                .returning(s.c.created_by)
            ).first()
            if flipped is None:
                return 0  # already disabled by another failed delivery: tell the admins once
            lines = (
                f"The daily digest for channel {row.target} was turned off: {reason}.",
                'To turn it back on, re-invite the bot to the channel and run "/digest on" in '
                "that channel.",
            )
            return self._queue_notices(
                session, row, status, f"sub{row.subscription_id}", flipped[0], lines
            )
        if row.watch_id is not None:
            w = _t(Watch)
            flipped = session.exec(
                update(w)
                .where(w.c.id == row.watch_id, w.c.active.is_(True))
                .values(active=False, disabled_reason=reason[:300])
                .returning(w.c.query, w.c.user_id)
            ).first()
            if flipped is None:
                return 0
            lines = (
                f'The watch "{flipped[0]}" of user {flipped[1]} was turned off: the bot cannot '
                f"send them direct messages ({error}).",
                'They can turn it back on with "/watch" once the bot can message them again.',
            )
            return self._queue_notices(session, row, status, f"watch{row.watch_id}", None, lines)
        return self._queue_notices(
            session,
            row,
            status,
            f"delivery{row.id}",
            None,
            (f"A {row.kind} to {row.target} could not be delivered: {reason}.",),
        )

    def _notify_admins(self, session: Any, row: Delivery, status: str, reason: str) -> int:
        if row.kind == "notice":
            return 0
        created_by = None
        if row.subscription_id is not None:
            s = _t(Subscription)
            found = session.exec(
                select(s.c.created_by).where(s.c.id == row.subscription_id)
            ).first()
            created_by = found[0] if found else None
        lines = (
            f"A {row.kind} for {row.target} could not be delivered and was dropped: {reason}.",
            "The platform kept failing; the next one will be tried as usual.",
        )
        return self._queue_notices(session, row, status, f"delivery{row.id}", created_by, lines)

    def _queue_notices(
        self,
        session: Any,
        row: Delivery,
        status: str,
        about: str,
        fallback: str | None,
        lines: Sequence[str],
    ) -> int:
        users = admin_recipients(row.platform, self.admins, fallback)
        if not users:
            log.warning("no admin to tell about %s (%s): set POLICYBRIEF_ADMINS", about, status)
            return 0
        title = {
            "gone": "A channel is gone",
            "forbidden": "The bot is not allowed to post",
            "failed": "A post could not be delivered",
        }[status]
        payload = Document.notice(title, *lines).to_json()
        queued = 0
        for user in users:
            queued += enqueue(
                session,
                Delivery(
                    idempotency_key=f"notice:{status}:{about}:{row.id}:{user}",
                    kind="notice",
                    platform=row.platform,
                    workspace=row.workspace,
                    target=user,
                    direct=True,
                    payload=payload,
                    next_attempt_at=self.clock(),
                    subscription_id=row.subscription_id,
                    watch_id=row.watch_id,
                ),
            )
        return queued
