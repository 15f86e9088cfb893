"""The `policybrief` command line (Typer): the commands the README lists under Commands.

Exit codes, for scripts: 0 success; 1 some sources failed or a command was refused; 2 a usage or
configuration error (a bad option value, an unreadable setting, a database that cannot be used).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO

import typer

from bot.settings import Settings, SettingsError, load_settings
from core.source_url import mask_credentials

if TYPE_CHECKING:
    from bot.app import Components
    from bot.progress import PollProgress
    from core.document import Document
    from core.export import ExportedStory
    from core.sources import NewSource, SourceHealth, SourceRecord
    from digest.ingest.pipeline import RefreshResult

__all__ = ["app", "main"]

app = typer.Typer(
    help="policybrief: policy briefings from news feeds, in Slack, Discord and the console.",
    epilog="Exit codes: 0 success; 1 some sources failed or a command was refused; "
    "2 usage or configuration error.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(
    help="List, add, remove, import and export sources.", no_args_is_help=True
)
digest_app = typer.Typer(
    help="Preview digests, or run the digests that are due.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
deadlines_app = typer.Typer(
    help="The deadline radar: export upcoming deadlines.", no_args_is_help=True
)
stories_app = typer.Typer(
    help="Export stories with their judgements and items.", no_args_is_help=True
)
app.add_typer(sources_app, name="sources")
app.add_typer(stories_app, name="stories")
app.add_typer(deadlines_app, name="deadlines")
app.add_typer(digest_app, name="digest")
app.add_typer(db_app, name="db")
tenants_app = typer.Typer(
    help="Workspaces and servers that removed policybrief (operators).", no_args_is_help=True
)
app.add_typer(tenants_app, name="tenants")


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"policybrief {version('policybrief')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("policybrief (not installed)")
        raise typer.Exit()


@app.callback()
def _main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """The options every command shares (--version, shell completion)."""


def _echo_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _components() -> Components:
    """The bot's components, or the one-line reason they cannot be built (exit code 2)."""
    from bot.app import StartupError, build_components

    try:
        return build_components(_settings())
    except StartupError as exc:
        _fail(str(exc), 2)


@contextmanager
def _opened() -> Iterator[Components]:
    """The bot's components for one command; closed however the command ends."""
    comps = _components()
    try:
        yield comps
    finally:
        asyncio.run(comps.aclose())


def _print_document(doc: Document, as_json: bool) -> None:
    from bot.console import save_images
    from digest.composition.textrender import render_text

    if as_json:
        typer.echo(doc.to_json(indent=2))
        return
    typer.echo(render_text(doc))
    for path in save_images(doc):
        typer.echo(f"chart written to {path}")


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
        for name, report in zip(names, load_samples(store, taxonomy, now), strict=True):
            (result,) = report.results
            typer.echo(
                f"  {name}: {result.new_items} new items, "
                f"{len(report.new_story_ids)} new stories ({result.status})"
            )
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


@app.command()
def run() -> None:
    """Run the scheduler and every configured platform (the console chat when none is)."""
    from bot.app import StartupError
    from bot.app import run as run_bot

    settings = _settings()
    stopped = True
    try:
        with contextlib.suppress(KeyboardInterrupt):
            stopped = _run_without_waiting_for_threads(run_bot(settings))
    except StartupError:
        raise typer.Exit(2) from None  # the reason is logged already, in the log's format
    _leave_when_threads_end(THREAD_GRACE if stopped else 0.0)


THREAD_GRACE = 1.0  # seconds worker threads get after the bot stopped, within its 10 s


