"""The periodic ticks on the bot's asyncio loop (APScheduler 3.x, in-memory job store).

The job store only holds "run this tick every N seconds"; what is due lives in the database and is
claimed with leases, so any number of replicas can run the same ticks. Each tick is also a plain
method of `Ticks`, which tests and `policybrief digest run-due` call directly with their own clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.admin_notices import queue_disabled_source_notices
from bot.delivery import DrainReport, Outbox
from bot.ops import DatabaseWatch, Metrics
from core.audit import KEEP_AUDIT
from core.clock import utcnow
from core.tenants import tenant_label
from digest.composition.digests import Compose, DigestRunReport, run_due_digests
from digest.writing.llm_summaries import SummaryWorker, WorkerStats
from storage.store import Storage

if TYPE_CHECKING:  # loaded when the scheduler starts: one-shot commands never need it
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

__all__ = ["PollOutcome", "PollFn", "TickConfig", "Ticks", "Scheduler"]

log = logging.getLogger("policybrief.scheduler")

# ticks that always read or write the database: their success means it is back
_TOUCH_THE_DATABASE = frozenset({"heartbeat", "outbox"})


@dataclass
class PollOutcome:
    """What one poll of a batch of sources did (adapted from the pipeline's own report)."""

    polled: int = 0
    failures: int = 0
    items_stored: int = 0
    new_story_ids: list[int] = field(default_factory=list)
    articles_fetched: int = 0  # article pages read for full-text sources
    articles_failed: int = 0  # ... that could not be read (or whose host asked us to wait)


PollFn = Callable[[list[int]], Awaitable[PollOutcome]]


@dataclass(frozen=True)
class TickConfig:
    """How often each tick runs (seconds) and how long its claims last."""

    poll_every: float = 60.0
    digests_every: float = 30.0
    outbox_every: float = 2.0
    summaries_every: float = 60.0
    prune_every: float = 3600.0
    heartbeat_every: float = 15.0
    source_lease: timedelta = timedelta(minutes=5)
    subscription_lease: timedelta = timedelta(minutes=2)
    sources_per_claim: int = 100
    poll_concurrency: int = 16
    keep_deliveries: timedelta = timedelta(days=30)
    keep_llm_usage: timedelta = timedelta(days=90)


class Ticks:
    """The work of each tick. Every method is safe to run on several replicas at once.

    Ticks run on the event loop; storage calls go to worker threads.
    """

    def __init__(
        self,
        store: Storage,
        outbox: Outbox,
        *,
        compose: Compose,
        poll: PollFn | None = None,
        llm: SummaryWorker | None = None,
        llm_wait: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
        config: TickConfig | None = None,
        metrics: Metrics | None = None,
        stop_poll: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self._stop_poll = stop_poll  # tells a poll under way to end after its current unit
        self._poll_work: asyncio.Future[PollOutcome] | None = None
        self.outbox = outbox
        self.owner = outbox.owner
        self.compose = compose
        self.llm, self.llm_wait = llm, llm_wait
        self._poll = poll
        self.clock = clock
        self.config = config or TickConfig()
        self.metrics = metrics
        self.stopping = False
        self._new_for_summaries: list[int] = []
        self.last_run: dict[str, datetime] = {}
        self._warned = False

    # -- lifecycle -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Claim nothing more; a poll under way ends after its current unit, sends under way
        finish."""
        self.stopping = True
        self.outbox.stop()
        if self._stop_poll is not None:
            self._stop_poll()

    @property
    def polling(self) -> bool:
        """True while a poll's work is under way (its sources must keep their leases)."""
        return self._poll_work is not None and not self._poll_work.done()

    # -- poll ------------------------------------------------------------------------------------

    async def poll(self) -> PollOutcome:
        """Claim the due sources and poll them (each poll's after-hooks queue watch alerts)."""
        total = PollOutcome()
        if self._poll is None:
            return total
        while not self.stopping:
            ids = await asyncio.to_thread(
                self.store.claims.claim_sources,
                self.owner,
                self.clock(),
                limit=self.config.sources_per_claim,
                lease=self.config.source_lease,
            )
            if not ids:
                break
            renewer = asyncio.create_task(self._keep_leases(ids))
            # Shielded: cancelling this tick at shutdown must not leave the poll's thread work
            # running unseen while its sources are handed back; the work ends at its next unit
            # (stop_poll), and the leases go back only once it has (see Scheduler.stop).
            self._poll_work = work = asyncio.ensure_future(self._poll(ids))
            try:
                outcome = await asyncio.shield(work)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.to_thread(self._after_poll, ids)  # no hot loop on a bug
                raise
            finally:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
            await asyncio.to_thread(self._after_poll, ids)
            total.polled += outcome.polled
            total.failures += outcome.failures
            total.items_stored += outcome.items_stored
            total.new_story_ids += outcome.new_story_ids
            total.articles_fetched += outcome.articles_fetched
            total.articles_failed += outcome.articles_failed
            if self.metrics is not None:
                self.metrics.polled(outcome.polled, outcome.failures, outcome.items_stored)
                self.metrics.articles(outcome.articles_fetched, outcome.articles_failed)
            self._new_for_summaries += outcome.new_story_ids
        if total.polled:
            log.info(
                "poll cycle: %d sources polled, %d new items, %d failed",
                total.polled,
                total.items_stored,
                total.failures,
            )
        return total

    async def _keep_leases(self, ids: list[int]) -> None:
        """While a batch is polled, renew its leases so no other replica polls it too."""
        lease = self.config.source_lease
        renew = self.store.claims.renew_sources
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            await asyncio.to_thread(renew, self.owner, ids, self.clock() + lease)

    def _after_poll(self, ids: list[int]) -> None:
        """Drop the leases, then tell the admins about sources the poll disabled. A poll cut
        short by a stop leaves the sources it did not reach due, as they were."""
        now = self.clock()
        if self.stopping:
            self.store.claims.release_sources(self.owner, ids)
        else:
            self.store.claims.finish_sources(self.owner, ids, now)
        publishers, admins = self.outbox.publishers, self.outbox.admins
        queue_disabled_source_notices(self.store, ids, publishers, admins, now)

    # -- summaries ----------------------------------------------------------------------

    async def summaries(self) -> WorkerStats | None:
        """Summarise the new stories, and what compositions queued, in the background (LLM,
        within its budget)."""
        ids = list(dict.fromkeys(self._new_for_summaries))
        self._new_for_summaries.clear()
        if self.llm is None:
            return None
        stats = await self.llm.run_pending(ids)
        return stats.add(await self.llm.run_queued())

    # -- digests and outbox --------------------------------------------------------------------

    async def digests(self, now: datetime | None = None) -> DigestRunReport:
        """Queue every due channel digest (then the outbox tick sends them)."""
        report = await run_due_digests(
            self.store,
            self.compose,
            now=now or self.clock(),
            owner=self.owner,
            llm=self.llm,
            llm_wait=self.llm_wait,
            lease=self.config.subscription_lease,
            should_stop=lambda: self.stopping,
        )
        if self.metrics is not None:
            self.metrics.digests_queued.inc(report.queued)
        if report.outcomes:
            log.info("digests: %s", report.summary())
        return report

    async def outbox_tick(self) -> DrainReport:
        """Send what the outbox holds."""
        return await self.outbox.drain()

    # -- housekeeping ------------------------------------------------------------------------------

    async def heartbeat(self) -> None:
        """Say this process is alive (other processes on the same SQLite file warn about it)."""
        ttl = timedelta(seconds=max(60.0, self.config.heartbeat_every * 4))
        await asyncio.to_thread(self.store.claims.heartbeat, self.owner, self.clock(), ttl)
        if self.store.is_sqlite and not self._warned:
            # Two processes that started at the same moment only see each other here.
            warning = await asyncio.to_thread(self.sqlite_warning)
            if warning:
                log.warning(warning)
                self._warned = True

    async def prune(self) -> dict[str, int]:
        """Delete old finished deliveries, expired pins, old usage rows, and the data of
        workspaces whose grace period after leaving ran out (one replica at a time)."""
        now = self.clock()
        claim = self.store.claims.claim_singleton
        if not await asyncio.to_thread(claim, "prune", self.owner, now, timedelta(minutes=30)):
            return {}
        done = await asyncio.to_thread(
            self.store.housekeeping.prune,
            now,
            deliveries_before=now - self.config.keep_deliveries,
            usage_before=(now - self.config.keep_llm_usage).date(),
            heartbeats_before=now - timedelta(hours=1),  # of processes that died silently
            audit_before=now - KEEP_AUDIT,
        )
        for gone, purged in await asyncio.to_thread(self.store.tenants.purge_due, now):
            log.info(
                "purged %s, which left on %s: %s",
                tenant_label(gone.platform, gone.workspace),
                f"{gone.left_at:%Y-%m-%d}",
                ", ".join(f"{n} {k}" for k, n in purged.items()) or "nothing",
            )
            done["departed workspaces"] = done.get("departed workspaces", 0) + 1
        if any(done.values()):
            log.info("pruned %s", ", ".join(f"{n} {k}" for k, n in done.items() if n))
        return done

    def sqlite_warning(self) -> str | None:
        """On SQLite, a warning when another live process uses the same file; else None."""
        if not self.store.is_sqlite:
            return None
        others = self.store.claims.other_live_processes(self.owner, self.clock())
        if not others:
            return None
        return (
            f"Another policybrief process ({', '.join(others)}) is using this SQLite database. "
            "SQLite supports one process: run a single instance, or use PostgreSQL "
            "(DATABASE_URL=postgresql://...) for several replicas."
        )


class Scheduler:
    """Runs the ticks with APScheduler on the current loop; stops gracefully."""

    def __init__(self, ticks: Ticks) -> None:
        self.ticks = ticks
        cfg = ticks.config
        self._plan: list[tuple[str, Callable[[], Awaitable[object]], float]] = [
            ("heartbeat", ticks.heartbeat, cfg.heartbeat_every),
            ("outbox", ticks.outbox_tick, cfg.outbox_every),
            ("digests", ticks.digests, cfg.digests_every),
            ("poll", ticks.poll, cfg.poll_every),
            ("summaries", ticks.summaries, cfg.summaries_every),
            ("prune", ticks.prune, cfg.prune_every),
        ]
        self._aps: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._started: datetime | None = None
        self.database = DatabaseWatch()

    async def poll_now(self) -> None:
        """One poll tick now, watched like the scheduled ones (a stop waits for it)."""
        await self._guard("poll", self.ticks.poll)()

    def _guard(
        self, name: str, fn: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if self.ticks.stopping:
                return
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                await fn()
                self.ticks.last_run[name] = self.ticks.clock()
                if name in _TOUCH_THE_DATABASE:
                    self.database.ok()
                if self.ticks.metrics is not None:
                    self.ticks.metrics.tick_done(name)
            except asyncio.CancelledError:
                if self.ticks.stopping:  # cut short at shutdown, as meant: nothing to report
                    return
                raise
            except Exception as exc:  # one failing tick is logged and counted; the others go on
                fault = self.ticks.store.fault(exc)
                if fault is not None:  # the database, not a bug: one line, now and then
                    self.database.failed(fault)
                else:
                    log.exception("tick %s failed", name)
                if self.ticks.metrics is not None:
                    self.ticks.metrics.tick_failed(name)
            finally:
                self._running.discard(task)

        run.__name__ = f"tick_{name}"
        return run

    def start(self) -> None:
        """Add every tick (each runs once right away) and start on the running loop."""
        warning = self.ticks.sqlite_warning()
        if warning:
            log.warning(warning)
            self.ticks._warned = True
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        aps = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = utcnow()
        for i, (name, fn, every) in enumerate(self._plan):
            aps.add_job(
                self._guard(name, fn),
                "interval",
                seconds=every,
                id=name,
                name=name,
                next_run_time=now + timedelta(milliseconds=50 * i),
            )
        aps.start()
        self._aps = aps
        self._started = self.ticks.clock()

    async def stop(self, timeout: float = 6.0, grace: float = 1.0) -> bool:
        """Stop claiming and tell a poll under way to end after its current unit; let ticks
        finish for `timeout` s, cancel the rest, and release this process's leases: the
        sources' only once no poll work runs on them any more. True when everything stopped;
        False when a poll unit is still running (its sources keep their leases until they
        expire, so no other replica polls them meanwhile)."""
        self.ticks.stop()
        if self._aps is not None:
            self._aps.pause()
        if self._running:
            _done, pending = await asyncio.wait(set(self._running), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=grace)
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        busy = self.ticks.polling
        release = functools.partial(
            self.ticks.store.claims.release_all, self.ticks.owner, sources=not busy
        )
        try:
            await asyncio.to_thread(release)
        except Exception as exc:
            fault = self.ticks.store.fault(exc)
            if fault is None:
                raise
            log.error("leases not released (they expire on their own): %s", fault)
            return not busy
        if busy:
            log.warning(
                "scheduler stopped with a poll unit still running: its sources keep "
                "their leases until they expire"
            )
        else:
            log.info("scheduler stopped; leases released")
        return not busy

    def health(self) -> dict[str, object]:
        """For /healthz, from memory: "ok" while the ticks run; "database unavailable" when the
        last tick could not reach it; "stale" when the outbox tick has not finished for a minute
        (a stuck loop). Anything but "ok" makes /healthz answer 503."""
        running = self._aps is not None and self._aps.running and not self.ticks.stopping
        status = "ok" if running else "stopping"
        last = self.ticks.last_run.get("outbox", self._started)
        limit = max(60.0, self.ticks.config.outbox_every * 10)
        if running and last is not None and (self.ticks.clock() - last).total_seconds() > limit:
            status = "stale"
        body: dict[str, object] = {
            "status": status,
            "owner": self.ticks.owner,
            "ticks": {k: v.isoformat(timespec="seconds") for k, v in self.ticks.last_run.items()},
        }
        if running and self.database.fault is not None:
            body["status"] = "database unavailable"
            body["database"] = self.database.fault
        return body
