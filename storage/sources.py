"""Sources: adding and listing them, which are due, and their health (successes, failures, backoff).

A failure backs off exponentially (interval * 2^(n-1), at most 24 h); ten in a row disable the
source with its reason. A server's Retry-After (429/503) is obeyed and is not counted as a failure.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from core.source_url import canonical_url
from core.sources import DuplicateSource, NewSource, SourceHealth, SourceRecord
from storage.db import Database
from storage.models import Item, Source
from storage.tables import ITEMS, STORIES, chunked

__all__ = [
    "DISABLE_AFTER",
    "MAX_BACKOFF",
    "SourceStore",
    "record_success",
    "record_not_modified",
    "record_failure",
]

DISABLE_AFTER = 10
MAX_BACKOFF = timedelta(hours=24)
JITTER = 0.1  # +-10% of the interval, so sources added together drift apart
_SOURCES: Table = Source.__table__  # type: ignore[attr-defined]


def _record(source: Source) -> SourceRecord:
    assert source.id is not None
    return SourceRecord(
        id=source.id,
        url=source.url,
        name=source.name,
        jurisdiction=source.jurisdiction,
        official=source.official,
        enabled=source.enabled,
        etag=source.etag,
        last_modified=source.last_modified,
        disabled_reason=source.disabled_reason,
        last_error_at=source.last_error_at,
        credentials=source.credentials,
        full_text=source.full_text,
        label=source.label,
    )


def _key(url: str) -> str:
    """The canonical form sources are unique on (callers have checked the URL already)."""
    try:
        return canonical_url(url)
    except ValueError:
        return url.strip()


def _add(session: Session, new: NewSource) -> SourceRecord:
    # callers pass canonical URLs already; canonical again here, so no path can store a spelling
    url = _key(new.url)
    existing = session.exec(select(Source).where(Source.url == url)).first()
    if existing is not None:
        raise DuplicateSource(_record(existing))
    source = Source(
        url=url,
        credentials=new.credentials or None,
        name=new.name.strip() or url,
        jurisdiction=new.jurisdiction,
        official=new.official,
        full_text=new.full_text,
        label=new.label,
    )
    session.add(source)
    session.flush()
    return _record(source)


class SourceStore:
    """The feeds: what they are, which are due, and how their polls went."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, new: NewSource) -> SourceRecord:
        """Store a new, enabled source, due now. Raises DuplicateSource for a known URL."""
        with self._db.session() as session:
            return _add(session, new)

    def add_missing(self, entries: Sequence[NewSource]) -> list[SourceRecord]:
        """Add every entry whose URL is not a source yet, all or none; returns those added."""
        with self._db.session() as session:
            known = set(session.exec(select(Source.url)).all())
            added: list[SourceRecord] = []
            for entry in entries:
                if _key(entry.url) not in known:
                    added.append(_add(session, entry))
                    known.add(added[-1].url)
            return added

    def by_url(self, url: str) -> SourceRecord | None:
        """The source with this address (any spelling of it), or None."""
        with self._db.session() as session:
            found = session.exec(select(Source).where(Source.url == _key(url))).first()
            return None if found is None else _record(found)

    def sole_stories(self, source_id: int) -> int:
        """How many stories only this source told (they leave with it)."""
        with self._db.session() as session:
            return len(_sole_story_ids(session.connection(), source_id))

    def remove(self, source_id: int) -> bool:
        """Delete a source, its items and the stories only it told (with their pins, deadlines
        and alert records); stories other sources told too stay, counted again. False when
        there is no such source."""
        with self._db.session() as session:
            source = session.get(Source, source_id)
            if source is None:
                return False
            conn = session.connection()
            sole = _sole_story_ids(conn, source_id)
            shared = [
                sid
                for (sid,) in conn.execute(
                    sa_select(ITEMS.c.story_id)
                    .where(ITEMS.c.source_id == source_id, ITEMS.c.story_id.is_not(None))
                    .distinct()
                )
                if sid not in sole
            ]
            session.delete(source)
            session.flush()  # the items go (ON DELETE CASCADE) before their stories
            for chunk in chunked(sole):
                conn.execute(delete(STORIES).where(STORIES.c.id.in_(chunk)))
            for chunk in chunked(shared):
                _recount(conn, chunk)
            return True

    def all(self) -> list[SourceRecord]:
        """Every source, in the order they were added."""
        with self._db.session() as session:
            return [_record(s) for s in session.exec(select(Source).order_by(col(Source.id)))]

    def get(self, source_id: int) -> SourceRecord | None:
        """The source, or None."""
        with self._db.session() as session:
            source = session.get(Source, source_id)
            return None if source is None else _record(source)

    def due(self, now: datetime, limit: int) -> list[SourceRecord]:
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
        with self._db.session() as session:
            return [_record(s) for s in session.exec(stmt)]

    def never_polled(self) -> list[SourceRecord]:
        """Enabled sources that have never been polled (a new database's defaults), by id."""
        stmt = (
            select(Source)
            .where(col(Source.enabled).is_(True), col(Source.last_polled_at).is_(None))
            .order_by(col(Source.id))
        )
        with self._db.session() as session:
            return [_record(s) for s in session.exec(stmt)]

    def has_items(self) -> bool:
        """Whether any source has stored an item yet."""
        with self._db.session() as session:
            return session.exec(select(Item.id).limit(1)).first() is not None

    def disabled_among(self, source_ids: Sequence[int]) -> list[SourceRecord]:
        """Those of `source_ids` that are disabled with a reason (after repeated failures)."""
        if not source_ids:
            return []
        stmt = select(Source).where(
            col(Source.id).in_(list(source_ids)),
            col(Source.enabled).is_(False),
            col(Source.disabled_reason).is_not(None),
        )
        with self._db.session() as session:
            return [_record(s) for s in session.exec(stmt)]

    def record_success(
        self,
        source_id: int,
        now: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        title: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """A fetched and parsed feed: store validators, reset failures, schedule the next poll."""
        with self._db.session() as session:
            record_success(
                session,
                source_id,
                now,
                etag=etag,
                last_modified=last_modified,
                title=title,
                rng=rng,
            )

    def record_not_modified(
        self, source_id: int, now: datetime, *, rng: random.Random | None = None
    ) -> None:
        """A 304: a success that needed no parsing; the validators stay as they are."""
        with self._db.session() as session:
            record_not_modified(session, source_id, now, rng=rng)

    def record_not_modified_many(
        self, source_ids: Sequence[int], now: datetime, *, rng: random.Random | None = None
    ) -> list[int]:
        """`record_not_modified` for many sources in one transaction (a re-poll where most
        answer 304 would otherwise commit once per source); returns the ids no longer there."""
        missing: list[int] = []
        if not source_ids:
            return missing
        with self._db.session() as session:
            for source_id in source_ids:
                try:
                    record_not_modified(session, source_id, now, rng=rng)
                except LookupError:  # removed while it was being fetched: nothing to record
                    missing.append(source_id)
        return missing

    def record_failure(
        self, source_id: int, now: datetime, reason: str, *, retry_after: float | None = None
    ) -> None:
        """A failed poll: back off (or wait `retry_after`), disabling after ten in a row."""
        with self._db.session() as session:
            record_failure(session, source_id, now, reason, retry_after=retry_after)

    def record_articles(self, source_id: int, fetched: int, failed: int) -> None:
        """Count the article pages one poll of a full-text source read and failed to read."""
        if not (fetched or failed):
            return
        c = _SOURCES.c
        with self._db.session() as session:
            session.connection().execute(
                update(_SOURCES)
                .where(c.id == source_id)
                .values(
                    articles_fetched=c.articles_fetched + fetched,
                    articles_failed=c.articles_failed + failed,
                )
            )

    def health(self, now: datetime) -> list[SourceHealth]:
        """Every source's health, disabled sources first, then by name."""
        since = now - timedelta(days=7)
        with self._db.session() as session:
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
                    deferred_items=s.deferred_items,
                    items_last_7_days=int(counts.get(s.id or 0, 0)),
                    full_text=s.full_text,
                    articles_fetched=s.articles_fetched,
                    articles_failed=s.articles_failed,
                )
                for s in session.exec(select(Source)).all()
            ]
        rows.sort(key=lambda r: (r.enabled, r.name.lower(), r.id))
        return rows


