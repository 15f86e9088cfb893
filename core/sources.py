"""Sources as every layer sees them: a feed to add, a stored feed, and its health in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.source_url import shown_url

__all__ = [
    "NewSource",
    "SourceRecord",
    "SourceHealth",
    "DuplicateSource",
    "format_health",
    "format_ago",
]


@dataclass(frozen=True)
class NewSource:
    """A feed to add: its canonical URL (core/source_url.py), display name, default jurisdiction,
    whether it is official, and its credentials ("user:password"), kept apart from the URL."""

    url: str
    name: str
    jurisdiction: str | None = None
    official: bool = False
    credentials: str | None = field(default=None, repr=False)
    full_text: bool = False  # fetch each new item's article page for its main text
    label: str | None = None  # the operator's grouping, e.g. an OPML folder


@dataclass(frozen=True)
class SourceRecord:
    """A stored feed: what it is, whether it is polled, and its HTTP cache validators."""

    id: int
    url: str
    name: str
    jurisdiction: str | None
    official: bool
    enabled: bool
    etag: str | None
    last_modified: str | None
    disabled_reason: str | None
    last_error_at: datetime | None
    credentials: str | None = field(default=None, repr=False)
    full_text: bool = False
    label: str | None = None
    shared: bool = True  # in the operator's catalogue; False: private to the tenants that added it
    hidden: bool = False  # a catalogue source the asking tenant hid

    @property
    def shown_url(self) -> str:
        """The address as people may see it: the password masked (`https://user:•••@host/…`)."""
        return shown_url(self.url, self.credentials)


class DuplicateSource(ValueError):
    """The URL is already a source."""

    def __init__(self, existing: SourceRecord) -> None:
        super().__init__(f"that feed is already a source: #{existing.id} {existing.name}")
        self.existing = existing


@dataclass(frozen=True)
class SourceHealth:
    """What `/sources health` shows for one source."""

    id: int
    name: str
    url: str
    enabled: bool
    disabled_reason: str | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_poll_at: datetime | None
    items_last_7_days: int
    deferred_items: int = 0  # new entries over the per-poll limit, left for the next poll
    full_text: bool = False
    articles_fetched: int = 0
    articles_failed: int = 0


def _span(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def format_ago(when: datetime | None, now: datetime) -> str:
    """'2 h ago', 'under a minute ago', or 'never'."""
    return "never" if when is None else f"{_span(now - when)} ago"


def _next_poll(when: datetime | None, now: datetime) -> str:
    if when is None or when <= now:
        return "next poll now"
    return f"next poll in {_span(when - now)}"


def _items(n: int) -> str:
    return f"{n} item{'' if n == 1 else 's'} in 7 days"


def _articles(r: SourceHealth) -> str:
    """', full text: 12 articles read, 1 failed' for a full-text source; '' otherwise."""
    if not r.full_text:
        return ""
    read = f"{r.articles_fetched} article{'' if r.articles_fetched == 1 else 's'} read"
    return f", full text: {read}, {r.articles_failed} failed"


def _line(r: SourceHealth, now: datetime) -> str:
    return _state(r, now) + _articles(r)


def _state(r: SourceHealth, now: datetime) -> str:
    if not r.enabled:
        reason = r.disabled_reason or "by an admin"
        if reason.startswith("disabled "):
            return f"{r.name} — DISABLED {reason[len('disabled ') :]}"
        return f"{r.name} — DISABLED: {reason}"
    if r.consecutive_failures:
        count = r.consecutive_failures
        return (
            f"{r.name} — FAILING ({count} failure{'' if count == 1 else 's'} in a row): "
            f"{r.last_error or 'unknown error'}; last success "
            f"{format_ago(r.last_success_at, now)}, {_items(r.items_last_7_days)}, "
            f"{_next_poll(r.next_poll_at, now)}"
        )
    if r.last_success_at is None:
        waiting = f", last error: {r.last_error}" if r.last_error else ""
        return f"{r.name} — not polled yet{waiting}, {_next_poll(r.next_poll_at, now)}"
    waiting = (
        f", asked to wait: {r.last_error}"
        if r.last_error and r.last_error_at and r.last_error_at > r.last_success_at
        else ""
    )
    return (
        f"{r.name} — OK, last success {format_ago(r.last_success_at, now)}, "
        f"{_items(r.items_last_7_days)}, {_next_poll(r.next_poll_at, now)}{waiting}"
        f"{_deferred(r.deferred_items)}"
    )


def _deferred(n: int) -> str:
    if not n:
        return ""
    items = f"{n} new item{'' if n == 1 else 's'}"
    return f"; flooding: {items} over the per-poll limit, left for the next poll"


def format_health(rows: list[SourceHealth], now: datetime) -> list[str]:
    """One plain-words line per source, e.g.
    'EDPB news — OK, last success 2 h ago, 14 items in 7 days, next poll in 12 min'."""
    return [_line(r, now) for r in rows]
