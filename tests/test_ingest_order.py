"""The same items give the same stories whatever order the polls deliver them in.

Real items (benchmarks/data/realnews, dev days only) from six outlets over three days, with
several events told by more than one of them, are ingested one feed at a time in 20 shuffled
orders, and by concurrent polls over HTTP whose answers arrive in a random order; every run must
end with exactly the stories of one judgement of everything at once.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

import digest.ingest.pipeline
from digest.ingest.fetch import Fetcher
from digest.ingest.parse import parse_feed
from digest.ingest.pipeline import PipelineContext, ingest_entries, ingest_feeds, poll_sources
from digest.judgement.classify import Taxonomy
from storage.db import Database
from storage.models import Item, Source, Story
from storage.store import Storage
from tests.benchmod import load_benchmark

# the corpus reader and feed writer of the quality benchmark: these feeds are its dev items
QUALITY = load_benchmark("quality")
DEV = {item.id: item for item in QUALITY.load_corpus("dev")}
DAYS = ("2025-12-01", "2025-12-02", "2025-12-03")
OUTLETS = 6
NOW = datetime(2025, 12, 4, 12, 0, tzinfo=UTC)

Membership = frozenset[frozenset[tuple[str, str]]]


def _feeds(outlets: int = OUTLETS) -> dict[str, bytes]:
    """One RSS feed per outlet (the `outlets` with most items), from the corpus items of DAYS
    (dev split only)."""
    by_outlet: dict[str, list] = defaultdict(list)
    for item in DEV.values():
        if item.day in DAYS:
            by_outlet[item.outlet].append(item)
    chosen = [
        name for name, _ in Counter({k: len(v) for k, v in by_outlet.items()}).most_common(outlets)
    ]
    return {name: QUALITY.rss(name, by_outlet[name]) for name in chosen}


FEEDS = _feeds()


class _SlowServer:
    """Serves fixed bodies, each after its own delay, so concurrent polls finish in any order."""

    def __init__(self) -> None:
        self.bodies: dict[str, tuple[bytes, float]] = {}
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body, delay = bodies[self.path]
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.allow = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.allow}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def _context(db: Database, taxonomy: Taxonomy, fetcher: Fetcher | None = None) -> PipelineContext:
    return PipelineContext(
        store=Storage(db), fetcher=fetcher, load_taxonomy=lambda: taxonomy, clock=lambda: NOW
    )


def _sources(db: Database, urls: dict[str, str]) -> dict[str, int]:
    ids = {}
    with db.session() as session:
        for name, url in urls.items():
            source = Source(url=url, name=name)
            session.add(source)
            session.flush()
            assert source.id is not None
            ids[name] = source.id
    return ids


def _membership(db: Database) -> Membership:
    """The stories as sets of (outlet, entry key): database ids differ from run to run."""
    stories: dict[int, set[tuple[str, str]]] = defaultdict(set)
    with db.session() as session:
        names = {s.id: s.name for s in session.exec(select(Source))}
        for item in session.exec(select(Item)):
            assert item.story_id is not None and not item.pending
            stories[item.story_id].add((names[item.source_id], item.entry_key))
    return frozenset(frozenset(members) for members in stories.values())


def _fresh(tmp_path: Path, name: str) -> Database:
    db = Database(f"sqlite:///{tmp_path / name}.db")
    db.upgrade()
    return db


@pytest.fixture(scope="module")
def canonical(tmp_path_factory: pytest.TempPathFactory, taxonomy: Taxonomy) -> Membership:
    """Every feed judged at once."""
    db = _fresh(tmp_path_factory.mktemp("canonical"), "all")
    ids = _sources(db, {name: f"https://feeds.example.org/{n}" for n, name in enumerate(FEEDS)})
    ingest_feeds(_context(db, taxonomy), [(ids[n], parse_feed(body)) for n, body in FEEDS.items()])
    found = _membership(db)
    db.dispose()
    return found


def test_the_fixture_is_real_and_tells_events_across_outlets(canonical):
    assert len(FEEDS) >= 5 and sum(body.count(b"<item>") for body in FEEDS.values()) >= 60
    multi = [story for story in canonical if len({outlet for outlet, _ in story}) > 1]
    assert len(multi) >= 3, "several events are told by more than one outlet"


def test_twenty_shuffled_orders_give_the_same_stories(tmp_path, taxonomy, canonical):
    parsed = {name: parse_feed(body) for name, body in FEEDS.items()}
    rng = random.Random(12)
    for run in range(20):
        order = list(parsed)
        rng.shuffle(order)
        db = _fresh(tmp_path, f"order{run}")
        ids = _sources(db, {name: f"https://feeds.example.org/{n}" for n, name in enumerate(FEEDS)})
        ctx = _context(db, taxonomy)
        for name in order:
            ingest_entries(ctx, ids[name], parsed[name])
        assert _membership(db) == canonical, f"order {order} gave other stories"
        db.dispose()


def test_a_cold_start_judged_in_small_batches_gives_the_same_stories(
    tmp_path, taxonomy, canonical, monkeypatch
):
    """Thousands of pending items are judged the oldest few thousand at a time to bound memory;
    here batches of 7 split the fixture's moments and stories across many judgements."""
    monkeypatch.setattr(digest.ingest.pipeline, "JUDGE_BATCH", 7)
    db = _fresh(tmp_path, "batched")
    ids = _sources(db, {name: f"https://feeds.example.org/{n}" for n, name in enumerate(FEEDS)})
    report = ingest_feeds(
        _context(db, taxonomy), [(ids[n], parse_feed(body)) for n, body in FEEDS.items()]
    )
    assert _membership(db) == canonical
    items = sum(body.count(b"<item>") for body in FEEDS.values())
    assert report.judged.judged_items == items > 7
    # one report for the whole poll: every story once, as new
    assert len(set(report.judged.new_story_ids)) == len(canonical)
    assert report.judged.changed_story_ids == ()
    db.dispose()


