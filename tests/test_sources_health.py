"""Source state and health, on every backend: backoff, Retry-After, disabling, the health view."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.sources import DuplicateSource, NewSource, SourceRecord, format_health
from digest.ingest.fetch import Fetcher, FetchError
from digest.ingest.parse import FeedError, ParsedFeed
from digest.ingest.parser_pool import ParserPool
from digest.ingest.probe import ProbeResult, probe_source
from storage.db import Database
from storage.models import Item, Source
from storage.sources import SourceStore
from tests.conftest import pg_database, postgres_url, reset_pg_schema
from tests.fetchkit import FEED, LocalServer, Request, respond


@pytest.fixture(scope="module")
def _pg_worker_db(worker_id: str) -> Iterator[Database | None]:
    """This module's own PostgreSQL schema, so parallel suites cannot empty our tables."""
    if not postgres_url():
        yield None
        return
    schema = f"pb_sources_{worker_id}"
    reset_pg_schema(schema)
    database = pg_database(schema)
    database.upgrade()
    yield database
    database.dispose()


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def new_source(
    db: Database, url: str = "https://edpb.example/news.xml", name: str = "EDPB news"
) -> int:
    return SourceStore(db).add(NewSource(url, name, jurisdiction="eu", official=True)).id


def load(db: Database, source_id: int) -> Source:
    with db.session() as s:
        source = s.get(Source, source_id)
        assert source is not None
        return source


def test_add_list_remove(db: Database) -> None:
    sources = SourceStore(db)
    a = new_source(db)
    b = new_source(db, "https://ico.example/feed", "ICO")
    assert [x.name for x in sources.all()] == ["EDPB news", "ICO"]
    with pytest.raises(DuplicateSource) as info:
        sources.add(NewSource("https://edpb.example/news.xml", "again"))
    assert str(info.value) == f"that feed is already a source: #{a} EDPB news"
    assert sources.remove(b) is True
    assert sources.remove(b) is False
    assert [x.id for x in sources.all()] == [a]
    source = sources.get(a)
    assert source and source.jurisdiction == "eu" and source.official and source.enabled


def test_add_missing_skips_known_feeds(db: Database) -> None:
    sources = SourceStore(db)
    a = new_source(db)
    added = sources.add_missing(
        [
            NewSource("https://edpb.example/news.xml", "again"),
            NewSource("https://ico.example/", "ICO"),
        ]
    )
    assert [x.name for x in added] == ["ICO"]
    assert [x.id for x in sources.all()] == [a, added[0].id]


def test_due_sources(db: Database) -> None:
    fresh = new_source(db, "https://a.example/", "A")
    later = new_source(db, "https://b.example/", "B")
    overdue = new_source(db, "https://c.example/", "C")
    off = new_source(db, "https://d.example/", "D")
    with db.session() as s:
        for sid, when in ((later, NOW + MIN), (overdue, NOW - 5 * MIN), (off, NOW - MIN)):
            src = s.get(Source, sid)
            assert src
            src.next_poll_at = when
        src = s.get(Source, off)
        assert src
        src.enabled = False
    sources = SourceStore(db)
    assert [x.id for x in sources.due(NOW, 10)] == [fresh, overdue]
    assert [x.id for x in sources.due(NOW, 1)] == [fresh]
    assert [x.id for x in sources.due(NOW + MIN, 10)] == [fresh, overdue, later]


def test_success_stores_validators_and_schedules_with_jitter(db: Database) -> None:
    sid = new_source(db)
    SourceStore(db).record_success(
        sid,
        NOW,
        etag='"v1"',
        last_modified="Sat, 28 Nov 2026 10:00:00 GMT",
        title="EDPB | News",
        rng=random.Random(1),
    )
    src = load(db, sid)
    assert (src.etag, src.last_modified, src.title) == (
        '"v1"',
        "Sat, 28 Nov 2026 10:00:00 GMT",
        "EDPB | News",
    )
    assert src.last_success_at == NOW and src.consecutive_failures == 0
    assert src.next_poll_at is not None
    assert NOW + 13.5 * MIN <= src.next_poll_at <= NOW + 16.5 * MIN
    SourceStore(db).record_not_modified(sid, NOW + 20 * MIN)
    src = load(db, sid)
    assert src.etag == '"v1"' and src.last_success_at == NOW + 20 * MIN


def test_backoff_doubles_and_caps_at_a_day_then_disables_after_ten(db: Database) -> None:
    sources = SourceStore(db)
    sid = new_source(db)  # interval 15 min
    expected_minutes = [15, 30, 60, 120, 240, 480, 960, 1440, 1440]
    for n, minutes in enumerate(expected_minutes, start=1):
        sources.record_failure(sid, NOW, "timed out: no complete answer within 20 s")
        src = load(db, sid)
        assert src.consecutive_failures == n
        assert src.enabled
        assert src.next_poll_at == NOW + minutes * MIN, n
    sources.record_failure(sid, NOW, "timed out: no complete answer within 20 s")
    src = load(db, sid)
    assert not src.enabled
    assert src.disabled_reason == (
        "disabled after 10 failures in a row: timed out: no complete answer within 20 s"
    )
    assert sources.due(NOW + timedelta(days=30), 10) == []


