"""`policybrief stories export`: stories with their judgements and items, as JSON or CSV."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from bot.cli.apps import stories_app
from bot.cli.common import fail, opened, tenant_of

if TYPE_CHECKING:
    from core.export import ExportedStory


EXPORT_FIELDS = (
    "story_id",
    "story_ref",
    "headline",
    "topics",
    "jurisdictions",
    "policy",
    "relevance_reasons",
    "event_type",
    "significance",
    "official",
    "source_count",
    "first_seen_at",
    "last_seen_at",
    "item_source",
    "item_title",
    "item_url",
    "item_published_at",
)
MAX_EXPORT_DAYS = 3650


def _since(value: str, now: datetime) -> datetime:
    """'30d' -> 30 days before now; '2026-11-01' -> that day's start (UTC); else exit 2."""
    text = value.strip().lower()
    if text.endswith("d") and text[:-1].isdigit():
        days = int(text[:-1])
        if not 1 <= days <= MAX_EXPORT_DAYS:
            fail(f"--since {value!r}: give 1 to {MAX_EXPORT_DAYS} days", 2)
        return now - timedelta(days=days)
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        fail(f"--since {value!r}: expected a number of days (30d, 90d) or a date (2026-11-01)", 2)
    return day.replace(tzinfo=UTC)


def _story_json(story: ExportedStory) -> dict[str, object]:
    from core.document import story_ref

    return {
        "id": story.id,
        "ref": story_ref(story.id),
        "headline": story.headline,
        "topics": list(story.topics),
        "jurisdictions": list(story.jurisdictions),
        "relevance": {"policy": story.relevant, "reasons": list(story.relevance_reasons)},
        "significance": {
            "score": round(story.significance, 4),
            "event_type": story.event_type,
            "source_count": story.source_count,
            "official": story.official,
        },
        "first_seen_at": story.first_seen_at.isoformat(),
        "last_seen_at": story.last_seen_at.isoformat(),
        "items": [
            {
                "source": item.source,
                "title": item.title,
                "url": item.url,
                "published_at": item.published_at.isoformat(),
            }
            for item in story.items
        ],
    }


def _csv_rows(story: ExportedStory) -> Iterator[list[object]]:
    from core.document import story_ref

    head = [
        story.id,
        story_ref(story.id),
        story.headline,
        " ".join(story.topics),
        " ".join(story.jurisdictions),
        "true" if story.relevant else "false",
        "; ".join(story.relevance_reasons),
        story.event_type,
        round(story.significance, 4),
        "true" if story.official else "false",
        story.source_count,
        story.first_seen_at.isoformat(),
        story.last_seen_at.isoformat(),
    ]
    if not story.items:
        yield [*head, "", "", "", ""]
    for item in story.items:
        yield [*head, item.source, item.title, item.url or "", item.published_at.isoformat()]


@stories_app.command("export")
def stories_export(
    since: Annotated[
        str, typer.Option(help="Stories seen in the last N days (30d, 90d) or since a date.")
    ] = "30d",
    fmt: Annotated[str, typer.Option("--format", help="json or csv (one row per item).")] = "json",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file (default: standard output).")
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option(help="Only what this workspace sees (slack:T0123, discord:1234)."),
    ] = None,
) -> None:
    """Every story with its ref, headline, tags, relevance and significance (with reasons),
    first and last seen, and its items; for analysts and audits. With --tenant, only the
    stories and items that workspace's sources tell."""
    import csv

    if fmt not in ("json", "csv"):
        fail(f"--format {fmt!r}: expected json or csv", 2)
    start = _since(since, datetime.now(UTC))
    who = None if tenant is None else tenant_of(tenant)
    with opened() as comps, _output(output) as out:
        store = comps.store if who is None else comps.store.scoped(who)
        stories = store.stories.export(start)
        count = 0
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(EXPORT_FIELDS)
            for story in stories:
                writer.writerows(_csv_rows(story))
                count += 1
        else:
            out.write('{"stories": [')
            for story in stories:
                out.write(",\n" if count else "\n")
                out.write(json.dumps(_story_json(story), ensure_ascii=False))
                count += 1
            out.write("\n]}\n")
    if output is not None:
        typer.echo(f"Exported {count} stories to {output}.", err=True)


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """The file to write (exit code 2 when it cannot be opened), or standard output."""
    if path is None:
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        fail(f"--output {path}: cannot write: {exc.strerror}", 2)
    with handle:
        yield handle
