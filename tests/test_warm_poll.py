"""A warm poll (issue 19): `policybrief poll` loads and builds only what polling needs, the
fetcher keeps a small pool per host with idle connections bounded, and a poll with nothing
queued builds no outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import QueuedSends, build_components, send_if_no_bot
from bot.settings import load_settings
from core.document import Document
from core.outbox import NewDelivery
from digest.ingest.fetch import Fetcher
from storage.db import Database
from storage.store import Storage
from tests.fetchkit import FEED, LocalServer, Request, respond
from tests.test_startup import run_probe, serve_unchanged

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

# The real console script's entry point in a fresh interpreter, counting taxonomy loads.
PROBE = """
import json, sys
from digest.judgement.classify import Taxonomy
loads = []
real_load = Taxonomy.load.__func__
Taxonomy.load = classmethod(lambda cls, *a, **k: loads.append(1) or real_load(cls, *a, **k))
from bot.cli import app
try:
    app(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
else:
    code = 0
facts = {"code": code, "modules": sorted(sys.modules), "taxonomy": len(loads)}
print("\\nLOADED " + json.dumps(facts))
"""

# what a poll of unchanged feeds needs none of
NOT_FOR_A_WARM_POLL = (
    "handlers",  # chat commands
    "bot.delivery",
    "bot.scheduler",
    "bot.console",
    "prometheus_client",
    "apscheduler",
    "digest.composition",
    "digest.writing",
)


def test_a_warm_poll_builds_no_chat_commands_delivery_or_taxonomy(tmp_path: Path) -> None:
    server, port = serve_unchanged(tmp_path / "start.db", 3)
    try:
        facts, output = run_probe(
            tmp_path, PROBE, ["poll", "--all"], POLICYBRIEF_FETCH_ALLOW=f"127.0.0.1:{port}"
        )
    finally:
        server.shutdown()
    assert facts["code"] == 0, output
    assert "Polled 3 sources: 0 new items, 0 failed." in output
    loaded = facts["modules"]
    assert [m for m in loaded if m.startswith(NOT_FOR_A_WARM_POLL)] == []
    assert facts["taxonomy"] == 0  # nothing was classified, so it was never read


def test_the_taxonomy_is_read_when_first_used(tmp_path: Path) -> None:
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path / 'lazy.db'}",
        POLICYBRIEF_SEED_SOURCES=False,
    )
    comps = build_components(settings)
    try:
        eu = comps.taxonomy.lookup("European Union")
        assert eu is not None and eu.slug == "eu"
        assert "child-safety" in comps.taxonomy.topics
        assert comps.services.taxonomy is comps.taxonomy
    finally:
        asyncio.run(comps.aclose())


def _alert(platform: str, workspace: str) -> NewDelivery:
    return NewDelivery(
        key=f"{platform}-{workspace}-alert",
        kind="alert",
        platform=platform,
        workspace=workspace,
        target="U1",
        payload=Document.notice("Watch alert", f"news for {workspace}").to_json(),
        next_attempt_at=NOW - timedelta(minutes=1),
        direct=True,
    )


def test_deliveries_due_answers_as_a_claim_would_without_claiming(db: Database) -> None:
    store = Storage(db)
    assert store.claims.deliveries_due(NOW, platforms=["console"]) is False
    store.outbox.enqueue(_alert("slack", "T1"))
    assert store.claims.deliveries_due(NOW, platforms=["console"]) is False
    assert store.claims.deliveries_due(NOW - timedelta(hours=1), platforms=["slack"]) is False
    assert store.claims.deliveries_due(NOW, platforms=["slack"]) is True
    assert store.claims.deliveries_due(NOW) is True
    assert [r.workspace for r in store.claims.claim_deliveries("me", NOW)] == ["T1"]  # untouched
    store.claims.release_deliveries("me")
    store.tenants.leave("slack", "T1", NOW, timedelta(days=30))
    store.outbox.enqueue(_alert("slack", "T1"))
    assert store.claims.deliveries_due(NOW, platforms=["slack"]) is False  # it removed us


def test_a_poll_with_nothing_queued_sends_nothing_and_one_with_alerts_sends_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path / 'sends.db'}",
        POLICYBRIEF_SEED_SOURCES=False,
    )
    comps = build_components(settings, clock=lambda: NOW)

    async def go() -> tuple[QueuedSends, QueuedSends]:
        try:
            nothing = await send_if_no_bot(comps)
            comps.store.outbox.enqueue(_alert("console", "local"))
            queued = await send_if_no_bot(comps)
            return nothing, queued
        finally:
            await comps.aclose()

    nothing, queued = asyncio.run(go())
    assert nothing == QueuedSends("poll", 0, 0)
    assert queued == QueuedSends("poll", 1, 0)
    assert "news for local" in capsys.readouterr().out


# ------------------------------------------------------------------ the fetcher's pools


async def _serve(n: int) -> list[LocalServer]:
    async def unchanged(req: Request, w: asyncio.StreamWriter) -> None:
        if req.headers.get("if-none-match") == '"v1"':
            await respond(w, 304, b"", {"ETag": '"v1"'})
        else:
            await respond(w, 200, FEED, {"ETag": '"v1"'})

    return [await LocalServer({"/feed": unchanged}).start() for _ in range(n)]


async def _settled(check: Callable[[], bool], timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check() and loop.time() < deadline:
        await asyncio.sleep(0.01)


async def test_idle_connections_stay_bounded_across_many_hosts() -> None:
    # 4 requests at once at most: the 4 hosts used last keep their connections, older ones close
    servers = await _serve(6)
    try:
        async with Fetcher(allow=[s.hostport for s in servers], max_connections=4) as f:
            for s in servers:
                assert (await f.fetch(f"{s.base}/feed", etag='"v1"')).not_modified
            await _settled(lambda: servers[0].open_now == 0 and servers[1].open_now == 0)
            assert [s.open_now for s in servers] == [0, 0, 1, 1, 1, 1]
            again = await f.fetch(f"{servers[5].base}/feed", etag='"v1"')
            assert again.not_modified and servers[5].connections == 1  # still kept alive
            first = await f.fetch(f"{servers[0].base}/feed", etag='"v1"')
            assert first.not_modified and servers[0].connections == 2  # a new connection
    finally:
        for s in servers:
            await s.stop()


async def test_many_hosts_at_once_get_two_connections_each() -> None:
    async def slow(req: Request, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.05)
        await respond(w, 200, FEED)

    servers = [await LocalServer({f"/f{i}": slow for i in range(6)}).start() for _ in range(5)]
    try:
        async with Fetcher(allow=[s.hostport for s in servers]) as f:
            urls = [f"{s.base}/f{i}" for s in servers for i in range(6)]
            results = await asyncio.gather(*(f.fetch(u) for u in urls))
        assert all(r.body == FEED for r in results)
        assert [s.max_open for s in servers] == [2] * 5
    finally:
        for s in servers:
            await s.stop()
