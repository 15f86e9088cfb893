"""Parsed feeds ready at the same time are stored together: one write transaction for the group,
and a source whose write fails fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

import digest.ingest.pipeline as pipeline
from core.ingest import FeedValidators
from digest.ingest.parse import parse_feed
from digest.ingest.pipeline import PipelineContext
from digest.judgement.classify import Taxonomy
from storage.db import Database
from storage.models import Item, Source
from storage.store import Storage

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _feed(name: str, items: int) -> pipeline.ParsedFeed:
    entries = "".join(
        f"<item><title>{name} regulator fines platform {n}</title>"
        f"<link>https://{name}.example.org/{n}</link><guid>{name}-{n}</guid>"
        f"<pubDate>Fri, 20 Nov 2026 0{n % 9}:00:00 GMT</pubDate>"
        f"<description>The regulator fined platform {n} over data rules.</description></item>"
        for n in range(items)
    )
    body = f"<rss version='2.0'><channel><title>{name}</title>{entries}</channel></rss>"
    return parse_feed(body.encode())


def _sources(db: Database, n: int) -> list[int]:
    with db.session() as session:
        sources = [Source(url=f"https://s{i}.example.org/rss", name=f"S{i}") for i in range(n)]
        session.add_all(sources)
        session.flush()
        return [s.id for s in sources if s.id is not None]


def _items(db: Database) -> dict[int, int]:
    with db.session() as session:
        rows = session.exec(select(Item.source_id, func.count()).group_by(Item.source_id)).all()
    return {source_id: count for source_id, count in rows}


def _context(db: Database) -> tuple[PipelineContext, list[int]]:
    ctx = PipelineContext(
        store=Storage(db), fetcher=None, load_taxonomy=Taxonomy.load, clock=lambda: NOW
    )
    writes: list[int] = []
    store = ctx.store.ingest.store

    def counted(batches, now, articles=None):  # type: ignore[no-untyped-def]
        writes.append(len(batches))
        return store(batches, now, articles)

    ctx.store.ingest.store = counted  # type: ignore[method-assign]
    return ctx, writes


def test_feeds_parsed_while_the_database_was_busy_are_written_in_one_transaction(db):
    ctx, writes = _context(db)
    ids = _sources(db, 3)

    async def poll() -> list[pipeline.RefreshResult]:
        waiting: list[pipeline._Parsed] = []
        async with ctx.lock:  # another source's write under way: the three wait their turn
            tasks = [
                asyncio.create_task(
                    pipeline._store_parsed(
                        ctx, waiting, pipeline._Parsed(i, _feed(f"f{i}", 3), FeedValidators())
                    )
                )
                for i in ids
            ]
            await asyncio.sleep(0.05)
        return await asyncio.gather(*tasks)

    results = asyncio.run(poll())
    assert [(r.source_id, r.status, r.new_items) for r in results] == [(i, "ok", 3) for i in ids]
    assert writes == [3]
    assert _items(db) == {i: 3 for i in ids}


def test_a_source_whose_write_fails_fails_alone(db):
    ctx, writes = _context(db)
    ids = _sources(db, 2)
    gone = max(ids) + 100  # removed while its feed was fetched
    group = [
        pipeline._Parsed(source_id, _feed(f"f{source_id}", 2), FeedValidators())
        for source_id in (ids[0], gone, ids[1])
    ]
    results = pipeline._store_or_fail(ctx, group, NOW)
    assert [(r.source_id, r.status) for r in results] == [
        (ids[0], "ok"),
        (gone, "failed"),
        (ids[1], "ok"),
    ]
    assert writes == [3, 1, 1, 1]  # the group, then each alone
    assert _items(db) == {ids[0]: 2, ids[1]: 2}


def test_a_group_stops_before_a_repeated_source_or_too_many_entries(monkeypatch):
    monkeypatch.setattr(pipeline, "STORE_GROUP", 5)
    feeds = [pipeline._Parsed(i, _feed(f"f{i}", 2), FeedValidators()) for i in (1, 2, 1, 3)]
    waiting = list(feeds)
    assert pipeline._take_group(waiting, waiting[0]) == feeds[:2]  # source 1 again next
    assert pipeline._take_group(waiting, waiting[0]) == feeds[2:]
    assert waiting == []
    waiting = [pipeline._Parsed(i, _feed(f"f{i}", 2), FeedValidators()) for i in (1, 2, 3)]
    assert [p.source_id for p in pipeline._take_group(waiting, waiting[0])] == [1, 2]  # 6 > 5
    assert [p.source_id for p in waiting] == [3]
