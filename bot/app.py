"""The composition root: builds the database, services and adapters, and runs one asyncio loop.

`run(settings)` is `policybrief run`: the scheduler, every configured platform (the console when
none is), /healthz and /metrics, and a graceful SIGTERM (sends under way finish, leases are
released, the process exits within 10 s). `run_due_digests_cli(settings, at)` is
`policybrief digest run-due --at`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text

from bot.delivery import DeliveryConfig, Outbox
from bot.ops import Metrics, OpsServer, configure_logging
from bot.publisher import Publisher
from bot.scheduler import PollFn, PollOutcome, Scheduler, TickConfig, Ticks
from bot.settings import Settings
from core.clock import utcnow
from digest.composition.digests import DigestRunReport, run_due_digests
from digest.ingest.defaults import DefaultSource, default_sources
from digest.ingest.netguard import log_allowlist
from digest.ingest.parse import close_default_parser_pool
from digest.ingest.pipeline import PipelineContext, RefreshResult, poll_sources
from digest.ingest.probe import ProbeResult, probe_source
from handlers.context import Limits, Services
from storage.claims import new_owner
from storage.db import Database
from storage.models import LlmUsage

__all__ = [
    "Components",
    "build_provider",
    "build_components",
    "open_database",
    "pipeline_poll",
    "build_ticks",
    "run",
    "run_due_digests_cli",
]

log = logging.getLogger("policybrief.app")

SHUTDOWN_BUDGET = 10.0  # seconds from SIGTERM to exit
_UPGRADE_LOCK = 7_263_001  # PostgreSQL advisory lock id: one replica migrates at a time


@dataclass
class Components:
    """Everything built from settings that the runtimes share."""

    settings: Settings
    db: Database
    taxonomy: Any
    summarizer: Any
    provider: Any
    services: Services
    fetcher: Any
    registry: Any
    metrics: Metrics
    clock: Callable[[], datetime] = utcnow
    summary_worker: Any = None
    closers: list[Callable[[], Any]] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                result = close()
                if asyncio.iscoroutine(result):
                    await result
        self.db.dispose()


def open_database(url: str, *, seed: Callable[[], list[DefaultSource]] | None = None) -> Database:
    """Open and migrate the database; on PostgreSQL replicas take turns (advisory lock).

    A database created here gets the default sources from `seed` (once: removing them later
    sticks).
    """
    db = Database(url)
    if db.is_sqlite:
        _migrate(db, seed)
        return db
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _UPGRADE_LOCK})
        try:
            _migrate(db, seed)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _UPGRADE_LOCK})
            conn.commit()
    return db


def _migrate(db: Database, seed: Callable[[], list[DefaultSource]] | None) -> None:
    fresh = db.current_revision() is None
    db.upgrade()
    if not (fresh and seed):
        return
    from storage.sources import add_source

    entries = seed()
    with db.session() as session:
        for entry in entries:
            add_source(session, entry.url, entry.name, entry.jurisdiction, entry.official)
    log.info("new database: added %d default sources", len(entries))


def _secrets(settings: Settings) -> list[str]:
    values = []
    for name in (
        "openai_api_key",
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "slack_client_secret",
        "discord_token",
    ):
        secret = getattr(settings, name, None)
        if secret is not None:
            values.append(secret.get_secret_value())
    return values


def _llm_tokens_today(db: Database, clock: Callable[[], datetime]) -> int:
    with db.session() as session:
        row = session.get(LlmUsage, clock().date())
        return row.tokens if row is not None else 0


def build_provider(
    settings: Settings, db: Database, clock: Callable[[], datetime] = utcnow
) -> tuple[Any, Any]:
    """The summary provider for documents, and the background LLM worker (None without LLM).

    The provider never calls the model: it serves cached LLM summaries, else extractive ones.
    """
    from digest.composition.compose import SummaryProvider
    from digest.writing.llm import LlmSummarizer, build_client
    from digest.writing.llm_summaries import LlmSummaryProvider, SummaryQueue, SummaryWorker
    from digest.writing.summarize import ExtractiveSummarizer

    extractive = SummaryProvider(ExtractiveSummarizer())
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = build_client(key, settings.openai_base_url, timeout=settings.llm_timeout)
    if client is None:
        # No LLM configured: extractive summaries, and briefings say so in their footer.
        return LlmSummaryProvider(extractive, model=settings.llm_model, enabled=False), None
    llm = LlmSummarizer(
        client, settings.llm_model, language=settings.language, timeout=settings.llm_timeout
    )
    queue = SummaryQueue()
    provider = LlmSummaryProvider(extractive, model=settings.llm_model, queue=queue, db=db)
    worker = SummaryWorker(
        db, llm, daily_tokens=settings.llm_daily_tokens, queue=queue, clock=clock
    )
    return provider, worker


def build_components(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    fetcher: Any = None,
    db: Database | None = None,
) -> Components:
    """Database, taxonomy, summarizer and provider (LLM when configured), fetcher, services."""
    from digest.judgement.classify import Taxonomy
    from digest.writing.summarize import ExtractiveSummarizer

    if db is None:
        seed = (lambda: default_sources(settings.config_path)) if settings.seed_sources else None
        db = open_database(settings.database_url, seed=seed)
    taxonomy = Taxonomy.load(settings.config_path)
    provider, worker = build_provider(settings, db, clock)
    summarizer = ExtractiveSummarizer()
    if fetcher is None:
        from digest.ingest.fetch import Fetcher

        fetcher = Fetcher(allow=settings.fetch_allow)

    async def probe(url: str) -> ProbeResult:
        return await probe_source(fetcher, url)

    services = Services(
        db=db,
        taxonomy=taxonomy,
        summarizer=summarizer,
        clock=clock,
        limits=Limits(),
        admins=frozenset(settings.admins),
        moderators=frozenset(settings.moderators),
        default_timezone=settings.timezone,
        probe=probe,
        provider=provider,
    )
    from handlers.all import build_registry

    metrics = Metrics()
    metrics.watch_llm_tokens(lambda: _llm_tokens_today(db, clock))
    comps = Components(
        settings=settings,
        db=db,
        taxonomy=taxonomy,
        summarizer=summarizer,
        provider=provider,
        services=services,
        fetcher=fetcher,
        registry=build_registry(),
        metrics=metrics,
        clock=clock,
        summary_worker=worker,
    )
    if hasattr(fetcher, "aclose"):
        comps.closers.append(fetcher.aclose)
    comps.closers.append(close_default_parser_pool)
    return comps


def pipeline_poll(
    db: Database,
    fetcher: Any,
    taxonomy: Any,
    clock: Callable[[], datetime],
    *,
    concurrency: int = 16,
    progress: Callable[[RefreshResult], None] | None = None,
) -> PollFn:
    """The poll tick's work (and `policybrief poll`'s): `poll_sources`, as a PollOutcome."""
    ctx = PipelineContext(db=db, fetcher=fetcher, taxonomy=taxonomy, clock=clock)

    async def poll(source_ids: list[int]) -> PollOutcome:
        results = await poll_sources(ctx, source_ids, concurrency=concurrency, progress=progress)
        stories: list[int] = []
        for r in results:
            stories += list(r.new_story_ids) + list(r.changed_story_ids)
        return PollOutcome(
            polled=len(results),
            failures=sum(1 for r in results if r.status == "failed"),
            items_stored=sum(r.new_items for r in results),
            new_story_ids=list(dict.fromkeys(stories)),
        )

    return poll


def build_ticks(
    comps: Components,
    publishers: dict[str, Publisher],
    *,
    config: TickConfig | None = None,
    delivery: DeliveryConfig | None = None,
    owner: str | None = None,
) -> Ticks:
    """The scheduler's work, wired to the pipeline, alerts, LLM worker and the outbox."""
    from digest.composition.alerts import WatchIndex, queue_alerts

    settings, db = comps.settings, comps.db
    config = config or TickConfig(poll_every=60.0)
    outbox = Outbox(
        db,
        publishers,
        owner=owner or new_owner(),
        clock=comps.clock,
        config=delivery,
        admins=settings.admins,
        metrics=comps.metrics,
    )
    cap = comps.services.limits.alerts_per_user_per_day

    watches = WatchIndex()  # rebuilt only when the active watches change

    def alerts(story_ids: list[int], now: datetime) -> int:
        return queue_alerts(db, watches, story_ids, now, daily_cap=cap)

    summaries = None
    compose = None
    worker = comps.summary_worker
    if worker is not None:
        compose = _compose_with_llm(worker, settings.llm_timeout)

        async def summaries(story_ids: list[int]) -> object:
            stats = await worker.run_pending(story_ids)
            await worker.run_queued()
            return stats

    return Ticks(
        db,
        outbox,
        taxonomy=comps.taxonomy,
        provider=comps.provider,
        poll=pipeline_poll(
            db, comps.fetcher, comps.taxonomy, comps.clock, concurrency=config.poll_concurrency
        ),
        alerts=alerts,
        summaries=summaries,
        compose=compose,
        clock=comps.clock,
        config=config,
        metrics=comps.metrics,
    )


