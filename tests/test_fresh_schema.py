"""A new database is created from the recorded statements of the migrations (no Alembic, no
child process), and gets exactly the schema the migrations give."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.fresh_schema import Record, load_record, record
from storage.setup import open_database
from tests.conftest import pg_database, postgres_url, reset_pg_schema

ROOT = Path(__file__).resolve().parent.parent

_SQLITE_SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
_PG_SCHEMA = """
SELECT 'column', c.table_name || '.' || c.column_name,
       c.data_type || ' ' || c.is_nullable || ' ' || coalesce(c.column_default, '')
  FROM information_schema.columns c WHERE c.table_schema = current_schema()
UNION ALL
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
  FROM pg_trigger WHERE NOT tgisinternal
   AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)
UNION ALL
SELECT 'function', proname, pg_get_functiondef(oid)
  FROM pg_proc WHERE pronamespace = current_schema()::regnamespace
ORDER BY 1, 2
"""


def _lines(sql: object) -> object:
    """A statement's lines in any order: Alembic's table copies list a table's foreign keys in
    an order that changes from run to run."""
    if not isinstance(sql, str):
        return sql
    return sorted(line.strip().rstrip(",") for line in sql.splitlines() if line.strip())


def _statements(found: Record | None) -> list[str]:
    """The statements as a multiset: Alembic also recreates a copied table's indexes in an
    order of its own."""
    assert found is not None
    return sorted(repr((_lines(sql), params)) for sql, params in found["statements"])


def _schema(db: Database) -> list[tuple[object, ...]]:
    """Everything that defines the database's schema, and its stored revision."""
    query = _SQLITE_SCHEMA if db.is_sqlite else _PG_SCHEMA
    with db.engine.connect() as conn:
        # two schemas of one PostgreSQL database: a function's definition names its own
        own = "" if db.is_sqlite else f"{conn.execute(text('SELECT current_schema()')).scalar()}."
        rows = [
            tuple(_lines(v.replace(own, "") if own and isinstance(v, str) else v) for v in r)
            for r in conn.execute(text(query))
        ]
        rows += [tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return rows


def _new_database(backend: str, name: str, tmp_path: Path) -> Database:
    if backend == "sqlite":
        return Database(f"sqlite:///{tmp_path / f'{name}.db'}")
    schema = f"pbtest_fresh_{name}"
    reset_pg_schema(schema)
    return pg_database(schema)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "postgres" and not postgres_url():
        pytest.skip("no PostgreSQL")
    yield request.param


def test_a_new_database_gets_the_schema_the_migrations_give(backend: str, tmp_path: Path) -> None:
    migrated = _new_database(backend, "migrated", tmp_path)
    replayed = _new_database(backend, "replayed", tmp_path)
    try:
        fresh = record(migrated)  # migrates it with Alembic, noting what ran
        dialect = migrated.engine.dialect.name
        assert _statements(load_record(dialect)) == _statements(fresh), (
            f"the recorded schema is stale: run `python -m storage.fresh_schema URL` on an empty "
            f"{dialect} database"
        )
        opened = open_database(replayed.url)
        opened.dispose()
        assert _schema(replayed) == _schema(migrated)
    finally:
        migrated.dispose()
        replayed.dispose()


def test_a_new_database_is_created_without_alembic_or_a_child(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    check = (
        "import subprocess, sys\n"
        "from storage.setup import open_database\n"
        "started = []\n"
        "real = subprocess.run\n"
        "subprocess.run = lambda *a, **k: started.append(a) or real(*a, **k)\n"
        f"db = open_database({url!r})\n"
        "print(db.current_revision() == db.head_revision(), 'alembic' in sys.modules, started)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["True", "False", "[]"]


def test_a_record_behind_the_code_falls_back_to_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.fresh_schema as fresh_schema

    monkeypatch.setattr(fresh_schema, "code_head", lambda: "9999")
    assert load_record("sqlite") is None
    db = open_database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert db.current_revision() == db.head_revision()
    finally:
        db.dispose()
