"""Summary cost benchmark: 500 stories through the real openai client and a local fake server.

Prints the calls made on a first pass (target: 1 per story), the prompt tokens sent per story
(the fake counts characters / 4, as tests/fake_openai.py does), the cache hit rate of a second
pass over the same stories (target: 100%, zero calls), and the extractive summarizer's
stories/s (target: over 200/s).

    .venv/bin/python benchmarks/summarize.py [--stories 500] [--concurrency 4] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.writing.llm import LlmSummarizer, build_client  # noqa: E402
from digest.writing.llm_summaries import LlmSummaryProvider, SummaryWorker  # noqa: E402
from digest.writing.provider import SummaryProvider  # noqa: E402
from digest.writing.summarize import ExtractiveSummarizer  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.store import Storage  # noqa: E402
from tests.fake_openai import fake_openai, prompt_tokens  # noqa: E402
from tests.llmkit import NOW, add_story  # noqa: E402

_WORDS = [
    "commission", "regulator", "platform", "minors", "online", "safety", "data", "protection",
    "authority", "fine", "decision", "consultation", "guidance", "transparency", "algorithm",
    "marketplace", "competition", "cyber", "incident", "report", "children", "privacy",
    "enforcement", "member", "states", "parliament", "council", "proposal", "obligations", "audit",
]  # fmt: skip
_AGENCIES = ["European Commission", "Ofcom", "CNIL", "the FTC", "KFTC", "eSafety Commissioner"]


def _sentence(rng: random.Random) -> str:
    words = rng.sample(_WORDS, 9)
    return f"{rng.choice(_AGENCIES)} said the {' '.join(words)} on {rng.randint(1, 28)} March."


def _article(rng: random.Random, n: int) -> tuple[str, str]:
    title = f"{rng.choice(_AGENCIES)} acts on {rng.choice(_WORDS)} ({n})"
    text = " ".join(_sentence(rng) for _ in range(rng.randint(6, 14)))
    return title, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        store = Storage(db)
        ids = [add_story(db, *_article(rng, n)) for n in range(args.stories)]
        with fake_openai() as srv:
            client = build_client("sk-bench", srv.base_url, timeout=30, max_retries=1)
            assert client is not None
            llm = LlmSummarizer(client, "fake-model")
            worker = SummaryWorker(
                store, llm, concurrency=args.concurrency, daily_tokens=10**9, clock=lambda: NOW
            )
            start = time.perf_counter()
            first = asyncio.run(worker.run_pending(ids))
            first_s = time.perf_counter() - start
            first_calls = srv.calls
            per_story = [prompt_tokens(body) for body in srv.requests()]
            second = asyncio.run(worker.run_pending(ids))
            second_calls = srv.calls - first_calls
            # The read side: a /brief from 100 channels over the same stories, no calls at all.
            provider = LlmSummaryProvider(SummaryProvider(), model=llm.model, clock=lambda: NOW)
            page = store.stories.read(ids, provider.lookup())
            texts = [view.text() for view in page.chosen()]
            served = provider.summarise(texts, page.cache).by_story
            llm_served = sum(1 for s in served.values() if s.summarizer == "llm")
            read_calls = srv.calls - first_calls - second_calls
        budget_used = store.usage.tokens_used(NOW.date())

        extractive = ExtractiveSummarizer()
        start = time.perf_counter()
        for story in texts:
            extractive.summarize(story)
        ext_s = time.perf_counter() - start
        db.dispose()

    n = args.stories
    hits = second.cached / max(second.requested, 1)
    print(f"stories: {n}, concurrency {args.concurrency}")
    print(
        f"first pass: {first_calls} calls ({first_calls / n:.2f} per story; target 1.00), "
        f"{first.summarised} summarised, {first.rejected} rejected, {first.failed} failed, "
        f"{first_s:.2f}s ({n / first_s:.0f} stories/s through the fake server)"
    )
    print(
        f"prompt tokens per story (chars/4): mean {statistics.mean(per_story):.0f}, "
        f"max {max(per_story)}; tokens counted against the budget: {budget_used} "
        f"({budget_used / n:.0f} per story, prompt + reply)"
    )
    print(
        f"second pass: {second_calls} calls, cache hit rate {hits:.0%} (target 100%); "
        f"read side served {llm_served}/{n} LLM summaries with {read_calls} calls"
    )
    print(
        f"extractive summarizer: {n / ext_s:.0f} stories/s "
        f"({ext_s * 1000 / n:.2f} ms per story; target > 200/s)"
    )
    ok = first_calls == n and second_calls == 0 and hits == 1.0 and n / ext_s > 200
    print("targets met" if ok else "TARGETS MISSED")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
