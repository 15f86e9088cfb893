"""Parsing untrusted feed bytes under a time limit, in reusable worker processes.

feedparser 6.0.x has a regex on `<author>` that can take minutes on a crafted feed (parse.py's
fast path never runs it, but feedparser still reads what the fast path declines), so a poll
parses in workers (parse_worker.py) and kills one that overruns: one hostile feed cannot stall
polling. This side loads neither feedparser nor lxml: the poller holds no parser it never runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import sys
import weakref
from pathlib import Path
from typing import Any

from digest.ingest.parse_worker import FRAME, READY, Job
from digest.ingest.rawfeed import EMPTY_REASON, FeedError, ParsedFeed

__all__ = [
    "ParserPool",
    "parse_feed_limited",
    "close_default_parser_pool",
    "release_idle_parsers",
]

_SPAWN_TIMEOUT = 60.0
# A second worker starts only when every live one has been on its current feed this long: most
# feeds parse in milliseconds, so one process serves a whole poll (each holds about 30 MB), and a
# slow or hostile feed still cannot hold up the others for more than this.
_SPARE_AFTER = 0.25


class _WorkerDied(Exception):
    pass


def _worker_path() -> str:
    """The worker's import path: our code first, then every directory this process imports
    from (site-packages included, which `-S` leaves out)."""
    root = str(Path(__file__).resolve().parents[2])
    seen: dict[str, None] = {root: None}
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            seen.setdefault(entry, None)
    return os.pathsep.join(seen)


class _Worker:
    """One parser process, reused across feeds until it overruns and is killed."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.busy_since = 0.0  # the event loop's time when its current parse began

    @classmethod
    async def start(cls) -> _Worker:
        env = dict(os.environ)
        env["PYTHONPATH"] = _worker_path()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-P",  # not the working directory first: a `digest` there is not our code
            # no `site`: its start-up (.pth files, ~45 modules, ~1.4 MB per worker) only finds
            # the directories this process already knows, handed over in PYTHONPATH instead
            "-S",
            "-c",
            "from digest.ingest.parse_worker import main; main()",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        worker = cls(proc)
        try:
            await worker.ready()
        except BaseException:
            await worker.kill()
            raise
        return worker

    async def ready(self) -> None:
        """Wait until the worker has loaded the parsers; OSError when it stopped instead."""
        assert self.proc.stdout is not None
        try:
            (size,) = FRAME.unpack(await self.proc.stdout.readexactly(FRAME.size))
        except asyncio.IncompleteReadError:
            raise OSError("the parser process stopped while starting") from None
        if size != READY:
            raise OSError("the parser process said something else than ready")

    async def call(self, job: Job) -> tuple[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        frame = pickle.dumps(tuple(job), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(FRAME.pack(len(frame)) + frame)
            await self.proc.stdin.drain()
            (size,) = FRAME.unpack(await self.proc.stdout.readexactly(FRAME.size))
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
    """Up to `size` reusable parser processes; a parse over its limit kills its worker. A second
    process starts only beside one that has been parsing one feed for `_SPARE_AFTER` s."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Worker] = []
        self._live = 0  # workers started and not yet stopped, idle or busy
        self._busy: set[_Worker] = set()
        self._returned = asyncio.Event()  # a worker came back idle, or one was stopped
        self.killed = 0  # workers killed for overrunning (visible to tests and metrics)

    async def start(self) -> None:
        """Spawn the workers now instead of on first use."""
        while self._live < self.size:
            self._idle.append(await self._spawn())

    async def _spawn(self) -> _Worker:
        self._live += 1
        try:
            return await asyncio.wait_for(_Worker.start(), _SPAWN_TIMEOUT)
        except BaseException:
            self._live -= 1
            raise

    async def _take(self) -> _Worker:
        """An idle worker; a new one when none is live, or when every live one has been on its
        feed for `_SPARE_AFTER` s (a slow feed must not hold up the others)."""
        loop = asyncio.get_running_loop()
        while True:
            if self._idle:
                return self._idle.pop()
            if self._live == 0 or (self._live < self.size and self._all_stuck(loop.time())):
                return await self._spawn()
            self._returned.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._returned.wait(), _SPARE_AFTER / 2)

    def _all_stuck(self, now: float) -> bool:
        """Every live worker is parsing (none is starting) and has been for `_SPARE_AFTER` s."""
        return len(self._busy) == self._live and all(
            now - w.busy_since >= _SPARE_AFTER for w in self._busy
        )

    def _stopped(self, count: int = 1) -> None:
        self._live -= count
        self._returned.set()

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
            try:
                worker = await self._take()
            except (OSError, TimeoutError):
                raise FeedError("the feed could not be read: the parser did not start") from None
            healthy = False
            worker.busy_since = asyncio.get_running_loop().time()
            self._busy.add(worker)
            try:
                async with asyncio.timeout(timeout):
                    status, payload = await worker.call(
                        Job(body, base_url, content_location, content_type)
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
                self._busy.discard(worker)
                if healthy:
                    self._idle.append(worker)
                    self._returned.set()
                else:
                    self._stopped()
                    await asyncio.shield(worker.kill())
        if status == "ok":
            assert isinstance(payload, ParsedFeed)
            return payload
        raise FeedError(str(payload))

    async def aclose(self) -> None:
        """Stop the idle workers (a busy one returns to the pool when its parse ends)."""
        idle, self._idle = self._idle, []
        self._stopped(len(idle))
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
