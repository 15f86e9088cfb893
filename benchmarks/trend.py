"""Trend chart rendering: a 365-day chart (weekly bins, six stacked series, three peaks).

Run: .venv/bin/python benchmarks/trend.py [--repeat N]

Prints matplotlib's import and first draw apart from the steady render time (best and median of
N renders); the target is under 300 ms per render on this machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.deadlines import TrendRow  # noqa: E402
from digest.composition.charts import TrendChart, render_png, trend_chart  # noqa: E402

TARGET_MS = 300.0


def sample_chart(days: int = 365) -> TrendChart:
    rng = random.Random(20)
    since = date(2025, 12, 1)
    rows, headlines = [], {}
    for n in range(days):
        day = since + timedelta(days=n)
        for name in ("eu", "us", "uk", "kr", "intl", "cn", "jp"):
            count = rng.randint(0, 4) + (12 if name == "kr" and 120 < n < 130 else 0)
            if count:
                rows.append(TrendRow(day, name, count))
        headlines[day] = f"Regulator fines Coupang over the data breach ({day:%d %b})"
    return trend_chart(
        rows, headlines, since=since, until=since + timedelta(days=days), title="Stories: coupang"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    chart = sample_chart()
    start = time.perf_counter()
    png = render_png(chart)
    first = time.perf_counter() - start
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        render_png(chart)
        times.append((time.perf_counter() - start) * 1000)
    best, median = min(times), statistics.median(times)
    print(f"365-day chart, {len(png):,} bytes PNG (800x450)")
    print(f"first render incl. matplotlib import: {first * 1000:.0f} ms")
    print(f"render: best {best:.0f} ms, median {median:.0f} ms over {args.repeat}")
    print(f"target < {TARGET_MS:.0f} ms: " + ("met" if median < TARGET_MS else "NOT met"))


if __name__ == "__main__":
    main()
