"""A first run that works (issue 15): `run` polls the sources that were never polled before
anything else, a line per source, and logs each poll cycle at INFO."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from datetime import UTC, datetime

from bot.app import run
from bot.settings import load_settings
from storage.db import Database
from storage.models import Source
from tests.feedserver import FeedServer


async def test_run_polls_never_polled_sources_first_and_logs_the_cycle(
    tmp_path, monkeypatch, capsys
):
    for name in os.environ:
        if name.startswith(("SLACK_", "DISCORD_", "OPENAI_")):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'first.db'}"
    with FeedServer(2, datetime.now(UTC)) as server:
        db = Database(url)
        db.upgrade()
        with db.session() as session:
            for n in range(2):
                session.add(Source(url=server.url(n), name=f"F{n}"))
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("POLICYBRIEF_FETCH_ALLOW", server.allow)
        monkeypatch.setenv("POLICYBRIEF_SEED_SOURCES", "false")
        monkeypatch.setenv("POLICYBRIEF_LOG_LEVEL", "INFO")
        stop = asyncio.Event()
        running = asyncio.create_task(run(load_settings(), stop=stop))
        for _ in range(300):
            await asyncio.sleep(0.1)
            if "poll cycle" in capsys.readouterr().err or running.done():
                break
        # the first poll came before the scheduler's own: each feed was fetched once
        assert server.hits == {"/feed/0.xml": 1, "/feed/1.xml": 1}
        stop.set()
        await asyncio.wait_for(running, 15)
        with db.session() as session:
            polled = [s.last_polled_at for s in session.query(Source).all()]
        db.dispose()
    assert all(polled)


async def test_first_poll_prints_a_line_per_source_and_the_cycle_at_info(
    tmp_path, monkeypatch, capfd
):
    for name in os.environ:
        if name.startswith(("SLACK_", "DISCORD_", "OPENAI_")):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'first.db'}"
    with FeedServer(1, datetime.now(UTC)) as server:
        db = Database(url)
        db.upgrade()
        with db.session() as session:
            session.add(Source(url=server.url(0), name="Good feed"))
            session.add(Source(url=server.url(5), name="Gone feed"))  # 404
        db.dispose()
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("POLICYBRIEF_FETCH_ALLOW", server.allow)
        monkeypatch.setenv("POLICYBRIEF_SEED_SOURCES", "false")
        monkeypatch.setenv("POLICYBRIEF_LOG_LEVEL", "INFO")  # the console's default is WARNING
        # whatever level an earlier test in this worker left on our loggers, this run's INFO
        # lines must reach the handler run() installs
        for name in ("policybrief", "policybrief.app", "policybrief.scheduler"):
            monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
            monkeypatch.setattr(logging.getLogger(name), "disabled", False)
        stop = asyncio.Event()
        running = asyncio.create_task(run(load_settings(), stop=stop))
        out = err = ""
        for _ in range(600):  # up to a minute: a loaded machine starts slowly
            await asyncio.sleep(0.1)
            got = capfd.readouterr()
            out, err = out + got.out, err + got.err
            if "poll cycle" in err or running.done():
                break
        stop.set()
        await asyncio.wait_for(running, 15)
    assert re.search(r"^\[\d/2\] Good feed: \d+ new, 0 updated items$", out, re.M), out
    assert re.search(r"^\[\d/2\] Gone feed: failed: .*404", out, re.M), out
    assert "first poll: 2 sources never polled" in err
    assert "poll cycle: 2 sources polled, " in err and ", 1 failed" in err
