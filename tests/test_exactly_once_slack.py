"""Exactly once against a slow and a dying Slack (issue 14, item 1), on SQLite and PostgreSQL.

Slack has no idempotency key. A post whose outcome is unknown (no answer in time, the connection
lost after the request was written, the sender killed before it recorded the answer) is never sent
again blindly: the next attempt first looks for the message in the channel's history, where its
metadata carries the delivery key. Each case below ends with one message in the channel.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.delivery import DeliveryConfig, Outbox
from bot.slack.installation import SingleTokenClients
from bot.slack.publisher import ChannelPacer, SlackPublisher, make_client
from core.document import Document
from storage.db import Database
from storage.models import Delivery, Subscription
from storage.outbox import enqueue
from storage.store import Storage
from tests.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
KEY = "digest:1:2026-06-01"


class Clock:
    """Real time plus an offset the test moves on ("ten minutes later")."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def later(self, **kw: float) -> None:
        self.offset += timedelta(**kw)


def queue(
    db: Database,
    clock: Clock,
    key: str = KEY,
    target: str = "C1",
    kind: str = "digest",
    **kw: object,
) -> None:
    with db.session() as s:
        assert enqueue(
            s,
            Delivery(
                idempotency_key=key,
                kind=kind,
                platform="slack",
                workspace="T0001",
                target=target,
                payload=Document.notice("Policy digest", "One story today.").to_json(),
                next_attempt_at=clock() - timedelta(seconds=1),
                **kw,
            ),
        )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack(clock=time.time).start()  # message ts in real time, as Slack's
    yield server
    await server.stop()


def row(db: Database) -> Delivery:
    with db.session() as s:
        return s.exec(select(Delivery)).one()


def outbox_on(db: Database, fake: FakeSlack, clock: Clock, timeout: float | None = None) -> Outbox:
    client = make_client("xoxb-test", base_url=fake.api_url, posting=True, timeout=timeout)
    publisher = SlackPublisher(SingleTokenClients(client), pacer=ChannelPacer(interval=0))
    config = DeliveryConfig(channel_interval=0, backoff_base=30)
    return Outbox(Storage(db), {"slack": publisher}, clock=clock, config=config)


async def drain_for_an_hour(outbox: Outbox, clock: Clock) -> None:
    """The outbox tick's work now and over the next hour (every retry comes due in it)."""
    for _ in range(6):
        await outbox.drain()
        clock.later(minutes=10)


async def test_slack_answering_after_17_s_gets_one_post(db, fake):
    clock = Clock()
    queue(db, clock)
    fake.slow("chat.postMessage", 17)
    started = time.monotonic()
    await drain_for_an_hour(outbox_on(db, fake, clock), clock)
    assert time.monotonic() - started >= 17
    assert len(fake.posted("C1")) == 1
    stored = row(db)
    assert stored.status == "sent" and stored.attempts == 0
    assert stored.message_id == fake.posted("C1")[0]["ts"]


async def test_no_answer_in_time_is_looked_for_not_resent(db, fake):
    clock = Clock()
    queue(db, clock)
    fake.slow("chat.postMessage", 3)
    outbox = outbox_on(db, fake, clock, timeout=1)
    first = await outbox.drain()
    assert first.retried == 1 and row(db).attempted_at is not None
    await asyncio.sleep(2.5)  # Slack finishes its slow answer meanwhile
    await drain_for_an_hour(outbox, clock)
    assert len(fake.posted("C1")) == 1
    assert len(fake.of("chat.postMessage")) == 1
    assert len(fake.of("conversations.history")) == 1
    history = fake.of("conversations.history")[0].args
    assert history["channel"] == "C1" and history["include_all_metadata"] in (True, "true", "1")
    stored = row(db)
    assert stored.status == "sent" and stored.attempted_at is None
    assert stored.message_id == fake.posted("C1")[0]["ts"]


@pytest.mark.parametrize(
    ("accepted", "posts_made"),
    [(True, 1), (False, 2)],  # after: looked for and found; before: looked for, then sent
    ids=["dropped after the post", "dropped before the post"],
)
async def test_a_dropped_connection_gets_one_post(db, fake, accepted, posts_made):
    clock = Clock()
    queue(db, clock)
    fake.drop("chat.postMessage", accepted=accepted)
    await drain_for_an_hour(outbox_on(db, fake, clock), clock)
    assert len(fake.posted("C1")) == 1
    assert len(fake.of("chat.postMessage")) == posts_made  # never retried blindly by the client
    assert len(fake.of("conversations.history")) == 1
    assert row(db).status == "sent"


async def test_a_direct_message_is_looked_for_in_the_dm(db, fake):
    clock = Clock()
    queue(db, clock, key="alert:1:7", target="U42", kind="alert", direct=True)
    fake.drop("chat.postMessage")
    await drain_for_an_hour(outbox_on(db, fake, clock), clock)
    assert len(fake.posted("DU42")) == 1
    assert fake.of("conversations.history")[0].args["channel"] == "DU42"
    assert row(db).status == "sent"


async def worker(db: Database, fake: FakeSlack, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.replica_worker",
        "--db",
        db.url,
        "--once",
        "--lease",
        "5",
        "--slack-api",
        fake.api_url,
        *extra,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_killed_between_slacks_accept_and_the_record_posts_once(db, fake):
    with db.session() as s:
        s.add(
            Subscription(
                platform="slack",
                workspace="T0001",
                channel="C7",
                next_due_at=datetime.now(UTC) - timedelta(minutes=1),
            )
        )
    fake.slow("chat.postMessage", 8)  # accepted at once, answered too late for the victim
    victim = await worker(db, fake)
    await asyncio.wait_for(fake.accepted.wait(), 60)
    victim.send_signal(signal.SIGKILL)
    assert await victim.wait() == -signal.SIGKILL
    stuck = row(db)
    assert stuck.status == "sending" and stuck.attempted_at is not None
    late = await worker(db, fake, "--clock-offset", "6")  # once the victim's lease ran out
    out, _ = await late.communicate()
    assert late.returncode == 0, out.decode()[-3000:]
    assert len(fake.posted("C7")) == 1
    assert len(fake.of("chat.postMessage")) == 1
    stored = row(db)
    assert stored.status == "sent"
    assert stored.message_id == fake.posted("C7")[0]["ts"]
