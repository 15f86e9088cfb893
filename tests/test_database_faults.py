"""Database faults in one clear line (issue 14, item 13), with real processes.

At start-up a database that cannot be reached or written is named by its variable and cause in
one line, and the process exits 2. A database lost at run time is reported once (then at most
once a minute), in JSON when JSON logs are on, never as a traceback, and /healthz answers 503
until it is back.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.db import Database
from tests.conftest import pg_database, postgres_url, reset_pg_schema
from tests.tcp_proxy import TcpProxy
from tests.test_scheduler_run import free_port

ROOT = Path(__file__).resolve().parent.parent


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "POLICYBRIEF_SEED_SOURCES": "false",
        "HOME": str(tmp_path),
        **extra,
    }


def cli(args: list[str], env: dict[str, str], cwd: Path, *, prefix: tuple[str, ...] = ()):
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_an_unreachable_database_is_one_line_naming_database_url_and_exit_2(tmp_path):
    port = free_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/policybrief"
    expected = f"DATABASE_URL: cannot connect to 127.0.0.1:{port}: connection refused"

    as_json = cli(
        ["run"], bot_env(tmp_path, DATABASE_URL=url, POLICYBRIEF_LOG_JSON="true"), tmp_path
    )
    assert as_json.returncode == 2, as_json.stderr[-3000:]
    (line,) = lines(as_json.stderr)
    record = json.loads(line)
    assert record["level"] == "ERROR" and record["message"] == expected
    assert "exception" not in record

    plain = cli(["run"], bot_env(tmp_path, DATABASE_URL=url), tmp_path)
    assert plain.returncode == 2
    (line,) = lines(plain.stderr)
    assert line.endswith(expected) and "Traceback" not in plain.stderr

    for command in (["sources", "list"], ["db", "upgrade"], ["poll", "--all"]):
        done = cli(command, bot_env(tmp_path, DATABASE_URL=url), tmp_path)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert lines(done.stdout + done.stderr) == [expected], command


def test_a_missing_sqlite_directory_is_named(tmp_path):
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'pb.db'}"
    done = cli(["run"], bot_env(tmp_path, DATABASE_URL=url), tmp_path)
    assert done.returncode == 2
    (line,) = lines(done.stderr)
    assert f"DATABASE_URL: cannot open the SQLite file {tmp_path}/no/such/dir/pb.db" in line


def test_a_read_only_sqlite_file_is_refused_at_start(tmp_path):
    place = Path(tempfile.mkdtemp(prefix="pb-read-only-"))  # reachable by another user, too
    path = place / "pb.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    for leftover in place.glob("pb.db-*"):
        leftover.unlink()
    path.chmod(0o444)
    place.chmod(0o777)  # SQLite may make its -wal and -shm files; the database itself is read-only
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root writes a 0444 file anyway: run the bot as nobody
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a file read-only")
        prefix = (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")
    env = bot_env(place, DATABASE_URL=f"sqlite:///{path}", POLICYBRIEF_LOG_JSON="true")
    try:
        done = cli(["run"], env, place, prefix=prefix)
    finally:
        shutil.rmtree(place, ignore_errors=True)
    assert done.returncode == 2, done.stderr[-3000:]
    (line,) = lines(done.stderr)
    assert json.loads(line)["message"] == f"DATABASE_URL: the SQLite file {path} is read-only"


# --- lost at run time ----------------------------------------------------------------------------

RUN = (
    "import asyncio; from bot.app import run; from bot.settings import load_settings; "
    "asyncio.run(run(load_settings()))"
)


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = predicate()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(not postgres_url(), reason="needs POLICYBRIEF_TEST_POSTGRES_URL")
def test_a_database_lost_at_run_time_is_one_json_line_and_healthz_503(tmp_path):
    schema = "pb_db_lost"
    reset_pg_schema(schema)
    db = pg_database(schema)
    db.upgrade()
    db.dispose()
    real = make_url(db.url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432).start()
    through_proxy = db.url.replace(f"{real.host}:{real.port or 5432}", f"127.0.0.1:{proxy.port}")
    if f"127.0.0.1:{proxy.port}" not in through_proxy:  # a URL without an explicit port
        through_proxy = db.url.replace(f"@{real.host}/", f"@127.0.0.1:{proxy.port}/")
    port = free_port()
    env = bot_env(
        tmp_path,
        DATABASE_URL=through_proxy,
        POLICYBRIEF_HTTP_PORT=str(port),
        POLICYBRIEF_LOG_JSON="true",
    )
    err = (tmp_path / "bot.err").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    try:
        wait_for(lambda: health(port)[0] == 200, 30, "the bot to be healthy")
        before = len((tmp_path / "bot.err").read_text())
        proxy.cut()
        lost_at = time.monotonic()
        status, body = wait_for(lambda: (h := health(port))[0] == 503 and h, 15, "a 503")
        assert body["status"] == "database unavailable"
        assert body["database"].startswith(f"cannot connect to 127.0.0.1:{proxy.port}: ")
        while time.monotonic() - lost_at < 15:  # ticks keep failing meanwhile (every 2 s)
            assert health(port)[0] == 503
            time.sleep(1)
        during = (tmp_path / "bot.err").read_text()[before:]
        proxy.restore()
        wait_for(lambda: health(port)[0] == 200, 30, "/healthz to be 200 again")
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.stop()
    records = [json.loads(line) for line in lines(during)]  # every line is JSON
    assert len(records) == 1, records
    (lost,) = records
    assert lost["level"] == "ERROR" and "exception" not in lost
    assert lost["message"].startswith(
        f"database unavailable: cannot connect to 127.0.0.1:{proxy.port}"
    )
    after = [json.loads(line)["message"] for line in lines((tmp_path / "bot.err").read_text())]
    assert "database reachable again" in after
    assert "Traceback" not in (tmp_path / "bot.err").read_text()
