"""Feed bytes -> raw entries. RSS 2.0 and Atom in their common form go through fastxml.py
(lxml, a tenth of feedparser's time), every other XML feed through feedparser, JSON Feed through
jsonfeed.py; all come out as the same RawEntry values.

Never hand feedparser a URL or a path. `parse_feed` parses in this process; `parse_feed_limited`
parses in a reusable worker process that is killed when it overruns its time limit (feedparser
6.0.x has a regex on `<author>` that can take minutes on a crafted feed; the fast path never runs
it, but feedparser still reads what the fast path declines), so one hostile feed cannot stall
polling.

feedparser runs without its HTML sanitiser and its relative-URI pass (a third of its time):
clean.py reduces all markup to text, dropping scripts and styles, and links are resolved here
against the response's final URL and Content-Location. RawEntry markup is therefore raw: it is
never to be shown as HTML.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import feedparser
from feedparser.datetimes import _parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin

from digest.ingest import fastxml
from digest.ingest.clean import title_to_text
from digest.ingest.jsonfeed import declared_json, looks_like_json, parse_json_feed
from digest.ingest.rawfeed import (
    BINARY_REASON,
    EMPTY_REASON,
    HTML_REASON,
    JSON_MALFORMED_REASON,
    NO_ENTRIES_REASON,
    NOT_A_FEED_REASON,
    UNREADABLE_REASON,
    FeedError,
    LinkCheck,
    ParsedFeed,
    RawEntry,
    TextType,
    absolute_refs,
    base_url_of,
)

__all__ = [
    "RawEntry",
    "ParsedFeed",
    "FeedError",
    "parse_feed",
    "parse_feed_limited",
    "ParserPool",
    "close_default_parser_pool",
    "release_idle_parsers",
]

# feedparser's content types, as clean.py reads them; any other type (images, base64 binaries)
# is not text for a briefing.
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_JSON_FEED_MARK = b"jsonfeed.org/version/"


def _when(struct: object) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _kind(mime: str, default: TextType) -> TextType | None:
    """How to read a piece typed `mime`; `default` when untyped, None for another media type."""
    mime = mime.strip().lower()
    if not mime:
        return default
    if mime in _HTML_TYPES or mime.endswith(("+xml", "/xml")):
        return "html"
    if mime.startswith("text/") or mime == "text":
        return "text"
    return None


def _looks_binary(body: bytes) -> bool:
    head = body[:1024]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False  # a byte-order mark: text in some Unicode encoding
    if b"\x00" in head:
        return not head.lstrip(b"\x00").startswith(b"<") and b"<\x00" not in head
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 10


def _detail(e: Any, key: str) -> tuple[str, str, str | None]:
    """(value, type, xml:base) of a feedparser text construct such as title or summary."""
    detail = e.get(f"{key}_detail")
    if not hasattr(detail, "get"):
        return _text(e.get(key)), "", None
    return _text(e.get(key)), _text(detail.get("type")), _text(detail.get("base")) or None


def _content(e: Any, links: LinkCheck) -> tuple[str, TextType]:
    """One of the entry's content elements: html before text, the longest of a type.

    Content of another media type (base64 that feedparser decoded) comes last, read as markup.
    """
    best: dict[str, tuple[str, str | None]] = {}
    for c in e.get("content") or ():
        if not hasattr(c, "get"):
            continue
        value = _text(c.get("value"))
        if not value.strip():
            continue
        kind = _kind(_text(c.get("type")), "text") or "other"
        if len(value) > len(best.get(kind, ("", None))[0]):
            best[kind] = (value, _text(c.get("base")) or None)
    if "text" in best and "html" not in best:
        return best["text"][0], "text"
    value, where = best.get("html") or best.get("other") or ("", None)
    return absolute_refs(value, links.within(where)), "html"


def _entry(e: Any, language: str | None, links: LinkCheck) -> RawEntry:
    title, title_mime, _ = _detail(e, "title")
    summary, summary_mime, summary_base = _detail(e, "summary")
    summary_kind = _kind(summary_mime, "html") or "html"  # another media type: as before
    if summary_kind == "html":
        summary = absolute_refs(summary, links.within(summary_base))
    content, content_kind = _content(e, links)
    return RawEntry(
        guid=_text(e.get("id")) or None,
        link=links.link(_text(e.get("link"))),
        title=title,
        title_type=_kind(title_mime, "text") or "text",  # another media type: as before
        summary_html=summary,
        summary_type=summary_kind,
        content_html=content,
        content_type=content_kind,
        published=_when(e.get("published_parsed")),
        updated=_when(e.get("updated_parsed")),
        author=_text(e.get("author")),
        language=language,
    )


# feedparser's helpers for the fast path (private names of a dependency pinned below 7: the
# tests that compare both paths would see them change).
_RULES = fastxml.FeedparserRules(_parse_date, _FeedParserMixin.looks_like_html, _urljoin)


def read_common_feed(body: bytes) -> tuple[fastxml.FeedDict, list[fastxml.FeedDict], str] | None:
    """The fast path's reading of `body`, or None when feedparser must read it."""
    return fastxml.read_common_feed(body, _RULES)