def _run_without_waiting_for_threads(main: Coroutine[object, object, bool]) -> bool:
    """`asyncio.run(main)`, except that closing the loop does not wait for worker threads
    (asyncio.run would wait up to 5 minutes for a unit of work still running)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()  # its default executor is shut down without waiting


def _leave_when_threads_end(grace: float) -> None:
    """Give worker threads `grace` seconds; past that, exit without them: the process must end
    within its shutdown budget, and the leases of their work expire on their own."""
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if busy:
        logging.getLogger("policybrief.app").warning(
            "exiting with %d worker thread(s) still busy; the leases of their work expire",
            len(busy),
        )
        logging.shutdown()
        os._exit(0)


@app.command()
def chat(
    command: Annotated[str | None, typer.Argument(help='One command, e.g. "/brief eu".')] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the reply Document as JSON (for scripts).")
    ] = False,
) -> None:
    """The console chat: run one command, or a REPL with no argument."""
    from bot.console import run_command, run_repl

    with _opened() as comps:
        if command is None or _reads_stories(command):
            _say_when_never_polled(comps)
        if command is None:
            run_repl(comps.services, comps.registry, history=comps.settings.console_history)
            return
        reply = run_command(comps.services, comps.registry, command)
    for doc in [reply.document, *reply.extras]:
        _print_document(doc, as_json)
    if reply.document.kind == "error":
        raise typer.Exit(1)


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
    from bot.app import QueuedSends, send_if_no_bot
    from bot.progress import describe_result

    sends = QueuedSends("none")

    # closed inside go(): the fetcher's connections belong to the loop that polled
    comps = _components()

    async def go() -> tuple[list[SourceRecord], PollProgress | None]:
        nonlocal sends
        try:
            sources = comps.store.sources
            if source is not None:
                found = sources.get(source)
                if found is None:
                    _fail(f"no source #{source}; `policybrief sources list` shows them")
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
        _echo_json(
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
    from bot.app import pipeline_poll
    from bot.progress import PollProgress

    names = {s.id: s.name for s in chosen}
    with PollProgress(names, stream or sys.stdout) as progress:
        await pipeline_poll(comps, progress=progress)(list(names))
    return progress


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

    with _opened() as comps:
        rows = comps.store.sources.health(comps.clock())
        records = {s.id: s for s in comps.store.sources.all()}
        lines = format_health(rows, comps.clock())
    if as_json:
        _echo_json({"sources": [_source_json(row, records.get(row.id)) for row in rows]})
        return
    if not rows:
        typer.echo("No sources yet. Add one with `policybrief sources add URL`.")
    for row, line in zip(rows, lines, strict=True):
        record = records.get(row.id)
        typer.echo(f"#{row.id} {line}")
        typer.echo(f"    {record.shown_url if record else mask_credentials(row.url)}")


def _source_json(row: SourceHealth, record: SourceRecord | None) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "url": record.shown_url if record else mask_credentials(row.url),
        "jurisdiction": record.jurisdiction if record else None,
        "official": record.official if record else False,
        "enabled": row.enabled,
        "health": {
            "status": _health_status(row),
            "last_success_at": _iso(row.last_success_at),
            "last_error": row.last_error,
            "last_error_at": _iso(row.last_error_at),
            "consecutive_failures": row.consecutive_failures,
            "next_poll_at": _iso(row.next_poll_at),
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
    comps = _components()
    if jurisdiction and jurisdiction not in comps.taxonomy.jurisdictions:
        known = " ".join(comps.taxonomy.jurisdictions)
        asyncio.run(comps.aclose())
        _fail(f"--jurisdiction: unknown jurisdiction {jurisdiction!r}; use one of: {known}", 2)

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
        _fail(f"not added: {exc.reason}")
    except UsageError as exc:
        _fail(f"not added: {exc.message}")
    if added.found_on:
        typer.echo(f"{added.found_on} is a web page; found its feed {added.url}")
    if failed:
        _fail(
            f"Added #{added.id} {added.name}, but {failed}; `policybrief poll --source {added.id}`"
        )
    typer.echo(f"Added #{added.id} {added.name}: {stored} items stored.")
    if added.suggest_full_text:
        typer.echo(TEASER_HINT.format(command=f"policybrief sources add --full-text {added.url}"))


@dataclass
class _Entry:
    """One OPML entry on its way in: what it is, and what became of it."""

    shown: str  # its address, password masked
    name: str
    source: NewSource | None = None
    outcome: str = "refused"  # imported | present | refused
    reason: str = ""
    source_id: int | None = None


@sources_app.command("import")
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
        _fail(f"cannot read {file}: {exc.strerror}", 2)
    except OpmlError as exc:
        _fail(f"{file}: {exc}; nothing was imported")
    policy = FetchPolicy.from_entries(_settings().fetch_allow)
    entries: list[_Entry] = []
    taking: dict[str, str] = {}  # canonical address -> the entry that brings it
    with _opened() as comps:
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
    from digest.ingest.parse import close_default_parser_pool
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
        _echo_json(
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


@sources_app.command("remove")
def sources_remove(source_id: int) -> None:
    """Remove a source and its stored items."""
    with _opened() as comps:
        removed = comps.store.sources.remove(source_id)
    if not removed:
        _fail(f"no source #{source_id}; `policybrief sources list` shows them")
    typer.echo(f"Removed source #{source_id}.")


@sources_app.command("export")
def sources_export(file: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Export the sources as OPML, to FILE or standard output (passwords masked)."""
    from digest.ingest.opml import OpmlSource, to_opml

    with _opened() as comps:
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
        file.write_text(text, encoding="utf-8")
        typer.echo(f"Exported {len(entries)} sources to {file}.")


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
            _fail(f"--since {value!r}: give 1 to {MAX_EXPORT_DAYS} days", 2)
        return now - timedelta(days=days)
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        _fail(f"--since {value!r}: expected a number of days (30d, 90d) or a date (2026-11-01)", 2)
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
) -> None:
    """Every story with its ref, headline, tags, relevance and significance (with reasons),
    first and last seen, and its items; for analysts and audits."""
    import csv

    if fmt not in ("json", "csv"):
        _fail(f"--format {fmt!r}: expected json or csv", 2)
    start = _since(since, datetime.now(UTC))
    with _opened() as comps, _output(output) as out:
        stories = comps.store.stories.export(start)
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
        _fail(f"--output {path}: cannot write: {exc.strerror}", 2)
    with handle:
        yield handle


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
    with _opened() as comps:
        try:
            slugs = [topic_or_jurisdiction(comps.services, word) for word in words]
        except UsageError as exc:
            _fail(f"--topics: {exc.message}", 2)
        since = comps.clock() - timedelta(hours=24)
        doc = compose_preview(comps.services, topics=slugs, since=since)
    if doc is None:
        typer.echo("Quiet day: nothing new in the last 24 h.")
        return
    _print_document(doc, as_json)


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
            _fail(f"--at {at!r}: not an ISO-8601 time, e.g. 2026-11-28T08:00:00+01:00", 2)
        if when.tzinfo is None:
            _fail(f"--at {at!r}: give a time zone, e.g. 2026-11-28T08:00:00+01:00 or ...Z", 2)
    if abs(when - now) > RUN_DUE_REACH and not force:
        _fail(
            f"--at {at} is {_span(when - now)}: running the digests due then would move their "
            "schedules there and hold their posts until then. Nothing was changed; give "
            "--force if that is what you want."
        )
    settings = _settings()
    try:
        if not commit:
            plans = preview_due_digests(settings, when)
        else:
            report = run_due_digests_cli(settings, when)
    except StartupError as exc:
        _fail(str(exc), 2)
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


