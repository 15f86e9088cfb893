"""Start-up cost (issues 15 and 19): one-shot commands load no platform or model library, a
database already at the code's head is checked without loading Alembic, and `chat "/help"` is
answered from the command table alone: no settings, no database, no HTTP client or feed parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from storage.db import Database, code_head

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
    app(["chat", sys.argv[1]])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print("\\nLOADED " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _loaded(tmp_path: Path, command: str = "/help") -> tuple[int, set[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'start.db'}",
        POLICYBRIEF_SEED_SOURCES="false",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout.rsplit("\nLOADED ", 1)
    assert len(out) == 2, done.stdout + done.stderr
    facts = json.loads(out[1])
    return facts["code"], {m.split(".")[0] for m in facts["modules"]}, out[0]


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
    assert "alembic" in loaded  # the migration ran: the only case that needs it
    assert Database(f"sqlite:///{tmp_path / 'start.db'}").current_revision() == code_head()


def test_the_head_read_from_the_version_files_is_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    migrations = Path(__file__).resolve().parents[1] / "storage" / "migrations"
    cfg.set_main_option("script_location", str(migrations))
    assert code_head() == ScriptDirectory.from_config(cfg).get_current_head()
