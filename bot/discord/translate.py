"""Discord app-command options, buttons and member permissions -> the platform-neutral Invocation.

Pure functions over registry specs and `discord.Permissions`: testable without a connection.
Option values go to dispatch as they are typed (a `since` choice, a watch number as an int):
the handlers' own option parsers fill their argument dataclasses, with no text in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import discord

from handlers.base import Invocation, OptionValue, Role, Typed
from handlers.registry import CommandSpec, Option, Subcommand
from handlers.story import CardAction

__all__ = [
    "InteractionFacts",
    "role_from_permissions",
    "typed_options",
    "build_invocation",
    "card_invocation",
    "typed_invocation",
    "options_of",
    "ADMIN_HINT",
    "MODERATOR_HINT",
]

# default_permissions hints: Discord hides the command from members without them (server admins
# can override this, so the role is checked again at run time).
ADMIN_HINT = discord.Permissions(manage_guild=True)
MODERATOR_HINT = discord.Permissions(manage_messages=True)


@dataclass(frozen=True)
class InteractionFacts:
    """Who pressed or typed, where, with which server permissions (read from an Interaction)."""

    guild_id: str  # "" in a DM
    channel_id: str
    user_id: str
    permissions: discord.Permissions

    @property
    def workspace(self) -> str:
        """The guild, or "dm": a user's direct messages are their own workspace."""
        return self.guild_id or "dm"


def role_from_permissions(permissions: discord.Permissions) -> Role:
    """Manage Server (or Administrator) -> admin; Manage or Pin Messages -> moderator; else member.

    Pin Messages (1 << 51) is Discord's own permission for pinning since 2026, split from
    Manage Messages; either marks someone a server trusts with pins.
    """
    if permissions.administrator or permissions.manage_guild:
        return Role.ADMIN
    if permissions.manage_messages or permissions.pin_messages:
        return Role.MODERATOR
    return Role.MEMBER


def options_of(spec: CommandSpec, sub: Subcommand | None) -> tuple[Option, ...]:
    """The typed options of a command or of one of its subcommands."""
    return sub.options if sub is not None else spec.options


def typed_options(values: Mapping[str, object | None]) -> dict[str, OptionValue]:
    """The options given, as Discord typed them (strings and integers); unset ones left out."""
    out: dict[str, OptionValue] = {}
    for name, value in values.items():
        if isinstance(value, str | int):
            out[name] = value
        elif value is not None:
            out[name] = str(value)
    return out


def _invocation(facts: InteractionFacts, command: str, request: Typed) -> Invocation:
    return Invocation(
        platform="discord",
        workspace=facts.workspace,
        channel=facts.channel_id,
        user=facts.user_id,
        platform_role=role_from_permissions(facts.permissions),
        command=command,
        request=request,
    )


def typed_invocation(facts: InteractionFacts, command: str, request: Typed) -> Invocation:
    """A button's command as the person who pressed it (a document's own buttons)."""
    return _invocation(facts, command, request)


def build_invocation(
    spec: CommandSpec,
    sub: Subcommand | None,
    values: Mapping[str, object | None],
    facts: InteractionFacts,
) -> Invocation:
    """An app command (or one of its subcommands) with its typed option values."""
    request = Typed(sub.name if sub is not None else None, typed_options(values))
    return _invocation(facts, spec.name, request)


def card_invocation(action: CardAction, ref: str, facts: InteractionFacts) -> Invocation:
    """A story card's button: the command it stands for, on that story."""
    return _invocation(facts, action.command, action.request(ref))
