"""The daily token budget: counted from the server's usage figures, stored, survives restarts."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from digest.writing.llm_summaries import (
    EXTRACTIVE_NOTE,
    LlmSummaryProvider,
    SummaryQueue,
    SummaryWorker,
)
from storage.db import Database
from storage.store import Storage
from tests.fake_openai import fake_openai
from tests.llmkit import (  # noqa: F401  (_pg_worker_db: our own PostgreSQL schema)
    NOW,
    ExtractiveProvider,
    _pg_worker_db,
    add_story,
    make_llm,
    render_brief,
    story_texts,
)

TEXT = (
    "The European Commission opened proceedings against a marketplace under the Digital "
    "Services Act on Monday. It suspects the platform of failing to protect minors."
)
MODEL_SUMMARY = "Regulators announced a new measure. It matters for platforms."
DAY = date(2026, 11, 28)


def test_add_usage_accumulates_per_day(db):
    usage = Storage(db).usage
    assert usage.tokens_used(DAY) == 0
    assert usage.add(DAY, 120) == 120
    assert usage.add(DAY, 80) == 200
    usage.add(DAY + timedelta(days=1), 5)
    assert usage.tokens_used(DAY) == 200
    assert usage.calls_made(DAY) == 2
    assert usage.tokens_used(DAY + timedelta(days=1)) == 5


def test_add_usage_is_atomic_under_concurrency(db):
    usage = Storage(db).usage

    def worker() -> None:
        for _ in range(10):
            usage.add(DAY, 3)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert usage.tokens_used(DAY) == 6 * 10 * 3
    assert usage.calls_made(DAY) == 60


async def test_budget_counts_reported_usage_and_switches_to_extractive(db):
    with fake_openai() as srv:
        llm = make_llm(srv.base_url)
        a = add_story(db, "Commission opens proceedings", TEXT)
        b = add_story(db, "Second story", TEXT + " A second regulator joined on Monday.")
        c = add_story(db, "Third story", TEXT + " A third regulator joined on Monday.")
        # Room for exactly one call: the estimate of a second one does not fit.
        texts = story_texts(db, [a, b, c])
        budget = llm.estimate_story_tokens(texts[a]) + 10
        queue = SummaryQueue()
        worker = SummaryWorker(
            Storage(db), llm, concurrency=1, daily_tokens=budget, queue=queue, clock=lambda: NOW
        )
        provider = LlmSummaryProvider(ExtractiveProvider(), model=llm.model, queue=queue)
        stats = await worker.run_pending([a, b, c])
        assert (stats.summarised, stats.skipped_budget, srv.calls) == (1, 2, 1)
        # the figure the server reported, not an estimate
        assert Storage(db).usage.tokens_used(NOW.date()) == srv.reported_tokens > 0
        text = render_brief(db, provider, [a, b, c])
        assert MODEL_SUMMARY in text  # the one made before the budget ran out is kept
        assert text.splitlines()[-1] == EXTRACTIVE_NOTE
        again = await worker.run_pending([b, c])
        assert again.skipped_budget == 2 and srv.calls == 1
        # The next UTC day has a fresh budget.
        tomorrow = SummaryWorker(
            Storage(db),
            llm,
            concurrency=1,
            daily_tokens=budget,
            clock=lambda: NOW + timedelta(days=1),
        )
        assert (await tomorrow.run_pending([b])).summarised == 1


async def test_spent_budget_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = Database(url)
    first.upgrade()
    with fake_openai() as srv:
        sid = add_story(first, "Commission opens proceedings", TEXT)
        other = add_story(first, "Second story", TEXT + " Another regulator joined on Monday.")
        llm = make_llm(srv.base_url)
        worker = SummaryWorker(Storage(first), llm, daily_tokens=100_000, clock=lambda: NOW)
        await worker.run_pending([sid])
        spent = Storage(first).usage.tokens_used(NOW.date())
        assert spent > 0
        first.dispose()

        # A new process: new Database object on the same file, budget just under what was spent.
        second = Database(url)
        assert Storage(second).usage.tokens_used(NOW.date()) == spent
        restarted = SummaryWorker(Storage(second), llm, daily_tokens=spent, clock=lambda: NOW)
        stats = await restarted.run_pending([other])
        assert stats.skipped_budget == 1 and srv.calls == 1
        provider = LlmSummaryProvider(ExtractiveProvider(), model=llm.model)
        assert EXTRACTIVE_NOTE in render_brief(second, provider, [other])
        second.dispose()
