"""Discord without Discord: options -> Invocation, roles from discord.Permissions, Reply -> embeds,
the command runner (defer first, then follow-ups), autocomplete, buttons and command sync."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.discord.client import (
    CommandRunner,
    PolicyBriefClient,
    build_commands,
    default_permissions_for,
)
from bot.discord.render import LIMITS, render
from bot.discord.translate import (
    InteractionFacts,
    build_invocation,
    role_from_permissions,
    typed_options,
)
from core.document import story_ref
from core.query import Clause, Filter, Query, Term
from handlers.base import Role, Typed
from handlers.brief import BriefArgs
from handlers.parsing import Text
from handlers.registry import CommandSpec, Registry, no_args_action
from handlers.watch import WatchRemoveArgs
from tests.fake_discord import APP_ID, FakeDiscord
from tests.fakechat import NOW, FakeChat, seed_story

GUILD = "400000000000000001"
CHANNEL = "500000000000000001"

ADMIN = discord.Permissions(manage_guild=True)
MOD = discord.Permissions(manage_messages=True)
MEMBER = discord.Permissions(send_messages=True, read_message_history=True)


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permissions", "role"),
    [
        (discord.Permissions(administrator=True), Role.ADMIN),
        (discord.Permissions(manage_guild=True), Role.ADMIN),
        (discord.Permissions(manage_messages=True), Role.MODERATOR),
        (discord.Permissions(manage_messages=True, kick_members=True), Role.MODERATOR),
        (discord.Permissions(pin_messages=True), Role.MODERATOR),
        (discord.Permissions(send_messages=True, embed_links=True), Role.MEMBER),
        (discord.Permissions.none(), Role.MEMBER),
    ],
)
def test_role_comes_from_discords_permissions(permissions, role):
    assert role_from_permissions(permissions) == role


async def test_configured_lists_raise_a_role_but_never_lower_one(sqlite_db):
    chat = FakeChat(sqlite_db, platform="discord")
    chat.services.admins = frozenset({"discord:111"})
    chat.services.moderators = frozenset({"222"})
    spec = chat.registry.get("pinned")

    async def title(user: str, permissions: discord.Permissions) -> str:
        inv = build_invocation(spec, None, {}, _facts(permissions, user))
        return (await chat.registry.dispatch(chat.services, inv)).document.title

    nothing = "Nothing is pinned in this channel"
    assert await title("111", MEMBER) == nothing
    assert await title("222", MEMBER) == nothing
    assert await title("222", ADMIN) == nothing
    assert await title("333", MEMBER) == "/pinned needs the moderator role; you are a member."


# --- option parsing -> Invocation, for every command --------------------------------------------

# (command, subcommand, option values, the text that Slack or the console parses to the same args)
CASES: list[tuple[str, str | None, dict[str, Any], str]] = [
    ("brief", None, {}, ""),
    (
        "brief",
        None,
        {"topic": "child-safety", "jurisdiction": "eu", "words": "age  checks", "since": "7d"},
        "child-safety eu age checks since:7d",
    ),
    ("brief", None, {"words": "coupang", "public": "public"}, "coupang public"),
    (
        "watch",
        "add",
        {"query": 'coupang "data breach"', "mode": "daily"},
        'add coupang "data breach" daily',
    ),
    ("watch", "add", {"query": "list"}, "add list"),
    ("watch", "list", {}, "list"),
    ("watch", "remove", {"id": 3}, "remove 3"),
    ("watch", "test", {"query": "coupang -coupon"}, "test coupang -coupon"),
    ("watch", "similar", {"story": "s16"}, "similar s16"),
    ("watch", "forget-me", {}, "forget-me"),
    ("watch", "forget-me", {"confirm": "confirm"}, "forget-me confirm"),
    ("watch", "save-similar", {"story": "s16"}, "save-similar s16"),
    ("watch", "edit-similar", {"story": "s16"}, "edit-similar s16"),
    ("watch", "pause", {"id": 3}, "pause 3"),
    ("watch", "resume", {"id": 3}, "resume 3"),
    (
        "watch",
        "add",
        {"query": "coupang", "mode": "daily", "at": "09:00", "zone": "Asia/Seoul"},
        "add coupang daily 09:00 Asia/Seoul",
    ),
    (
        "digest",
        "on",
        {"time": "08:30", "timezone": "Europe/Brussels", "topics": "eu child-safety"},
        "on 08:30 Europe/Brussels eu child-safety",
    ),
    ("digest", "on", {}, "on"),
    ("digest", "off", {}, "off"),
    ("digest", "status", {}, "status"),
    ("digest", "preview", {}, "preview"),
    ("pin", None, {"story": "s16"}, "s16"),
    ("unpin", None, {"story": "s16"}, "s16"),
    ("pinned", None, {}, ""),
    ("sources", "list", {}, "list"),
    (
        "sources",
        "add",
        {"url": "https://feeds.example/rss", "name": "EU Council"},
        "add https://feeds.example/rss EU Council",
    ),
    ("sources", "remove", {"id": 7}, "remove 7"),
    ("sources", "remove", {"id": 7, "confirm": "confirm"}, "remove 7 confirm"),
    ("sources", "hide", {"id": 7}, "hide 7"),
    ("sources", "show", {"id": 7}, "show 7"),
    ("sources", "health", {}, "health"),
    ("sources", "log", {"days": 30}, "log since:30d"),
    ("help", None, {}, ""),
    ("story", None, {"story": "s16"}, "s16"),
    (
        "deadlines",
        "list",
        {"query": "eu data-protection", "next": "365d", "kind": "consultation"},
        "list eu data-protection next:365d kind:consultation",
    ),
    ("deadlines", "subscribe", {"query": "eu"}, "subscribe eu"),
    ("deadlines", "unsubscribe", {}, "unsubscribe"),
    (
        "trend",
        None,
        {"query": "coupang", "since": "365d", "by": "jurisdiction"},
        "coupang since:365d by:jurisdiction",
    ),
]


def _spec_sub(registry: Registry, command: str, sub: str | None):
    spec = registry.get(command)
    assert spec is not None, command
    found = next((s for s in spec.subcommands if s.name == sub), None) if sub else None
    assert (found is None) == (sub is None), (command, sub)
    return spec, found


def _facts(
    permissions: discord.Permissions = ADMIN, user: str = "700000000000000001"
) -> InteractionFacts:
    return InteractionFacts(GUILD, CHANNEL, user, permissions)


def test_the_cases_cover_every_command_and_subcommand(sqlite_db):
    registry = FakeChat(sqlite_db).registry
    wanted = {
        (spec.name, sub.name if sub else None)
        for spec in registry.specs()
        for sub in (spec.subcommands or (None,))
    }
    assert wanted <= {(c, s) for c, s, _, _ in CASES}


@pytest.mark.parametrize(("command", "sub", "values", "text"), CASES)
def test_options_fill_the_same_arguments_as_the_typed_text(sqlite_db, command, sub, values, text):
    chat = FakeChat(sqlite_db, platform="discord")
    spec, found = _spec_sub(chat.registry, command, sub)
    inv = build_invocation(spec, found, values, _facts())
    assert (inv.platform, inv.workspace, inv.channel) == ("discord", GUILD, CHANNEL)
    assert (inv.user, inv.platform_role, inv.command) == ("700000000000000001", Role.ADMIN, command)
    assert inv.request == Typed(sub, typed_options(values))
    picked, rest = spec.pick(Text(text))
    assert picked is found
    action = spec.action_of(found)
    typed = action.from_options(chat.services, typed_options(values))
    assert typed == action.from_text(chat.services, rest)


def test_a_dm_is_its_own_workspace_with_no_server_role(sqlite_db):
    chat = FakeChat(sqlite_db, platform="discord")
    spec, _ = _spec_sub(chat.registry, "help", None)
    facts = InteractionFacts("", "800", "700", discord.Permissions.none())
    inv = build_invocation(spec, None, {}, facts)
    assert (inv.workspace, inv.platform_role) == ("dm", Role.MEMBER)


# --- Reply -> embeds, for every command ---------------------------------------------------------


def _assert_within_limits(messages):
    assert messages
    for message in messages:
        assert 1 <= len(message.embeds) <= LIMITS.embeds
        assert sum(len(e) for e in message.embeds) <= LIMITS.total
        for embed in message.embeds:
            assert len(embed.title or "") <= LIMITS.title
            assert len(embed.description or "") <= LIMITS.description
            assert len(embed.footer.text or "") <= LIMITS.footer


@pytest.mark.parametrize(("command", "sub", "values", "text"), CASES)
async def test_every_commands_reply_renders_as_embeds(sqlite_db, command, sub, values, text):
    chat = FakeChat(sqlite_db, platform="discord", workspace=GUILD)
    seed_story(
        sqlite_db,
        "Coupang fined over data breach @everyone",
        "The regulator fined Coupang.",
        topics=("data-protection",),
        jurisdictions=("kr",),
    )
    spec, found = _spec_sub(chat.registry, command, sub)
    inv = build_invocation(spec, found, values, _facts())
    reply = await chat.registry.dispatch(chat.services, inv)
    messages = render(reply.document)
    _assert_within_limits(messages)
    flat = repr([e.to_dict() for m in messages for e in m.embeds])
    assert "@everyone" not in flat
    if command == "help":
        assert "/brief" in flat and "/watch" in flat


async def test_a_brief_shows_story_cards_with_links_and_button_refs(sqlite_db):
    chat = FakeChat(sqlite_db, platform="discord", workspace=GUILD)
    sid = seed_story(
        sqlite_db, "Coupang fined", "The regulator fined Coupang.", topics=("data-protection",)
    )
    spec, _ = _spec_sub(chat.registry, "brief", None)
    inv = build_invocation(spec, None, {"words": "coupang"}, _facts(MEMBER))
    messages = render((await chat.registry.dispatch(chat.services, inv)).document)
    cards = [e for m in messages for e in m.embeds if e.title == "Coupang fined"]
    assert len(cards) == 1
    assert cards[0].url == f"https://news.example/{sid}"
    assert story_ref(sid) in [ref for m in messages for ref in m.story_refs]


# --- the runner: defer first, then follow up ------------------------------------------------------


@dataclass
class FakeInteraction:
    """Just what CommandRunner touches on a discord.Interaction, recording each call."""

    permissions: discord.Permissions = field(default_factory=lambda: MEMBER)
    guild_id: int | None = int(GUILD)
    channel_id: int = int(CHANNEL)
    user: Any = field(
        default_factory=lambda: SimpleNamespace(
            id=700000000000000001, name="ada", display_name="Ada"
        )
    )
    locale: Any = discord.Locale.british_english
    log: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.response = SimpleNamespace(defer=self._defer, is_done=lambda: bool(self.log))
        self.followup = SimpleNamespace(send=self._send)

    async def _defer(self, **kwargs: Any) -> None:
        self.log.append(("defer", kwargs))

    async def _send(self, content: Any = discord.utils.MISSING, **kwargs: Any) -> None:
        self.log.append(("send", {"content": content, **kwargs}))

    async def delete_original_response(self) -> None:
        self.log.append(("delete", {}))

    def sends(self) -> list[dict[str, Any]]:
        return [kw for what, kw in self.log if what == "send"]


def _runner(db) -> tuple[CommandRunner, FakeChat]:
    chat = FakeChat(db, platform="discord", workspace=GUILD)
    return CommandRunner(chat.services, chat.registry), chat


def _callback_group(runner: CommandRunner, command: str):
    return next(c for c in build_commands(runner.registry, runner) if c.name == command)


def _callback(runner: CommandRunner, command: str, sub: str | None = None):
    for cmd in build_commands(runner.registry, runner):
        if cmd.name != command:
            continue
        if sub is None:
            return cmd.callback
        return next(c for c in cmd.commands if c.name == sub).callback
    raise AssertionError(command)


async def test_brief_defers_ephemeral_first_and_answers_only_the_facts(sqlite_db):
    runner, _ = _runner(sqlite_db)
    seed_story(
        sqlite_db, "Coupang fined <@&123456789012345678>", "Fine.", topics=("data-protection",)
    )
    interaction = FakeInteraction()
    await _callback(runner, "brief")(interaction, words="coupang")
    assert interaction.log[0] == ("defer", {"ephemeral": True, "thinking": True})
    sends = interaction.sends()
    assert sends and all(s["ephemeral"] is True for s in sends)
    assert all(s["allowed_mentions"].to_dict() == {"parse": []} for s in sends)
    titles = [e.title for s in sends for e in s["embeds"]]
    assert any(t and t.startswith("Coupang fined") and "<@&" not in t for t in titles)
    custom_ids = [item.custom_id for s in sends if s["view"] for item in s["view"].children]
    # a member sees Watch similar, never a Pin button they may not use
    assert any(cid.startswith("pb:watch:s") for cid in custom_ids)
    assert not any(cid.startswith("pb:pin:") for cid in custom_ids)
    moderator = FakeInteraction(permissions=MOD)
    await _callback(runner, "brief")(moderator, words="coupang")
    ids = [item.custom_id for s in moderator.sends() if s["view"] for item in s["view"].children]
    assert any(cid.startswith("pb:pin:s") for cid in ids)  # a private reply to a moderator


async def test_brief_public_is_shared_in_the_channel(sqlite_db):
    runner, _ = _runner(sqlite_db)
    seed_story(sqlite_db, "Coupang fined", "Fine.", topics=("data-protection",))
    interaction = FakeInteraction()
    await _callback(runner, "brief")(interaction, words="coupang", public="public")
    sends = interaction.sends()
    assert sends[0]["content"] == "Shared in this channel." and sends[0]["ephemeral"] is True
    assert sends[1]["ephemeral"] is False and sends[1]["embeds"]


async def test_trend_attaches_its_chart_inside_the_first_embed(sqlite_db):
    runner, _ = _runner(sqlite_db)
    seed_story(sqlite_db, "Coupang breach: regulator opens a probe", "Seoul.")
    interaction = FakeInteraction()
    await _callback(runner, "trend")(interaction, query="coupang")
    first, *rest = interaction.sends()
    (chart,) = first["files"]
    assert chart.filename.endswith(".png") and chart.fp.read(4) == b"\x89PNG"
    assert first["embeds"][0].image.url == f"attachment://{chart.filename}"
    assert all(s["files"] is discord.utils.MISSING for s in rest)


async def test_a_member_is_refused_digest_on_whatever_discord_shows_them(sqlite_db):
    runner, chat = _runner(sqlite_db)
    interaction = FakeInteraction(permissions=MEMBER)
    await _callback(runner, "digest", "on")(interaction, time="08:00")
    titles = [e.title for s in interaction.sends() for e in s["embeds"]]
    assert titles == ["/digest on needs the admin role; you are a member."]


async def test_manage_server_may_turn_the_digest_on(sqlite_db):
    runner, _ = _runner(sqlite_db)
    interaction = FakeInteraction(permissions=ADMIN)
    await _callback(runner, "digest", "on")(interaction, time="08:30", timezone="Europe/Brussels")
    flat = repr([e.to_dict() for s in interaction.sends() for e in s["embeds"]])
    assert "08:30" in flat and "Europe/Brussels" in flat
    assert "needs the admin role" not in flat


async def test_a_handler_crash_is_a_polite_private_error(sqlite_db):
    runner, _ = _runner(sqlite_db)

    def boom(services, caller, args):
        raise RuntimeError("database on fire")

    runner.registry = Registry()
    runner.registry.register(
        CommandSpec("boom", "x", "/boom", action=no_args_action(boom, lambda w: AssertionError()))
    )
    interaction = FakeInteraction()
    await _callback(runner, "boom")(interaction)
    titles = [e.title for s in interaction.sends() for e in s["embeds"]]
    assert titles == ["Something went wrong; the error has been logged."]
    assert "database on fire" not in repr(interaction.log)


# --- generated commands -------------------------------------------------------------------------


def test_commands_mirror_the_registry_with_permission_hints(sqlite_db):
    runner, chat = _runner(sqlite_db)
    built = {c.name: c for c in build_commands(chat.registry, runner)}
    assert set(built) == {spec.name for spec in chat.registry.listed()}
    assert {c.name for c in built["watch"].commands} == {
        "add",
        "list",
        "remove",
        "forget-me",
        "pause",
        "resume",
        "test",
        "similar",
        "save-similar",
        "edit-similar",
    }
    assert {c.name for c in built["digest"].commands} == {"on", "off", "status", "preview"}
    assert {c.name for c in built["sources"].commands} == {
        "list",
        "add",
        "remove",
        "hide",
        "show",
        "health",
        "log",
    }
    assert built["sources"].default_permissions == discord.Permissions(manage_guild=True)
    assert built["digest"].default_permissions == discord.Permissions(manage_guild=True)
    for name in ("pin", "unpin", "pinned"):
        assert built[name].default_permissions == discord.Permissions(manage_messages=True)
    assert built["brief"].default_permissions is None
    assert default_permissions_for(chat.registry.get("help")) is None
    brief = {p.name: p for p in built["brief"].parameters}
    assert brief["topic"].autocomplete is not None
    assert [c.value for c in brief["since"].choices] == [
        "24h",
        "48h",
        "3d",
        "7d",
        "30d",
        "90d",
        "365d",
    ]
    add = {
        p.name: p for p in next(c for c in built["watch"].commands if c.name == "add").parameters
    }
    assert add["query"].required and not add["mode"].required


# --- autocomplete ------------------------------------------------------------------------------


async def test_autocomplete_topics_zones_and_the_callers_watches(db):
    runner, chat = _runner(db)
    spec = chat.registry.get("digest")
    on = next(s for s in spec.subcommands if s.name == "on")
    opts = {o.name: o for o in on.options}
    interaction = FakeInteraction()
    zones = await runner.complete(interaction, opts["timezone"], "europe/bru")
    assert [c.value for c in zones] == ["Europe/Brussels"]
    topics = await runner.complete(interaction, opts["topics"], "eu child")
    assert [c.value for c in topics] == ["eu child-safety"]

    watch = chat.registry.get("watch")
    add = next(s for s in watch.subcommands if s.name == "add")
    remove = next(s for s in watch.subcommands if s.name == "remove")
    inv = build_invocation(watch, add, {"query": "coupang"}, _facts(MEMBER))
    await chat.registry.dispatch(chat.services, inv)
    other = build_invocation(watch, add, {"query": "tiktok"}, _facts(MEMBER, "999"))
    await chat.registry.dispatch(chat.services, other)
    assert remove.options[0].kind == "watch_id"
    ids = await runner.complete_watch(interaction, "")
    assert [c.name for c in ids] == ["#1 coupang"] and ids[0].value == 1


# --- buttons -----------------------------------------------------------------------------------


async def test_pin_button_pins_for_a_moderator_and_refuses_a_member(db):
    runner, chat = _runner(db)
    sid = seed_story(db, "Coupang fined", "Fine.", topics=("data-protection",))
    member = FakeInteraction(permissions=MEMBER)
    await runner.handle_button(member, "pin", story_ref(sid))
    assert member.log[0] == ("defer", {"ephemeral": True, "thinking": True})
    assert [e.title for s in member.sends() for e in s["embeds"]] == [
        "/pin needs the moderator role; you are a member."
    ]
    typed = FakeInteraction(permissions=MEMBER)
    await _callback(runner, "pin")(typed, story=story_ref(sid))
    assert [e.title for s in typed.sends() for e in s["embeds"]] == [
        "/pin needs the moderator role; you are a member."
    ]
    mod = FakeInteraction(permissions=MOD)
    await runner.handle_button(mod, "pin", story_ref(sid))
    flat = repr([e.to_dict() for s in mod.sends() for e in s["embeds"]])
    assert "needs the moderator role" not in flat and story_ref(sid) in flat


class FakeMessage:
    """The channel message a button sits on: records pin calls, or refuses like Discord."""

    def __init__(self, *, ephemeral: bool = False, forbidden: bool = False) -> None:
        self.id = 900000000000000001
        self.flags = discord.MessageFlags(ephemeral=ephemeral)
        self.forbidden = forbidden
        self.pins: list[str | None] = []

    async def pin(self, *, reason: str | None = None) -> None:
        if self.forbidden:
            response = SimpleNamespace(status=403, reason="Forbidden")
            raise discord.Forbidden(response, {"code": 50013, "message": "Missing Permissions"})
        self.pins.append(reason)


async def test_pin_button_pins_the_channel_message_or_says_the_permission_is_missing(db):
    runner, _ = _runner(db)
    sid = seed_story(db, "Coupang fined", "Fine.", topics=("data-protection",))
    ok = FakeInteraction(permissions=MOD)
    ok.message = FakeMessage()
    await runner.handle_button(ok, "pin", story_ref(sid))
    assert ok.message.pins == ["policybrief: pinned by a moderator"]

    refused = FakeInteraction(permissions=MOD)
    refused.message = FakeMessage(forbidden=True)
    await runner.handle_button(refused, "pin", story_ref(sid))
    flat = repr([e.to_dict() for s in refused.sends() for e in s["embeds"]])
    assert "The bot lacks the Pin Messages permission here" in flat

    member = FakeInteraction(permissions=MEMBER)
    member.message = FakeMessage()
    await runner.handle_button(member, "pin", story_ref(sid))
    assert member.message.pins == []  # refused by role: nothing pinned anywhere


@pytest.mark.parametrize(
    ("headline", "topic", "query"),
    [
        ("Coupang fined over breach", "data-protection", "coupang breach topic:data-protection"),
        # the first word names a /watch subcommand; it is still just a word of the query
        ("Remove posts fast, court says", "competition", "remove posts topic:competition"),
    ],
)
async def test_watch_similar_button_proposes_then_save_adds_the_watch(db, headline, topic, query):
    runner, _ = _runner(db)
    sid = seed_story(db, headline, "x", topics=(topic,))
    ref = story_ref(sid)
    interaction = FakeInteraction()
    await runner.handle_button(interaction, "watch", ref)
    (sent,) = interaction.sends()
    assert sent["ephemeral"]
    assert sent["embeds"][0].title == f"Watch stories like {ref}?"
    assert any(f"Proposed watch: {query}" in (e.description or "") for e in sent["embeds"])
    ids = [item.custom_id for item in sent["view"].children]
    save, edit = f"/watch save-similar {ref}", f"/watch edit-similar {ref}"
    assert ids == [f"pb:run:{save}", f"pb:run:{edit}"]  # one implementation: the handlers
    saved = FakeInteraction()
    await runner.handle_button(saved, "run", save)
    titles = [e.title for s in saved.sends() for e in s["embeds"]]
    assert titles[0] == f"Watching {query} (#1, instant)"
    assert all(s["ephemeral"] for s in saved.sends())


async def test_watch_similar_on_a_story_that_is_gone_says_so(db):
    runner, _ = _runner(db)
    gone = FakeInteraction()
    await runner.handle_button(gone, "watch", "s9999")
    assert [e.title for s in gone.sends() for e in s["embeds"]] == [
        "no story s9999; story ids are on each story card"
    ]


async def test_option_values_reach_the_handler_typed_without_text(sqlite_db):
    runner, chat = _runner(sqlite_db)
    seen: list[object] = []

    def record(spec: CommandSpec, sub: str | None = None) -> None:
        """Keep the handler's arguments; parsing text at all fails the test."""
        found = spec.subcommand(sub)
        action = spec.action_of(found)

        async def run(services, caller, args):
            seen.append(args)
            return await action.run(services, caller, args)

        def no_text(services, text):
            raise AssertionError(f"/{spec.name} parsed text: {text}")

        spied = replace(action, run=run, from_text=no_text)
        if found is None:
            chat.registry.commands[spec.name] = replace(spec, action=spied)
            return
        subs = tuple(replace(s, action=spied) if s is found else s for s in spec.subcommands)
        chat.registry.commands[spec.name] = replace(spec, subcommands=subs)

    record(chat.registry.get("brief"))
    record(chat.registry.get("watch"), "remove")
    await _callback(runner, "brief")(FakeInteraction(), since="7d", words="coupang eu")
    await _callback(runner, "watch", "remove")(FakeInteraction(), id=1)
    assert seen == [
        BriefArgs(
            query=Query((Clause((Term(("coupang",)),)), Clause((Filter("jurisdiction", "eu"),)))),
            since=timedelta(days=7),
            text="coupang eu",
        ),
        WatchRemoveArgs(watch_id=1),
    ]
    remove = next(c for c in _callback_group(runner, "watch").commands if c.name == "remove")
    assert remove.parameters[0].type is discord.AppCommandOptionType.integer


