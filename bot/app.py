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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot.delivery import DeliveryConfig, Outbox
from bot.ops import Metrics, OpsServer, configure_logging
from bot.progress import PollProgress, ProgressRelay
from bot.publisher import Publisher
from bot.scheduler import PollFn, PollOutcome, Scheduler, TickConfig, Ticks
from bot.settings import Settings
from core.clock import utcnow
from core.sources import NewSource
from core.subscriptions import SubscriptionRecord
from digest.composition.alerts import alerts_hook
from digest.composition.cards import Cards
from digest.composition.compose import compose_digest
from digest.composition.digests import LATE_LIMIT, Compose, DigestRunReport, run_due_digests
from digest.composition.schedule import next_due, parse_hhmm
from digest.ingest.deadlines_hook import deadlines_hook
from digest.ingest.defaults import SourcesConfigError, default_sources
from digest.ingest.fetch import Fetcher
from digest.ingest.fulltext import ArticleReader
from digest.ingest.netguard import FetchPolicy, log_allowlist
from digest.ingest.parse import close_default_parser_pool
from digest.ingest.pipeline import (
    AfterIngest,
    PipelineContext,
    RefreshResult,
    poll_sources,
)
from digest.ingest.probe import ProbeResult, probe_source
from digest.ingest.source_url import SourceRefused, admit_source
from digest.judgement.classify import Taxonomy
from digest.judgement.cluster import StoryIndex
from digest.judgement.embeddings import same_meaning
from digest.judgement.relevance import EVENT_TYPES
from digest.writing.embeddings import EmbeddingsClient
from digest.writing.llm import LlmSummarizer, build_client
from digest.writing.llm_summaries import LlmSummaryProvider, SummaryQueue, SummaryWorker
from digest.writing.provider import SummaryProvider
from digest.writing.reading import ReadingVocabulary
from digest.writing.summarize import ExtractiveSummarizer, Summarizer
from handlers.all import build_registry
from handlers.context import CommandLimits, Services
from handlers.registry import Registry
from storage.claims import new_owner
from storage.db import Database
from storage.setup import DatabaseUnavailable, Seed, open_database
from storage.store import Storage

if TYPE_CHECKING:
    from bot.slack.app import SlackRuntime

__all__ = [
    "StartupError",
    "Components",
    "build_provider",
    "build_embedder",
    "build_components",
    "default_seed",
    "digest_composer",
    "after_ingest_hooks",
    "pipeline_poll",
    "build_ticks",
    "run",
    "preview_due_digests",
    "run_due_digests_cli",
    "QueuedSends",
    "send_if_no_bot",
]

log = logging.getLogger("policybrief.app")

SHUTDOWN_BUDGET = 10.0  # seconds from SIGTERM to exit


class StartupError(Exception):
    """The bot cannot start; the message is one line naming the setting and the cause."""


def _open(settings: Settings) -> Database:
    """The database, upgraded and seeded; StartupError in one line when that fails."""
    try:
        return open_database(settings.database_url, seed=default_seed(settings))
    except (DatabaseUnavailable, SourcesConfigError) as exc:
        raise StartupError(str(exc)) from None


@dataclass
class Components:
    """Everything built from settings that the runtimes share."""

    settings: Settings
    db: Database
    store: Storage
    taxonomy: Taxonomy
    summarizer: Summarizer
    provider: LlmSummaryProvider
    services: Services
    registry: Registry
    metrics: Metrics
    clock: Callable[[], datetime] = utcnow
    summary_worker: SummaryWorker | None = None
    # item embeddings as clustering evidence (POLICYBRIEF_EMBEDDINGS_MODEL); None: words alone
    embedder: EmbeddingsClient | None = None
    closers: list[Callable[[], object]] = field(default_factory=list)
    # Built on first use: its TLS contexts cost start-up time that most commands never need.
    given_fetcher: Fetcher | None = None

    @property
    def fetcher(self) -> Fetcher:
        """The HTTP fetcher (closed with the components)."""
        if self.given_fetcher is None:
            self.given_fetcher = Fetcher(allow=self.settings.fetch_allow)
            self.closers.append(self.given_fetcher.aclose)
        return self.given_fetcher

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                result = close()
                if asyncio.iscoroutine(result):
                    await result
        self.db.dispose()


