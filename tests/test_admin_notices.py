"""A source disabled after repeated failures is reported to the admins by DM, once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.app import build_components, build_ticks
from bot.settings import load_settings
from core.document import Document
from storage.models import Delivery, Source, TenantSource
from tests.test_scheduler import FAST, Clock, FeedServer, MemoryPublisher


def _bot(db, clock, feeds):
    """The bot's components and ticks, with two operators (one per platform)."""
    settings = load_settings(
        fetch_allow=feeds.allow, database_url="sqlite:///unused.db", admins="U0ADMIN,42"
    )
    comps = build_components(settings, clock=clock, db=db)
    publishers = {"slack": MemoryPublisher("slack"), "discord": MemoryPublisher("discord")}
    return comps, build_ticks(comps, publishers, delivery=FAST)


async def test_admins_hear_once_that_a_failing_source_was_disabled(db):
    clock = Clock()
    with FeedServer(1, published=clock.now) as feeds:
        comps, ticks = _bot(db, clock, feeds)
        missing = feeds.url(0).replace("/0.xml", "/404.xml")
        with db.session() as s:
            s.add(
                Source(
                    url=missing, name="Gone Feed", consecutive_failures=9, next_poll_at=clock.now
                )
            )
        try:
            assert (await ticks.poll()).failures == 1
            clock.now += timedelta(days=2)
            assert (await ticks.poll()).polled == 0  # disabled: not polled again
            with db.session() as s:
                source = s.exec(select(Source)).one()
                notices = s.exec(select(Delivery).where(Delivery.kind == "notice")).all()
            assert not source.enabled
            assert source.disabled_reason.startswith(
                "disabled after 10 failures in a row: HTTP 404"
            )
            assert sorted((n.platform, n.target, n.direct) for n in notices) == [
                ("discord", "42", True),
                ("slack", "U0ADMIN", True),
            ]
            doc = Document.from_json(notices[0].payload)
            assert doc.title == "policybrief stopped polling the source “Gone Feed”"
            assert f"/sources add {missing}" in doc.sections[0].lines[-1]
            sent = await ticks.outbox_tick()
            assert sent.sent == 2
        finally:
            await comps.aclose()


async def test_a_private_source_disabled_is_told_to_who_added_it_and_to_no_one_else(db):
    clock = Clock()
    with FeedServer(1, published=clock.now) as feeds:
        comps, ticks = _bot(db, clock, feeds)
        missing = feeds.url(0).replace("/0.xml", "/404.xml")
        with db.session() as s:
            source = Source(
                url=missing,
                name="Watched regulator",
                shared=False,
                consecutive_failures=9,
                next_poll_at=clock.now,
            )
            s.add(source)
            s.flush()
            s.add(
                TenantSource(
                    source_id=source.id,
                    platform="slack",
                    workspace="TA",
                    relation="own",
                    added_by="UADDER",
                )
            )
        try:
            assert (await ticks.poll()).failures == 1
            with db.session() as s:
                notices = s.exec(select(Delivery).where(Delivery.kind == "notice")).all()
            assert [(n.platform, n.workspace, n.target) for n in notices] == [
                ("slack", "TA", "UADDER")
            ]
        finally:
            await comps.aclose()