# --- start-up: login, buttons, command sync against the fake REST API ---------------------------


async def test_setup_syncs_commands_to_the_dev_guilds_and_registers_buttons(sqlite_db):
    fake = await FakeDiscord().start()
    runner, _ = _runner(sqlite_db)
    client = PolicyBriefClient(runner, guild_ids=[GUILD], api_base=fake.api_base)
    try:
        await client.login("test-token")
        puts = fake.calls("PUT")
        assert [r.path for r in puts] == [f"/applications/{APP_ID}/guilds/{GUILD}/commands"]
        names = {c["name"] for c in puts[0].json}
        assert names == {spec.name for spec in runner.registry.listed()}
        sources = next(c for c in puts[0].json if c["name"] == "sources")
        assert int(sources["default_member_permissions"]) == ADMIN.value
        assert client._connection._view_store  # dynamic items registered
    finally:
        await client.close()
        await fake.stop()


async def test_without_dev_guilds_commands_sync_globally(sqlite_db):
    fake = await FakeDiscord().start()
    runner, _ = _runner(sqlite_db)
    client = PolicyBriefClient(runner, api_base=fake.api_base)
    try:
        await client.login("test-token")
        assert [r.path for r in fake.calls("PUT")] == [f"/applications/{APP_ID}/commands"]
    finally:
        await client.close()
        await fake.stop()


