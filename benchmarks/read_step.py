"""The read step's per-item analysis alone: classify_words and signature_of on cleaned items.

Items: the ingest benchmark's synthetic feeds (benchmarks/ingest.py), the bundled sample feeds
and the dev split of the labelled real-news corpus, cleaned as the pipeline cleans them. Prints
CPU µs per item for each, best of 3 rounds; with --dump FILE writes every item's tags and
signature, one line each, so that two versions of the code can be compared byte for byte.
Run: .venv/bin/python benchmarks/read_step.py [--feeds 40] [--dump out.txt]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.ingest.clean import clean_entry, strip_boilerplate  # noqa: E402
from digest.ingest.parse import parse_feed  # noqa: E402
from digest.judgement.classify import Taxonomy  # noqa: E402
from digest.judgement.signature import signature_of  # noqa: E402
from digest.text.words import Words, split_words  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_INGEST = importlib.util.spec_from_file_location("ingest_bench", ROOT / "benchmarks" / "ingest.py")
assert _INGEST is not None and _INGEST.loader is not None
ingest_bench = importlib.util.module_from_spec(_INGEST)
sys.modules["ingest_bench"] = ingest_bench  # (its dataclasses look their module up)
_INGEST.loader.exec_module(ingest_bench)
# default jurisdictions the items are read with: none, and a few sources' own
DEFAULTS = (None, "eu", "us", "uk")


def _feed_items(bodies: list[bytes]) -> list[tuple[str, str]]:
    items = []
    for body in bodies:
        cleaned = [e for r in parse_feed(body).entries if (e := clean_entry(r, now=NOW))]
        items += [(e.title, e.text) for e in strip_boilerplate(cleaned)]
    return items


def corpora(feeds: int) -> dict[str, list[tuple[str, str]]]:
    """The items of each corpus, as (title, text)."""
    samples = resources.files("digest").joinpath("data", "samples")
    index = tomllib.loads(samples.joinpath("index.toml").read_text("utf-8"))
    sample_bodies = [samples.joinpath(f["file"]).read_bytes() for f in index["feed"]]
    real = []
    path = ROOT / "benchmarks" / "data" / "realnews" / "items.jsonl"
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        if row.get("split") == "dev":  # held-out items are never read here
            real.append((row["title"], row.get("summary") or ""))
    return {
        "synthetic": _feed_items(ingest_bench.make_feeds(feeds, 100, 7)),
        "samples": _feed_items(sample_bodies) * 10,
        "realnews-dev": real,
    }


def _split(items: list[tuple[str, str]]) -> None:
    for title, text in items:
        split_words(title)
        split_words(text)


def _classify(taxonomy: Taxonomy, split: list[tuple[Words, Words]]) -> None:
    for i, (title, text) in enumerate(split):
        taxonomy.classify_words(title, text, DEFAULTS[i % 4], official=i % 7 == 0)


def _sign(split: list[tuple[Words, Words]]) -> None:
    for title, text in split:
        signature_of(title, text)


def cpu_best(runs: int, fn: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=40, help="synthetic feeds of 100 items")
    ap.add_argument("--dump", type=Path)
    args = ap.parse_args()
    taxonomy = Taxonomy.load()
    taxonomy.classify("warm up", "")
    sets = corpora(args.feeds)
    out = []
    for name, items in sets.items():
        split = [(split_words(t), split_words(x)) for t, x in items]
        t_split = cpu_best(3, lambda items=items: _split(items))
        t_classify = cpu_best(3, lambda split=split: _classify(taxonomy, split))
        t_sign = cpu_best(3, lambda split=split: _sign(split))
        n = len(items)
        print(
            f"{name:13} {n:6} items: split {t_split / n * 1e6:6.1f}  classify "
            f"{t_classify / n * 1e6:6.1f}  signature {t_sign / n * 1e6:6.1f} µs/item"
        )
        if args.dump:
            for i, (title, text) in enumerate(split):
                for default in DEFAULTS:
                    for official in (False, True):
                        tags = taxonomy.classify_words(title, text, default, official=official)
                        out.append(
                            f"{name} {i} {default} {official} {sorted(tags.topics)} "
                            f"{sorted(tags.jurisdictions)}"
                        )
                # (in slug order: the order evidence is found in follows the process's hashing)
                scores = taxonomy.scores(items[i][0], items[i][1])
                out.append(f"{name} {i} {sorted(scores.topics.items())}")
                out.append(f"{name} {i} {sorted(scores.jurisdictions.items())}")
                out.append(f"{name} {i} {signature_of(title, text)}")
    if args.dump:
        args.dump.write_text("\n".join(out) + "\n", "utf-8")


if __name__ == "__main__":
    main()
