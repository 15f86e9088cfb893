"""Stories' model readings (core.readings): kept per story, applied to the story's facts and
topics when the model reads it, and read back by every later judgement of it, which applies
them again (digest.judgement.readings decides how a reading and the words combine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import utcnow
from core.ingest import StoryFacts
from core.readings import ModelReading
from storage.db import Database
from storage.model_tables import STORY_READINGS
from storage.tables import STORIES, STORY_TAGS, chunked

__all__ = ["ReadingStore", "add_model_topics"]


def _insert(conn: Connection):  # type: ignore[no-untyped-def]
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def add_model_topics(conn: Connection, topics: Mapping[int, Iterable[str]]) -> None:
    """Add topic tags a model read to these stories (those they already carry stay once)."""
    rows = [
        {"story_id": story_id, "kind": "topic", "slug": slug}
        for story_id, slugs in sorted(topics.items())
        for slug in sorted(set(slugs))
    ]
    if rows:
        conn.execute(_insert(conn)(STORY_TAGS).values(rows).on_conflict_do_nothing())


def _reading(row: object) -> ModelReading:
    return ModelReading(
        model=row.model,  # type: ignore[attr-defined]
        topics=tuple(row.topics.split()),  # type: ignore[attr-defined]
        relevant=row.relevant,  # type: ignore[attr-defined]
        event_type=row.event_type,  # type: ignore[attr-defined]
    )


class ReadingStore:
    """Model readings of stories; each method is one transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def recent(self, since: datetime) -> dict[int, ModelReading]:
        """The readings of stories last seen since `since` (what a judgement may touch)."""
        r, s = STORY_READINGS.c, STORIES.c
        stmt = (
            select(r.story_id, r.model, r.topics, r.relevant, r.event_type)
            .join(STORIES, s.id == r.story_id)
            .where(s.last_seen_at >= since)
        )
        with self._db.session() as session:
            return {row.story_id: _reading(row) for row in session.connection().execute(stmt)}

    def of(self, story_ids: Iterable[int]) -> dict[int, ModelReading]:
        """The readings of these stories (those without one are absent)."""
        r = STORY_READINGS.c
        out: dict[int, ModelReading] = {}
        with self._db.session() as session:
            conn = session.connection()
            for chunk in chunked(story_ids):
                stmt = select(r.story_id, r.model, r.topics, r.relevant, r.event_type).where(
                    r.story_id.in_(chunk)
                )
                out.update((row.story_id, _reading(row)) for row in conn.execute(stmt))
        return out

    def facts(self, story_id: int) -> StoryFacts | None:
        """A story's stored facts (None when it is gone)."""
        s = STORIES.c
        stmt = select(s.relevant, s.relevance_reasons, s.event_type, s.significance).where(
            s.id == story_id
        )
        with self._db.session() as session:
            row = session.connection().execute(stmt).first()
        if row is None:
            return None
        reasons = tuple(r for r in row.relevance_reasons.split("; ") if r)
        return StoryFacts(row.relevant, reasons, row.event_type, row.significance)

    def put(
        self,
        story_id: int,
        content_hash: str,
        reading: ModelReading,
        facts: StoryFacts,
        *,
        now: datetime | None = None,
    ) -> None:
        """Keep `reading` as the story's last, and write `facts` (the reading combined with the
        words' facts) and its topics to the story, in one transaction."""
        values = {
            "story_id": story_id,
            "model": reading.model,
            "content_hash": content_hash,
            "topics": " ".join(reading.topics),
            "relevant": reading.relevant,
            "event_type": reading.event_type,
            "created_at": now or utcnow(),
        }
        with self._db.session() as session:
            conn = session.connection()
            if conn.execute(select(STORIES.c.id).where(STORIES.c.id == story_id)).first() is None:
                return  # the story is gone (merged away and purged): nothing to read into
            stmt = _insert(conn)(STORY_READINGS).values(values)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["story_id"],
                    set_={k: stmt.excluded[k] for k in values if k != "story_id"},
                )
            )
            conn.execute(
                update(STORIES)
                .where(STORIES.c.id == story_id)
                .values(
                    relevant=facts.relevant,
                    relevance_reasons="; ".join(facts.reasons),
                    event_type=facts.event_type,
                    significance=facts.significance,
                )
            )
            if not facts.relevant:
                conn.execute(delete(STORY_TAGS).where(STORY_TAGS.c.story_id == story_id))
            else:
                add_model_topics(conn, {story_id: facts.model_topics})
