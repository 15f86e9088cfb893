"""The read side through the real dispatch: one card for a story wherever it is shown, merged
stories followed to the story they went to, and how many transactions a /brief opens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from core.document import Document, story_ref
from digest.composition.alerts import queue_alerts
from digest.writing.llm_summaries import LlmSummaryProvider
from digest.writing.provider import SummaryProvider
from handlers.base import Role
from storage.db import Database
from storage.models import Delivery, Item, Source, Story, StoryTag, Watch
from storage.store import Storage
from tests.fakechat import (
    NOW,
    FakeChat,
    StubSummarizer,
    card_source,
    error_of,
    own_pg_schema,
    seed_story,
    snapshot,
)

MOD = Role.MODERATOR

_pg_worker_db = own_pg_schema("read_side")


@pytest.fixture
def chat(db):
    return FakeChat(db)


@contextmanager
def transactions(db: Database) -> Iterator[list[int]]:
    """Counts the transactions begun on the database's engine while the block runs."""
    begun: list[int] = []

    def count(_conn: object) -> None:
        begun.append(1)

    event.listen(db.engine, "begin", count)
    try:
        yield begun
    finally:
        event.remove(db.engine, "begin", count)


def eu_stories(db: Database, n: int = 5) -> list[int]:
    return [
        seed_story(
            db,
            f"EU rules for platforms, part {i}",
            "The Commission said the new rules apply to large platforms from next year.",
            jurisdictions=("eu",),
            topics=("online-platforms",),
        )
        for i in range(n)
    ]


def add_item(db: Database, story_id: int, source: str, url: str) -> None:
    """Another item of the story, from `source` (created when new)."""
    with db.session() as session:
        src = session.exec(select(Source).where(Source.name == source)).first()
        if src is None:
            src = Source(url=f"https://{source.lower().replace(' ', '')}.example/feed", name=source)
            session.add(src)
            session.flush()
        session.add(
            Item(
                source_id=src.id,
                entry_key=url,
                url=url,
                title=f"{source} on it",
                text="More on the story.",
                published_at=NOW,
                content_hash=url,
                story_id=story_id,
            )
        )


def merge(db: Database, old: int, into: int) -> None:
    """What ingest does when re-clustering folds `old` into `into`: its items move over."""
    with db.session() as session:
        session.exec(update(Item).where(Item.story_id == old).values(story_id=into))
        session.exec(update(Story).where(Story.id == old).values(merged_into=into, item_count=0))
        for tag in session.exec(select(StoryTag).where(StoryTag.story_id == old)):
            session.delete(tag)


# --- transactions -----------------------------------------------------------------------------


@pytest.mark.parametrize("llm", [False, True], ids=["offline", "llm"])
def test_brief_eu_is_one_read_and_one_write_only_when_summaries_were_made(db, llm):
    chat = FakeChat(db)
    assert chat.services is not None
    if llm:  # the production provider: cached LLM summaries and top lines, extractive fallback
        fallback = SummaryProvider(StubSummarizer())
        chat.services.provider = LlmSummaryProvider(fallback, model="m", clock=chat.clock)
    ids = eu_stories(db)
    chat.say(f"/pin {story_ref(ids[0])}", as_=MOD)
    with transactions(db) as first:
        reply = chat.say("/brief eu")
    assert [c.id for c in reply.document.stories()][0] == ids[0]  # the pin leads
    assert len(reply.document.stories()) == 5
    assert len(first) == 2  # the read (pins, views, cached summaries), the summaries made
    with transactions(db) as again:
        assert chat.say("/brief eu").document == reply.document
    assert len(again) == 1  # everything cached: the read alone


# --- one card ---------------------------------------------------------------------------------


def test_pinned_more_and_brief_show_the_same_card(chat, db):
    sid = seed_story(
        db,
        "Coupang fined in two places",
        "The regulators said the fine follows a data breach affecting millions of users.",
        topics=("competition", "online-platforms"),  # taxonomy order: online-platforms first
        jurisdictions=("au", "eu"),  # taxonomy order: eu first
    )
    add_item(db, sid, "Example News", "https://news.example/again")  # the same source again
    add_item(db, sid, "Other Wire", "https://wire.example/1")
    ref = story_ref(sid)
    chat.say(f"/pin {ref}", as_=MOD)
    (brief,) = chat.say("/brief coupang").document.stories()
    (pinned,) = chat.say("/pinned", as_=MOD).document.stories()
    (more,) = chat.say(f"/story {ref}").document.stories()
    assert brief == pinned == replace(more, pinned=True)  # More shows no channel's pins
    assert brief.topics == ["online-platforms", "competition"]
    assert brief.jurisdictions == ["eu", "au"]
    assert [(s.name, s.url) for s in brief.sources] == [
        ("Example News", f"https://news.example/{sid}"),
        ("Other Wire", "https://wire.example/1"),
    ]
    assert brief.pinned and brief.summary


def test_an_alert_shows_the_card_brief_shows(chat, db):
    chat.say("/watch coupang")
    sid = seed_story(
        db, "Coupang fined", "Coupang was fined for a breach of data rules today.", when=NOW
    )
    add_item(db, sid, "Other Wire", "https://wire.example/2")
    assert queue_alerts(Storage(db), card_source(db), None, [sid], NOW) == 1
    with db.session() as session:
        (row,) = session.exec(select(Delivery)).all()
    (alerted,) = Document.from_json(row.payload).stories()
    (briefed,) = chat.say("/brief coupang").document.stories()
    assert alerted == briefed


# --- merged stories ---------------------------------------------------------------------------


def test_a_merged_story_is_followed_to_the_story_it_went_to(chat, db):
    old, survivor = eu_stories(db, 2)
    chat.say(f"/pin {story_ref(old)}", as_=MOD)
    merge(db, old, survivor)
    ids = [c.id for c in chat.say("/brief eu").document.stories()]
    assert ids == [survivor]  # the pin follows the story; the merged one is never listed
    (pinned,) = chat.say("/pinned", as_=MOD).document.stories()
    assert pinned.id == survivor and pinned.pinned
    (more,) = chat.say(f"/story {story_ref(old)}").document.stories()  # an old card's ref
    assert more.id == survivor
    again = chat.say(f"/pin {story_ref(old)}", as_=MOD).document.title
    assert again.startswith(f"Re-pinned {story_ref(survivor)}")
    chat.say(f"/unpin {story_ref(old)}", as_=MOD)
    assert chat.say("/pinned", as_=MOD).document.title == "Nothing is pinned in this channel"


def test_watch_test_never_lists_a_merged_story(chat, db):
    old, survivor = eu_stories(db, 2)
    merge(db, old, survivor)
    doc = chat.say("/watch test platforms").document
    assert doc.title.endswith(": 1 matches in the last 30 days")
    assert doc.sections[0].lines == [f"{story_ref(survivor)}  EU rules for platforms, part 1"]


# --- watches ----------------------------------------------------------------------------------


def test_an_identical_watch_is_refused(chat, db):
    assert chat.say("/watch coupang fine").document.title == "Watching coupang fine (#1, instant)"
    before = snapshot(db)
    reply = chat.say("/watch  Coupang   fine")  # the same query, spelt differently
    assert error_of(reply) == "you already watch that: #1"
    assert snapshot(db) == before
    assert chat.say("/watch coupang fine daily").document.title.startswith("Watching")
    with db.session() as session:
        assert len(session.exec(select(Watch)).all()) == 2
