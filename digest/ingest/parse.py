"""feedparser on bytes -> raw entries. Never hand feedparser a URL or a path.

`parse_feed` parses in this process; `parse_feed_limited` parses in a reusable worker process
that is killed when it overruns its time limit (feedparser 6.0.x has a regex on `<author>` that
can take minutes on a crafted feed), so one hostile feed cannot stall polling.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import os
import pickle
import signal
import struct
import sys
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser

__all__ = [
    "RawEntry",
    "ParsedFeed",
    "FeedError",
    "parse_feed",
    "parse_feed_limited",
    "ParserPool",
    "close_default_parser_pool",
]


@dataclass(frozen=True)
class RawEntry:
    """One entry as the feed gave it: untrusted, not yet cleaned."""

    guid: str | None
    link: str | None
    title: str
    summary_html: str = ""
    content_html: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str | None
    language: str | None
    entries: list[RawEntry] = field(default_factory=list)
    bozo_reason: str | None = None  # set when the feed was malformed but still yielded entries


class FeedError(Exception):
    """The bytes are not a usable feed; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _when(struct: object) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


EMPTY_REASON = "empty response: the server sent no content"
HTML_REASON = "not a feed: the address returned a web page (HTML), not RSS or Atom"
NO_ENTRIES_REASON = "the feed has no entries"
NOT_A_FEED_REASON = "not a feed: the content is neither RSS nor Atom"
BINARY_REASON = "not a feed: the content is binary data, not RSS or Atom"
UNREADABLE_REASON = "not a feed: the content could not be read as RSS or Atom"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _looks_binary(body: bytes) -> bool:
    head = body[:1024]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False  # a byte-order mark: text in some Unicode encoding
    if b"\x00" in head:
        return not head.lstrip(b"\x00").startswith(b"<") and b"<\x00" not in head
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 10


def _entry(e: Any, language: str | None) -> RawEntry:
    content = ""
    if e.get("content"):
        content = "\n".join(_text(c.get("value", "")) for c in e["content"] if hasattr(c, "get"))
    return RawEntry(
        guid=_text(e.get("id")) or None,
        link=_text(e.get("link")) or None,
        title=_text(e.get("title")),
        summary_html=_text(e.get("summary")),
        content_html=content,
        published=_when(e.get("published_parsed")),
        updated=_when(e.get("updated_parsed")),
        author=_text(e.get("author")),
        language=language,
    )


def parse_feed(body: bytes) -> ParsedFeed:
    """Parse feed bytes (RSS 0.9x/1.0/2.0, Atom). Raises FeedError when nothing usable is there.

    Runs in this process with no time limit: use `parse_feed_limited` for untrusted feeds.
    """
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes bytes, never a URL or a path")
    if not body.strip():
        raise FeedError(EMPTY_REASON)
    try:
        parsed = feedparser.parse(body)
        feed = parsed.get("feed", {})
        language = _text(feed.get("language")) or None
        entries = [_entry(e, language) for e in parsed.get("entries", [])]
        bozo = str(parsed.get("bozo_exception", ""))[:300] if parsed.get("bozo") else None
        title = _text(feed.get("title"))
        link = _text(feed.get("link")) or None
        version = parsed.get("version")
    except (MemoryError, RecursionError):
        raise FeedError(UNREADABLE_REASON) from None
    except Exception:  # a stranger's bytes must never crash the poller; say so plainly instead
        raise FeedError(UNREADABLE_REASON) from None
    if not entries:
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise FeedError(HTML_REASON)
        if version:
            raise FeedError(NO_ENTRIES_REASON)
        if _looks_binary(body):
            raise FeedError(BINARY_REASON)
        raise FeedError(NOT_A_FEED_REASON)
    return ParsedFeed(title=title, link=link, language=language, entries=entries, bozo_reason=bozo)


# ---------------------------------------------------------------- time-limited parsing in workers

_FRAME = struct.Struct(">Q")
_NO_START_REASON = "the feed could not be read: the parser did not start"
_WORKER_MEMORY = 1024 * 1024 * 1024  # address-space cap per worker: a hostile feed hits MemoryError
_SPAWN_TIMEOUT = 60.0