def default_seed(settings: Settings) -> Seed | None:
    """The default sources a new database starts with (None when POLICYBRIEF_SEED_SOURCES is
    off), checked as every source is; a refused one stops start-up with the reason."""
    if not settings.seed_sources:
        return None
    policy = FetchPolicy.from_entries(settings.fetch_allow)

    def seed() -> list[NewSource]:
        checked = []
        for n, s in enumerate(default_sources(settings.config_path), start=1):
            try:
                checked.append(
                    admit_source(
                        s.url,
                        s.name,
                        policy,
                        jurisdiction=s.jurisdiction,
                        official=s.official,
                        full_text=s.full_text,
                    )
                )
            except SourceRefused as exc:
                origin = settings.config_path or "the shipped sources"
                raise SourcesConfigError(f"{origin}: source {n}: {exc.reason}") from None
        return checked

    return seed


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


def build_provider(
    settings: Settings,
    store: Storage,
    clock: Callable[[], datetime] = utcnow,
    *,
    taxonomy: Taxonomy | None = None,
) -> tuple[LlmSummaryProvider, SummaryWorker | None]:
    """The summary provider for documents, and the background LLM worker (None without LLM).

    The provider never calls the model: it serves cached LLM summaries, else extractive ones.
    With `taxonomy`, each story call also asks for the story's topics, relevance and event type
    (only its topic slugs and the known event types are accepted; digest.writing.reading).
    """
    extractive = SummaryProvider(ExtractiveSummarizer())
    redo_after = timedelta(hours=settings.llm_resummary_hours)
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = build_client(key, settings.openai_base_url, timeout=settings.llm_timeout)
    if client is None:
        # No LLM configured: extractive summaries, and briefings say so in their footer.
        off = LlmSummaryProvider(extractive, model=settings.llm_model, enabled=False, clock=clock)
        return off, None
    vocabulary = None
    if taxonomy is not None:
        vocabulary = ReadingVocabulary(tuple(taxonomy.topics), tuple(EVENT_TYPES))
    llm = LlmSummarizer(
        client,
        settings.llm_model,
        language=settings.language,
        timeout=settings.llm_timeout,
        vocabulary=vocabulary,
    )
    queue = SummaryQueue()
    provider = LlmSummaryProvider(
        extractive, model=settings.llm_model, queue=queue, clock=clock, redo_after=redo_after
    )
    worker = SummaryWorker(
        store,
        llm,
        daily_tokens=settings.llm_daily_tokens,
        queue=queue,
        clock=clock,
        redo_after=redo_after,
    )
    return provider, worker


def build_embedder(
    settings: Settings, store: Storage, clock: Callable[[], datetime] = utcnow
) -> EmbeddingsClient | None:
    """The embeddings client when POLICYBRIEF_EMBEDDINGS_MODEL names a model on the configured
    server (same key and base URL as summaries, same daily token budget); else None."""
    if not settings.embeddings_enabled or settings.embeddings_model is None:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = build_client(key, settings.openai_base_url, timeout=settings.llm_timeout)
    if client is None:
        return None
    return EmbeddingsClient(
        store,
        client,
        settings.embeddings_model.strip(),
        daily_tokens=settings.llm_daily_tokens,
        timeout=min(settings.llm_timeout, 10.0),  # ingest waits on it: a short try
        clock=clock,
    )


def build_components(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    fetcher: Fetcher | None = None,
    db: Database | None = None,
) -> Components:
    """Database, taxonomy, summarizer and provider (LLM when configured), fetcher, services.
    StartupError when the database cannot be used or a configured source is refused."""
    if db is None:
        db = _open(settings)
    store = Storage(db)
    taxonomy = Taxonomy.load(settings.config_path)
    provider, worker = build_provider(settings, store, clock, taxonomy=taxonomy)
    summarizer = ExtractiveSummarizer()

    async def probe(url: str) -> ProbeResult:
        return await probe_source(comps.fetcher, url)

    services = Services(
        store=store,
        taxonomy=taxonomy,
        summarizer=summarizer,
        clock=clock,
        limits=CommandLimits(),
        admins=frozenset(settings.admins),
        moderators=frozenset(settings.moderators),
        default_timezone=settings.timezone,
        probe=probe,
        provider=provider,
        public_url=settings.public_url,
        tenant_retention_days=settings.tenant_retention_days,
        fetch_policy=FetchPolicy.from_entries(settings.fetch_allow),
    )
    metrics = Metrics()
    metrics.watch_llm_tokens(lambda: store.usage.tokens_used(clock().date()))
    comps = Components(
        settings=settings,
        db=db,
        store=store,
        taxonomy=taxonomy,
        summarizer=summarizer,
        provider=provider,
        services=services,
        given_fetcher=fetcher,
        registry=build_registry(),
        metrics=metrics,
        clock=clock,
        summary_worker=worker,
        embedder=build_embedder(settings, store, clock),
    )
    comps.closers.append(close_default_parser_pool)
    if fetcher is not None:
        comps.closers.append(fetcher.aclose)
    return comps


