"""/trend: a PNG chart of stories per day with its peaks, a sparkline in the text, refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from core.deadlines import TrendRow
from core.document import Document
from digest.composition.charts import OKABE_ITO, sparkline, trend_chart
from tests.fakechat import FakeChat, error_of, seed_story, snapshot

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def seed(db) -> None:
    """Coupang stories: one a day for ten days, five on the peak day (the first told names it),
    and an unrelated one."""
    for n in range(10):
        when = NOW - timedelta(days=n + 1)
        seed_story(
            db, f"Coupang update {n}", "Coupang data breach", jurisdictions=("kr",), when=when
        )
    for k in range(5):
        seed_story(
            db,
            "Regulator fines Coupang over the data breach" if k == 4 else f"Coupang peak {k}",
            "Coupang fine",
            jurisdictions=("kr",) if k % 2 else ("kr", "intl"),
            topics=("data-protection",),
            when=NOW - timedelta(days=3, hours=k),
        )
    seed_story(db, "Unrelated weather", "rain", when=NOW - timedelta(days=2))


def chat(db) -> FakeChat:
    c = FakeChat(db)
    c.clock.now = NOW
    return c


def test_trend_replies_with_a_png_chart_sparkline_and_labelled_peak(db):
    seed(db)
    reply = chat(db).say("/trend coupang since:30d")
    doc = reply.document
    (image,) = doc.images
    assert image.media_type == "image/png" and image.data.startswith(PNG)
    text = chat(db).text("/trend coupang since:30d")
    assert "Stories: coupang (last 30 days)" in text
    assert any(ch in text for ch in "▁▂▃▄▅▆▇█")
    assert "Regulator fines Coupang over the data breach" in text  # the busiest day's headline
    assert "[image trend.png:" in text
    assert Document.from_json(doc.to_json()) == doc


def test_a_split_lists_its_series(db):
    seed(db)
    text = chat(db).text("/trend coupang since:30d by:jurisdiction")
    assert "## By jurisdiction" in text and "kr: 15" in text and "intl: 3" in text


def test_no_match_says_so_instead_of_an_empty_plot(db):
    seed(db)
    reply = chat(db).say("/trend zzyzx since:30d")
    assert reply.document.images == []
    assert reply.document.title == "No stories match zzyzx in the last 30 days"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/trend", "/trend needs a query"),
        ("/trend since:30d", "/trend needs a query"),
        ("/trend coupang since:800d", "since:800d at column 9: at most since:730d"),
        ("/trend coupang since:soon", "since:soon at column 9: expected since: with days"),
        ("/trend coupang by:colour", "by:colour at column 9: expected by:topic"),
        ("/trend topic:weather", "topic:weather at column 1: unknown topic"),
    ],
)
def test_bad_input_is_refused_naming_the_token(db, line, message):
    before = snapshot(db)
    assert message in error_of(chat(db).say(line))
    assert snapshot(db) == before


def test_weekly_bins_beyond_60_days_and_at_most_three_peaks():
    since = date(2026, 1, 1)
    rows = [TrendRow(since + timedelta(days=n), "", 1 + (n % 9)) for n in range(200)]
    heads = {since + timedelta(days=n): f"headline {n}" for n in range(200)}
    chart = trend_chart(rows, heads, since=since, until=since + timedelta(days=200), title="t")
    assert chart.unit == "week" and all(b.weekday() == 0 for b in chart.bins)
    assert sum(chart.totals) == sum(r.stories for r in rows)
    assert len(chart.peaks) == 3
    daily = trend_chart(rows, heads, since=since, until=since + timedelta(days=30), title="t")
    assert daily.unit == "day" and len(daily.bins) == 30


def test_many_series_are_cut_to_five_and_other_in_colour_blind_safe_colours():
    since = date(2026, 1, 1)
    rows = [TrendRow(since, f"s{n}", n + 1) for n in range(8)]
    chart = trend_chart(rows, {}, since=since, until=since + timedelta(days=7), title="t")
    assert [s.name for s in chart.series] == ["s7", "s6", "s5", "s4", "s3", "other"]
    assert OKABE_ITO[0] == "#0072B2" and len(OKABE_ITO) >= len(chart.series)


def test_sparkline():
    assert sparkline([0, 1, 2, 4, 8]) == "▁▁▂▄█"
    assert sparkline([0, 0]) == "▁▁"


def test_the_cli_starts_without_matplotlib():
    code = "import sys, bot.cli, bot.app, handlers.all; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_console_writes_the_chart_to_a_file(db, tmp_path):
    from bot.console import save_images

    seed(db)
    doc = chat(db).say("/trend coupang since:30d").document
    (path,) = save_images(doc, tmp_path)
    assert path.read_bytes().startswith(PNG) and path.parent == tmp_path
    assert json.loads(doc.to_json())["images"][0]["name"] == "trend.png"
