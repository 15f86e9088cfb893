"""Judgement's decide step, in pure code: windows built by hand, no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.ingest import JudgeWindow, SourceProfile, StoredItem
from digest.ingest import judge as judge_module
from digest.ingest.clean import content_hash
from digest.ingest.judge import Judge, decide
from digest.judgement.classify import Taxonomy
from digest.judgement.cluster import StoryIndex
from digest.judgement.signature import Signature, signature_of
from digest.text.words import Words
from tests.realnews import corpus

PAIRS = json.loads((Path(__file__).parent / "data" / "cluster_pairs.json").read_text())["items"]
T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)
DECEMBER = ("2025-12-01", "2025-12-02", "2025-12-03")  # dev days of the ShadyPanda reports
SOURCES = {
    1: SourceProfile(1, official=False, jurisdiction=None),
    2: SourceProfile(2, official=True, jurisdiction="kr"),
    3: SourceProfile(3, official=False, jurisdiction=None),
}


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(Taxonomy.load())


def item(
    item_id: int, key: str, *, source: int, hours: float, story: int | None = None
) -> StoredItem:
    """An item told with the text of cluster_pairs.json's `key`."""
    spec = PAIRS[key]
    return StoredItem(
        id=item_id,
        source_id=source,
        entry_key=f"{key}-{item_id}",
        title=spec["title"],
        text=spec["text"],
        published_at=T0 + timedelta(hours=hours),
        content_hash=content_hash(spec["title"], spec["text"]),
        story_id=story,
        pending=story is None,
    )


def test_two_reports_of_one_event_become_one_new_story_led_by_the_official_source(judge):
    window = JudgeWindow(
        generation=3,
        start=T0,
        pending=(item(1, "c2", source=1, hours=0), item(2, "c1", source=2, hours=1)),
        sources=SOURCES,
    )
    plan = decide(window, StoryIndex(), judge).plan
    (story,) = plan.new_stories
    assert plan.assign == {1: story.key, 2: story.key} and story.key < 0
    assert story.headline == PAIRS["c1"]["title"]  # the official source's, though later
    assert (story.item_count, story.source_count, story.official) == (2, 2, True)
    assert "kr" in story.tags.jurisdictions and plan.generation == 3
    assert set(plan.item_tags) == {1, 2} and not plan.touched and not plan.merged


def test_an_older_report_arriving_late_joins_the_stored_story_it_belongs_to(judge):
    """A judged item is revisited with a pending one published before it: they end up in the
    stored story (its id survives), not in a second story."""
    stored = item(10, "c1", source=2, hours=5, story=7)
    late = item(11, "c2", source=1, hours=1)
    window = JudgeWindow(
        generation=1,
        start=late.published_at,
        pending=(late,),
        revisit=(stored,),
        history={7: ()},
        sources=SOURCES,
    )
    plan = decide(window, StoryIndex(), judge).plan
    assert plan.new_stories == ()
    assert plan.assign == {11: 7}  # the revisited item stays where it was: not rewritten
    assert plan.touched == {7} and not plan.merged


def test_stories_a_revisit_joins_are_merged_and_point_at_the_survivor(judge):
    """Two stored stories of one event (split when they were judged) are revisited with an
    earlier report: one story remains, the other points at it."""
    a = item(20, "c1", source=2, hours=4, story=5)
    b = item(21, "c3", source=3, hours=6, story=6)
    early = item(22, "c2", source=1, hours=2)
    window = JudgeWindow(
        generation=4,
        start=early.published_at,
        pending=(early,),
        revisit=(a, b),
        history={5: (), 6: ()},
        sources=SOURCES,
    )
    plan = decide(window, StoryIndex(), judge).plan
    assert plan.new_stories == ()
    assert set(plan.assign.values()) == {5} and set(plan.assign) == {21, 22}
    assert plan.merged == {6: 5}
    assert plan.touched == {5}


def test_deciding_twice_gives_the_same_plan_and_leaves_the_index_alone(judge):
    index = StoryIndex()
    window = JudgeWindow(
        generation=0,
        start=T0,
        pending=tuple(
            item(n, key, source=1 + n % 3, hours=n)
            for n, key in enumerate(["c1", "d1", "c2", "d2", "m1", "m2"])
        ),
        sources=SOURCES,
    )
    first, second = decide(window, index, judge), decide(window, index, judge)
    assert first.plan == second.plan
    assert len(index) == 0 and index.generation is None
    assert len(first.plan.new_stories) == 3  # c, d and m: one story each


