"""A threaded local web site for discovery and full-text tests: pages, feeds, articles.

Routes map a path to a `Page` (status, body, headers, a delay before answering); every GET is
counted in `hits`, and `max_open` records the most requests served at once (politeness tests).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Page", "Site", "html_page", "rss"]


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    delay: float = 0.0  # seconds before the answer (a slow server)


def html_page(title: str, head: str = "", body: str = "") -> Page:
    """A web page with `head` markup (alternate links) and `body` markup."""
    text = (
        f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    )
    return Page(text.encode(), headers={"Content-Type": "text/html; charset=utf-8"})


def rss(title: str, items: list[tuple[str, str, str]]) -> Page:
    """An RSS feed of (title, link, description) items."""
    parts = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{d}</description></item>"
        for t, link, d in items
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link>{parts}</channel></rss>"
    ).encode()
    return Page(body, headers={"Content-Type": "application/rss+xml"})


class Site:
    """Serves `routes` on 127.0.0.1 in threads until closed."""

    def __init__(self, routes: dict[str, Page | Callable[[], Page]] | None = None) -> None:
        self.routes: dict[str, Page | Callable[[], Page]] = dict(routes or {})
        self.hits: Counter[str] = Counter()
        self.open_now = 0
        self.max_open = 0
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with site._lock:
                    site.hits[self.path] += 1
                    site.open_now += 1
                    site.max_open = max(site.max_open, site.open_now)
                try:
                    route = site.routes.get(self.path)
                    page = route() if callable(route) else route
                    if page is None:
                        page = Page(b"not here", status=404)
                    if page.delay:
                        time.sleep(page.delay)
                    self.send_response(page.status)
                    for k, v in page.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(page.body)))
                    self.end_headers()
                    self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with site._lock:
                        site.open_now -= 1

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path
