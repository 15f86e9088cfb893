"""Slack HTTP acks under load: waves of concurrent signed slash commands against a real bot.

Three processes: the bot (`policybrief run` in HTTP mode on a database filled by `policybrief
demo`), a fake Slack Web API (tests/fake_slack.py) that takes the bot's users.info calls and
response_url answers, and this one, the load generator. Each wave sends `--commands` signed
commands at once (/brief, /watch list, /policybrief from 50 users) while /healthz is asked every
100 ms. Prints p50/p95/p99 of the time to each ack and of /healthz, how many acks took over 3 s,
and how many were answered "busy" (the bounded queue was full).

    .venv/bin/python benchmarks/slack_acks.py [--commands 500] [--waves 6] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-signing-secret-0123456789"
COMMANDS = [("/brief", "eu"), ("/brief", ""), ("/watch", "list"), ("/policybrief", "")]


@dataclass
class Figures:
    """Latencies in seconds, and what the acks said."""

    acks: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    busy: int = 0
    health_failures: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={sig}",
    }


def command_body(n: int, wave: int, fake_url: str) -> str:
    command, text = COMMANDS[n % len(COMMANDS)]
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "channel_id": "C1",
            "user_id": f"U{n % 50:04d}",
            "command": command,
            "text": text,
            "response_url": f"{fake_url}/respond/w{wave}n{n}",
            "trigger_id": f"{wave}.{n}.{time.time_ns()}",  # every command is a new one
        }
    )


async def one_command(http: aiohttp.ClientSession, url: str, body: str, figures: Figures) -> None:
    start = time.perf_counter()
    async with http.post(url, data=body.encode(), headers=signed(body)) as resp:
        text = await resp.text()
    figures.acks.append(time.perf_counter() - start)
    figures.statuses[resp.status] = figures.statuses.get(resp.status, 0) + 1
    if "busy" in text:
        figures.busy += 1


async def watch_health(http: aiohttp.ClientSession, url: str, figures: Figures) -> None:
    while True:
        start = time.perf_counter()
        try:
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=30)) as resp:
                await resp.read()
                if resp.status != 200:
                    figures.health_failures += 1
        except (aiohttp.ClientError, TimeoutError):
            figures.health_failures += 1
        figures.health.append(time.perf_counter() - start)
        await asyncio.sleep(0.1)


async def load(port: int, fake_url: str, commands: int, waves: int, pause: float) -> Figures:
    figures = Figures()
    events = f"http://127.0.0.1:{port}/slack/events"
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        health = asyncio.create_task(
            watch_health(http, f"http://127.0.0.1:{port}/healthz", figures)
        )
        for wave in range(waves):
            bodies = [command_body(n, wave, fake_url) for n in range(commands)]
            await asyncio.gather(*(one_command(http, events, b, figures) for b in bodies))
            await asyncio.sleep(pause)
        health.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await health
    return figures


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def healthy(port: int) -> bool:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:  # noqa: S310
        return bool(resp.status == 200)


def run(commands: int, waves: int, pause: float) -> Figures:
    """Start the fake Slack and the bot, load them, stop them; the figures."""
    with tempfile.TemporaryDirectory(prefix="pb-acks-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))},
            "POLICYBRIEF_SEED_SOURCES": "false",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "demo", "--database", db_url],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        port_file = Path(tmp) / "fake.port"
        fake = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_slack", "--port-file", str(port_file)],
            cwd=ROOT,
            env=env,
        )
        bot = None
        try:
            wait_for(lambda: port_file.exists() and port_file.read_text(), 30, "the fake Slack")
            fake_url = f"http://127.0.0.1:{port_file.read_text()}"
            port = free_port()
            bot_env = {
                **env,
                "DATABASE_URL": db_url,
                "POLICYBRIEF_HTTP_PORT": str(port),
                "SLACK_BOT_TOKEN": "xoxb-benchmark",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": f"{fake_url}/api/",
                "POLICYBRIEF_LOG_LEVEL": "WARNING",
            }
            log = (Path(tmp) / "bot.log").open("w")
            bot = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=tmp,
                env=bot_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            wait_for(lambda: healthy(port), 60, "the bot's /healthz")
            return asyncio.run(load(port, fake_url, commands, waves, pause))
        finally:
            for proc in (bot, fake):
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(15)
                    except subprocess.TimeoutExpired:
                        proc.kill()


def summary(figures: Figures) -> dict[str, float | int]:
    return {
        "acks": len(figures.acks),
        "ack_p50": percentile(figures.acks, 50),
        "ack_p95": percentile(figures.acks, 95),
        "ack_p99": percentile(figures.acks, 99),
        "ack_max": max(figures.acks, default=float("nan")),
        "acks_over_3s": sum(1 for a in figures.acks if a > 3.0),
        "busy": figures.busy,
        "non_200": sum(n for status, n in figures.statuses.items() if status != 200),
        "healthz": len(figures.health),
        "healthz_p50": percentile(figures.health, 50),
        "healthz_p99": percentile(figures.health, 99),
        "healthz_max": max(figures.health, default=float("nan")),
        "healthz_failures": figures.health_failures,
        "mean_ack": statistics.fmean(figures.acks) if figures.acks else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=500, help="concurrent commands per wave")
    parser.add_argument("--waves", type=int, default=6)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between waves")
    parser.add_argument("--json", action="store_true", help="one JSON line (for tests)")
    args = parser.parse_args()
    figures = summary(run(args.commands, args.waves, args.pause))
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{args.waves} waves of {args.commands} concurrent slash commands (signed, HTTP mode)")
    print(
        f"ack latency: p50 {figures['ack_p50'] * 1000:.0f} ms, p95 {figures['ack_p95'] * 1000:.0f}"
        f" ms, p99 {figures['ack_p99'] * 1000:.0f} ms, max {figures['ack_max'] * 1000:.0f} ms;"
        f" {figures['acks_over_3s']} of {figures['acks']} over 3 s; {figures['busy']} busy"
    )
    print(
        f"/healthz under that load: p50 {figures['healthz_p50'] * 1000:.0f} ms, p99 "
        f"{figures['healthz_p99'] * 1000:.0f} ms, max {figures['healthz_max'] * 1000:.0f} ms "
        f"({figures['healthz']} requests, {figures['healthz_failures']} not 200)"
    )


if __name__ == "__main__":
    main()
