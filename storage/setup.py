"""Bringing a database up to date: migrations under one PostgreSQL advisory lock, and the default
sources of a new database.

Start-up and `policybrief db upgrade` both come through `upgrade`, so two replicas (or a replica
and an operator) never migrate at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import text

from core.sources import NewSource
from storage.db import Database
from storage.sources import SourceStore

__all__ = ["UPGRADE_LOCK", "Seed", "open_database", "upgrade"]

log = logging.getLogger("policybrief.storage")

UPGRADE_LOCK = 7_263_001  # PostgreSQL advisory lock id: one process migrates at a time

Seed = Callable[[], Sequence[NewSource]]
"""The default sources of a new database (read only when one is created)."""


def upgrade(db: Database, seed: Seed | None = None) -> bool:
    """Apply pending migrations (on PostgreSQL under the advisory lock); a database created here
    gets the sources from `seed`, once: removing them later sticks. True when anything was
    applied."""
    if db.is_sqlite:
        return _migrate(db, seed)
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": UPGRADE_LOCK})
        try:
            return _migrate(db, seed)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": UPGRADE_LOCK})
            conn.commit()


def open_database(url: str, *, seed: Seed | None = None) -> Database:
    """The database at `url`, upgraded (see `upgrade`)."""
    db = Database(url)
    upgrade(db, seed)
    return db


def _migrate(db: Database, seed: Seed | None) -> bool:
    fresh = db.current_revision() is None
    applied = db.upgrade()
    if fresh and seed is not None:
        added = SourceStore(db).add_missing(seed())
        log.info("new database: added %d default sources", len(added))
    return applied
