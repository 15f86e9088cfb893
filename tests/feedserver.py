"""A threaded local feed server for scheduler and replica tests: /feed/N.xml, requests counted."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FeedServer", "feed_xml"]

TOPICS = [
    ("European Commission fines online platform under the Digital Services Act", "EU"),
    ("Regulator opens consultation on age verification for child safety online", "UK"),
    ("Data protection authority fines company over GDPR breach", "EU"),
]
_WORDS = [
    "harbour",
    "lantern",
    "quarry",
    "meadow",
    "falcon",
    "granite",
    "orchard",
    "velvet",
    "cobalt",
    "saffron",
    "tundra",
    "beacon",
    "glacier",
    "walnut",
    "prism",
    "ember",
    "juniper",
    "canyon",
    "mosaic",
    "thistle",
    "lagoon",
    "copper",
    "willow",
    "summit",
    "pepper",
    "marble",
    "anchor",
    "breeze",
    "cinder",
    "dune",
    "fern",
    "grove",
    "hollow",
    "ivory",
    "jasper",
    "kelp",
    "lilac",
    "maple",
    "nectar",
    "opal",
    "pebble",
    "quill",
    "raven",
    "sable",
    "tulip",
    "umber",
    "violet",
    "wren",
    "yarrow",
    "zephyr",
    "acorn",
    "birch",
]


def _words(n: int, count: int) -> str:
    """Words of feed `n` alone (each carries its feed's number), so no two feeds' stories share
    their vocabulary and the clusterer keeps them apart."""
    out, x = [], n * 7919 + 17
    for _ in range(count):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(f"{_WORDS[x % len(_WORDS)]}{n % 100000}")
    return " ".join(out)


def feed_xml(n: int, published: datetime) -> bytes:
    """A small RSS feed whose one item is a story of its own."""
    title, place = TOPICS[n % len(TOPICS)]
    title = f"{title}: {_words(n, 3)} case {n}"
    item = (
        f"<item><title>{title}</title>"
        f"<link>https://news{n}.example.org/{n}</link><guid>case-{n}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate>"
        f"<description>{place} file {n}. {_words(n + 100000, 25)}.</description></item>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://news{n}.example.org/</link>{item}"
        "</channel></rss>"
    ).encode()


class FeedServer:
    """Serves `count` feeds on 127.0.0.1 in a thread; `hits[path]` counts GETs."""

    def __init__(
        self, count: int, published: datetime, extra: dict[str, bytes] | None = None
    ) -> None:
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        bodies = {f"/feed/{n}.xml": feed_xml(n, published) for n in range(count)}
        bodies.update(extra or {})  # more paths, e.g. a feed of the test's own
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with server_self._lock:
                    server_self.hits[self.path] += 1
                body = bodies.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed/{n}.xml"

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.port}"
