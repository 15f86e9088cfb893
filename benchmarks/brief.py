"""/brief latency on 100,000 stored stories (a SQLite file): p50 and p95 of the handler.

Run: .venv/bin/python benchmarks/brief.py [--stories N] [--runs N] [--db PATH]

Rows are inserted in bulk straight into the tables (sources, stories, items, tags), spread over
the last 30 days. Each case runs the real registry dispatch (parsing, pins, compose_brief with
the cached offline summaries) several times with varying words; the first run of each distinct
query also makes and caches its summaries, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digest.judgement.classify import Taxonomy  # noqa: E402
from digest.writing.summarize import ExtractiveSummarizer  # noqa: E402
from handlers.all import build_registry  # noqa: E402
from handlers.base import Invocation, Role  # noqa: E402
from handlers.context import Services  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.store import Storage  # noqa: E402
from storage.tables import ITEMS, SOURCES, STORIES, STORY_TAGS  # noqa: E402

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
NAMES = ["coupang", "meta", "tiktok", "temu", "openai", "google", "ofcom", "edpb", "cnil", "kftc"]
FILLER = [
    "the",
    "regulator",
    "said",
    "on",
    "monday",
    "that",
    "the",
    "new",
    "rules",
    "would",
    "apply",
    "to",
    "large",
    "online",
    "platforms",
    "from",
    "next",
    "year",
    "after",
    "a",
    "consultation",
    "with",
    "industry",
    "and",
    "civil",
    "society",
    "groups",
]


def populate(db: Database, n: int, taxonomy: Taxonomy, rng: random.Random) -> None:
    topics, juris = list(taxonomy.topics), list(taxonomy.jurisdictions)
    with db.engine.begin() as conn:
        conn.execute(
            SOURCES.insert(),
            [
                {
                    "url": f"https://s{i}.example/feed",
                    "name": f"Source {i}",
                    "official": i % 5 == 0,
                    "enabled": True,
                    "interval_minutes": 15,
                    "consecutive_failures": 0,
                    "created_at": NOW,
                }
                for i in range(1, 41)
            ],
        )
        batch = 5000
        for start in range(1, n + 1, batch):
            stories, items, tags = [], [], []
            for sid in range(start, min(start + batch, n + 1)):
                when = NOW - timedelta(seconds=rng.randint(0, 30 * 86400))
                name = rng.choice(NAMES)
                headline = f"{name.title()} story {sid} about {rng.choice(FILLER)} rules"
                body = " ".join(rng.choice(FILLER) for _ in range(60)) + f" {name}."
                stories.append(
                    {
                        "id": sid,
                        "headline": headline,
                        "first_seen_at": when,
                        "last_seen_at": when,
                        "item_count": 1,
                        "source_count": 1,
                        "official": False,
                        "content_hash": f"h{sid}",
                        "relevance_reasons": "",
                    }
                )
                items.append(
                    {
                        "id": sid,
                        "source_id": rng.randint(1, 40),
                        "entry_key": f"e{sid}",
                        "url": f"https://news.example/{sid}",
                        "title": headline,
                        "text": body,
                        "published_at": when,
                        "fetched_at": when,
                        "updated_at": when,
                        "content_hash": f"h{sid}",
                        "story_id": sid,
                    }
                )
                for slug in rng.sample(topics, rng.randint(1, 2)):
                    tags.append({"story_id": sid, "kind": "topic", "slug": slug})
                for slug in rng.sample(juris, 1):
                    tags.append({"story_id": sid, "kind": "jurisdiction", "slug": slug})
            conn.execute(STORIES.insert(), stories)
            conn.execute(ITEMS.insert(), items)
            conn.execute(STORY_TAGS.insert(), tags)


def measure(services: Services, lines: list[str], runs: int, command: str = "brief") -> list[float]:
    """Milliseconds per dispatch, as an adapter awaits it (the handler in a worker thread)."""
    registry = build_registry()

    async def timed() -> list[float]:
        out = []
        for i in range(runs):
            line = lines[i % len(lines)]
            inv = Invocation("slack", "T1", "C1", "U1", Role.MEMBER, command, line)
            t0 = time.perf_counter()
            reply = await registry.dispatch(services, inv)
            out.append((time.perf_counter() - t0) * 1000)
            assert reply.document.kind in ("brief", "notice", "list"), reply.document.title
        return out

    return asyncio.run(timed())


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stories", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temp dir)")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "brief-bench.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    taxonomy = Taxonomy.load()
    t0 = time.perf_counter()
    populate(db, args.stories, taxonomy, rng)
    print(f"inserted {args.stories:,} stories in {time.perf_counter() - t0:.1f} s ({path})")
    services = Services(
        store=Storage(db), taxonomy=taxonomy, summarizer=ExtractiveSummarizer(), clock=lambda: NOW
    )
    topics = list(taxonomy.topics)
    juris = [j for j in taxonomy.jurisdictions]
    cases = {
        "topic": topics,
        "jurisdiction": juris,
        "free word": NAMES,
        "topic + jurisdiction": [f"{j} {t}" for j, t in zip(juris, topics, strict=False)],
        "free word since:7d": [f"{w} since:7d" for w in NAMES],
        # the query language's other forms
        "a OR b": [f"{a} OR {b}" for a, b in zip(NAMES, NAMES[1:], strict=False)],
        "word -topic": [f"{w} -{t}" for w, t in zip(NAMES, topics, strict=False)],
        '"phrase" since:30d': [f'"{w} story" since:30d' for w in NAMES],
        "site: limit:20 page:2": [f"site:news.example {w} limit:20 page:2" for w in NAMES],
    }
    print(f"{'case':24} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for name, lines in cases.items():
        measure(services, lines, len(lines))  # first runs make and cache the summaries
        times = measure(services, lines, args.runs)
        p95 = pct(times, 95)
        if name in ("topic", "jurisdiction", "free word"):
            worst = max(worst, p95)
        print(f"{name:24} {len(times):5} {pct(times, 50):8.1f} {p95:8.1f} {max(times):8.1f}")
    # not part of the /brief target: /watch test scans 30 days, prefiltered in SQL
    lines = [f"test {w} rules" for w in NAMES]
    measure(services, lines, 2, "watch")
    times = measure(services, lines, 20, "watch")
    name = "/watch test <word> rules"
    print(f"{name:24} {len(times):5} {pct(times, 50):8.1f} {pct(times, 95):8.1f} {max(times):8.1f}")
    verdict = "MET" if worst < 50 else "NOT MET"
    print(f"target p95 < 50 ms (topic, jurisdiction, free word): {verdict}")
    db.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
