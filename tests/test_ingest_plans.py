"""A judgement's reads on SQLite go through indexes: no statement of the window reads the whole
items or stories table, so a poll's judgement does not slow down as the database grows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from core.ingest import CleanEntry, FeedValidators, JudgePlan, NewStory, SourceBatch
from core.tags import NO_TAGS
from storage.db import Database
from storage.models import Source
from storage.store import Storage

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
# a plan line that reads a whole table: "SCAN items", not "SCAN items USING ... INDEX ..."
_WHOLE_TABLE = re.compile(r"^SCAN (items|stories)$")


def _entry(n: int, hours_ago: float) -> CleanEntry:
    return CleanEntry(
        entry_key=f"e{n}",
        url=f"https://wire.example.org/{n}",
        title=f"Regulator fines platform {n}",
        text=f"The regulator fined the platform, report {n}.",
        published_at=NOW - timedelta(hours=hours_ago),
        language="en",
        content_hash=f"hash{n}",
    )


def _store(store: Storage, source_id: int, entries: list[CleanEntry]) -> tuple[int, ...]:
    batch = SourceBatch(new=tuple(entries))
    (stored,) = store.ingest.store([(source_id, batch, FeedValidators())], NOW)
    return stored.new_ids


def test_a_judgement_window_reads_no_whole_table(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'plans.db'}")
    db.upgrade()
    store = Storage(db)
    with db.session() as session:
        source = Source(url="https://wire.example.org/rss", name="Wire")
        session.add(source)
        session.flush()
        source_id = source.id
    assert source_id is not None
    # a judged story of three items, then two later items pending: the window revisits the story
    judged = _store(store, source_id, [_entry(n, 5 - n) for n in range(3)])
    story = NewStory(-1, "Regulator fines platform", NOW, NOW, 3, 1, False, "h", NO_TAGS)
    store.ingest.apply(
        JudgePlan(
            generation=store.ingest.generation(),
            assign=dict.fromkeys(judged, -1),
            new_stories=(story,),
            read_hashes={i: f"hash{n}" for n, i in enumerate(judged)},
        )
    )
    _store(store, source_id, [_entry(3, 4.5), _entry(4, 0.5)])

    statements: list[tuple[str, Any]] = []

    def note(_conn: object, _cursor: object, sql: str, params: Any, *_: object) -> None:
        statements.append((sql, params))

    event.listen(db.engine, "before_cursor_execute", note)
    window = store.ingest.window(horizon=timedelta(days=14), history=8, batch=100)
    event.remove(db.engine, "before_cursor_execute", note)

    assert [it.entry_key for it in window.pending] == ["e3", "e4"]
    assert sorted(it.entry_key for it in window.revisit) == ["e1", "e2"]
    with db.engine.connect() as conn:
        plans = {
            sql: [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
            for sql, params in statements
        }
    assert any("FROM items" in sql for sql in plans)
    scans = {sql: lines for sql, lines in plans.items() if any(map(_WHOLE_TABLE.match, lines))}
    assert scans == {}
    db.dispose()
