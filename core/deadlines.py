"""Dated obligations found in the news, as every layer sees them, and calendar subscriptions.

A `Deadline` is what extraction finds in one sentence; a `DeadlineRecord` is a stored one with
what readers need of its story (headline, link, tags); a `CalendarFeed` is a person's private
iCalendar subscription, found by the hash of its token.
"""

from __future__ import annotations

import calendar
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args

__all__ = [
    "Kind",
    "Precision",
    "KINDS",
    "PRECISIONS",
    "KIND_LABELS",
    "Deadline",
    "DeadlineRecord",
    "DeadlineFilter",
    "CalendarFeed",
    "DatedItem",
    "FoundDeadline",
    "StoriesPerDay",
    "TrendRow",
    "new_calendar_token",
    "calendar_token_hash",
    "period_end",
    "date_label",
    "date_key",
]

Kind = Literal["takes-effect", "consultation", "compliance", "hearing-vote", "expiry", "other"]
Precision = Literal["day", "month", "quarter", "year"]
KINDS: tuple[Kind, ...] = get_args(Kind)
PRECISIONS: tuple[Precision, ...] = get_args(Precision)
KIND_LABELS: dict[Kind, str] = {
    "takes-effect": "takes effect",
    "consultation": "consultation closes",
    "compliance": "compliance deadline",
    "hearing-vote": "hearing or vote",
    "expiry": "expires",
    "other": "deadline",
}


def period_end(start: date, precision: Precision) -> date:
    """The last day of the period a date stands for (itself for a day)."""
    if precision == "day":
        return start
    if precision == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == "quarter":
        last = start.month + 2
        return date(start.year, last, calendar.monthrange(start.year, last)[1])
    return date(start.year, 12, 31)


def date_label(start: date, precision: Precision) -> str:
    """The date as people read it: '15 April 2027', 'April 2027', 'Q2 2027', '2027'."""
    if precision == "day":
        return f"{start.day} {start:%B %Y}"
    if precision == "month":
        return f"{start:%B %Y}"
    if precision == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def date_key(start: date, precision: Precision) -> str:
    """The date at its precision as a sortable key: '2027-04-15', '2027-04', '2027-Q2', '2027'."""
    if precision == "day":
        return start.isoformat()
    if precision == "month":
        return f"{start:%Y-%m}"
    if precision == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


@dataclass(frozen=True, slots=True)
class Deadline:
    """One dated obligation or event: its kind, the first day of its period, and its source."""

    kind: Kind
    start: date  # the first day of the day, month, quarter or year it names
    precision: Precision
    sentence: str

    @property
    def end(self) -> date:
        return period_end(self.start, self.precision)

    @property
    def label(self) -> str:
        """'April 2027 · takes effect'."""
        return f"{date_label(self.start, self.precision)} · {KIND_LABELS[self.kind]}"

    @property
    def key(self) -> str:
        return date_key(self.start, self.precision)


@dataclass(frozen=True)
class DeadlineRecord:
    """A stored deadline with what a reader needs of its story."""

    id: int
    story_id: int
    deadline: Deadline
    published_at: datetime  # of the item the sentence came from
    headline: str
    url: str | None  # a stored item URL (http or https), or None
    topics: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeadlineFilter:
    """Which upcoming deadlines to list: from `today` to `today + horizon`, matching the tags
    (any of each kind given) and words (all, searched in the sentence and the headline)."""

    today: date
    horizon: timedelta
    topics: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()  # any of these (all when empty)
    limit: int = 200


@dataclass(frozen=True)
class CalendarFeed:
    """A person's private calendar subscription: whose it is and which query it serves."""

    id: int
    platform: str
    workspace: str
    user: str
    query: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DatedItem:
    """What extraction reads of one item of a story."""

    item_id: int
    story_id: int
    title: str
    text: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class FoundDeadline:
    """A deadline to store: found in `item_id`'s text, published at `published_at`."""

    item_id: int
    published_at: datetime
    deadline: Deadline


@dataclass(frozen=True)
class TrendRow:
    """Stories first seen on one day, in one series (a topic, jurisdiction or source; '' when
    the chart has one series)."""

    day: date
    series: str
    stories: int


@dataclass(frozen=True)
class StoriesPerDay:
    """A trend's counts, and each day's most-told story headline (for labelling peaks)."""

    rows: tuple[TrendRow, ...]
    headlines: dict[date, str]


_TOKEN_BYTES = 24  # 192 bits of randomness; at least 128 are required


def new_calendar_token() -> str:
    """A fresh unguessable calendar token (URL-safe); only its hash is ever stored."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def calendar_token_hash(token: str) -> str:
    """The stored form of a token: SHA-256 (the token is random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
