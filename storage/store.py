"""The one door to the database: `Storage` and its parts, one per kind of record.

Every method of a part is one transaction (or none) and returns shapes from `core`, never ORM
rows or sessions; nothing above `storage/` opens a session or writes SQL.

`Storage.scoped(tenant)` is the same door as one tenant sees it: its sources, and the stories,
pins, deadlines and trends those sources tell (storage/scope.py). Commands run on a scoped store
(handlers/registry.py), and so do each channel's digest and each person's alerts.
"""

from __future__ import annotations

from sqlalchemy import Engine

from core.tenants import Tenant
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

    def __init__(self, db: Database, tenant: Tenant | None = None) -> None:
        self._db = db
        self.tenant = tenant  # None: the operator's and ingest's view, every source
        self.ingest = IngestStore(db)
        self.stories = StoryStore(db, tenant)
        self.summaries = SummaryStore(db)
        self.pins = PinStore(db, tenant)
        self.watches = WatchStore(db)
        self.alerts = AlertStore(db)
        self.audit = AuditStore(db)
        self.tenants = TenantStore(db)
        self.sources = SourceStore(db, tenant)
        self.subscriptions = SubscriptionStore(db)
        self.outbox = OutboxStore(db)
        self.claims = ClaimStore(db)
        self.usage = UsageStore(db)
        self.housekeeping = Housekeeping(db)
        self.deadlines = DeadlineStore(db, tenant)
        self.trends = TrendStore(db, tenant)
        self.embeddings = EmbeddingStore(db)
        self.readings = ReadingStore(db)

    def scoped(self, tenant: Tenant) -> Storage:
        """This door as `tenant` sees it (cheap: the parts share the database)."""
        return self if tenant == self.tenant else Storage(self._db, tenant)

    def unscoped(self) -> Storage:
        """The operator's view: every source and story."""
        return self if self.tenant is None else Storage(self._db)

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
