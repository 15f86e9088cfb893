"""The refresh pipeline end to end, against a local HTTP server serving feed bytes with an ETag."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func
from sqlmodel import select

from core.ingest import CleanEntry, FeedValidators
from core.sources import format_health
from digest.ingest.fetch import Fetcher
from digest.ingest.pipeline import (
    PipelineContext,
    PollReport,
    RefreshResult,
    ingest_bytes,
    judge_pending,
    plan_batch,
    poll_sources,
)
from digest.judgement.classify import Taxonomy
from storage.db import Database
from storage.models import Item, Source, Story, StoryTag
from storage.store import Storage

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class FeedHost:
    """Serves mutable bodies at /<name>; honours If-None-Match with a 304; records requests."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.etags = True
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                sent = self.headers.get("If-None-Match")
                host.requests.append((self.path, sent))
                body = host.bodies.get(self.path.lstrip("/"))
                if body is None:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if host.etags and sent == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                if host.etags:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def host() -> Iterator[FeedHost]:
    h = FeedHost()
    yield h
    h.close()


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


COUPANG_TITLE = "South Korea confirms scale of Coupang data breach"
COUPANG_TEXT = (
    "The South Korean government has confirmed that 33.67 million user accounts were exposed in "
    "a major data breach at Coupang. The Ministry of Science and ICT said a former employee "
    "misused authentication signing keys. The ministry plans to impose a fine on Coupang."
)
AI_TITLE = "Commission publishes guidelines for general-purpose AI models under the AI Act"
AI_TEXT = (
    "The European Commission published guidelines on the obligations of providers of "
    "general-purpose AI models under the AI Act, which apply from 2 August."
)


def rss092() -> bytes:
    return f"""<?xml version="1.0"?>
<rss version="0.92"><channel><title>Old wire</title><link>https://old.example.org/</link>
<description>x</description>
<item><title>{COUPANG_TITLE}</title><link>https://old.example.org/coupang</link>
<description>{COUPANG_TEXT}</description></item>
<item><title>{AI_TITLE}</title><link>https://old.example.org/ai-act</link>
<description>{AI_TEXT}</description></item>
</channel></rss>""".encode()


def rss10() -> bytes:
    return f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example.org/"><title>RDF wire</title>
<link>https://rdf.example.org/</link><description>x</description></channel>
<item rdf:about="https://rdf.example.org/coupang"><title>{COUPANG_TITLE}</title>
<link>https://rdf.example.org/coupang</link><description>{COUPANG_TEXT}</description>
<dc:date>2026-11-20T08:00:00Z</dc:date></item>
<item rdf:about="https://rdf.example.org/ai-act"><title>{AI_TITLE}</title>
<link>https://rdf.example.org/ai-act</link><description>{AI_TEXT}</description>
<dc:date>2026-11-20T07:00:00Z</dc:date></item>
</rdf:RDF>""".encode()


def rss20(coupang_text: str = COUPANG_TEXT) -> bytes:
    return f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire 2</title><link>https://two.example.org/</link>
<description>x</description>
<item><title>{COUPANG_TITLE}</title><link>https://two.example.org/coupang?utm_source=rss</link>
<guid>two-coupang</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>
<description>{coupang_text}</description></item>
<item><title>{AI_TITLE}</title><link>https://two.example.org/ai-act</link>
<guid>two-ai</guid><pubDate>Fri, 20 Nov 2026 07:00:00 GMT</pubDate>
<description>{AI_TEXT}</description></item>
</channel></rss>""".encode()


