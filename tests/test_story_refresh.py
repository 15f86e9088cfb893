"""A large story's refresh reads a bounded sample of its members, and says what the exact read
says: the same headline, content hash, counts and tags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from sqlmodel import select

import storage.ingest as ingest_storage
from digest.ingest.parse import parse_feed
from digest.ingest.pipeline import PipelineContext, ingest_entries
from digest.judgement.classify import Taxonomy
from storage.db import Database
from storage.models import Source, Story, StoryTag
from storage.store import Storage

START = datetime(2026, 11, 20, 8, tzinfo=UTC)


def _recalls(n: int) -> bytes:
    items = "".join(
        f"<item><title>EU regulator orders Acme to recall router model {i % 7} over data "
        f"protection flaw</title><link>https://wire.example.org/{i}</link><guid>r-{i}</guid>"
        f"<pubDate>{format_datetime(START + timedelta(seconds=i))}</pubDate>"
        "<description>The European Commission ordered Acme to recall its home router after a "
        f"data protection flaw exposed customers' personal data under the GDPR. Notice {i}."
        "</description></item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>https://wire.example.org/</link>{items}</channel></rss>"
    ).encode()


def _story(db: Database) -> tuple[Story, set[tuple[str, str]]]:
    with db.session() as session:
        (story,) = session.exec(select(Story).where(Story.item_count > 0)).all()
        tags = {(t.kind, t.slug) for t in session.exec(select(StoryTag))}
        session.expunge(story)
    return story, tags


def test_a_large_story_refreshes_from_a_sample_to_what_the_exact_read_says(db, monkeypatch):
    with db.session() as session:
        source = Source(url="https://wire.example.org/rss", name="Wire", official=True)
        session.add(source)
        session.flush()
        assert source.id is not None
        source_id = source.id
    ctx = PipelineContext(
        store=Storage(db), fetcher=None, load_taxonomy=lambda: Taxonomy.load(), clock=lambda: START
    )
    ctx.max_new_per_poll = 1000
    ingest_entries(ctx, source_id, parse_feed(_recalls(250)), now=START + timedelta(hours=1))
    story, _ = _story(db)
    assert story.item_count == 250  # one story, larger than 2 x TAGGED_MEMBERS

    monkeypatch.setattr(ingest_storage, "TAGGED_MEMBERS", 10_000)  # every member read
    Storage(db).ingest.refresh([story.id])
    exact, exact_tags = _story(db)
    monkeypatch.undo()
    Storage(db).ingest.refresh([story.id])
    sampled, sampled_tags = _story(db)

    assert exact_tags and sampled_tags == exact_tags
    for column in ("headline", "content_hash", "item_count", "source_count", "official"):
        assert getattr(sampled, column) == getattr(exact, column), column
    assert sampled.headline.startswith("EU regulator orders Acme to recall router model 0")
