"""The week's topic-volume chart of a weekly digest: stories per day over the last seven days,
one stacked series per topic, drawn by the same code as `/trend` (digest/composition/charts.py).

It counts what the digest covers: the channel's topics (or, with no topic, the stories of its
jurisdictions), or its filters when they are plain topics, jurisdictions and words. A query the
trend counts cannot express (OR, exclusions, sources, sites) gets no chart rather than a chart of
something else; nor does a week without stories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from core.document import Attachment
from core.query import Filter, Query, Term
from digest.composition.charts import render_png, sparkline, trend_chart
from digest.judgement.classify import Taxonomy
from storage.store import Storage

__all__ = ["WEEK_DAYS", "CHART_NAME", "WeekFilter", "week_filter", "week_chart"]

WEEK_DAYS = 7
CHART_NAME = "week-topics.png"


@dataclass(frozen=True)
class WeekFilter:
    """What the chart counts: stories with any of `topics`, any of `jurisdictions`, every word."""

    topics: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


def week_filter(
    taxonomy: Taxonomy, slugs: frozenset[str], query: Query | None
) -> WeekFilter | None:
    """The digest's filters as trend counts read them; None when they cannot say the same."""
    if query:
        if query.exclusions:
            return None
        topics: list[str] = []
        places: list[str] = []
        words: list[str] = []
        for clause in query.clauses:
            if len(clause.alternatives) != 1:
                return None  # "a OR b" across kinds: the counts would be of something else
            atom = clause.alternatives[0]
            if isinstance(atom, Term):
                words.append(" ".join(atom.tokens))
            elif isinstance(atom, Filter) and atom.kind == "topic":
                topics.append(atom.value)
            elif isinstance(atom, Filter) and atom.kind == "jurisdiction":
                places.append(atom.value)
            else:
                return None  # sources and sites are not counted by trend
        if len(topics) > 1 or len(places) > 1:
            return None  # every one required: trend counts any one of them
        return WeekFilter(tuple(topics), tuple(places), tuple(words))
    topics_ = tuple(sorted(s for s in slugs if s in taxonomy.topics))
    places_ = tuple(sorted(s for s in slugs if s in taxonomy.jurisdictions))
    if slugs and not topics_ and not places_:
        return None  # only unknown slugs: the digest itself matches nothing
    # A digest of topics and places covers stories of either; a topic chart shows its topics.
    return WeekFilter(topics_, () if topics_ else places_)


def week_chart(
    store: Storage,
    taxonomy: Taxonomy,
    *,
    slugs: frozenset[str],
    query: Query | None,
    now: datetime,
) -> Attachment | None:
    """The PNG of the seven days up to `now` (UTC days, today included), split by topic; None
    for a week with no story or filters the counts cannot express."""
    chosen = week_filter(taxonomy, slugs, query)
    if chosen is None:
        return None
    until_day = now.date() + timedelta(days=1)
    since_day = until_day - timedelta(days=WEEK_DAYS)
    since, until = (datetime.combine(d, time(), tzinfo=now.tzinfo) for d in (since_day, until_day))
    counts = store.trends.stories_per_day(
        since=since,
        until=until,
        topics=chosen.topics,
        jurisdictions=chosen.jurisdictions,
        words=chosen.words,
        by="topic",
    )
    rows = [r for r in counts.rows if not chosen.topics or r.series in chosen.topics]
    if not rows:
        return None  # nothing to draw: no empty chart
    title = f"Stories this week by topic, {since_day:%d %b} to {now.date():%d %b %Y}"
    # one peak label: seven bars leave no room for three at thumbnail size
    chart = trend_chart(
        rows, counts.headlines, since=since_day, until=until_day, title=title, peaks=1
    )
    return Attachment(
        name=CHART_NAME,
        media_type="image/png",
        data=render_png(chart),
        alt=f"{title}: {sparkline(chart.totals)}, {sum(chart.totals)} story counts",
    )