def _compose_with_llm(worker: Any, timeout: float) -> Callable[..., Any] | None:
    """compose_digest that lets the LLM worker fill missing summaries and the top line first.

    Digests are composed in a worker thread, off the command path, so they may wait on the
    model (bounded); commands never do. Without a running loop there is nothing to wait on.
    """
    from digest.composition.compose import compose_digest
    from digest.writing.llm_summaries import compose_after_summaries

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None

    def compose(*args: Any, **kwargs: Any) -> Any:
        digest = functools.partial(compose_digest, *args, **kwargs)
        future = asyncio.run_coroutine_threadsafe(compose_after_summaries(worker, digest), loop)
        try:
            return future.result(timeout=2 * timeout)
        except Exception:  # the extractive text stands; the footer says so
            future.cancel()
            log.warning("LLM summaries for a digest did not finish; sending it extractive")
            return digest()

    return compose


def _build_platforms(comps: Components) -> tuple[dict[str, Publisher], list[Any], Any]:
    """Publishers and runtimes for every configured platform; (.., .., slack runtime or None)."""
    settings = comps.settings
    publishers: dict[str, Publisher] = {}
    runtimes: list[Any] = []
    slack = None
    if settings.slack_enabled:
        from bot.slack.app import build_slack

        slack = build_slack(settings, comps.services, comps.registry)
        publishers["slack"] = slack.publisher
        runtimes.append(slack)
    if settings.discord_enabled:
        from bot.discord.client import build_discord

        discord = build_discord(settings, comps.services, comps.registry)
        publishers["discord"] = discord.publisher
        runtimes.append(discord)
    return publishers, runtimes, slack