# -- a poll's outcome, inside the caller's transaction (ingest commits items and success together)


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
    deferred: int = 0,
) -> None:
    """`SourceStore.record_success` inside the caller's transaction; `deferred` counts the new
    entries left for the next poll."""
    values: dict[str, Any] = {
        "etag": etag,
        "last_modified": last_modified,
        "deferred_items": deferred,
    }
    if title:
        values["title"] = title[:300]
    _succeeded(session, source_id, now, rng, values)


def record_not_modified(
    session: Session, source_id: int, now: datetime, *, rng: random.Random | None = None
) -> None:
    """`SourceStore.record_not_modified` inside the caller's transaction."""
    _succeeded(session, source_id, now, rng, {"deferred_items": 0})


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


def _backoff_delay(interval_minutes: int, failures: int) -> timedelta:
    """interval * 2^(failures-1), at most 24 h."""
    base = timedelta(minutes=max(1, interval_minutes))
    exponent = min(max(failures - 1, 0), 20)  # 2^20 intervals is far past the cap already
    return min(base * (2**exponent), MAX_BACKOFF)


def record_failure(
    session: Session,
    source_id: int,
    now: datetime,
    reason: str,
    *,
    retry_after: float | None = None,
) -> None:
    """`SourceStore.record_failure` inside the caller's transaction."""
    source = session.get(Source, source_id)
    if source is None:
        raise LookupError(f"no source #{source_id}")
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
            delay = _backoff_delay(source.interval_minutes, source.consecutive_failures)
            source.next_poll_at = now + delay
    session.add(source)
    session.flush()


def _sole_story_ids(conn: Connection, source_id: int) -> set[int]:
    """Stories whose every item comes from this source."""
    i = ITEMS.c
    others = sa_select(i.story_id).where(i.source_id != source_id, i.story_id.is_not(None))
    stmt = (
        sa_select(i.story_id)
        .where(i.source_id == source_id, i.story_id.is_not(None), i.story_id.not_in(others))
        .distinct()
    )
    return {int(sid) for (sid,) in conn.execute(stmt)}


def _recount(conn: Connection, story_ids: Sequence[int]) -> None:
    """Item and source counts of stories that lost a source's items."""
    i, st = ITEMS.c, STORIES.c
    rows = conn.execute(
        sa_select(i.story_id, func.count(), func.count(i.source_id.distinct()))
        .where(i.story_id.in_(story_ids))
        .group_by(i.story_id)
    )
    for sid, items, sources in rows:
        conn.execute(
            update(STORIES).where(st.id == sid).values(item_count=items, source_count=sources)
        )
