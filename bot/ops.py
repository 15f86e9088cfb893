"""Operations: Prometheus metrics, /healthz and /metrics over aiohttp, structured logs.

Nothing here is a module-level singleton: `Metrics` owns its CollectorRegistry, and the app builds
one per process. Logs never carry secrets: `SecretFilter` masks configured secret values and
anything shaped like a Slack, Discord or OpenAI token.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from core.source_url import mask_credentials

if TYPE_CHECKING:  # aiohttp is loaded only when the HTTP server is built (start-up cost)
    from aiohttp import web

__all__ = [
    "Metrics",
    "OpsServer",
    "JsonFormatter",
    "SecretFilter",
    "LogThrottle",
    "DatabaseWatch",
    "configure_logging",
]

log = logging.getLogger("policybrief.ops")

_TOKEN_SHAPES = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}|sk-[A-Za-z0-9_-]{16,}"
    r"|[MN][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,})"
)


class LogThrottle:
    """Decides when a repeated message may be logged again: the first time at once, then at most
    once per `every` seconds per topic, counting the ones held back meanwhile."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self._clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def ready(self, topic: str) -> int | None:
        """None: stay quiet (counted); else how many were held back since the last line."""
        now = self._clock()
        last = self._last.get(topic)
        if last is not None and now - last < self.every:
            self._held[topic] = self._held.get(topic, 0) + 1
            return None
        if len(self._last) > 1000:  # topics come from a fixed set; this only bounds a bug
            self._last.clear()
        self._last[topic] = now
        return self._held.pop(topic, 0)

    def reset(self, topic: str) -> None:
        """Forget `topic`: the next message about it is logged at once."""
        self._last.pop(topic, None)
        self._held.pop(topic, None)


class DatabaseWatch:
    """A database lost at run time: told once at once, then at most once a minute (never with a
    traceback), and remembered so /healthz can answer 503 until it is back."""

    def __init__(self, throttle: LogThrottle | None = None) -> None:
        self.fault: str | None = None
        self._throttle = throttle or LogThrottle(every=60.0)

    def failed(self, fault: str) -> None:
        """A tick could not use the database because of `fault` (one line, e.g. "cannot connect
        to 127.0.0.1:5432: connection refused")."""
        self.fault = fault
        held = self._throttle.ready("lost")
        if held is None:
            return
        more = f" ({held} more failures since the last report)" if held else ""
        log.error("database unavailable: %s%s", fault, more)

    def ok(self) -> None:
        """A tick used the database successfully."""
        if self.fault is None:
            return
        self.fault = None
        if self._throttle.ready("back") is not None:
            log.warning("database reachable again")


class Metrics:
    """The counters the scheduler and sender update, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.sources_polled = Counter(
            "policybrief_sources_polled", "Source polls completed", registry=r
        )
        self.fetch_failures = Counter(
            "policybrief_fetch_failures", "Source polls that failed", registry=r
        )
        self.items_stored = Counter(
            "policybrief_items_stored", "New items stored from feeds", registry=r
        )
        self.article_fetches = Counter(
            "policybrief_article_fetches",
            "Article pages fetched for full-text sources, by outcome (ok, failed)",
            ["outcome"],
            registry=r,
        )
        self.deliveries = Counter(
            "policybrief_deliveries",
            "Outbox sends by outcome (sent, retried, failed, gone, forbidden)",
            ["outcome", "platform", "kind"],
            registry=r,
        )
        self.digests_queued = Counter(
            "policybrief_digests_queued", "Digests written to the outbox", registry=r
        )
        self.alerts_queued = Counter(
            "policybrief_alerts_queued", "Watch alerts written to the outbox", registry=r
        )
        self.llm_tokens = Gauge(
            "policybrief_llm_tokens_today", "LLM tokens used today (UTC), all replicas", registry=r
        )
        self.tick_errors = Counter(
            "policybrief_tick_errors", "Scheduler ticks that raised", ["tick"], registry=r
        )
        self.last_tick = Gauge(
            "policybrief_last_tick_timestamp", "When each tick last finished", ["tick"], registry=r
        )

    def articles(self, fetched: int, failed: int) -> None:
        """Article pages read (and not) for full-text sources."""
        self.article_fetches.labels("ok").inc(fetched)
        self.article_fetches.labels("failed").inc(failed)

    def polled(self, polled: int, failures: int, items: int) -> None:
        self.sources_polled.inc(polled)
        self.fetch_failures.inc(failures)
        self.items_stored.inc(items)

    def delivery(self, outcome: str, platform: str, kind: str) -> None:
        self.deliveries.labels(outcome, platform, kind).inc()

    def tick_done(self, name: str) -> None:
        self.last_tick.labels(name).set(time.time())

    def tick_failed(self, name: str) -> None:
        self.tick_errors.labels(name).inc()

    def watch_llm_tokens(self, read: Callable[[], float]) -> None:
        """Read today's token count from the database at scrape time."""

        def safe() -> float:
            try:
                return float(read())
            except Exception:  # a scrape must never fail because the database blinked
                return 0.0

        self.llm_tokens.set_function(safe)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class OpsServer:
    """aiohttp server with /healthz (JSON) and /metrics (Prometheus text)."""

    def __init__(
        self,
        metrics: Metrics,
        health: Callable[[], dict[str, object]],
        *,
        host: str = "0.0.0.0",
        port: int = 8080,
        app: web.Application | None = None,
    ) -> None:
        self.metrics = metrics
        self.health = health
        from aiohttp import web

        self.host, self.port = host, port
        self.app = app or web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        body: dict[str, object]
        try:
            body = self.health()
        except Exception as exc:
            body = {"status": "error", "error": type(exc).__name__}
        status = 200 if body.get("status") == "ok" else 503
        from aiohttp import web

        return web.json_response(body, status=status)

    async def _metrics(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def start(self) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        from aiohttp import web

        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class SecretFilter(logging.Filter):
    """Masks secret values, token-shaped strings and passwords in URLs (`https://user:•••@…`)
    in every record's message and args."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return mask_credentials(_TOKEN_SHAPES.sub("***", text))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any `extra` fields."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._standard and not key.startswith("_"):
                data[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info or record.exc_text:
            data["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: str, json_lines: bool, secrets: Iterable[str] = ()) -> None:
    """Root logging to stderr: JSON lines or plain text, secrets masked, chatty libraries quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SecretFilter(secrets))
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    noisy_libraries = (
        "alembic",  # "Context impl SQLiteImpl." at every start; storage says what it upgraded
        "apscheduler",
        "httpx",
        "httpcore",
        "aiohttp.access",
        "slack_bolt",
        "discord",
    )
    for noisy in noisy_libraries:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
