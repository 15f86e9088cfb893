"""Sources: adding and listing them, which are due, and their health (successes, failures, backoff).

A failure backs off exponentially (interval * 2^(n-1), at most 24 h); ten in a row disable the
source with its reason. A server's Retry-After (429/503) is obeyed and is not counted as a failure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from storage.models import Item, Source

__all__ = [
    "DISABLE_AFTER",
    "MAX_BACKOFF",
    "DuplicateSource",
    "SourceHealth",
    "add_source",
    "remove_source",
    "list_sources",
    "get_source",
    "due_sources",
    "record_success",
    "record_not_modified",
    "record_failure",
    "backoff_delay",
    "source_health",
    "format_health",
    "format_ago",
]

DISABLE_AFTER = 10
MAX_BACKOFF = timedelta(hours=24)
JITTER = 0.1  # +-10% of the interval, so sources added together drift apart
_SOURCES: Table = Source.__table__  # type: ignore[attr-defined]


class DuplicateSource(ValueError):
    """The URL is already a source."""

    def __init__(self, existing: Source) -> None:
        super().__init__(f"that feed is already a source: #{existing.id} {existing.name}")
        self.existing = existing


def add_source(
    session: Session,
    url: str,
    name: str,
    jurisdiction: str | None = None,
    official: bool = False,
) -> Source:
    """Store a new, enabled source, due now. Raises DuplicateSource for a known URL."""
    url = url.strip()
    existing = session.exec(select(Source).where(Source.url == url)).first()
    if existing is not None:
        raise DuplicateSource(existing)
    source = Source(url=url, name=name.strip() or url, jurisdiction=jurisdiction, official=official)
    session.add(source)
    session.flush()
    return source


def remove_source(session: Session, source_id: int) -> bool:
    """Delete a source (its items go with it). False when there is no such source."""
    source = session.get(Source, source_id)
    if source is None:
        return False
    session.delete(source)
    session.flush()
    return True


def list_sources(session: Session) -> list[Source]:
    """Every source, in the order they were added."""
    return list(session.exec(select(Source).order_by(col(Source.id))).all())


def get_source(session: Session, source_id: int) -> Source | None:
    return session.get(Source, source_id)


def due_sources(session: Session, now: datetime, limit: int) -> list[Source]:
    """Enabled sources whose next poll is unset or not after `now`, the most overdue first."""
    stmt = (
        select(Source)
        .where(col(Source.enabled).is_(True))
        .where(or_(col(Source.next_poll_at).is_(None), col(Source.next_poll_at) <= now))
        .order_by(
            col(Source.next_poll_at).is_(None).desc(), col(Source.next_poll_at), col(Source.id)
        )
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def _require(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise LookupError(f"no source #{source_id}")
    return source


def _next_regular_poll(interval_minutes: int, now: datetime, rng: random.Random | None) -> datetime:
    interval = timedelta(minutes=max(1, interval_minutes))
    jitter = (rng or random).uniform(-JITTER, JITTER)
    return now + interval * (1 + jitter)


def record_success(
    session: Session,
    source_id: int,
    now: datetime,
    *,
    etag: str | None,
    last_modified: str | None,
    title: str | None = None,
    rng: random.Random | None = None,
) -> None:
    """A fetched and parsed feed: store validators, reset failures, schedule the next poll."""
    values: dict[str, Any] = {"etag": etag, "last_modified": last_modified}
    if title:
        values["title"] = title[:300]
    _succeeded(session, source_id, now, rng, values)


def record_not_modified(
    session: Session, source_id: int, now: datetime, *, rng: random.Random | None = None
) -> None:
    """A 304: a success that needed no parsing; the validators stay as they are."""
    _succeeded(session, source_id, now, rng, {})


def _succeeded(
    session: Session,
    source_id: int,
    now: datetime,
    rng: random.Random | None,
    values: dict[str, Any],
) -> None:
    # Core statements, not the ORM: this runs after every poll of every source
    c = _SOURCES.c
    conn = session.connection()
    interval = conn.execute(sa_select(c.interval_minutes).where(c.id == source_id)).scalar()
    if interval is None:
        raise LookupError(f"no source #{source_id}")
    values.update(
        last_polled_at=now,
        last_success_at=now,
        consecutive_failures=0,
        next_poll_at=_next_regular_poll(interval, now, rng),
    )
    conn.execute(update(_SOURCES).where(c.id == source_id).values(**values))
    held = session.identity_map.get(identity_key(Source, source_id))
    if held is not None:
        session.expire(held)  # a Source this session holds must not keep the old values


def backoff_delay(source: Source, failures: int) -> timedelta:
    """interval * 2^(failures-1), at most 24 h."""
    base = timedelta(minutes=max(1, source.interval_minutes))
    exponent = min(max(failures - 1, 0), 20)  # 2^20 intervals is far past the cap already
    return min(base * (2**exponent), MAX_BACKOFF)


def record_failure(
    session: Session,
    source_id: int,
    now: datetime,
    reason: str,
    *,
    retry_after: float | None = None,
) -> Source:
    """A failed poll. With `retry_after` (a 429/503 that said when), wait that long, no penalty;
    otherwise count it, back off, and disable the source after ten in a row."""
    source = _require(session, source_id)
    reason = (reason or "unknown error").strip()[:500]
    source.last_polled_at = now
    source.last_error = reason
    source.last_error_at = now
    if retry_after is not None:
        wait = min(max(float(retry_after), 1.0), MAX_BACKOFF.total_seconds())
        source.next_poll_at = now + timedelta(seconds=wait)
    else:
        source.consecutive_failures += 1
        if source.consecutive_failures >= DISABLE_AFTER:
            source.enabled = False
            source.disabled_reason = (
                f"disabled after {source.consecutive_failures} failures in a row: {reason}"
            )
            source.next_poll_at = None
        else:
            source.next_poll_at = now + backoff_delay(source, source.consecutive_failures)
    session.add(source)
    session.flush()
    return source


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


def source_health(session: Session, now: datetime) -> list[SourceHealth]:
    """Every source's health, disabled sources first, then by name."""
    since = now - timedelta(days=7)
    counts = dict(
        session.exec(
            select(Item.source_id, func.count())
            .where(col(Item.fetched_at) >= since)
            .group_by(col(Item.source_id))
        ).all()
    )
    rows = [
        SourceHealth(
            id=s.id or 0,
            name=s.name,
            url=s.url,
            enabled=s.enabled,
            disabled_reason=s.disabled_reason,
            last_success_at=s.last_success_at,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
            consecutive_failures=s.consecutive_failures,
            next_poll_at=s.next_poll_at,
            items_last_7_days=int(counts.get(s.id or 0, 0)),
        )
        for s in session.exec(select(Source)).all()
    ]
    rows.sort(key=lambda r: (r.enabled, r.name.lower(), r.id))
    return rows


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


