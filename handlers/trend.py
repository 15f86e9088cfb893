"""/trend <query> [since:90d] [by:topic|jurisdiction|source]: a chart of stories per day.

The reply carries the chart as a PNG attachment and, in its text, a sparkline and the peaks'
headlines, so that a platform that cannot show the image still tells the story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, cast

from core.document import Attachment, Document, Section
from digest.composition.charts import render_png, sparkline, trend_chart
from handlers.base import Caller, Options, Reply
from handlers.context import Services
from handlers.parsing import Text, Word, option_text, unexpected
from handlers.registry import CommandSpec, Option, sync_action
from handlers.topical import TopicalQuery, parse_window, require, sort_words

if TYPE_CHECKING:
    from storage.trends import SplitBy

__all__ = ["SPEC", "TrendArgs", "parse_trend", "DEFAULT_SINCE", "MAX_SINCE"]

DEFAULT_SINCE = timedelta(days=90)
MAX_SINCE = timedelta(days=730)
SPLITS = ("topic", "jurisdiction", "source")
_USAGE = "/trend <topic | jurisdiction | words> [since:90d] [by:topic|jurisdiction|source]"


@dataclass(frozen=True)
class TrendArgs:
    """What to count, over how many days back, split by what ('' for one series)."""

    query: TopicalQuery
    since: timedelta = DEFAULT_SINCE
    by: SplitBy = ""


def _by(word: Word) -> SplitBy:
    value = word.text.split(":", 1)[1].lower()
    if value not in SPLITS:
        raise unexpected(word, "expected by:topic, by:jurisdiction or by:source")
    return cast("SplitBy", value)


def parse_trend(services: Services, text: Text) -> TrendArgs:
    """Words in any order; `since:` and `by:` once each; a query is required."""
    since: timedelta | None = None
    by: SplitBy | None = None
    plain: list[Word] = []
    for word in text.words():
        low = word.text.lower()
        if low.startswith("since:"):
            if since is not None:
                raise unexpected(word, "give one since: window")
            since = parse_window(word, MAX_SINCE)
        elif low.startswith("by:"):
            if by is not None:
                raise unexpected(word, "give one by: split")
            by = _by(word)
        else:
            plain.append(word)
    query = require(sort_words(services, plain), "/trend")
    return TrendArgs(query, since or DEFAULT_SINCE, by or "")


def _from_options(services: Services, options: Options) -> TrendArgs:
    parts = [option_text(options, "query")]
    if option_text(options, "since"):
        parts.append(f"since:{option_text(options, 'since')}")
    if option_text(options, "by"):
        parts.append(f"by:{option_text(options, 'by')}")
    return parse_trend(services, Text(" ".join(p for p in parts if p)))


def _wider(since: timedelta) -> str:
    """What to try when nothing matches: a longer window only when there is one."""
    longer = next((d for d in (365, MAX_SINCE.days) if since.days < d), None)
    if longer is None:
        return "Nothing to chart: try fewer words."
    return f"Nothing to chart: try fewer words or a longer window (since:{longer}d)."


def run_trend(services: Services, caller: Caller, args: TrendArgs) -> Reply:
    """Count, bin, draw; a query without matches says so instead of drawing an empty plot."""
    today = services.now().date()
    until = today + timedelta(days=1)
    since = until - timedelta(days=args.since.days)
    start, end = (datetime.combine(d, time(), tzinfo=services.now().tzinfo) for d in (since, until))
    counts = services.store.trends.stories_per_day(
        since=start,
        until=end,
        topics=args.query.topics,
        jurisdictions=args.query.jurisdictions,
        words=args.query.words,
        by=args.by,
    )
    what = args.query.text()
    window = f"{args.since.days} days"
    if not counts.rows:
        return Reply(
            Document.notice(
                f"No stories match {what} in the last {window}",
                _wider(args.since),
            )
        )
    title = f"Stories: {what} (last {window}{', by ' + args.by if args.by else ''})"
    chart = trend_chart(counts.rows, counts.headlines, since=since, until=until, title=title)
    totals = chart.totals
    counted = "story counts" if args.by else "stories"  # a story in two series counts twice
    lines = [
        f"{sparkline(totals)}  per {chart.unit}, {_day(chart.bins[0])} to {_day(today)}",
        f"{sum(totals)} {counted}; the busiest {chart.unit} had {max(totals)}",
    ]
    sections = [Section(lines=lines)]
    if chart.peaks:
        peaks = [f"{_day(chart.bins[at])}: {headline}" for at, headline in chart.peaks]
        sections.append(Section(title="Peaks", lines=peaks))
    if args.by:
        split = [f"{s.name}: {sum(s.values)}" for s in chart.series]
        sections.append(Section(title=f"By {args.by}", lines=split))
    image = Attachment(
        name="trend.png", media_type="image/png", data=render_png(chart), alt=f"{title}: {lines[0]}"
    )
    return Reply(Document(kind="chart", title=title, sections=sections, images=[image]))


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


SPEC = CommandSpec(
    name="trend",
    summary="A chart of stories per day for a query, with its peaks",
    usage=_USAGE,
    action=sync_action(TrendArgs, run_trend, text=parse_trend, options=_from_options),
    options=(
        Option("query", "Topics, jurisdictions or words, e.g. coupang", required=True, rest=True),
        Option("since", "How far back", kind="choice", choices=("30d", "90d", "365d", "730d")),
        Option("by", "Split into series", kind="choice", choices=SPLITS),
    ),
)
