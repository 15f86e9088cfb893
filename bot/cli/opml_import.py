"""`policybrief sources import`: an OPML file, each entry checked and reported."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import echo_json, fail, opened, read_settings
from core.source_url import mask_credentials

if TYPE_CHECKING:
    from bot.app import Components
    from core.sources import NewSource


@dataclass
class _Entry:
    """One OPML entry on its way in: what it is, and what became of it."""

    shown: str  # its address, password masked
    name: str
    source: NewSource | None = None
    outcome: str = "refused"  # imported | present | refused
    reason: str = ""
    source_id: int | None = None


def sources_import(
    file: Path,
    check: Annotated[
        bool,
        typer.Option("--check", help="Fetch each feed first (concurrently); skip those failing."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each entry's outcome as JSON.")
    ] = False,
) -> None:
    """Import sources from an OPML file, each entry checked; says what was imported, skipped
    and why. Exit code 1 when any entry was refused."""
    from dataclasses import replace

    from digest.ingest.netguard import FetchPolicy
    from digest.ingest.opml import OpmlError, parse_opml
    from digest.ingest.source_url import MaskedPassword, SourceRefused, admit_source

    try:
        parsed = parse_opml(file.read_bytes())
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", 2)
    except OpmlError as exc:
        fail(f"{file}: {exc}; nothing was imported")
    policy = FetchPolicy.from_entries(read_settings().fetch_allow)
    entries: list[_Entry] = []
    taking: dict[str, str] = {}  # canonical address -> the entry that brings it
    with opened() as comps:
        taxonomy, store = comps.taxonomy, comps.store.sources
        for item in parsed:
            entry = _Entry(mask_credentials(item.url[:200]), item.name)
            entries.append(entry)
            if item.problem:
                entry.reason = item.problem
                continue
            place, label = item.jurisdiction, None
            if item.folder:
                found = taxonomy.lookup(item.folder)
                named = found.slug if found and found.slug in taxonomy.jurisdictions else None
                place, label = (place or named), (None if named else item.folder)
            try:
                source = admit_source(
                    item.url,
                    item.name,
                    policy,
                    jurisdiction=place,
                    official=item.official,
                    full_text=item.full_text,
                )
            except MaskedPassword as exc:
                if store.by_url(exc.key) is not None:  # our own export read back
                    entry.outcome, entry.reason = "present", "already a source"
                else:
                    entry.reason = exc.reason
                continue
            except SourceRefused as exc:
                entry.reason = exc.reason
                continue
            if place and place not in taxonomy.jurisdictions:
                entry.reason = f"unknown jurisdiction {place!r}"
                continue
            existing = store.by_url(source.url)
            if existing is not None:
                entry.outcome, entry.reason = "present", f"already source #{existing.id}"
                continue
            if source.url in taking:
                entry.outcome, entry.reason = "present", f"the same feed as {taking[source.url]}"
                continue
            taking[source.url] = entry.shown
            entry.source, entry.outcome = replace(source, label=label), "imported"
        if check:
            asyncio.run(_check_entries(comps, [e for e in entries if e.source], as_json))
        chosen = [e for e in entries if e.outcome == "imported" and e.source]
        added = {s.url: s.id for s in store.add_missing([e.source for e in chosen if e.source])}
    for entry in chosen:
        entry.source_id = added.get(entry.source.url) if entry.source else None
    _report_import(entries, as_json)
    if any(e.outcome == "refused" for e in entries):
        raise typer.Exit(1)


async def _check_entries(comps: Components, entries: list[_Entry], quiet: bool) -> None:
    """Fetch each entry's feed, eight at a time, a progress line each; a failure refuses it."""
    from bot.progress import PollProgress
    from digest.ingest.parser_pool import close_default_parser_pool
    from handlers.sources import NotAdded, check_sources

    gate = asyncio.Semaphore(8)
    names = {n: e.name for n, e in enumerate(entries)}
    with PollProgress(names, sys.stderr if quiet else sys.stdout) as progress:

        async def one(n: int, entry: _Entry) -> None:
            assert entry.source is not None
            async with gate:
                try:
                    (checked,) = await asyncio.wait_for(
                        check_sources(comps.services, [entry.source], at_once=1), 30
                    )
                    said = "a feed"
                    if checked.url != entry.source.url:  # a site's address: its one feed
                        said = f"a web page; its feed is {mask_credentials(checked.url)}"
                    entry.source = checked
                except NotAdded as exc:
                    entry.outcome, entry.reason = "refused", f"fetch failed: {exc.reason}"
                    said = entry.reason
                except TimeoutError:
                    entry.outcome, entry.reason = "refused", "fetch failed: no answer within 30 s"
                    said = entry.reason
            progress.note(names[n], said)

        try:
            await asyncio.gather(*(one(n, e) for n, e in enumerate(entries)))
        finally:  # closed on the loop that used them
            await comps.fetcher.aclose()
            await close_default_parser_pool()


def _report_import(entries: list[_Entry], as_json: bool) -> None:
    if as_json:
        echo_json(
            {
                "entries": [
                    {
                        "url": e.shown,
                        "name": e.name,
                        "outcome": e.outcome,
                        "reason": e.reason or None,
                        "id": e.source_id,
                        "jurisdiction": e.source.jurisdiction if e.source else None,
                        "label": e.source.label if e.source else None,
                        "official": e.source.official if e.source else False,
                    }
                    for e in entries
                ]
            }
        )
        return
    for e in entries:
        if e.outcome == "imported":
            typer.echo(f"imported #{e.source_id} {e.name} ({e.shown})")
        elif e.outcome == "present":
            typer.echo(f"skipped  {e.shown}: {e.reason}")
        else:
            typer.secho(f"refused  {e.shown}: {e.reason}", fg=typer.colors.RED)
    count = {k: sum(e.outcome == k for e in entries) for k in ("imported", "present", "refused")}
    typer.echo(
        f"Imported {count['imported']} sources ({count['present']} already present, "
        f"{count['refused']} refused)."
    )
