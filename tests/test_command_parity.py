"""Every command in the registry exists on Slack, on Discord and in the console chat, and every
story-card button or menu entry on either platform runs a registered (sub)command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import console
from bot.discord.client import CommandRunner, build_commands
from bot.discord.views import story_view
from bot.slack.app import SLASH_COMMANDS, card_action
from bot.slack.render import render_card
from core.document import StoryCard
from handlers.all import build_registry
from handlers.base import Role
from handlers.story import CARD_ACTIONS, CardAction
from tests.fakechat import FakeChat

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = build_registry()
COMMANDS = {spec.name for spec in REGISTRY.listed()}
SUBCOMMANDS = {spec.name: {s.name for s in spec.subcommands} for spec in REGISTRY.listed()}


def test_the_registry_has_the_design_commands():
    assert {"brief", "watch", "digest", "pin", "unpin", "pinned", "sources", "help"} <= COMMANDS


def test_every_command_and_subcommand_is_an_app_command_on_discord():
    runner = CommandRunner(None, REGISTRY)  # type: ignore[arg-type]  # building reads no services
    built = {cmd.name: cmd for cmd in build_commands(REGISTRY, runner)}
    assert set(built) == COMMANDS
    for name, subs in SUBCOMMANDS.items():
        got = {c.name for c in getattr(built[name], "commands", [])}
        assert got == subs, name


def test_every_command_is_a_slash_command_on_slack():
    assert set(SLASH_COMMANDS.values()) == COMMANDS, "Slack and the registry disagree"


def test_the_slack_manifest_declares_every_slash_command():
    text = (ROOT / "bot" / "slack" / "manifest.yaml").read_text(encoding="utf-8")
    for slash in SLASH_COMMANDS:
        assert f"command: {slash}\n" in text, slash


def test_every_command_is_understood_by_the_console(sqlite_db):
    for name in COMMANDS:
        for sub in sorted(SUBCOMMANDS[name]) or [""]:
            inv = console.parse_command(f"/{name} {sub}".strip(), Role.ADMIN)
            assert inv.command == name and inv.request == sub
    services = FakeChat(sqlite_db).services
    for name in COMMANDS:
        reply = console.run_command(services, REGISTRY, f"/{name}")
        assert "unknown command" not in reply.document.title, name


# --- buttons and menus ---------------------------------------------------------------------------


def _runs_a_story_command(action: CardAction) -> None:
    """The action names a registered (sub)command that takes the story option."""
    spec = REGISTRY.get(action.command)
    assert spec is not None, action
    sub = spec.subcommand(action.subcommand)
    assert (sub is None) == (action.subcommand is None), action
    options = sub.options if sub is not None else spec.options
    assert [o.name for o in options] == ["story"], action


def _slack_values() -> list[str]:
    card = StoryCard(id=4, headline="Remove posts fast, court says", summary="")
    values = []
    for block in render_card(card):
        for element in block.get("elements", []):
            if "value" in element:
                values.append(element["value"])
            values += [o["value"] for o in element.get("options", [])]
    return values


def test_every_slack_button_and_menu_entry_runs_a_registered_story_command():
    values = _slack_values()
    assert [v.split(":")[0] for v in values] == ["watch", "more", "pin"]
    for value in values:
        picked = card_action(value)
        assert picked is not None, value
        _runs_a_story_command(picked[0])


def test_every_discord_button_runs_a_registered_story_command():
    view = story_view(["s4"])
    assert view is not None
    kinds = [re.fullmatch(r"pb:([a-z]+):s4", item.custom_id)[1] for item in view.children]
    assert kinds == ["pin", "watch"]
    for kind in kinds:
        _runs_a_story_command(CARD_ACTIONS[kind])


@pytest.mark.parametrize(
    ("key", "command"), [("pin", "/pin"), ("watch", "/watch similar"), ("more", "/story")]
)
def test_card_actions_name_the_command_they_stand_for(key, command):
    action = CARD_ACTIONS[key]
    assert " ".join(filter(None, ["/" + action.command, action.subcommand])) == command


def test_the_readme_shows_the_manifest_as_it_is():
    manifest = (ROOT / "bot" / "slack" / "manifest.yaml").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```yaml\n{manifest}```" in readme, "copy bot/slack/manifest.yaml into the README"
