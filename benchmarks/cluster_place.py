"""Placing items into the story index, alone: the signatures are made before the clock starts.

The items are those of benchmarks/ingest.py (20,000 across 200 synthetic feeds), placed in
canonical order into an empty index, 10k and then all of them, in alternating rounds; the fastest
round of each size counts. "one draft" places them all in one draft (as benchmarks/ingest.py's
clustering alone does); "batches" places them as ingest judges them, `JUDGE_BATCH` items per
draft, each draft committed (its new stories given ids) before the next starts, with the
collector paused as ingest pauses it. Each item carries its feed as its source (as the
pipeline's do), unless --no-sources. The digest of the stories the items were placed in changes
whenever any decision does: compare it between two versions of the code.
Run: .venv/bin/python benchmarks/cluster_place.py [--rounds 3] [--no-sources]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest import Clock, make_feeds  # noqa: E402

from digest.ingest.pipeline import JUDGE_BATCH  # noqa: E402
from digest.judgement.cluster import StoryIndex  # noqa: E402
from digest.judgement.signature import Signature, signature  # noqa: E402

_Item = tuple[datetime, str, Signature]


def items(*, sources: bool, seed: int = 7) -> list[_Item]:
    """The benchmark's items with their signatures, shuffled as benchmarks/ingest.py does."""
    found: list[_Item] = []
    for source, body in enumerate(make_feeds(200, 100, seed)):
        for e in feedparser.parse(body).entries:
            text = e.get("summary", "").replace("<p>", "").replace("</p>", "\n\n")
            sig = signature(e.get("title", ""), text)
            if sources:
                sig = sig._replace(source=source)
            found.append((datetime(*e.published_parsed[:6], tzinfo=UTC), e.get("title", ""), sig))
    random.Random(seed).shuffle(found)
    return found


def place(batch: list[_Item], size: int) -> tuple[Clock, str, int]:
    """Place the batch into an empty index, `size` items per draft: the time, a digest of the
    stories the items went to, and the comparisons made."""
    gc.collect()
    if size < len(batch):
        gc.disable()
    index = StoryIndex()
    placed: list[int] = []
    with Clock() as clock:
        next_id = 1
        for at in range(0, len(batch), size):
            draft = index.draft()
            keys = [draft.place(when, sig) for when, _, sig in batch[at : at + size]]
            new = sorted((key for key in draft.entries if key < 0), reverse=True)
            ids = {key: next_id + n for n, key in enumerate(new)}
            next_id += len(ids)
            placed += [ids.get(key, key) for key in map(draft.resolve, keys)]
            index.commit(draft, ids, at)
    gc.enable()
    digest = hashlib.sha256(repr(placed).encode()).hexdigest()
    return clock, digest[:16], index.comparisons


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-sources", action="store_true")
    args = ap.parse_args()
    every = items(sources=not args.no_sources)
    half = sorted(every[: len(every) // 2], key=lambda i: (i[0], i[1]))
    every.sort(key=lambda i: (i[0], i[1]))
    modes = {"one draft": len(every), "batches": JUDGE_BATCH}
    runs: dict[tuple[str, int], list[tuple[Clock, str, int]]] = {}
    for _ in range(args.rounds):
        for mode, size in modes.items():
            for batch in (half, every):
                runs.setdefault((mode, len(batch)), []).append(place(batch, size))
    for mode in modes:
        best = {}
        for n in (len(half), len(every)):
            clock, digest, comparisons = min(runs[mode, n], key=lambda r: r[0].cpu)
            best[n] = clock.cpu
            print(
                f"{mode:9s} {n:6d} items: {clock.cpu:6.2f} s CPU [{clock.wall:.2f}]  "
                f"{1000 * clock.cpu / n:.3f} ms/item  {comparisons} comparisons  "
                f"stories {digest}"
            )
        ratio = best[len(every)] / best[len(half)]
        print(f"{mode:9s} ratio {len(every)}/{len(half)}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
