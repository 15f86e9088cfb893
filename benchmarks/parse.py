"""Parse benchmark: bare default feedparser against our parse path, on the same feeds, in one run.

The feeds are benchmarks/ingest.py's (200 synthetic RSS feeds x 50 items by default). Each feed is
parsed by both sides in turn (the order alternating feed by feed), so a shared machine's slow
minutes hit both alike; CPU seconds of this process, best of `--rounds`.

Our path is `parse_feed` with the feed's URL as base: lxml's fast path for plain RSS 2.0 and
Atom, feedparser (without its sanitiser and relative-URI pass) for the rest, plus our own link
resolution. The fallback alone is timed too (fast path off), for feeds the fast path declines.
Target (issue 19): clearly below 1.0x.
Run: .venv/bin/python benchmarks/parse.py [--feeds 200] [--items 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before benchmarks/, whose digest.py would shadow the package
sys.path.append(str(ROOT / "benchmarks"))

from ingest import make_feeds  # noqa: E402

from digest.ingest import parse as parse_mod  # noqa: E402
from digest.ingest.parse import parse_feed  # noqa: E402


def one_round(feeds: list[bytes], fast: bool) -> tuple[float, float, int, int]:
    """CPU seconds of (bare feedparser, our path) and the entries each found."""
    reader = parse_mod.read_common_feed
    if not fast:
        parse_mod.read_common_feed = lambda _body: None  # feedparser for every feed
    bare = ours = 0.0
    bare_n = ours_n = 0
    try:
        for n, body in enumerate(feeds):
            base = f"https://feed{n}.example.org/rss"
            for side in (0, 1) if n % 2 == 0 else (1, 0):
                started = time.process_time()
                if side == 0:
                    bare_n += len(feedparser.parse(body).entries)
                    bare += time.process_time() - started
                else:
                    ours_n += len(parse_feed(body, base_url=base).entries)
                    ours += time.process_time() - started
    finally:
        parse_mod.read_common_feed = reader
    return bare, ours, bare_n, ours_n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    feeds = make_feeds(args.feeds, args.items, args.seed)
    size = sum(map(len, feeds)) / 1e6
    print(f"{len(feeds)} feeds x {args.items} items, {size:.1f} MB")
    items = args.feeds * args.items
    for label, fast in (("our parse path:", True), ("fallback alone (fast path off):", False)):
        rounds = [one_round(feeds, fast) for _ in range(args.rounds)]
        assert all(r[2] == r[3] == items for r in rounds), "entries differ"
        bare, ours = min(r[0] for r in rounds), min(r[1] for r in rounds)
        print(f"  bare feedparser (defaults):      {bare:6.2f} s CPU  {items / bare:8.0f} items/s")
        print(f"  {label:32s} {ours:6.2f} s CPU  {items / ours:8.0f} items/s")
        print(f"  ratio ours / bare:               {ours / bare:6.2f}x")


if __name__ == "__main__":
    main()
