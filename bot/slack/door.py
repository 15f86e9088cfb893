"""The front door of /slack/events: every request is checked, acknowledged and queued here.

`check_request` is pure: a malformed timestamp, a bad signature, a body that is not UTF-8, JSON
that does not parse or a `payload` that is not JSON gets 400 or 401 and one WARNING line
(rate-limited, never a traceback). A signed request seen before (a replay, or Slack's own retry
of an event) is answered and not run again: its identity is the hash of its signed body, which
carries Slack's trigger_id or event_id. What passes is acknowledged at once and queued for a
fixed number of workers, so an ack never waits for the database, Slack's Web API or the
dispatcher, and a burst cannot pile up unbounded work.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from bot.ops import LogThrottle

__all__ = [
    "REPLAY_WINDOW",
    "Checked",
    "Refused",
    "check_request",
    "ReplayGuard",
    "WorkQueue",
]

log = logging.getLogger("policybrief.slack")

REPLAY_WINDOW = 5 * 60.0  # seconds: Slack's own limit on a request's age, and how long we remember
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")

Kind = Literal["command", "action", "event", "other"]


@dataclass(frozen=True)
class Refused:
    """A request turned away: the HTTP status and why, in a few words."""

    status: int
    reason: str


@dataclass(frozen=True)
class Checked:
    """A signed, well-formed request: its text, what kind it is, and its identity."""

    body: str
    kind: Kind
    identity: str


def _signed(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _kind(body: str, content_type: str) -> Kind | Refused:
    """What the body is, once it parses; Refused(400) when it does not."""
    if content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return Refused(400, "the JSON body does not parse")
        if not isinstance(data, dict):
            return Refused(400, "the JSON body is not an object")
        return "event" if data.get("type") == "event_callback" else "other"
    form = parse_qs(body, keep_blank_values=True)
    if "payload" in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return Refused(400, "the payload field is not JSON")
        if not isinstance(payload, dict):
            return Refused(400, "the payload field is not a JSON object")
        return "action" if payload.get("type") == "block_actions" else "other"
    if form.get("command"):
        return "command"
    return "other"


def check_request(
    secret: bytes, headers: Mapping[str, str], body: bytes, now: float
) -> Checked | Refused:
    """Signature and timestamp first (401), then the body (400)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not _TIMESTAMP.match(timestamp):
        return Refused(401, "the timestamp header is missing or not a number of seconds")
    if abs(now - int(timestamp)) > REPLAY_WINDOW:
        return Refused(401, "the request is older than five minutes")
    signature = headers.get("X-Slack-Signature", "")
    if not _SIGNATURE.match(signature) or not _signed(secret, timestamp, body, signature):
        return Refused(401, "the signature does not match")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refused(400, "the body is not UTF-8")
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    kind = _kind(text, content_type)
    if isinstance(kind, Refused):
        return kind
    return Checked(text, kind, hashlib.sha256(body).hexdigest())


class ReplayGuard:
    """Remembers the identities of requests run in the last five minutes (bounded)."""

    def __init__(
        self,
        window: float = REPLAY_WINDOW,
        limit: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window, self._limit, self._clock = window, limit, clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, identity: str) -> bool:
        """True the first time `identity` is seen within the window (and remember it)."""
        now = self._clock()
        while self._seen:
            oldest, when = next(iter(self._seen.items()))
            if when > now - self._window and len(self._seen) < self._limit:
                break
            del self._seen[oldest]
        if identity in self._seen:
            return False
        self._seen[identity] = now
        return True


Work = Callable[[], Awaitable[object]]


class WorkQueue:
    """A bounded queue of request work and the fixed set of tasks that run it."""

    def __init__(self, workers: int = 16, size: int = 2000) -> None:
        self._queue: asyncio.Queue[Work] = asyncio.Queue(maxsize=size)
        self._workers = workers
        self._tasks: list[asyncio.Task[None]] = []

    def offer(self, work: Work) -> bool:
        """Queue `work`; False when the queue is full (the caller says "busy")."""
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._run()) for _ in range(self._workers)]
        try:
            self._queue.put_nowait(work)
        except asyncio.QueueFull:
            return False
        return True

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    async def _run(self) -> None:
        while True:
            work = await self._queue.get()
            try:
                await work()
            except Exception:  # one request's failure is logged; the worker goes on
                log.exception("slack: handling a request failed")
            finally:
                self._queue.task_done()

    async def close(self, timeout: float = 3.0) -> None:
        """Let queued work finish for up to `timeout` s, then stop the workers."""
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []


def refusal_logger(throttle: LogThrottle) -> Callable[[str, Refused], None]:
    """Logs a refused request as one WARNING line, at most as often as `throttle` allows."""

    def report(peer: str, refused: Refused) -> None:
        skipped = throttle.ready("refused")
        if skipped is None:
            return
        more = f" ({skipped} more refused since the last line)" if skipped else ""
        log.warning(
            "slack: refused a request from %s with %d: %s%s",
            peer,
            refused.status,
            refused.reason,
            more,
        )

    return report
