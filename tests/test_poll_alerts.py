"""`policybrief poll` runs the same after-hooks as the scheduler: a new story that matches a watch
is queued as an alert; with no bot running the poll sends it itself (once), with a bot running it
leaves the send to the bot."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from sqlmodel import select

from core.document import Document
from storage.db import Database
from storage.models import Delivery, Source, Watch
from storage.store import Storage
from tests.fake_slack import FakeSlack
from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent


def coupang_feed(published: datetime) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>KR Wire</title>'
        "<link>https://kr.example.org/</link><item>"
        "<title>Coupang fined over data breach affecting 33 million customers</title>"
        "<link>https://kr.example.org/coupang-fine</link><guid>coupang-1</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate>"
        "<description>Korea's privacy regulator fined Coupang after the breach.</description>"
        "</item></channel></rss>"
    ).encode()


def seeded(path: Path, feed_url: str, now: datetime) -> Database:
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    with db.session() as s:
        s.add(Source(url=feed_url, name="KR Wire", created_at=now - timedelta(days=3)))
        s.add(
            Watch(
                platform="slack",
                workspace="T0001",
                user_id="U7",
                query="coupang",
                created_at=now - timedelta(days=1),
            )
        )
    return db


async def poll(db: Database, feeds: FeedServer, fake: FakeSlack) -> tuple[int, str]:
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "POLICYBRIEF_SEED_SOURCES": "false",
        "POLICYBRIEF_FETCH_ALLOW": feeds.allow,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_API_URL": fake.api_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "poll",
        "--all",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return int(proc.returncode or 0), out.decode()


async def test_cli_poll_of_a_new_coupang_story_delivers_exactly_one_alert(tmp_path):
    now = datetime.now(UTC)
    extra = {"/kr.xml": coupang_feed(now - timedelta(minutes=10))}
    fake = await FakeSlack().start()
    try:
        with FeedServer(0, now, extra) as feeds:
            db = seeded(tmp_path / "poll.db", f"http://{feeds.allow}/kr.xml", now)
            code, out = await poll(db, feeds, fake)
            assert code == 0, out
            assert "Sent 1 queued messages (0 failed)." in out
            # a second poll finds nothing new and sends nothing more
            code, out = await poll(db, feeds, fake)
            assert code == 0, out
    finally:
        await fake.stop()
    posts = fake.of("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].args["channel"] == "DU7"
    text = str(posts[0].args["blocks"])
    assert "<https://kr.example.org/coupang-fine|Coupang fined over data breach" in text
    assert "*coupang (watch #1)*" in text
    with db.session() as s:
        (row,) = s.exec(select(Delivery)).all()
    assert (row.kind, row.status) == ("alert", "sent")
    db.dispose()


async def test_cli_poll_leaves_the_send_to_a_running_bot(tmp_path):
    now = datetime.now(UTC)
    extra = {"/kr.xml": coupang_feed(now - timedelta(minutes=10))}
    fake = await FakeSlack().start()
    try:
        with FeedServer(0, now, extra) as feeds:
            db = seeded(tmp_path / "poll.db", f"http://{feeds.allow}/kr.xml", now)
            Storage(db).claims.heartbeat("the-bot", now, timedelta(minutes=5))
            code, out = await poll(db, feeds, fake)
            assert code == 0, out
            assert "Watch alerts are queued; the running bot sends them." in out
    finally:
        await fake.stop()
    assert fake.of("chat.postMessage") == []
    with db.session() as s:
        (row,) = s.exec(select(Delivery)).all()
    assert (row.kind, row.status, row.target) == ("alert", "pending", "U7")
    assert [c.headline for c in Document.from_json(row.payload).stories()] == [
        "Coupang fined over data breach affecting 33 million customers"
    ]
    db.dispose()
