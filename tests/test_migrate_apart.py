"""A process that opens a new database migrates it in a child process, so it never holds
Alembic (about 11 MB a poller or a bot would keep for its whole life)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent

OPEN = """
import sys
from storage.setup import open_database
db = open_database(sys.argv[1])
print(db.current_revision() == db.head_revision(), "alembic" in sys.modules)
db.dispose()
db = open_database(sys.argv[1])  # up to date: nothing to run, here or in a child
print(db.current_revision() == db.head_revision(), "alembic" in sys.modules)
"""


def _open_twice(url: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", OPEN, url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.splitlines()


def test_a_new_sqlite_database_is_migrated_without_loading_alembic_here(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert _open_twice(url) == ["True False", "True False"]


def test_an_older_sqlite_database_is_migrated_in_a_child(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Database(url)
    command.upgrade(old._alembic_config(), "0020")  # one migration behind the code
    old.dispose()
    assert _open_twice(url) == ["True False", "True False"]


def test_an_in_memory_database_is_created_in_this_process():
    # a child could not reach this process's memory; a new database needs no Alembic either
    assert _open_twice("sqlite://") == ["True False", "True False"]
