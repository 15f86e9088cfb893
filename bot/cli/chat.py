"""`policybrief chat`: one console chat command, or the REPL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.apps import app
from bot.cli.common import opened, print_document

if TYPE_CHECKING:
    from bot.app import Components
    from core.document import Document


@app.command()
def chat(
    command: Annotated[str | None, typer.Argument(help='One command, e.g. "/brief eu".')] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the reply Document as JSON (for scripts).")
    ] = False,
) -> None:
    """The console chat: run one command, or a REPL with no argument."""
    if command is not None and _is_help(command):
        # the command table alone answers it: no settings, no database, no SQLAlchemy
        print_document(_help_document(), as_json)
        return
    from bot.console import run_command, run_repl

    with opened() as comps:
        if command is None or _reads_stories(command):
            _say_when_never_polled(comps)
        if command is None:
            run_repl(comps.services, comps.registry, history=comps.settings.console_history)
            return
        reply = run_command(comps.services, comps.registry, command)
    for doc in [reply.document, *reply.extras]:
        print_document(doc, as_json)
    if reply.document.kind == "error":
        raise typer.Exit(1)


def _is_help(command: str) -> bool:
    """`/help`, `help` or an empty line (which the console answers with /help)."""
    return command.strip().removeprefix("/").strip().lower() in ("", "help")


def _help_document() -> Document:
    """/help as the console user sees it: the console user is an admin (see bot/console.py)."""
    from handlers.all import build_registry
    from handlers.base import Role
    from handlers.help import help_document

    return help_document(build_registry(), Role.ADMIN)


def _reads_stories(command: str) -> bool:
    """Whether a chat command shows stories (so an empty database is worth a word)."""
    name = command.strip().removeprefix("/").split(" ", 1)[0].lower()
    return name not in ("", "help", "sources", "digest", "deadlines")


def _say_when_never_polled(comps: Components) -> None:
    """On stderr, before anything else: the database has no items and sources never polled."""
    sources = comps.store.sources
    if sources.has_items():
        return
    waiting = len(sources.never_polled())
    if waiting:
        typer.echo(
            f"no stories yet: run `policybrief poll` ({waiting} sources never polled)", err=True
        )
