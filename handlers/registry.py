"""The command table and dispatch. /help and each platform's command registration read it.

Each (sub)command has one `Action`: a parser from text (Slack, the console), a parser from typed
options (Discord, story-card buttons), both giving the same frozen argument dataclass, and the
handler that takes it. `Registry.dispatch` is the one door: it resolves the caller's role,
checks it, parses once and runs the handler (a plain handler in a worker thread).

Each argument dataclass lives in its command's module, beside its two parsers and its handler:
the four change together, and no other module needs to know a command's arguments.
"""

from __future__ import annotations

import asyncio
import difflib
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from core.document import Document
from core.tenants import Tenant
from handlers.audit import audited, entry_for
from handlers.base import (
    Caller,
    CommandError,
    Invocation,
    Options,
    PermissionDenied,
    Reply,
    Role,
    Typed,
    UsageError,
)
from handlers.context import Services
from handlers.parsing import Text, Word, unexpected
from handlers.roles import resolve_role

__all__ = [
    "Option",
    "Action",
    "NoArgs",
    "sync_action",
    "async_action",
    "no_args_action",
    "Subcommand",
    "CommandSpec",
    "Registry",
]

A = TypeVar("A")
TextParser = Callable[[Services, Text], A]
OptionsParser = Callable[[Services, Options], A]


@dataclass(frozen=True)
class Option:
    """One typed argument, for platforms with structured commands (Discord options)."""

    name: str
    description: str
    # text | topic | jurisdiction | timezone | time | watch_id | number | story | url | choice
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    rest: bool = False  # takes the rest of the line (free words)


@dataclass(frozen=True)
class Action:
    """A (sub)command's two parsers and its handler; the table holds them type-erased."""

    from_text: Callable[[Services, Text], object]
    from_options: Callable[[Services, Options], object]
    run: Callable[[Services, Caller, object], Awaitable[Reply]]


def _checked(args: type[A], value: object) -> A:
    if not isinstance(value, args):  # a parser of another command: a bug, not a user error
        raise TypeError(f"expected {args.__name__}, got {type(value).__name__}")
    return value


def sync_action(
    args: type[A],
    handler: Callable[[Services, Caller, A], Reply],
    *,
    text: TextParser[A],
    options: OptionsParser[A],
) -> Action:
    """A plain handler: it runs in a worker thread, so its storage calls never block the loop."""

    async def run(services: Services, caller: Caller, value: object) -> Reply:
        return await asyncio.to_thread(handler, services, caller, _checked(args, value))

    return Action(text, options, run)


def async_action(
    args: type[A],
    handler: Callable[[Services, Caller, A], Awaitable[Reply]],
    *,
    text: TextParser[A],
    options: OptionsParser[A],
) -> Action:
    """A handler that awaits network I/O itself and sends its storage calls to threads."""

    async def run(services: Services, caller: Caller, value: object) -> Reply:
        return await handler(services, caller, _checked(args, value))

    return Action(text, options, run)


@dataclass(frozen=True)
class NoArgs:
    """The arguments of a command that takes none."""


def no_args_action(
    handler: Callable[[Services, Caller, NoArgs], Reply], refuse: Callable[[Word], UsageError]
) -> Action:
    """A command without arguments; `refuse` words the refusal of a first stray word."""

    def from_text(services: Services, text: Text) -> NoArgs:
        words = text.words()
        if words:
            raise refuse(words[0])
        return NoArgs()

    return sync_action(NoArgs, handler, text=from_text, options=lambda services, options: NoArgs())


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    usage: str
    action: Action
    min_role: Role = Role.MEMBER
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class CommandSpec:
    """A command: its name (no slash), help text, the role it needs, and what runs it."""

    name: str
    summary: str
    usage: str
    action: Action | None = None  # a command without subcommands
    min_role: Role = Role.MEMBER
    subcommands: tuple[Subcommand, ...] = ()
    options: tuple[Option, ...] = ()  # when there are no subcommands
    default_visibility_public: bool = False
    when_empty: str | None = None  # the subcommand of an empty text: /sources -> list
    otherwise: str | None = None  # when the first word names none: /watch coupang -> add
    missing: str = ""  # the usage error when no subcommand is named
    listed: bool = True  # False: reached by buttons only, not in /help nor a platform command

    def subcommand(self, name: str | None) -> Subcommand | None:
        return next((s for s in self.subcommands if s.name == name), None)

    def pick(self, text: Text) -> tuple[Subcommand | None, Text]:
        """The subcommand the text names (or implies) and the text of its arguments."""
        if not self.subcommands:
            return None, text
        words = text.words()
        if not words:
            return self.subcommand(self.when_empty), text
        named = self.subcommand(words[0].text.lower())
        if named is not None:
            return named, text.after(words[0])
        return self.subcommand(self.otherwise), text

    def action_of(self, sub: Subcommand | None, text: Text | None = None) -> Action:
        """The subcommand's action, or the command's; a first word that names no subcommand is
        refused where it stands (`/digest bogus`)."""
        if sub is not None:
            return sub.action
        if self.action is None:
            words = text.words() if text is not None else []
            raise unexpected(words[0], self.missing) if words else UsageError(self.missing)
        return self.action

    def usable_by(self, role: Role) -> list[Subcommand]:
        """Subcommands a caller with this role may run."""
        return [s for s in self.subcommands if role >= max(s.min_role, self.min_role)]


