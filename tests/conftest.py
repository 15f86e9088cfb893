"""Shared fixtures: a real database per test, on SQLite and (when configured) PostgreSQL.

`db` is parametrized over the backends: every test that takes it runs on a fresh SQLite file and,
where POLICYBRIEF_TEST_POSTGRES_URL is set, on PostgreSQL (one schema per xdist worker, tables
emptied between tests).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from digest.judgement.classify import Taxonomy
from storage.db import Database

PG_ENV = "POLICYBRIEF_TEST_POSTGRES_URL"

# A database created by a test (or a process a test starts) must never get the real default
# sources: nothing in the suite may poll the internet.
os.environ["POLICYBRIEF_SEED_SOURCES"] = "false"


def postgres_url() -> str | None:
    """The test PostgreSQL URL, or None; under CI=true a missing one is an error."""
    url = os.environ.get(PG_ENV)
    if not url and os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI=true but {PG_ENV} is not set: the PostgreSQL half must run")
    return url or None


def backends() -> list[str]:
    return ["sqlite", "postgres"] if postgres_url() else ["sqlite"]


def pg_database(schema: str) -> Database:
    """A Database on its own PostgreSQL schema (created if missing)."""
    url = postgres_url()
    assert url, "postgres not configured"
    admin = Database(url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return Database(f"{url}{sep}options=-csearch_path%3D{schema}")


def reset_pg_schema(schema: str) -> None:
    url = postgres_url()
    assert url
    admin = Database(url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()


def truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db" in metafunc.fixturenames:
        metafunc.parametrize("db", backends(), indirect=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not postgres_url():
        terminalreporter.write_line(
            f"PostgreSQL half skipped: set {PG_ENV} (as .ci/run does) to run it.", yellow=True
        )


@pytest.fixture(scope="session")
def _pg_worker_db(worker_id: str) -> Iterator[Database | None]:
    if not postgres_url():
        yield None
        return
    schema = f"pbtest_{worker_id}"
    reset_pg_schema(schema)
    database = pg_database(schema)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def db(
    request: pytest.FixtureRequest, tmp_path: Path, _pg_worker_db: Database | None
) -> Iterator[Database]:
    """A migrated, empty database on the requested backend."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
        database.upgrade()
        yield database
        database.dispose()
    else:
        assert _pg_worker_db is not None
        truncate_all(_pg_worker_db)
        yield _pg_worker_db


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite file, for tests that need only one backend."""
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    """The shipped taxonomy, loaded once per test module."""
    return Taxonomy.load()
