"""The private calendar feeds: GET /calendar/<token>.ics on POLICYBRIEF_HTTP_PORT.

A token grants its feed's query's deadlines and nothing else: the route serves one path shape,
reads nothing but the feed it names, and answers every miss (malformed, unknown, revoked) with the
same 404. Tokens are looked up by their SHA-256 and compared in constant time; no log line, error
or metric carries a token (aiohttp's access log is off on this server).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from dataclasses import replace

from aiohttp import web

from core.deadlines import calendar_token_hash
from core.tenants import Tenant
from digest.composition.deadlines import to_ics
from handlers.base import CommandError
from handlers.context import Services
from handlers.deadlines import CALENDAR_HORIZON, find_deadlines, parse_deadline_query
from handlers.parsing import Text

__all__ = ["CalendarFeeds", "ROUTE"]

ROUTE = "/calendar/{name}"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,128}$")
_NOT_FOUND = "no such calendar\n"

log = logging.getLogger("policybrief.calendar")


class CalendarFeeds:
    """Serves each subscription's iCalendar feed from storage, through `services`."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def mount(self, app: web.Application) -> None:
        app.router.add_get(ROUTE, self._serve)

    def feed(self, token: str) -> str | None:
        """The ICS text for a token, or None when no live subscription has it."""
        digest = calendar_token_hash(token)
        found = self.services.store.deadlines.feed_by_token_hash(digest)
        if found is None:
            return None
        feed, stored = found
        if not hmac.compare_digest(stored, digest):
            return None
        try:
            query, _ = parse_deadline_query(self.services, Text(feed.query), allow_next=False)
        except CommandError:
            # the taxonomy changed since it was saved: serve nothing rather than everything
            log.warning("calendar feed #%s has a query that no longer parses", feed.id)
            return None
        # the feed's workspace sees what its sources tell, as its /deadlines does
        tenant = Tenant(feed.platform, feed.workspace)
        services = replace(self.services, store=self.services.store.scoped(tenant))
        records = find_deadlines(services, query, CALENDAR_HORIZON, limit=500)
        name = f"policybrief deadlines: {feed.query}" if feed.query else "policybrief deadlines"
        return to_ics(records, name=name, now=self.services.now())

    async def _serve(self, request: web.Request) -> web.Response:
        name = request.match_info.get("name", "")
        token = name[: -len(".ics")] if name.endswith(".ics") else ""
        body = await asyncio.to_thread(self.feed, token) if _TOKEN.match(token) else None
        if body is None:
            return web.Response(status=404, text=_NOT_FOUND)
        return web.Response(
            body=body.encode("utf-8"),
            headers={
                "Content-Type": "text/calendar; charset=utf-8",
                "Cache-Control": "private, max-age=900",
                "Referrer-Policy": "no-referrer",
            },
        )
