"""The Typer application and its command groups, and the options every command shares."""

from __future__ import annotations

from typing import Annotated

import typer

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
