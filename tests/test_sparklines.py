"""Pictures where a glance beats reading: 30-day sparklines in /watch test and /watch list, and
/sources health marked ok / failing / disabled with the failing ones first."""

from __future__ import annotations

from datetime import date, timedelta

from core.sources import NewSource
from digest.text.sparkline import daily_counts, sparkline
from handlers.base import Role
from storage.models import Source
from storage.store import Storage
from tests.fakechat import NOW, FakeChat, own_pg_schema, seed_story

_pg_worker_db = own_pg_schema("sparklines")


def test_a_sparkline_scales_counts_to_blocks_and_places_days():
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    last = date(2026, 11, 28)
    counts = daily_counts([last, last, last - timedelta(days=29), last - timedelta(days=30)], last)
    assert len(counts) == 30 and counts[-1] == 2 and counts[0] == 1 and sum(counts) == 3


def test_watch_test_and_watch_list_show_30_days_of_matches_per_day(db):
    chat = FakeChat(db)
    for days_ago, n in ((0, 3), (1, 1), (10, 2)):
        for i in range(n):
            seed_story(db, f"Coupang story {days_ago}-{i}", "", when=NOW - timedelta(days=days_ago))
    doc = chat.say("/watch test coupang").document
    (per_day,) = [s for s in doc.sections if s.title == "Matches per day, 30 days to today"]
    spark = "▁" * 19 + "▆" + "▁" * 8 + "▄█"
    assert per_day.lines == [f"{spark}  most: 3 on 2026-11-28"]
    chat.say("/watch coupang")
    listed = chat.say("/watch list").document.sections[0].lines
    assert listed == [f"#1  coupang  (instant)  {spark}"]


def test_sources_health_marks_each_source_and_lists_failing_first(db):
    chat = FakeChat(db)
    store = Storage(db)
    ids = [
        store.sources.add(NewSource(url=f"https://{name}.example/feed", name=name)).id
        for name in ("Alpha", "Bravo", "Charlie", "Delta")
    ]
    store.sources.record_success(ids[0], NOW, etag=None, last_modified=None)
    store.sources.record_success(ids[1], NOW, etag=None, last_modified=None)
    for _ in range(2):
        store.sources.record_failure(ids[2], NOW, "HTTP 503")
    with db.session() as session:
        delta = session.get(Source, ids[3])
        delta.enabled, delta.disabled_reason = False, "by an admin"
        session.add(delta)
    doc = chat.say("/sources health", as_=Role.ADMIN).document
    lines = doc.sections[0].lines
    assert [line.split(" — ")[0] for line in lines] == [
        "✗ Charlie",
        "⏸ Delta",
        "✓ Alpha",
        "✓ Bravo",
    ]
    assert lines[0].startswith("✗ Charlie — FAILING (2 failures in a row): HTTP 503")
    assert doc.intro == "2 ok, 1 failing, 1 disabled"