def _read_xml(body: bytes) -> tuple[Any, list[Any], str | None, str | None]:
    """(feed, entries, version, bozo reason) in feedparser's shape: the fast path when it reads
    the document, feedparser otherwise."""
    fast = read_common_feed(body)
    if fast is not None:
        feed, entries, version = fast
        return feed, entries, version, None
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    bozo = str(parsed.get("bozo_exception", ""))[:300] if parsed.get("bozo") else None
    return parsed.get("feed", {}), parsed.get("entries", []), parsed.get("version"), bozo


def _parse_xml(body: bytes, base: str | None) -> ParsedFeed:
    """RSS or Atom; FeedError when nothing usable is there.

    feedparser gets no base: given one, it joins URLs at every element start (a fifth of its
    time). Relative links come out relative to their xml:base and are resolved here.
    """
    try:
        feed, raw_entries, version, bozo = _read_xml(body)
        language = _text(feed.get("language")) or None
        links = LinkCheck(base)
        entries = [_entry(e, language, links) for e in raw_entries]
        title, title_mime, _ = _detail(feed, "title")
        title = title_to_text(title, _kind(title_mime, "text") or "text")
        link = LinkCheck(base).link(_text(feed.get("link")))
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
    return ParsedFeed(
        title=title,
        link=link,
        language=language,
        entries=entries,
        bozo_reason=bozo,
        dropped_links=dict(links.dropped),
    )


def parse_feed(
    body: bytes,
    *,
    base_url: str | None = None,
    content_location: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """Parse feed bytes (RSS 0.9x/1.0/2.0, Atom, JSON Feed 1.0/1.1). FeedError when unusable.

    `base_url` (the final URL after redirects) and `content_location` give the base for relative
    links; `content_type` is the response's header. No time limit: see `parse_feed_limited`.
    """
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes bytes, never a URL or a path")
    if not body.strip():
        raise FeedError(EMPTY_REASON)
    base = base_url_of(base_url, content_location)
    if looks_like_json(body, content_type):
        try:
            return parse_json_feed(body, base)
        except FeedError as exc:
            # a "{" that is not JSON at all, from a server that did not say JSON and with no
            # word of JSON Feed: let the XML reader say what it is
            said_json = declared_json(content_type) or _JSON_FEED_MARK in body[:4096]
            if exc.reason != JSON_MALFORMED_REASON or said_json:
                raise
    return _parse_xml(body, base)


# ---------------------------------------------------------------- time-limited parsing in workers

_FRAME = struct.Struct(">Q")
_NO_START_REASON = "the feed could not be read: the parser did not start"
_WORKER_MEMORY = 1024 * 1024 * 1024  # address-space cap per worker: a hostile feed hits MemoryError
_SPAWN_TIMEOUT = 60.0


class _Job(NamedTuple):
    """One parse for a worker: the body and what the response said about it."""

    body: bytes
    base_url: str | None = None
    content_location: str | None = None
    content_type: str | None = None


def _run(job: _Job) -> tuple[str, Any]:
    try:
        feed = parse_feed(
            job.body,
            base_url=job.base_url,
            content_location=job.content_location,
            content_type=job.content_type,
        )
    except FeedError as exc:
        return ("error", exc.reason)
    return ("ok", feed)


def _worker_main() -> None:
    """Worker loop: read length-prefixed pickled jobs on stdin, write pickled outcomes on stdout."""
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
        outcome: tuple[str, Any]
        try:
            # the parent wrote this frame: a _Job of plain values
            outcome = _run(_Job(*pickle.loads(inp.read(size))))
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

    async def call(self, job: _Job) -> tuple[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        frame = pickle.dumps(tuple(job), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_FRAME.pack(len(frame)) + frame)
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

    async def parse(
        self,
        body: bytes,
        timeout: float = 5.0,
        *,
        base_url: str | None = None,
        content_location: str | None = None,
        content_type: str | None = None,
    ) -> ParsedFeed:
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
                    status, payload = await worker.call(
                        _Job(body, base_url, content_location, content_type)
                    )
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
        """Stop the idle workers (a busy one returns to the pool when its parse ends)."""
        idle, self._idle = self._idle, []
        for worker in idle:
            await worker.close()


# One default pool per event loop: subprocess pipes belong to the loop that made them.
_default_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ParserPool] = (
    weakref.WeakKeyDictionary()
)


async def parse_feed_limited(
    body: bytes,
    timeout: float = 5.0,
    *,
    pool: ParserPool | None = None,
    base_url: str | None = None,
    content_location: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """Parse untrusted feed bytes in a worker process killed after `timeout` seconds.

    Uses `pool`, or a default pool of two workers for the running event loop. The keywords are
    parse_feed's: pass a FetchResult's `base_url`, `content_location` and `content_type`.
    """
    if pool is None:
        loop = asyncio.get_running_loop()
        pool = _default_pools.get(loop)
        if pool is None:
            pool = _default_pools[loop] = ParserPool()
    return await pool.parse(
        body,
        timeout,
        base_url=base_url,
        content_location=content_location,
        content_type=content_type,
    )


async def release_idle_parsers() -> None:
    """Stop the running loop's idle default parser workers; the next parse starts new ones.
    A poll calls it before judging: two idle parsers hold about 60 MB it has no use for."""
    pool = _default_pools.get(asyncio.get_running_loop())
    if pool is not None:
        await pool.aclose()


async def close_default_parser_pool() -> None:
    """Stop the running loop's default parser workers (call at shutdown)."""
    pool = _default_pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.aclose()