@deadlines_app.command("export")
def deadlines_export(
    query: Annotated[
        list[str] | None, typer.Argument(help="Topics, jurisdictions, words, next:365d, kind:...")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="ics, csv or json.")] = "ics",
) -> None:
    """Upcoming deadlines (next 90 days unless next: says otherwise) as iCalendar, CSV or JSON."""
    from digest.composition.deadlines import to_csv, to_ics, to_json
    from handlers.base import CommandError
    from handlers.deadlines import find_deadlines, parse_deadline_query
    from handlers.parsing import Text

    if fmt not in ("ics", "csv", "json"):
        _fail(f"--format {fmt!r}: expected ics, csv or json", 2)
    with _opened() as comps:
        try:
            parsed, horizon = parse_deadline_query(comps.services, Text(" ".join(query or [])))
        except CommandError as exc:
            _fail(exc.message, 2)
        records = find_deadlines(comps.services, parsed, horizon, limit=5000)
        now = comps.clock()
    if fmt == "ics":
        name = "policybrief deadlines" + (f": {parsed.text()}" if parsed.text() else "")
        typer.echo(to_ics(records, name=name, now=now), nl=False)
    else:
        typer.echo(to_csv(records) if fmt == "csv" else to_json(records), nl=False)


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
        _fail(f"--since {since}: expected days from 1d to 365d, e.g. 30d", 2)
    with _opened() as comps:
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

    with _opened() as comps:
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
    """Delete a tenant's watches, digests, pins, calendars, deliveries and audit entries now."""
    platform, _, workspace = tenant.partition(":")
    if platform not in ("slack", "discord") or not workspace:
        _fail(f"{tenant}: expected slack:<team id> or discord:<guild id>", 2)
    with _opened() as comps:
        purged = comps.store.tenants.purge(platform, workspace)
    if not any(purged.values()):
        typer.echo(f"{tenant}: nothing to purge.")
        return
    typer.echo(f"Purged {tenant}: " + ", ".join(f"{n} {k}" for k, n in purged.items()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations (on PostgreSQL one process at a time, as at start-up)."""
    from bot.app import default_seed
    from digest.ingest.defaults import SourcesConfigError
    from storage.db import Database
    from storage.setup import DatabaseUnavailable, upgrade

    settings = _settings()
    database = Database(settings.database_url)
    try:
        applied = upgrade(database, seed=default_seed(settings))
    except (DatabaseUnavailable, SourcesConfigError) as exc:
        _fail(str(exc), 2)
    finally:
        database.dispose()
    typer.echo("Database upgraded." if applied else "Database already up to date.")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="policybrief")


if __name__ == "__main__":  # pragma: no cover
    main()
