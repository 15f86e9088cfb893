"""What every command shares: settings, the bot's components, failing with an exit code, JSON
and document output."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from bot.app import Components
    from bot.settings import Settings
    from core.document import Document
    from core.tenants import Tenant


def echo_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def read_settings(**overrides: object) -> Settings:
    """The settings, or exit code 2 with the reason (pydantic is loaded here, on first use)."""
    import os

    from bot.settings import SettingsError, load_settings, unknown_variables

    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    for line in unknown_variables(os.environ):
        typer.secho(f"warning: {line}", err=True, fg=typer.colors.YELLOW)
    return settings


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def tenant_of(label: str) -> Tenant:
    """`slack:T0123` -> its tenant, or exit code 2 saying what was expected."""
    from core.tenants import parse_tenant

    try:
        return parse_tenant(label)
    except ValueError as exc:
        fail(str(exc), 2)


def components() -> Components:
    """The bot's components, or the one-line reason they cannot be built (exit code 2)."""
    from bot.app import StartupError, build_components

    settings = read_settings()
    if {"log_level", "log_json"} & settings.model_fields_set:
        # asked for: the command's logs at that level (or as JSON), secrets masked as `run` does
        from bot.app import secrets_of
        from bot.ops import configure_logging

        configure_logging(settings.log_level, settings.log_json, secrets_of(settings))
    try:
        comps = build_components(settings)
    except StartupError as exc:
        fail(str(exc), 2)
    # What is loaded by now (modules, the database's metadata: ~10^5 objects) lives as long as
    # the command. Frozen, the collector leaves it alone, also at exit, where collecting it cost
    # a fifth of a warm poll's CPU time.
    gc.freeze()
    return comps


@contextmanager
def opened() -> Iterator[Components]:
    """The bot's components for one command; closed however the command ends."""
    comps = components()
    try:
        yield comps
    finally:
        asyncio.run(comps.aclose())


def print_document(doc: Document, as_json: bool) -> None:
    from bot.console import save_images
    from digest.composition.textrender import render_text

    if as_json:
        typer.echo(doc.to_json(indent=2))
        return
    typer.echo(render_text(doc))
    for path in save_images(doc):
        typer.echo(f"chart written to {path}")
