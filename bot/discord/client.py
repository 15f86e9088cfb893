"""The discord.py client: app commands generated from the handler registry, buttons, start/stop.

Nothing happens at import time: `build_discord(settings, services, registry)` builds the client,
`DiscordRuntime.start()` logs in, registers the persistent buttons, syncs the commands (to
DISCORD_GUILD_IDS instantly, else globally) and connects to the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import logging
import zoneinfo
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any, Optional  # noqa: UP035 - discord.py reads Optional[...] annotations

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.discord.api import ApiHTTPClient
from bot.discord.publisher import DiscordPublisher
from bot.discord.render import RenderedMessage, render
from bot.discord.translate import (
    ADMIN_HINT,
    MODERATOR_HINT,
    InteractionFacts,
    build_invocation,
    card_invocation,
    command_invocation,
    options_of,
    role_from_permissions,
)
from bot.discord.views import BUTTONS, ButtonClient, story_view
from bot.settings import Settings
from core.document import Document
from handlers.base import Invocation, Reply, Role, Visibility
from handlers.common import jurisdiction_slugs, topic_slugs
from handlers.context import Services
from handlers.registry import CommandSpec, Option, Registry, Subcommand
from handlers.story import CARD_ACTIONS
from handlers.watch import watch_choices

__all__ = [
    "CommandRunner",
    "PolicyBriefClient",
    "DiscordRuntime",
    "build_discord",
    "build_commands",
    "intents",
    "default_permissions_for",
    "facts_of",
]

log = logging.getLogger(__name__)

_DESCRIPTION = 100  # Discord's limit for command and option descriptions
_CHOICES = 25  # autocomplete answers at most 25 choices
_TEXT_MAX = 1000
# A 429 asking for a longer wait raises (-> Transient with retry_after) instead of blocking the
# outbox for minutes; discord.py's floor for this setting is 30 s.
MAX_RATELIMIT_WAIT = 60.0


def intents() -> discord.Intents:
    """Only the non-privileged Guilds intent: app commands and buttons need no message content."""
    return discord.Intents(guilds=True)


def _short(text: str) -> str:
    text = " ".join(text.split()) or "…"
    return text if len(text) <= _DESCRIPTION else text[: _DESCRIPTION - 1] + "…"


def _needed_role(spec: CommandSpec) -> Role:
    """The least role that can use some part of the command."""
    if not spec.subcommands:
        return spec.min_role
    return min(max(spec.min_role, sub.min_role) for sub in spec.subcommands)


def default_permissions_for(spec: CommandSpec) -> discord.Permissions | None:
    """Discord's visibility hint: Manage Server for admins' commands, Manage Messages for mods'."""
    role = _needed_role(spec)
    if role >= Role.ADMIN:
        return ADMIN_HINT
    if role >= Role.MODERATOR:
        return MODERATOR_HINT
    return None


def facts_of(interaction: discord.Interaction) -> InteractionFacts:
    """The invoking user, channel and permissions; in a DM nobody has server permissions."""
    in_guild = interaction.guild_id is not None
    return InteractionFacts(
        guild_id=str(interaction.guild_id) if in_guild else "",
        channel_id=str(interaction.channel_id or ""),
        user_id=str(interaction.user.id),
        permissions=interaction.permissions if in_guild else discord.Permissions.none(),
    )


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def _matching(values: Sequence[str], current: str, *, prefix: str = "") -> list[Choice[str]]:
    """Up to 25 choices: names starting with what was typed first, then names containing it."""
    low = current.strip().lower()
    starts = [v for v in values if v.lower().startswith(low)]
    contains = [v for v in values if low in v.lower() and v not in starts]
    picked = (starts + contains)[:_CHOICES]
    return [Choice(name=(prefix + v)[:100], value=(prefix + v)[:100]) for v in picked]


