"""The LLM's daily token budget: tokens the server reported, per UTC day, in the LlmUsage table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.db import Database
from storage.models import LlmUsage

__all__ = ["UsageStore", "tokens_used", "calls_made", "add_usage"]

_T: Table = LlmUsage.__table__  # type: ignore[attr-defined]


def tokens_used(session: Session, day: date) -> int:
    """Tokens counted so far on `day` (0 when nothing was recorded)."""
    value = session.execute(select(_T.c.tokens).where(_T.c.day == day)).scalar_one_or_none()
    return int(value or 0)


def calls_made(session: Session, day: date) -> int:
    """LLM calls counted on `day`."""
    value = session.execute(select(_T.c.calls).where(_T.c.day == day)).scalar_one_or_none()
    return int(value or 0)


def add_usage(session: Session, day: date, tokens: int, calls: int = 1) -> int:
    """Add `tokens` (and `calls`) to `day` in one atomic upsert; returns the day's new total."""
    tokens, calls = max(0, int(tokens)), max(0, int(calls))
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(_T).values(day=day, tokens=tokens, calls=calls)
    # The increment happens inside the database, so concurrent workers never lose an update.
    excluded = stmt.excluded
    upsert = stmt.on_conflict_do_update(
        index_elements=["day"],
        set_={"tokens": _T.c.tokens + excluded.tokens, "calls": _T.c.calls + excluded.calls},
    ).returning(_T.c.tokens)
    return int(session.execute(upsert).scalar_one())


class UsageStore:
    """The LLM's token usage per UTC day."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def tokens_used(self, day: date) -> int:
        """Tokens counted so far on `day` (0 when nothing was recorded)."""
        with self._db.session() as session:
            return tokens_used(session, day)
