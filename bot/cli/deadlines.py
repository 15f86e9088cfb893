"""`policybrief deadlines export`: upcoming deadlines as iCalendar, CSV or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.apps import deadlines_app
from bot.cli.common import fail, opened

if TYPE_CHECKING:
    pass


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
        fail(f"--format {fmt!r}: expected ics, csv or json", 2)
    with opened() as comps:
        try:
            parsed, horizon = parse_deadline_query(comps.services, Text(" ".join(query or [])))
        except CommandError as exc:
            fail(exc.message, 2)
        records = find_deadlines(comps.services, parsed, horizon, limit=5000)
        now = comps.clock()
    if fmt == "ics":
        name = "policybrief deadlines" + (f": {parsed.text()}" if parsed.text() else "")
        typer.echo(to_ics(records, name=name, now=now), nl=False)
    else:
        typer.echo(to_csv(records) if fmt == "csv" else to_json(records), nl=False)
