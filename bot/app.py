"""The composition root: builds the database, services and adapters, and runs one asyncio loop.

`run(settings)` is `policybrief run`: the scheduler, every configured platform (the console when
none is), /healthz and /metrics, and a graceful SIGTERM (sends under way finish, leases are
released, the process exits within 10 s). `run_due_digests_cli(settings, at)` is
`policybrief digest run-due --at`.

Start-up time matters for the one-shot commands (`policybrief poll` is run from cron): the
components below are built on first use, and what only some commands need (the scheduler,
delivery, chat commands, summaries, composition) is imported where it is used.
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
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from core.clock import utcnow
from digest.ingest.defaults import SourcesConfigError
from digest.ingest.fulltext import ArticleReader
from digest.ingest.netguard import FetchPolicy, log_allowlist
from digest.ingest.pipeline import (
    AfterIngest,
    PipelineContext,
    PollReport,
    RefreshResult,
    poll_sources,
)
from digest.judgement.classify import Taxonomy
from digest.judgement.cluster import StoryIndex
from digest.judgement.embeddings import same_meaning
from storage.claims import new_owner
from storage.db import Database
from storage.setup import DatabaseUnavailable, Seed, open_database
from storage.store import Storage

if TYPE_CHECKING:
    from bot.delivery import DeliveryConfig
    from bot.ops import Metrics
    from bot.progress import ProgressRelay
    from bot.publisher import Publisher
    from bot.scheduler import PollFn, Scheduler, TickConfig, Ticks
    from bot.settings import Settings
    from bot.slack.app import SlackRuntime
    from core.feeds import ProbeResult
    from core.sources import NewSource
    from core.subscriptions import SubscriptionRecord
    from digest.composition.digests import Compose, DigestRunReport
    from digest.ingest.fetch import Fetcher
    from digest.writing.embeddings import EmbeddingsClient
    from digest.writing.llm_summaries import LlmSummaryProvider, SummaryWorker
    from digest.writing.summarize import Summarizer
    from handlers.context import Services
    from handlers.registry import Registry

__all__ = [
    "StartupError",
    "secrets_of",
    "Components",
    "build_provider",
    "build_embedder",
    "build_components",
    "default_seed",
    "digest_composer",
    "after_ingest_hooks",
    "pipeline_context",
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


def _llm_access(settings: Settings) -> tuple[str | None, str | None]:
    """The model server's API key and base URL; build_client makes a client when either is set."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return key, settings.openai_base_url


