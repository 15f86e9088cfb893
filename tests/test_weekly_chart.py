"""Weekly digests carry the week's topic-volume chart (issue 20, item 7), through the outbox to a
local fake Slack and Discord, and to the console: once, only weekly, never empty."""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.console import ConsolePublisher
from bot.delivery import DeliveryConfig, Outbox
from bot.discord.api import ApiHTTPClient
from bot.discord.publisher import DiscordPublisher
from bot.publisher import Publisher, Recipient
from bot.slack.installation import SingleTokenClients
from bot.slack.publisher import ChannelPacer, SlackPublisher, make_client
from core.document import Document
from digest.composition.compose import compose_digest
from digest.composition.digests import run_due_digests
from digest.composition.weekchart import CHART_NAME, week_chart
from digest.judgement.classify import Taxonomy
from digest.writing.provider import SummaryProvider
from handlers.base import Role
from storage.db import Database
from storage.models import Delivery, Subscription
from storage.store import Storage
from tests.fake_discord import FakeDiscord
from tests.fake_slack import FakeSlack
from tests.fakechat import FakeChat, seed_story

PNG = b"\x89PNG\r\n\x1a\n"
DUE = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # a Saturday
NOW = DUE + timedelta(seconds=30)
DISCORD_CHANNEL = "500000000000000001"


