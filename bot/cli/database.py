"""`policybrief db upgrade`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.apps import db_app
from bot.cli.common import fail, read_settings

if TYPE_CHECKING:
    pass


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations (on PostgreSQL one process at a time, as at start-up)."""
    from bot.app import default_seed
    from digest.ingest.defaults import SourcesConfigError
    from storage.db import Database
    from storage.setup import DatabaseUnavailable, upgrade

    settings = read_settings()
    database = Database(settings.database_url)
    try:
        applied = upgrade(database, seed=default_seed(settings))
    except (DatabaseUnavailable, SourcesConfigError) as exc:
        fail(str(exc), 2)
    finally:
        database.dispose()
    typer.echo("Database upgraded." if applied else "Database already up to date.")