def test_retry_after_is_obeyed_and_not_a_failure(db: Database) -> None:
    sources = SourceStore(db)
    sid = new_source(db)
    sources.record_failure(sid, NOW, "HTTP 500 (server error)")
    sources.record_failure(
        sid,
        NOW,
        "the server asked us to wait 120 s (HTTP 429, too many requests)",
        retry_after=120,
    )
    src = load(db, sid)
    assert src.consecutive_failures == 1  # the 429 did not count
    assert src.enabled and src.next_poll_at == NOW + timedelta(seconds=120)
    assert src.last_error == "the server asked us to wait 120 s (HTTP 429, too many requests)"
    for _ in range(20):
        sources.record_failure(sid, NOW, "busy", retry_after=60)
    assert load(db, sid).enabled


def test_success_resets_the_failure_count(db: Database) -> None:
    sources = SourceStore(db)
    sid = new_source(db)
    for _ in range(9):
        sources.record_failure(sid, NOW, "HTTP 502 (bad gateway)")
    sources.record_not_modified(sid, NOW, rng=random.Random(2))
    src = load(db, sid)
    assert src.consecutive_failures == 0 and src.enabled
    assert src.next_poll_at is not None and src.next_poll_at <= NOW + 16.5 * MIN
    sources.record_failure(sid, NOW, "HTTP 502 (bad gateway)")
    assert load(db, sid).next_poll_at == NOW + 15 * MIN  # back to the first step


def test_a_poll_of_304s_records_them_together_as_one_at_a_time_would(db: Database) -> None:
    sources = SourceStore(db)
    ids = [new_source(db, f"https://s{n}.example/feed", f"S{n}") for n in range(3)]
    for sid in ids:
        sources.record_failure(sid, NOW, "HTTP 502 (bad gateway)")
    gone = max(ids) + 1000  # removed while it was being fetched
    missing = sources.record_not_modified_many(
        [ids[0], gone, ids[1], ids[2]], NOW, rng=random.Random(7)
    )
    assert missing == [gone]
    together = [load(db, sid) for sid in ids]
    one_at_a_time = random.Random(7)
    for sid in ids:
        sources.record_not_modified(sid, NOW, rng=one_at_a_time)
    for sid, src in zip(ids, together, strict=True):
        assert src.consecutive_failures == 0 and src.last_success_at == NOW
        assert src.last_polled_at == NOW and src.etag is None
        assert src.next_poll_at == load(db, sid).next_poll_at  # the same jitter, source by source
    assert len({src.next_poll_at for src in together}) == 3


def add_items(db: Database, source_id: int, ages: list[timedelta]) -> None:
    with db.session() as s:
        for i, age in enumerate(ages):
            s.add(
                Item(
                    source_id=source_id,
                    entry_key=f"k{i}",
                    title=f"t{i}",
                    published_at=NOW - age,
                    fetched_at=NOW - age,
                    content_hash=f"h{i}",
                )
            )


def test_health_view_lists_disabled_first_in_plain_words(db: Database) -> None:
    ok = new_source(db, "https://edpb.example/news.xml", "EDPB news")
    failing = new_source(db, "https://flaky.example/rss", "Flaky")
    dead = new_source(db, "https://dead.example/rss", "Example")
    waiting = new_source(db, "https://new.example/rss", "Brand new")
    add_items(db, ok, [timedelta(hours=h) for h in range(14)] + [timedelta(days=8)])
    sources = SourceStore(db)
    sources.record_success(ok, NOW - 2 * timedelta(hours=1), etag=None, last_modified=None)
    with db.session() as s:
        src = s.get(Source, ok)
        assert src
        src.next_poll_at = NOW + 12 * MIN
    sources.record_success(failing, NOW - timedelta(days=3), etag=None, last_modified=None)
    for _ in range(3):
        sources.record_failure(failing, NOW - 10 * MIN, "HTTP 503 (service unavailable)")
    for _ in range(10):
        sources.record_failure(dead, NOW - timedelta(hours=1), "timed out")
    rows = sources.health(NOW)
    assert [r.name for r in rows] == ["Example", "Brand new", "EDPB news", "Flaky"]
    by_id = {r.id: r for r in rows}
    assert by_id[ok].items_last_7_days == 14
    assert by_id[failing].consecutive_failures == 3
    assert by_id[dead].last_error == "timed out" and by_id[dead].last_error_at == NOW - 60 * MIN
    assert by_id[waiting].next_poll_at is None
    assert format_health(rows, NOW) == [
        "Example — DISABLED after 10 failures in a row: timed out",
        "Brand new — not polled yet, next poll now",
        "EDPB news — OK, last success 2 h ago, 14 items in 7 days, next poll in 12 min",
        "Flaky — FAILING (3 failures in a row): HTTP 503 (service unavailable); last success "
        "3 d ago, 0 items in 7 days, next poll in 50 min",
    ]


