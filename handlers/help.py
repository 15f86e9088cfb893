"""/help: the commands the caller may use, generated from the registry."""

from __future__ import annotations

from core.document import Document, Section
from digest.judgement.query import LANGUAGE_HELP
from handlers.base import Caller, Reply, Role
from handlers.context import Services
from handlers.parsing import takes_no_words
from handlers.registry import CommandSpec, NoArgs, Registry, no_args_action

__all__ = ["help_spec", "help_document"]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def help_document(registry: Registry, role: Role) -> Document:
    """One section per command the role allows, with its usable subcommands only."""
    sections = []
    for spec in registry.listed():
        if role < spec.min_role:
            continue
        lines = [spec.summary]
        if spec.subcommands:
            for sub in spec.usable_by(role):
                lines.append(f"{sub.usage} — {sub.summary}")
        else:
            lines.append(spec.usage)
        sections.append(Section(title=f"/{spec.name}", lines=lines))
    return Document(
        kind="help",
        title="policybrief commands",
        intro=f"What you can use here (you are {_article(role.label)} {role.label}).",
        sections=sections,
        footer=list(LANGUAGE_HELP),
    )


def help_spec(registry: Registry) -> CommandSpec:
    """The /help command bound to the registry it describes."""

    def run_help(services: Services, caller: Caller, args: NoArgs) -> Reply:
        return Reply(help_document(registry, caller.role))

    return CommandSpec(
        name="help",
        summary="What you can do with policybrief",
        usage="/help",
        action=no_args_action(run_help, takes_no_words("/help")),
    )
