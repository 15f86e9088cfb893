"""A feed that floods: 20 polls of one feed that adds 5,000 near-identical headlines each time.

Every poll must cost about the same however large the story they all join has grown: the
pipeline takes 500 new items per poll (the rest wait), and a story's refresh, signature and
summary prompt read a bounded sample of its members. Prints each poll's CPU time and the worst
poll against the first.

The figure is made stable on a shared, noisy machine: `--rounds` runs of the whole sequence (each
on a fresh database), each poll's CPU time the median of its rounds, and the garbage collector
run between polls (outside the timing), so that no poll pays for a full collection of what the
polls before it left.

Target (issue 14): every poll within 1.5x the first.
Run: .venv/bin/python benchmarks/flood.py [--polls 20] [--per-poll 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.ingest.fetch import Fetcher  # noqa: E402
from digest.ingest.pipeline import PipelineContext, poll_sources  # noqa: E402
from digest.judgement.classify import Taxonomy  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Source  # noqa: E402
from storage.store import Storage  # noqa: E402

START = datetime(2026, 11, 20, 8, tzinfo=UTC)
TARGET = 1.5


def flood(poll: int, per_poll: int) -> bytes:
    """The feed at its `poll`th fetch: `per_poll` new entries telling one recall again."""
    items = []
    for i in range(per_poll):
        n = poll * per_poll + i
        when = START + timedelta(minutes=poll * 30, seconds=i)
        items.append(
            f"<item><title>Regulator orders recall of Acme router model {n % 7}</title>"
            f"<link>https://flood.example.org/{n}</link><guid>flood-{n}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            "<description>The telecoms regulator ordered Acme to recall its home router after "
            f"a security flaw exposed customers' traffic. Notice {n}.</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>'
        "<link>https://flood.example.org/</link>" + "".join(items) + "</channel></rss>"
    ).encode()


class Feed:
    """Serves the current body of the flooding feed on loopback."""

    def __init__(self) -> None:
        self.body = b""
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.allow = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


async def run(polls: int, per_poll: int, path: Path) -> list[tuple[float, int, int]]:
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    feed = Feed()
    with db.session() as session:
        source = Source(url=f"http://{feed.allow}/flood.xml", name="Flood")
        session.add(source)
        session.flush()
        assert source.id is not None
        source_id = source.id
    out = []
    async with Fetcher(allow=[feed.allow], timeout=60.0) as fetcher:
        clock = [START]
        ctx = PipelineContext(
            store=Storage(db), fetcher=fetcher, load_taxonomy=Taxonomy.load, clock=lambda: clock[0]
        )
        for poll in range(polls):
            feed.body = flood(poll, per_poll)
            clock[0] = START + timedelta(minutes=poll * 30 + 29)
            gc.collect()
            started = time.process_time()
            report = await poll_sources(ctx, [source_id])
            (result,) = report.results
            out.append((time.process_time() - started, result.new_items, result.deferred))
    feed.httpd.shutdown()
    db.dispose()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polls", type=int, default=20)
    ap.add_argument("--per-poll", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3, help="runs of every poll; medians count")
    args = ap.parse_args()
    rounds = []
    for _ in range(max(1, args.rounds)):
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(asyncio.run(run(args.polls, args.per_poll, Path(tmp) / "flood.db")))
    medians = []
    for n, polls in enumerate(zip(*rounds, strict=True), 1):
        cpu = statistics.median(p[0] for p in polls)
        medians.append(cpu)
        _, new, deferred = polls[0]
        each = " ".join(f"{p[0]:.2f}" for p in polls)
        print(
            f"poll {n:2d}: {cpu:6.2f} s CPU (median of {each}), {new} new items stored, "
            f"{deferred} left waiting"
        )
    first = medians[0]
    worst = max(medians)
    ratio = worst / first
    last = statistics.median(medians[-5:]) / statistics.median(medians[:5])
    print(f"last 5 polls / first 5 polls (medians): {last:.2f}x")
    print(f"worst poll / first poll: {ratio:.2f}x (target <= {TARGET:.1f}x)")
    if ratio > TARGET:
        print(f"MISSED: worst poll {ratio:.2f}x the first")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
