"""The command table and dispatch. /help and each platform's command registration read it."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from core.document import Document
from handlers.base import CommandError, Invocation, PermissionDenied, Reply, Role, UsageError
from handlers.context import Services

__all__ = ["Option", "Subcommand", "CommandSpec", "Registry", "Handler"]

log = logging.getLogger(__name__)

Handler = Callable[[Services, Invocation], Reply]


@dataclass(frozen=True)
class Option:
    """One typed argument, for platforms with structured commands (Discord options)."""

    name: str
    description: str
    kind: str = (
        "text"  # text | topic | jurisdiction | timezone | time | watch_id | story | url | choice
    )
    required: bool = False
    choices: tuple[str, ...] = ()
    rest: bool = False  # takes the rest of the line (free words)


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    usage: str
    min_role: Role = Role.MEMBER
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class CommandSpec:
    """A command: its name (no slash), help text, the role it needs, and its handler."""

    name: str
    summary: str
    usage: str
    handler: Handler
    min_role: Role = Role.MEMBER
    subcommands: tuple[Subcommand, ...] = ()
    options: tuple[Option, ...] = ()  # when there are no subcommands
    default_visibility_public: bool = False
    default_subcommand: str | None = None  # e.g. "add" for /watch <query>

    def subcommand_of(self, text: str) -> Subcommand | None:
        """The subcommand the text's first word names (or the default one), if any."""
        first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
        for sub in self.subcommands:
            if sub.name == first:
                return sub
        if self.default_subcommand and first:
            return next((s for s in self.subcommands if s.name == self.default_subcommand), None)
        return None

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
        self.commands[spec.name] = spec

    def specs(self) -> list[CommandSpec]:
        return list(self.commands.values())

    def get(self, name: str) -> CommandSpec | None:
        return self.commands.get(name)

    def dispatch(self, services: Services, inv: Invocation) -> Reply:
        """Run the command; a CommandError becomes an only-you error reply, never an exception."""
        try:
            spec = self.commands.get(inv.command)
            if spec is None:
                raise UsageError(f"/{inv.command}: unknown command. Try /help.")
            _check_text(inv.text, services.limits.max_command_chars)
            needed, what = spec.min_role, f"/{spec.name}"
            sub = spec.subcommand_of(inv.text)
            if sub is not None:  # name the subcommand: "/digest on needs the admin role"
                needed, what = max(needed, sub.min_role), f"/{spec.name} {sub.name}"
            if inv.role < needed:
                have = inv.role.label
                raise PermissionDenied(f"{what} needs the {needed.label} role; you are a {have}.")
            return spec.handler(services, inv)
        except CommandError as exc:
            return Reply(Document(kind="error", title=exc.message))


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