def test_a_story_merged_after_its_items_were_judged_hands_them_all_to_the_survivor(
    tmp_path, taxonomy, monkeypatch
):
    """Judged a few items at a time, the ShadyPanda reports first make two stories (SecurityWeek
    heads the event "Chrome, Edge Extensions Caught Tracking Users, Creating Backdoors"); when a
    later report tells both, the later story is merged into the first: its items, judged before,
    move too, the merged story points at the survivor so links to it still lead somewhere, and
    the stories are those of one judgement of everything at once."""
    feeds = _feeds(20)  # enough outlets for the event to start two stories

    def ingest(name: str) -> Database:
        db = _fresh(tmp_path, name)
        ids = _sources(db, {n: f"https://feeds.example.org/{k}" for k, n in enumerate(feeds)})
        report = ingest_feeds(
            _context(db, taxonomy), [(ids[n], parse_feed(body)) for n, body in feeds.items()]
        )
        assert set(report.judged.new_story_ids).isdisjoint(report.judged.merged_story_ids)
        return db

    whole = ingest("whole")
    expected = _membership(whole)
    whole.dispose()
    monkeypatch.setattr(digest.ingest.pipeline, "JUDGE_BATCH", 7)
    db = ingest("batched")
    assert _membership(db) == expected
    with db.session() as session:
        stories = {s.id: s for s in session.exec(select(Story))}
        held = {it.story_id for it in session.exec(select(Item))}
    merged = {sid: s.merged_into for sid, s in stories.items() if s.merged_into is not None}
    assert merged, "a story was merged into another after its items were judged"
    assert held.isdisjoint(merged)
    for gone, into in merged.items():
        assert into in held and into < gone  # the older story survives
        assert stories[into].merged_into is None and stories[gone].item_count == 0
    db.dispose()


def test_concurrent_polls_in_any_finishing_order_give_the_same_stories(
    tmp_path, taxonomy, canonical
):
    rng = random.Random(5)
    server = _SlowServer()
    try:
        for run in range(5):
            urls = {}
            for n, (name, body) in enumerate(FEEDS.items()):
                path = f"/run{run}/feed{n}.xml"
                server.bodies[path] = (body, rng.uniform(0.0, 0.3))
                urls[name] = server.url(path)
            db = _fresh(tmp_path, f"poll{run}")
            ids = list(_sources(db, urls).values())
            rng.shuffle(ids)

            async def go(db: Database = db, ids: list[int] = ids) -> None:
                async with Fetcher(allow=[server.allow], timeout=10.0) as fetcher:
                    ctx = _context(db, taxonomy, fetcher)
                    # three polls at once, two feeds each: their judgements land in any order
                    await asyncio.gather(*(poll_sources(ctx, ids[i : i + 2]) for i in (0, 2, 4)))

            asyncio.run(go())
            assert _membership(db) == canonical, f"run {run} gave other stories"
            db.dispose()
    finally:
        server.close()


def test_a_report_arriving_after_the_item_that_merged_two_stories_gives_the_same_stories(
    tmp_path, taxonomy
):
    """Instructure's ransom deal (four reports, 12 May 2026) and the government's call for its
    testimony (BleepingComputer 12 May, SecurityWeek 13 May) are two events; Dark Reading's
    "Congress Puts Heat on Instructure" (14 May) tells the second. If SecurityWeek's report of
    13 May arrives after Dark Reading's, Dark Reading's report has already bridged and merged
    both stories: the judgement of the late report decides that merge again, from where the
    merged stories began."""
    deal = ["r1805", "r1807", "r1822", "r1827"]

    def stories(order: list[str]) -> Membership:
        db = _fresh(tmp_path, "-".join(order[-3:]))
        outlets = sorted({DEV[i].outlet for i in order})
        ids = _sources(
            db, {name: f"https://feeds.example.org/{n}" for n, name in enumerate(outlets)}
        )
        ctx = _context(db, taxonomy)
        ctx.clock = lambda: datetime(2026, 5, 15, 12, 0, tzinfo=UTC)
        for item in order:
            outlet = DEV[item].outlet
            ingest_entries(ctx, ids[outlet], parse_feed(QUALITY.rss(outlet, [DEV[item]])))
        found = _membership(db)
        db.dispose()
        return found

    in_time = stories([*deal, "r1860", "r1886", "r1968"])
    testimony = {
        ("BleepingComputer", "r1860"),
        ("SecurityWeek", "r1886"),
        ("Dark Reading", "r1968"),
    }
    assert testimony in in_time
    assert stories([*deal, "r1860", "r1968", "r1886"]) == in_time