def test_client_uses_no_privileged_intent_and_no_mentions():
    runner = CommandRunner(None, Registry())  # type: ignore[arg-type]
    client = PolicyBriefClient(runner)
    assert not (
        client.intents.members or client.intents.presences or client.intents.message_content
    )
    assert client.allowed_mentions.to_dict() == {"parse": []}


async def test_build_discord_wires_settings_and_the_publisher_waits_for_login(sqlite_db):
    from bot.discord.client import build_discord
    from bot.publisher import Recipient, Transient
    from bot.settings import load_settings
    from core.document import Document

    fake = await FakeDiscord().start()
    runner, chat = _runner(sqlite_db)
    settings = load_settings(
        DISCORD_TOKEN="secret-token", DISCORD_GUILD_IDS=GUILD, DISCORD_API_URL=fake.api_base
    )
    runtime = build_discord(settings, chat.services, chat.registry)
    assert "secret-token" not in repr(runtime)
    try:
        runtime.publisher._ready_timeout = 0.05
        with pytest.raises(Transient, match="not connected yet"):
            await runtime.publisher.send(
                Recipient("discord", GUILD, CHANNEL), Document("notice", "hi"), key="k"
            )
        assert fake.requests == []
        await runtime.client.login(runtime.token)
        sent = await runtime.publisher.send(
            Recipient("discord", GUILD, CHANNEL), Document("notice", "hi"), key="k"
        )
        assert sent.channel_id == CHANNEL
        assert fake.calls("POST", f"/channels/{CHANNEL}/messages")[0].headers["Authorization"] == (
            "Bot secret-token"
        )
        assert [r.path for r in fake.calls("PUT")] == [
            f"/applications/{APP_ID}/guilds/{GUILD}/commands"
        ]
    finally:
        await runtime.stop()
        await fake.stop()


