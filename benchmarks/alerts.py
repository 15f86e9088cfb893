"""Alerts benchmark: 10,000 watches, one poll cycle that found 500 new stories, every message
sent to a fake Slack.

Bulk-inserts 500 fresh stories (one item each, from sources added long before) and 10,000
watches of 2,000 people (five each, one or two words from the stories' vocabulary, a tenth of
them daily), then times, on SQLite:
  1. the alerts hook as a poll runs it (`alerts_hook`: match, decide, queue in the outbox);
  2. the outbox drained with the real Slack publisher (conversations.open + chat.postMessage)
     to a fake Slack Web API in its own process (tests/fake_slack.py), no pacing.
Checks that nobody got more than one instant message, and prints the figures.
Target (issue 16): everything sent within 30 s, at most one message per person.
Run: .venv/bin/python benchmarks/alerts.py [--watches 10000] [--people 2000] [--stories 500]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.delivery import DeliveryConfig, Outbox  # noqa: E402
from bot.slack.installation import SingleTokenClients  # noqa: E402
from bot.slack.publisher import ChannelPacer, SlackPublisher, make_client  # noqa: E402
from core.clock import utcnow  # noqa: E402
from core.ingest import JudgeResult  # noqa: E402
from digest.composition.alerts import alerts_hook  # noqa: E402
from digest.composition.cards import Cards  # noqa: E402
from digest.ingest.pipeline import PollReport  # noqa: E402
from digest.judgement.classify import Taxonomy  # noqa: E402
from digest.writing.provider import SummaryProvider  # noqa: E402
from digest.writing.summarize import ExtractiveSummarizer  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Item, Source, Story, Watch  # noqa: E402
from storage.store import Storage  # noqa: E402

TARGET_S = 30.0


def vocabulary(n: int, rng: random.Random) -> list[str]:
    """Distinct made-up names (companies, acts, places) that watches look for."""
    cons, vows = "bcdfghjklmnprstvz", "aeiou"
    seen: set[str] = set()
    while len(seen) < n:
        seen.add("".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(3, 4))))
    return sorted(seen)


def populate(db: Database, now: datetime, args: argparse.Namespace) -> list[int]:
    rng = random.Random(args.seed)
    vocab = vocabulary(3000, rng)
    added = now - timedelta(days=30)
    with db.engine.begin() as conn:
        conn.execute(
            Source.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "url": f"https://feeds.example.org/{i}.xml",
                    "name": f"Wire {i}",
                    "created_at": added,
                }
                for i in range(1, 21)
            ],
        )
        stories, items = [], []
        for sid in range(1, args.stories + 1):
            published = now - timedelta(minutes=rng.uniform(1, 30))
            names = rng.sample(vocab, 12)
            headline = f"{names[0].capitalize()} and {names[1].capitalize()} face new rules ({sid})"
            body = " ".join(names[2:] + ["regulator", "fines", "platform", "consultation"]) + "."
            stories.append(
                {
                    "id": sid,
                    "headline": headline,
                    "first_seen_at": published,
                    "last_seen_at": published,
                    "content_hash": f"h{sid}",
                    "relevance_reasons": "",
                }
            )
            items.append(
                {
                    "source_id": rng.randint(1, 20),
                    "entry_key": f"e{sid}",
                    "url": f"https://news.example.org/{sid}",
                    "title": headline,
                    "text": f"{headline}. {body}",
                    "published_at": published,
                    "fetched_at": now,
                    "updated_at": now,
                    "content_hash": f"h{sid}",
                    "story_id": sid,
                    "pending": False,
                }
            )
        conn.execute(Story.__table__.insert(), stories)  # type: ignore[attr-defined]
        conn.execute(Item.__table__.insert(), items)  # type: ignore[attr-defined]
        saved = now - timedelta(days=2)
        watches = []
        for w in range(args.watches):
            words = rng.sample(vocab, 1 if rng.random() < 0.6 else 2)
            watches.append(
                {
                    "platform": "slack",
                    "workspace": "T0001",
                    "user_id": f"U{w % args.people:05d}",
                    "query": " ".join(words),
                    "mode": "daily" if w % 10 == 0 else "instant",
                    "active": True,
                    "paused": False,
                    "created_at": saved,
                }
            )
        for start in range(0, len(watches), 5000):
            conn.execute(Watch.__table__.insert(), watches[start : start + 5000])  # type: ignore[attr-defined]
    return list(range(1, args.stories + 1))


def start_fake_slack(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = tmp / "slack.port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_slack", "--port-file", str(port_file)], cwd=ROOT
    )
    deadline = time.monotonic() + 30
    while not (port_file.exists() and port_file.read_text()):
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the fake Slack did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port_file.read_text()}/api/"


async def send_all(store: Storage, api_url: str, now: datetime) -> int:
    client = make_client("xoxb-bench", base_url=api_url, posting=True)
    publisher = SlackPublisher(SingleTokenClients(client), pacer=ChannelPacer(interval=0))
    outbox = Outbox(
        store,
        {"slack": publisher},
        clock=lambda: now,
        config=DeliveryConfig(channel_interval=0, concurrency=32, batch=200),
    )
    report = await outbox.drain()
    await outbox.close()
    return report.sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--stories", type=int, default=500)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    now = utcnow()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        db = Database(f"sqlite:///{tmp / 'alerts.db'}")
        db.upgrade()
        started = time.perf_counter()
        story_ids = populate(db, now, args)
        print(f"bulk insert: {time.perf_counter() - started:.1f} s")
        store = Storage(db)
        cards = Cards(store, Taxonomy.load(), SummaryProvider(ExtractiveSummarizer()))
        hook = alerts_hook(store, cards.read, clock=lambda: now)
        report = PollReport(judged=JudgeResult(new_story_ids=tuple(story_ids)))
        fake, api_url = start_fake_slack(tmp)
        try:
            t0 = time.perf_counter()
            queued = hook.run(report)
            t1 = time.perf_counter()
            sent = asyncio.run(send_all(store, api_url, now))
            t2 = time.perf_counter()
        finally:
            fake.terminate()
            fake.wait(10)
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT target, idempotency_key, status FROM deliveries WHERE kind = 'alert'"
            ).all()
        db.dispose()
    now_sent = Counter(t for t, key, _ in rows if not key.startswith("alert-daily:"))
    rollups = sum(1 for _, key, _ in rows if key.startswith("alert-daily:"))
    most = max(now_sent.values(), default=0)
    per_person = list(now_sent.items())
    total = t2 - t0
    ok = total < TARGET_S and most <= 1
    print(
        f"alerts hook: {args.watches:,} watches of {args.people:,} people x {args.stories} new "
        f"stories -> {queued:,} messages queued in {t1 - t0:.2f} s "
        f"({len(per_person):,} people now, {rollups:,} daily roll-ups for later)"
    )
    print(
        f"sent to the fake Slack: {sent:,} messages in {t2 - t1:.2f} s ({sent / (t2 - t1):.0f}/s)"
    )
    print(
        f"poll cycle to last message: {total:.2f} s, at most {most} message per person "
        f"-> target < {TARGET_S:.0f} s and <= 1 per person: {'OK' if ok else 'OVER TARGET'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