async def run(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """`policybrief run`: everything configured, until SIGTERM/SIGINT (or `stop` is set)."""
    configure_logging(settings.log_level, settings.log_json, _secrets(settings))
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    log_allowlist(settings.fetch_allow, log)
    comps = await asyncio.to_thread(build_components, settings)
    publishers, runtimes, slack = _build_platforms(comps)
    repl: asyncio.Future[None] | None = None
    if not publishers:
        from bot.console import ConsolePublisher
        from bot.console import repl as console_repl

        publishers["console"] = ConsolePublisher()
        if sys.stdin is not None and sys.stdin.isatty():
            repl = asyncio.ensure_future(console_repl(comps.services, comps.registry))
            repl.add_done_callback(lambda _f: stop.set())
        log.info("no chat platform configured: digests and alerts print to the console")
    ticks = build_ticks(comps, publishers)
    scheduler = Scheduler(ticks)
    ops = None
    if settings.http_port:
        ops = OpsServer(comps.metrics, scheduler.health, port=settings.http_port)
        if slack is not None:
            # One port: /slack/events (HTTP mode) and the OAuth pages next to /healthz.
            slack.mount(ops.app)
    started: list[Any] = []
    try:
        if ops is not None:
            port = await ops.start()
            log.info("health and metrics on :%s (/healthz, /metrics)", port)
        for runtime in runtimes:
            await runtime.start()
            started.append(runtime)
        scheduler.start()
        log.info("policybrief running as %s on %s", ticks.owner, ", ".join(sorted(publishers)))
        await stop.wait()
        log.info("stopping: finishing sends under way")
    finally:
        deadline = loop.time() + SHUTDOWN_BUDGET - 1.0
        await scheduler.stop(timeout=SHUTDOWN_BUDGET - 3.0)
        for runtime in reversed(started):
            remaining = max(0.1, deadline - loop.time())
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runtime.stop(), remaining)
        if ops is not None:
            await ops.stop()
        await comps.aclose()
        log.info("stopped")


def run_due_digests_cli(settings: Settings, at: datetime) -> DigestRunReport:
    """`policybrief digest run-due --at ISO`: queue the digests due at `at`; the bot sends them."""
    if at.tzinfo is None:
        raise ValueError("give --at with a time zone, e.g. 2026-06-01T08:00:00+02:00 or ...Z")
    db = open_database(settings.database_url)
    try:
        from digest.judgement.classify import Taxonomy

        taxonomy = Taxonomy.load(settings.config_path)
        provider, _worker = build_provider(settings, db)
        return run_due_digests(db, taxonomy, provider, now=at)
    finally:
        db.dispose()
