"""The one door to the database: `Storage` and its parts, one per kind of record.

Every method of a part is one transaction (or none) and returns shapes from `core`, never ORM
rows or sessions; nothing above `storage/` opens a session or writes SQL.
"""

from __future__ import annotations

from sqlalchemy import Engine

from storage.alerts import AlertStore
from storage.audit import AuditStore
from storage.claims import ClaimStore
from storage.db import Database
from storage.deadlines import DeadlineStore
from storage.embeddings import EmbeddingStore
from storage.housekeeping import Housekeeping
from storage.ingest import IngestStore
from storage.outbox import OutboxStore
from storage.pins import PinStore
from storage.readings import ReadingStore
from storage.sources import SourceStore
from storage.stories import StoryStore
from storage.subscriptions import SubscriptionStore
from storage.summaries import SummaryStore
from storage.tenants import TenantStore
from storage.trends import TrendStore
from storage.usage import UsageStore
from storage.watches import WatchStore

__all__ = ["Storage"]


class Storage:
    """Every part of the database the layers above may use, built once on one `Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.ingest = IngestStore(db)
        self.stories = StoryStore(db)
        self.summaries = SummaryStore(db)
        self.pins = PinStore(db)
        self.watches = WatchStore(db)
        self.alerts = AlertStore(db)
        self.audit = AuditStore(db)
        self.tenants = TenantStore(db)
        self.sources = SourceStore(db)
        self.subscriptions = SubscriptionStore(db)
        self.outbox = OutboxStore(db)
        self.claims = ClaimStore(db)
        self.usage = UsageStore(db)
        self.housekeeping = Housekeeping(db)
        self.deadlines = DeadlineStore(db)
        self.trends = TrendStore(db)
        self.embeddings = EmbeddingStore(db)
        self.readings = ReadingStore(db)

    @property
    def is_sqlite(self) -> bool:
        """SQLite serves one process; PostgreSQL serves several replicas."""
        return self._db.is_sqlite

    def fault(self, exc: BaseException) -> str | None:
        """What an exception says about the database, in one line; None when it is not a
        database fault (a bug, say)."""
        return self._db.fault(exc)

    @property
    def engine(self) -> Engine:
        """For libraries that keep their own tables in our database (Slack's OAuth stores);
        nothing of ours writes SQL through it."""
        return self._db.engine
