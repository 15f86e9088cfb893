"""Full text for teaser feeds: one poll of 20 full-text sources, 1,000 teaser items, each item's
article page fetched from one of 20 local hosts and its main text extracted (trafilatura).

The article pages (about 50 KB each: scripts, menus, a sidebar of other stories, the article,
comments, a footer) are served by a separate process on 127.0.0.1 to 127.0.0.20, so the peak
memory printed is the poller's own. Prints the extraction time per article (CPU time of the
extracting thread inside the poll, and wall time extracting the same pages one after another),
the poll's wall time and the peak resident memory.

Targets (issue 18): extraction < 30 ms per article, peak < 300 MB.
Run: .venv/bin/python benchmarks/fulltext.py [--hosts 20] [--items 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.sources import NewSource  # noqa: E402
from digest.ingest.fetch import Fetcher  # noqa: E402
from digest.ingest.fulltext import ArticleReader, extract_main_text  # noqa: E402
from digest.ingest.pipeline import PipelineContext, poll_sources  # noqa: E402
from digest.judgement.classify import Taxonomy  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.store import Storage  # noqa: E402

TARGET_MS = 30.0
TARGET_MB = 300.0
TEXT = (
    "regulator commission authority platform data protection consultation fine decision "
    "investigation market competition online safety children consent transparency audit "
    "obligation proposal parliament council guidance enforcement breach complaint review "
    "provider service users compliance report framework cooperation member states court"
)
WORDS = TEXT.split(" ")


# what real pages carry in their head: a tag manager, a consent banner's code...
SCRIPT = "".join(f"window.cfg{k} = {{id: {k}, on: true, name: 'module {k}'}};" for k in range(600))


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def article_page(host: int, n: int) -> bytes:
    """Article `n` of host `host`: a realistic page around one article."""
    rng = random.Random(host * 100_003 + n)
    menu = "".join(f"<li><a href='/section/{k}'>Section {k}</a></li>" for k in range(40))
    side = "".join(
        f"<div class='teaser'><a href='/news/{n + k}'>{_sentence(rng, 8)}</a>"
        f"<p>{_sentence(rng, 20)}</p></div>"
        for k in range(12)
    )
    body = "".join(
        f"<p>{' '.join(_sentence(rng, rng.randint(12, 30)) for _ in range(4))}</p>"
        for _ in range(rng.randint(8, 16))
    )
    comments = "".join(
        f"<div class='comment'><b>Reader {k}</b><p>{_sentence(rng, 15)}</p></div>"
        for k in range(10)
    )
    footer = "".join(f"<a href='/legal/{k}'>Legal notice {k}</a> " for k in range(30))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Decision {n} of host {host}</title>"
        f"<script>{SCRIPT}</script><style>body{{font:14px}}</style></head>"
        f"<body><header><nav><ul>{menu}</ul></nav></header>"
        f"<main><article><h1>Decision {n} of host {host}</h1>"
        f"<p class='lead'>{_sentence(rng, 25)}</p>{body}</article>"
        f"<section class='comments'>{comments}</section></main>"
        f"<aside>{side}</aside><footer>{footer}</footer></body></html>"
    ).encode()


def teaser_feed(host: int, port: int, count: int) -> bytes:
    items = "".join(
        f"<item><title>Decision {n} of host {host}</title>"
        f"<link>http://127.0.0.{host}:{port}/news/{n}</link><guid>h{host}-{n}</guid>"
        f"<description>Decision {n} of host {host} was published. Read more.</description>"
        "</item>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        f"<title>Host {host}</title><link>http://127.0.0.{host}/</link>{items}</channel></rss>"
    ).encode()


def serve(hosts: int, per_host: int, ports: multiprocessing.Queue, stop: object) -> None:
    """The child process: one server per loopback address, pages made on request."""
    servers = []
    for host in range(1, hosts + 1):

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            me = host

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                port = self.server.server_address[1]
                if self.path == "/feed.xml":
                    body, kind = teaser_feed(self.me, port, per_host), "application/rss+xml"
                else:
                    n = int(self.path.rsplit("/", 1)[-1])
                    body, kind = article_page(self.me, n), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        httpd = ThreadingHTTPServer((f"127.0.0.{host}", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        ports.put((host, httpd.server_address[1]))
    stop.wait()  # type: ignore[attr-defined]


async def poll(
    db: Database, ports: dict[int, int], times: list[float]
) -> tuple[float, int, int, int]:
    def timed_extract(html: bytes, url: str) -> str:
        started = time.thread_time()
        text = extract_main_text(html, url)
        times.append(time.thread_time() - started)
        return text

    store = Storage(db)
    ids = [
        store.sources.add(
            NewSource(f"http://127.0.0.{h}:{p}/feed.xml", f"Host {h}", full_text=True)
        ).id
        for h, p in sorted(ports.items())
    ]
    allow = [f"127.0.0.{h}:{p}" for h, p in ports.items()]
    async with Fetcher(allow=allow) as fetcher:
        ctx = PipelineContext(
            store=store,
            fetcher=fetcher,
            load_taxonomy=lambda: Taxonomy.load(),
            articles=ArticleReader(fetcher, extract=timed_extract),
        )
        started = time.perf_counter()
        report = await poll_sources(ctx, ids)
        wall = time.perf_counter() - started
    a = report.articles
    return wall, report.new_items, a.fetched, a.failed + a.deferred


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--items", type=int, default=1000)
    args = ap.parse_args()
    per_host = args.items // args.hosts
    ctx = multiprocessing.get_context("spawn")  # the child shares none of our memory
    queue: multiprocessing.Queue = ctx.Queue()
    stop = ctx.Event()
    child = ctx.Process(target=serve, args=(args.hosts, per_host, queue, stop), daemon=True)
    child.start()
    ports = dict(queue.get(timeout=30) for _ in range(args.hosts))
    times: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{Path(tmp) / 'fulltext.db'}")
            db.upgrade()
            wall, stored, fetched, failed = asyncio.run(poll(db, ports, times))
            db.dispose()
    finally:
        stop.set()
        child.join(timeout=10)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the same pages again, one after another, for the plain wall time of extraction
    sample = [article_page(1 + k % args.hosts, k) for k in range(200)]
    started = time.perf_counter()
    for page in sample:
        extract_main_text(page, None)
    serial_ms = (time.perf_counter() - started) / len(sample) * 1000
    ms = sorted(t * 1000 for t in times)
    mean = statistics.fmean(ms) if ms else 0.0
    p95 = ms[int(len(ms) * 0.95)] if ms else 0.0
    size = statistics.fmean(len(p) for p in sample) / 1024
    print(
        f"poll: {stored} teaser items from {args.hosts} hosts stored in {wall:.1f} s; "
        f"{fetched} articles read, {failed} failed (pages about {size:.0f} KB)"
    )
    print(
        f"extraction per article: {mean:.1f} ms mean, {p95:.1f} ms p95 (thread CPU, in the poll); "
        f"{serial_ms:.1f} ms wall, one after another (target < {TARGET_MS:.0f} ms)"
    )
    print(f"peak memory: {peak_mb:.0f} MB resident (target < {TARGET_MB:.0f} MB)")
    missed = []
    if max(mean, serial_ms) >= TARGET_MS:
        missed.append(f"extraction {max(mean, serial_ms):.1f} ms per article")
    if peak_mb >= TARGET_MB:
        missed.append(f"peak memory {peak_mb:.0f} MB")
    if fetched != args.items:
        missed.append(f"only {fetched} of {args.items} articles read")
    for m in missed:
        print(f"MISSED: {m}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