class CommandRunner:
    """Runs app commands and buttons: defer, translate, dispatch, render, follow up."""

    def __init__(self, services: Services, registry: Registry) -> None:
        self.services = services
        self.registry = registry

    # --- commands ----------------------------------------------------------------------------

    async def run(
        self,
        interaction: discord.Interaction,
        spec: CommandSpec,
        sub: Subcommand | None,
        values: dict[str, Any],
    ) -> None:
        """One slash command, end to end. defer() comes first: Discord drops it after 3 s."""
        ephemeral = not spec.default_visibility_public
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        reply = await self._dispatch(build_invocation(spec, sub, values, facts_of(interaction)))
        await self.send_reply(interaction, reply, deferred_ephemeral=ephemeral)

    async def _dispatch(self, inv: Invocation) -> Reply:
        """The shared dispatch; an unexpected error becomes a polite reply."""
        try:
            return await self.registry.dispatch(self.services, inv)
        except Exception:
            log.exception("/%s failed on Discord", inv.command)
            return Reply(
                Document(kind="error", title="Something went wrong; the error has been logged.")
            )

    async def send_reply(
        self, interaction: discord.Interaction, reply: Reply, *, deferred_ephemeral: bool
    ) -> None:
        """Follow up with the rendered reply, honouring the reply's visibility."""
        public = reply.visibility is Visibility.CHANNEL
        messages: list[RenderedMessage] = render(reply.document)
        for extra in reply.extras:
            messages.extend(render(extra))
        followup = interaction.followup
        try:
            if public and deferred_ephemeral:
                # The first follow-up replaces the ephemeral "thinking" message; later ones are
                # separate messages and may be public.
                await followup.send(
                    "Shared in this channel.",
                    ephemeral=True,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            elif not public and not deferred_ephemeral:
                # A public "thinking" message would show a private answer to everyone: drop it.
                await interaction.delete_original_response()
            # Pin only where a moderator alone sees it: a private reply to a moderator (members
            # never see a Pin they may not use; the role is checked again on click)
            role = role_from_permissions(facts_of(interaction).permissions)
            pin = interaction.guild_id is not None and not public and role >= Role.MODERATOR
            files = _files(reply.document)
            for n, message in enumerate(messages):
                view = story_view(message.story_refs, pin=pin, choices=message.choices)
                if n == 0 and files and message.embeds:  # the chart shows inside the first embed
                    message.embeds[0].set_image(url=f"attachment://{files[0].filename}")
                await followup.send(
                    content=message.content or discord.utils.MISSING,
                    embeds=message.embeds,
                    view=view if view is not None else discord.utils.MISSING,
                    files=files if n == 0 and files else discord.utils.MISSING,
                    ephemeral=not public,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
        except discord.HTTPException as exc:
            log.warning("Discord refused a reply (%s %s)", exc.status, exc.code)

    # --- the server leaving and coming back ------------------------------------------------

    async def guild_left(self, guild_id: str) -> None:
        """The server removed the bot: nothing is sent there from now on; its data is purged
        after the grace period (POLICYBRIEF_TENANT_RETENTION_DAYS)."""
        services = self.services
        keep = timedelta(days=services.tenant_retention_days)
        gone = await asyncio.to_thread(
            services.store.tenants.leave, "discord", guild_id, services.now(), keep
        )
        log.info(
            "discord: server %s removed policybrief; its data goes %s", guild_id, gone.purge_at
        )

    async def guild_joined(self, guild_id: str) -> None:
        """Added (again): a server that left within the grace period keeps its data."""
        if await asyncio.to_thread(self.services.store.tenants.come_back, "discord", guild_id):
            log.info("discord: server %s is back; nothing was purged", guild_id)

    # --- buttons -----------------------------------------------------------------------------

    async def handle_button(self, interaction: discord.Interaction, action: str, ref: str) -> None:
        """A story card's button: the command it stands for (Pin -> /pin, Watch similar ->
        /watch similar), dispatched like a typed one; a pin also pins the channel message."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        if action == "run":
            inv = command_invocation(ref, facts_of(interaction))
            if inv is None:
                reply = Reply(Document.notice("That button is out of date."))
                await self.send_reply(interaction, reply, deferred_ephemeral=True)
                return
            await self.send_reply(interaction, await self._dispatch(inv), deferred_ephemeral=True)
            return
        inv = card_invocation(CARD_ACTIONS[action], ref, facts_of(interaction))
        reply = await self._dispatch(inv)
        if inv.command == "pin" and reply.document.kind != "error":
            note = await _pin_message(getattr(interaction, "message", None))
            if note:
                reply.document.footer.append(note)
        await self.send_reply(interaction, reply, deferred_ephemeral=True)

    # --- autocomplete ------------------------------------------------------------------------

    async def complete(
        self, interaction: discord.Interaction, option: Option, current: str
    ) -> list[Choice[str]]:
        """Suggestions for topic, jurisdiction and timezone options."""
        if option.kind == "timezone":
            return _matching(_zones(), current)
        slugs = topic_slugs(self.services) + jurisdiction_slugs(self.services)
        if option.kind == "jurisdiction":
            slugs = jurisdiction_slugs(self.services)
        elif not option.rest:
            slugs = topic_slugs(self.services)
        if option.rest:  # several words: complete the last one, keep the others
            head, _, last = current.rpartition(" ")
            prefix = f"{head} " if head else ""
            return _matching([s for s in slugs if s not in head.split()], last, prefix=prefix)
        return _matching(slugs, current)

    async def complete_watch(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[int]]:
        """The caller's own watches for a watch number: `#3 coupang fine` -> 3."""
        facts = facts_of(interaction)
        watches = await asyncio.to_thread(
            watch_choices, self.services, "discord", facts.workspace, facts.user_id
        )
        low = str(current).strip().lstrip("#").lower()
        labels = [(w_id, f"#{w_id} {query}"[:100]) for w_id, query in watches]
        return [Choice(name=name, value=w_id) for w_id, name in labels if low in name.lower()][
            :_CHOICES
        ]


_COMPLETED_KINDS = frozenset({"topic", "jurisdiction", "timezone"})
_NUMBER_KINDS = frozenset({"watch_id", "number"})
_NUMBER_MAX = 10**12 - 1  # record numbers have at most twelve digits


def _annotation(option: Option) -> Any:
    base: Any = str
    if option.kind == "text":
        base = app_commands.Range[str, 1, _TEXT_MAX]
    elif option.kind in _NUMBER_KINDS:
        base = app_commands.Range[int, 1, _NUMBER_MAX]
    return base if option.required else Optional[base]  # noqa: UP045


def _callback_for(
    runner: CommandRunner, spec: CommandSpec, sub: Subcommand | None
) -> Callable[..., Coroutine[Any, Any, None]]:
    """A callback whose signature lists the registry's options, which discord.py reads."""

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await runner.run(interaction, spec, sub, values)

    options = options_of(spec, sub)
    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    # Discord wants required options first.
    for option in sorted(options, key=lambda o: not o.required):
        default = inspect.Parameter.empty if option.required else None
        params.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                default=default,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    if options:
        app_commands.describe(**{o.name: _short(o.description) for o in options})(callback)
    choices = {o.name: [Choice(name=c, value=c) for c in o.choices] for o in options if o.choices}
    if choices:
        app_commands.choices(**choices)(callback)
    for option in options:  # one decorator per option: their choices differ in type
        if option.kind == "watch_id":
            app_commands.autocomplete(**{option.name: _watch_completer(runner)})(callback)
        elif option.kind in _COMPLETED_KINDS and not option.choices:
            app_commands.autocomplete(**{option.name: _completer(runner, option)})(callback)
    return callback


def _completer(
    runner: CommandRunner, option: Option
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[str]]]]:
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return await runner.complete(interaction, option, current)

    return complete


