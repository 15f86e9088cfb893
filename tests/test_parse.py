"""Parsing untrusted bytes: plain reasons for what is not a feed, time limits, no crashes."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.ingest import parser_pool
from digest.ingest.fetch import Fetcher
from digest.ingest.parse import FeedError, ParsedFeed, parse_feed
from digest.ingest.parser_pool import ParserPool, parse_feed_limited
from tests.fetchkit import FEED, LocalServer, Request, respond

# feedparser 6.0.x runs a backtracking e-mail regex over <author>: quadratic here, ~40 s or more.
# RSS 0.92 is outside the fast path, so feedparser reads it; the fast path never runs that regex.
REDOS_AUTHOR = "a@" + "a." * 60_000 + "!"
REDOS_FEED = (
    '<?xml version="1.0"?><rss version="0.92"><channel><title>Hostile</title>'
    f"<item><title>x</title><author>{REDOS_AUTHOR}</author></item></channel></rss>"
).encode()
REDOS_FEED_RSS2 = REDOS_FEED.replace(b'version="0.92"', b'version="2.0"')

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
<entry><id>urn:1</id><title>One</title><link href="http://example.org/1"/>
<updated>2026-11-27T10:00:00Z</updated><author><name>Ann</name></author></entry></feed>"""


@pytest.fixture
async def pool() -> AsyncIterator[ParserPool]:
    p = ParserPool(size=2)
    await p.start()
    yield p
    await p.aclose()


def reason_of(body: bytes) -> str:
    with pytest.raises(FeedError) as info:
        parse_feed(body)
    return info.value.reason


def test_rss_and_atom_are_parsed() -> None:
    rss = parse_feed(FEED)
    assert rss.title == "Test Regulator News"
    assert [e.title for e in rss.entries] == ["Fine announced", "Consultation opens"]
    assert rss.entries[0].guid == "a" and rss.entries[0].link == "http://example.org/a"
    atom = parse_feed(ATOM)
    assert atom.entries[0].author == "Ann"
    assert atom.entries[0].updated is not None and atom.entries[0].updated.year == 2026


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty response: the server sent no content"),
        (b"  \r\n\t ", "empty response: the server sent no content"),
        (
            b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>",
            "not a feed: the address returned a web page (HTML), not RSS or Atom",
        ),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
            b"</channel></rss>",
            "the feed has no entries",
        ),
        (
            gzip.compress(b"x" * 500, mtime=0),
            "not a feed: the content is binary data, not RSS or Atom",
        ),
        (bytes(range(256)) * 4, "not a feed: the content is binary data, not RSS or Atom"),
        (b"just some words, no markup", "not a feed: the content is neither RSS nor Atom"),
    ],
)
def test_unusable_bodies_have_plain_reasons(body: bytes, reason: str) -> None:
    assert reason_of(body) == reason


def test_bozo_feed_with_entries_is_accepted() -> None:
    broken = FEED.replace(b"</channel></rss>", b"<item><title>Unclosed &amp broken")
    feed = parse_feed(broken)
    assert len(feed.entries) >= 2
    assert feed.bozo_reason


def test_a_url_or_path_is_never_parsed() -> None:
    with pytest.raises(TypeError):
        parse_feed("http://example.org/feed.xml")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd")  # type: ignore[arg-type]


def test_an_external_entity_is_not_resolved(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&x;</title>'
        "<guid>1</guid></item></channel></rss>"
    ).encode()
    try:
        feed = parse_feed(body)
    except FeedError:
        return
    assert all("TOPSECRET" not in e.title for e in feed.entries)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=64 * 1024))
def test_any_bytes_give_entries_or_a_feed_error(body: bytes) -> None:
    try:
        feed = parse_feed(body)
    except FeedError as exc:
        assert exc.reason
    else:
        assert feed.entries


FRAGMENTS = [
    b'<?xml version="1.0"?>',
    b'<rss version="2.0">',
    b"<channel>",
    b"<title>T</title>",
    b"<item>",
    b"<author>",
    b"a@b.c",
    b"</author>",
    b"<guid>1</guid>",
    b"</item>",
    b"</channel></rss>",
    b'<feed xmlns="http://www.w3.org/2005/Atom">',
    b"<entry>",
    b"</entry>",
    b"&amp;",
    b"&#0;",
    b"<![CDATA[",
    b"]]>",
    b"\xff\xfe",
    b"\x00",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
    b'{"id": "1", "url": "/x", "content_html": "<a href=y>z</a>"}',
    b",",
    b"]}",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=40), max_size=60))