def after_ingest_hooks(comps: Components) -> tuple[AfterIngest, ...]:
    """The after-hooks every poll runs, the scheduler's and `policybrief poll`'s alike:
    deadlines, then watch alerts (queued in the outbox, counted in the metrics)."""
    cards = Cards(comps.store, comps.taxonomy, comps.provider)
    alerts = alerts_hook(
        comps.store,
        cards.read,
        clock=comps.clock,
        daily_cap=comps.services.limits.alerts_per_user_per_day,
        default_zone=comps.settings.timezone,
        on_queued=comps.metrics.alerts_queued.inc,
    )
    return (deadlines_hook(comps.store), alerts)


def pipeline_poll(
    comps: Components,
    *,
    concurrency: int = 16,
    progress: Callable[[RefreshResult], None] | None = None,
    stop: threading.Event | None = None,
) -> PollFn:
    """The poll tick's work (and `policybrief poll`'s): `poll_sources`, as a PollOutcome.
    Setting `stop` ends a poll under way after its current unit (see digest.ingest.pipeline)."""
    ctx = PipelineContext(
        store=comps.store,
        fetcher=comps.fetcher,
        taxonomy=comps.taxonomy,
        clock=comps.clock,
        hooks=after_ingest_hooks(comps),
        max_new_per_poll=comps.settings.max_new_per_poll,
        articles=ArticleReader(comps.fetcher),  # the same guarded fetcher as the feeds
        embedder=comps.embedder,
        model_readings=comps.summary_worker is not None,
        # the index weighs meaning only when vectors can exist; offline it is words alone
        index=StoryIndex(meaning=same_meaning if comps.embedder is not None else None),
    )
    if stop is not None:
        ctx.stop = stop

    async def poll(source_ids: list[int]) -> PollOutcome:
        report = await poll_sources(ctx, source_ids, concurrency=concurrency, progress=progress)
        stories = report.new_story_ids + report.changed_story_ids
        return PollOutcome(
            polled=len(report.results),
            failures=report.failures,
            items_stored=report.new_items,
            new_story_ids=list(dict.fromkeys(stories)),
            articles_fetched=report.articles.fetched,
            articles_failed=report.articles.failed + report.articles.deferred,
        )

    return poll


def digest_composer(store: Storage, taxonomy: Taxonomy, provider: LlmSummaryProvider) -> Compose:
    """`compose_digest` on this storage, taxonomy and summary provider."""
    return functools.partial(compose_digest, store, taxonomy, provider)


def build_ticks(
    comps: Components,
    publishers: dict[str, Publisher],
    *,
    config: TickConfig | None = None,
    delivery: DeliveryConfig | None = None,
    owner: str | None = None,
    progress: Callable[[RefreshResult], None] | None = None,
) -> Ticks:
    """The scheduler's work, wired to the pipeline, alerts, LLM worker and the outbox."""
    settings, store = comps.settings, comps.store
    config = config or TickConfig(poll_every=60.0)
    outbox = Outbox(
        comps.store,
        publishers,
        owner=owner or new_owner(),
        clock=comps.clock,
        config=delivery,
        admins=settings.admins,
        metrics=comps.metrics,
    )
    stop_polling = threading.Event()

    return Ticks(
        comps.store,
        outbox,
        compose=digest_composer(store, comps.taxonomy, comps.provider),
        poll=pipeline_poll(
            comps, concurrency=config.poll_concurrency, stop=stop_polling, progress=progress
        ),
        stop_poll=stop_polling.set,
        # A digest waits for the model at most as long as two calls (one retry) may take.
        llm=comps.summary_worker,
        llm_wait=2 * settings.llm_timeout,
        clock=comps.clock,
        config=config,
        metrics=comps.metrics,
    )


