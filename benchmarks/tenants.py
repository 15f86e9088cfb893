"""/brief latency with tenant scoping: 100,000 stories, 50 workspaces with private sources.

Run: .venv/bin/python benchmarks/tenants.py [--stories N] [--tenants N] [--runs N]

The stories of benchmarks/brief.py (40 catalogue sources) are measured first as they are (no
private source anywhere: the baseline), then after 50 workspaces each add two private sources
that tell 5% of the stories alone and a second report of another 10%, and every fifth workspace
hides a catalogue source. Each /brief runs through the real dispatch as a member of a workspace,
the workspaces in turn. Target: p95 < 50 ms for topic, jurisdiction and free word.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from brief import NAMES, NOW, pct, populate  # noqa: E402

from digest.judgement.classify import Taxonomy  # noqa: E402
from digest.writing.summarize import ExtractiveSummarizer  # noqa: E402
from handlers.all import build_registry  # noqa: E402
from handlers.base import Invocation, Role  # noqa: E402
from handlers.context import Services  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.scope import HIDDEN, OWN, TENANT_SOURCES  # noqa: E402
from storage.store import Storage  # noqa: E402
from storage.tables import ITEMS, SOURCES  # noqa: E402

CATALOGUE = 40  # sources brief.populate makes


def privatise(db: Database, stories: int, tenants: int, rng: random.Random) -> None:
    """Two private sources per workspace; 5% of stories told by one alone, 10% told by one
    too; every fifth workspace hides a catalogue source."""
    first = CATALOGUE + 1
    private = list(range(first, first + 2 * tenants))
    with db.engine.begin() as conn:
        conn.execute(
            SOURCES.insert(),
            [
                {
                    "id": sid,
                    "url": f"https://private{sid}.example/feed",
                    "name": f"Private {sid}",
                    "shared": False,
                    "fetch_key": "",
                    "official": False,
                    "enabled": True,
                    "interval_minutes": 15,
                    "consecutive_failures": 0,
                    "created_at": NOW,
                }
                for sid in private
            ],
        )
        rows = []
        for k in range(tenants):
            for sid in private[2 * k : 2 * k + 2]:
                rows.append(_relation(k, sid, OWN))
            if k % 5 == 0:
                rows.append(_relation(k, rng.randint(1, CATALOGUE), HIDDEN))
        conn.execute(TENANT_SOURCES.insert(), rows)
        alone = rng.sample(range(1, stories + 1), stories // 20)
        for chunk in range(0, len(alone), 1000):
            for sid in alone[chunk : chunk + 1000]:
                conn.execute(
                    ITEMS.update().where(ITEMS.c.id == sid).values(source_id=rng.choice(private))
                )
        also = rng.sample(range(1, stories + 1), stories // 10)
        conn.execute(
            ITEMS.insert(),
            [
                {
                    "source_id": rng.choice(private),
                    "entry_key": f"p{sid}",
                    "url": f"https://private.example/{sid}",
                    "title": f"Private report {sid}",
                    "text": "A private report.",
                    "published_at": NOW,
                    "fetched_at": NOW,
                    "updated_at": NOW,
                    "content_hash": f"p{sid}",
                    "story_id": sid,
                }
                for sid in also
            ],
        )


def _relation(k: int, source_id: int, relation: str) -> dict[str, object]:
    return {
        "source_id": source_id,
        "platform": "slack",
        "workspace": f"T{k}",
        "relation": relation,
        "name": "",
        "added_by": "U1",
        "added_at": NOW,
    }


def measure(services: Services, lines: list[str], runs: int, tenants: int) -> list[float]:
    """Milliseconds per /brief dispatch, the workspaces in turn."""
    registry = build_registry()

    async def timed() -> list[float]:
        out = []
        for i in range(runs):
            workspace = f"T{i % tenants}"
            inv = Invocation("slack", workspace, "C1", "U1", Role.MEMBER, "brief", lines[i % 10])
            t0 = time.perf_counter()
            reply = await registry.dispatch(services, inv)
            out.append((time.perf_counter() - t0) * 1000)
            assert reply.document.kind in ("brief", "notice"), reply.document.title
        return out

    return asyncio.run(timed())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stories", type=int, default=100_000)
    ap.add_argument("--tenants", type=int, default=50)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    db = Database(f"sqlite:///{Path(tmp.name) / 'tenants-bench.db'}")
    db.upgrade()
    taxonomy = Taxonomy.load()
    populate(db, args.stories, taxonomy, rng)
    services = Services(
        store=Storage(db), taxonomy=taxonomy, summarizer=ExtractiveSummarizer(), clock=lambda: NOW
    )
    cases = {
        "topic": (list(taxonomy.topics) * 2)[:10],
        "jurisdiction": list(taxonomy.jurisdictions)[:10],
        "free word": NAMES[:10],
    }
    figures: dict[str, dict[str, float]] = {"baseline": {}, "tenants": {}}
    for phase in ("baseline", "tenants"):
        if phase == "tenants":
            privatise(db, args.stories, args.tenants, rng)
        for name, lines in cases.items():
            measure(services, lines, args.tenants, args.tenants)  # summaries made and cached
            figures[phase][name] = pct(measure(services, lines, args.runs, args.tenants), 95)
    print(f"{args.stories:,} stories, {args.tenants} workspaces, {args.runs} runs per case")
    print(f"{'case':14} {'p95 no private':>15} {'p95 tenants':>12} {'ratio':>6}")
    for name in cases:
        base, scoped = figures["baseline"][name], figures["tenants"][name]
        print(f"{name:14} {base:13.1f} ms {scoped:9.1f} ms {scoped / base:6.2f}")
    worst = max(figures["tenants"].values())
    verdict = "MET" if worst < 50 else "NOT MET"
    print(f"target p95 < 50 ms with tenant scoping: {verdict} (worst {worst:.1f} ms)")
    db.dispose()
    tmp.cleanup()
    if worst >= 50:
        sys.exit(1)


if __name__ == "__main__":
    main()
