"""The summary cache: one summary per (content hash, summarizer, model), made once and reused;
the model's top lines, one per set of stories; and what the model has yet to summarise."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, Table, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import utcnow
from core.summaries import (
    MODEL_LATEST,
    MODEL_REDONE,
    MODEL_REJECTED,
    MODEL_SUMMARIZER,
    MODEL_TOP_LINE,
    CachedSummary,
    NewSummary,
    NewTopLine,
    StoryHistory,
    SummaryCache,
    SummaryKey,
    SummaryLookup,
    story_key,
)
from storage.db import Database
from storage.models import Summary
from storage.tables import STORIES, chunked

__all__ = ["SummaryStore", "read_cache"]

_T: Table = Summary.__table__  # type: ignore[attr-defined]


def _rows(conn: Connection, keys: Iterable[SummaryKey]) -> dict[SummaryKey, CachedSummary]:
    """The cached rows among `keys` (missing keys are absent)."""
    t = _T.c
    wanted = set(keys)
    kinds = sorted({(k.summarizer, k.model) for k in wanted})
    out: dict[SummaryKey, CachedSummary] = {}
    # By content hash (the unique index's first column), then the exact keys in Python: a few
    # summarizers per hash, and no OR of AND clauses to compile per key.
    for chunk in chunked(sorted({k.content_hash for k in wanted})):
        stmt = select(t.content_hash, t.summarizer, t.model, t.headline, t.text).where(
            t.content_hash.in_(chunk),
            t.summarizer.in_({name for name, _ in kinds}),
            t.model.in_({model for _, model in kinds}),
        )
        for row in conn.execute(stmt):
            key = SummaryKey(row.content_hash, row.summarizer, row.model)
            if key in wanted:
                out[key] = CachedSummary(row.headline, row.text, row.summarizer, row.model)
    return out


def _histories(conn: Connection, story_ids: Sequence[int], model: str) -> dict[int, StoryHistory]:
    """Each story's history rows (found through the cache's unique index)."""
    t = _T.c
    keys = {story_key(sid): sid for sid in story_ids}
    latest: dict[int, CachedSummary] = {}
    redone: dict[int, datetime] = {}
    for chunk in chunked(keys):
        stmt = select(t.content_hash, t.summarizer, t.headline, t.text, t.created_at).where(
            t.content_hash.in_(chunk),
            t.summarizer.in_((MODEL_LATEST, MODEL_REDONE)),
            t.model == model,
        )
        for r in conn.execute(stmt):
            sid = keys[r.content_hash]
            if r.summarizer == MODEL_REDONE:
                redone[sid] = r.created_at
            else:
                latest[sid] = CachedSummary(r.headline, r.text, MODEL_SUMMARIZER, model)
    return {
        sid: StoryHistory(
            asked=True,
            latest=row if row.text else None,
            last_redo_at=redone.get(sid),
        )
        for sid, row in latest.items()
    }


def _top_lines(conn: Connection, keys: Iterable[str], model: str) -> dict[str, CachedSummary]:
    found = _rows(conn, (SummaryKey(k, MODEL_TOP_LINE, model) for k in keys))
    return {key.content_hash: row for key, row in found.items()}


def read_cache(
    conn: Connection,
    stories: Mapping[int, str],
    lookup: SummaryLookup,
    top_line_keys: Iterable[str] = (),
    history_of: Sequence[int] | None = None,
) -> SummaryCache:
    """What `lookup` asks for, for these stories (id -> content hash), in the caller's
    transaction; the summary history of `history_of` (default: all of them)."""
    hashes = {h for h in stories.values() if h}
    keys = [SummaryKey(h, name, model) for h in sorted(hashes) for name, model in lookup.kinds]
    if lookup.model is None:
        return SummaryCache(rows=_rows(conn, keys))
    return SummaryCache(
        rows=_rows(conn, keys),
        history=_histories(conn, list(stories if history_of is None else history_of), lookup.model),
        top_lines=_top_lines(conn, top_line_keys, lookup.model),
    )


class SummaryStore:
    """Cached summaries and top lines."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, rows: Sequence[NewSummary], now: datetime | None = None) -> int:
        """Cache each summary unless one exists for its key; returns how many were new."""
        if not rows:
            return 0
        when = now or utcnow()
        # One global order: two compositions caching overlapping stories at once (parallel
        # digests, replicas) would otherwise deadlock on PostgreSQL.
        ordered = sorted(rows, key=lambda r: (r.key.content_hash, r.key.summarizer, r.key.model))
        stored = 0
        with self._db.session() as session:
            conn = session.connection()
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            for row in ordered:
                stmt = (
                    insert(_T)
                    .values(
                        story_id=row.story_id,
                        content_hash=row.key.content_hash,
                        summarizer=row.key.summarizer,
                        model=row.key.model,
                        headline=row.headline,
                        text=row.text,
                        created_at=when,
                    )
                    .on_conflict_do_nothing(index_elements=["content_hash", "summarizer", "model"])
                    .returning(_T.c.id)
                )
                stored += conn.execute(stmt).first() is not None
        return stored

    def put_answer(self, row: NewSummary, *, redo: bool, now: datetime) -> None:
        """Cache what the model answered about a story (its summary, or a rejection) and keep
        the story's history: its last usable summary, and `now` when this was a re-summary."""
        assert row.story_id is not None
        usable = row.key.summarizer == MODEL_SUMMARIZER
        history = story_key(row.story_id)
        model = row.key.model
        with self._db.session() as session:
            conn = session.connection()
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            values = {"story_id": row.story_id, "model": model, "created_at": now}
            conn.execute(
                insert(_T)
                .values(
                    content_hash=row.key.content_hash,
                    summarizer=row.key.summarizer,
                    headline=row.headline,
                    text=row.text,
                    **values,
                )
                .on_conflict_do_nothing(index_elements=["content_hash", "summarizer", "model"])
            )
            latest = insert(_T).values(
                content_hash=history,
                summarizer=MODEL_LATEST,
                headline=row.headline if usable else "",
                text=row.text if usable else "",
                **values,
            )
            conflict = ["content_hash", "summarizer", "model"]
            if usable:  # a rejection keeps the last usable summary
                changed = {"headline": row.headline, "text": row.text}
                conn.execute(latest.on_conflict_do_update(index_elements=conflict, set_=changed))
            else:
                conn.execute(latest.on_conflict_do_nothing(index_elements=conflict))
            if redo:
                redone = insert(_T).values(
                    content_hash=history, summarizer=MODEL_REDONE, headline="", text="", **values
                )
                conn.execute(
                    redone.on_conflict_do_update(index_elements=conflict, set_={"created_at": now})
                )

    def get(self, keys: Iterable[SummaryKey]) -> dict[SummaryKey, CachedSummary]:
        """The cached summaries among `keys`."""
        with self._db.session() as session:
            return _rows(session.connection(), keys)

    def top_lines(self, keys: Iterable[str], model: str) -> dict[str, CachedSummary]:
        """The model's cached top lines among `keys`."""
        with self._db.session() as session:
            return _top_lines(session.connection(), keys, model)

    def put_top_line(self, line: NewTopLine, now: datetime | None = None) -> None:
        """Cache a top line, replacing the one written over other card texts for its stories."""
        with self._db.session() as session:
            conn = session.connection()
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            stmt = insert(_T).values(
                content_hash=line.key,
                summarizer=MODEL_TOP_LINE,
                model=line.model,
                headline=line.fingerprint,
                text=line.text,
                created_at=now or utcnow(),
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["content_hash", "summarizer", "model"],
                    set_={"headline": line.fingerprint, "text": line.text},
                )
            )

    def pending(self, since: datetime, *, model: str | None = None, limit: int = 500) -> list[int]:
        """Stories seen since `since` with no model summary (nor rejection) for their current
        content, newest first."""
        s, t = STORIES.c, _T.c
        answered = [
            t.content_hash == s.content_hash,
            t.summarizer.in_((MODEL_SUMMARIZER, MODEL_REJECTED)),
        ]
        if model is not None:
            answered.append(t.model == model)
        stmt = (
            select(s.id)
            .where(s.last_seen_at >= since, s.content_hash != "", s.merged_into.is_(None))
            .where(~exists().where(*answered))
            .order_by(s.last_seen_at.desc(), s.id.desc())
            .limit(limit)
        )
        with self._db.session() as session:
            return [sid for (sid,) in session.connection().execute(stmt)]