# ------------------------------------------------------------------ probe and one poll cycle


async def feed_handler(req: Request, w: asyncio.StreamWriter) -> None:
    if req.headers.get("if-none-match") == '"v1"':
        await respond(w, 304, b"")
    else:
        await respond(w, 200, FEED, {"ETag": '"v1"'})


async def html_handler(req: Request, w: asyncio.StreamWriter) -> None:
    await respond(w, 200, b"<!doctype html><html><body>Welcome</body></html>")


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    srv = await LocalServer({"/feed": feed_handler, "/page": html_handler}).start()
    yield srv
    await srv.stop()


@pytest.fixture
async def pool() -> AsyncIterator[ParserPool]:
    p = ParserPool(size=1)
    yield p
    await p.aclose()


async def add_after_probe(db: Database, fetcher: Fetcher, url: str, pool: ParserPool) -> str:
    """What `/sources add <url>` does: probe, then save only on success."""
    try:
        found = await probe_source(fetcher, url, parse_timeout=5, pool=pool)
    except (FetchError, FeedError) as exc:
        return f"Not added: {exc.reason}"
    SourceStore(db).add(NewSource(url, found.title))
    return f"Added {found.title} ({found.item_count} items)"


async def test_probe_reports_what_it_found_or_why_not(
    sqlite_db: Database, server: LocalServer, pool: ParserPool
) -> None:
    async with Fetcher(allow=[server.hostport]) as f:
        assert await probe_source(f, f"{server.base}/feed", pool=pool) == ProbeResult(
            title="Test Regulator News",
            item_count=2,
            url=f"{server.base}/feed",
            etag='"v1"',
            avg_text_chars=15.0,  # one item of 30 characters, one with none
        )
        assert await add_after_probe(sqlite_db, f, "http://169.254.169.254/", pool) == (
            "Not added: refused: 169.254.169.254 is a cloud metadata service, not a public "
            "address (unless the host is listed in POLICYBRIEF_FETCH_ALLOW)"
        )
        # a web page: its site's /feed (a common feed path) is the feed found from it
        found = await probe_source(f, f"{server.base}/page", pool=pool)
        assert (found.feed_url, found.found_on) == (f"{server.base}/feed", f"{server.base}/page")
        assert await add_after_probe(sqlite_db, f, f"{server.base}/missing", pool) == (
            "Not added: HTTP 404 (not found)"
        )
        assert SourceStore(sqlite_db).all() == []  # nothing saved on refusal
        assert await add_after_probe(sqlite_db, f, f"{server.base}/feed", pool) == (
            "Added Test Regulator News (2 items)"
        )
    assert [x.name for x in SourceStore(sqlite_db).all()] == ["Test Regulator News"]


class CountingPool(ParserPool):
    def __init__(self) -> None:
        super().__init__(size=1)
        self.calls = 0

    async def parse(self, body: bytes, timeout: float = 5.0) -> ParsedFeed:
        self.calls += 1
        return await super().parse(body, timeout)


async def poll_cycle(db: Database, fetcher: Fetcher, pool: ParserPool, now: datetime) -> None:
    sources = SourceStore(db)

    async def one(source: SourceRecord) -> None:
        sid = source.id
        try:
            result = await fetcher.fetch(
                source.url, etag=source.etag, last_modified=source.last_modified
            )
            if result.not_modified:
                sources.record_not_modified(sid, now)
                return
            feed = await pool.parse(result.body, 5)
        except (FetchError, FeedError) as exc:
            retry = getattr(exc, "retry_after", None)
            sources.record_failure(sid, now, exc.reason, retry_after=retry)
            return
        sources.record_success(
            sid, now, etag=result.etag, last_modified=result.last_modified, title=feed.title
        )

    await asyncio.gather(*(one(source) for source in sources.due(now, 100)))


async def test_a_304_costs_no_parsing(db: Database, server: LocalServer) -> None:
    sid = new_source(db, f"{server.base}/feed", "Local")
    pool = CountingPool()
    try:
        async with Fetcher(allow=[server.hostport]) as f:
            await poll_cycle(db, f, pool, NOW)
            assert pool.calls == 1 and load(db, sid).etag == '"v1"'
            await poll_cycle(db, f, pool, NOW + timedelta(hours=1))
    finally:
        await pool.aclose()
    assert server.hits["/feed"] == 2
    assert pool.calls == 1  # the 304 was not parsed
    src = load(db, sid)
    assert src.last_success_at == NOW + timedelta(hours=1) and src.consecutive_failures == 0
    with db.session() as s:
        assert s.exec(select(Source)).one().title == "Test Regulator News"
