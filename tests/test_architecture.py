"""The dependency rules of DESIGN.md, checked by scanning imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["bot", "handlers", "digest", "storage"]
CHAT_SDKS = {"slack_bolt", "slack_sdk", "discord"}
HTTP_CLIENTS = {"httpx", "aiohttp", "requests", "urllib3", "openai"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", LAYERS)
def test_imports_point_down_only(package):
    allowed_below = set(LAYERS[LAYERS.index(package) :])
    for path in modules(package):
        for name in imports_of(path):
            if top(name) in LAYERS:
                assert top(name) in allowed_below, f"{path.relative_to(ROOT)} imports {name}"


@pytest.mark.parametrize("package", ["digest", "handlers", "storage"])
def test_no_chat_sdk_or_scheduler_below_bot(package):
    for path in modules(package):
        for name in imports_of(path):
            assert top(name) not in CHAT_SDKS | {"apscheduler"}, f"{path.relative_to(ROOT)}: {name}"


def test_handlers_use_no_http_client():
    for path in modules("handlers"):
        for name in imports_of(path):
            assert top(name) not in HTTP_CLIENTS, f"{path.relative_to(ROOT)} imports {name}"


def test_slack_and_discord_never_import_each_other():
    for a, b in (("slack", "discord"), ("discord", "slack")):
        for path in sorted((ROOT / "bot" / a).rglob("*.py")):
            for name in imports_of(path):
                assert not name.startswith(f"bot.{b}"), f"{path.relative_to(ROOT)} imports {name}"


def test_digest_and_handlers_do_not_read_settings():
    for package in ("digest", "handlers", "storage"):
        for path in modules(package):
            assert "pydantic_settings" not in {top(n) for n in imports_of(path)}, path


def test_feedparser_only_in_parse():
    for package in LAYERS:
        for path in modules(package):
            if "feedparser" in {top(n) for n in imports_of(path)}:
                assert path == ROOT / "digest" / "parse.py", f"{path.relative_to(ROOT)}"
