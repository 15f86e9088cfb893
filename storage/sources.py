"""Sources: adding and listing them, which are due, and their health (successes, failures, backoff).

Without a tenant the store is the operator's: every source, and what it adds joins the shared
catalogue. With one, it is that tenant's view: the catalogue (marking what it hid) and its own
private sources; what it adds is private to it, and the same feed added by several tenants is
one source, fetched once. Another tenant's private source is never found, listed or changed:
it answers as a missing one does.

A failure backs off exponentially (interval * 2^(n-1), at most 24 h); ten in a row disable the
source with its reason. A server's Retry-After (429/503) is obeyed and is not counted as a failure.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, Update, bindparam, delete, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from core.clock import utcnow
from core.source_url import canonical_url
from core.sources import DuplicateSource, NewSource, SourceHealth, SourceRecord
from core.tenants import Tenant
from storage.db import Database
from storage.models import Item, Source
from storage.scope import HIDDEN, OWN, TENANT_SOURCES
from storage.tables import ITEMS, STORIES, chunked

__all__ = [
    "DISABLE_AFTER",
    "MAX_BACKOFF",
    "SourceStore",
    "delete_unfollowed",
    "fetch_key",
    "record_success",
    "record_not_modified",
    "record_failure",
    "count_articles",
]

DISABLE_AFTER = 10
MAX_BACKOFF = timedelta(hours=24)
JITTER = 0.1  # +-10% of the interval, so sources added together drift apart
_SOURCES: Table = Source.__table__  # type: ignore[attr-defined]


def _record(source: Source, *, name: str = "", hidden: bool = False) -> SourceRecord:
    assert source.id is not None
    return SourceRecord(
        id=source.id,
        url=source.url,
        name=name or source.name,
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
        shared=source.shared,
        hidden=hidden,
    )


def fetch_key(credentials: str | None) -> str:
    """What tells one fetch of an address from another: "" for anyone's, else the credentials'
    hash (the same credentials share a fetch; other ones never do)."""
    if not credentials:
        return ""
    return hashlib.sha256(credentials.encode()).hexdigest()[:32]


def _key(url: str) -> str:
    """The canonical form sources are unique on (callers have checked the URL already)."""
    try:
        return canonical_url(url)
    except ValueError:
        return url.strip()


def _add(session: Session, new: NewSource, *, shared: bool = True) -> SourceRecord:
    # callers pass canonical URLs already; canonical again here, so no path can store a spelling
    url = _key(new.url)
    # the catalogue has one source per address, whatever credentials it is read with
    existing = _same_fetch(session, url, new.credentials, any_credentials=shared)
    if existing is not None:
        if shared and not existing.shared and existing.fetch_key == fetch_key(new.credentials):
            return _into_catalogue(session, existing, new)
        raise DuplicateSource(_record(existing))
    source = Source(
        url=url,
        credentials=new.credentials or None,
        fetch_key=fetch_key(new.credentials),
        shared=shared,
        name=new.name.strip() or url,
        jurisdiction=new.jurisdiction,
        official=new.official,
        full_text=new.full_text,
        label=new.label,
    )
    session.add(source)
    session.flush()
    return _record(source)


def _into_catalogue(session: Session, source: Source, new: NewSource) -> SourceRecord:
    """A feed workspaces follow privately, added by the operator: it joins the catalogue under
    the operator's name (the same fetch; its followers keep their own names for it)."""
    source.shared = True
    source.name = new.name.strip() or source.name
    source.jurisdiction, source.official, source.label = new.jurisdiction, new.official, new.label
    source.full_text = source.full_text or new.full_text
    session.add(source)
    session.flush()
    return _record(source)


def _same_fetch(
    session: Session, url: str, credentials: str | None, *, any_credentials: bool = False
) -> Source | None:
    """The source read from this address with these credentials (or with any), if any."""
    stmt = select(Source).where(Source.url == _key(url))
    if not any_credentials:
        stmt = stmt.where(Source.fetch_key == fetch_key(credentials))
    return session.exec(stmt.order_by(col(Source.id))).first()


