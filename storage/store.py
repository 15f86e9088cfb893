"""The one door to the database: `Storage` and its parts, one per kind of record.

Every method of a part is one transaction (or none) and returns shapes from `core`, never ORM
rows or sessions; nothing above `storage/` opens a session or writes SQL.
"""

from __future__ import annotations

from storage.db import Database
from storage.ingest import IngestStore

__all__ = ["Storage"]


class Storage:
    """Every part of the database the layers above may use, built once on one `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.ingest = IngestStore(db)
