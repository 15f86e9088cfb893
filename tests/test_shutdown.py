"""Shutdown in 10 s with a long ingest under way; source leases held until the work stops
(issue 14, item 3).

SIGTERM tells a poll to end between atomic units (one source's store, one judgement); the
sources it did not reach stay due, and its leases go back only once no work runs on them. A
unit longer than the shutdown budget does not hold the process: it exits in time and the
sources keep their leases until they expire, so no other replica takes them meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.delivery import Outbox
from bot.scheduler import PollOutcome, Scheduler, TickConfig, Ticks
from core.clock import utcnow
from storage.db import Database
from storage.models import Item, Source
from storage.store import Storage
from tests.fake_publisher import MemoryPublisher
from tests.feedserver import _words
from tests.test_ingest_order import _SlowServer
from tests.test_replicas import wait_for
from tests.test_scheduler_run import free_port

ROOT = Path(__file__).resolve().parent.parent


def big_feed(n: int, items: int, published: datetime) -> bytes:
    """A feed of `items` distinct headlines (each a story of its own)."""
    entries = []
    for i in range(items):
        words = _words(n * 100_000 + i, 10)
        when = format_datetime(published - timedelta(minutes=i))
        entries.append(
            f"<item><title>Regulator {words[:40]} {n}-{i}</title>"
            f"<link>https://n{n}.example.org/{i}</link><guid>g{n}-{i}</guid>"
            f"<pubDate>{when}</pubDate><description>{words}.</description></item>"
        )
    body = "".join(entries)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big {n}</title>{body}'.encode()
        + b"</channel></rss>"
    )


def feeds_of(bodies: dict[str, bytes], delay: float = 0.0) -> _SlowServer:
    """A local server for these feeds, each answer after `delay` seconds."""
    server = _SlowServer()
    server.bodies.update({path: (body, delay) for path, body in bodies.items()})
    return server


def start_bot(
    tmp_path: Path, db_url: str, feeds: _SlowServer
) -> tuple[subprocess.Popen[str], Path]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db_url,
        "POLICYBRIEF_SEED_SOURCES": "false",
        "POLICYBRIEF_FETCH_ALLOW": feeds.allow,
        "POLICYBRIEF_HTTP_PORT": str(free_port()),
        "POLICYBRIEF_MAX_NEW_PER_POLL": "1000",  # each feed whole in its first poll
    }
    log = tmp_path / "bot.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
    )
    return proc, log


def add_sources(db: Database, feeds: _SlowServer, count: int) -> None:
    with db.session() as s:
        for n in range(count):
            s.add(Source(url=feeds.url(f"/feed/{n}.xml"), name=f"Big {n}"))


def count(db: Database, stmt) -> int:  # type: ignore[no-untyped-def]
    with db.engine.begin() as conn:
        return int(conn.execute(stmt).scalar_one())


def sigterm(proc: subprocess.Popen[str]) -> float:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
    return time.monotonic() - started


def test_sigterm_during_a_long_judgement_stops_between_batches_and_hands_the_sources_back(
    tmp_path,
):
    sources, items = 50, 1000  # a judgement of 50,000 new items: longer than 10 s here
    feeds = feeds_of({f"/feed/{n}.xml": big_feed(n, items, utcnow()) for n in range(sources)})
    db = Database(f"sqlite:///{tmp_path / 'long.db'}")
    db.upgrade()
    add_sources(db, feeds, sources)
    proc, log = start_bot(tmp_path, db.url, feeds)
    try:
        stored = select(func.count()).select_from(Item)
        wait_for(lambda: count(db, stored) == sources * items, 180, "every item stored")
        time.sleep(1.0)  # the judgement of all of them is under way
        took = sigterm(proc)
    finally:
        feeds.close()
    text = log.read_text()
    print(f"exit {took:.1f} s after SIGTERM with a judgement of {sources * items} items under way")
    assert took < 10, text[-3000:]
    assert proc.returncode == 0, text[-3000:]
    assert "Traceback" not in text
    # The judgement stopped between two of its batches: the items of the batches before are in
    # their stories, whole; the rest wait, pending, for the next poll.
    pending = count(db, select(func.count()).select_from(Item).where(Item.pending))
    assert pending > 0
    judged = select(func.count()).select_from(Item).where(Item.pending.is_(False))
    assert count(db, judged.where(Item.story_id.is_not(None))) == sources * items - pending
    # No poll work ran on at shutdown, so the leases went back; the feeds were read, so the
    # sources are due again at their interval only (the next poll judges what waits).
    leased = select(func.count()).select_from(Source).where(Source.lease_owner.is_not(None))
    assert count(db, leased) == 0
    assert "leases released" in text
    assert Storage(db).claims.claim_sources("another-replica", utcnow()) == []
    db.dispose()


def test_sigterm_while_sources_are_fetched_stops_between_them_and_hands_them_back(tmp_path):
    sources = 64
    feeds = feeds_of({f"/feed/{n}.xml": big_feed(n, 5, utcnow()) for n in range(sources)}, 0.5)
    db = Database(f"sqlite:///{tmp_path / 'slow.db'}")
    db.upgrade()
    add_sources(db, feeds, sources)
    proc, log = start_bot(tmp_path, db.url, feeds)
    polled = select(func.count()).select_from(Source).where(Source.last_polled_at.is_not(None))
    try:
        wait_for(lambda: count(db, polled) >= 5, 60, "the poll to be under way")
        took = sigterm(proc)
    finally:
        feeds.close()
    text = log.read_text()
    assert took < 10 and proc.returncode == 0, text[-3000:]
    assert "scheduler stopped; leases released" in text
    leased = select(func.count()).select_from(Source).where(Source.lease_owner.is_not(None))
    assert count(db, leased) == 0
    now = utcnow()
    due = (
        select(func.count())
        .select_from(Source)
        .where((Source.next_poll_at.is_(None)) | (Source.next_poll_at <= now))
    )
    assert 0 < count(db, due) < sources  # polled ones wait their interval, the rest are due
    assert count(db, polled) < sources
    db.dispose()


# --- in process: the order of things ------------------------------------------------------------


class SlowUnit:
    """A poll whose one unit runs in a worker thread for `seconds`, then stops (as the pipeline
    does) because the stop signal was set meanwhile."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.stop = threading.Event()
        self.started = threading.Event()
        self.finished_at: float | None = None

    async def __call__(self, ids: list[int]) -> PollOutcome:
        def unit() -> None:
            self.started.set()
            time.sleep(self.seconds)
            self.finished_at = time.monotonic()

        await asyncio.to_thread(unit)
        return PollOutcome(polled=0)