def _relations(conn: Connection, tenant: Tenant) -> dict[int, tuple[str, str]]:
    """The tenant's own and hidden sources: id -> (relation, its own name for it)."""
    t = TENANT_SOURCES.c
    rows = conn.execute(
        sa_select(t.source_id, t.relation, t.name).where(
            t.platform == tenant.platform, t.workspace == tenant.workspace
        )
    )
    return {sid: (relation, name) for sid, relation, name in rows}


class SourceStore:
    """The feeds: what they are, which are due, and how their polls went; with a tenant, that
    tenant's view of them."""

    def __init__(self, db: Database, tenant: Tenant | None = None) -> None:
        self._db = db
        self._tenant = tenant

    def _view(self, conn: Connection, source: Source | None) -> SourceRecord | None:
        """The source as the tenant knows it (its own name, whether it hid it); None when the
        tenant does not see it."""
        if source is None or self._tenant is None:
            return None if source is None else _record(source)
        relation, name = _relations(conn, self._tenant).get(source.id or 0, ("", ""))
        if not source.shared and relation != OWN:
            return None
        return _record(source, name=name, hidden=relation == HIDDEN)

    def add(self, new: NewSource, *, by: str = "", feed_name: str = "") -> SourceRecord:
        """The operator's: a new catalogue source, due now (a feed workspaces follow privately
        joins the catalogue). A tenant's: a private one named
        `new.name` for it alone (`feed_name` for everyone else), or, when another tenant added
        the same feed, that source, fetched once for both. DuplicateSource for one it sees."""
        with self._db.session() as session:
            if self._tenant is None:
                return _add(session, new)
            conn = session.connection()
            existing = _same_fetch(session, new.url, new.credentials)
            seen = self._view(conn, existing)
            if seen is not None:
                raise DuplicateSource(seen)
            if existing is None:
                public = replace(new, name=feed_name or new.name, label=None)
                source_id = _add(session, public, shared=False).id
            else:
                source_id = existing.id or 0
            conn.execute(
                insert(TENANT_SOURCES).values(
                    source_id=source_id,
                    platform=self._tenant.platform,
                    workspace=self._tenant.workspace,
                    relation=OWN,
                    name=new.name.strip()[:200],
                    added_by=by,
                    added_at=utcnow(),
                )
            )
            found = session.get(Source, source_id)
            assert found is not None
            return _record(found, name=new.name.strip())

    def add_missing(self, entries: Sequence[NewSource]) -> list[SourceRecord]:
        """Add every entry whose URL is not in the catalogue yet to it (a feed only workspaces
        followed joins it), all or none; returns those added."""
        with self._db.session() as session:
            added: list[SourceRecord] = []
            for entry in entries:
                try:
                    added.append(_add(session, entry))
                except DuplicateSource:
                    continue
            return added

    def by_url(self, url: str, credentials: str | None = None) -> SourceRecord | None:
        """The source read from this address (any spelling of it) with these credentials, if
        the tenant sees it (the operator: with any credentials); else None."""
        with self._db.session() as session:
            found = _same_fetch(session, url, credentials, any_credentials=self._tenant is None)
            return self._view(session.connection(), found)

    def sole_stories(self, source_id: int) -> int:
        """How many stories only this source told (they leave with it)."""
        with self._db.session() as session:
            return len(_sole_story_ids(session.connection(), source_id))

    def remove(self, source_id: int) -> bool:
        """The operator's: delete a source, its items and the stories only it told (with their
        pins, deadlines and alert records); stories other sources told too stay, counted again.
        A tenant's: stop following its own private source, which is deleted when no tenant
        follows it any more. False when there is no such source (for a tenant: of its own)."""
        with self._db.session() as session:
            source = session.get(Source, source_id)
            if source is None:
                return False
            if self._tenant is not None:
                t, tenant = TENANT_SOURCES.c, self._tenant
                mine = (
                    t.source_id == source_id,
                    t.platform == tenant.platform,
                    t.workspace == tenant.workspace,
                    t.relation == OWN,
                )
                if (
                    source.shared
                    or not session.connection()
                    .execute(delete(TENANT_SOURCES).where(*mine))
                    .rowcount
                ):
                    return False
                if _followers(session.connection(), source_id):
                    return True
            _delete(session, source)
            return True

    def set_hidden(self, source_id: int, hidden: bool, *, by: str = "") -> SourceRecord | None:
        """Hide a catalogue source from the tenant's briefs, digests and watches, or show it
        again; None when it is no catalogue source."""
        assert self._tenant is not None, "only a tenant hides catalogue sources"
        with self._db.session() as session:
            source = session.get(Source, source_id)
            if source is None or not source.shared:
                return None
            conn = session.connection()
            t, tenant = TENANT_SOURCES.c, self._tenant
            conn.execute(
                delete(TENANT_SOURCES).where(
                    t.source_id == source_id,
                    t.platform == tenant.platform,
                    t.workspace == tenant.workspace,
                )
            )
            if hidden:
                conn.execute(
                    insert(TENANT_SOURCES).values(
                        source_id=source_id,
                        platform=tenant.platform,
                        workspace=tenant.workspace,
                        relation=HIDDEN,
                        added_by=by,
                        added_at=utcnow(),
                    )
                )
            return _record(source, hidden=hidden)

    def _seen(self, session: Session) -> list[tuple[Source, str, bool]]:
        """Each source the tenant sees, by id, with its own name for it and whether it hid it."""
        rows = session.exec(select(Source).order_by(col(Source.id))).all()
        if self._tenant is None:
            return [(s, "", False) for s in rows]
        mine = _relations(session.connection(), self._tenant)
        seen = []
        for source in rows:
            relation, name = mine.get(source.id or 0, ("", ""))
            if source.shared or relation == OWN:
                seen.append((source, name, relation == HIDDEN))
        return seen

    def all(self) -> list[SourceRecord]:
        """Every source the tenant sees (the operator: every source), in the order they were
        added."""
        with self._db.session() as session:
            return [_record(s, name=name, hidden=hidden) for s, name, hidden in self._seen(session)]

    def get(self, source_id: int) -> SourceRecord | None:
        """The source, or None (also when the tenant does not see it)."""
        with self._db.session() as session:
            return self._view(session.connection(), session.get(Source, source_id))

    def followers(self, source_id: int) -> list[Tenant]:
        """The tenants that added this private source (the operator's question)."""
        with self._db.session() as session:
            return _followers(session.connection(), source_id)

    def adders(self, source_id: int) -> list[tuple[Tenant, str]]:
        """Each tenant following this private source with the user who added it there."""
        t = TENANT_SOURCES.c
        with self._db.session() as session:
            rows = session.connection().execute(
                sa_select(t.platform, t.workspace, t.added_by)
                .where(t.source_id == source_id, t.relation == OWN)
                .order_by(t.platform, t.workspace)
            )
            return [(Tenant(platform, workspace), user) for platform, workspace, user in rows]

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
        """`record_not_modified` for many sources in one transaction of two statements: their
        intervals are read at once and the updates sent as one batch (a re-poll where most
        answer 304 would otherwise take two statements per source); returns the ids no longer
        there (removed while they were being fetched: nothing to record)."""
        if not source_ids:
            return []
        c = _SOURCES.c
        intervals: dict[int, int] = {}
        with self._db.session() as session:
            conn = session.connection()
            for chunk in chunked(source_ids):
                rows = conn.execute(sa_select(c.id, c.interval_minutes).where(c.id.in_(chunk)))
                intervals.update((i, m) for i, m in rows if m is not None)
            # in the order given, as one at a time would draw the jitter
            updates = [
                {"b_id": i, "b_next": _next_regular_poll(intervals[i], now, rng)}
                for i in source_ids
                if i in intervals
            ]
            if updates:
                conn.execute(
                    update(_SOURCES)
                    .where(c.id == bindparam("b_id"))
                    .values(**_success(now), deferred_items=0, next_poll_at=bindparam("b_next")),
                    updates,
                )
        return [i for i in source_ids if i not in intervals]

    def record_failure(
        self, source_id: int, now: datetime, reason: str, *, retry_after: float | None = None
    ) -> None:
        """A failed poll: back off (or wait `retry_after`), disabling after ten in a row."""
        with self._db.session() as session:
            record_failure(session, source_id, now, reason, retry_after=retry_after)

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
                    name=name or s.name,
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
                for s, name, _hidden in self._seen(session)
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


