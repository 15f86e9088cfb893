"""The summary cache: one summary per (content hash, summarizer, model), made once, reused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, and_, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from core.clock import utcnow
from storage.models import Summary

__all__ = ["SummaryKey", "CachedSummary", "get_summaries", "put_summary"]

_T: Table = Summary.__table__  # type: ignore[attr-defined]
_CHUNK = 200


@dataclass(frozen=True)
class SummaryKey:
    """What a cached summary is keyed by."""

    content_hash: str
    summarizer: str
    model: str = ""


@dataclass(frozen=True)
class CachedSummary:
    headline: str
    text: str
    summarizer: str
    model: str


def get_summaries(session: Session, keys: Iterable[SummaryKey]) -> dict[SummaryKey, CachedSummary]:
    """The cached summaries among `keys` (missing keys are absent from the result)."""
    wanted = list(dict.fromkeys(keys))
    out: dict[SummaryKey, CachedSummary] = {}
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        cond = or_(
            *(
                and_(
                    col(Summary.content_hash) == k.content_hash,
                    col(Summary.summarizer) == k.summarizer,
                    col(Summary.model) == k.model,
                )
                for k in chunk
            )
        )
        for row in session.exec(select(Summary).where(cond)):
            key = SummaryKey(row.content_hash, row.summarizer, row.model)
            out[key] = CachedSummary(row.headline, row.text, row.summarizer, row.model)
    return out


def put_summary(
    session: Session,
    key: SummaryKey,
    *,
    headline: str,
    text: str,
    story_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Cache a summary unless one exists for the key (insert-or-ignore); True when stored."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(Summary)
        .values(
            story_id=story_id,
            content_hash=key.content_hash,
            summarizer=key.summarizer,
            model=key.model,
            headline=headline,
            text=text,
            created_at=now or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["content_hash", "summarizer", "model"])
        .returning(_T.c.id)
    )
    return session.exec(stmt).first() is not None  # type: ignore[call-overload]
