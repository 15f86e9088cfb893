"""`policybrief digest preview|run-due`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.apps import digest_app
from bot.cli.common import fail, opened, print_document, read_settings

if TYPE_CHECKING:
    pass


@digest_app.command("preview")
def digest_preview(
    topics: Annotated[
        str | None, typer.Option(help="Comma-separated topic/jurisdiction slugs.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Document as JSON.")] = False,
) -> None:
    """The digest a channel would get now (stories of the last 24 h)."""
    from datetime import timedelta

    from handlers.base import UsageError
    from handlers.digest_cmd import compose_preview, topic_or_jurisdiction

    words = [t.strip() for t in (topics or "").split(",") if t.strip()]
    with opened() as comps:
        try:
            slugs = [topic_or_jurisdiction(comps.services, word) for word in words]
        except UsageError as exc:
            fail(f"--topics: {exc.message}", 2)
        since = comps.clock() - timedelta(hours=24)
        doc = compose_preview(comps.services, topics=slugs, since=since)
    if doc is None:
        typer.echo("Quiet day: nothing new in the last 24 h.")
        return
    print_document(doc, as_json)


RUN_DUE_REACH = timedelta(hours=48)  # --at further from now than this needs --force


@digest_app.command("run-due")
def digest_run_due(
    at: Annotated[
        str | None, typer.Option(help="Run as if it were this time (ISO-8601 with a zone).")
    ] = None,
    commit: Annotated[
        bool, typer.Option("--commit", help="Queue them and move their schedules (else: say what).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Allow an --at more than 48 h from now.")
    ] = False,
) -> None:
    """Say which digests are due (now, or at --at) and what running them would do; with
    --commit, queue them into the outbox and move their schedules on."""
    from bot.app import StartupError, preview_due_digests, run_due_digests_cli

    now = datetime.now(UTC)
    when = now
    if at is not None:
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            fail(f"--at {at!r}: not an ISO-8601 time, e.g. 2026-11-28T08:00:00+01:00", 2)
        if when.tzinfo is None:
            fail(f"--at {at!r}: give a time zone, e.g. 2026-11-28T08:00:00+01:00 or ...Z", 2)
    if abs(when - now) > RUN_DUE_REACH and not force:
        fail(
            f"--at {at} is {_span(when - now)}: running the digests due then would move their "
            "schedules there and hold their posts until then. Nothing was changed; give "
            "--force if that is what you want."
        )
    settings = read_settings()
    try:
        if not commit:
            plans = preview_due_digests(settings, when)
        else:
            report = run_due_digests_cli(settings, when)
    except StartupError as exc:
        fail(str(exc), 2)
    if commit:
        typer.echo(report.summary())
        return
    stamp = when.isoformat(timespec="minutes")
    if not plans:
        typer.echo(f"Dry run: no digest due at {stamp}. Nothing was changed.")
        return
    typer.echo(f"Dry run: {len(plans)} digest(s) due at {stamp}:")
    for line in plans:
        typer.echo(f"  {line}")
    typer.echo("Nothing was changed; add --commit to do it.")


def _span(delta: timedelta) -> str:
    """'26,320 days after now' / '60 h before now'."""
    seconds = abs(delta.total_seconds())
    size = f"{seconds / 86400:,.0f} days" if seconds >= 86400 else f"{seconds / 3600:.0f} h"
    return f"{size} {'after' if delta.total_seconds() > 0 else 'before'} now"