def count_articles(conn: Connection, source_id: int, fetched: int, failed: int) -> None:
    """Count the article pages one poll of a full-text source read and failed to read, in the
    caller's transaction (`IngestStore.store`'s)."""
    if not (fetched or failed):
        return
    c = _SOURCES.c
    conn.execute(
        update(_SOURCES)
        .where(c.id == source_id)
        .values(
            articles_fetched=c.articles_fetched + fetched,
            articles_failed=c.articles_failed + failed,
        )
    )


def record_not_modified(
    session: Session, source_id: int, now: datetime, *, rng: random.Random | None = None
) -> None:
    """`SourceStore.record_not_modified` inside the caller's transaction."""
    _succeeded(session, source_id, now, rng, {"deferred_items": 0})


def _success(now: datetime) -> dict[str, Any]:
    """What every successful poll sets (the next poll's time aside)."""
    return {"last_polled_at": now, "last_success_at": now, "consecutive_failures": 0}


_INTERVAL = sa_select(_SOURCES.c.interval_minutes).where(_SOURCES.c.id == bindparam("b_id"))


@functools.cache
def _success_update(columns: tuple[str, ...]) -> Update:
    """The update of a source's `columns` after a successful poll, built once per set of
    columns (every poll of every source runs one)."""
    return (
        update(_SOURCES)
        .where(_SOURCES.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in columns})
    )


