"""Digest benchmark: 1,000 channel subscriptions due at once over 50,000 stored stories.

Bulk-inserts 50,000 stories (one item each, tagged, spread over 30 days) and 1,000 subscriptions
(a mix of topic and jurisdiction choices; one channel in ten has a pinned story), then times:
  1. the digest step (`run_due_digests`, the real `compose_digest`, extractive summaries):
     every digest composed and written to the outbox;
  2. the outbox drained through `bot.delivery.Outbox` into a local fake publisher (no pacing):
     sends per second.
On SQLite, and on PostgreSQL too when POLICYBRIEF_TEST_POSTGRES_URL is set (own schema).
Recipient (issue 8): all composed and queued in under 10 s on each. The CPU of the compose step
(this process, and the PostgreSQL server's for its connections when it runs on this machine) is
printed too: a loaded machine stretches wall time, not CPU time.
Run: .venv/bin/python benchmarks/digest.py [--stories 50000] [--subs 1000] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpuclock import CpuClock  # noqa: E402
from pgschema import own_schema  # noqa: E402

from bot.delivery import DeliveryConfig, Outbox  # noqa: E402
from bot.publisher import Recipient, Sent  # noqa: E402
from core.document import Document  # noqa: E402
from digest.composition.compose import compose_digest  # noqa: E402
from digest.composition.digests import run_due_digests  # noqa: E402
from digest.judgement.classify import Taxonomy  # noqa: E402
from digest.writing.provider import SummaryProvider  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Item, Pin, Source, Story, StoryTag, Subscription  # noqa: E402
from storage.store import Storage  # noqa: E402

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
TOPICS = [
    "ai-governance",
    "child-safety",
    "cybersecurity",
    "data-protection",
    "disinformation",
    "online-platforms",
    "competition",
    "crypto-assets",
    "cybercrime",
    "digital-identity",
]
PLACES = ["eu", "uk", "us", "au", "kr", "jp", "in", "br", "ca", "intl"]
WORDS = [
    "regulator",
    "fines",
    "platform",
    "consultation",
    "opens",
    "guidance",
    "published",
    "parliament",
    "adopts",
    "rules",
    "commission",
    "proposes",
    "framework",
    "court",
    "rules",
    "authority",
    "warns",
    "companies",
    "report",
    "breach",
    "audit",
    "minister",
    "announces",
    "strategy",
    "agency",
    "launches",
    "inquiry",
    "lawmakers",
    "debate",
    "bill",
    "watchdog",
    "orders",
]


class FakePublisher:
    """Records posts in memory; a repeated key returns the first message id (Discord's nonce)."""

    platform = "slack"

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}

    async def send(self, target: Recipient, document: Document, *, key: str) -> Sent:
        message_id = self.sent.setdefault(key, f"m{len(self.sent) + 1}")
        return Sent(message_id, target.id)

    async def pin(self, channel_id: str, message_id: str) -> None:
        return None


@dataclass
class Figures:
    backend: str
    insert_s: float
    compose_s: float
    compose_cpu_s: float
    queued: int
    compositions: int
    drain_s: float
    sent: int

    def show(self) -> None:
        verdict = "OK" if self.compose_s < 10 else "OVER TARGET"
        print(f"[{self.backend}] bulk insert: {self.insert_s:.1f} s")
        print(
            f"[{self.backend}] compose + queue {self.queued} digests: {self.compose_s:.2f} s "
            f"({self.queued / self.compose_s:.0f}/s; {self.compositions} distinct compositions; "
            f"CPU {self.compose_cpu_s:.2f} s) -> target < 10 s: {verdict}"
        )
        print(
            f"[{self.backend}] outbox: {self.sent} sends in {self.drain_s:.2f} s = "
            f"{self.sent / self.drain_s:.0f} sends/s"
        )


