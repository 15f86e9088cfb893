"""The audit trail: admin and moderator actions, per workspace, kept a year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, insert, select

from core.audit import AuditEntry
from storage.db import Database
from storage.models import AuditRow

__all__ = ["AuditStore"]

_AUDIT: Table = AuditRow.__table__  # type: ignore[attr-defined]
_COMMAND_CHARS = 1000


class AuditStore:
    """Recording an action, and reading one workspace's (or every workspace's) trail."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, entry: AuditEntry) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(
                insert(_AUDIT).values(
                    platform=entry.platform,
                    workspace=entry.workspace,
                    user=entry.user,
                    at=entry.at,
                    command=entry.command[:_COMMAND_CHARS],
                )
            )

    def entries(
        self,
        since: datetime,
        *,
        platform: str | None = None,
        workspace: str | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first; only the given platform and workspace when they are given."""
        a = _AUDIT.c
        stmt = select(_AUDIT).where(a.at >= since)
        if platform is not None:
            stmt = stmt.where(a.platform == platform)
        if workspace is not None:
            stmt = stmt.where(a.workspace == workspace)
        stmt = stmt.order_by(a.at.desc(), a.id.desc()).limit(limit)
        with self._db.engine.connect() as conn:
            return [
                AuditEntry(r.platform, r.workspace, r.user, r.at, r.command, r.id)
                for r in conn.execute(stmt)
            ]

    def prune(self, before: datetime) -> int:
        with self._db.engine.begin() as conn:
            return conn.execute(delete(_AUDIT).where(_AUDIT.c.at < before)).rowcount
