"""Fair polling: sources queued behind one slow host never delay sources on another host."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from digest.ingest.fetch import Fetcher
from digest.ingest.pipeline import PipelineContext, RefreshResult, poll_sources
from digest.judgement.classify import Taxonomy
from storage.db import Database
from storage.models import Source
from storage.store import Storage

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<link>https://example.org/</link><item><title>Regulator publishes annual report</title>
<link>https://example.org/a</link><guid>a</guid><description>Annual report.</description>
</item></channel></rss>"""


class Host:
    """A feed server answering after `delay` seconds; it counts requests served at once."""

    def __init__(self, delay: float) -> None:
        self.busy = self.most = 0
        lock = threading.Lock()
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with lock:
                    host.busy += 1
                    host.most = max(host.most, host.busy)
                time.sleep(delay)
                # done before the answer leaves: once the client has it, it may send the next
                # request before this thread runs again, and would be counted twice at once
                with lock:
                    host.busy -= 1
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(FEED)))
                self.end_headers()
                self.wfile.write(FEED)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.allow = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _sources(db: Database, host: Host, n: int, tag: str) -> list[int]:
    ids = []
    with db.session() as session:
        for i in range(n):
            source = Source(url=f"http://{host.allow}/{tag}{i}.xml", name=f"{tag} {i}")
            session.add(source)
            session.flush()
            assert source.id is not None
            ids.append(source.id)
    return ids


async def _finish_times(db: Database, ids: list[int], hosts: list[Host]) -> dict[int, float]:
    done: dict[int, float] = {}
    started = time.monotonic()

    def progress(result: RefreshResult) -> None:
        done[result.source_id] = time.monotonic() - started

    async with Fetcher(allow=[h.allow for h in hosts], timeout=15.0) as fetcher:
        ctx = PipelineContext(
            store=Storage(db), fetcher=fetcher, load_taxonomy=Taxonomy.load, clock=lambda: NOW
        )
        await poll_sources(ctx, ids, progress=progress)
    return done


def test_twenty_slow_sources_on_one_host_do_not_delay_another_host(sqlite_db):
    db = sqlite_db
    slow, fast = Host(delay=1.0), Host(delay=0.0)
    try:
        alone = _sources(db, fast, 5, "alone")
        unloaded = max(asyncio.run(_finish_times(db, alone, [fast])).values())
        slow_ids = _sources(db, slow, 20, "slow")
        fast_ids = _sources(db, fast, 5, "fast")
        # the slow host's sources come first, as a due-order claim may well put them
        done = asyncio.run(_finish_times(db, slow_ids + fast_ids, [slow, fast]))
    finally:
        slow.close()
        fast.close()
    loaded = max(done[i] for i in fast_ids)
    assert loaded - unloaded < 5.0, f"healthy host finished after {loaded:.1f} s"
    assert slow.most <= 2  # and the slow host still saw at most two requests at a time
