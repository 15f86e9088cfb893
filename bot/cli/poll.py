"""`policybrief poll`: poll sources now, a line per source, exit code 1 when any failed."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from bot.cli.apps import app
from bot.cli.common import components, echo_json, fail

if TYPE_CHECKING:
    from bot.app import Components
    from bot.progress import PollProgress
    from core.sources import SourceRecord


@app.command()
def poll(
    all_sources: Annotated[bool, typer.Option("--all", help="Poll every enabled source.")] = False,
    source: Annotated[int | None, typer.Option(help="Poll this source id only.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the outcome as JSON (progress goes to stderr).")
    ] = False,
) -> None:
    """Poll the due (or all, or one) sources now and report what each gave. Watch alerts are
    queued as the scheduler queues them; a running bot sends them, else this command does.

    Exit code 1 when any source failed.
    """
    if all_sources and source is not None:
        fail("--all and --source: give one (every source, or that one)", 2)
    from bot.app import QueuedSends, send_if_no_bot
    from bot.progress import describe_result

    sends = QueuedSends("none")

    # closed inside go(): the fetcher's connections belong to the loop that polled
    comps = components()

    async def go() -> tuple[list[SourceRecord], PollProgress | None]:
        nonlocal sends
        try:
            sources = comps.store.sources
            if source is not None:
                found = sources.get(source)
                if found is None:
                    fail(f"no source #{source}; `policybrief sources list` shows them")
                chosen = [found]
            elif all_sources:
                chosen = [s for s in sources.all() if s.enabled]
            else:
                chosen = sources.due(comps.clock(), limit=10_000)
            if not chosen:
                return chosen, None
            polled = await _poll_with_progress(comps, chosen, sys.stderr if as_json else None)
            sends = await send_if_no_bot(comps)
            return chosen, polled
        finally:
            await comps.aclose()

    chosen, progress = asyncio.run(go())
    results = progress.results if progress is not None else []
    failed = progress.failed if progress is not None else []
    new_items = sum(r.new_items for r in results)
    if as_json:
        by_id = {r.source_id: r for r in results}
        echo_json(
            {
                "polled": len(results),
                "new_items": new_items,
                "failed": len(failed),
                "sources": [
                    {
                        "id": s.id,
                        "name": s.name,
                        "url": s.shown_url,
                        "status": by_id[s.id].status if s.id in by_id else "not_polled",
                        "new_items": by_id[s.id].new_items if s.id in by_id else 0,
                        "updated_items": by_id[s.id].updated_items if s.id in by_id else 0,
                        "error": by_id[s.id].error if s.id in by_id else None,
                    }
                    for s in chosen
                ],
            }
        )
    elif not chosen:
        typer.echo("No source is due. Use --all to poll every source now.")
    else:
        noun = "source" if len(results) == 1 else "sources"
        typer.echo(f"Polled {len(results)} {noun}: {new_items} new items, {len(failed)} failed.")
        names = {s.id: s.name for s in chosen}
        for r in failed:
            typer.secho(
                f"  #{r.source_id} {names.get(r.source_id, '')}: {describe_result(r)}",
                err=True,
                fg=typer.colors.RED,
            )
        if sends.sender == "bot":
            typer.echo("Watch alerts are queued; the running bot sends them.")
        elif sends.sent or sends.failed:
            typer.echo(f"Sent {sends.sent} queued messages ({sends.failed} failed).")
    if failed:
        raise typer.Exit(1)


async def _poll_with_progress(
    comps: Components, chosen: list[SourceRecord], stream: TextIO | None = None
) -> PollProgress:
    """Poll `chosen` now, a line per source on `stream` (standard output by default)."""
    from bot.app import pipeline_context
    from bot.progress import PollProgress
    from digest.ingest.pipeline import poll_sources

    names = {s.id: s.name for s in chosen}
    with PollProgress(names, stream or sys.stdout) as progress:
        await poll_sources(pipeline_context(comps), list(names), progress=progress)
    return progress
