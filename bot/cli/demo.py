"""`policybrief demo`: offline, on the bundled sample feeds."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.apps import app

if TYPE_CHECKING:
    pass


@app.command()
def demo(
    database: Annotated[
        str | None, typer.Option(help="Database URL to fill (default: a temporary SQLite file).")
    ] = None,
) -> None:
    """Offline, on bundled sample feeds: ingest them, then print briefings."""
    from core.clock import utcnow
    from digest.composition.textrender import render_text
    from digest.demo import demo_briefings, load_samples, sample_feeds
    from digest.ingest.deadlines_hook import update_deadlines
    from digest.judgement.classify import Taxonomy
    from digest.writing.provider import SummaryProvider
    from digest.writing.summarize import ExtractiveSummarizer
    from storage.db import Database
    from storage.store import Storage

    with tempfile.TemporaryDirectory(prefix="policybrief-demo-") as tmp:
        db = Database(database or f"sqlite:///{Path(tmp) / 'demo.db'}")
        db.upgrade()
        store = Storage(db)
        taxonomy = Taxonomy.load()
        now = utcnow()
        typer.secho("Ingesting the bundled sample feeds (offline)...", bold=True)
        names = [s.name for s in sample_feeds()]
        reports = load_samples(store, taxonomy, now)
        for name, report in zip(names, reports, strict=True):
            (result,) = report.results
            typer.echo(
                f"  {name}: {result.new_items} new items, "
                f"{len(report.new_story_ids)} new stories ({result.status})"
            )
        # as a poll's after-hook would: a --database filled here answers /deadlines too
        update_deadlines(store, sorted({i for r in reports for i in r.new_story_ids}))
        provider = SummaryProvider(ExtractiveSummarizer())
        for command, doc in demo_briefings(store, taxonomy, provider, now):
            typer.echo("")
            typer.secho(f"$ {command} since:7d", fg=typer.colors.CYAN, bold=True)
            typer.echo(render_text(doc))
        db.dispose()
    typer.echo("")
    typer.secho(
        "That was offline on sample feeds. Try `policybrief chat` for the console chat, "
        "or see the README to connect Slack or Discord.",
        dim=True,
    )
