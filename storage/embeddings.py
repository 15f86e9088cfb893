"""The embeddings cache: item vectors by (content hash, model), read in chunks, written once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import utcnow
from storage.db import Database
from storage.model_tables import ITEM_EMBEDDINGS
from storage.tables import chunked

__all__ = ["EmbeddingStore"]


class EmbeddingStore:
    """Cached item embeddings; each method is one transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, hashes: Iterable[str], model: str) -> dict[str, bytes]:
        """The cached vectors among `hashes` for `model` (missing ones are absent)."""
        t = ITEM_EMBEDDINGS.c
        out: dict[str, bytes] = {}
        wanted = sorted(set(hashes))
        if not wanted:
            return out
        with self._db.session() as session:
            conn = session.connection()
            for chunk in chunked(wanted):
                stmt = select(t.content_hash, t.vector).where(
                    t.model == model, t.content_hash.in_(chunk)
                )
                out.update((row.content_hash, bytes(row.vector)) for row in conn.execute(stmt))
        return out

    def put(self, vectors: Mapping[str, bytes], model: str, *, now: datetime | None = None) -> int:
        """Cache `vectors` (by content hash) for `model`, keeping any already stored; returns
        how many rows were new."""
        if not vectors:
            return 0
        when = now or utcnow()
        rows = [
            {"content_hash": h, "model": model, "vector": v, "created_at": when}
            for h, v in sorted(vectors.items())
        ]
        with self._db.session() as session:
            conn = session.connection()
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            written = 0
            for start in range(0, len(rows), 500):
                stmt = insert(ITEM_EMBEDDINGS).values(rows[start : start + 500])
                result = conn.execute(stmt.on_conflict_do_nothing())
                written += max(0, result.rowcount or 0)
            return written
