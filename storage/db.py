"""Engine factory (SQLite with WAL and busy_timeout; PostgreSQL) and Alembic migrations, and
database faults told in one line (`describe_fault`): which server or file, and what went wrong."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

# every table registered on SQLModel.metadata, whichever modules the caller imported
from storage import deadline_models, model_tables, models  # noqa: F401

if TYPE_CHECKING:  # Alembic is loaded only when a migration is due (start-up cost)
    from alembic.config import Config

__all__ = ["Database", "DEFAULT_URL", "normalise_url", "describe_fault"]

DEFAULT_URL = "sqlite:///policybrief.db"
_MIGRATIONS = Path(__file__).parent / "migrations"
_VERSION_TABLE = "alembic_version"
# Prepared statements the sqlite3 driver keeps per connection (its default is 128). Ingest's
# multi-row statements are large programs, each kept in C memory the interpreter cannot see
# (about 8 MB over a cold start); the few statements a loop repeats stay prepared all the same.
_SQLITE_STATEMENTS = 16
_REVISION = re.compile(r"^revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision(?::[^=]*)?=\s*(.+)$", re.M)


@functools.cache
def code_head() -> str | None:
    """The head revision of the migrations shipped with the code, read from the version files
    without loading Alembic; None when they do not form a single head (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def normalise_url(url: str) -> str:
    """Accept the usual `postgres://` spellings and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# (pattern in the driver's message, what to say); the first match wins
_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), said)
    for p, said in (
        (r"connection refused", "connection refused"),
        (r"timeout expired|timed out", "timed out"),
        (r"password authentication failed for user \"?([^\"\s]+)", "wrong password for user {0}"),
        (r"role \"([^\"]+)\" does not exist", "no database user {0}"),
        (r"database \"([^\"]+)\" does not exist", "no database {0} on that server"),
        (
            r"failed to resolve host|could not translate host name|name or service not known",
            "unknown host",
        ),
        (r"shutting down|starting up|in recovery", "the server is starting or stopping"),
        (
            r"server closed the connection|eof detected|terminating connection|connection is closed"
            r"|connection reset|broken pipe|ssl syscall",
            "the connection was lost",
        ),
        (r"no route to host|network is unreachable", "the server cannot be reached"),
        (r"too many connections|too many clients", "the server has too many connections"),
    )
)


def _cause(message: str) -> str:
    for pattern, said in _CAUSES:
        found = pattern.search(message)
        if found:
            return said.format(*found.groups())
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return first[:200]


def _sqlite_fault(path: str, message: str) -> str:
    low = message.lower()
    if "readonly" in low or "read-only" in low:
        return f"the SQLite file {path} is read-only"
    if "unable to open" in low:
        return f"cannot open the SQLite file {path} (is its directory there and writable?)"
    if "locked" in low:
        return f"the SQLite file {path} is locked by another process"
    return f"the SQLite file {path}: {_cause(message)}"


def describe_fault(exc: BaseException, url: str) -> str | None:
    """One line for an error reaching or writing the database at `url`, e.g. "cannot connect to
    127.0.0.1:5433: connection refused"; None when `exc` is something else (a bug, bad data)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:  # a fault may come wrapped in another error
        if isinstance(current, OperationalError | InterfaceError) or (
            isinstance(current, DBAPIError) and current.connection_invalidated
        ):
            return _describe(current, url)
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _describe(exc: DBAPIError, url: str) -> str:
    message = str(exc.orig) if exc.orig is not None else str(exc)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_fault(parsed.database or ":memory:", message)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"cannot connect to {where}: {_cause(message)}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # Unicode-aware lowercasing for case-insensitive search (SQLite's lower() folds ASCII only)
    dbapi_conn.create_function("pb_lower", 1, _lower, deterministic=True)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


class Database:
    """One database: the engine, sessions, and schema upgrades."""

    def __init__(self, url: str = DEFAULT_URL, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {
                "check_same_thread": False,
                "timeout": 10,
                "cached_statements": _SQLITE_STATEMENTS,
            }
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _alembic_config(self) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.attributes["engine"] = self.engine
        return cfg

    def current_revision(self) -> str | None:
        """The revision stored in the database (one small table read; None when new)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table(_VERSION_TABLE):
                return None
            rows = conn.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).all()
        if len(rows) > 1:  # several heads stored: only Alembic can say what is due
            return ",".join(sorted(str(r[0]) for r in rows))
        return str(rows[0][0]) if rows else None

    def head_revision(self) -> str | None:
        """The code's head revision (from the version files; Alembic when they are unusual)."""
        head = code_head()
        if head is not None:
            return head
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def upgrade(self) -> bool:
        """Apply pending migrations; returns True when anything was applied. Alembic is loaded
        only when the stored revision differs from the code's head."""
        if self.current_revision() == self.head_revision():
            return False
        from alembic import command

        command.upgrade(self._alembic_config(), "head")
        return True

    def fault(self, exc: BaseException) -> str | None:
        """`describe_fault` for this database."""
        return describe_fault(exc, self.url)

    def check_writable(self) -> None:
        """Raise the driver's error when the database takes no writes (a read-only SQLite file);
        nothing is written."""
        if not self.is_sqlite:
            return
        with self.engine.connect() as conn:
            version = conn.exec_driver_sql("PRAGMA user_version").scalar()
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:  # rewriting the header's value as it is: a write, and a no-op
                conn.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
            finally:
                conn.exec_driver_sql("ROLLBACK")

    def dispose(self) -> None:
        self.engine.dispose()
