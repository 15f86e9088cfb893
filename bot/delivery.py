"""Drains the outbox through the platforms' Publishers: leases, pacing, retries, idempotency.

A row is claimed ("sending", with a lease, renewed while a send is under way), the time of the
attempt is recorded, then it is sent with its idempotency key and its message id recorded.

A send whose outcome is unknown (a timeout after the request was written, a connection lost after
sending, a crash before the answer was recorded) is never sent again blindly: the next sender finds
the attempt's time on the row and first asks the publisher to look for the message (Slack: the key
in the message metadata, via conversations.history). Found: recorded as sent. Not found: sent.
Discord needs no look: the key is its message nonce, so Discord drops a resend itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.ops import Metrics
from bot.publisher import (
    Forbidden,
    OutcomeUnknown,
    Publisher,
    PublishError,
    Recipient,
    RecipientGone,
    Reconciler,
    Transient,
)
from core.clock import utcnow
from core.document import Document
from core.outbox import DeliveryOrigin, DeliveryRecord, NewDelivery
from storage.claims import new_owner
from storage.store import Storage

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


class Outbox:
    """The sender: claims due deliveries for the platforms it has publishers for and sends them."""

    def __init__(
        self,
        store: Storage,
        publishers: Mapping[str, Publisher],
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        config: DeliveryConfig | None = None,
        admins: Sequence[str] = (),
        metrics: Metrics | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
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
        self._leases: dict[int, datetime] = {}  # delivery id -> until when this sender holds it
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
        return await asyncio.to_thread(self.store.claims.release_deliveries, self.owner)

    # -- draining --------------------------------------------------------------------------------

    async def drain(self, *, max_batches: int | None = None) -> DrainReport:
        """Claim and send batches until nothing is due (or `max_batches`, or stop())."""
        total = DrainReport()
        batches = 0
        while not self._stopping and (max_batches is None or batches < max_batches):
            rows = await asyncio.to_thread(
                self.store.claims.claim_deliveries,
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

    async def send_batch(self, rows: Sequence[DeliveryRecord]) -> DrainReport:
        """Send claimed rows: one channel at a time in order, several channels at once."""
        report = DrainReport(claimed=len(rows))
        by_channel: dict[tuple[str, str, str], list[DeliveryRecord]] = {}
        for row in rows:
            by_channel.setdefault((row.platform, row.workspace, row.target), []).append(row)
            self._leases[row.id] = row.lease_until or self.clock()
        gate = asyncio.Semaphore(self.config.concurrency)

        async def serve(queue: list[DeliveryRecord]) -> None:
            async with gate:
                for row in queue:
                    if self._stopping:
                        return  # the rest stay claimed; close() hands them back
                    report.outcomes[row.key] = await self._send_one(row, report)

        try:
            await asyncio.gather(*(serve(q) for q in by_channel.values()))
        finally:
            for row in rows:
                self._leases.pop(row.id, None)
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

    async def _send_one(self, row: DeliveryRecord, report: DrainReport) -> str:
        publisher = self.publishers[row.platform]
        target = Recipient(row.platform, row.workspace, row.target, row.direct)
        self._in_flight.add(row.id)
        self._idle.clear()
        try:
            await self._pace(row.platform, row.target)
            if not await asyncio.to_thread(self._still_ours, row):
                return "lost"  # the lease ran out while waiting and another sender took the row
            if row.attempted_at is not None and isinstance(publisher, Reconciler):
                decided = await self._reconcile(publisher, target, row, report)
                if decided is not None:
                    return decided
            mark = self.store.outbox.mark_attempt
            if not await asyncio.to_thread(mark, row.id, self.owner, self.clock()):
                return "lost"
            keeper = asyncio.create_task(self._keep_lease(row))
            try:
                return await self._send(publisher, target, row, report)
            finally:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
        finally:
            self._in_flight.discard(row.id)
            if not self._in_flight:
                self._idle.set()

    async def _send(
        self, publisher: Publisher, target: Recipient, row: DeliveryRecord, report: DrainReport
    ) -> str:
        """One send and its outcome recorded; an unknown outcome keeps the attempt's time."""
        try:
            document = Document.from_json(row.payload)
            sent = await publisher.send(target, document, key=row.key)
        except RecipientGone as exc:
            await asyncio.to_thread(self._permanent, row, "gone", str(exc), report)
            return "gone"
        except Forbidden as exc:
            await asyncio.to_thread(self._permanent, row, "forbidden", str(exc), report)
            return "forbidden"
        except Transient as exc:
            unknown = isinstance(exc, OutcomeUnknown)
            return await asyncio.to_thread(
                self._transient, row, str(exc), exc.retry_after, report, unknown
            )
        except Exception as exc:  # a bug or an unexpected SDK error: retry, never lose the row
            log.exception("send of %s failed unexpectedly", row.key)
            error = f"{type(exc).__name__}: {exc}"
            return await asyncio.to_thread(self._transient, row, error, None, report, True)
        await asyncio.to_thread(self.store.outbox.mark_sent, row.id, sent.message_id, self.clock())
        report.sent += 1
        self._count("sent", row)
        return "sent"

    async def _reconcile(
        self, publisher: Reconciler, target: Recipient, row: DeliveryRecord, report: DrainReport
    ) -> str | None:
        """Look for the message of an earlier attempt whose outcome was unknown. Returns the
        outcome when that settles it ("sent": found; "retried": could not look yet), else None:
        it was not posted, send it."""
        assert row.attempted_at is not None
        try:
            found = await publisher.find(target, row.key, row.attempted_at)
        except Transient as exc:
            error = f"could not check whether an earlier attempt was posted: {exc}"
            return await asyncio.to_thread(
                self._transient, row, error, exc.retry_after, report, True
            )
        except PublishError as exc:
            log.warning(
                "delivery %s: cannot tell whether it was posted (%s); sending", row.key, exc
            )
            return None
        if found is None:
            log.info("delivery %s: an earlier attempt was not posted; sending it", row.key)
            return None
        await asyncio.to_thread(self.store.outbox.mark_sent, row.id, found.message_id, self.clock())
        log.info("delivery %s: an earlier attempt was posted after all; recorded", row.key)
        report.sent += 1
        self._count("sent", row)
        return "sent"

    async def _keep_lease(self, row: DeliveryRecord) -> None:
        """While a send is under way (a post may take a minute), keep the row's lease fresh so no
        other sender takes it and looks for the message before the platform has answered."""
        renew = self.store.claims.renew_delivery
        while True:
            await asyncio.sleep(self.config.lease.total_seconds() / 3)
            until = self.clock() + self.config.lease
            if await asyncio.to_thread(renew, self.owner, row.id, until):
                self._leases[row.id] = until

    def _still_ours(self, row: DeliveryRecord) -> bool:
        """Renew the lease when half of it is gone; False when another sender took the row."""
        now = self.clock()
        if self._leases.get(row.id, now) - now > self.config.lease / 2:
            return True
        until = now + self.config.lease
        if self.store.claims.renew_delivery(self.owner, row.id, until):
            self._leases[row.id] = until
            return True
        return False

    def _count(self, what: str, row: DeliveryRecord) -> None:
        if self.metrics is not None:
            self.metrics.delivery(what, row.platform, row.kind)

    def _transient(
        self,
        row: DeliveryRecord,
        error: str,
        retry_after: float | None,
        report: DrainReport,
        unknown: bool = False,
    ) -> str:
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            reason = f"gave up after {attempts} attempts: {error}"
            notices = self._failed_notices(row, reason)
            report.notices += self.store.outbox.give_up(row.id, "failed", reason, notices)
            report.failed += 1
            self._count("failed", row)
            log.warning("delivery %s failed for good: %s", row.key, error)
            return "failed"
        delay = backoff_seconds(attempts, self.config, retry_after, row.id)
        retry_at = self.clock() + timedelta(seconds=delay)
        self.store.outbox.mark_retry(row.id, error, retry_at, unknown=unknown)
        report.retried += 1
        self._count("retried", row)
        log.info("delivery %s will retry in %.0f s: %s", row.key, delay, error)
        return "retried"

    def _permanent(self, row: DeliveryRecord, status: str, error: str, report: DrainReport) -> None:
        if row.kind == "notice":  # a notice that cannot be delivered is not reported again
            self.store.outbox.give_up(row.id, status, error, ())
        else:
            reason = (
                f"the channel is gone (archived, deleted, or the bot was removed): {error}"
                if status == "gone"
                else f"the bot is not allowed to post there: {error}"
            )
            notices = self._disabled_notices(row, status, error, reason)
            report.notices += self.store.outbox.give_up(
                row.id, status, error, notices, disable=reason
            )
        setattr(report, status, getattr(report, status) + 1)
        self._count(status, row)
        log.warning("delivery %s: %s (%s)", row.key, status, error)

    # -- what the admins are told ----------------------------------------------------------------

    def _disabled_notices(
        self, row: DeliveryRecord, status: str, error: str, reason: str
    ) -> list[NewDelivery]:
        """The DMs saying that the subscription or watch behind the row was turned off; queued
        only by the failure that turns it off."""
        origin = self._origin(row)
        lines: tuple[str, ...]
        if row.subscription_id is not None:
            lines = (
                f"The daily digest for channel {row.target} was turned off: {reason}.",
                'To turn it back on, re-invite the bot to the channel and run "/digest on" in '
                "that channel.",
            )
            about = f"sub{row.subscription_id}"
            return self._notices(row, status, about, origin.subscription_creator, lines)
        if row.watch_id is not None:
            lines = (
                f'The watch "{origin.watch_query}" of user {origin.watch_user} was turned off: '
                f"the bot cannot send them direct messages ({error}).",
                'They can turn it back on with "/watch" once the bot can message them again.',
            )
            return self._notices(row, status, f"watch{row.watch_id}", None, lines)
        lines = (f"A {row.kind} to {row.target} could not be delivered: {reason}.",)
        return self._notices(row, status, f"delivery{row.id}", None, lines)

    def _failed_notices(self, row: DeliveryRecord, reason: str) -> list[NewDelivery]:
        if row.kind == "notice":
            return []
        lines = (
            f"A {row.kind} for {row.target} could not be delivered and was dropped: {reason}.",
            "The platform kept failing; the next one will be tried as usual.",
        )
        creator = self._origin(row).subscription_creator
        return self._notices(row, "failed", f"delivery{row.id}", creator, lines)

    def _origin(self, row: DeliveryRecord) -> DeliveryOrigin:
        if row.subscription_id is None and row.watch_id is None:
            return DeliveryOrigin()
        return self.store.outbox.origin(row.id)

    def _notices(
        self,
        row: DeliveryRecord,
        status: str,
        about: str,
        fallback: str | None,
        lines: Sequence[str],
    ) -> list[NewDelivery]:
        users = admin_recipients(row.platform, self.admins, fallback)
        if not users:
            log.warning("no admin to tell about %s (%s): set POLICYBRIEF_ADMINS", about, status)
            return []
        title = {
            "gone": "A channel is gone",
            "forbidden": "The bot is not allowed to post",
            "failed": "A post could not be delivered",
        }[status]
        payload = Document.notice(title, *lines).to_json()
        return [
            NewDelivery(
                key=f"notice:{status}:{about}:{row.id}:{user}",
                kind="notice",
                platform=row.platform,
                workspace=row.workspace,
                target=user,
                direct=True,
                payload=payload,
                next_attempt_at=self.clock(),
                subscription_id=row.subscription_id,
                watch_id=row.watch_id,
            )
            for user in users
        ]
