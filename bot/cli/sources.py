"""`policybrief sources list|add|import|remove|export` (import itself lives in opml_import.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.apps import sources_app
from bot.cli.common import components, echo_json, fail, iso, opened
from bot.cli.opml_import import sources_import
from core.source_url import mask_credentials

if TYPE_CHECKING:
    from core.sources import SourceHealth, SourceRecord
    from digest.ingest.pipeline import RefreshResult


def _health_status(row: SourceHealth) -> str:
    if not row.enabled:
        return "disabled"
    if row.consecutive_failures:
        return "failing"
    return "never_polled" if row.last_success_at is None else "ok"


@sources_app.command("list")
def sources_list(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each source's URL and health as JSON.")
    ] = False,
) -> None:
    """Every source with its URL (passwords masked) and health."""
    from core.sources import format_health

    with opened() as comps:
        rows = comps.store.sources.health(comps.clock())
        records = {s.id: s for s in comps.store.sources.all()}
        followers = {
            s.id: [t.label for t in comps.store.sources.followers(s.id)]
            for s in records.values()
            if not s.shared
        }
        lines = format_health(rows, comps.clock())
    if as_json:
        echo_json(
            {
                "sources": [
                    _source_json(row, records.get(row.id), followers.get(row.id, []))
                    for row in rows
                ]
            }
        )
        return
    if not rows:
        typer.echo("No sources yet. Add one with `policybrief sources add URL`.")
    for row, line in zip(rows, lines, strict=True):
        record = records.get(row.id)
        typer.echo(f"#{row.id} {line}")
        typer.echo(f"    {record.shown_url if record else mask_credentials(row.url)}")
        if record is not None and not record.shared:
            typer.echo(f"    private to {', '.join(followers[row.id])}")


def _source_json(
    row: SourceHealth, record: SourceRecord | None, followers: list[str]
) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "url": record.shown_url if record else mask_credentials(row.url),
        # the catalogue's (every workspace), or the workspaces that follow it privately
        "shared": record.shared if record else True,
        "private_to": followers,
        "jurisdiction": record.jurisdiction if record else None,
        "official": record.official if record else False,
        "enabled": row.enabled,
        "health": {
            "status": _health_status(row),
            "last_success_at": iso(row.last_success_at),
            "last_error": row.last_error,
            "last_error_at": iso(row.last_error_at),
            "consecutive_failures": row.consecutive_failures,
            "next_poll_at": iso(row.next_poll_at),
            "items_last_7_days": row.items_last_7_days,
            "disabled_reason": row.disabled_reason,
        },
    }


@sources_app.command("add")
def sources_add(
    url: str,
    name: Annotated[
        str | None, typer.Option(help="Display name (default: the feed's title).")
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="Default jurisdiction slug of its items, e.g. eu.")
    ] = None,
    official: Annotated[bool, typer.Option(help="A government or regulator's feed.")] = False,
    full_text: Annotated[
        bool, typer.Option("--full-text", help="Read each new item's article page (teasers).")
    ] = False,
) -> None:
    """Fetch the feed (or find it from a site's address), save it and store its items (its
    first poll); refuse, saving nothing, and say why when it fails."""
    from bot.app import pipeline_poll
    from handlers.base import UsageError
    from handlers.sources import TEASER_HINT, AddedSource, NotAdded, add_feed, feed_url

    # closed inside add_and_poll(): the fetcher and parsers belong to the loop that used them
    comps = components()
    if jurisdiction and jurisdiction not in comps.taxonomy.jurisdictions:
        known = " ".join(comps.taxonomy.jurisdictions)
        asyncio.run(comps.aclose())
        fail(f"--jurisdiction: unknown jurisdiction {jurisdiction!r}; use one of: {known}", 2)

    async def add_and_poll() -> tuple[AddedSource, int, str | None]:
        try:
            added = await add_feed(
                comps.services,
                feed_url(url),
                name or "",
                jurisdiction=jurisdiction,
                official=official,
                full_text=full_text,
            )
            results: list[RefreshResult] = []
            polled = await pipeline_poll(comps, progress=results.append)([added.id])
        finally:
            await comps.aclose()
        errors = [r.error or r.status for r in results if r.status == "failed"]
        failed = f"its first poll failed: {errors[0]}" if errors else None
        return added, polled.items_stored, failed

    try:
        added, stored, failed = asyncio.run(add_and_poll())
    except NotAdded as exc:
        fail(f"not added: {exc.reason}")
    except UsageError as exc:
        fail(f"not added: {exc.message}")
    if added.found_on:
        typer.echo(f"{added.found_on} is a web page; found its feed {added.url}")
    if failed:
        fail(
            f"Added #{added.id} {added.name}, but {failed}; `policybrief poll --source {added.id}`"
        )
    typer.echo(f"Added #{added.id} {added.name}: {stored} items stored.")
    if added.suggest_full_text:
        typer.echo(TEASER_HINT.format(command=f"policybrief sources add --full-text {added.url}"))


# registered here so that --help lists it after add, as before the split
sources_app.command("import")(sources_import)


@sources_app.command("remove")
def sources_remove(source_id: int) -> None:
    """Remove a source and its stored items."""
    with opened() as comps:
        removed = comps.store.sources.remove(source_id)
    if not removed:
        fail(f"no source #{source_id}; `policybrief sources list` shows them")
    typer.echo(f"Removed source #{source_id}.")


@sources_app.command("export")
def sources_export(file: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Export the sources as OPML, to FILE or standard output (passwords masked)."""
    from digest.ingest.opml import OpmlSource, to_opml

    with opened() as comps:
        entries = [
            OpmlSource(
                s.shown_url,
                s.name,
                s.jurisdiction,
                official=s.official,
                folder=s.label,
                full_text=s.full_text,
            )
            for s in comps.store.sources.all()
        ]
    text = to_opml(entries)
    if file is None:
        typer.echo(text, nl=False)
    else:
        try:
            file.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"{file}: cannot write: {exc.strerror}", 2)
        typer.echo(f"Exported {len(entries)} sources to {file}.")