def _watch_completer(
    runner: CommandRunner,
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[int]]]]:
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[Choice[int]]:
        return await runner.complete_watch(interaction, current)

    return complete


def build_commands(
    registry: Registry, runner: CommandRunner
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """One app command (or group of subcommands) per registry entry."""
    built: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    for spec in registry.listed():
        perms = default_permissions_for(spec)
        guild_only = _needed_role(spec) > Role.MEMBER
        if spec.subcommands:
            group = app_commands.Group(
                name=spec.name,
                description=_short(spec.summary),
                default_permissions=perms,
                guild_only=guild_only,
            )
            for sub in spec.subcommands:
                group.add_command(
                    app_commands.Command(
                        name=sub.name,
                        description=_short(sub.summary),
                        callback=_callback_for(runner, spec, sub),
                        parent=group,
                    )
                )
            built.append(group)
            continue
        callback = _callback_for(runner, spec, None)
        if perms is not None:
            app_commands.default_permissions(perms)(callback)
        if guild_only:
            app_commands.guild_only()(callback)
        built.append(
            app_commands.Command(
                name=spec.name, description=_short(spec.summary), callback=callback
            )
        )
    return built


class PolicyBriefClient(ButtonClient):
    """discord.Client with the command tree, the buttons and mentions off for every message."""

    def __init__(
        self,
        runner: CommandRunner,
        *,
        guild_ids: Sequence[str] = (),
        api_base: str | None = None,
    ) -> None:
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
        )
        if api_base:
            # Point REST calls elsewhere (a local fake); the state must use the same client.
            self.http = ApiHTTPClient(
                self.loop, api_base=api_base, max_ratelimit_timeout=MAX_RATELIMIT_WAIT
            )
            self._connection.http = self.http
        self.runner = runner
        self.guild_ids = tuple(guild_ids)
        self.logged_in = asyncio.Event()  # REST calls (the publisher) work from here on
        self.tree = app_commands.CommandTree(self)
        for command in build_commands(runner.registry, runner):
            self.tree.add_command(command)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        """After login: register persistent buttons, then sync commands (guilds, else global)."""
        self.logged_in.set()
        self.add_dynamic_items(*BUTTONS)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        if not self.guild_ids:
            synced = await self._sync(None)
            log.info("synced %d commands globally (may take up to an hour to appear)", synced)
            return
        for gid in self.guild_ids:
            guild = discord.Object(id=int(gid))
            self.tree.copy_global_to(guild=guild)
            synced = await self._sync(guild)
            log.info("synced %d commands to guild %s", synced, gid)

    async def _sync(self, guild: discord.Object | None) -> int:
        try:
            return len(await self.tree.sync(guild=guild))
        except discord.Forbidden:
            where = f"guild {guild.id}" if guild else "Discord"
            log.error(
                "could not register slash commands in %s: invite the bot with the "
                "applications.commands scope (see the README, section Discord)",
                where,
            )
            return 0

    async def handle_button(self, interaction: discord.Interaction, action: str, ref: str) -> None:
        await self.runner.handle_button(interaction, action, ref)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.runner.guild_left(str(guild.id))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.runner.guild_joined(str(guild.id))

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        log.error("app command failed: %r", error, exc_info=error)
        message = "Something went wrong; the error has been logged."
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)