def format_health(rows: list[SourceHealth], now: datetime) -> list[str]:
    """One plain-words line per source, e.g.
    'EDPB news — OK, last success 2 h ago, 14 items in 7 days, next poll in 12 min'."""
    lines = []
    for r in rows:
        if not r.enabled:
            reason = r.disabled_reason or "by an admin"
            if reason.startswith("disabled "):
                reason = reason[len("disabled ") :]
                lines.append(f"{r.name} — DISABLED {reason}")
            else:
                lines.append(f"{r.name} — DISABLED: {reason}")
            continue
        if r.consecutive_failures:
            count = r.consecutive_failures
            lines.append(
                f"{r.name} — FAILING ({count} failure{'' if count == 1 else 's'} in a row): "
                f"{r.last_error or 'unknown error'}; last success "
                f"{format_ago(r.last_success_at, now)}, {_items(r.items_last_7_days)}, "
                f"{_next_poll(r.next_poll_at, now)}"
            )
        elif r.last_success_at is None:
            waiting = f", last error: {r.last_error}" if r.last_error else ""
            lines.append(f"{r.name} — not polled yet{waiting}, {_next_poll(r.next_poll_at, now)}")
        else:
            waiting = (
                f", asked to wait: {r.last_error}"
                if r.last_error and r.last_error_at and r.last_error_at > r.last_success_at
                else ""
            )
            lines.append(
                f"{r.name} — OK, last success {format_ago(r.last_success_at, now)}, "
                f"{_items(r.items_last_7_days)}, {_next_poll(r.next_poll_at, now)}{waiting}"
            )
    return lines