class RecordingClaims:
    """The real claims part, noting when source leases are handed back."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.sources_released_at: float | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def release_sources(self, owner: str, ids: object = None) -> int:
        self.sources_released_at = time.monotonic()
        return self._inner.release_sources(owner, ids)  # type: ignore[attr-defined]

    def release_all(self, owner: str, *, sources: bool = True) -> None:
        if sources:
            self.sources_released_at = time.monotonic()
        self._inner.release_all(owner, sources=sources)  # type: ignore[attr-defined]


def ticks_with(db: Database, unit: SlowUnit) -> tuple[Ticks, RecordingClaims]:
    store = Storage(db)
    claims = RecordingClaims(store.claims)
    store.claims = claims  # type: ignore[assignment]
    with db.session() as s:
        s.add(Source(url="https://a.example/feed", name="A"))
    outbox = Outbox(store, {"slack": MemoryPublisher()})
    ticks = Ticks(
        store,
        outbox,
        compose=lambda **kw: None,
        poll=unit,
        config=TickConfig(poll_every=3600, digests_every=3600, outbox_every=3600),
        stop_poll=unit.stop.set,
    )
    return ticks, claims


async def started_poll(ticks: Ticks, unit: SlowUnit) -> Scheduler:
    scheduler = Scheduler(ticks)
    scheduler.start()
    await asyncio.to_thread(unit.started.wait, 10)
    return scheduler


async def test_source_leases_go_back_only_after_the_unit_under_way_ended(db):
    unit = SlowUnit(2.0)
    ticks, claims = ticks_with(db, unit)
    scheduler = await started_poll(ticks, unit)
    stopped = await scheduler.stop(timeout=6, grace=1)
    assert stopped and unit.stop.is_set()
    assert unit.finished_at is not None and claims.sources_released_at is not None
    assert claims.sources_released_at >= unit.finished_at
    assert (
        count(db, select(func.count()).select_from(Source).where(Source.lease_owner.is_not(None)))
        == 0
    )


async def test_a_unit_longer_than_the_budget_keeps_its_leases(db):
    unit = SlowUnit(3.0)
    ticks, claims = ticks_with(db, unit)
    scheduler = await started_poll(ticks, unit)
    started = time.monotonic()
    stopped = await scheduler.stop(timeout=0.5, grace=0.2)
    assert time.monotonic() - started < 2
    assert not stopped and claims.sources_released_at is None
    leased = select(func.count()).select_from(Source).where(Source.lease_owner.is_not(None))
    assert count(db, leased) == 1  # still ours: nobody else polls it while the unit runs
    await asyncio.to_thread(time.sleep, 3.2)  # let the unit end before the test's loop closes
    assert unit.finished_at is not None
