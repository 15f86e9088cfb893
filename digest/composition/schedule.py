"""Daily due times in a channel's own time zone, daylight-saving changes included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["parse_hhmm", "local_due", "next_due"]


def parse_hhmm(text: str) -> time:
    """'8:00' / '08:00' -> time(8, 0); ValueError with a readable reason otherwise."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text}: expected a time like 08:00")
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"{text}: not a time of day (00:00 to 23:59)")
    return time(hour, minute)


def local_due(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `zone`.

    A wall time that does not exist that day (spring forward) moves forward by the gap instead of
    being skipped; an ambiguous one (fall back) takes the first occurrence.
    """
    # zoneinfo resolves a nonexistent wall time with the offset before the gap (fold=0), which
    # lands the gap's length later: 02:30 on a spring-forward night becomes 03:30 local.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_due(at: time, zone_name: str, after: datetime) -> datetime:
    """The first due instant strictly after `after` (aware), for a daily time in `zone_name`."""
    zone = ZoneInfo(zone_name)
    local_day = after.astimezone(zone).date()
    for offset in range(0, 3):
        due = local_due(local_day + timedelta(days=offset), at, zone)
        if due > after:
            return due
    raise AssertionError("unreachable: a daily time recurs within three days")
