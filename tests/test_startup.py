"""Start-up cost (issues 15 and 19): one-shot commands load no platform or model library, a
database already at the code's head is checked without loading Alembic, and `chat "/help"` is
answered from the command table alone: no settings, no database, no HTTP client or feed parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from storage.db import Database, code_head
from storage.models import Source

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("slack_bolt", "slack_sdk", "discord", "openai", "aiohttp", "matplotlib", "alembic")
# what /help needs none of: the database, the settings, fetching and parsing feeds, the scheduler
NOT_FOR_HELP = (
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "pydantic_settings",
    "httpx",
    "httpcore",
    "feedparser",
    "lxml",
    "trafilatura",
    "apscheduler",
    "prometheus_client",
    "prompt_toolkit",
    "storage",
)

# Runs the real console script's entry point in a fresh interpreter, then lists what it loaded.
PROBE = """
import json, sys
from bot.cli import app
try:
    app(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print("\\nLOADED " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_probe(
    tmp_path: Path, probe: str, args: list[str], **extra_env: str
) -> tuple[dict[str, Any], str]:
    """What `probe` (a script that runs the console script on `args` and prints its facts
    after "LOADED ") reports, and the output before it, in a fresh interpreter with no platform
    or model settings and the SQLite file start.db in `tmp_path`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'start.db'}",
        POLICYBRIEF_SEED_SOURCES="false",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
        **extra_env,
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(args)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout.rsplit("\nLOADED ", 1)
    assert len(out) == 2, done.stdout + done.stderr
    return json.loads(out[1]), out[0]


def _loaded(
    tmp_path: Path, command: str = "/help", *, args: list[str] | None = None, **extra_env: str
) -> tuple[int, set[str], str]:
    """Exit code, modules loaded (full and top-level names), and output of `policybrief chat
    COMMAND` (or of `policybrief ARGS`) in a fresh interpreter."""
    facts, output = run_probe(tmp_path, PROBE, args or ["chat", command], **extra_env)
    modules = set(facts["modules"])
    return facts["code"], modules | {m.split(".")[0] for m in modules}, output


def test_chat_help_loads_neither_sdks_nor_the_database_nor_feed_libraries(tmp_path):
    code, loaded, output = _loaded(tmp_path)
    assert code == 0
    assert "/brief" in output and "/watch" in output and "Queries (" in output
    assert sorted(set(HEAVY + NOT_FOR_HELP) & loaded) == []
    assert not (tmp_path / "start.db").exists()  # /help never opened the database


def test_a_command_on_the_database_loads_no_platform_model_or_migration_library(tmp_path):
    Database(f"sqlite:///{tmp_path / 'start.db'}").upgrade()  # a database at the head already
    code, loaded, output = _loaded(tmp_path, "/sources")
    assert code == 0, output
    assert "sqlalchemy" in loaded  # it did use the database
    assert sorted(set(HEAVY) & loaded) == []


def test_a_new_database_is_still_migrated_by_chat(tmp_path):
    code, loaded, _output = _loaded(tmp_path, "/sources")
    assert code == 0
    assert "alembic" not in loaded  # the migration ran in a child process
    assert Database(f"sqlite:///{tmp_path / 'start.db'}").current_revision() == code_head()


def test_the_head_read_from_the_version_files_is_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    migrations = Path(__file__).resolve().parents[1] / "storage" / "migrations"
    cfg.set_main_option("script_location", str(migrations))
    assert code_head() == ScriptDirectory.from_config(cfg).get_current_head()


class _Unchanged(BaseHTTPRequestHandler):
    """Every feed is unchanged: 304 to the validator the source holds."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(304 if self.headers.get("If-None-Match") == ETAG else 500)
        self.send_header("ETag", ETAG)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


ETAG = '"unchanged"'


SAMPLE_FEED = (ROOT / "digest/data/samples/policy-wire.xml").read_bytes()


class _New(BaseHTTPRequestHandler):
    """Every feed is the bundled sample, served whole."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(SAMPLE_FEED)))
        self.end_headers()
        self.wfile.write(SAMPLE_FEED)

    def log_message(self, *args: object) -> None:
        return None


def serve_unchanged(
    database: Path, sources: int, handler: type[BaseHTTPRequestHandler] = _Unchanged
) -> tuple[ThreadingHTTPServer, int]:
    """A local server whose feeds are all unchanged (or as `handler` serves them), and a migrated
    SQLite file at `database` holding `sources` sources that carry its validator; the server and
    its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    db = Database(f"sqlite:///{database}")
    db.upgrade()
    with db.session() as session:
        for n in range(sources):
            url = f"http://127.0.0.1:{port}/feed{n}.xml"
            session.add(Source(url=url, name=f"Feed {n}", etag=ETAG))
    db.dispose()
    return server, port


def _poll_all(
    tmp_path: Path, sources: int, handler: type[BaseHTTPRequestHandler]
) -> tuple[int, set[str], str]:
    """`policybrief poll --all` of `sources` feeds served by `handler`: exit code, modules
    loaded and output."""
    server, port = serve_unchanged(tmp_path / "start.db", sources, handler)
    try:
        return _loaded(
            tmp_path, args=["poll", "--all"], POLICYBRIEF_FETCH_ALLOW=f"127.0.0.1:{port}"
        )
    finally:
        server.shutdown()


def test_a_warm_poll_of_unchanged_feeds_loads_no_parser_or_sdk(tmp_path):
    code, loaded, output = _poll_all(tmp_path, 5, _Unchanged)
    assert code == 0, output
    assert "Polled 5 sources: 0 new items, 0 failed." in output
    parsers = ("feedparser", "lxml", "digest.ingest.parse", "dateutil", "trafilatura")
    assert sorted(set(HEAVY + parsers) & loaded) == []


def test_a_poll_that_parses_leaves_the_parsers_to_its_workers(tmp_path):
    code, loaded, output = _poll_all(tmp_path, 2, _New)
    assert code == 0, output
    assert "Polled 2 sources: " in output and " 0 new items" not in output
    assert "digest.ingest.parser_pool" in loaded  # it did parse, in worker processes
    assert sorted({"feedparser", "lxml", "digest.ingest.parse"} & loaded) == []