def _worker_main() -> None:
    """Worker loop: read length-prefixed feed bytes on stdin, write a pickled outcome on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_WORKER_MEMORY, _WORKER_MEMORY))
    except (ImportError, ValueError, OSError):
        pass
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the pipe
    while True:
        head = inp.read(_FRAME.size)
        if len(head) < _FRAME.size:
            return  # parent closed the pipe
        (size,) = _FRAME.unpack(head)
        body = inp.read(size)
        outcome: tuple[str, Any]
        try:
            outcome = ("ok", parse_feed(body))
        except FeedError as exc:
            outcome = ("error", exc.reason)
        except BaseException:
            outcome = ("error", UNREADABLE_REASON)
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_FRAME.pack(len(data)) + data)
        out.flush()


class _WorkerDied(Exception):
    pass


class _Worker:
    """One parser process, reused across feeds until it overruns and is killed."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls) -> _Worker:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from digest.ingest.parse import _worker_main; _worker_main()",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        return cls(proc)

    async def call(self, body: bytes) -> tuple[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(_FRAME.pack(len(body)) + body)
            await self.proc.stdin.drain()
            (size,) = _FRAME.unpack(await self.proc.stdout.readexactly(_FRAME.size))
            data = await self.proc.stdout.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError):
            raise _WorkerDied from None
        # Our own child wrote this; it carries only ParsedFeed/RawEntry values.
        outcome: tuple[str, Any] = pickle.loads(data)
        return outcome

    async def kill(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()

    async def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 2.0)
        except TimeoutError:
            await self.kill()


class ParserPool:
    """Up to `size` reusable parser processes; a parse over its limit kills its worker."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Worker] = []
        self.killed = 0  # workers killed for overrunning (visible to tests and metrics)

    async def start(self) -> None:
        """Spawn the workers now instead of on first use."""
        while len(self._idle) < self.size:
            self._idle.append(await asyncio.wait_for(_Worker.start(), _SPAWN_TIMEOUT))

    async def parse(self, body: bytes, timeout: float = 5.0) -> ParsedFeed:
        """parse_feed in a worker; FeedError when it fails or takes longer than `timeout` s."""
        if not isinstance(body, bytes):
            raise TypeError("parse takes bytes, never a URL or a path")
        if not body.strip():
            raise FeedError(EMPTY_REASON)
        async with self._slots:
            # Waiting for a free worker and starting one are not the feed's fault: the limit
            # covers the parse alone.
            if self._idle:
                worker = self._idle.pop()
            else:
                try:
                    worker = await asyncio.wait_for(_Worker.start(), _SPAWN_TIMEOUT)
                except (OSError, TimeoutError):
                    raise FeedError(
                        "the feed could not be read: the parser did not start"
                    ) from None
            healthy = False
            try:
                async with asyncio.timeout(timeout):
                    status, payload = await worker.call(body)
                healthy = True
            except TimeoutError:
                self.killed += 1
                raise FeedError(
                    f"the feed took too long to read (more than {timeout:g} s) and was abandoned"
                ) from None
            except _WorkerDied:
                raise FeedError(
                    "the feed could not be read: the parser stopped unexpectedly"
                ) from None
            finally:
                if healthy:
                    self._idle.append(worker)
                else:
                    await asyncio.shield(worker.kill())
        if status == "ok":
            assert isinstance(payload, ParsedFeed)
            return payload
        raise FeedError(str(payload))

    async def aclose(self) -> None:
        """Stop the idle workers (busy ones are stopped when their parse ends)."""
        idle, self._idle = self._idle, []
        for worker in idle:
            await worker.close()


# One default pool per event loop: subprocess pipes belong to the loop that made them.
_default_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ParserPool] = (
    weakref.WeakKeyDictionary()
)


async def parse_feed_limited(
    body: bytes, timeout: float = 5.0, *, pool: ParserPool | None = None
) -> ParsedFeed:
    """Parse untrusted feed bytes in a worker process killed after `timeout` seconds.

    Uses `pool`, or a default pool of two workers for the running event loop.
    """
    if pool is None:
        loop = asyncio.get_running_loop()
        pool = _default_pools.get(loop)
        if pool is None:
            pool = _default_pools[loop] = ParserPool()
    return await pool.parse(body, timeout)


async def close_default_parser_pool() -> None:
    """Stop the running loop's default parser workers (call at shutdown)."""
    pool = _default_pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.aclose()
