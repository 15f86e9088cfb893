"""The tables. Every timestamp is a timezone-aware UTC datetime (see `UTCDateTime`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Column, Index, Text, UniqueConstraint, false, text, true
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel

from core.clock import utcnow

__all__ = [
    "UTCDateTime",
    "Source",
    "Item",
    "Story",
    "StoryTag",
    "ItemTag",
    "IngestState",
    "Summary",
    "Watch",
    "WatchAlert",
    "Subscription",
    "Pin",
    "Delivery",
    "LlmUsage",
    "Lease",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _ts(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Source(SQLModel, table=True):
    """A feed we poll, with its HTTP cache validators, schedule and failure state."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("url", "fetch_key", name="uq_sources_fetch"),)

    id: int | None = Field(default=None, primary_key=True)
    # the canonical address (core/source_url.py), without credentials
    url: str = Field(sa_column=Column(Text, nullable=False))
    # "user:password" for HTTP basic auth, kept apart from the URL so it is never shown
    credentials: str | None = Field(default=None, sa_column=Column(Text))
    # "" for a feed anyone may read; a hash of the credentials otherwise: the same address read
    # with other credentials is another fetch, so no tenant reads a feed with another's password
    fetch_key: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # in the operator's shared catalogue (every tenant sees it unless it hides it); False: a
    # tenant's private source, seen only by the tenants in `tenant_sources`
    shared: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    name: str
    title: str | None = None
    jurisdiction: str | None = None  # default jurisdiction slug for its items
    official: bool = False  # a government or regulator: ranks first
    label: str | None = None  # the operator's grouping (an OPML folder that is no jurisdiction)
    # regulator, government, policy-press, tech-press, security-press, general-news, vendor, other
    # (an outlet of another field): a prior for whether its items are policy news (None: none)
    kind: str | None = None
    enabled: bool = True
    # fetch each new item's article page and judge its main text (teaser feeds)
    full_text: bool = False
    articles_fetched: int = 0  # article pages read for full text, ever
    articles_failed: int = 0  # article pages that could not be fetched or read
    interval_minutes: int = 15
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = Field(default=None, sa_column=_ts(index=True))
    last_polled_at: datetime | None = Field(default=None, sa_column=_ts())
    last_success_at: datetime | None = Field(default=None, sa_column=_ts())
    last_error: str | None = None
    last_error_at: datetime | None = Field(default=None, sa_column=_ts())
    consecutive_failures: int = 0
    # new entries the last poll left for the next one (over the per-poll limit): a flooding feed
    deferred_items: int = 0
    disabled_reason: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class TenantSource(SQLModel, table=True):
    """A tenant's own source (`own`: it added it privately) or a catalogue source it hid."""

    __tablename__ = "tenant_sources"
    __table_args__ = (Index("ix_tenant_sources_tenant", "platform", "workspace"),)

    source_id: int = Field(foreign_key="sources.id", primary_key=True, ondelete="CASCADE")
    platform: str = Field(primary_key=True)
    workspace: str = Field(primary_key=True)
    relation: str  # "own" | "hidden"
    name: str = ""  # the tenant's own name for its source (other tenants never see it)
    added_by: str = ""
    added_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Item(SQLModel, table=True):
    """One feed entry, cleaned. Unique per (source, entry key): re-polls update, never duplicate."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source_id", "entry_key", name="uq_items_source_entry"),
        # with its source: whether a tenant sees a story is read from the index alone
        Index("ix_items_story", "story_id", "source_id"),
        # the pending items by time: a judgement takes the oldest first
        Index(
            "ix_items_pending",
            "published_at",
            sqlite_where=text("pending"),
            postgresql_where=text("pending"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id", ondelete="CASCADE")
    entry_key: str
    url: str | None = Field(default=None, sa_column=Column(Text))
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    language: str | None = None
    published_at: datetime = Field(sa_column=_ts(nullable=False))
    fetched_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    content_hash: str
    story_id: int | None = Field(default=None, foreign_key="stories.id", ondelete="SET NULL")
    # stored but not yet clustered and tagged (new, or edited since it was)
    pending: bool = True


class Story(SQLModel, table=True):
    """One event, told by one or more items (possibly from several sources)."""

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_last_seen", "last_seen_at"),
        # a judgement asks which revisited stories absorbed others (storage.ingest.window)
        Index("ix_stories_merged_into", "merged_into"),
    )

    id: int | None = Field(default=None, primary_key=True)
    headline: str = Field(sa_column=Column(Text, nullable=False))
    first_seen_at: datetime = Field(sa_column=_ts(nullable=False))
    last_seen_at: datetime = Field(sa_column=_ts(nullable=False))
    item_count: int = 1
    source_count: int = 1
    official: bool = False
    content_hash: str = ""  # over its items' texts; keys the summary cache
    # policy news? Stories that are not stay findable by words and watches, out of briefs
    relevant: bool = True
    relevance_reasons: str = Field(default="", sa_column=Column(Text, nullable=False))
    event_type: str = "other"  # enforcement, law, court, investigation, incident, guidance ...
    significance: float = 0.0  # what the event is and how large: ranks briefs
    # set when re-clustering folded this story into another: old references follow it there
    merged_into: int | None = Field(default=None, foreign_key="stories.id", ondelete="SET NULL")


class StoryTag(SQLModel, table=True):
    """A topic or jurisdiction slug on a story."""

    __tablename__ = "story_tags"
    # On SQLite the primary key is the table itself (no separate rowid tree to write)
    __table_args__ = (
        Index("ix_story_tags_slug", "kind", "slug", "story_id"),
        {"sqlite_with_rowid": False},
    )

    story_id: int = Field(foreign_key="stories.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True)  # "topic" | "jurisdiction"
    slug: str = Field(primary_key=True)


class ItemTag(SQLModel, table=True):
    """A topic or jurisdiction slug on one item; a story's tags are the union of its items'."""

    __tablename__ = "item_tags"
    __table_args__ = ({"sqlite_with_rowid": False},)

    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True)  # "topic" | "jurisdiction"
    slug: str = Field(primary_key=True)


class IngestState(SQLModel, table=True):
    """Counters ingest shares between processes: `judged` moves on with every clustering write,
    so a process whose in-memory story index is older knows to reload it."""

    __tablename__ = "ingest_state"

    name: str = Field(primary_key=True)
    generation: int = 0


class Summary(SQLModel, table=True):
    """Cached summary of a story's content, made once per (content hash, summarizer, model)."""

    __tablename__ = "summaries"
    __table_args__ = (
        UniqueConstraint("content_hash", "summarizer", "model", name="uq_summaries_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    story_id: int | None = Field(default=None, foreign_key="stories.id", ondelete="CASCADE")
    content_hash: str
    summarizer: str
    model: str = ""
    headline: str = Field(default="", sa_column=Column(Text, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Watch(SQLModel, table=True):
    """A user's keyword watch."""

    __tablename__ = "watches"
    __table_args__ = (Index("ix_watches_user", "platform", "workspace", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    user_id: str
    query: str = Field(sa_column=Column(Text, nullable=False))
    mode: str = "instant"  # "instant" | "daily"
    active: bool = True
    disabled_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    # /watch pause: kept, listed, never matched until resumed
    paused: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    daily_at: str | None = None  # HH:MM of a daily watch (None: 08:00)
    timezone: str | None = None  # IANA zone of a daily watch (None: the workspace default)


class WatchAlert(SQLModel, table=True):
    """A story a user was told about by a watch (or left out over the daily cap), once per user
    and story: a later poll, an edit or another replica never tells it again."""

    __tablename__ = "watch_alerts"
    __table_args__ = (Index("ix_watch_alerts_recent", "platform", "workspace", "user_id", "at"),)

    platform: str = Field(primary_key=True)
    workspace: str = Field(primary_key=True)
    user_id: str = Field(primary_key=True)
    story_id: int = Field(foreign_key="stories.id", primary_key=True, ondelete="CASCADE")
    watch_id: int | None = Field(default=None, foreign_key="watches.id", ondelete="SET NULL")
    # the outbox delivery that tells it; None when the daily cap left it out
    delivery_key: str | None = Field(default=None, index=True)
    at: datetime = Field(sa_column=_ts(nullable=False))


class Subscription(SQLModel, table=True):
    """A channel's daily digest: local time, IANA zone, topics; the database owns the schedule."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel", name="uq_subscriptions_channel"),
        Index("ix_subscriptions_due", "enabled", "next_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    channel: str
    local_time: str = "08:00"  # HH:MM
    timezone: str = "UTC"
    topics: str = ""  # space-separated slugs (topics and jurisdictions); empty = everything
    # the filters in the query language (written out: topic:eu -topic:crypto-assets); when set
    # it decides alone, `topics` then only orders the digest's sections
    query: str = Field(default="", sa_column=Column(Text, nullable=False))
    cadence: str = "daily"  # daily | weekdays | weekly
    weekday: int | None = None  # weekly: 0 = Monday ... 6 = Sunday
    size: int = 5  # stories shown as cards; the rest are listed
    enabled: bool = True
    post_quiet_days: bool = True
    created_by: str | None = None
    next_due_at: datetime | None = Field(default=None, sa_column=_ts())
    last_digest_at: datetime | None = Field(default=None, sa_column=_ts())
    last_note: str | None = None  # e.g. a skipped digest, shown in /digest status
    disabled_reason: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Pin(SQLModel, table=True):
    """A moderator's pin of a story in a channel; leads the next digest and /brief there."""

    __tablename__ = "pins"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel", "story_id", name="uq_pins"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    channel: str
    story_id: int = Field(foreign_key="stories.id", ondelete="CASCADE")
    pinned_by: str
    pinned_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False))


class AuditRow(SQLModel, table=True):
    """An admin or moderator action as typed (credentials masked): who, where, when."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_workspace", "platform", "workspace", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    user: str
    at: datetime = Field(sa_column=_ts(nullable=False, index=True))
    command: str = Field(sa_column=Column(Text, nullable=False))


class DepartureRow(SQLModel, table=True):
    """A workspace or server that removed policybrief: nothing is sent there; purged later."""

    __tablename__ = "departures"

    platform: str = Field(primary_key=True)
    workspace: str = Field(primary_key=True)
    left_at: datetime = Field(sa_column=_ts(nullable=False))
    purge_at: datetime = Field(sa_column=_ts(nullable=False, index=True))


class Delivery(SQLModel, table=True):
    """The outbox: written before a send; the idempotency key makes a retry or restart harmless."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_pending", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True)
    kind: str  # "digest" | "alert" | "notice" | "pin"
    platform: str
    workspace: str
    target: str  # channel id, or user id for a direct message
    direct: bool = False
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # Document JSON
    status: str = "pending"  # pending | sending | sent | failed | gone | forbidden
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    lease_owner: str | None = None
    lease_until: datetime | None = Field(default=None, sa_column=_ts())
    message_id: str | None = None
    # set just before a send whose outcome is not known yet; a sender that finds it set looks for
    # the message on the platform before it sends again (cleared when the outcome is known)
    attempted_at: datetime | None = Field(default=None, sa_column=_ts())
    error: str | None = None
    subscription_id: int | None = Field(
        default=None, foreign_key="subscriptions.id", ondelete="SET NULL"
    )
    watch_id: int | None = Field(default=None, foreign_key="watches.id", ondelete="SET NULL")
    story_id: int | None = Field(default=None, foreign_key="stories.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_ts())


class LlmUsage(SQLModel, table=True):
    """Tokens the LLM server reported, per UTC day; the daily budget survives restarts."""

    __tablename__ = "llm_usage"

    day: date = Field(primary_key=True)
    tokens: int = 0
    calls: int = 0


class Lease(SQLModel, table=True):
    """A named lease for singleton work (e.g. pruning) shared by replicas."""

    __tablename__ = "leases"

    name: str = Field(primary_key=True)
    owner: str
    until: datetime = Field(sa_column=_ts(nullable=False))