def test_a_report_telling_two_stored_stories_of_one_event_merges_them_into_the_older(judge):
    """Real dev items: the ShadyPanda reports of 1-2 December are stored as two stories
    (SecurityWeek's "Chrome, Edge Extensions Caught Tracking Users, Creating Backdoors" started
    its own); HackRead's "7 Year Long ShadyPanda Attack Spied on 4.3M Chrome and Edge Users"
    joins the first and merges the second into it, members judged before the window included."""
    rows = sorted(
        (r for r in corpus().values() if r["split"] == "dev" and r["day"] in DECEMBER),
        key=lambda r: (r["published"], r["id"]),
    )
    outlets = {name: n for n, name in enumerate(sorted({r["outlet"] for r in rows}), start=1)}

    def stored(n: int, row: dict) -> StoredItem:
        return StoredItem(
            id=n,
            source_id=outlets[row["outlet"]],
            entry_key=row["id"],
            title=row["title"],
            text=row["summary"],
            published_at=datetime.fromisoformat(row["published"].replace("Z", "+00:00")),
            content_hash=content_hash(row["title"], row["summary"]),
            story_id=None,
            pending=True,
        )

    earlier = [stored(n, r) for n, r in enumerate(rows, start=1) if r["day"] != DECEMBER[-1]]
    index = StoryIndex()
    draft = index.draft()
    key = {it.entry_key: draft.place(it.published_at, judge.member(it, None)) for it in earlier}
    index.commit(draft, {k: 1000 - k for k in set(key.values()) if k < 0}, generation=1)
    first, outlier = 1000 - key["r0401"], 1000 - key["r0475"]
    assert first != outlier
    bridge = stored(999, corpus()["r0544"])
    window = JudgeWindow(generation=1, start=bridge.published_at, pending=(bridge,), sources={})
    plan = decide(window, index, judge).plan
    assert plan.assign == {999: first}
    assert plan.merged == {outlier: first}
    assert first in plan.touched and outlier not in plan.facts


def test_the_judge_forgets_what_the_last_two_judgements_did_not_read():
    """A long-running poller judges new items forever: its caches must not grow with them. An
    item revisited in the next judgement is kept; one no judgement read since is let go, and
    judged again to the same result."""
    judge = Judge(Taxonomy.load())
    keys = ["c1", "d1", "m1", "b1", "r1", "k1", "c4", "d4"]
    first = item(1, keys[0], source=1, hours=0)
    one = JudgeWindow(generation=1, start=T0, pending=(first,), sources=SOURCES)
    plan = decide(one, StoryIndex(), judge).plan
    per_item = judge.cached()
    assert per_item == 3  # tags, signature, relevance
    for n, key in enumerate(keys[1:], start=2):
        later = item(n, key, source=1 + n % 3, hours=n)
        window = JudgeWindow(generation=n, start=T0, pending=(later,), sources=SOURCES)
        decide(window, StoryIndex(), judge)
        assert judge.cached() <= 2 * per_item  # this judgement's item and the last one's
    assert decide(one, StoryIndex(), judge).plan == plan  # read again, judged alike


def test_an_item_revisited_by_the_next_judgement_is_not_read_again(monkeypatch):
    """A report judged in one poll and revisited in the next (an earlier one arrived late)
    keeps its reading: only the new item is analysed."""
    judge = Judge(Taxonomy.load())
    first = item(10, "c1", source=2, hours=5)
    decide(
        JudgeWindow(generation=1, start=T0, pending=(first,), sources=SOURCES), StoryIndex(), judge
    )
    read: list[str] = []

    def counted(title: Words, text: Words) -> Signature:
        read.append(title.text)
        return signature_of(title, text)

    monkeypatch.setattr(judge_module, "signature_of", counted)
    stored = item(10, "c1", source=2, hours=5, story=7)
    late = item(11, "c2", source=1, hours=1)
    window = JudgeWindow(
        generation=2, start=late.published_at, pending=(late,), revisit=(stored,),
        history={7: ()}, sources=SOURCES,
    )  # fmt: skip
    decide(window, StoryIndex(), judge)
    assert read == [late.title]


def test_an_item_read_for_relevance_alone_is_split_once(monkeypatch):
    """A revisited member whose reading was let go is read again; where its source's kind needs
    a topic, the tags read the words split for relevance, not a second split of the item."""
    judge = Judge(Taxonomy.load())
    split: list[str] = []
    original = judge_module.split_words

    def counted(text: str) -> Words:
        split.append(text)
        return original(text)

    monkeypatch.setattr(judge_module, "split_words", counted)
    news = SourceProfile(4, official=False, jurisdiction=None, kind="general-news")
    assert judge.taxonomy.relevance.needs_topic(news.kind, news.official)
    member = item(12, "c1", source=4, hours=2)
    judge.assess(member, news)
    assert split == [member.title, member.text]
