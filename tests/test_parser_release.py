"""A poll gives its parser processes back before it judges: idle, they only hold memory."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from digest.ingest.fetch import Fetcher
from digest.ingest.pipeline import PipelineContext, RefreshResult, poll_sources
from digest.judgement.classify import Taxonomy
from storage.store import Storage
from tests.test_poll_fairness import NOW, Host, _sources


def _parser_processes() -> set[int]:
    """This process's live parser workers (children running the worker entry point)."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # the process ended while it was read
        if ppid == os.getpid() and b"digest.ingest.parse_worker" in cmdline:
            found.add(int(stat.parent.name))
    return found


def test_a_poll_that_parsed_stops_its_idle_parsers_before_judging(sqlite_db):
    host = Host(delay=0.0)
    earlier = _parser_processes()  # other tests' event loops may have left theirs behind

    def ours() -> int:
        return len(_parser_processes() - earlier)

    seen_while_polling: list[int] = []
    judged_with: list[int] = []

    def progress(result: RefreshResult) -> None:
        assert result.status == "ok"
        seen_while_polling.append(ours())

    class CountingTaxonomy:
        """Loads the taxonomy when the judgement starts, noting the parsers alive then."""

        @staticmethod
        def load() -> Taxonomy:
            judged_with.append(ours())
            return Taxonomy.load()

    async def poll() -> None:
        async with Fetcher(allow=[host.allow], timeout=15.0) as fetcher:
            ctx = PipelineContext(
                store=Storage(sqlite_db),
                fetcher=fetcher,
                load_taxonomy=CountingTaxonomy.load,
                clock=lambda: NOW,
            )
            ids = _sources(sqlite_db, host, 4, "feed")
            report = await poll_sources(ctx, ids, progress=progress)
            assert report.judged.judged_items == 4

    try:
        asyncio.run(poll())
    finally:
        host.close()
    assert max(seen_while_polling) >= 1  # the feeds were parsed in worker processes
    assert judged_with == [0]  # and none was left running while the items were judged
    assert ours() == 0