async def test_a_private_answer_to_a_public_command_drops_the_public_thinking_message(sqlite_db):
    from core.document import Document as Doc
    from handlers.base import Reply

    runner, _ = _runner(sqlite_db)
    runner.registry = Registry()
    runner.registry.register(
        CommandSpec(
            "announce",
            "x",
            "/announce",
            action=no_args_action(
                lambda services, caller, args: Reply(Doc("notice", "only for you")),
                lambda word: AssertionError(),
            ),
            default_visibility_public=True,
        )
    )
    interaction = FakeInteraction()
    await _callback(runner, "announce")(interaction)
    assert [what for what, _ in interaction.log] == ["defer", "delete", "send"]
    assert interaction.log[0][1]["ephemeral"] is False
    assert interaction.sends()[0]["ephemeral"] is True


async def test_a_briefs_more_button_fetches_the_next_page(sqlite_db):
    runner, chat = _runner(sqlite_db)
    for n in range(5):
        seed_story(sqlite_db, f"Coupang story {n}", "x", when=NOW - timedelta(hours=1 + n))
    first = FakeInteraction()
    await _callback(runner, "brief")(first, words="coupang", limit="3")
    ids = [item.custom_id for s in first.sends() if s["view"] for item in s["view"].children]
    assert "pb:run:/brief coupang limit:3 page:2" in ids
    second = FakeInteraction()
    await runner.handle_button(second, "run", "/brief coupang limit:3 page:2")
    assert second.log[0] == ("defer", {"ephemeral": True, "thinking": True})
    titles = [e.title for s in second.sends() for e in s["embeds"]]
    assert "Coupang story 3" in titles and "Coupang story 4" in titles
    assert "Coupang story 0" not in titles
    later = [item.custom_id for s in second.sends() if s["view"] for item in s["view"].children]
    assert not any(cid.startswith("pb:run:") for cid in later)
