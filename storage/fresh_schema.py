"""A new database's schema without Alembic: the statements the migrations ran on an empty
database, recorded per dialect in `storage/migrations/fresh/` and replayed in one transaction.

Creating a database this way loads neither Alembic nor a child process (on a cold start, about a
second and 70 MB of the child's). A record names the head revision it reaches; when the code's
head moved on, or a record is missing, the migrations run as before. Reflection reads (SELECT,
`PRAGMA main.*`) are left out of a record: on an empty database they change nothing, and no
statement that follows depends on what they read there.

    python -m storage.fresh_schema URL   # record the dialect of URL again (an empty database)

tests/test_fresh_schema.py checks each record is current and gives the migrations' schema.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy import event
from sqlalchemy.engine import Connection

from storage.db import Database, code_head

__all__ = ["Record", "record_path", "load_record", "record", "replay"]

_FRESH = Path(__file__).resolve().parent / "migrations" / "fresh"
_READS = ("SELECT", "PRAGMA MAIN.", "PRAGMA TEMP.")

Statement = tuple[str, Any]  # SQL in the driver's parameter style, and its parameters or None


class Record(TypedDict):
    head: str
    statements: list[Statement]


def record_path(dialect: str) -> Path:
    return _FRESH / f"{dialect}.json"


def load_record(dialect: str) -> Record | None:
    """The record for `dialect` when it reaches the code's head revision, else None."""
    path = record_path(dialect)
    if not path.exists():
        return None
    found = json.loads(path.read_text(encoding="utf-8"))
    if found["head"] != code_head():
        return None
    return {"head": found["head"], "statements": [(sql, ps) for sql, ps in found["statements"]]}


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(_READS)


def record(db: Database) -> Record:
    """Migrate the empty database `db` with Alembic, noting every statement that writes."""
    statements: list[Statement] = []

    def note(
        _conn: Connection, _cursor: object, sql: str, params: Any, _ctx: object, many: bool
    ) -> None:
        if many:
            raise RuntimeError("a migration ran executemany on an empty database")
        if not _is_read(sql):
            statements.append((sql, params or None))

    if db.current_revision() is not None:
        raise RuntimeError("record a new schema on an empty database")
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        db.upgrade()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    head = db.current_revision()
    assert head is not None
    return {"head": head, "statements": statements}


def replay(db: Database, found: Record) -> None:
    """Run a record's statements on the empty database `db`, in one transaction."""
    with db.engine.begin() as conn:
        for sql, params in found["statements"]:
            if params is None:
                conn.exec_driver_sql(sql)
            else:
                conn.exec_driver_sql(sql, tuple(params) if isinstance(params, list) else params)


def _main(url: str) -> int:
    db = Database(url)
    try:
        found = record(db)
    finally:
        db.dispose()
    path = record_path(db.engine.dialect.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    print(f"{path}: {len(found['statements'])} statements, head {found['head']}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
