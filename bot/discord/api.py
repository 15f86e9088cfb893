"""discord.py's HTTP client, optionally pointed at another API base (a local fake in tests)."""

from __future__ import annotations

import asyncio
from typing import Any

from discord.http import HTTPClient, Route

__all__ = ["ApiHTTPClient", "rebase"]


def rebase(url: str, api_base: str | None) -> str:
    """`url` built on Route.BASE, moved onto `api_base` (unchanged when there is none)."""
    if api_base and url.startswith(Route.BASE):
        return api_base.rstrip("/") + url[len(Route.BASE) :]
    return url


class ApiHTTPClient(HTTPClient):
    """HTTPClient whose requests go to `api_base` instead of https://discord.com/api/v10.

    Per instance, unlike assigning the class-wide `Route.BASE`, so tests and a production client
    in the same process never see each other's base. Rate limits, retries and error mapping stay
    discord.py's own.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        api_base: str | None = None,
        max_ratelimit_timeout: float | None = None,
    ) -> None:
        super().__init__(loop, max_ratelimit_timeout=max_ratelimit_timeout)
        self.api_base = api_base

    async def request(self, route: Route, **kwargs: Any) -> Any:
        route.url = rebase(route.url, self.api_base)
        return await super().request(route, **kwargs)
