"""Sparklines: a count per day as one line of Unicode block characters (every chat and terminal
shows them)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

__all__ = ["sparkline", "daily_counts"]

_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(counts: Sequence[int]) -> str:
    """One block per count: the lowest for none, the highest for the largest count."""
    top = max(counts, default=0)
    if top <= 0:
        return _BLOCKS[0] * len(counts)
    steps = len(_BLOCKS) - 1
    return "".join(_BLOCKS[0 if c <= 0 else math.ceil(c / top * steps)] for c in counts)


def daily_counts(days: Iterable[date], last: date, span: int = 30) -> list[int]:
    """How many of `days` fall on each of the `span` days ending with `last`, oldest first."""
    first = last - timedelta(days=span - 1)
    counts = [0] * span
    for day in days:
        if first <= day <= last:
            counts[(day - first).days] += 1
    return counts
