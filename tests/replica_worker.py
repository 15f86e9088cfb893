"""A `policybrief run` stand-in for crash and replica tests: `python -m tests.replica_worker`.

It builds the real components (bot.app.build_components / build_ticks) against the given database,
with a TablePublisher that records posts in the database and drops a repeated key like Discord's
nonce. `--once` runs one digest step (after a poll with `--poll`) and one outbox drain; otherwise
the real APScheduler ticks run until SIGTERM. `--crash compose|before_send|after_send --crash-at N`
SIGKILLs the process itself at that point of its Nth composition or send, to test what a crash
leaves behind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from datetime import timedelta
from pathlib import Path

from bot.app import build_components, build_ticks
from bot.delivery import DeliveryConfig
from bot.scheduler import PollOutcome, Scheduler, TickConfig
from bot.settings import load_settings
from core.clock import utcnow
from tests.fake_publisher import TablePublisher


class CrashHooks:
    """SIGKILL this process before or after its Nth send; slow every send down if asked."""

    def __init__(self, point: str | None, at: int, delay: float) -> None:
        self.point, self.at, self.delay, self.sends = point, at, delay, 0

    def before_send(self, key: str) -> None:
        self.sends += 1
        if self.delay:
            import time

            time.sleep(self.delay)  # a slow platform: this replica holds its claims longer
        if self.point == "before_send" and self.sends == self.at:
            os.kill(os.getpid(), signal.SIGKILL)

    def after_send(self, key: str) -> None:
        if self.point == "after_send" and self.sends == self.at:
            os.kill(os.getpid(), signal.SIGKILL)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--allow", default="")
    p.add_argument("--once", action="store_true")
    p.add_argument("--poll", action="store_true", help="with --once: poll the due sources first")
    p.add_argument("--crash", choices=["compose", "before_send", "after_send"])
    p.add_argument("--crash-at", type=int, default=1)
    p.add_argument("--send-delay", type=float, default=0.0)
    p.add_argument("--clock-offset", type=float, default=0.0)
    p.add_argument("--lease", type=float, default=60.0)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--claims-log", default="")
    p.add_argument("--slack-api", default="", help="post with the real Slack publisher here")
    return p.parse_args(argv)


def slack_publisher(api_url: str) -> object:
    """The real Slack publisher (its posting client included) on a fake Web API."""
    from bot.slack.installation import SingleTokenClients
    from bot.slack.publisher import ChannelPacer, SlackPublisher, make_client

    client = make_client("xoxb-test", base_url=api_url, posting=True)
    return SlackPublisher(SingleTokenClients(client), pacer=ChannelPacer(interval=0))


async def main(args: argparse.Namespace) -> None:
    offset = timedelta(seconds=args.clock_offset)

    def clock():  # a restart "later": lets expired leases be seen without sleeping
        return utcnow() + offset

    settings = load_settings(database_url=args.db, fetch_allow=args.allow)
    comps = build_components(settings, clock=clock)
    hooks = CrashHooks(args.crash, args.crash_at, args.send_delay)
    lease = timedelta(seconds=args.lease)
    config = TickConfig(
        poll_every=0.3,
        digests_every=0.3,
        outbox_every=0.1,
        summaries_every=5.0,
        prune_every=60.0,
        heartbeat_every=1.0,
        source_lease=lease,
        subscription_lease=lease,
        sources_per_claim=50,
    )
    publisher = (
        slack_publisher(args.slack_api)
        if args.slack_api
        else TablePublisher(comps.db, "slack", hooks)
    )
    ticks = build_ticks(
        comps,
        {"slack": publisher},  # type: ignore[dict-item]
        config=config,
        delivery=DeliveryConfig(
            channel_interval=0, lease=lease, batch=20, concurrency=args.concurrency
        ),
    )
    if args.crash == "compose":
        compose = ticks.compose
        calls = 0

        def crashing_compose(**kw):  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            if calls == args.crash_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return compose(**kw)

        ticks.compose = crashing_compose
    if args.claims_log:
        inner = ticks._poll
        assert inner is not None
        log = Path(args.claims_log)

        async def logged_poll(ids: list[int]) -> PollOutcome:
            with log.open("a") as fh:  # written before fetching: a kill leaves the record
                fh.write("".join(f"{i}\n" for i in ids))
                fh.flush()
                os.fsync(fh.fileno())
            return await inner(ids)

        ticks._poll = logged_poll
    if args.once:
        if args.poll:
            await ticks.poll()
        await ticks.digests()
        await ticks.outbox_tick()
        await comps.aclose()
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    scheduler = Scheduler(ticks)
    scheduler.start()
    print("ready", flush=True)
    await stop.wait()
    await scheduler.stop(timeout=5)
    await comps.aclose()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