class _Runtime(Protocol):
    """A chat platform's runtime: its publisher, started and stopped with the bot."""

    @property
    def publisher(self) -> Publisher: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def _build_platforms(
    comps: Components,
) -> tuple[dict[str, Publisher], list[_Runtime], SlackRuntime | None]:
    """Publishers and runtimes for every configured platform, and the Slack runtime if any."""
    settings = comps.settings
    publishers: dict[str, Publisher] = {}
    runtimes: list[_Runtime] = []
    slack = None
    if settings.slack_enabled:
        from bot.slack.app import SlackConfigError, build_slack

        try:
            slack = build_slack(settings, comps.services, comps.registry)
        except SlackConfigError as exc:
            raise StartupError(str(exc)) from None
        runtimes.append(slack)
    if settings.discord_enabled:
        from bot.discord.client import build_discord

        runtimes.append(build_discord(settings, comps.services, comps.registry))
    for runtime in runtimes:
        publishers[runtime.publisher.platform] = runtime.publisher
    return publishers, runtimes, slack


async def run(settings: Settings, *, stop: asyncio.Event | None = None) -> bool:
    """`policybrief run`: everything configured, until SIGTERM/SIGINT (or `stop` is set).

    Returns True when all work stopped in the shutdown budget, False when a unit of ingest was
    still running (its sources keep their leases; the caller exits without waiting for it)."""
    console = not (settings.slack_enabled or settings.discord_enabled)
    chatting = console and sys.stdin is not None and sys.stdin.isatty()  # the REPL will run
    level = settings.console_log_level(chatting)
    configure_logging(level, settings.log_json, _secrets(settings))
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    log_allowlist(settings.fetch_allow, log)
    try:
        comps = await asyncio.to_thread(build_components, settings)
    except StartupError as exc:
        log.error("%s", exc)  # one line, in JSON when JSON logs are on; the CLI exits 2
        raise
    try:
        publishers, runtimes, slack = _build_platforms(comps)
    except StartupError as exc:
        log.error("%s", exc)
        await comps.aclose()
        raise
    repl: asyncio.Future[None] | None = None
    if not publishers:
        from bot.console import ConsolePublisher

        publishers["console"] = ConsolePublisher()
        log.info("no chat platform configured: digests and alerts print to the console")
    relay = ProgressRelay()
    ticks = build_ticks(comps, publishers, progress=relay)
    scheduler = Scheduler(ticks)
    ops = None
    if settings.http_port:
        from bot.calendar import CalendarFeeds

        ops = OpsServer(comps.metrics, scheduler.health, port=settings.http_port)
        CalendarFeeds(comps.services).mount(ops.app)  # /calendar/<token>.ics
        if slack is not None:
            # One port: /slack/events (HTTP mode) and the OAuth pages next to /healthz.
            slack.mount(ops.app)
    started: list[_Runtime] = []
    stopped = True
    try:
        if ops is not None:
            port = await ops.start()
            log.info("health and metrics on :%s (/healthz, /metrics)", port)
        for runtime in runtimes:
            await runtime.start()
            started.append(runtime)
        await _first_poll(comps, scheduler, relay, stop)
        if console and not stop.is_set() and sys.stdin is not None and sys.stdin.isatty():
            from bot.console import repl as console_repl

            repl = asyncio.ensure_future(
                console_repl(comps.services, comps.registry, history=settings.console_history)
            )
            repl.add_done_callback(lambda _f: stop.set())
        scheduler.start()
        log.info("policybrief running as %s on %s", ticks.owner, ", ".join(sorted(publishers)))
        await stop.wait()
        log.info("stopping: finishing sends under way")
    finally:
        if repl is not None and not repl.done():  # a signal stopped us: give the terminal back
            repl.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await repl
        deadline = loop.time() + SHUTDOWN_BUDGET - 1.5
        stopped = await scheduler.stop(timeout=SHUTDOWN_BUDGET - 4.5, grace=1.0)
        for runtime in reversed(started):
            remaining = max(0.1, deadline - loop.time())
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runtime.stop(), remaining)
        if ops is not None:
            await ops.stop()
        await comps.aclose()
        log.info("stopped")
    return stopped


async def _first_poll(
    comps: Components, scheduler: Scheduler, relay: ProgressRelay, stop: asyncio.Event
) -> None:
    """When some sources were never polled (a new database), poll what is due before anything
    else, a line per source on standard output; a stop cuts it short like any poll."""
    store = comps.store
    never = await asyncio.to_thread(store.sources.never_polled)
    if not never:
        return
    due = await asyncio.to_thread(store.sources.due, comps.clock(), 10_000)
    log.info("first poll: %d sources never polled, %d due in all", len(never), len(due))
    with PollProgress({s.id: s.name for s in due}, sys.stdout) as shown:
        relay.target = shown
        try:
            polling = asyncio.ensure_future(scheduler.poll_now())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
        finally:
            relay.target = None


