"""/deadlines, its calendar feed and `policybrief deadlines export`, as people see them."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime

import aiohttp
import icalendar
import pytest
from typer.testing import CliRunner

from bot.calendar import CalendarFeeds
from bot.cli import app
from bot.ops import Metrics, OpsServer
from digest.ingest.deadlines_hook import update_deadlines
from storage.db import Database
from storage.store import Storage
from tests.fakechat import FakeChat, error_of, seed_story, snapshot

# Real sentences (benchmarks/data/deadlines), published on the day the archive says.
ROBLOX = "Roblox will require all users to perform age-checks to access chat from January"
KEV = (
    "Cybersecurity and Infrastructure Security Agency (CISA) on Friday added five security flaws "
    "impacting Apple, Craft CMS, and Laravel Livewire to its Known Exploited Vulnerabilities (KEV) "
    "catalog, urging federal agencies to patch them by April 3, 2026."
)
NOW = datetime(2025, 11, 28, 12, 0, tzinfo=UTC)


def seed(db: Database) -> tuple[int, int]:
    """Two stories: a child-safety one (from January 2026) and a US cyber one (April 2026)."""
    first = seed_story(
        db,
        "Roblox to require age checks for chat",
        ROBLOX,
        topics=("child-safety",),
        jurisdictions=("intl",),
        url="https://news.example/roblox",
        when=datetime(2025, 11, 18, 12, 0, tzinfo=UTC),
    )
    second = seed_story(
        db,
        "CISA flags Apple, Craft CMS, Laravel bugs in KEV",
        KEV,
        topics=("cybersecurity",),
        jurisdictions=("us",),
        url="https://news.example/kev",
        when=datetime(2026, 3, 21, 8, 25, tzinfo=UTC),
    )
    assert update_deadlines(Storage(db), [first, second]) == 2
    return first, second


def chat(db: Database) -> FakeChat:
    c = FakeChat(db)
    c.clock.now = NOW
    return c


def test_deadlines_lists_soonest_first_grouped_by_month_with_links(db):
    seed(db)
    text = chat(db).text("/deadlines next:365d")
    assert "## January 2026" in text and "## April 2026" in text
    assert text.index("## January 2026") < text.index("## April 2026")
    assert "January 2026 · takes effect — Roblox will require" in text
    assert "https://news.example/roblox" in text
    assert "3 April 2026 · compliance deadline — Cybersecurity and" in text


def test_the_query_filters_by_jurisdiction_topic_words_and_kind(db):
    seed(db)
    c = chat(db)
    assert "Roblox" not in c.text("/deadlines us next:365d")
    assert "CISA" in c.text("/deadlines us next:365d")
    assert "Roblox" in c.text("/deadlines child-safety next:365d")
    assert "Roblox" in c.text("/deadlines age-checks next:365d")
    kinds = c.text("/deadlines kind:compliance next:365d")
    assert "CISA" in kinds and "Roblox" not in kinds


def test_the_default_window_is_90_days_and_no_match_says_so(db):
    seed(db)
    text = chat(db).text("/deadlines us")
    assert "No deadlines for us in the next 90 days" in text
    assert "next:365d" in text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/deadlines kind:deadlinez", "kind:deadlinez at column 1: unknown kind; use one of"),
        ("/deadlines eu next:900d", "next:900d at column 4: at most next:730d"),
        ("/deadlines next:soon", "next:soon at column 1: expected next: with days"),
        ("/deadlines from:2027-02-30", "from:2027-02-30 at column 1: no such date"),
        ("/deadlines topic:chid-safety", "topic:chid-safety at column 1: unknown topic"),
        ("/deadlines subscribe from:2027-01-01", "a calendar always starts today"),
        ("/deadlines unsubscribe now", "now at column 13: /deadlines unsubscribe takes no words"),
    ],
)
def test_bad_input_is_refused_naming_the_token_and_nothing_changes(db, line, message):
    seed(db)
    before = snapshot(db)
    assert message in error_of(chat(db).say(line))
    assert snapshot(db) == before


def test_unsubscribe_without_a_subscription_says_so(db):
    assert error_of(chat(db).say("/deadlines unsubscribe")) == "you have no calendar subscription"


def _token(text: str) -> str:
    match = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", text)
    assert match, text
    return match.group(1)


async def _get(port: int, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_a_calendar_url_serves_its_query_only_and_dies_with_unsubscribe(db, caplog):
    caplog.set_level(logging.DEBUG)
    seed(db)
    c = chat(db)
    c.services.public_url = "https://bot.example.org/"  # type: ignore[union-attr]
    reply = await c.ask("/deadlines subscribe us")
    text = c.log[-1].text
    token = _token(text)
    assert "https://bot.example.org/calendar/" in text
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    other = _token(c.log[-1].text if (await c.ask("/deadlines subscribe", user="U2")) else "")
    assert reply.document.kind == "notice"

    ops = OpsServer(Metrics(), lambda: {"status": "ok"}, host="127.0.0.1", port=0)
    CalendarFeeds(c.services).mount(ops.app)  # type: ignore[arg-type]
    port = await ops.start()
    try:
        status, kind, body = await _get(port, f"/calendar/{token}.ics")
        assert status == 200 and kind.startswith("text/calendar")
        cal = icalendar.Calendar.from_ical(body)
        events = [e for e in cal.walk("VEVENT")]
        assert [str(e["SUMMARY"]) for e in events] == [
            "3 April 2026 · compliance deadline: CISA flags Apple, Craft CMS, Laravel bugs in KEV"
        ]
        assert str(events[0]["URL"]) == "https://news.example/kev"
        # the other person's feed (everything) holds both; theirs stays theirs
        status, _, everything = await _get(port, f"/calendar/{other}.ics")
        assert status == 200 and "Roblox" in everything
        # nothing else is reachable with a token
        for path in (
            f"/calendar/{token}",
            f"/calendar/{token}.ics/metrics",
            f"/calendar/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}.ics",
            f"/calendar/{token}.ICS",
            "/calendar/.ics",
            f"/calendar/{token}.ics?query=eu",
        ):
            status, _, body = await _get(port, path)
            if path.endswith("?query=eu"):
                assert status == 200 and "Roblox" not in body  # the query string is ignored
            else:
                assert status == 404, path
        await c.ask("/deadlines unsubscribe")
        status, _, _ = await _get(port, f"/calendar/{token}.ics")
        assert status == 404
        # subscribing again gives a new URL and the old one stays dead
        await c.ask("/deadlines subscribe us")
        assert _token(c.log[-1].text) != token
        assert (await _get(port, f"/calendar/{token}.ics"))[0] == 404
    finally:
        await ops.stop()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and other not in logged


def test_export_prints_ics_csv_and_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    db.upgrade()
    seed(db)
    db.dispose()
    runner = CliRunner()
    env = {"DATABASE_URL": url, "POLICYBRIEF_SEED_SOURCES": "false"}
    # the CLI reads today's date: ask for the two years ahead of the sentences' dates
    args = ["deadlines", "export", "from:2025-11-28", "next:730d"]
    result = runner.invoke(app, [*args, "--format", "json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["date"], r["kind"]) for r in rows] == [
        ("2026-01", "takes-effect"),
        ("2026-04-03", "compliance"),
    ]
    result = runner.invoke(app, [*args, "us", "--format", "csv"], env=env, catch_exceptions=False)
    assert result.output.splitlines()[0].startswith("date,precision,kind,headline")
    assert "2026-04-03,day,compliance" in result.output and "Roblox" not in result.output
    result = runner.invoke(app, [*args, "--format", "ics"], env=env, catch_exceptions=False)
    assert len(icalendar.Calendar.from_ical(result.output).walk("VEVENT")) == 2
    bad = runner.invoke(app, [*args, "kind:soon"], env=env)
    assert bad.exit_code == 2 and "kind:soon" in bad.output


def test_ics_text_is_escaped_and_folded():
    from datetime import date

    from core.deadlines import Deadline, DeadlineRecord
    from digest.composition.deadlines import to_ics

    record = DeadlineRecord(
        id=7,
        story_id=1,
        deadline=Deadline(
            "consultation", date(2027, 1, 15), "day", "Comments, please; by 15 Jan\n"
        ),
        published_at=NOW,
        headline="Ünïcode " * 20,
        url="https://news.example/a,b",
    )
    text = to_ics([record], name="x", now=NOW)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["DESCRIPTION"]) == "Comments, please; by 15 Jan"
    assert str(event["SUMMARY"]).startswith("15 January 2027 · consultation closes: Ünïcode")


def test_the_deadlines_command_runs_in_the_console(sqlite_db):
    from bot.console import run_command
    from handlers.all import build_registry

    seed(sqlite_db)
    services = chat(sqlite_db).services
    assert services is not None
    reply = run_command(services, build_registry(), "/deadlines next:730d")
    assert reply.document.kind == "list"
    assert asyncio.iscoroutinefunction(CalendarFeeds(services)._serve)
