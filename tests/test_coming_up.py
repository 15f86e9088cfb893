"""Digests say what is coming up: deadlines in the next 14 days that match the digest's filters,
at most five lines, right after the lead."""

from __future__ import annotations

from datetime import timedelta

from digest.composition.compose import COMING_UP_SECTION, TOP_SECTION, compose_digest
from digest.ingest.deadlines_hook import update_deadlines
from digest.writing.provider import SummaryProvider
from storage.store import Storage
from tests.fakechat import NOW, StubSummarizer, own_pg_schema, seed_story, taxonomy

_pg_worker_db = own_pg_schema("coming_up")


def _story(db, headline: str, sentence: str, place: str) -> int:
    sid = seed_story(db, headline, sentence, jurisdictions=(place,), when=NOW - timedelta(hours=3))
    update_deadlines(Storage(db), [sid])
    return sid


def _digest(db, topics=frozenset()):
    return compose_digest(
        Storage(db),
        taxonomy(),
        SummaryProvider(StubSummarizer()),
        topics=topics,
        since=NOW - timedelta(days=1),
        now=NOW,
    )


def test_deadlines_of_the_next_14_days_matching_the_filters_follow_the_lead(db):
    _story(db, "EU consults on data rules", "Comments are due by 5 December 2026.", "eu")
    _story(db, "UK rules take effect", "The rules take effect on 1 December 2026.", "uk")
    _story(db, "EU consultation later", "The consultation closes on 30 December 2026.", "eu")
    doc = _digest(db, frozenset({"eu"}))
    assert doc is not None
    coming, top = doc.sections[0], doc.sections[1]
    assert (coming.title, top.title) == (COMING_UP_SECTION, TOP_SECTION)
    (line,) = coming.lines  # the UK one is filtered out, the 30 December one is too far
    assert line.startswith("5 December 2026 · consultation closes — Comments are due by")
    everything = _digest(db)
    assert everything is not None
    assert [x.split(" · ")[0] for x in everything.sections[0].lines] == [
        "1 December 2026",
        "5 December 2026",
    ]


def test_at_most_five_lines_and_no_section_without_deadlines(db):
    plain = seed_story(db, "Nothing dated here", "No dates.", jurisdictions=("eu",))
    doc = _digest(db)
    assert doc is not None and [s.title for s in doc.sections] == [TOP_SECTION]
    for day in range(1, 8):
        _story(db, f"Rule {day} applies", f"The rules take effect on {day} December 2026.", "eu")
    doc = _digest(db)
    assert doc is not None and len(doc.sections[0].lines) == 5
    assert plain in [c.id for s in doc.sections for c in s.stories]