def _succeeded(
    session: Session,
    source_id: int,
    now: datetime,
    rng: random.Random | None,
    values: dict[str, Any],
) -> None:
    # Core statements, not the ORM: this runs after every poll of every source
    conn = session.connection()
    interval = conn.execute(_INTERVAL, {"b_id": source_id}).scalar()
    if interval is None:
        raise LookupError(f"no source #{source_id}")
    values.update(_success(now), next_poll_at=_next_regular_poll(interval, now, rng))
    params = {f"b_{name}": value for name, value in values.items()}
    conn.execute(_success_update(tuple(values)), {"b_id": source_id, **params})
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


def _followers(conn: Connection, source_id: int) -> list[Tenant]:
    t = TENANT_SOURCES.c
    rows = conn.execute(
        sa_select(t.platform, t.workspace)
        .where(t.source_id == source_id, t.relation == OWN)
        .order_by(t.platform, t.workspace)
    )
    return [Tenant(platform, workspace) for platform, workspace in rows]


def _delete(session: Session, source: Source) -> None:
    """The source, its items and the stories only it told; other stories counted again."""
    conn = session.connection()
    source_id = source.id or 0
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


def delete_unfollowed(session: Session, source_ids: Sequence[int]) -> int:
    """Delete those of these private sources no tenant follows any more; how many went."""
    gone = 0
    for source_id in source_ids:
        source = session.get(Source, source_id)
        if (
            source is not None
            and not source.shared
            and not _followers(session.connection(), source_id)
        ):
            _delete(session, source)
            gone += 1
    return gone


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
