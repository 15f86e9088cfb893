"""A tiny asyncio HTTP/1.1 server on a real socket, for fetch tests (no internet).

Routes map a path to an async handler `(request, writer) -> None` that writes a whole response.
The server counts requests per path, the connections it accepted, and the most it ever had open
at once.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["Request", "LocalServer", "respond", "FEED"]

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test Regulator News</title><link>http://example.org/</link>
<item><title>Fine announced</title><link>http://example.org/a</link><guid>a</guid>
<description>The regulator fined a company.</description></item>
<item><title>Consultation opens</title><link>http://example.org/b</link><guid>b</guid></item>
</channel></rss>"""


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


async def respond(
    writer: asyncio.StreamWriter,
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """Write one complete response with Content-Length."""
    lines = [f"HTTP/1.1 {status} X"]
    hdrs = {"Content-Length": str(len(body)), **(headers or {})}
    lines += [f"{k}: {v}" for k, v in hdrs.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


@dataclass
class LocalServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    host: str = "127.0.0.1"
    hits: Counter[str] = field(default_factory=Counter)
    open_now: int = 0
    max_open: int = 0
    connections: int = 0  # accepted, over the server's life
    last_headers: dict[str, str] = field(default_factory=dict)
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    port: int = 0
    tls: ssl.SSLContext | None = None

    async def start(self) -> LocalServer:
        self._server = await asyncio.start_server(self._conn, self.host, 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def base(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def hostport(self) -> str:
        return f"{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for w in list(self._writers):
                w.close()
            await self._server.wait_closed()

    async def _conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.connections += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
                    return  # client went away, or the test loop is shutting down
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                self.hits[path] += 1
                self.last_headers = headers
                handler = self.routes.get(path)
                try:
                    if handler is None:
                        await respond(writer, 404, b"no such page")
                    else:
                        await handler(Request(method, path, headers), writer)
                except (ConnectionError, asyncio.CancelledError):
                    return
        finally:
            self.open_now -= 1
            self._writers.discard(writer)
            writer.close()
