"""Discord app-command options and member permissions -> the platform-neutral Invocation.

Pure functions over registry specs and `discord.Permissions`: testable without a connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import discord

from handlers import roles
from handlers.base import Invocation, Role
from handlers.context import Services
from handlers.registry import CommandSpec, Option, Subcommand

__all__ = [
    "Caller",
    "role_from_permissions",
    "resolve_role",
    "invocation_text",
    "build_invocation",
    "options_of",
    "ADMIN_HINT",
    "MODERATOR_HINT",
]

# default_permissions hints: Discord hides the command from members without them (server admins
# can override this, so the role is checked again at run time).
ADMIN_HINT = discord.Permissions(manage_guild=True)
MODERATOR_HINT = discord.Permissions(manage_messages=True)


@dataclass(frozen=True)
class Caller:
    """Who invoked a command, as read from a discord.Interaction."""

    guild_id: str  # "" in a DM
    channel_id: str
    user_id: str
    user_name: str
    permissions: discord.Permissions
    locale: str = "en"


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


def resolve_role(user_id: str, permissions: discord.Permissions, services: Services) -> Role:
    """The higher of the Discord-derived role and POLICYBRIEF_ADMINS / POLICYBRIEF_MODERATORS."""
    return roles.resolve_role(
        user_id, role_from_permissions(permissions), services, platform="discord"
    )


def options_of(spec: CommandSpec, sub: Subcommand | None) -> tuple[Option, ...]:
    """The typed options of a command or of one of its subcommands."""
    return sub.options if sub is not None else spec.options


def _is_keyed(option: Option, usage: str) -> bool:
    """Options written `name:value` in the usage line (e.g. `since:24h`)."""
    return f"{option.name}:" in usage


def _format_value(value: object) -> str:
    """One line: Discord strings may hold newlines or tabs the handlers' words do not expect."""
    return " ".join(str(value).split())


def invocation_text(
    spec: CommandSpec, sub: Subcommand | None, values: Mapping[str, object | None]
) -> str:
    """The command text the handler parses, rebuilt from Discord's typed option values.

    The subcommand's name comes first (`add coupang`, so a query "list" stays a query), then the
    values in declared order; options the usage line writes `name:value` keep that form.
    """
    usage = sub.usage if sub is not None else spec.usage
    words: list[str] = [sub.name] if sub is not None else []
    for option in options_of(spec, sub):
        raw = values.get(option.name)
        text = _format_value(raw) if raw is not None else ""
        if not text:
            continue
        words.append(f"{option.name}:{text}" if _is_keyed(option, usage) else text)
    return " ".join(words)


def build_invocation(
    spec: CommandSpec,
    sub: Subcommand | None,
    values: Mapping[str, object | None],
    caller: Caller,
    services: Services,
) -> Invocation:
    """An Invocation for the handlers, with the caller's role resolved at run time."""
    return Invocation(
        platform="discord",
        workspace=caller.guild_id or "dm",
        channel=caller.channel_id,
        user=caller.user_id,
        role=resolve_role(caller.user_id, caller.permissions, services),
        command=spec.name,
        text=invocation_text(spec, sub, values),
        locale=(caller.locale or "en").split("-")[0],
        user_name=caller.user_name,
    )