class Components:
    """Everything built from settings that the runtimes share.

    The database is opened at once; every other part is built when first used, so a command
    loads only what it needs (a poll of unchanged feeds needs no summaries, chat commands or
    metrics, and no taxonomy until something is classified).
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.store = Storage(db)
        self.clock = clock
        self.closers: list[Callable[[], object]] = [_close_parser_pool]
        # Built on first use: its TLS contexts cost start-up time that most commands never need.
        self.given_fetcher = fetcher
        if fetcher is not None:
            self.closers.append(fetcher.aclose)

    @property
    def fetcher(self) -> Fetcher:
        """The HTTP fetcher (closed with the components)."""
        if self.given_fetcher is None:
            from digest.ingest.fetch import Fetcher

            self.given_fetcher = Fetcher(allow=self.settings.fetch_allow)
            self.closers.append(self.given_fetcher.aclose)
        return self.given_fetcher

    @cached_property
    def taxonomy(self) -> Taxonomy:
        """The taxonomy (POLICYBRIEF_CONFIG's, else the bundled one), read on first use: a poll
        of unchanged feeds classifies nothing and never reads it."""
        return Taxonomy.load(self.settings.config_path)

    @property
    def llm_configured(self) -> bool:
        """A model server is configured: summaries and story readings come from it."""
        return any(_llm_access(self.settings))

    @cached_property
    def summarizer(self) -> Summarizer:
        from digest.writing.summarize import ExtractiveSummarizer

        return ExtractiveSummarizer()

    @cached_property
    def _summaries(self) -> tuple[LlmSummaryProvider, SummaryWorker | None]:
        return build_provider(self.settings, self.store, self.clock, taxonomy=self.taxonomy)

    @property
    def provider(self) -> LlmSummaryProvider:
        """Summaries for documents: cached LLM ones, else extractive ones."""
        return self._summaries[0]

    @property
    def summary_worker(self) -> SummaryWorker | None:
        """The background LLM worker (None without an LLM)."""
        return self._summaries[1]

    @cached_property
    def embedder(self) -> EmbeddingsClient | None:
        """Item embeddings as clustering evidence (POLICYBRIEF_EMBEDDINGS_MODEL); None: words
        alone."""
        return build_embedder(self.settings, self.store, self.clock)

    @cached_property
    def services(self) -> Services:
        """What chat commands run on."""
        from handlers.context import CommandLimits, Services

        settings = self.settings

        async def probe(url: str) -> ProbeResult:
            from digest.ingest.probe import probe_source  # feedparser and lxml: only /sources add

            return await probe_source(self.fetcher, url)

        return Services(
            store=self.store,
            taxonomy=self.taxonomy,
            summarizer=self.summarizer,
            clock=self.clock,
            limits=CommandLimits(),
            admins=frozenset(settings.admins),
            moderators=frozenset(settings.moderators),
            default_timezone=settings.timezone,
            probe=probe,
            provider=self.provider,
            public_url=settings.public_url,
            tenant_retention_days=settings.tenant_retention_days,
            fetch_policy=FetchPolicy.from_entries(settings.fetch_allow),
        )

    @cached_property
    def registry(self) -> Registry:
        """The chat command table."""
        from handlers.all import build_registry

        return build_registry()

    @cached_property
    def metrics(self) -> Metrics:
        """The Prometheus metrics of this process."""
        from bot.ops import Metrics

        metrics = Metrics()
        store, clock = self.store, self.clock
        metrics.watch_llm_tokens(lambda: store.usage.tokens_used(clock().date()))
        return metrics

    def build_all(self) -> None:
        """Build every part now rather than on first use."""
        for part in (
            "taxonomy",
            "summarizer",
            "_summaries",
            "embedder",
            "services",
            "registry",
            "metrics",
        ):
            getattr(self, part)

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
        from digest.ingest.defaults import default_sources
        from digest.ingest.source_url import SourceRefused, admit_source

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


def secrets_of(settings: Settings) -> list[str]:
    """The configured tokens and keys, which logs mask wherever they appear."""
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
    from digest.judgement.relevance import EVENT_TYPES
    from digest.writing.llm import LlmSummarizer, build_client
    from digest.writing.llm_summaries import LlmSummaryProvider, SummaryQueue, SummaryWorker
    from digest.writing.provider import SummaryProvider
    from digest.writing.reading import ReadingVocabulary
    from digest.writing.summarize import ExtractiveSummarizer

    extractive = SummaryProvider(ExtractiveSummarizer())
    redo_after = timedelta(hours=settings.llm_resummary_hours)
    key, base_url = _llm_access(settings)
    client = build_client(key, base_url, timeout=settings.llm_timeout)
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
    from digest.writing.embeddings import EmbeddingsClient
    from digest.writing.llm import build_client

    key, base_url = _llm_access(settings)
    client = build_client(key, base_url, timeout=settings.llm_timeout)
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
    """The database (opened now), taxonomy, summaries (LLM when configured), fetcher and
    services (built on first use). StartupError when the database cannot be used or a
    configured source is refused."""
    if db is None:
        db = _open(settings)
    return Components(settings, db, clock=clock, fetcher=fetcher)


async def _close_parser_pool() -> None:
    """Stop the parser workers, if anything parsed (a re-poll of 304s never loads the parsers)."""
    pool = sys.modules.get("digest.ingest.parser_pool")
    if pool is not None:
        await pool.close_default_parser_pool()


def _built_on_first_run(name: str, build: Callable[[], AfterIngest]) -> AfterIngest:
    """The hook `build()` makes, made when it first runs: a poll that judged nothing runs none."""
    built: list[AfterIngest] = []

    def run(report: PollReport) -> object:
        if not built:
            built.append(build())
        return built[0].run(report)

    return AfterIngest(name, run)


def after_ingest_hooks(comps: Components) -> tuple[AfterIngest, ...]:
    """The after-hooks every poll runs, the scheduler's and `policybrief poll`'s alike:
    deadlines, then watch alerts (queued in the outbox, counted in the metrics)."""

    def deadlines() -> AfterIngest:
        from digest.ingest.deadlines_hook import deadlines_hook

        return deadlines_hook(comps.store)

    def alerts() -> AfterIngest:
        from digest.composition.alerts import alerts_hook
        from digest.composition.cards import Cards

        cards = Cards(comps.store, comps.taxonomy, comps.provider)
        return alerts_hook(
            comps.store,
            cards.read,
            clock=comps.clock,
            daily_cap=comps.services.limits.alerts_per_user_per_day,
            default_zone=comps.settings.timezone,
            on_queued=comps.metrics.alerts_queued.inc,
        )

    return (_built_on_first_run("deadlines", deadlines), _built_on_first_run("alerts", alerts))


def pipeline_context(comps: Components, *, stop: threading.Event | None = None) -> PipelineContext:
    """What polling needs, wired from the components (kept for the process's life). Setting
    `stop` ends a poll under way after its current unit (see digest.ingest.pipeline)."""
    ctx = PipelineContext(
        store=comps.store,
        fetcher=comps.fetcher,
        load_taxonomy=lambda: comps.taxonomy,
        clock=comps.clock,
        hooks=after_ingest_hooks(comps),
        max_new_per_poll=comps.settings.max_new_per_poll,
        articles=ArticleReader(comps.fetcher),  # the same guarded fetcher as the feeds
        embedder=comps.embedder,
        model_readings=comps.llm_configured,
        # the index weighs meaning only when vectors can exist; offline it is words alone
        index=StoryIndex(meaning=same_meaning if comps.embedder is not None else None),
    )
    if stop is not None:
        ctx.stop = stop
    return ctx


def pipeline_poll(
    comps: Components,
    *,
    concurrency: int = 16,
    progress: Callable[[RefreshResult], None] | None = None,
    stop: threading.Event | None = None,
) -> PollFn:
    """The poll tick's work: `poll_sources`, as a PollOutcome. Setting `stop` ends a poll under
    way after its current unit (see digest.ingest.pipeline)."""
    from bot.scheduler import PollOutcome

    ctx = pipeline_context(comps, stop=stop)

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
    from digest.composition.compose import compose_digest

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
    from bot.delivery import Outbox
    from bot.scheduler import TickConfig, Ticks

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


def _build_everything(settings: Settings) -> Components:
    """`build_components` with every part built now, for the long-running bot: its first
    command is answered as fast as the others, and a bad taxonomy stops start-up."""
    comps = build_components(settings)
    comps.build_all()
    return comps


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
    from bot.ops import OpsServer, configure_logging
    from bot.progress import ProgressRelay
    from bot.scheduler import Scheduler

    console = not (settings.slack_enabled or settings.discord_enabled)
    chatting = console and sys.stdin is not None and sys.stdin.isatty()  # the REPL will run
    level = settings.console_log_level(chatting)
    configure_logging(level, settings.log_json, secrets_of(settings))
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    log_allowlist(settings.fetch_allow, log)
    try:
        comps = await asyncio.to_thread(_build_everything, settings)
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
    from bot.progress import PollProgress

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
    from digest.composition.schedule import next_due, parse_hhmm

    daily = parse_hhmm(sub.local_time)
    slot = next_due(daily, sub.timezone, at - timedelta(hours=26))
    while (following := next_due(daily, sub.timezone, slot)) <= at:
        slot = following
    return slot if sub.next_due_at is None else max(slot, sub.next_due_at)


def _what_would_happen(sub: SubscriptionRecord, at: datetime) -> str:
    from digest.composition.digests import LATE_LIMIT
    from digest.composition.schedule import next_due, parse_hhmm

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
    from digest.composition.digests import run_due_digests

    db = _open(settings)
    try:
        store = Storage(db)
        taxonomy = Taxonomy.load(settings.config_path)
        provider, _worker = build_provider(settings, store)
        compose = digest_composer(store, taxonomy, provider)
        return asyncio.run(run_due_digests(store, compose, now=at))
    finally:
        db.dispose()


def _standalone_platforms(settings: Settings) -> tuple[str, ...]:
    """The platforms `policybrief poll` can send to on its own: Slack with one bot token, the
    console when no platform is configured. Discord needs its gateway login: its messages wait
    for a running bot."""
    if settings.slack_bot_token is not None and settings.slack_client_id is None:
        return ("slack",)
    if not settings.slack_enabled and not settings.discord_enabled:
        return ("console",)
    return ()


def _standalone_publisher(settings: Settings, platform: str) -> Publisher:
    """What `policybrief poll` sends to `platform` (one of `_standalone_platforms`) through."""
    if platform == "slack" and settings.slack_bot_token is not None:
        from bot.slack.installation import SingleTokenClients
        from bot.slack.publisher import SlackPublisher, make_client

        token = settings.slack_bot_token.get_secret_value()
        client = make_client(token, base_url=settings.slack_api_url, posting=True)
        return SlackPublisher(SingleTokenClients(client))
    from bot.console import ConsolePublisher

    return ConsolePublisher()


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
    platforms = _standalone_platforms(comps.settings)
    if not platforms:
        return QueuedSends("none")
    due = await asyncio.to_thread(
        comps.store.claims.deliveries_due, comps.clock(), platforms=platforms
    )
    if not due:  # the usual poll: nothing to send, so no publisher or outbox is built
        return QueuedSends("poll")
    from bot.delivery import Outbox

    outbox = Outbox(
        comps.store,
        {p: _standalone_publisher(comps.settings, p) for p in platforms},
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
