"""The scheduler's ticks end to end in one process: poll -> stories -> digest -> outbox -> post."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from sqlmodel import select

from bot.app import build_components, build_ticks
from bot.delivery import DeliveryConfig
from bot.ops import configure_logging
from bot.scheduler import Scheduler, TickConfig
from bot.settings import load_settings
from core.audit import AuditEntry
from core.clock import utcnow
from storage.models import Delivery, Lease, Pin, Source, Story, Subscription, Watch
from storage.store import Storage
from tests.fake_publisher import MemoryPublisher
from tests.feedserver import FeedServer

FAST = DeliveryConfig(channel_interval=0)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


def setup(
    db,
    feeds: FeedServer,
    n_sources: int,
    clock: Clock,
    config: TickConfig | None = None,
    with_sub: bool = True,
):
    settings = load_settings(fetch_allow=feeds.allow, database_url="sqlite:///unused.db")
    comps = build_components(settings, clock=clock, db=db)
    with db.session() as s:
        for i in range(n_sources):
            s.add(
                Source(
                    url=feeds.url(i),
                    name=f"Feed {i}",
                    next_poll_at=clock.now,
                    created_at=clock.now - timedelta(days=1),  # its items are news, not backlog
                )
            )
        if with_sub:
            s.add(
                Subscription(
                    platform="slack",
                    workspace="T1",
                    channel="C1",
                    local_time="08:00",
                    timezone="UTC",
                    next_due_at=clock.now + timedelta(hours=1),
                )
            )
    pub = MemoryPublisher("slack")
    ticks = build_ticks(comps, {"slack": pub}, delivery=FAST, config=config)
    return comps, ticks, pub


async def test_poll_then_digest_then_send_posts_one_digest_with_the_new_stories(db):
    clock = Clock()
    with FeedServer(3, published=clock.now - timedelta(hours=1)) as feeds:
        comps, ticks, pub = setup(db, feeds, 3, clock)
        with db.session() as s:
            saved = clock.now - timedelta(days=1)  # before the stories were published
            s.add(
                Watch(
                    platform="slack", workspace="T1", user_id="U7", query="GDPR", created_at=saved
                )
            )
        try:
            outcome = await ticks.poll()
            assert (outcome.polled, outcome.failures) == (3, 0)
            assert outcome.items_stored == 3
            assert sorted(feeds.hits.values()) == [1, 1, 1]
            # The poll queued the watch alert for the one matching story; the outbox sends it.
            assert (await ticks.outbox_tick()).sent == 1
            (alert,) = pub.messages
            assert (alert.target.id, alert.target.direct) == ("U7", True)
            assert "GDPR" in alert.document.stories()[0].headline
            pub.messages.clear()
            # Polled sources are not due again until their interval has passed.
            clock.now += timedelta(minutes=5)
            assert (await ticks.poll()).polled == 0
            assert sum(feeds.hits.values()) == 3
            with db.session() as s:
                assert all(
                    src.next_poll_at > clock.now and src.lease_owner is None
                    for src in s.exec(select(Source)).all()
                )
            # The digest is not due yet; then it is, once.
            assert (await ticks.digests()).outcomes == []
            clock.now += timedelta(hours=1)
            report = await ticks.digests()
            assert report.summary() == "1 due: 1 queued"
            assert (await ticks.digests()).outcomes == []
            sent = await ticks.outbox_tick()
            assert sent.sent == 1
            (post,) = pub.messages
            assert post.key.startswith("digest:")
            assert post.target.id == "C1"
            assert len(post.document.stories()) == 3
            assert any(
                c.headline.startswith("Data protection authority fines company over GDPR")
                for c in post.document.stories()
            )
            metrics = comps.metrics.render().decode()
            assert "policybrief_sources_polled_total 3.0" in metrics
            assert "policybrief_items_stored_total 3.0" in metrics
            assert (
                'policybrief_deliveries_total{kind="digest",outcome="sent",platform="slack"} 1.0'
                in metrics
            )
        finally:
            await comps.aclose()


async def test_apscheduler_runs_the_ticks_and_stop_releases_every_lease(db):
    clock = Clock()
    config = TickConfig(
        poll_every=0.2,
        digests_every=0.2,
        outbox_every=0.05,
        summaries_every=0.5,
        prune_every=5,
        heartbeat_every=0.2,
    )
    with FeedServer(2, published=clock.now - timedelta(hours=1)) as feeds:
        comps, ticks, pub = setup(db, feeds, 2, clock, config)
        with db.session() as s:
            sub = s.exec(select(Subscription)).one()
            sub.next_due_at = clock.now - timedelta(minutes=1)
            s.add(sub)
        scheduler = Scheduler(ticks)
        try:
            scheduler.start()
            for _ in range(200):
                if pub.messages:
                    break
                await asyncio.sleep(0.05)
            assert [p.target.id for p in pub.messages] == ["C1"]
            assert scheduler.health()["status"] == "ok"
            clock.now += timedelta(minutes=2)  # as if the outbox tick had hung for 2 minutes
            assert scheduler.health()["status"] == "stale"
            clock.now -= timedelta(minutes=2)
            with db.session() as s:
                assert s.get(Lease, f"heartbeat:{ticks.owner}") is not None
        finally:
            await scheduler.stop(timeout=5)
            await comps.aclose()
    assert scheduler.health()["status"] == "stopping"
    with db.session() as s:
        assert s.get(Lease, f"heartbeat:{ticks.owner}") is None
        for model in (Source, Subscription, Delivery):
            assert all(r.lease_owner is None for r in s.exec(select(model)).all())


def test_sqlite_warns_when_another_process_shares_the_file(sqlite_db, caplog):
    clock = Clock()
    with FeedServer(0, published=clock.now) as feeds:
        comps, ticks, _pub = setup(sqlite_db, feeds, 0, clock)
        assert ticks.sqlite_warning() is None
        Storage(sqlite_db).claims.heartbeat("otherhost:4242:abcd", clock.now, timedelta(seconds=60))
        warning = ticks.sqlite_warning()
        assert warning == (
            "Another policybrief process (otherhost:4242:abcd) is using this SQLite database. "
            "SQLite supports one process: run a single instance, or use PostgreSQL "
            "(DATABASE_URL=postgresql://...) for several replicas."
        )
        with caplog.at_level(logging.WARNING, logger="policybrief.scheduler"):
            asyncio.run(ticks.heartbeat())  # the periodic check logs it, once
            asyncio.run(ticks.heartbeat())
        assert [r.getMessage() for r in caplog.records] == [warning]
        clock.now += timedelta(minutes=2)  # its heartbeat went stale: it is gone
        assert ticks.sqlite_warning() is None
        asyncio.run(comps.aclose())


async def test_prune_removes_old_finished_work_once_across_replicas(db):
    clock = Clock()
    old = clock.now - timedelta(days=40)
    with FeedServer(0, published=clock.now) as feeds:
        comps, ticks, _pub = setup(db, feeds, 0, clock)
        with db.session() as s:
            s.add(Story(id=1, headline="h", first_seen_at=old, last_seen_at=old))
            s.flush()
            s.add(
                Pin(
                    platform="slack",
                    workspace="T1",
                    channel="C1",
                    story_id=1,
                    pinned_by="U1",
                    pinned_at=old,
                    expires_at=old + timedelta(days=7),
                )
            )
            for key, status in (("old-sent", "sent"), ("old-pending", "pending")):
                s.add(
                    Delivery(
                        idempotency_key=key,
                        kind="digest",
                        platform="slack",
                        workspace="T1",
                        target="C1",
                        status=status,
                        created_at=old,
                    )
                )
        Storage(db).claims.heartbeat("crashed:1:x", old, timedelta(seconds=60))
        for at in (clock.now - timedelta(days=366), clock.now - timedelta(days=364)):
            Storage(db).audit.record(AuditEntry("slack", "T1", "U1", at, "/digest off"))
        done = await ticks.prune()
        assert done == {
            "deliveries": 1,
            "pins": 1,
            "llm_usage": 0,
            "stale heartbeats": 1,
            "audit entries": 1,
        }
        with db.session() as s:
            assert [d.idempotency_key for d in s.exec(select(Delivery)).all()] == ["old-pending"]
        # Another replica in the same half hour does nothing.
        comps2, ticks2, _ = setup(db, feeds, 0, clock, with_sub=False)
        assert await ticks2.prune() == {}
        await comps.aclose()
        await comps2.aclose()


def test_json_logs_never_show_secrets(capsys):
    root, ours = logging.getLogger(), logging.getLogger("policybrief")
    saved = (list(root.handlers), root.level, ours.level)
    try:
        # Bolt sets the level of the logger named after its app ("policybrief") from the root's
        # level when a Slack app is built: an earlier test in this process may have done so.
        ours.setLevel(logging.NOTSET)
        configure_logging("INFO", True, ["sk-live-0123456789abcdef"])
        logging.getLogger("policybrief.test").info(
            "calling with %s and xoxb-1234567890-abcdef",
            "sk-live-0123456789abcdef",
            extra={"subscription": 7},
        )
        line = capsys.readouterr().err.strip().splitlines()[-1]
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        ours.setLevel(saved[2])
    record = json.loads(line)
    assert record["message"] == "calling with *** and ***"
    assert (record["level"], record["logger"], record["subscription"]) == (
        "INFO",
        "policybrief.test",
        7,
    )
