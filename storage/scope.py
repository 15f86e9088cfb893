"""What one tenant may see of the stories every tenant shares: the items of every source except
other tenants' private sources and the catalogue sources it hid. A story is seen when one of its
items is, and then only through those items: its headline, summary and links come from them.

`Sight` is worked out once per transaction (one small read); `EVERYTHING` is what operators and
ingest see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Table, exists, select

from core.tenants import Tenant
from storage.models import TenantSource
from storage.tables import ITEMS, SOURCES, STORIES, chunked

__all__ = [
    "Sight",
    "EVERYTHING",
    "TENANT_SOURCES",
    "sight_of",
    "sights_of",
    "story_seen",
    "item_seen",
    "seen_story_ids",
]

TENANT_SOURCES: Table = TenantSource.__table__  # type: ignore[attr-defined]
OWN, HIDDEN = "own", "hidden"


@dataclass(frozen=True)
class Sight:
    """The sources whose items a tenant never sees (empty: it sees everything)."""

    unseen: frozenset[int] = frozenset()

    @property
    def whole(self) -> bool:
        return not self.unseen

    def sees(self, source_id: int) -> bool:
        return source_id not in self.unseen


EVERYTHING = Sight()


def sight_of(conn: Connection, tenant: Tenant | None) -> Sight:
    """Other tenants' private sources and the catalogue sources `tenant` hid; None sees all."""
    return EVERYTHING if tenant is None else sights_of(conn, [tenant])[tenant]


def sights_of(conn: Connection, tenants: Sequence[Tenant]) -> dict[Tenant, Sight]:
    """`sight_of` for several tenants, in two reads whatever their number."""
    t, s = TENANT_SOURCES.c, SOURCES.c
    wanted = set(tenants)
    own: dict[Tenant, set[int]] = {tenant: set() for tenant in wanted}
    hidden: dict[Tenant, set[int]] = {tenant: set() for tenant in wanted}
    rows = conn.execute(
        select(t.platform, t.workspace, t.source_id, t.relation).where(
            t.workspace.in_(sorted({tenant.workspace for tenant in wanted}))
        )
    )
    for platform, workspace, source_id, relation in rows:
        tenant = Tenant(platform, workspace)
        if tenant in wanted:
            (own if relation == OWN else hidden)[tenant].add(source_id)
    private = set(conn.execute(select(s.id).where(s.shared.is_(False))).scalars())
    return {tenant: Sight(frozenset((private - own[tenant]) | hidden[tenant])) for tenant in wanted}


def item_seen(sight: Sight) -> ColumnElement[bool] | None:
    """The condition on `items` rows the tenant sees; None when it sees every item."""
    return None if sight.whole else ITEMS.c.source_id.not_in(sorted(sight.unseen))


def story_seen(sight: Sight) -> ColumnElement[bool] | None:
    """The condition on `stories` rows the tenant sees (one item it sees); None: all of them."""
    seen = item_seen(sight)
    if seen is None:
        return None
    return exists().where(ITEMS.c.story_id == STORIES.c.id, seen)


def seen_story_ids(conn: Connection, ids: Sequence[int], sight: Sight) -> list[int]:
    """Those of `ids` the tenant sees, in order."""
    seen = item_seen(sight)
    if seen is None or not ids:
        return list(ids)
    i = ITEMS.c
    kept = {
        sid
        for chunk in chunked(ids)
        for (sid,) in conn.execute(select(i.story_id).where(i.story_id.in_(chunk), seen).distinct())
    }
    return [sid for sid in ids if sid in kept]
