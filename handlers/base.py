"""The contract between the platform adapters and the handlers.

An adapter hands `Registry.dispatch` an `Invocation`: who and where, the role the platform itself
grants, and the command as typed text (Slack, console) or as typed options (Discord). Dispatch
resolves the caller's role once, checks it, parses the arguments once and calls the handler with
a `Caller` and its argument dataclass. A handler answers with a `Reply` or raises a
`CommandError`, whose message the user sees.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.document import Document
from core.subscriptions import Channel
from core.tenants import Tenant
from core.watches import WatchOwner

__all__ = [
    "Role",
    "Visibility",
    "OptionValue",
    "Options",
    "Typed",
    "Invocation",
    "Caller",
    "Reply",
    "CommandError",
    "UsageError",
    "PermissionDenied",
    "NotFound",
    "LimitExceeded",
]


class Role(enum.IntEnum):
    """Ordered: an operator is also an admin, an admin a moderator, a moderator a member.
    Admins and moderators act in their own workspace or server only; operators
    (POLICYBRIEF_ADMINS, the local console) also change the shared source catalogue."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2
    OPERATOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Visibility(enum.Enum):
    ONLY_YOU = "only_you"  # Slack ephemeral / Discord ephemeral / console
    CHANNEL = "channel"


OptionValue = str | int
Options = Mapping[str, OptionValue]


@dataclass(frozen=True)
class Typed:
    """A command given as typed options (Discord's app commands, story-card buttons)."""

    subcommand: str | None
    options: Options = field(default_factory=dict)


@dataclass(frozen=True)
class Invocation:
    """One command as it reached an adapter: who, where, the platform's role, and what."""

    platform: str  # "slack" | "discord" | "console"
    workspace: str  # Slack team id, Discord guild id, "local"
    channel: str
    user: str
    platform_role: Role  # what the platform alone grants; dispatch adds the configured lists
    command: str  # without the slash: "brief", "watch", ...
    request: str | Typed = ""  # everything after the command, or the typed options


@dataclass(frozen=True)
class Caller:
    """Who runs a handler, where, and with which role (resolved once, in dispatch)."""

    platform: str
    workspace: str
    channel: str
    user: str
    role: Role

    @property
    def where(self) -> Channel:
        """The channel it runs in."""
        return (self.platform, self.workspace, self.channel)

    @property
    def tenant(self) -> Tenant:
        """The workspace or server it runs in: all it may see and change."""
        return Tenant(self.platform, self.workspace)

    @property
    def who(self) -> WatchOwner:
        """The user, as their watches are kept."""
        return (self.platform, self.workspace, self.user)


@dataclass
class Reply:
    """What a handler answers: a Document and who should see it."""

    document: Document
    visibility: Visibility = Visibility.ONLY_YOU
    extras: list[Document] = field(default_factory=list)  # follow-up posts, e.g. long briefings
    # False when the handler only asked (a confirmation): nothing changed, nothing to audit
    acted: bool = True


class CommandError(Exception):
    """A refusal or a bad input; `message` is shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CommandError):
    """The command's words are off (unknown topic, bad time zone, malformed query...)."""


class PermissionDenied(CommandError):
    """The caller lacks the role the command needs."""


class NotFound(CommandError):
    """A story, watch or source that does not exist (or is not the caller's)."""


class LimitExceeded(CommandError):
    """A per-user limit (watches, query length) is reached."""