def atom() -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom wire</title>
<id>tag:atom.example.org,2026:feed</id><updated>2026-11-20T08:00:00Z</updated>
<entry><id>tag:atom.example.org,2026:coupang</id><title>{COUPANG_TITLE}</title>
<link href="https://atom.example.org/coupang"/><updated>2026-11-20T08:00:00Z</updated>
<content type="html">&lt;p&gt;{COUPANG_TEXT}&lt;/p&gt;</content></entry>
<entry><id>tag:atom.example.org,2026:ai</id><title>{AI_TITLE}</title>
<link href="https://atom.example.org/ai-act"/><updated>2026-11-20T07:00:00Z</updated>
<summary>{AI_TEXT}</summary></entry>
</feed>""".encode()


FORMATS = {"rss092": rss092, "rss10": rss10, "rss20": rss20, "atom": atom}


def add_source(db: Database, url: str, name: str, jurisdiction: str | None = None) -> int:
    with db.session() as session:
        src = Source(url=url, name=name, jurisdiction=jurisdiction)
        session.add(src)
        session.flush()
        assert src.id is not None
        return src.id


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        items = session.exec(select(func.count()).select_from(Item)).one()
        stories = session.exec(select(func.count()).select_from(Story)).one()
    return items, stories


def context(db: Database, taxonomy: Taxonomy, fetcher: object = None) -> PipelineContext:
    return PipelineContext(
        store=Storage(db),
        fetcher=fetcher,  # type: ignore[arg-type]
        load_taxonomy=lambda: taxonomy,
        clock=lambda: NOW,
    )


async def poll_one(ctx: PipelineContext, source_id: int) -> tuple[RefreshResult, PollReport]:
    report = await poll_sources(ctx, [source_id])
    return report.results[0], report


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_each_format_is_stored_then_a_304_stores_nothing(db, host, taxonomy, fmt):
    host.bodies["feed.xml"] = FORMATS[fmt]()
    source_id = add_source(db, host.url("feed.xml"), f"{fmt} wire")
    async with Fetcher(allow=[f"127.0.0.1:{host.port}"], timeout=5.0) as fetcher:
        ctx = context(db, taxonomy, fetcher)
        first, judged = await poll_one(ctx, source_id)
        assert first.status == "ok", first.error
        assert (first.new_items, first.updated_items) == (2, 0)
        assert len(judged.new_story_ids) == 2
        with db.session() as session:
            titles = {it.title for it in session.exec(select(Item))}
            src = session.get(Source, source_id)
            assert src is not None and src.etag
        assert titles == {COUPANG_TITLE, AI_TITLE}

        second, _ = await poll_one(ctx, source_id)
    assert second == RefreshResult(source_id, "not_modified")
    # the second request carried the validator, the server said 304, nothing more was stored
    assert len(host.requests) == 2
    assert host.requests[0][1] is None
    assert host.requests[1][1] == src.etag
    assert counts(db) == (2, 2)


async def test_a_repoll_of_304s_records_every_sources_success_at_once(db, host, taxonomy):
    # the 304s of one poll are recorded together; each source still shows its own success
    for name in ("a.xml", "b.xml", "c.xml"):
        host.bodies[name] = rss20()
    ids = [add_source(db, host.url(name), name) for name in ("a.xml", "b.xml", "c.xml")]
    later = NOW + timedelta(hours=2)
    async with Fetcher(allow=[f"127.0.0.1:{host.port}"], timeout=5.0) as fetcher:
        ctx = context(db, taxonomy, fetcher)
        await poll_sources(ctx, ids)
        ctx.clock = lambda: later
        with db.session() as session:
            session.get(Source, ids[1]).consecutive_failures = 3  # type: ignore[union-attr]
        report = await poll_sources(ctx, ids)
    assert [r.status for r in report.results] == ["not_modified"] * 3
    with db.session() as session:
        rows = [session.get(Source, sid) for sid in ids]
    for row in rows:
        assert row is not None and row.last_success_at is not None
        assert row.last_success_at.replace(tzinfo=UTC) == later
        assert row.consecutive_failures == 0
        assert row.next_poll_at is not None and row.next_poll_at.replace(tzinfo=UTC) > later


async def test_repolling_without_validators_stores_nothing_twice(db, host, taxonomy):
    host.etags = False
    host.bodies["feed.xml"] = rss20()
    source_id = add_source(db, host.url("feed.xml"), "Wire")
    async with Fetcher(allow=[f"127.0.0.1:{host.port}"], timeout=5.0) as fetcher:
        ctx = context(db, taxonomy, fetcher)
        first, _ = await poll_one(ctx, source_id)
        again, judged = await poll_one(ctx, source_id)
    assert (first.new_items, again.status, again.new_items, again.updated_items) == (2, "ok", 0, 0)
    assert judged.new_story_ids == () and judged.changed_story_ids == ()
    assert counts(db) == (2, 2)


async def test_an_edited_entry_updates_the_item_and_the_story_hash(db, host, taxonomy):
    host.bodies["feed.xml"] = rss20()
    source_id = add_source(db, host.url("feed.xml"), "Wire")
    async with Fetcher(allow=[f"127.0.0.1:{host.port}"], timeout=5.0) as fetcher:
        ctx = context(db, taxonomy, fetcher)
        await poll_one(ctx, source_id)
        with db.session() as session:
            item = session.exec(select(Item).where(Item.entry_key == "two-coupang")).one()
            story_before = session.get(Story, item.story_id)
            assert story_before is not None
            hash_before, item_id = story_before.content_hash, item.id
        edited = COUPANG_TEXT + " Coupang said it would appeal the fine."
        host.bodies["feed.xml"] = rss20(edited)
        result, judged = await poll_one(ctx, source_id)
    assert (result.status, result.new_items, result.updated_items) == ("ok", 0, 1)
    assert judged.changed_story_ids == (story_before.id,) and judged.new_story_ids == ()
    with db.session() as session:
        item = session.exec(select(Item).where(Item.entry_key == "two-coupang")).one()
        story = session.get(Story, item.story_id)
        assert story is not None
        assert item.id == item_id and item.text.endswith("appeal the fine.")
        assert story.content_hash != hash_before
    assert counts(db) == (2, 2)


async def test_one_failing_source_does_not_stop_the_others(db, host, taxonomy):
    host.bodies["good.xml"] = atom()
    good = add_source(db, host.url("good.xml"), "Good")
    bad = add_source(db, host.url("missing.xml"), "Broken")  # the server answers 500
    seen: list[RefreshResult] = []
    async with Fetcher(allow=[f"127.0.0.1:{host.port}"], timeout=5.0) as fetcher:
        ctx = context(db, taxonomy, fetcher)
        report = await poll_sources(ctx, [bad, good], concurrency=2, progress=seen.append)
    results = report.results
    assert [r.status for r in results] == ["failed", "ok"]
    assert results[0].error and "500" in results[0].error
    assert len(seen) == 2
    with db.session() as session:
        broken = session.get(Source, bad)
        assert broken is not None and broken.consecutive_failures == 1
        assert broken.last_error and "500" in broken.last_error
    assert counts(db) == (2, 2)


def test_same_story_from_two_sources_becomes_one_story_with_tags(db, taxonomy):
    a = add_source(db, "https://two.example.org/rss", "Wire 2", jurisdiction=None)
    b = add_source(db, "https://atom.example.org/atom", "Atom wire", jurisdiction="kr")
    ctx = context(db, taxonomy)
    first = ingest_bytes(ctx, a, rss20())
    second = ingest_bytes(ctx, b, atom())
    assert first.new_items == 2 and second.new_items == 2
    assert second.new_story_ids == ()  # both items joined the stories the first feed started
    assert sorted(second.changed_story_ids) == sorted(first.new_story_ids)
    with db.session() as session:
        stories = session.exec(select(Story)).all()
        assert sorted(s.source_count for s in stories) == [2, 2]
        coupang = next(s for s in stories if "coupang" in s.headline.lower())
        tags = {
            (t.kind, t.slug)
            for t in session.exec(select(StoryTag).where(StoryTag.story_id == coupang.id))
        }
    assert ("jurisdiction", "kr") in tags
    assert ("topic", "data-protection") in tags or ("topic", "cybersecurity") in tags


def test_bad_bytes_are_recorded_as_a_failure(db, taxonomy):
    source_id = add_source(db, "https://bad.example.org/rss", "Bad")
    report = ingest_bytes(context(db, taxonomy), source_id, b"<html><body>Not a feed</body></html>")
    (result,) = report.results
    assert result.status == "failed"
    assert result.error and "web page" in result.error
    with db.session() as session:
        src = session.get(Source, source_id)
        assert src is not None and src.last_error == result.error
    assert counts(db) == (0, 0)


def test_a_new_process_rebuilds_its_story_index_from_storage(db, taxonomy):
    a = add_source(db, "https://two.example.org/rss", "Wire 2")
    b = add_source(db, "https://atom.example.org/atom", "Atom wire")
    ingest_bytes(context(db, taxonomy), a, rss20())
    fresh = context(db, taxonomy)  # a fresh process: an empty index
    result = ingest_bytes(fresh, b, atom())
    assert result.new_story_ids == () and len(result.changed_story_ids) == 2
    assert len(fresh.index) == 2
    assert counts(db) == (4, 2)


def test_a_second_process_sees_the_stories_another_one_stored(db, taxonomy):
    """Two pipelines (replicas) on one database: a warm index that another process overtook
    is loaded again before it judges."""
    a = add_source(db, "https://two.example.org/rss", "Wire 2")
    b = add_source(db, "https://atom.example.org/atom", "Atom wire")
    c = add_source(db, "https://other.example.org/rss", "Other")
    first, second = context(db, taxonomy), context(db, taxonomy)
    unrelated = rss20().replace(b"two-", b"other-")
    unrelated = unrelated.replace(COUPANG_TITLE.encode(), b"Busan hosts winter lantern festival")
    unrelated = unrelated.replace(
        COUPANG_TEXT.encode(), b"The city of Busan opened its lantern festival on the beach."
    )
    unrelated = unrelated.replace(AI_TITLE.encode(), b"Ferry timetable changes for winter")
    unrelated = unrelated.replace(AI_TEXT.encode(), b"Island ferries run twice a day until March.")
    ingest_bytes(second, c, unrelated)  # `second` is warm before `first` stores anything
    made = ingest_bytes(first, a, rss20())
    joined = ingest_bytes(second, b, atom())
    assert len(made.new_story_ids) == 2
    assert joined.new_story_ids == ()
    assert sorted(joined.changed_story_ids) == sorted(made.new_story_ids)
    assert counts(db) == (6, 4)


def test_a_batch_is_split_into_new_edited_and_unchanged_entries(db):
    def entry(key: str, text: str) -> CleanEntry:
        return CleanEntry(
            key, f"https://s.example.org/{key}", f"Title {key}", text, NOW, "en", text
        )

    known = {"a": (1, "one"), "b": (2, "two")}
    batch = [entry("a", "one"), entry("b", "two, edited"), entry("c", "three"), entry("c", "dup")]
    plan = plan_batch(batch, known)
    assert [e.entry_key for e in plan.new] == ["c"] and plan.new[0].text == "three"
    assert [(item_id, e.text) for item_id, e in plan.edited] == [(2, "two, edited")]
    assert plan.unchanged == 1


def test_stored_entries_wait_pending_until_judged(db, taxonomy):
    """Storing a source's batch keeps the new items out of stories until they are judged; an
    edited item goes back to pending with its new text and keeps its id."""
    source_id = add_source(db, "https://s.example.org/rss", "S")
    store = Storage(db)

    titles = {"a": COUPANG_TITLE, "b": AI_TITLE}

    def entry(key: str, text: str) -> CleanEntry:
        return CleanEntry(key, f"https://s.example.org/{key}", titles[key], text, NOW, "en", text)

    batch = plan_batch([entry("a", COUPANG_TEXT), entry("b", AI_TEXT)], {})
    (stored,) = store.ingest.store([(source_id, batch, FeedValidators(etag='"v1"'))], NOW)
    with db.session() as session:
        rows = {i.entry_key: i for i in session.exec(select(Item))}
        src = session.get(Source, source_id)
        assert src is not None and src.etag == '"v1"' and src.last_success_at == NOW
    assert [rows[k].id for k in "ab"] == list(stored.new_ids)
    assert all(r.pending and r.story_id is None for r in rows.values())
    judged = judge_pending(context(db, taxonomy))
    assert len(judged.new_story_ids) == 2 and judged.judged_items == 2
    later = NOW + timedelta(hours=1)
    known = store.ingest.known_entries({source_id: ["a", "b"]})[source_id]
    edit = plan_batch([entry("a", COUPANG_TEXT), entry("b", AI_TEXT + " Edited.")], known)
    store.ingest.store([(source_id, edit, FeedValidators())], later)
    with db.session() as session:
        b = session.exec(select(Item).where(Item.entry_key == "b")).one()
    assert b.pending and b.story_id is not None and b.text.endswith("Edited.")
    assert b.id == rows["b"].id and b.updated_at == later


def _dup_guid_feed(order: tuple[str, str]) -> bytes:
    entries = {
        "a": (
            "<item><title>Regulator fines telecom over outage</title>"
            "<link>https://dup.example.org/outage</link><guid>same-guid</guid>"
            "<pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>"
            "<description>The regulator fined the operator for a nationwide outage.</description>"
            "</item>"
        ),
        "b": (
            "<item><title>Court blocks age-verification law</title>"
            "<link>https://dup.example.org/court</link><guid>same-guid</guid>"
            "<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate>"
            "<description>A federal court blocked the state's age-verification law.</description>"
            "</item>"
        ),
    }
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Dup</title>'
        "<link>https://dup.example.org/</link>" + "".join(entries[k] for k in order)
    ).encode() + b"</channel></rss>"


async def test_two_articles_sharing_a_guid_are_both_kept_whatever_their_order(db, host, taxonomy):
    host.etags = False
    host.bodies["dup.xml"] = _dup_guid_feed(("a", "b"))
    source_id = add_source(db, host.url("dup.xml"), "Dup")
    async with Fetcher(allow=[f"127.0.0.1:{host.port}"], timeout=5.0) as fetcher:
        ctx = context(db, taxonomy, fetcher)
        first, _ = await poll_one(ctx, source_id)
        host.bodies["dup.xml"] = _dup_guid_feed(("b", "a"))
        second, _ = await poll_one(ctx, source_id)
    assert first.new_items == 2
    assert (second.new_items, second.updated_items) == (0, 0)  # nothing flips between polls
    with db.session() as session:
        titles = sorted(i.title for i in session.exec(select(Item)))
    assert titles == ["Court blocks age-verification law", "Regulator fines telecom over outage"]


def test_an_oversized_title_is_cut_and_an_oversized_link_dropped(db, taxonomy):
    source_id = add_source(db, "https://big.example.org/rss", "Big")
    title = "Enormous headline " * 60_000  # about 1 MB
    link = "https://big.example.org/" + "a" * 3000
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
        f"<link>https://big.example.org/</link><item><title>{title}</title><link>{link}</link>"
        "<guid>big-1</guid><description>Text.</description></item></channel></rss>"
    ).encode()
    report = ingest_bytes(context(db, taxonomy), source_id, body)
    assert report.results[0].new_items == 1
    with db.session() as session:
        item = session.exec(select(Item)).one()
        story = session.get(Story, item.story_id)
    assert len(item.title) == 500 and item.title.endswith("…")
    assert item.url is None
    assert story is not None and len(story.headline) == 500


def _many(n: int) -> bytes:
    items = "".join(
        f"<item><title>Notice number {i} about lantern {i * 7919 % 1000}</title>"
        f"<link>https://flood.example.org/{i}</link><guid>flood-{i}</guid>"
        f"<pubDate>Fri, 20 Nov 2026 {i:02d}:00:00 GMT</pubDate>"
        f"<description>Notice {i}: lantern {i * 104729 % 997} and harbour {i}.</description>"
        "</item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>'
        f"<link>https://flood.example.org/</link>{items}</channel></rss>"
    ).encode()


async def test_a_flooding_feed_is_taken_a_bounded_number_of_items_per_poll(db, host, taxonomy):
    host.bodies["flood.xml"] = _many(7)
    source_id = add_source(db, host.url("flood.xml"), "Flood")
    async with Fetcher(allow=[f"127.0.0.1:{host.port}"], timeout=5.0) as fetcher:
        ctx = context(db, taxonomy, fetcher)
        ctx.max_new_per_poll = 3
        polls, health = [], []
        for _ in range(4):
            polls.append((await poll_one(ctx, source_id))[0])
            health.append(format_health(Storage(db).sources.health(NOW), NOW)[0])
    assert [(p.new_items, p.deferred) for p in polls[:3]] == [(3, 4), (3, 1), (1, 0)]
    assert polls[3].status == "not_modified"  # validators are kept once nothing waits
    assert [sent for _, sent in host.requests[:3]] == [None, None, None]  # fetched whole
    with db.session() as session:
        keys = [i.entry_key for i in session.exec(select(Item).order_by(Item.id))]
    assert keys == [f"flood-{i}" for i in range(7)]  # the oldest first
    # /sources health says the feed floods, and stops saying it once the backlog is in
    assert "flooding: 4 new items over the per-poll limit" in health[0]
    assert "flooding: 1 new item over the per-poll limit" in health[1]
    assert all("flooding" not in line for line in health[2:])
