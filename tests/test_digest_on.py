"""/digest on reads every word or refuses (issue 15 item 2, issue 16 item 2): times, zones,
schedules, size and filters in the query language, stored and scheduled as typed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import select

from core.document import Document
from digest.composition.compose import compose_digest
from digest.composition.digests import run_due_digests
from digest.composition.schedule import next_due, parse_clock
from digest.writing.provider import SummaryProvider
from handlers import digest_cmd
from handlers.base import Invocation, Role, Typed
from storage.models import Delivery, Subscription
from storage.store import Storage
from tests.fakechat import (
    NOW,
    FakeChat,
    StubSummarizer,
    error_of,
    own_pg_schema,
    seed_story,
    snapshot,
    taxonomy,
)

_pg_worker_db = own_pg_schema("digest_on")
ADMIN = Role.ADMIN


@pytest.fixture
def chat(db):
    return FakeChat(db)


def saved(chat):
    with chat.db.session() as session:
        (sub,) = session.exec(select(Subscription)).all()
        return sub


def test_an_exclusion_stays_an_exclusion(chat):
    chat.say("/digest on 08:00 UTC eu -crypto-assets", as_=ADMIN)
    sub = saved(chat)
    assert sub.query == "jurisdiction:eu -topic:crypto-assets"
    assert sub.timezone == "UTC"


def test_a_city_is_its_time_zone_not_a_topic(chat):
    reply = chat.say("/digest on 08:30 Brussels", as_=ADMIN)
    assert (
        reply.document.title == "Digest on: daily at 08:30 Europe/Brussels, all topics, 5 stories"
    )
    sub = saved(chat)
    assert (sub.local_time, sub.timezone, sub.query, sub.topics) == (
        "08:30",
        "Europe/Brussels",
        "",
        "",
    )


@pytest.mark.parametrize(
    ("word", "stored"),
    [("8am", "08:00"), ("8:30pm", "20:30"), ("12am", "00:00"), ("12pm", "12:00")],
)
def test_times_people_write(chat, word, stored):
    chat.say(f"/digest on {word} eu", as_=ADMIN)
    assert saved(chat).local_time == stored
    assert saved(chat).query == "jurisdiction:eu"


def test_weekly_weekdays_and_size_are_stored_and_shown(chat):
    reply = chat.say("/digest on weekly mon 08:00 Europe/Brussels size:10 child safety", as_=ADMIN)
    assert reply.document.title == (
        "Digest on: weekly on Monday at 08:00 Europe/Brussels, child-safety, 10 stories"
    )
    sub = saved(chat)
    assert (sub.cadence, sub.weekday, sub.size, sub.query) == (
        "weekly",
        0,
        10,
        "topic:child-safety",
    )
    # NOW is Saturday 28 Nov 2026 12:00 UTC: the next Monday 08:00 CET
    assert sub.next_due_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    lines = chat.say("/digest status", as_=ADMIN).document.sections[0].lines
    assert lines[1:4] == [
        "Schedule: weekly on Monday at 08:00 Europe/Brussels",
        "Filters: topic:child-safety",
        "Size: 10 stories",
    ]
    chat.say("/digest on weekdays 9am Asia/Seoul", as_=ADMIN)
    sub = saved(chat)
    assert (sub.cadence, sub.weekday, sub.size) == ("weekdays", None, 5)
    assert sub.next_due_at == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 09:00 KST


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/digest on size:40", "size:40 at column 4: size must be 3 to 15"),
        ("/digest on size:2 eu", "size:2 at column 4: size must be 3 to 15"),
        ("/digest on weekly funday", "funday at column 11: not a day; use mon … sun"),
        ("/digest on weekly", "weekly at column 4: weekly needs a day: weekly mon (mon … sun)"),
        ("/digest on 8 eu", "8 at column 4: a time needs minutes or am/pm: 8:00 or 8am"),
        ("/digest on 13pm", "13pm at column 4: not a time of day (1am to 12:59pm)"),
        ("/digest on 08:00 9am", "9am at column 10: /digest on takes one time"),
        (
            "/digest on daily weekdays",
            "weekdays at column 10: "
            "/digest on takes one schedule (daily, weekdays or weekly <day>)",
        ),
        ("/digest on Brussels Seoul", "Seoul at column 13: /digest on takes one time zone"),
        ("/digest on eu NOT uk", "NOT at column 7: exclude with a minus instead: -word"),
    ],
)
def test_refusals_name_the_word_and_save_nothing(chat, line, message):
    before = snapshot(chat.db)
    assert error_of(chat.say(line, as_=ADMIN)) == message
    assert snapshot(chat.db) == before


def test_an_ambiguous_city_is_refused_with_its_candidates(chat, monkeypatch):
    monkeypatch.setattr(
        digest_cmd, "_cities", lambda: {"springfield": ("America/Chicago", "America/New_York")}
    )
    assert error_of(chat.say("/digest on Springfield", as_=ADMIN)) == (
        "Springfield at column 4: more than one time zone has that name: "
        "America/Chicago, America/New_York"
    )


def test_the_city_table_comes_from_the_zone_names():
    cities = digest_cmd._cities()
    assert cities["brussels"] == ("Europe/Brussels",)
    assert cities["new_york"] == ("America/New_York",)
    # a link and its zone are one zone, not an ambiguity
    assert cities["buenos_aires"] == ("America/Argentina/Buenos_Aires",)


def test_the_filters_decide_what_the_digest_shows(chat, db):
    seed_story(db, "EU MiCA rules", "x", topics=("crypto-assets",), jurisdictions=("eu",))
    seed_story(db, "EU data rules", "x", topics=("data-protection",), jurisdictions=("eu",))
    seed_story(db, "UK data rules", "x", topics=("data-protection",), jurisdictions=("uk",))
    chat.say("/digest on 08:00 UTC eu -crypto-assets", as_=ADMIN)
    preview = chat.say("/digest preview", as_=ADMIN).document
    assert [c.headline for c in preview.stories()] == ["EU data rules"]


def test_clock_words():
    assert parse_clock("8am") == time(8, 0)
    assert parse_clock("8:30 p.m.") == time(20, 30)
    assert parse_clock("08:00") == time(8, 0)
    with pytest.raises(ValueError):
        parse_clock("8")


def test_weekly_and_weekdays_are_dst_correct():
    # Europe/Brussels leaves summer time on Sunday 25 Oct 2026
    after = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # a Tuesday
    first = next_due(time(8, 0), "Europe/Brussels", after, "weekly", 0)
    assert first == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday, CET (UTC+1)
    before = next_due(time(8, 0), "Europe/Brussels", after - timedelta(days=7), "weekly", 0)
    assert before == datetime(2026, 10, 19, 6, 0, tzinfo=UTC)  # a week earlier, CEST (UTC+2)
    friday = datetime(2026, 10, 23, 7, 0, tzinfo=UTC)  # Friday 09:00 CEST, just after
    assert next_due(time(8, 0), "Europe/Brussels", friday, "weekdays") == first
    assert NOW.weekday() == 5


def _run_due(db, now):
    store = Storage(db)

    def compose(**kwargs):
        return compose_digest(store, taxonomy(), SummaryProvider(StubSummarizer()), **kwargs)

    return asyncio.run(run_due_digests(store, compose, now=now))


def test_a_scheduled_digest_reads_the_saved_filters(chat, db):
    seed_story(db, "EU MiCA rules", "x", topics=("crypto-assets",), jurisdictions=("eu",))
    seed_story(db, "EU data rules", "x", topics=("data-protection",), jurisdictions=("eu",))
    seed_story(db, "UK data rules", "x", topics=("data-protection",), jurisdictions=("uk",))
    chat.say("/digest on 13:00 UTC eu -crypto-assets", as_=ADMIN)
    due = saved(chat).next_due_at
    assert due == datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
    report = _run_due(db, due)
    assert [o.action for o in report.outcomes] == ["queued"]
    with db.session() as session:
        (row,) = session.exec(select(Delivery)).all()
    doc = Document.from_json(row.payload)
    assert [c.headline for c in doc.stories()] == ["EU data rules"]


def test_a_weekly_digest_comes_back_a_week_later(chat, db):
    chat.say("/digest on weekly sat 13:00 UTC", as_=ADMIN)
    due = saved(chat).next_due_at
    assert due == datetime(2026, 11, 28, 13, 0, tzinfo=UTC)  # NOW is Saturday 12:00
    _run_due(db, due)
    assert saved(chat).next_due_at == due + timedelta(days=7)


def test_discord_options_read_as_the_same_words(chat):
    inv = Invocation(
        platform="discord",
        workspace="G1",
        channel="C1",
        user="U1",
        platform_role=ADMIN,
        command="digest",
        request=Typed(
            "on",
            {
                "time": "8am",
                "timezone": "Seoul",
                "schedule": "weekly fri",
                "size": 7,
                "topics": "eu -crypto",
            },
        ),
    )
    reply = asyncio.run(chat.registry.dispatch(chat.services, inv))
    assert reply.document.title == (
        "Digest on: weekly on Friday at 08:00 Asia/Seoul, eu -crypto-assets, 7 stories"
    )
