"""Bringing a database up to date: migrations under one PostgreSQL advisory lock, and the default
sources of a new database.

Start-up and `policybrief db upgrade` both come through `upgrade`, so two replicas (or a replica
and an operator) never migrate at once. A database that cannot be reached or written is
`DatabaseUnavailable`, in one line that names DATABASE_URL and the cause.

A new database gets the statements the migrations ran on an empty one, recorded and replayed
(storage/fresh_schema.py). Other migrations run in a child process (`python -m storage.setup`,
the database's URL on its stdin) unless this process holds Alembic already: Alembic, Mako and
Pygments take about 11 MB that a poller or a bot would otherwise keep for its whole life after
its first start.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.sources import NewSource
from storage.db import Database
from storage.sources import SourceStore

__all__ = ["UPGRADE_LOCK", "Seed", "DatabaseUnavailable", "open_database", "upgrade"]

log = logging.getLogger("policybrief.storage")

UPGRADE_LOCK = 7_263_001  # PostgreSQL advisory lock id: one process migrates at a time

T = TypeVar("T")
Seed = Callable[[], Sequence[NewSource]]
"""The default sources of a new database (read only when one is created)."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached or written, e.g. "DATABASE_URL: cannot connect to
    127.0.0.1:5433: connection refused"."""


def upgrade(db: Database, seed: Seed | None = None) -> bool:
    """Apply pending migrations (on PostgreSQL under the advisory lock); a database created here
    gets the sources from `seed`, once: removing them later sticks. True when anything was
    applied. DatabaseUnavailable when the database cannot be reached or written."""
    return _told(db, lambda: _upgrade(db, seed))


def open_database(url: str, *, seed: Seed | None = None) -> Database:
    """The database at `url`, upgraded (see `upgrade`) and checked to take writes."""
    db = Database(url)
    try:
        upgrade(db, seed)
        _told(db, db.check_writable)
    except BaseException:
        db.dispose()
        raise
    return db


def _told(db: Database, work: Callable[[], T]) -> T:
    """`work()`, with a fault reaching or writing the database raised as DatabaseUnavailable."""
    try:
        return work()
    except Exception as exc:
        fault = db.fault(exc)
        if fault is None:
            raise
        raise DatabaseUnavailable(f"DATABASE_URL: {fault}") from None


def _upgrade(db: Database, seed: Seed | None) -> bool:
    if db.current_revision() == db.head_revision():
        return False  # the common case: one small read, no lock, Alembic never loaded
    if db.is_sqlite:
        return _migrate(db, seed)
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": UPGRADE_LOCK})
        try:
            return _migrate(db, seed)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": UPGRADE_LOCK})
            conn.commit()


def _migrate(db: Database, seed: Seed | None) -> bool:
    from storage.fresh_schema import load_record, replay  # only a database behind the code

    fresh = db.current_revision() is None
    recorded = load_record(db.engine.dialect.name) if fresh else None
    if recorded is not None:  # a new database: the migrations' statements, without Alembic
        replay(db, recorded)
        applied = True
    else:
        applied = _upgrade_apart(db) if _may_migrate_apart(db) else db.upgrade()
    if applied:
        log.info("database schema upgraded to revision %s", db.head_revision())
    if fresh and seed is not None:
        added = SourceStore(db).add_missing(seed())
        log.info("new database: added %d default sources", len(added))
    return applied


_FAULT = "fault: "  # the child's line for a database it could not reach or write


def _may_migrate_apart(db: Database) -> bool:
    """A child can reach the same database (not one in this process's memory), and this process
    has not paid for Alembic already (tests, `policybrief demo`)."""
    if "alembic" in sys.modules:
        return False
    url = make_url(db.url)
    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    return not (db.is_sqlite and in_memory)


def _upgrade_apart(db: Database) -> bool:
    """`db.upgrade()` in a child process; its faults are this process's DatabaseUnavailable."""
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    # -P: not the working directory first, where a `storage` would not be our code
    done = subprocess.run(
        [sys.executable, "-P", "-m", "storage.setup"],
        input=db.engine.url.render_as_string(hide_password=False),
        stdout=subprocess.PIPE,  # its warnings and tracebacks go to our stderr as they come
        text=True,
        env=env,
        check=False,
    )
    faults = [ln[len(_FAULT) :] for ln in done.stdout.splitlines() if ln.startswith(_FAULT)]
    if faults:
        raise DatabaseUnavailable(f"DATABASE_URL: {faults[-1]}")
    if done.returncode != 0:
        raise RuntimeError(f"the database migrations failed (exit code {done.returncode})")
    return done.stdout.strip().splitlines()[-1:] == ["applied"]


def _upgrade_here() -> int:
    """The child's side: upgrade the database whose URL is on stdin; say "applied" or "current"
    (or the fault) on stdout."""
    db = Database(sys.stdin.read().strip())
    try:
        applied = db.upgrade()
    except Exception as exc:
        fault = db.fault(exc)
        if fault is None:
            raise
        print(_FAULT + fault.replace("\n", " "))
        return 1
    finally:
        db.dispose()
    print("applied" if applied else "current")
    return 0


if __name__ == "__main__":
    sys.exit(_upgrade_here())
