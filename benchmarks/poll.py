"""One poll cycle of 2,000 sources on 50 local hosts, through the real Fetcher and source storage.

Hosts are 127.0.1.1 .. 127.0.1.50, each a tiny asyncio HTTP server (in a child process, so the
servers do not share the poller's core); they are allowed through the fetch allow list. Most
sources carry an ETag from an earlier poll and get a 304; the rest get a small feed that is
parsed in the worker pool. Prints the cycle time, fetches per second and, per host, the most
connections it ever had open at once (the per-host limit is 2).

    .venv/bin/python benchmarks/poll.py [--sources 2000] [--hosts 50] [--changed 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.sources import SourceRecord  # noqa: E402
from digest.ingest.fetch import Fetcher, FetchError  # noqa: E402
from digest.ingest.parse import FeedError  # noqa: E402
from digest.ingest.parser_pool import ParserPool  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Source  # noqa: E402
from storage.sources import SourceStore  # noqa: E402

ETAG = '"v1"'
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Bench feed</title>
<item><title>Item one</title><link>http://example.org/1</link><guid>1</guid></item>
<item><title>Item two</title><link>http://example.org/2</link><guid>2</guid></item>
</channel></rss>"""


# ------------------------------------------------------------------ servers (child process)


@dataclass
class HostStats:
    open_now: int = 0
    max_open: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


def _serve(hosts: list[str], conn: Connection) -> None:
    asyncio.run(_serve_async(hosts, conn))


async def _serve_async(hosts: list[str], conn: Connection) -> None:
    stats = {h: HostStats() for h in hosts}
    servers = []

    def handler_for(host: str):  # type: ignore[no-untyped-def]
        st = stats[host]

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            st.open_now += 1
            st.max_open = max(st.max_open, st.open_now)
            try:
                while True:
                    try:
                        head = await reader.readuntil(b"\r\n\r\n")
                    except (asyncio.IncompleteReadError, ConnectionError):
                        return
                    st.requests += 1
                    conditional = b"\r\nif-none-match: " + ETAG.encode() in head.lower()
                    if conditional:
                        status, body = 304, b""
                        writer.write(
                            b"HTTP/1.1 304 Not Modified\r\nETag: " + ETAG.encode() + b"\r\n\r\n"
                        )
                    else:
                        status, body = 200, FEED
                        writer.write(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: "
                            + ETAG.encode()
                            + b"\r\nContent-Length: "
                            + str(len(body)).encode()
                            + b"\r\n\r\n"
                            + body
                        )
                    st.statuses[status] += 1
                    await asyncio.sleep(0.002)  # a little server think time
                    await writer.drain()
            finally:
                st.open_now -= 1
                writer.close()

        return handle

    ports = {}
    for host in hosts:
        server = await asyncio.start_server(handler_for(host), host, 0, backlog=256)
        servers.append(server)
        ports[host] = server.sockets[0].getsockname()[1]
    conn.send(ports)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # "stats?"
    conn.send({h: (s.max_open, s.requests, dict(s.statuses)) for h, s in stats.items()})
    for server in servers:
        server.close()


# ------------------------------------------------------------------ the poll cycle


async def poll_cycle(
    db: Database, fetcher: Fetcher, pool: ParserPool, now: datetime
) -> Counter[str]:
    """Poll every due source once; update its state. Returns outcome counts."""
    sources = SourceStore(db)
    outcomes: Counter[str] = Counter()

    async def one(source: SourceRecord) -> None:
        sid = source.id
        try:
            result = await fetcher.fetch(
                source.url, etag=source.etag, last_modified=source.last_modified
            )
            if result.not_modified:
                sources.record_not_modified(sid, now)
                outcomes["304 not modified"] += 1
                return
            feed = await pool.parse(result.body, 5.0)
        except (FetchError, FeedError) as exc:
            retry = getattr(exc, "retry_after", None)
            sources.record_failure(sid, now, exc.reason, retry_after=retry)
            outcomes[f"failed: {exc.reason}"] += 1
            return
        sources.record_success(
            sid, now, etag=result.etag, last_modified=result.last_modified, title=feed.title
        )
        outcomes["200 parsed"] += 1

    await asyncio.gather(*(one(source) for source in sources.due(now, 100_000)))
    return outcomes


async def run(n_sources: int, n_hosts: int, changed: float) -> int:
    hosts = [f"127.0.1.{i}" for i in range(1, n_hosts + 1)]
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(hosts, child), daemon=True)
    proc.start()
    ports: dict[str, int] = parent.recv()
    allow = [f"{h}:{p}" for h, p in ports.items()]

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        rng = random.Random(7)
        with db.session() as s:
            for i in range(n_sources):
                host = hosts[i % n_hosts]
                src = Source(url=f"http://{host}:{ports[host]}/feed/{i}", name=f"Source {i}")
                if rng.random() >= changed:
                    src.etag = ETAG  # polled before: a conditional GET answered with 304
                s.add(src)
        pool = ParserPool(size=2)
        await pool.start()
        now = datetime.now(UTC)
        async with Fetcher(allow=allow, timeout=20.0) as fetcher:
            started = time.perf_counter()
            outcomes = await poll_cycle(db, fetcher, pool, now)
            elapsed = time.perf_counter() - started
        await pool.aclose()
        still_due = len(SourceStore(db).due(now, 100_000))
        db.dispose()

    parent.send("stats?")
    stats: dict[str, tuple[int, int, dict[int, int]]] = parent.recv()
    proc.join(5)

    fetches = sum(r for _m, r, _s in stats.values())
    per_host_max = Counter(m for m, _r, _s in stats.values())
    worst = max(m for m, _r, _s in stats.values())
    print(f"sources: {n_sources} on {n_hosts} hosts; outcomes: {dict(outcomes)}")
    print(f"cycle time: {elapsed:.2f} s (target < 30 s)")
    print(f"fetches: {fetches}, {fetches / elapsed:.0f} fetches/s")
    print(
        "max concurrent connections per host: "
        + ", ".join(f"{k} on {v} hosts" for k, v in sorted(per_host_max.items()))
        + f"; worst host {worst} (limit 2)"
    )
    for host in hosts[:3]:
        m, r, st = stats[host]
        print(f"  {host}: max {m} connections, {r} requests, statuses {st}")
    print(f"sources still due after the cycle: {still_due}")
    ok = elapsed < 30 and worst <= 2 and still_due == 0 and fetches == n_sources
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--changed", type=float, default=0.1, help="share answering 200")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.sources, args.hosts, args.changed)))


if __name__ == "__main__":
    main()