class Clock:
    """The outbox's clock: starts at the digest run, moved on by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def seed_week(db: Database) -> None:
    """A week of stories on two topics, busier on Thursday."""
    for day in range(7):
        when = NOW - timedelta(days=day, hours=2)
        seed_story(
            db, f"Data regulator update {day}", "gdpr", topics=("data-protection",), when=when
        )
        if day == 2:
            for k in range(4):
                seed_story(
                    db,
                    f"Regulator fines platform over child safety {k}",
                    "ofcom",
                    topics=("child-safety",),
                    when=when - timedelta(minutes=k),
                )


def subscribe(db: Database, platform: str, channel: str, cadence: str = "weekly", **kw) -> int:
    sub = Subscription(
        platform=platform,
        workspace="T0001" if platform == "slack" else "g1",
        channel=channel,
        local_time="09:00",
        timezone="UTC",
        cadence=cadence,
        weekday=5 if cadence == "weekly" else None,
        next_due_at=DUE,
        last_digest_at=DUE - timedelta(days=7 if cadence == "weekly" else 1),
        **kw,
    )
    with db.session() as s:
        s.add(sub)
        s.flush()
        assert sub.id is not None
        return sub.id


def run_digests(db: Database, now: datetime = NOW) -> list[str]:
    store = Storage(db)
    compose = functools.partial(compose_digest, store, Taxonomy.load(), SummaryProvider())
    report = asyncio.run(run_due_digests(store, compose, now=now))
    return [o.action for o in report.outcomes]


def payloads(db: Database) -> list[Document]:
    with db.session() as s:
        rows = s.exec(select(Delivery).order_by(Delivery.id)).all()
        return [Document.from_json(r.payload) for r in rows]


async def drain_for_an_hour(outbox: Outbox, clock: Clock) -> None:
    for _ in range(6):
        await outbox.drain()
        clock.now += timedelta(minutes=10)


def outbox_on(db: Database, platform: str, publisher: Publisher, clock: Clock) -> Outbox:
    config = DeliveryConfig(channel_interval=0, backoff_base=30)
    return Outbox(Storage(db), {platform: publisher}, clock=clock, config=config)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


def slack_publisher(fake: FakeSlack) -> SlackPublisher:
    client = make_client("xoxb-test", base_url=fake.api_url, posting=True)
    return SlackPublisher(SingleTokenClients(client), pacer=ChannelPacer(interval=0))


# -- composing ---------------------------------------------------------------------------------


def test_a_weekly_digest_carries_the_weeks_topic_chart_and_a_daily_one_none(db):
    seed_week(db)
    subscribe(db, "slack", "CWEEK")
    subscribe(db, "slack", "CDAY", cadence="daily")
    assert run_digests(db) == ["queued", "queued"]
    weekly, daily = payloads(db)
    (image,) = weekly.images
    assert image.name == CHART_NAME and image.media_type == "image/png"
    assert image.data.startswith(PNG)
    assert image.alt.startswith("Stories this week by topic, 22 Nov to 28 Nov 2026")
    assert "11 story counts" in image.alt  # seven data-protection stories and four on child safety
    assert daily.images == []
    assert daily.stories() and weekly.stories()


def test_a_week_with_no_stories_has_no_empty_chart(db):
    taxonomy = Taxonomy.load()
    store = Storage(db)
    assert week_chart(store, taxonomy, slugs=frozenset(), query=None, now=NOW) is None
    subscribe(db, "slack", "CQUIET")
    assert run_digests(db) == ["quiet_posted"]
    (quiet,) = payloads(db)
    assert quiet.images == [] and "Quiet day" in quiet.sections[0].lines[0]


def test_the_chart_counts_only_the_topics_the_channel_follows(db):
    seed_week(db)
    taxonomy = Taxonomy.load()
    image = week_chart(
        Storage(db), taxonomy, slugs=frozenset({"child-safety"}), query=None, now=NOW
    )
    assert image is not None and "4 story counts" in image.alt
    nothing = week_chart(
        Storage(db), taxonomy, slugs=frozenset({"crypto-assets"}), query=None, now=NOW
    )
    assert nothing is None


# -- Slack ---------------------------------------------------------------------------------------


async def test_slack_gets_the_weekly_chart_uploaded_once_into_the_channel(db, slack):
    seed_week(db)
    subscribe(db, "slack", "CWEEK")
    assert await asyncio.to_thread(run_digests, db) == ["queued"]
    clock = Clock()
    outbox = outbox_on(db, "slack", slack_publisher(slack), clock)
    await drain_for_an_hour(outbox, clock)
    # the same digest run again (a second scheduler, a restart): the outbox keeps it once
    assert await asyncio.to_thread(run_digests, db) == []
    await drain_for_an_hour(outbox, clock)
    assert len(slack.posted("CWEEK")) == 1
    (shared,) = slack.of("files.completeUploadExternal")
    assert shared.args["channel_id"] == "CWEEK"
    (uploaded,) = [data for data in slack.uploads.values() if data]
    (stored,) = payloads(db)
    assert uploaded == stored.images[0].data  # the bytes stored with the digest, as drawn


async def test_slack_daily_digest_uploads_nothing(db, slack):
    seed_week(db)
    subscribe(db, "slack", "CDAY", cadence="daily")
    assert await asyncio.to_thread(run_digests, db) == ["queued"]
    clock = Clock()
    await drain_for_an_hour(outbox_on(db, "slack", slack_publisher(slack), clock), clock)
    assert len(slack.posted("CDAY")) == 1
    assert slack.of("files.getUploadURLExternal") == []


async def test_a_failed_chart_upload_does_not_post_the_digest_again(db, slack):
    seed_week(db)
    subscribe(db, "slack", "CWEEK")
    assert await asyncio.to_thread(run_digests, db) == ["queued"]
    slack.fail("files.completeUploadExternal", error="internal_error", times=5)
    clock = Clock()
    await drain_for_an_hour(outbox_on(db, "slack", slack_publisher(slack), clock), clock)
    assert len(slack.posted("CWEEK")) == 1
    assert len(slack.of("files.completeUploadExternal")) == 1  # at most once: never retried
    with db.session() as s:
        assert s.exec(select(Delivery)).one().status == "sent"


# -- Discord -------------------------------------------------------------------------------------


async def test_discord_gets_the_weekly_chart_in_the_embed_once(db):
    seed_week(db)
    subscribe(db, "discord", DISCORD_CHANNEL)
    assert await asyncio.to_thread(run_digests, db) == ["queued"]
    fake = await FakeDiscord().start()
    http = ApiHTTPClient(asyncio.get_running_loop(), api_base=fake.api_base)
    try:
        await http.static_login("test-token")
        clock = Clock()
        outbox = outbox_on(db, "discord", DiscordPublisher(http), clock)
        await drain_for_an_hour(outbox, clock)
        assert await asyncio.to_thread(run_digests, db) == []
        await drain_for_an_hour(outbox, clock)
    finally:
        await http.close()
        await fake.stop()
    posts = fake.calls("POST", f"/channels/{DISCORD_CHANNEL}/messages")
    with_files = [p for p in posts if p.files]
    assert len(with_files) == 1 and posts[0] is with_files[0]  # on the first message only
    (stored,) = payloads(db)
    assert with_files[0].files == {CHART_NAME: stored.images[0].data}
    embed = with_files[0].json["embeds"][0]
    assert embed["image"]["url"] == f"attachment://{CHART_NAME}"


# -- console -------------------------------------------------------------------------------------


async def test_the_console_writes_the_chart_to_a_file_and_prints_its_path(db, tmp_path: Path):
    seed_week(db)
    subscribe(db, "console", "console")
    assert await asyncio.to_thread(run_digests, db) == ["queued"]
    out = io.StringIO()
    console = ConsolePublisher(out, images=tmp_path)
    clock = Clock()
    await drain_for_an_hour(outbox_on(db, "console", console, clock), clock)
    text = out.getvalue()
    (line,) = [line for line in text.splitlines() if line.startswith("Chart saved to ")]
    path = Path(line.removeprefix("Chart saved to "))
    (stored,) = payloads(db)
    assert path.is_relative_to(tmp_path) and path.read_bytes() == stored.images[0].data
    # a resend of the same delivery writes the same file, not another one
    await console.send(Recipient("console", "local", "console"), stored, key=_key(db))
    assert sorted(tmp_path.rglob("*.png")) == [path]


def _key(db: Database) -> str:
    with db.session() as s:
        return s.exec(select(Delivery)).one().idempotency_key


# -- preview -------------------------------------------------------------------------------------


def test_a_weekly_digests_preview_shows_its_chart_and_a_daily_ones_none(db):
    seed_week(db)
    chat = FakeChat(db)
    chat.clock.now = NOW
    chat.say("/digest on weekly sat 09:00 UTC", as_=Role.ADMIN)
    (image,) = chat.say("/digest preview", as_=Role.ADMIN).document.images
    assert image.name == CHART_NAME and image.data.startswith(PNG)
    chat.say("/digest on daily 09:00 UTC", as_=Role.ADMIN)
    assert chat.say("/digest preview", as_=Role.ADMIN).document.images == []
