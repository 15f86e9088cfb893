"""Trend pictures: stories per day (per week beyond 60 days) as a PNG, and as a sparkline.

`trend_chart` bins the counts storage returns and picks the peaks (pure); `render_png` draws it
with matplotlib's Agg backend, imported only when a chart is drawn (the CLI starts without it).
The chart is made to be read as a chat thumbnail: 800x450 pixels, large type, few series (the
five biggest and "other"), the Okabe-Ito colour-blind-safe palette, and at most three peaks
labelled with their headline.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from core.deadlines import TrendRow

__all__ = [
    "OKABE_ITO",
    "WEEKLY_AFTER_DAYS",
    "TrendSeries",
    "TrendChart",
    "trend_chart",
    "render_png",
    "sparkline",
]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency; black last (it is also the text colour).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
WEEKLY_AFTER_DAYS = 60
MAX_SERIES = 5  # the biggest series by name; the rest are summed into "other"
PEAKS = 3
_HEADLINE_CHARS = 42
_BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class TrendSeries:
    """One stacked series: its name and one count per bin."""

    name: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class TrendChart:
    """What is drawn: bins (their first days), series, and the peaks (bin, headline)."""

    title: str
    unit: Literal["day", "week"]
    bins: tuple[date, ...]
    series: tuple[TrendSeries, ...]
    peaks: tuple[tuple[int, str], ...]

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(s.values[i] for s in self.series) for i in range(len(self.bins)))


def _bins(since: date, until: date) -> tuple[Literal["day", "week"], list[date]]:
    days = (until - since).days
    if days <= WEEKLY_AFTER_DAYS:
        return "day", [since + timedelta(days=n) for n in range(days)]
    first = since - timedelta(days=since.weekday())  # Mondays
    return "week", [first + timedelta(weeks=n) for n in range((until - first).days // 7 + 1)]


def _clip(text: str, limit: int = _HEADLINE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def trend_chart(
    rows: Sequence[TrendRow],
    headlines: Mapping[date, str],
    *,
    since: date,
    until: date,
    title: str,
    peaks: int = PEAKS,
) -> TrendChart:
    """Bin per day (per ISO week beyond 60 days) from `since` up to `until` (excluded), keep
    the biggest series, and label the (at most `peaks`) busiest bins with their busiest day's
    headline."""
    unit, bins = _bins(since, until)
    index = {d: i for i, d in enumerate(bins)}

    def bin_of(day: date) -> int | None:
        key = day if unit == "day" else day - timedelta(days=day.weekday())
        return index.get(key)

    by_name: dict[str, list[int]] = defaultdict(lambda: [0] * len(bins))
    per_day: Counter[date] = Counter()
    for row in rows:
        at = bin_of(row.day)
        if at is None:
            continue
        by_name[row.series][at] += row.stories
        per_day[row.day] += row.stories
    ranked = sorted(by_name.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    kept = ranked[:MAX_SERIES]
    rest = ranked[MAX_SERIES:]
    if rest:
        other = [sum(v[i] for _, v in rest) for i in range(len(bins))]
        kept.append(("other", other))
    series = tuple(TrendSeries(name, tuple(values)) for name, values in kept)
    totals = [sum(s.values[i] for s in series) for i in range(len(bins))]
    labelled: list[tuple[int, str]] = []
    busy = [t for t in totals if t]
    usual = sum(busy) / len(busy) if busy else 0.0
    for at in sorted(range(len(bins)), key=lambda i: (-totals[i], i))[:peaks]:
        if totals[at] <= usual:
            break  # a peak stands above the usual busy bin, or it is no peak
        days = [d for d in per_day if bin_of(d) == at and d in headlines]
        if days:
            busiest = max(days, key=lambda d: (per_day[d], -d.toordinal()))
            labelled.append((at, " ".join(headlines[busiest].split())))
    return TrendChart(title, unit, tuple(bins), series, tuple(sorted(labelled)))


def sparkline(values: Sequence[int]) -> str:
    """'▁▂▅█▃' for the values, one character each (zeros as the lowest bar)."""
    top = max(values, default=0)
    if top <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(len(_BARS) - 1, v * (len(_BARS) - 1) // top)] for v in values)


def render_png(chart: TrendChart) -> bytes:
    """The chart as PNG bytes (800x450), drawn with matplotlib's Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=True)  # no display, whatever the environment says
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), dpi=100)
    # fixed margins: tight_layout would draw the figure twice
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.1, top=0.9)
    ax = fig.add_subplot()
    step = timedelta(days=1 if chart.unit == "day" else 7)
    edges = date2num([*chart.bins, chart.bins[-1] + step]) if chart.bins else []
    bottoms = [0] * len(chart.bins)
    for n, s in enumerate(chart.series):
        tops = [b + v for b, v in zip(bottoms, s.values, strict=True)]
        # one stepped polygon per series: hundreds of bars cost ten times as much to draw
        ax.fill_between(
            edges,
            [*bottoms, bottoms[-1]],
            [*tops, tops[-1]],
            step="post",
            color=OKABE_ITO[n % len(OKABE_ITO)],
            label=s.name or None,
            linewidth=0,
        )
        bottoms = tops
    top = max(bottoms, default=0) or 1
    for k, (at, headline) in enumerate(chart.peaks):
        y = bottoms[at]
        ax.annotate(
            _clip(headline),
            xy=(float(date2num(chart.bins[at] + step / 2)), y),
            xytext=(0, 14 + 16 * (k % 2)),
            textcoords="offset points",
            # keep the label inside the picture: anchor it on the side away from the edge
            ha="left"
            if at < len(chart.bins) / 3
            else "right"
            if at > 2 * len(chart.bins) / 3
            else "center",
            fontsize=10.5,
            arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.8},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "lw": 0.5},
        )
    ax.set_ylim(0, top * 1.45)  # room above the bars for the peak labels
    ax.set_title(chart.title, fontsize=15, loc="left")
    ax.set_ylabel(f"stories per {chart.unit}", fontsize=12)
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.tick_params(labelsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    if any(s.name for s in chart.series):
        ax.legend(loc="upper left", ncols=min(3, len(chart.series)), fontsize=10.5, frameon=False)
    out = io.BytesIO()
    # the fastest zlib level: a flat-colour chart compresses well at any level
    fig.savefig(out, format="png", pil_kwargs={"compress_level": 1})
    return out.getvalue()
