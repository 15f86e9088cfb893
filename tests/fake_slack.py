"""A local fake of the Slack Web API (and of response_url endpoints) that records every call.

Start it inside the test's event loop (`await FakeSlack().start()`); point slack_sdk's clients at
`fake.api_url`. `fake.fail("chat.postMessage", error="channel_not_found")` or
`fake.fail(..., status=429, retry_after=0)` scripts the next answers of one method.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

__all__ = ["Call", "FakeSlack"]


@dataclass
class Call:
    """One request the fake received: the API method (or `respond:<id>`) and its arguments."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    error: str | None
    status: int
    retry_after: int | None


class FakeSlack:
    """Records Web API calls; answers with plausible successes unless told to fail."""

    def __init__(self, team_id: str = "T0001") -> None:
        self.team_id = team_id
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[_Failure | None]] = {}
        self._ts = 1_700_000_000
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.changed = asyncio.Event()

    # --- control -----------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/respond/{name}"

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """The next `times` calls of `method` (after `after` successes) answer with this error."""
        queue = self._failures.setdefault(method, [])
        queue.extend(None for _ in range(after))
        queue.extend(_Failure(error, status, retry_after) for _ in range(times))

    def set_user(self, user_id: str, **flags: bool) -> None:
        """users.info answers for this user (is_admin, is_owner, is_primary_owner)."""
        self.users[user_id] = {"id": user_id, "team_id": self.team_id, **flags}

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `count` calls of `method` arrived (the respond() path is asynchronous)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.of(method)) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} {method} call(s), saw {[c.method for c in self.calls]}"
                )
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return self.of(method)

    # --- server ------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                args.update(json.loads(body))
            else:
                args.update(parse_qsl(body.decode()))
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _record(self, method: str, args: dict[str, Any], request: web.Request) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.calls.append(Call(method, args, headers))
        self.changed.set()

    async def _respond(self, request: web.Request) -> web.Response:
        self._record(f"respond:{request.match_info['name']}", await self._args(request), request)
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self._record(method, args, request)
        pending = self._failures.get(method)
        failure = pending.pop(0) if pending else None
        if failure is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            if failure.status >= 500:
                return web.Response(status=failure.status, text="upstream trouble", headers=headers)
            body = {"ok": False, "error": failure.error or "ratelimited"}
            return web.json_response(body, status=failure.status, headers=headers)
        return web.json_response(self._success(method, args))

    def _success(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": self.team_id,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team": "Policy Team",
                "url": "https://policy.example.slack.com/",
            }
        if method == "chat.postMessage":
            self._ts += 1
            return {"ok": True, "channel": args.get("channel"), "ts": f"{self._ts}.000100"}
        if method == "conversations.open":
            user = str(args.get("users", "U?")).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user}}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "app_id": "A0001",
                "authed_user": {"id": "UINSTALLER"},
                "scope": "commands,chat:write",
                "token_type": "bot",
                "access_token": "xoxb-installed-T9",
                "bot_user_id": "UBOT9",
                "team": {"id": "T9", "name": "New Team"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        if method == "users.info":
            user = self.users.get(str(args.get("user")), {"id": args.get("user")})
            return {"ok": True, "user": user}
        return {"ok": True}
