"""A benchmark's own PostgreSQL schema, emptied first, when POLICYBRIEF_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os

from storage.db import Database

__all__ = ["own_schema"]


def own_schema(name: str) -> Database | None:
    """A database whose search path is the fresh schema `name`; None without PostgreSQL."""
    url = os.environ.get("POLICYBRIEF_TEST_POSTGRES_URL")
    if not url:
        return None
    admin = Database(url)
    with admin.engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return Database(f"{url}{sep}options=-csearch_path%3D{name}")
