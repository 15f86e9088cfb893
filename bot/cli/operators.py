"""`policybrief audit` and `policybrief tenants list|purge`: for operators."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.apps import app, tenants_app
from bot.cli.common import fail, opened, tenant_of

if TYPE_CHECKING:
    pass


@app.command()
def audit(
    tenant: Annotated[
        str | None,
        typer.Option(help="One workspace: a Slack team id, a Discord guild id or local."),
    ] = None,
    since: Annotated[str, typer.Option(help="How far back, in days: 7d ... 365d.")] = "7d",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object (for scripts).")] = False,
) -> None:
    """Admin and moderator actions (sources, digests, pins), newest first; every workspace's
    unless --tenant names one."""
    days = since[:-1] if since.endswith("d") else ""
    if not days.isdigit() or not 1 <= int(days) <= 365:
        fail(f"--since {since}: expected days from 1d to 365d, e.g. 30d", 2)
    with opened() as comps:
        entries = comps.store.audit.entries(
            comps.clock() - timedelta(days=int(days)), workspace=tenant, limit=10_000
        )
    if as_json:
        rows = [
            {
                "platform": e.platform,
                "workspace": e.workspace,
                "user": e.user,
                "at": e.at.isoformat(),
                "command": e.command,
            }
            for e in entries
        ]
        typer.echo(json.dumps({"entries": rows}, indent=2, ensure_ascii=False))
        return
    if not entries:
        typer.echo(f"No admin or moderator actions in the last {days} days.")
    for e in entries:
        typer.echo(f"{e.workspace}  {e.line()}")


@tenants_app.command("list")
def tenants_list() -> None:
    """Every workspace or server that removed policybrief, with the day its data goes."""
    from core.tenants import tenant_label

    with opened() as comps:
        departed = comps.store.tenants.departed()
    if not departed:
        typer.echo("No workspace or server has removed policybrief.")
    for d in departed:
        typer.echo(
            f"{tenant_label(d.platform, d.workspace)}  left {d.left_at:%Y-%m-%d %H:%M} UTC, "
            f"purged on {d.purge_at:%Y-%m-%d}"
        )


@tenants_app.command("purge")
def tenants_purge(
    tenant: Annotated[str, typer.Argument(help="slack:<team id> or discord:<guild id>.")],
) -> None:
    """Delete a tenant's watches, digests, pins, calendars, deliveries and audit entries, and
    its private sources no other tenant follows, now."""
    who = tenant_of(tenant)
    with opened() as comps:
        purged = comps.store.tenants.purge(who.platform, who.workspace)
    if not any(purged.values()):
        typer.echo(f"{tenant}: nothing to purge.")
        return
    typer.echo(f"Purged {tenant}: " + ", ".join(f"{n} {k}" for k, n in purged.items()))
