"""Digests go out with LLM summaries and top line when a model is configured; else say so."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.app import build_components, build_ticks
from bot.settings import load_settings
from core.document import Document
from storage.models import Delivery
from tests.fake_openai import fake_openai
from tests.test_scheduler import FAST, Clock, FeedServer, MemoryPublisher, Source, Subscription


def _setup(db, feeds, clock, **llm):
    settings = load_settings(fetch_allow=feeds.allow, database_url="sqlite:///unused.db", **llm)
    comps = build_components(settings, clock=clock, db=db)
    with db.session() as s:
        for i in range(2):
            s.add(Source(url=feeds.url(i), name=f"Feed {i}", next_poll_at=clock.now))
        s.add(Subscription(platform="slack", workspace="T1", channel="C1", next_due_at=clock.now))
    ticks = build_ticks(comps, {"slack": MemoryPublisher("slack")}, delivery=FAST)
    return comps, ticks


def _queued_digest(db) -> Document:
    with db.session() as s:
        (row,) = s.exec(select(Delivery).where(Delivery.kind == "digest")).all()
    return Document.from_json(row.payload)


async def test_digest_waits_for_llm_summaries_and_top_line(db):
    clock = Clock()
    with fake_openai() as llm, FeedServer(2, published=clock.now - timedelta(hours=1)) as feeds:
        comps, ticks = _setup(
            db, feeds, clock, openai_base_url=llm.base_url, openai_api_key="sk-test"
        )
        try:
            await ticks.poll()
            assert (await ticks.digests()).summary() == "1 due: 1 queued"
            doc = _queued_digest(db)
            assert doc.intro.startswith("Regulators moved today. (s")
            assert {c.summary for c in doc.stories()} == {
                "Regulators announced a new measure. It matters for platforms."
            }
            assert "summaries: extractive" not in doc.footer
            assert llm.story_calls == 2  # one call per story, not per composition
        finally:
            await comps.aclose()


async def test_without_a_model_the_digest_says_summaries_are_extractive(db):
    clock = Clock()
    with FeedServer(2, published=clock.now - timedelta(hours=1)) as feeds:
        comps, ticks = _setup(db, feeds, clock)
        try:
            await ticks.poll()
            await ticks.digests()
            doc = _queued_digest(db)
            assert doc.stories() and "summaries: extractive" in doc.footer
        finally:
            await comps.aclose()
