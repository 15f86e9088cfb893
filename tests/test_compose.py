"""Briefings and digests composed from the bundled sample feeds (ingested through the pipeline)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from core.document import Document
from digest.composition.compose import (
    ALSO_NOTED_SECTION,
    DIGEST_SIZE,
    TOP_SECTION,
    compose_brief,
    compose_digest,
)
from digest.demo import demo_briefings, load_samples
from digest.judgement.classify import Taxonomy
from digest.writing.provider import SummaryProvider
from storage.models import Item, Story, StoryTag, Summary
from storage.store import Storage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@pytest.fixture
def loaded(db, taxonomy):
    """Storage over `db` with the sample feeds ingested."""
    store = Storage(db)
    results = load_samples(store, taxonomy, NOW)
    assert results and all(r.status == "ok" for rep in results for r in rep.results), results
    return store


def _ids(doc: Document) -> list[int]:
    return [c.id for c in doc.stories()]


def test_samples_load_recent_and_cluster_across_sources(db, loaded):
    with db.session() as session:
        newest = session.exec(select(func.max(Story.last_seen_at))).one()
        multi = session.exec(select(Story).where(Story.source_count > 1)).all()
        items = session.exec(select(func.count()).select_from(Item)).one()
    assert NOW - timedelta(hours=4) <= newest <= NOW
    assert items >= 40  # every sample entry, each stored once
    assert multi, "the samples tell some stories in several sources"


def test_demo_briefings_have_one_card_per_story_no_footer_and_only_tagged_stories(loaded, taxonomy):
    docs = dict(demo_briefings(loaded, taxonomy, SummaryProvider(), NOW))
    assert list(docs) == [
        "/brief",
        "/brief eu",
        "/brief child-safety",
        "/brief kr",
        "/brief coupang",
    ]
    for command, doc in docs.items():
        ids = _ids(doc)
        assert ids, f"{command} is empty"
        assert len(ids) == len(set(ids)), f"{command} lists a story twice"
        text = doc.to_json()
        assert "PolicyBot" not in text and "Would you like to learn more" not in text, command
        assert "summaries:" not in " ".join(doc.footer)  # the offline provider adds no note
    assert all("eu" in c.jurisdictions for c in docs["/brief eu"].stories())
    assert all("kr" in c.jurisdictions for c in docs["/brief kr"].stories())
    assert all("child-safety" in c.topics for c in docs["/brief child-safety"].stories())
    for card in docs["/brief coupang"].stories():
        blob = " ".join([card.headline, card.summary] + [s.title for s in card.sources]).lower()
        assert "coupang" in blob


def test_eu_brief_matches_the_stored_tags_exactly(db, loaded, taxonomy):
    doc = compose_brief(
        loaded,
        taxonomy,
        SummaryProvider(),
        jurisdictions={"eu"},
        since=NOW - WEEK,
        now=NOW,
        limit=50,
    )
    with db.session() as session:
        tagged = set(
            session.exec(
                select(StoryTag.story_id).where(
                    StoryTag.kind == "jurisdiction", StoryTag.slug == "eu"
                )
            )
        )
    assert set(_ids(doc)) == tagged


def test_a_card_lists_every_source_of_its_story(db, loaded, taxonomy):
    doc = compose_brief(loaded, taxonomy, SummaryProvider(), since=NOW - WEEK, now=NOW, limit=50)
    with db.session() as session:
        for card in doc.stories():
            rows = session.exec(select(Item).where(Item.story_id == card.id)).all()
            story = session.get(Story, card.id)
            assert story is not None
            assert len(card.sources) == story.source_count == len({r.source_id for r in rows})
            assert {s.url for s in card.sources} <= {r.url for r in rows}
            assert card.summary and card.headline == story.headline
    multi = [c for c in doc.stories() if len(c.sources) > 1]
    assert multi
    # an official source heads a story it tells
    official = [c for c in multi if c.sources[0].name.startswith("European Commission")]
    for card in official:
        assert card.headline == card.sources[0].title


def test_summaries_are_cached_by_content_hash(db, loaded, taxonomy):
    provider = SummaryProvider()
    first = compose_brief(loaded, taxonomy, provider, since=NOW - WEEK, now=NOW, limit=3)
    card = first.stories()[0]
    with db.session() as session:
        story = session.get(Story, card.id)
        assert story is not None
        row = session.exec(select(Summary).where(Summary.content_hash == story.content_hash)).one()
        assert row.summarizer == "extractive" and row.text == card.summary
        row.text = "From the cache."
        session.add(row)
    again = compose_brief(loaded, taxonomy, provider, since=NOW - WEEK, now=NOW, limit=3)
    assert again.stories()[0].summary == "From the cache."


def test_pinned_stories_lead_the_brief_and_the_digest(loaded, taxonomy):
    provider = SummaryProvider()
    plain = compose_brief(loaded, taxonomy, provider, since=NOW - WEEK, now=NOW, limit=5)
    last = _ids(plain)[-1]
    brief = compose_brief(
        loaded, taxonomy, provider, since=NOW - WEEK, now=NOW, limit=5, pinned_ids=[last]
    )
    assert _ids(brief)[0] == last and brief.stories()[0].pinned
    assert _ids(brief).count(last) == 1 and len(_ids(brief)) == 5

    digest = compose_digest(
        loaded, taxonomy, provider, since=NOW - WEEK, now=NOW, pinned_ids=[last], limit=50
    )
    assert digest is not None and digest.kind == "digest"
    top = digest.sections[0]
    assert top.title == TOP_SECTION and top.style == "cards"
    assert top.stories[0].id == last and top.stories[0].pinned
    assert len(top.stories) == DIGEST_SIZE
    ids = _ids(digest)
    assert len(ids) == len(set(ids))


def test_digest_is_a_lead_the_top_cards_and_one_line_for_the_rest(loaded, taxonomy):
    provider = SummaryProvider()
    digest = compose_digest(loaded, taxonomy, provider, since=NOW - WEEK, now=NOW, size=3)
    assert digest is not None
    top, noted = digest.sections
    assert (top.title, top.style, len(top.stories)) == (TOP_SECTION, "cards", 3)
    assert all(card.summary for card in top.stories)
    assert (noted.title, noted.style) == (ALSO_NOTED_SECTION, "list")
    assert 0 < len(noted.stories) <= 15 and not any(c.summary for c in noted.stories)
    # the lead: two or three sentences on the day, naming the leading story
    sentences = [s for s in re.split(r"(?<=[.…])\s+(?=[A-Z])", digest.intro) if s]
    assert 2 <= len(sentences) <= 3, digest.intro
    assert top.stories[0].headline[:40] in digest.intro
    assert digest.at == NOW.isoformat(timespec="seconds")
    default = compose_digest(loaded, taxonomy, provider, since=NOW - WEEK, now=NOW)
    assert default is not None and len(default.sections[0].stories) == DIGEST_SIZE


def test_digest_filters_by_slugs_and_is_none_when_nothing_is_new(loaded, taxonomy):
    provider = SummaryProvider()
    eu_or_cs = compose_digest(
        loaded,
        taxonomy,
        provider,
        topics={"eu", "child-safety"},
        since=NOW - WEEK,
        now=NOW,
        limit=50,
    )
    assert eu_or_cs is not None
    for card in eu_or_cs.stories():
        assert "eu" in card.jurisdictions or "child-safety" in card.topics
    assert compose_digest(loaded, taxonomy, provider, since=NOW, now=NOW) is None
    assert (
        compose_digest(loaded, taxonomy, provider, topics={"no-such"}, since=NOW - WEEK, now=NOW)
        is None
    )


def test_free_words_search_and_an_empty_result(loaded, taxonomy):
    provider = SummaryProvider()
    none = compose_brief(
        loaded, taxonomy, provider, words=["zzzunknownword"], since=NOW - WEEK, now=NOW
    )
    assert none.stories() == [] and none.intro == "Nothing new in this period."
    assert none.footer == []
    found = compose_brief(
        loaded, taxonomy, provider, words=["coupang", "breach"], since=NOW - WEEK, now=NOW
    )
    assert found.stories()
    assert found.intro.startswith(f"{len(found.stories())} stor")