@dataclass
class Registry:
    """Commands by name; `dispatch` runs one with the checks every platform shares."""

    commands: dict[str, CommandSpec] = field(default_factory=dict)

    def register(self, spec: CommandSpec) -> None:
        if spec.name in self.commands:
            raise ValueError(f"command {spec.name!r} registered twice")
        if (spec.action is None) == (not spec.subcommands):
            raise ValueError(f"command {spec.name!r} needs an action or subcommands, not both")
        self.commands[spec.name] = spec

    def specs(self) -> list[CommandSpec]:
        return list(self.commands.values())

    def listed(self) -> list[CommandSpec]:
        """The commands people type: /help lists them, each platform registers them."""
        return [s for s in self.commands.values() if s.listed]

    def get(self, name: str) -> CommandSpec | None:
        return self.commands.get(name)

    def _unknown(self, command: str) -> str:
        """The refusal of a command name no one registered, with the likely one (`/bref`)."""
        names = [s.name for s in self.listed()]
        close = difflib.get_close_matches(command.lower(), names, n=1, cutoff=0.7)
        hint = f" Did you mean /{close[0]}?" if close else ""
        return f"/{command}: unknown command.{hint} Try /help."

    async def dispatch(self, services: Services, inv: Invocation) -> Reply:
        """Run the command; a CommandError becomes an only-you error reply, never an exception."""
        try:
            spec = self.commands.get(inv.command)
            if spec is None:
                raise UsageError(self._unknown(inv.command))
            role = resolve_role(services, inv.platform, inv.user, inv.platform_role, inv.workspace)
            # the one place a command is given its tenant's view: nothing else is read or changed
            services = replace(
                services, store=services.store.scoped(Tenant(inv.platform, inv.workspace))
            )
            limit = services.limits.max_command_chars
            request = inv.request
            if isinstance(request, Typed):
                for value in request.options.values():
                    _check_text(str(value), limit)
                sub = spec.subcommand(request.subcommand)
                _allow(spec, sub, role)
                action = spec.action_of(sub)
                args = action.from_options(services, request.options)
            else:
                _check_text(request, limit)
                sub, rest = spec.pick(Text(request))
                _allow(spec, sub, role)
                action = spec.action_of(sub, rest)
                args = action.from_text(services, rest)
            caller = Caller(inv.platform, inv.workspace, inv.channel, inv.user, role)
            reply = await action.run(services, caller, args)
            changed = reply.acted and reply.document.kind != "error"
            if changed and audited(spec.name, sub.name if sub else None):
                entry = entry_for(inv, sub.name if sub else None, services)
                await asyncio.to_thread(services.store.audit.record, entry)
            return reply
        except CommandError as exc:
            return Reply(Document(kind="error", title=exc.message))


def _allow(spec: CommandSpec, sub: Subcommand | None, role: Role) -> None:
    """The one permission check; names the subcommand ("/digest on needs the admin role")."""
    needed, what = spec.min_role, f"/{spec.name}"
    if sub is not None:
        needed, what = max(needed, sub.min_role), f"/{spec.name} {sub.name}"
    if role < needed:
        article = "an" if role.label[0] in "aeiou" else "a"
        raise PermissionDenied(
            f"{what} needs the {needed.label} role; you are {article} {role.label}."
        )


def _check_text(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise UsageError(
            f"that command is {len(text):,} characters long; the limit is {max_chars:,}."
        )
    for ch in text:
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n":
            raise UsageError(
                f"the command contains a control character (U+{ord(ch):04X}); please retype it."
            )
