"""What handlers get from the composition root: storage, taxonomy, summaries, clock, limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from core.clock import utcnow
from digest.ingest.netguard import FetchPolicy
from digest.judgement.classify import Taxonomy
from digest.writing.provider import Provider
from digest.writing.summarize import Summarizer

if TYPE_CHECKING:
    from digest.ingest.probe import ProbeResult
    from storage.store import Storage

__all__ = ["CommandLimits", "Services"]


@dataclass(frozen=True)
class CommandLimits:
    """How much one user or command may ask for."""

    max_watches_per_user: int = 25
    max_query_chars: int = 200
    max_command_chars: int = 1000
    alerts_per_user_per_day: int = 20
    pin_days: int = 7
    brief_stories: int = 8


@dataclass
class Services:
    """Built once in bot/app.py and passed to every handler call."""

    store: Storage
    taxonomy: Taxonomy
    summarizer: Summarizer
    clock: Callable[[], datetime] = utcnow
    limits: CommandLimits = field(default_factory=CommandLimits)
    admins: frozenset[str] = frozenset()
    moderators: frozenset[str] = frozenset()
    default_timezone: str = "UTC"
    # Fetch a feed URL once before /sources add saves it (built in bot/app.py; handlers import no
    # HTTP client); raises FetchError or FeedError with a readable reason.
    probe: Callable[[str], Awaitable[ProbeResult]] | None = None
    probe_timeout: float = 30.0
    # the address policy every new source passes before it is saved (POLICYBRIEF_FETCH_ALLOW)
    fetch_policy: FetchPolicy = field(default_factory=FetchPolicy)
    # the summary provider (cached summaries); None -> one built from `summarizer`
    provider: Provider | None = None
    # compose_brief limits /brief to stories seen in this window when nothing else is given
    brief_window_hours: int = 24
    # the bot's public base URL (POLICYBRIEF_PUBLIC_URL), for links to its own pages (calendars)
    public_url: str = ""
    # days a workspace that removed policybrief keeps its data (POLICYBRIEF_TENANT_RETENTION_DAYS)
    tenant_retention_days: int = 30

    def now(self) -> datetime:
        """The injected clock's current time (aware UTC)."""
        return self.clock()
