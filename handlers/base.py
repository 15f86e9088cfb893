"""Invocation, Reply, CommandError: the contract between the platform adapters and handlers."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from core.document import Document

__all__ = [
    "Role",
    "Visibility",
    "Invocation",
    "Reply",
    "CommandError",
    "UsageError",
    "PermissionDenied",
    "NotFound",
    "LimitExceeded",
]


class Role(enum.IntEnum):
    """Ordered: an admin is also a moderator, a moderator also a member."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class Visibility(enum.Enum):
    ONLY_YOU = "only_you"  # Slack ephemeral / Discord ephemeral / console
    CHANNEL = "channel"


@dataclass(frozen=True)
class Invocation:
    """One command as a user typed it, already translated from the platform."""

    platform: str  # "slack" | "discord" | "console"
    workspace: str  # Slack team id, Discord guild id, "local"
    channel: str
    user: str
    role: Role
    command: str  # without the slash: "brief", "watch", ...
    text: str = ""  # everything after the command
    locale: str = "en"
    user_name: str = ""


@dataclass
class Reply:
    """What a handler answers: a Document and who should see it."""

    document: Document
    visibility: Visibility = Visibility.ONLY_YOU
    extras: list[Document] = field(default_factory=list)  # follow-up posts, e.g. long briefings


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