def populate(db: Database, n_stories: int, n_subs: int, seed: int) -> None:
    """Bulk insert sources, stories, items, tags, subscriptions and a few pins."""
    rng = random.Random(seed)
    with db.engine.begin() as conn:
        conn.execute(
            Source.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "url": f"https://feeds.example.org/{i}.xml",
                    "name": f"Source {i}",
                    "official": i % 10 == 0,
                    "enabled": True,
                    "interval_minutes": 15,
                    "consecutive_failures": 0,
                    "created_at": NOW,
                }
                for i in range(1, 201)
            ],
        )
        stories, items, tags = [], [], []
        for sid in range(1, n_stories + 1):
            seen = NOW - timedelta(seconds=rng.uniform(0, 30 * 86400))
            headline = " ".join(rng.choices(WORDS, k=8)).capitalize() + f" ({sid})"
            body = " ".join(rng.choices(WORDS, k=60)) + "."
            stories.append(
                {
                    "id": sid,
                    "headline": headline,
                    "first_seen_at": seen,
                    "last_seen_at": seen,
                    "item_count": 1,
                    "source_count": 1,
                    "official": sid % 10 == 0,
                    "content_hash": f"h{sid}",
                    "relevance_reasons": "",
                }
            )
            items.append(
                {
                    "source_id": rng.randint(1, 200),
                    "entry_key": f"e{sid}",
                    "url": f"https://news.example.org/{sid}",
                    "title": headline,
                    "text": f"{headline}. {body} {body}",
                    "published_at": seen,
                    "fetched_at": seen,
                    "updated_at": seen,
                    "content_hash": f"h{sid}",
                    "story_id": sid,
                }
            )
            for slug in rng.sample(TOPICS, rng.randint(1, 2)):
                tags.append({"story_id": sid, "kind": "topic", "slug": slug})
            tags.append({"story_id": sid, "kind": "jurisdiction", "slug": rng.choice(PLACES)})
        for table, rows in ((Story, stories), (Item, items), (StoryTag, tags)):
            for start in range(0, len(rows), 5000):
                conn.execute(table.__table__.insert(), rows[start : start + 5000])  # type: ignore[union-attr]
        if not db.is_sqlite:
            conn.exec_driver_sql(f"SELECT setval('stories_id_seq', {int(n_stories)})")
        subs, pins = [], []
        for i in range(n_subs):
            choice = [
                [],
                [rng.choice(TOPICS)],
                [rng.choice(TOPICS), rng.choice(PLACES)],
                [rng.choice(PLACES)],
            ][i % 4]
            subs.append(
                {
                    "platform": "slack",
                    "workspace": "T1",
                    "channel": f"C{i:05d}",
                    "local_time": "08:00",
                    "timezone": "UTC",
                    "topics": " ".join(choice),
                    "query": "",
                    "enabled": True,
                    "post_quiet_days": True,
                    "next_due_at": NOW,
                    "last_digest_at": NOW - timedelta(hours=24),
                    "created_at": NOW,
                }
            )
            if i % 10 == 0:
                pins.append(
                    {
                        "platform": "slack",
                        "workspace": "T1",
                        "channel": f"C{i:05d}",
                        "story_id": rng.randint(1, n_stories),
                        "pinned_by": "U1",
                        "pinned_at": NOW - timedelta(hours=2),
                        "expires_at": NOW + timedelta(days=7),
                    }
                )
        conn.execute(Subscription.__table__.insert(), subs)  # type: ignore[attr-defined]
        conn.execute(Pin.__table__.insert(), pins)  # type: ignore[attr-defined]
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def bench(db: Database, backend: str, n_stories: int, n_subs: int, seed: int) -> Figures:
    clock = CpuClock(db)
    db.upgrade()
    t0 = time.perf_counter()
    populate(db, n_stories, n_subs, seed)
    insert_s = time.perf_counter() - t0

    taxonomy = Taxonomy.load()
    provider = SummaryProvider()
    store = Storage(db)
    calls = 0

    def counting_compose(**kwargs: Any) -> Document | None:
        nonlocal calls
        calls += 1
        return compose_digest(store, taxonomy, provider, **kwargs)

    t0, cpu0 = time.perf_counter(), clock.seconds()
    report = asyncio.run(run_due_digests(store, counting_compose, now=NOW))
    compose_s, compose_cpu_s = time.perf_counter() - t0, clock.seconds() - cpu0
    with db.engine.begin() as conn:
        queued = conn.exec_driver_sql("SELECT count(*) FROM deliveries").scalar_one()
    errors = [o.note for o in report.outcomes if o.action == "error"][:3]
    assert queued == n_subs, (queued, report.summary(), errors)

    publisher = FakePublisher()
    outbox = Outbox(
        store,
        {"slack": publisher},
        clock=lambda: NOW,
        config=DeliveryConfig(channel_interval=0, batch=100, concurrency=16),
    )
    t0 = time.perf_counter()
    drained = asyncio.run(outbox.drain())
    drain_s = time.perf_counter() - t0
    assert drained.sent == n_subs == len(publisher.sent)
    return Figures(
        backend, insert_s, compose_s, compose_cpu_s, queued, calls, drain_s, drained.sent
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--subs", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"{args.subs} subscriptions due at once over {args.stories} stories")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        figures = [bench(db, "sqlite", args.stories, args.subs, args.seed)]
        db.dispose()
    pg = None if args.sqlite_only else own_schema("pb_bench_digest")
    if pg is not None:
        figures.append(bench(pg, "postgresql", args.stories, args.subs, args.seed))
        pg.dispose()
    else:
        print("(PostgreSQL skipped: set POLICYBRIEF_TEST_POSTGRES_URL to include it)")
    for f in figures:
        f.show()
    if any(f.compose_s >= 10 for f in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
