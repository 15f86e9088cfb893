"""What embeddings evidence costs per item, measured without a server (the HTTP call itself is
the provider's latency, one call per 64 items).

On the synthetic items of benchmarks/ingest.py (time-ordered, placed into one draft as
judgement does), clustering is timed offline (no meaning hook: the default) and with every item
carrying a 1536-dimension vector (the size of common embedding models; a toy bag-of-words vector,
so the decisions are not meaningful, only the work). Then the read step's cost: caching and
reading back the vectors through storage (SQLite), and decoding them.

Prints seconds and items/s for each, the with/without ratio, how many meaning checks an item
needs, and the bytes a vector takes in the cache and in memory.
Run: .venv/bin/python benchmarks/embeddings.py [--feeds 100] [--items 100] [--dims 1536]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.judgement.cluster import StoryIndex  # noqa: E402
from digest.judgement.embeddings import Embedded, quantize, same_meaning, vector_of  # noqa: E402
from digest.judgement.signature import Signature, signature  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.store import Storage  # noqa: E402

_spec = importlib.util.spec_from_file_location("ingest_bench", ROOT / "benchmarks" / "ingest.py")
assert _spec is not None and _spec.loader is not None
ingest_bench = importlib.util.module_from_spec(_spec)
sys.modules["ingest_bench"] = ingest_bench  # its dataclasses look their module up
_spec.loader.exec_module(ingest_bench)


def toy_vector(text: str, dims: int) -> list[float]:
    """Word counts hashed into `dims` buckets: retellings share words, so cosines vary."""
    out = [0.0] * dims
    for word in text.lower().split():
        out[zlib.crc32(word.encode()) % dims] += 1.0
    out[0] += 1.0
    return out


class Counting:
    """The meaning hook, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, note: object, notes: tuple[object, ...]) -> bool:
        self.calls += 1
        return same_meaning(note, notes)


def place(items: list[tuple[datetime, Signature]], hook: Counting | None) -> tuple[float, int]:
    """CPU seconds to place every item into one draft of an empty index, and stories made."""
    gc.collect()
    start = time.process_time()
    draft = StoryIndex(meaning=hook).draft()
    stories = {draft.place(when, sig) for when, sig in items}
    return time.process_time() - start, len(stories)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--items", type=int, default=100, help="items per feed")
    ap.add_argument("--dims", type=int, default=1536)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    entries = []
    for body in ingest_bench.make_feeds(args.feeds, args.items, args.seed):
        for e in feedparser.parse(body).entries:
            text = e.get("summary", "").replace("<p>", "").replace("</p>", "\n\n")
            when = datetime(*e.published_parsed[:6], tzinfo=UTC)
            entries.append((when, e.get("title", ""), text))
    entries.sort(key=lambda e: (e[0], e[1]))
    n = len(entries)
    blobs = [quantize(toy_vector(f"{t}\n\n{x}"[:2000], args.dims)) for _, t, x in entries]
    plain = [(when, signature(t, x)) for when, t, x in entries]
    noted = [
        (when, sig._replace(note=Embedded(None, vector_of(blob))))
        for (when, sig), blob in zip(plain, blobs, strict=True)
    ]
    print(f"{n} synthetic items, vectors of {args.dims} dimensions")

    rounds = []
    for _ in range(3):  # alternating rounds, the fastest of each: the machine is shared
        hook = Counting()
        rounds.append((place(plain, None), place(noted, hook), hook.calls))
    (off, off_stories), _, _ = min(rounds, key=lambda r: r[0][0])
    _, (on, on_stories), checks = min(rounds, key=lambda r: r[1][0])
    print(
        f"clustering, words alone:    {off:6.2f} s  {n / off:7.0f} items/s  {off_stories} stories"
    )
    print(f"clustering, with vectors:   {on:6.2f} s  {n / on:7.0f} items/s  {on_stories} stories")
    print(
        f"  ratio {on / off:.2f}x; {checks / n:.2f} meaning checks per item; "
        f"{(on - off) / n * 1e6:.0f} us per item more"
    )

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        store = Storage(db)
        hashes = [hashlib.sha256(f"{t}\n\n{x}".encode()).hexdigest() for _, t, x in entries]
        by_hash = dict(zip(hashes, blobs, strict=True))
        start = time.perf_counter()
        store.embeddings.put(by_hash, "bench-model")
        put = time.perf_counter() - start
        start = time.perf_counter()
        found = store.embeddings.get(hashes, "bench-model")
        vectors = {h: vector_of(b) for h, b in found.items()}
        get = time.perf_counter() - start
        db.dispose()
    assert len(vectors) == len(by_hash)
    print(
        f"cache (SQLite): write {put / n * 1e6:.0f} us per item, "
        f"read and decode {get / n * 1e6:.0f} us per item (wall)"
    )
    print(
        f"size: {len(blobs[0])} bytes per vector in the cache; "
        f"{sys.getsizeof(vectors[hashes[0]].values)} bytes in memory"
    )


if __name__ == "__main__":
    main()
