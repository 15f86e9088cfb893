"""The outbox sender: exactly-once sends, retries with backoff, gone or forbidden targets, stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.delivery import DeliveryConfig, Outbox, admin_recipients, backoff_seconds
from bot.publisher import Forbidden, RecipientGone, Transient
from core.document import Document
from storage.models import Delivery, Subscription, Watch
from storage.outbox import enqueue
from storage.store import Storage
from tests.fake_publisher import MemoryPublisher

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


FAST = DeliveryConfig(channel_interval=0, max_attempts=3, backoff_base=30)


def add_sub(db, channel="C1", created_by="U9") -> int:
    with db.session() as s:
        sub = Subscription(
            platform="slack",
            workspace="T1",
            channel=channel,
            created_by=created_by,
            next_due_at=T0 + timedelta(days=1),
        )
        s.add(sub)
        s.flush()
        return sub.id


def queue(db, key, target="C1", sub_id=None, watch_id=None, kind="digest", platform="slack"):
    with db.session() as s:
        assert enqueue(
            s,
            Delivery(
                idempotency_key=key,
                kind=kind,
                platform=platform,
                workspace="T1",
                target=target,
                payload=Document.notice("Daily digest", f"body of {key}").to_json(),
                next_attempt_at=T0,
                subscription_id=sub_id,
                watch_id=watch_id,
                created_at=T0,
            ),
        )


def rows(db) -> dict[str, Delivery]:
    with db.session() as s:
        return {d.idempotency_key: d for d in s.exec(select(Delivery)).all()}


def outbox(db, pub, clock, admins=(), config=FAST, **kw) -> Outbox:
    return Outbox(Storage(db), {"slack": pub}, clock=clock, config=config, admins=admins, **kw)


async def test_sends_each_row_once_and_records_the_message_id(db):
    pub, clock = MemoryPublisher(), Clock()
    for i in range(3):
        queue(db, f"digest:{i}:2026-06-01", target=f"C{i}")
    report = await outbox(db, pub, clock).drain()
    assert (report.claimed, report.sent) == (3, 3)
    assert sorted(pub.keys()) == [f"digest:{i}:2026-06-01" for i in range(3)]
    stored = rows(db)
    assert {d.status for d in stored.values()} == {"sent"}
    assert {d.message_id for d in stored.values()} == {"m1", "m2", "m3"}
    assert all(d.sent_at == T0 and d.lease_owner is None for d in stored.values())
    again = await outbox(db, pub, clock).drain()
    assert again.claimed == 0 and len(pub.attempts) == 3


async def test_transient_failure_honours_retry_after_then_sends(db):
    pub, clock = MemoryPublisher(), Clock()
    pub.failures["C1"] = [Transient("rate limited", retry_after=42)]
    queue(db, "k1")
    box = outbox(db, pub, clock)
    report = await box.drain()
    assert report.retried == 1 and report.sent == 0
    row = rows(db)["k1"]
    assert (row.status, row.attempts, row.error) == ("pending", 1, "rate limited")
    assert row.next_attempt_at == T0 + timedelta(seconds=42)
    clock.advance(seconds=41)
    assert (await box.drain()).claimed == 0  # not yet
    clock.advance(seconds=1)
    assert (await box.drain()).sent == 1
    assert pub.keys() == ["k1"]


def test_backoff_doubles_with_jitter_and_is_capped():
    cfg = DeliveryConfig(backoff_base=30, backoff_max=600)
    delays = [backoff_seconds(n, cfg, None, salt=7) for n in range(1, 7)]
    for n, delay in enumerate(delays[:4], start=1):
        assert 30 * 2 ** (n - 1) * 0.9 <= delay <= 30 * 2 ** (n - 1) * 1.1
    assert max(delays) <= 600 * 1.1
    assert backoff_seconds(3, cfg, 5.0, salt=7) == 5.0


async def test_gives_up_after_max_attempts_and_tells_the_admin(db):
    pub, clock = MemoryPublisher(), Clock()
    sub_id = add_sub(db)
    pub.failures["C1"] = [Transient("HTTP 503")] * 3
    queue(db, "digest:x", sub_id=sub_id)
    box = outbox(db, pub, clock, admins=("slack:UADMIN",))
    for _ in range(3):
        await box.drain()
        clock.advance(hours=2)
    stored = rows(db)
    assert stored["digest:x"].status == "failed"
    assert stored["digest:x"].error == "gave up after 3 attempts: HTTP 503"
    (notice,) = [d for d in stored.values() if d.kind == "notice"]
    assert (notice.target, notice.direct) == ("UADMIN", True)
    doc = Document.from_json(notice.payload)
    assert doc.title == "A post could not be delivered"
    assert (
        "could not be delivered and was dropped: gave up after 3 attempts"
        in doc.sections[0].lines[0]
    )


@pytest.mark.parametrize(
    ("error", "status", "title", "reason"),
    [
        (
            RecipientGone("channel_not_found"),
            "gone",
            "A channel is gone",
            "the channel is gone (archived, deleted, or the bot was removed): channel_not_found",
        ),
        (
            Forbidden("missing_scope chat:write"),
            "forbidden",
            "The bot is not allowed to post",
            "the bot is not allowed to post there: missing_scope chat:write",
        ),
    ],
)
async def test_gone_or_forbidden_disables_subscription_and_dms_admins_once(
    db, error, status, title, reason
):
    pub, clock = MemoryPublisher(), Clock()
    sub_id = add_sub(db)
    pub.failures["C1"] = [error, error]
    queue(db, "digest:1:2026-06-01", sub_id=sub_id)
    queue(db, "digest:1:2026-06-02", sub_id=sub_id)  # a second row to the same dead channel
    box = outbox(db, pub, clock, admins=("slack:UA", "slack:UB", "discord:123"))
    report = await box.drain()
    assert getattr(report, status) == 2
    assert report.notices == 2  # one per admin, not one per failed row
    with db.session() as s:
        sub = s.get(Subscription, sub_id)
    assert not sub.enabled and sub.next_due_at is None
    assert sub.disabled_reason == reason
    stored = rows(db)
    assert stored["digest:1:2026-06-01"].status == status
    assert stored["digest:1:2026-06-02"].status == status
    # The notices went out in the same drain, as DMs to each Slack admin.
    dms = [p for p in pub.messages if p.target.direct]
    assert sorted(p.target.id for p in dms) == ["UA", "UB"]
    doc = dms[0].document
    assert doc.title == title
    assert doc.sections[0].lines == [
        f"The daily digest for channel C1 was turned off: {reason}.",
        'To turn it back on, re-invite the bot to the channel and run "/digest on" in that '
        "channel.",
    ]
    # Later drains change nothing: the admins were told once.
    await box.drain()
    assert len([d for d in rows(db).values() if d.kind == "notice"]) == 2


async def test_without_configured_admins_the_subscriber_is_told(db):
    pub, clock = MemoryPublisher(), Clock()
    sub_id = add_sub(db, created_by="UCREATOR")
    pub.failures["C1"] = [RecipientGone("is_archived")]
    queue(db, "digest:1", sub_id=sub_id)
    await outbox(db, pub, clock).drain()
    assert [p.target.id for p in pub.messages] == ["UCREATOR"]


async def test_alert_to_a_gone_user_turns_the_watch_off(db):
    pub, clock = MemoryPublisher(), Clock()
    with db.session() as s:
        w = Watch(platform="slack", workspace="T1", user_id="U5", query="coupang fine")
        s.add(w)
        s.flush()
        watch_id = w.id
    pub.failures["U5"] = [RecipientGone("user_not_found")]
    queue(db, "alert:U5:9", target="U5", watch_id=watch_id, kind="alert")
    await outbox(db, pub, clock, admins=("UADMIN",)).drain()
    with db.session() as s:
        watch = s.get(Watch, watch_id)
    assert not watch.active
    assert watch.disabled_reason.endswith("user_not_found")
    (dm,) = pub.messages
    assert dm.target.id == "UADMIN"
    assert (
        dm.document.sections[0]
        .lines[0]
        .startswith('The watch "coupang fine" of user U5 was turned off')
    )


async def test_crash_after_claim_lease_expires_and_another_sender_delivers(db):
    pub, clock = MemoryPublisher(), Clock()
    queue(db, "k1")
    claimed = Storage(db).claims.claim_deliveries("dead-process", T0, lease=timedelta(seconds=60))
    assert [d.key for d in claimed] == ["k1"] and rows(db)["k1"].status == "sending"
    box = outbox(db, pub, clock)
    assert (await box.drain()).claimed == 0  # the lease still holds
    clock.advance(seconds=61)
    assert (await box.drain()).sent == 1
    assert pub.keys() == ["k1"]


async def test_crash_after_send_resend_is_deduplicated_by_key(db):
    pub, clock = MemoryPublisher(), Clock()
    queue(db, "k1")
    # A sender posted, then died before recording: the row is still "sending" under its lease.
    (row,) = Storage(db).claims.claim_deliveries("dead-process", T0)
    from bot.publisher import Recipient

    await pub.send(Recipient("slack", "T1", "C1"), Document.from_json(row.payload), key="k1")
    clock.advance(seconds=61)
    await outbox(db, pub, clock).drain()
    assert pub.attempts == ["k1", "k1"]  # it was resent...
    assert pub.keys() == ["k1"]  # ...and the nonce kept it to one message
    assert rows(db)["k1"].message_id == "m1"


async def test_paces_posts_per_channel(db):
    pub, clock = MemoryPublisher(), Clock()
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    for i in range(3):
        queue(db, f"a{i}", target="C1")
    queue(db, "b0", target="C2")
    cfg = DeliveryConfig(channel_interval=1.0)
    await outbox(db, pub, clock, config=cfg, sleep=fake_sleep).drain()
    assert len(pub.messages) == 4
    assert len(waits) == 2 and all(0.9 < w <= 1.0 for w in waits)  # C1 waits twice, C2 never
    assert [p.key for p in pub.messages if p.target.id == "C1"] == ["a0", "a1", "a2"]


async def test_only_platforms_with_a_publisher_are_claimed(db):
    pub, clock = MemoryPublisher(), Clock()
    queue(db, "d1", platform="discord")
    queue(db, "s1")
    await outbox(db, pub, clock).drain()
    stored = rows(db)
    assert (stored["s1"].status, stored["d1"].status) == ("sent", "pending")


async def test_close_finishes_the_send_under_way_and_hands_back_the_rest(db):
    release = asyncio.Event()
    started = asyncio.Event()

    class SlowPublisher(MemoryPublisher):
        async def send(self, target, document, *, key):
            started.set()
            await release.wait()
            return await super().send(target, document, key=key)

    pub, clock = SlowPublisher(), Clock()
    for i in range(3):
        queue(db, f"k{i}", target="C1")
    box = outbox(db, pub, clock)
    drain = asyncio.create_task(box.drain())
    await started.wait()
    closing = asyncio.create_task(box.close(timeout=5))
    await asyncio.sleep(0)
    release.set()
    released = await closing
    await drain
    stored = rows(db)
    assert pub.keys() == ["k0"]
    assert stored["k0"].status == "sent"
    assert released == 2
    assert {stored["k1"].status, stored["k2"].status} == {"pending"}
    assert stored["k1"].lease_owner is None


def test_admin_recipients_pick_the_platform_and_fall_back_to_the_subscriber():
    admins = ("slack:UA", "discord:42", "UB", "777", "ops")
    assert admin_recipients("slack", admins, "UX") == ["UA", "UB", "ops"]
    assert admin_recipients("discord", admins, "UX") == ["42", "777", "ops"]
    assert admin_recipients("slack", (), "UX") == ["UX"]
    assert admin_recipients("slack", (), None) == []