def test_feed_like_bytes_give_entries_or_a_feed_error(parts: list[bytes]) -> None:
    body = b"".join(parts)
    try:
        feed = parse_feed(body)
    except FeedError as exc:
        assert exc.reason
    else:
        assert feed.entries


@settings(max_examples=15, deadline=None)
@given(st.binary(max_size=64 * 1024) | st.lists(st.sampled_from(FRAGMENTS)).map(b"".join))
def test_worker_parse_gives_entries_or_a_feed_error(body: bytes) -> None:
    async def go() -> None:
        p = ParserPool(size=1)
        try:
            try:
                feed = await p.parse(body, timeout=20)
            except FeedError as exc:
                assert exc.reason
            else:
                assert feed.entries
        finally:
            await p.aclose()

    asyncio.run(go())


async def test_limited_parse_matches_in_process_parse(pool: ParserPool) -> None:
    feed = await parse_feed_limited(FEED, pool=pool)
    assert isinstance(feed, ParsedFeed)
    assert feed == parse_feed(FEED)
    with pytest.raises(FeedError) as info:
        await parse_feed_limited(b"<html><body>nope</body></html>", pool=pool)
    assert (
        info.value.reason == "not a feed: the address returned a web page (HTML), not RSS or Atom"
    )


async def test_workers_are_reused(pool: ParserPool) -> None:
    pids = set()
    for _ in range(5):
        await pool.parse(FEED)
        pids |= {w.proc.pid for w in pool._idle}
    assert len(pids) <= 2


async def test_quick_parses_share_one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second process starts only beside a slow parse: quick feeds, however many at once, are
    parsed by one (each worker holds about 30 MB)."""
    monkeypatch.setattr(parser_pool, "_SPARE_AFTER", 5.0)  # no machine is that slow on FEED
    pool = ParserPool(size=2)
    try:
        feeds = await asyncio.gather(*(pool.parse(FEED) for _ in range(8)))
        assert {f.title for f in feeds} == {"Test Regulator News"}
        assert len(pool._idle) == 1
    finally:
        await pool.aclose()


async def test_workers_run_our_code_whatever_the_working_directory_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "digest").mkdir()
    (tmp_path / "digest" / "__init__.py").write_text("raise ImportError('not ours')\n")
    monkeypatch.chdir(tmp_path)
    pool = ParserPool(size=1)
    try:
        assert (await pool.parse(FEED)).title == "Test Regulator News"
    finally:
        await pool.aclose()


async def test_default_pool_for_the_running_loop() -> None:
    from digest.ingest.parser_pool import close_default_parser_pool

    try:
        assert (await parse_feed_limited(FEED)).title == "Test Regulator News"
    finally:
        await close_default_parser_pool()


def test_the_fast_path_reads_the_redos_author_in_no_time() -> None:
    started = time.monotonic()
    feed = parse_feed(REDOS_FEED_RSS2)
    assert feed.entries[0].author == REDOS_AUTHOR
    assert time.monotonic() - started < 2


async def test_redos_feed_is_abandoned_while_other_sources_keep_polling(
    pool: ParserPool,
) -> None:
    """One poll cycle: the hostile feed is killed at the limit, the others are done meanwhile."""

    async def hostile(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 200, REDOS_FEED)

    async def good(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 200, FEED)

    srv = await LocalServer({"/hostile": hostile, "/good1": good, "/good2": good}).start()
    limit = 2.0
    done: dict[str, tuple[float, str]] = {}
    started = time.monotonic()

    async def poll(fetcher: Fetcher, path: str) -> None:
        result = await fetcher.fetch(srv.base + path)
        try:
            feed = await pool.parse(result.body, timeout=limit)
            done[path] = (time.monotonic() - started, f"{len(feed.entries)} items")
        except FeedError as exc:
            done[path] = (time.monotonic() - started, exc.reason)

    try:
        async with Fetcher(allow=[srv.hostport]) as f:
            await asyncio.gather(poll(f, "/hostile"), poll(f, "/good1"), poll(f, "/good2"))
    finally:
        await srv.stop()
    hostile_at, hostile_reason = done["/hostile"]
    assert hostile_reason == "the feed took too long to read (more than 2 s) and was abandoned"
    assert hostile_at < limit + 1.5
    assert done["/good1"][1] == done["/good2"][1] == "2 items"
    assert done["/good1"][0] < hostile_at and done["/good2"][0] < hostile_at
    assert pool.killed == 1
    # the pool replaces the killed worker and keeps working
    assert len((await pool.parse(FEED)).entries) == 2
