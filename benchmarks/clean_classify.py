"""Cost of cleaning and classifying, per entry, next to feedparser's parse of the same feeds.

Runs on the bundled sample feeds (offline), repeated to smooth out noise, and prints µs per entry
for: feedparser.parse, clean_entry + strip_boilerplate, Taxonomy.classify. Best of 3 runs.
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser  # noqa: E402

from digest.ingest.clean import CleanEntry, clean_entry, strip_boilerplate  # noqa: E402
from digest.ingest.parse import parse_feed  # noqa: E402
from digest.judgement.classify import Taxonomy  # noqa: E402

ROUNDS = 20
NOW = datetime(2026, 11, 28, tzinfo=UTC)


def best_of(runs: int, fn: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    samples = resources.files("digest").joinpath("data", "samples")
    index = tomllib.loads(samples.joinpath("index.toml").read_text("utf-8"))
    feeds = [(f, samples.joinpath(f["file"]).read_bytes()) for f in index["feed"]]
    parsed = [(f, parse_feed(body)) for f, body in feeds]
    n = sum(len(p.entries) for _, p in parsed) * ROUNDS
    taxonomy = Taxonomy.load()
    cleaned: list[tuple[str | None, list[CleanEntry]]] = []

    def parse() -> None:
        for _ in range(ROUNDS):
            for _, body in feeds:
                feedparser.parse(body)

    def clean() -> None:
        cleaned.clear()
        for _ in range(ROUNDS):
            for f, p in parsed:
                entries = [e for e in (clean_entry(r, now=NOW) for r in p.entries) if e]
                cleaned.append((f.get("jurisdiction"), strip_boilerplate(entries)))

    def classify() -> None:
        for default, entries in cleaned:
            for e in entries:
                taxonomy.classify(e.title, e.text, default)

    t_parse, t_clean = best_of(3, parse), best_of(3, clean)
    t_classify = best_of(3, classify)
    chars = sum(len(e.title) + len(e.text) for _, es in cleaned for e in es) / n
    print(f"entries: {n} ({len(feeds)} sample feeds x {ROUNDS}), {chars:.0f} chars of text each")
    print(f"feedparser.parse            {t_parse / n * 1e6:7.1f} µs/entry")
    print(f"clean + strip_boilerplate   {t_clean / n * 1e6:7.1f} µs/entry")
    print(f"classify                    {t_classify / n * 1e6:7.1f} µs/entry")
    share = (t_clean + t_classify) / t_parse
    print(f"clean + classify cost {share:.2f}x feedparser's parse")


if __name__ == "__main__":
    main()
