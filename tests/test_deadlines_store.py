"""Deadlines through the poll and storage: found on ingest, replaced on edit, gone with their
story or source, filtered for /deadlines; calendar feeds found by token hash only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete

from core.deadlines import DatedItem, DeadlineFilter, calendar_token_hash, new_calendar_token
from digest.ingest import deadlines_hook as deadlines_module
from digest.ingest.deadlines_hook import deadlines_hook
from digest.ingest.pipeline import PipelineContext, ingest_bytes
from digest.judgement.classify import Taxonomy
from storage.db import Database
from storage.models import Source
from storage.store import Storage
from storage.tables import STORIES

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
RULE = "The Commission said the age-verification rule takes effect on 1 April 2027."
MOVED = "The Commission said the age-verification rule now takes effect on 1 June 2027."


def feed(text: str, title: str = "EU child safety rule for online platforms adopted") -> bytes:
    return f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example.org/</link>
<description>x</description>
<item><title>{title}</title><link>https://wire.example.org/rule</link>
<guid>rule</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>
<description>{text}</description></item>
</channel></rss>""".encode()


def setup(db: Database) -> tuple[PipelineContext, int]:
    store = Storage(db)
    ctx = PipelineContext(
        store=store,
        fetcher=None,
        load_taxonomy=lambda: Taxonomy.load(),
        clock=lambda: NOW,
        hooks=(deadlines_hook(store),),
    )
    with db.session() as session:
        src = Source(url="https://wire.example.org/feed", name="Wire", jurisdiction="eu")
        session.add(src)
        session.flush()
        assert src.id is not None
        return ctx, src.id


def upcoming(store: Storage, **kw: object) -> list[str]:
    want = DeadlineFilter(today=TODAY, horizon=timedelta(days=730), **kw)  # type: ignore[arg-type]
    return [r.deadline.label for r in store.deadlines.upcoming(want)]


def test_a_polled_story_gets_its_deadline_with_link_and_tags(db):
    ctx, source_id = setup(db)
    ingest_bytes(ctx, source_id, feed(RULE))
    (record,) = ctx.store.deadlines.upcoming(DeadlineFilter(TODAY, timedelta(days=730)))
    assert record.deadline.label == "1 April 2027 · takes effect"
    assert record.deadline.sentence == RULE
    assert record.url == "https://wire.example.org/rule"
    assert record.headline == "EU child safety rule for online platforms adopted"
    assert "eu" in record.jurisdictions


def test_an_edit_replaces_the_story_deadlines(db):
    ctx, source_id = setup(db)
    ingest_bytes(ctx, source_id, feed(RULE))
    ingest_bytes(ctx, source_id, feed(MOVED))
    assert upcoming(ctx.store) == ["1 June 2027 · takes effect"]
    ingest_bytes(ctx, source_id, feed("The Commission adopted the rule."))
    assert upcoming(ctx.store) == []


def test_a_removed_story_takes_its_deadlines(db):
    ctx, source_id = setup(db)
    ingest_bytes(ctx, source_id, feed(RULE))
    assert upcoming(ctx.store)
    with db.engine.begin() as conn:
        conn.execute(delete(STORIES))
    assert upcoming(ctx.store) == []


def test_a_removed_source_takes_its_deadlines(db):
    ctx, source_id = setup(db)
    ingest_bytes(ctx, source_id, feed(RULE))
    assert upcoming(ctx.store) == ["1 April 2027 · takes effect"]
    assert ctx.store.sources.remove(source_id)
    assert upcoming(ctx.store) == []


def test_filters_horizon_tags_and_words(db):
    ctx, source_id = setup(db)
    ingest_bytes(ctx, source_id, feed(RULE))
    store = ctx.store
    assert upcoming(store, jurisdictions=("eu",)) == ["1 April 2027 · takes effect"]
    assert upcoming(store, jurisdictions=("us",)) == []
    assert upcoming(store, words=("age-verification",)) == ["1 April 2027 · takes effect"]
    assert upcoming(store, words=("commission", "coupang")) == []
    near = DeadlineFilter(TODAY, timedelta(days=90))
    assert store.deadlines.upcoming(near) == []
    later = DeadlineFilter(date(2027, 4, 2), timedelta(days=30))
    assert store.deadlines.upcoming(later) == []  # over by then


def test_calendar_feed_is_found_by_token_hash_and_revoked(db):
    store = Storage(db)
    first = new_calendar_token()
    assert len(first) >= 32  # 24 random bytes, URL-safe base64
    feed_ = store.deadlines.subscribe(
        platform="slack",
        workspace="T1",
        user="U1",
        query="eu",
        token_hash=calendar_token_hash(first),
        now=NOW,
    )
    found = store.deadlines.feed_by_token_hash(calendar_token_hash(first))
    assert found is not None and found[0] == feed_
    second = new_calendar_token()
    store.deadlines.subscribe(
        platform="slack",
        workspace="T1",
        user="U1",
        query="us",
        token_hash=calendar_token_hash(second),
        now=NOW,
    )
    assert store.deadlines.feed_by_token_hash(calendar_token_hash(first)) is None
    assert store.deadlines.unsubscribe(platform="slack", workspace="T1", user="U1")
    assert store.deadlines.feed_by_token_hash(calendar_token_hash(second)) is None
    assert not store.deadlines.unsubscribe(platform="slack", workspace="T1", user="U1")


def test_the_token_is_never_stored(db):
    store = Storage(db)
    token = new_calendar_token()
    store.deadlines.subscribe(
        platform="slack",
        workspace="T1",
        user="U1",
        query="eu",
        token_hash=calendar_token_hash(token),
        now=NOW,
    )
    with db.engine.connect() as conn:
        dump = " ".join(
            str(v) for row in conn.exec_driver_sql("SELECT * FROM calendar_feeds") for v in row
        )
    assert token not in dump


def test_a_story_that_is_not_policy_news_keeps_no_deadlines(db):
    """A festival's new opening hours 'take effect' too, but the radar shows policy news."""
    ctx, source_id = setup(db)
    hours = "The lantern festival's new opening hours take effect on 1 April 2027, organisers said."
    ingest_bytes(ctx, source_id, feed(hours, title="Busan lantern festival returns to the beach"))
    with db.session() as session:
        relevant = session.connection().execute(STORIES.select()).one().relevant
    assert relevant is False
    assert upcoming(ctx.store) == []


def test_many_changed_stories_are_read_a_few_at_a_time_and_all_get_their_deadlines(db, monkeypatch):
    """A cold start changes thousands of stories: their texts are not all held at once."""
    monkeypatch.setattr(deadlines_module, "TEXTS_AT_ONCE", 1)
    ctx, source_id = setup(db)
    asked: list[int] = []
    story_texts = ctx.store.deadlines.story_texts

    def spied(story_ids: Sequence[int]) -> dict[int, list[DatedItem]]:
        asked.append(len(story_ids))
        return story_texts(story_ids)

    monkeypatch.setattr(ctx.store.deadlines, "story_texts", spied)
    second = """<item><title>Korea adopts AI basic act enforcement decree</title>
<link>https://wire.example.org/ai</link><guid>ai</guid>
<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate>
<description>The science ministry said the decree takes effect on 22 January 2027.</description>
</item></channel>"""
    ingest_bytes(ctx, source_id, feed(RULE).replace(b"</channel>", second.encode()))
    assert asked == [1, 1]
    assert upcoming(ctx.store) == ["22 January 2027 · takes effect", "1 April 2027 · takes effect"]
