"""The audit trail: which actions it records, how an action is written down, and /sources log.

An action is recorded once, in dispatch, after it ran without a refusal: what was typed (or the
typed options, in the same words), credentials masked, with the workspace and the platform user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.audit import AuditEntry
from core.document import Document, Section
from core.source_url import mask_credentials
from handlers.base import Caller, Invocation, Options, Reply, Typed, Visibility
from handlers.context import Services
from handlers.parsing import Text, Word, unexpected

__all__ = ["AUDITED", "LogArgs", "audited", "entry_for", "parse_log", "log_from_options", "run_log"]

# (command, subcommand): the actions that change what a workspace reads or receives
AUDITED: frozenset[tuple[str, str | None]] = frozenset(
    {
        ("sources", "add"),
        ("sources", "remove"),
        ("sources", "hide"),
        ("sources", "show"),
        ("digest", "on"),
        ("digest", "off"),
        ("pin", None),
        ("unpin", None),
    }
)
_LOG_USAGE = "/sources log [since:7d] (since: 1 to 365 days)"
_MAX_DAYS = 365


def audited(command: str, subcommand: str | None) -> bool:
    return (command, subcommand) in AUDITED


def entry_for(inv: Invocation, subcommand: str | None, services: Services) -> AuditEntry:
    """The action as its author gave it, in one line, with any password in a URL masked."""
    request = inv.request
    if isinstance(request, Typed):
        words = [subcommand or ""] + [f"{k}:{v}" for k, v in request.options.items() if v != ""]
        typed = " ".join(w for w in words if w)
    else:
        typed = " ".join(request.split())
    command = mask_credentials(f"/{inv.command} {typed}".strip())
    return AuditEntry(inv.platform, inv.workspace, inv.user, services.now(), command)


@dataclass(frozen=True)
class LogArgs:
    days: int = 7


def _days(word: Word) -> int:
    text = word.text.lower()
    if not text.startswith("since:") or not text.endswith("d") or not text[6:-1].isdigit():
        raise unexpected(word, f"expected since:<days>d, e.g. since:30d. {_LOG_USAGE}")
    days = int(text[6:-1])
    if not 1 <= days <= _MAX_DAYS:
        raise unexpected(word, f"since must be 1 to {_MAX_DAYS} days")
    return days


def parse_log(services: Services, text: Text) -> LogArgs:
    words = text.words()
    if not words:
        return LogArgs()
    if len(words) > 1:
        raise unexpected(words[1], _LOG_USAGE)
    return LogArgs(_days(words[0]))


def log_from_options(services: Services, options: Options) -> LogArgs:
    days = options.get("days")
    return LogArgs() if days in (None, "") else LogArgs(_days(Word(f"since:{days}d", 1)))


def run_log(services: Services, caller: Caller, args: LogArgs) -> Reply:
    """This workspace's admin and moderator actions, newest first (never another workspace's)."""
    entries = services.store.audit.entries(
        services.now() - timedelta(days=args.days),
        platform=caller.platform,
        workspace=caller.workspace,
    )
    title = f"Audit log: last {args.days} day{'' if args.days == 1 else 's'}"
    if not entries:
        lines = ["No admin or moderator actions in that time."]
    else:
        lines = [e.line() for e in entries]
    return Reply(
        Document(kind="list", title=title, sections=[Section(lines=lines)]),
        Visibility.ONLY_YOU,
    )
