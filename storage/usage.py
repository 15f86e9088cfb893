"""The LLM's daily token budget: tokens the server reported, per UTC day, in the LlmUsage table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import LlmUsage

__all__ = ["UsageStore"]

_T: Table = LlmUsage.__table__  # type: ignore[attr-defined]


def _column(conn: Connection, column: str, day: date) -> int:
    value = conn.execute(select(_T.c[column]).where(_T.c.day == day)).scalar_one_or_none()
    return int(value or 0)


class UsageStore:
    """The LLM's token usage per UTC day."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def tokens_used(self, day: date) -> int:
        """Tokens counted so far on `day` (0 when nothing was recorded)."""
        with self._db.session() as session:
            return _column(session.connection(), "tokens", day)

    def calls_made(self, day: date) -> int:
        """LLM calls counted on `day`."""
        with self._db.session() as session:
            return _column(session.connection(), "calls", day)

    def add(self, day: date, tokens: int, calls: int = 1) -> int:
        """Add `tokens` (and `calls`) to `day` in one atomic upsert; returns the day's new total."""
        tokens, calls = max(0, int(tokens)), max(0, int(calls))
        with self._db.session() as session:
            conn = session.connection()
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            stmt = insert(_T).values(day=day, tokens=tokens, calls=calls)
            # The increment happens inside the database, so concurrent workers never lose one.
            upsert = stmt.on_conflict_do_update(
                index_elements=["day"],
                set_={
                    "tokens": _T.c.tokens + stmt.excluded.tokens,
                    "calls": _T.c.calls + stmt.excluded.calls,
                },
            ).returning(_T.c.tokens)
            return int(conn.execute(upsert).scalar_one())
