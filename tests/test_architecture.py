"""The house rules of docs/ARCHITECTURE.md, checked by scanning imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["bot", "handlers", "digest", "storage", "core"]  # each imports only those after it
# digest's rooms, lowest first: each imports only itself and the rooms before it
DIGEST_ROOMS = ["text", "judgement", "ingest", "writing", "composition"]
CHAT_SDKS = {"slack_bolt", "slack_sdk", "discord"}
HTTP_CLIENTS = {"httpx", "httpcore", "aiohttp", "requests", "urllib3", "openai"}
DATABASE_LIBRARIES = {"sqlalchemy", "sqlmodel", "alembic"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("package", LAYERS)
def test_imports_point_down_only(package):
    allowed_below = set(LAYERS[LAYERS.index(package) :])
    for path in modules(package):
        for name in imports_of(path):
            if top(name) in LAYERS:
                assert top(name) in allowed_below, f"{rel(path)} imports {name}"


def test_core_imports_nothing_of_ours():
    ours = set(LAYERS) - {"core"}
    for path in modules("core"):
        for name in imports_of(path):
            assert top(name) not in ours | DATABASE_LIBRARIES, f"{rel(path)} imports {name}"


def test_only_storage_touches_the_database_libraries():
    for package in ("core", "digest", "handlers", "bot", "benchmarks"):
        for path in modules(package):
            for name in imports_of(path):
                assert top(name) not in DATABASE_LIBRARIES, f"{rel(path)} imports {name}"


# they build the Database and its Storage (the CLI: `demo` and `db upgrade`)
COMPOSITION_ROOT = {"bot/app.py", "bot/cli/demo.py", "bot/cli/database.py"}
STORAGE_INSIDES = {"storage.models", "storage.db"}


def test_only_storage_and_the_composition_root_see_tables_and_the_database():
    # Everything else goes through `Storage` and its parts, which return core shapes; benchmarks
    # and tests build their own databases and are left out.
    for package in ("core", "digest", "handlers", "bot"):
        for path in modules(package):
            if rel(path) in COMPOSITION_ROOT:
                continue
            for name in imports_of(path):
                inside = any(name == m or name.startswith(m + ".") for m in STORAGE_INSIDES)
                assert not inside, f"{rel(path)} imports {name}"


def test_platform_code_never_reaches_storage():
    for platform in ("slack", "discord"):
        for path in sorted((ROOT / "bot" / platform).rglob("*.py")):
            for name in imports_of(path):
                assert top(name) != "storage", f"{rel(path)} imports {name}"


def room_of(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == "digest" and parts[1] in DIGEST_ROOMS:
        return parts[1]
    return None


@pytest.mark.parametrize("room", DIGEST_ROOMS)
def test_digest_rooms_import_downward_only(room):
    allowed = set(DIGEST_ROOMS[: DIGEST_ROOMS.index(room) + 1])
    for path in sorted((ROOT / "digest" / room).rglob("*.py")):
        for name in imports_of(path):
            other = room_of(name)
            if other is not None:
                assert other in allowed, f"{rel(path)} imports {name}"


def test_digest_modules_live_in_rooms():
    loose = [p.name for p in (ROOT / "digest").glob("*.py") if p.name not in {"__init__.py"}]
    # the demo wires every room together over the bundled samples; everything else has a room
    assert set(loose) <= {"demo.py"}, loose


@pytest.mark.parametrize("package", ["core", "storage", "digest", "handlers"])
def test_no_chat_sdk_or_scheduler_below_bot(package):
    for path in modules(package):
        for name in imports_of(path):
            assert top(name) not in CHAT_SDKS | {"apscheduler"}, f"{rel(path)}: {name}"


def test_handlers_use_no_http_client():
    for path in modules("handlers"):
        for name in imports_of(path):
            assert top(name) not in HTTP_CLIENTS, f"{rel(path)} imports {name}"


def test_slack_and_discord_never_import_each_other():
    for a, b in (("slack", "discord"), ("discord", "slack")):
        for path in sorted((ROOT / "bot" / a).rglob("*.py")):
            for name in imports_of(path):
                assert not name.startswith(f"bot.{b}"), f"{rel(path)} imports {name}"


def test_digest_and_handlers_do_not_read_settings():
    for package in ("core", "digest", "handlers", "storage"):
        for path in modules(package):
            assert "pydantic_settings" not in {top(n) for n in imports_of(path)}, path


def test_feedparser_only_in_parse():
    for package in LAYERS:
        for path in modules(package):
            if "feedparser" in {top(n) for n in imports_of(path)}:
                assert path == ROOT / "digest" / "ingest" / "parse.py", rel(path)