def _latest_slot(sub: SubscriptionRecord, at: datetime) -> datetime:
    """The last due instant of `sub` at or before `at` (what a run at `at` would serve)."""
    daily = parse_hhmm(sub.local_time)
    slot = next_due(daily, sub.timezone, at - timedelta(hours=26))
    while (following := next_due(daily, sub.timezone, slot)) <= at:
        slot = following
    return slot if sub.next_due_at is None else max(slot, sub.next_due_at)


def _what_would_happen(sub: SubscriptionRecord, at: datetime) -> str:
    zone = ZoneInfo(sub.timezone)
    slot = _latest_slot(sub, at)
    then = next_due(parse_hhmm(sub.local_time), sub.timezone, max(at, slot))
    late = at - slot
    doing = (
        f"skip the digest of {slot.astimezone(zone):%a %d %b %Y} (over 12 h late)"
        if late >= LATE_LIMIT
        else f"queue the digest of {slot.astimezone(zone):%a %d %b %Y}"
    )
    return (
        f"{sub.platform} {sub.workspace} {sub.channel}: would {doing}; its next digest would "
        f"then be due {then.astimezone(zone):%Y-%m-%d %H:%M %Z}"
    )


def preview_due_digests(settings: Settings, at: datetime) -> list[str]:
    """What `policybrief digest run-due --at` would do, one line per channel; nothing changes."""
    db = _open(settings)
    try:
        due = Storage(db).subscriptions.due(at)
    finally:
        db.dispose()
    return [_what_would_happen(sub, at) for sub in due]


def run_due_digests_cli(settings: Settings, at: datetime) -> DigestRunReport:
    """`policybrief digest run-due --at ISO`: queue the digests due at `at`; the bot sends them."""
    if at.tzinfo is None:
        raise ValueError("give --at with a time zone, e.g. 2026-06-01T08:00:00+02:00 or ...Z")
    db = _open(settings)
    try:
        store = Storage(db)
        taxonomy = Taxonomy.load(settings.config_path)
        provider, _worker = build_provider(settings, store)
        compose = digest_composer(store, taxonomy, provider)
        return asyncio.run(run_due_digests(store, compose, now=at))
    finally:
        db.dispose()


def _standalone_publishers(settings: Settings) -> dict[str, Publisher]:
    """The publishers `policybrief poll` can send with on its own: Slack with one bot token,
    the console when no platform is configured. Discord needs its gateway login: its messages
    wait for a running bot."""
    if settings.slack_bot_token is not None and settings.slack_client_id is None:
        from bot.slack.installation import SingleTokenClients
        from bot.slack.publisher import SlackPublisher, make_client

        token = settings.slack_bot_token.get_secret_value()
        client = make_client(token, base_url=settings.slack_api_url, posting=True)
        return {"slack": SlackPublisher(SingleTokenClients(client))}
    if not settings.slack_enabled and not settings.discord_enabled:
        from bot.console import ConsolePublisher

        return {"console": ConsolePublisher()}
    return {}


@dataclass(frozen=True)
class QueuedSends:
    """What `policybrief poll` did with the messages its hooks queued."""

    sender: str  # "bot": a running bot sends them; "poll": sent here; "none": nobody can yet
    sent: int = 0
    failed: int = 0


async def send_if_no_bot(comps: Components) -> QueuedSends:
    """`policybrief poll`'s rule: a running bot (a fresh heartbeat on this database) sends what
    the poll queued; with none running, the poll sends it itself through the outbox (the same
    exactly-once path), then returns."""
    owner = new_owner()
    live = await asyncio.to_thread(comps.store.claims.other_live_processes, owner, comps.clock())
    if live:
        return QueuedSends("bot")
    publishers = _standalone_publishers(comps.settings)
    if not publishers:
        return QueuedSends("none")
    outbox = Outbox(
        comps.store,
        publishers,
        owner=owner,
        clock=comps.clock,
        admins=comps.settings.admins,
        metrics=comps.metrics,
    )
    try:
        report = await outbox.drain()
    finally:
        await outbox.close()
    return QueuedSends("poll", report.sent, report.failed + report.gone + report.forbidden)
