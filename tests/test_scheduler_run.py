"""`bot.app.run` as a real process: /healthz and /metrics, console delivery, graceful SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from core.clock import utcnow
from core.document import Document
from storage.db import Database
from storage.models import Delivery, Lease

ROOT = Path(__file__).resolve().parent.parent
SECRET = "sk-test-abcdefghijklmnop0123"
RUN = (
    "import asyncio; from bot.app import run; from bot.settings import load_settings; "
    "asyncio.run(run(load_settings()))"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (local test server)
        return resp.status, resp.read().decode()


def test_run_serves_health_delivers_to_console_and_stops_within_10s_on_sigterm(tmp_path):
    db_path = tmp_path / "run.db"
    db = Database(f"sqlite:///{db_path}")
    db.upgrade()
    with db.session() as s:
        s.add(
            Delivery(
                idempotency_key="notice:hello",
                kind="notice",
                platform="console",
                workspace="local",
                target="console",
                payload=Document.notice("Hello from the outbox").to_json(),
                next_attempt_at=utcnow() - timedelta(seconds=1),
            )
        )
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))},
        "DATABASE_URL": f"sqlite:///{db_path}",
        "POLICYBRIEF_HTTP_PORT": str(port),
        "POLICYBRIEF_LOG_JSON": "true",
        "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",  # never reached: no stories to summarise
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                health = get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                time.sleep(0.1)
        assert health is not None, "no /healthz within 30 s"
        status, body = health
        assert status == 200 and json.loads(body)["status"] == "ok"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with db.session() as s:
                row = s.exec(select(Delivery)).one()
            if row.status == "sent":
                break
            time.sleep(0.1)
        assert row.status == "sent" and row.message_id == "1"
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert (
            'policybrief_deliveries_total{kind="notice",outcome="sent",platform="console"} 1.0'
            in metrics
        )
        assert "policybrief_llm_tokens_today 0.0" in metrics
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert elapsed < 10
    assert "Hello from the outbox" in out
    assert SECRET not in out + err
    messages = [json.loads(line)["message"] for line in err.splitlines() if line.startswith("{")]
    assert "stopping: finishing sends under way" in messages
    assert messages[-1] == "stopped"
    with db.session() as s:
        # the heartbeat went with the process; a prune lease, if the first prune ran, stays on
        # purpose (one prune per half hour across replicas)
        assert [lease.name for lease in s.exec(select(Lease)) if lease.name != "prune"] == []
