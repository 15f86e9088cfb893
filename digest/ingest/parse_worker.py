"""The parser worker process: length-prefixed pickled jobs in on stdin, outcomes out on stdout.

parser_pool.py starts it and shares the wire format below. Only the worker loads the parsers
(feedparser, lxml), when it starts: the poller that talks to it needs neither, and the worker
loads no asyncio, so each process holds only what it uses.
"""

from __future__ import annotations

import pickle
import signal
import struct
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from digest.ingest.rawfeed import UNREADABLE_REASON, FeedError, ParsedFeed

__all__ = ["FRAME", "READY", "Job", "main"]

FRAME = struct.Struct(">Q")  # the byte length of the pickle that follows
READY = 0  # the frame a worker sends once, with no pickle, when it can take jobs
_WORKER_MEMORY = 1024 * 1024 * 1024  # address-space cap per worker: a hostile feed hits MemoryError


class Job(NamedTuple):
    """One parse for a worker: the body and what the response said about it."""

    body: bytes
    base_url: str | None = None
    content_location: str | None = None
    content_type: str | None = None


def _run(parse_feed: Callable[..., ParsedFeed], job: Job) -> tuple[str, Any]:
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


def main() -> None:
    """Worker loop: read length-prefixed pickled jobs on stdin, write pickled outcomes on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_WORKER_MEMORY, _WORKER_MEMORY))
    except (ImportError, ValueError, OSError):
        pass
    # loaded before the first job, so that no parse's time limit pays for it
    from digest.ingest.parse import parse_feed

    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the pipe
    out.write(FRAME.pack(READY))  # loaded: the parent times parses from now on
    out.flush()
    while True:
        head = inp.read(FRAME.size)
        if len(head) < FRAME.size:
            return  # parent closed the pipe
        (size,) = FRAME.unpack(head)
        outcome: tuple[str, Any]
        try:
            # the parent wrote this frame: a Job of plain values
            outcome = _run(parse_feed, Job(*pickle.loads(inp.read(size))))
        except BaseException:
            outcome = ("error", UNREADABLE_REASON)
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(FRAME.pack(len(data)) + data)
        out.flush()
