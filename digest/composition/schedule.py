"""Due times in a channel's own time zone (daily, weekdays or weekly), daylight-saving changes
included, and the times people write (08:00, 8am, 8:30pm)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "CADENCES",
    "DAYS",
    "parse_hhmm",
    "parse_clock",
    "local_due",
    "next_due",
    "cadence_label",
]

CADENCES = ("daily", "weekdays", "weekly")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?$", re.IGNORECASE)


def parse_hhmm(text: str) -> time:
    """'8:00' / '08:00' -> time(8, 0); ValueError with a readable reason otherwise."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text}: expected a time like 08:00")
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"{text}: not a time of day (00:00 to 23:59)")
    return time(hour, minute)


def parse_clock(text: str) -> time:
    """'08:00', '8:00', '8am', '8:30pm', '12am' -> a time; ValueError with a reason otherwise."""
    match = _CLOCK.match(text.strip())
    if match is None:
        return parse_hhmm(text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if not (1 <= hour <= 12 and 0 <= minute < 60):
        raise ValueError(f"{text}: not a time of day (1am to 12:59pm)")
    hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
    return time(hour, minute)


def cadence_label(cadence: str, weekday: int | None) -> str:
    """'daily', 'weekdays', 'weekly on Monday' as a reader sees it."""
    if cadence == "weekly" and weekday is not None:
        return f"weekly on {date(2024, 1, 1 + weekday):%A}"  # 2024-01-01 was a Monday
    return cadence


def local_due(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `zone`.

    A wall time that does not exist that day (spring forward) moves forward by the gap instead of
    being skipped; an ambiguous one (fall back) takes the first occurrence.
    """
    # zoneinfo resolves a nonexistent wall time with the offset before the gap (fold=0), which
    # lands the gap's length later: 02:30 on a spring-forward night becomes 03:30 local.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_due(
    at: time,
    zone_name: str,
    after: datetime,
    cadence: str = "daily",
    weekday: int | None = None,
) -> datetime:
    """The first due instant strictly after `after` (aware): at `at` local time in `zone_name`
    every day, Monday to Friday (`weekdays`), or on `weekday` (`weekly`, 0 = Monday)."""
    zone = ZoneInfo(zone_name)
    local_day = after.astimezone(zone).date()
    for offset in range(0, 9):
        day = local_day + timedelta(days=offset)
        if cadence == "weekdays" and day.weekday() >= 5:
            continue
        if cadence == "weekly" and day.weekday() != (weekday or 0):
            continue
        due = local_due(day, at, zone)
        if due > after:
            return due
    raise AssertionError("unreachable: every schedule recurs within nine days")
