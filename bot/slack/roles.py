"""Slack's own role of a user: workspace admins and owners are admins (users.info, cached a few
minutes). `handlers.roles.resolve_role` adds POLICYBRIEF_ADMINS / POLICYBRIEF_MODERATORS."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

from handlers.base import Role

__all__ = ["SlackRoles"]

log = logging.getLogger(__name__)


class SlackRoles:
    """users.info -> ADMIN for is_admin / is_owner / is_primary_owner, cached per (team, user)."""

    def __init__(
        self,
        *,
        ttl: float = 300.0,
        failure_ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self._clock = clock
        self._max = max_entries
        self._cache: dict[tuple[str, str], tuple[Role, float]] = {}

    async def platform_role(self, client: AsyncWebClient, team: str, user: str) -> Role:
        """The user's Slack-side role; MEMBER when Slack cannot tell (briefly cached too)."""
        key = (team, user)
        now = self._clock()
        hit = self._cache.get(key)
        if hit and hit[1] > now:
            return hit[0]
        try:
            resp = await client.users_info(user=user)
            info = resp.get("user") or {}
            is_admin = any(info.get(k) for k in ("is_admin", "is_owner", "is_primary_owner"))
            role, ttl = (Role.ADMIN if is_admin else Role.MEMBER), self.ttl
        except Exception as exc:  # a lookup failure must not grant anything, nor crash a command
            log.warning("users.info failed for %s: %s", user, type(exc).__name__)
            role, ttl = Role.MEMBER, self.failure_ttl
        if len(self._cache) >= self._max:
            self._cache.clear()
        self._cache[key] = (role, now + ttl)
        return role

    def forget(self, team: str, user: str) -> None:
        """Drop one cached entry (e.g. on a user_change event)."""
        self._cache.pop((team, user), None)
