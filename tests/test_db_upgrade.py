"""`policybrief db upgrade` on PostgreSQL waits for the migration lock that start-up takes, so an
operator's upgrade and a starting replica never migrate the same database at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.setup import UPGRADE_LOCK
from tests.conftest import pg_database, postgres_url, reset_pg_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "pb_upgrade_lock"
CLI = "from bot.cli import main; main()"

pytestmark = pytest.mark.skipif(not postgres_url(), reason="needs POLICYBRIEF_TEST_POSTGRES_URL")


def waiting_for_the_lock(db: Database) -> int:
    """Sessions waiting for the migration lock (a bigint key: its low 32 bits are the objid)."""
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objid = :k AND NOT granted"
                ),
                {"k": UPGRADE_LOCK},
            ).scalar_one()
        )


def test_db_upgrade_waits_while_another_process_holds_the_migration_lock():
    reset_pg_schema(SCHEMA)
    target = pg_database(SCHEMA)
    holder = Database(postgres_url() or "")
    env = {**os.environ, "DATABASE_URL": target.url}
    try:
        with holder.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": UPGRADE_LOCK})
            proc = subprocess.Popen(
                [sys.executable, "-c", CLI, "db", "upgrade"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                deadline = time.monotonic() + 30
                while not waiting_for_the_lock(holder) and time.monotonic() < deadline:
                    assert proc.poll() is None, proc.communicate()
                    time.sleep(0.1)
                assert waiting_for_the_lock(holder)
                assert proc.poll() is None  # still waiting, nothing migrated yet
                assert target.current_revision() is None
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": UPGRADE_LOCK})
                conn.commit()
            out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert "Database upgraded." in out
        assert target.current_revision() == target.head_revision()
    finally:
        holder.dispose()
        target.dispose()