async def _pin_message(message: discord.Message | None) -> str | None:
    """Pin the channel message the Pin button sits on; a note when Discord refuses."""
    if message is None or message.flags.ephemeral:
        return None  # an only-you answer cannot be pinned; the pin still leads /brief
    try:
        await message.pin(reason="policybrief: pinned by a moderator")
    except discord.Forbidden:
        return (
            "The bot lacks the Pin Messages permission here, so the message was not pinned in "
            "Discord; the story still leads /brief and the next digest."
        )
    except discord.HTTPException as exc:
        log.warning("pinning message %s failed: %s", message.id, exc)
        return "Discord did not pin the message; the story still leads /brief and the next digest."
    return None


@dataclass
class DiscordRuntime:
    """What bot/app.py runs: `await start()`, `await stop()`, and `.publisher` for delivery."""

    client: PolicyBriefClient
    publisher: DiscordPublisher
    token: str = field(repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Log in (discord.LoginFailure on a bad token), set up, then connect in the background."""
        await self.client.login(self.token)
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        self._task.add_done_callback(_report_exit)

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def wait_logged_in(self) -> None:
        await self.client.logged_in.wait()


def _report_exit(task: asyncio.Task[None]) -> None:
    """The gateway task ended: say why, since nothing awaits it until stop()."""
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        log.error("Discord refused the gateway connection: a privileged intent is requested")
    elif exc is not None:
        log.error("the Discord gateway connection ended: %r", exc)


def build_discord(settings: Settings, services: Services, registry: Registry) -> DiscordRuntime:
    """Build (without connecting) the Discord client, its commands and its publisher."""
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    runner = CommandRunner(services, registry)
    client = PolicyBriefClient(
        runner, guild_ids=settings.discord_guild_ids, api_base=settings.discord_api_url
    )
    return DiscordRuntime(
        client=client,
        publisher=DiscordPublisher(client.http, ready=client.logged_in.wait),
        token=settings.discord_token.get_secret_value(),
    )


def _files(document: Document) -> list[discord.File]:
    """A document's charts as attachments of the reply's first message."""
    return [
        discord.File(io.BytesIO(image.data), filename=image.name, description=image.alt or None)
        for image in document.images
    ]
