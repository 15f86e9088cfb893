"""The secret canary: keys, tokens, user ids and watch queries never reach a prompt or a log."""

from __future__ import annotations

import logging

from bot.settings import load_settings
from digest.writing.llm import LlmSummarizer, build_client
from digest.writing.llm_summaries import LlmSummaryProvider, SummaryQueue, SummaryWorker
from storage.models import Subscription, Watch
from storage.store import Storage
from tests.fake_openai import Reply, fake_openai
from tests.llmkit import (  # noqa: F401  (_pg_worker_db: our own PostgreSQL schema)
    ExtractiveProvider,
    _pg_worker_db,
    add_story,
    brief_document,
    compose_after_summaries,
)

API_KEY = "sk-canary-7f3a9c1e5b2d4f60"
SLACK_TOKEN = "xoxb-canary-1111-2222-abcdef"
USER_ID = "U0CANARY42"
WATCH_QUERY = "zebracanary coupang -crypto"
TEXT = (
    "The European Commission fined a marketplace under the Digital Services Act on Monday. "
    "The platform has two months to appeal the decision."
)


async def test_no_secret_reaches_the_model_or_the_logs(db, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    with fake_openai() as srv:
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
        settings = load_settings()
        assert settings.openai_api_key is not None and settings.llm_enabled
        with db.session() as session:
            session.add(Watch(platform="slack", workspace="T1", user_id=USER_ID, query=WATCH_QUERY))
            session.add(
                Subscription(platform="slack", workspace="T1", channel="C1", created_by=USER_ID)
            )
        ids = [
            add_story(db, "Commission fines marketplace", TEXT),
            add_story(db, "Second regulator acts", TEXT + " A second regulator joined."),
        ]
        client = build_client(
            settings.openai_api_key.get_secret_value(),
            settings.openai_base_url,
            timeout=settings.llm_timeout,
        )
        assert client is not None
        llm = LlmSummarizer(client, settings.llm_model, language=settings.language)
        queue = SummaryQueue()
        worker = SummaryWorker(
            Storage(db), llm, daily_tokens=settings.llm_daily_tokens, queue=queue
        )
        provider = LlmSummaryProvider(ExtractiveProvider(), model=llm.model, queue=queue)
        doc = await compose_after_summaries(worker, lambda: brief_document(db, provider, ids))
        srv.responder = lambda body: Reply(status=500)  # failures log too: check those lines
        await worker.run_pending([add_story(db, "Third story", TEXT + " A third one.")])
        bodies = srv.bodies_snapshot()
        headers = list(srv.headers)

    # two stories, one top line, then the failing call and its one retry
    assert doc.footer == [] and doc.intro.startswith("Regulators moved today.")
    assert len(bodies) == 5
    # The key was really in play: it authenticated every request, in the header only.
    auth = [{k.lower(): v for k, v in h.items()}.get("authorization") for h in headers]
    assert auth == [f"Bearer {API_KEY}"] * len(bodies)
    for body in bodies:
        for secret in (API_KEY, "sk-canary", SLACK_TOKEN, "xoxb-", USER_ID, "zebracanary"):
            assert secret not in body
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    for secret in (API_KEY, SLACK_TOKEN, USER_ID, "zebracanary"):
        assert secret not in logged
