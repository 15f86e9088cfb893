"""The story call's structured reading (topics, relevance, event type) against the fake OpenAI
server: only taxonomy slugs and known event types are kept, and the story's briefs follow it,
also after a later judgement of the story."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import select

from core.ingest import StoryFacts
from core.readings import ModelReading
from digest.composition.compose import compose_brief
from digest.ingest.pipeline import PipelineContext, ingest_bytes
from digest.judgement.classify import Taxonomy
from digest.judgement.readings import combine
from digest.judgement.relevance import EVENT_TYPES
from digest.writing.llm import LlmSummarizer, build_client
from digest.writing.llm_summaries import SummaryWorker
from digest.writing.reading import ReadingVocabulary, check_reading
from storage.db import Database
from storage.models import Source, Story, StoryTag
from storage.store import Storage
from tests.fake_openai import Reply, article_ids, fake_openai
from tests.llmkit import (  # noqa: F401  (_pg_worker_db: our own PostgreSQL schema)
    NOW,
    ExtractiveProvider,
    _pg_worker_db,
    add_story,
)

TAXONOMY = Taxonomy.load()
VOCABULARY = ReadingVocabulary(tuple(TAXONOMY.topics), tuple(EVENT_TYPES))
TITLE = "Commission opens proceedings against a marketplace"
TEXT = (
    "The European Commission opened formal proceedings against a marketplace under the "
    "Digital Services Act on Monday. The platform has two months to reply."
)


def reader(**fields: Any):  # type: ignore[no-untyped-def]
    """A model that summarises and reads every story with `fields`."""

    def respond(body: dict[str, Any]) -> Reply:
        (story_id,) = article_ids(body)
        return Reply(
            content=json.dumps(
                {
                    "story_id": story_id,
                    "headline": "The Commission opened formal proceedings against a marketplace.",
                    "summary": "The Commission opened formal proceedings against a marketplace.",
                    **fields,
                }
            )
        )

    return respond


def llm(base_url: str, vocabulary: ReadingVocabulary | None = VOCABULARY) -> LlmSummarizer:
    client = build_client("sk-test", base_url, timeout=5.0, max_retries=0)
    assert client is not None
    return LlmSummarizer(client, "fake-model", timeout=5.0, max_retries=0, vocabulary=vocabulary)


def worker(db: Database, summarizer: LlmSummarizer) -> SummaryWorker:
    return SummaryWorker(Storage(db), summarizer, concurrency=1, clock=lambda: NOW)


def topics_of(db: Database, story_id: int) -> set[str]:
    with db.session() as session:
        tags = session.exec(select(StoryTag).where(StoryTag.story_id == story_id)).all()
    return {t.slug for t in tags if t.kind == "topic"}


def story(db: Database, story_id: int) -> Story:
    with db.session() as session:
        found = session.get(Story, story_id)
        assert found is not None
        return found


def brief_ids(db: Database, topics: frozenset[str] = frozenset()) -> list[int]:
    """The story ids `/brief` (on these topics) shows, through the real composer."""
    doc = compose_brief(
        Storage(db),
        TAXONOMY,
        ExtractiveProvider(),
        topics=topics,
        since=NOW - timedelta(days=1),
        now=NOW + timedelta(hours=1),
    )
    return [card.id for card in doc.stories()]


# -- what is accepted ------------------------------------------------------------------------


def test_only_taxonomy_slugs_and_known_event_types_are_kept():
    reading, refused = check_reading(
        "m",
        ["Child-Safety", "moon-landings", "eu", "child-safety", "competition"],
        "policy",
        "press-release",
        VOCABULARY,
    )
    # "eu" is a jurisdiction, not a topic; a repeated slug counts once; the type is unknown
    assert reading == ModelReading("m", ("child-safety", "competition"), True, None)
    assert refused == ("moon-landings", "eu", "press-release")
    assert check_reading("m", "cybersecurity", False, "law", VOCABULARY)[0] == ModelReading(
        "m", ("cybersecurity",), False, "law"
    )
    garbage, refused = check_reading("m", {"a": 1}, "maybe", 7, VOCABULARY)
    assert garbage.empty and refused == ("{'a': 1}", "maybe", "7")


def test_the_model_decides_relevance_and_type_and_adds_topics_to_the_words():
    words = StoryFacts(True, ("policy (+2.0)",), "analysis", 1.5)  # size 0.5 beyond its type
    read = combine(words, ModelReading("m", ("competition",), True, "enforcement"))
    assert (read.relevant, read.event_type, read.significance) == (True, "enforcement", 3.5)
    assert read.model_topics == ("competition",)
    assert read.reasons == (
        "model m: policy news, enforcement, topics competition",
        "policy (+2.0)",
    )
    assert combine(read, ModelReading("m", ("competition",), True, "enforcement")) == read
    hidden = combine(words, ModelReading("m", ("competition",), False, None))
    assert (hidden.relevant, hidden.significance, hidden.model_topics) == (False, 0.0, ())
    assert combine(words, ModelReading("m")) == words  # nothing usable: the words decide


# -- against the fake server -----------------------------------------------------------------


async def test_a_reading_tags_the_story_so_its_topic_brief_shows_it(db):
    sid = add_story(db, TITLE, TEXT)
    before = topics_of(db, sid)
    assert "child-safety" not in before and sid not in brief_ids(db, frozenset({"child-safety"}))
    with fake_openai(
        reader(topics=["child-safety", "space-law"], relevance="policy", event_type="investigation")
    ) as srv:
        stats = await worker(db, llm(srv.base_url)).run_pending([sid])
        assert (srv.story_calls, stats.summarised, stats.readings, stats.refused) == (1, 1, 1, 1)
        system = srv.requests()[0]["messages"][0]["content"]
        assert '"event_type"' in system and "child-safety" in system
    assert topics_of(db, sid) == before | {"child-safety"}
    assert "space-law" not in topics_of(db, sid)
    found = story(db, sid)
    assert (found.relevant, found.event_type) == (True, "investigation")
    assert found.relevance_reasons.startswith("model fake-model: policy news, investigation")
    assert sid in brief_ids(db, frozenset({"child-safety"}))


async def test_a_story_the_model_calls_general_news_leaves_the_briefs(db):
    sid = add_story(db, TITLE, TEXT)
    assert sid in brief_ids(db)
    with fake_openai(reader(topics=[], relevance="not policy", event_type="other")) as srv:
        await worker(db, llm(srv.base_url)).run_pending([sid])
    assert sid not in brief_ids(db) and not story(db, sid).relevant
    assert topics_of(db, sid) == set()


async def test_unknown_values_change_nothing_and_no_vocabulary_asks_for_nothing(db):
    sid = add_story(db, TITLE, TEXT)
    before = (story(db, sid).relevant, story(db, sid).event_type, topics_of(db, sid))
    with fake_openai(reader(topics=["moon"], relevance="perhaps", event_type="gossip")) as srv:
        stats = await worker(db, llm(srv.base_url)).run_pending([sid])
    assert (stats.summarised, stats.readings, stats.refused) == (1, 0, 3)
    assert (story(db, sid).relevant, story(db, sid).event_type, topics_of(db, sid)) == before
    other = add_story(db, "Second story", TEXT + " A second regulator joined on Monday.")
    with fake_openai(reader(topics=["child-safety"])) as srv:
        stats = await worker(db, llm(srv.base_url, vocabulary=None)).run_pending([other])
        assert '"event_type"' not in srv.requests()[0]["messages"][0]["content"]
    assert stats.readings == 0 and "child-safety" not in topics_of(db, other)


def _feed(tag: str, when: str) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{tag}</title>'
        f"<link>https://{tag}.example.org/</link><description>x</description>"
        f"<item><title>{TITLE}</title><link>https://{tag}.example.org/1</link>"
        f"<guid>{tag}-1</guid><pubDate>{when}</pubDate><description>{TEXT}</description></item>"
        "</channel></rss>"
    ).encode()


async def test_a_later_judgement_of_the_story_keeps_what_the_model_read(db):
    """A second outlet's report joins the story: its tags are recomputed from its items, and
    the stored reading is applied again, so the topic the model read stays."""
    with db.session() as session:
        sources = [Source(url=f"https://{t}.example.org/rss", name=t) for t in ("a", "b")]
        session.add_all(sources)
        session.flush()
        a, b = (s.id for s in sources)
    assert a is not None and b is not None
    ctx = PipelineContext(
        store=Storage(db),
        fetcher=None,
        load_taxonomy=lambda: TAXONOMY,
        clock=lambda: NOW,
        model_readings=True,
    )
    (sid,) = ingest_bytes(ctx, a, _feed("a", "Fri, 27 Nov 2026 08:00:00 GMT")).new_story_ids
    with fake_openai(reader(topics=["child-safety"], relevance="policy")) as srv:
        await worker(db, llm(srv.base_url)).run_pending([sid])
    assert "child-safety" in topics_of(db, sid)
    report = ingest_bytes(ctx, b, _feed("b", "Fri, 27 Nov 2026 09:00:00 GMT"))
    assert report.changed_story_ids == (sid,) and story(db, sid).item_count == 2
    assert "child-safety" in topics_of(db, sid)
    assert story(db, sid).relevance_reasons.startswith("model fake-model")
