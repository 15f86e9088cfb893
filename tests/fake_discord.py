"""A local fake of Discord's REST API (v10) that records every request.

Start it inside the test's event loop (`await FakeDiscord().start()`), point discord.py's HTTP
client at `fake.api_base`. `fake.fail("POST", "/channels/1/messages", status=403)` scripts the next
answers of one route; 429 answers carry `retry_after` in the body and a `Via` header, as Discord's
do (discord.py treats a 429 without `Via` as a Cloudflare ban).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["Request", "FakeDiscord", "BOT_USER", "APP_ID"]

BOT_USER = {
    "id": "100000000000000001",
    "username": "policybrief",
    "discriminator": "0",
    "global_name": "policybrief",
    "avatar": None,
    "bot": True,
}


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str  # without the /api/v10 prefix, e.g. /channels/5/messages
    json: Any
    headers: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # multipart: file name -> bytes


@dataclass
class _Scripted:
    status: int
    body: Any
    retry_after: float | None


APP_ID = "100000000000000002"
_COMMANDS = re.compile(r"^/applications/(\d+)(?:/guilds/(\d+))?/commands$")
_CHANNEL_MESSAGES = re.compile(r"^/channels/(\d+)/messages$")
_PIN = re.compile(r"^/channels/(\d+)/messages/pins/(\d+)$")
_CHANNEL = re.compile(r"^/channels/(\d+)$")


def _json(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Discord's exact Content-Type: discord.py parses only `application/json`."""
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


class FakeDiscord:
    """Records REST calls; answers with plausible successes unless told to fail."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.channel_names: dict[str, str] = {}
        self._scripts: dict[tuple[str, str], list[_Scripted]] = {}
        self._ids = itertools.count(200_000_000_000_000_001)
        self._dm_ids = itertools.count(300_000_000_000_000_001)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- control -----------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int,
        code: int = 0,
        message: str = "",
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests of `method path` answer with this status."""
        body: dict[str, Any] = {"code": code, "message": message or f"fake {status}"}
        if retry_after is not None:
            body = {"message": "You are being rate limited.", "retry_after": retry_after}
            body["global"] = False
        self._scripts.setdefault((method, path), []).extend(
            _Scripted(status, body, retry_after) for _ in range(times)
        )

    def calls(self, method: str, path_prefix: str = "") -> list[Request]:
        """The recorded requests of one method, optionally under a path prefix."""
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    # --- server ------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        files: dict[str, bytes] = {}
        if request.content_type == "multipart/form-data":
            # discord.py sends attachments as files[n] parts beside a payload_json part
            body = None
            async for part in await request.multipart():
                data = await part.read()
                if part.name == "payload_json":
                    body = json.loads(data)
                elif part.filename:
                    files[part.filename] = bytes(data)
        else:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        self.requests.append(Request(request.method, path, body, dict(request.headers), files))
        script = self._scripts.get((request.method, path))
        if script:
            answer = script.pop(0)
            headers = {"Via": "1.1 google"} if answer.status == 429 else {}
            if answer.retry_after is not None:
                headers["Retry-After"] = str(answer.retry_after)
            return _json(answer.body, status=answer.status, headers=headers)
        return self._default(request.method, path, body)

    def _default(self, method: str, path: str, body: Any) -> web.Response:
        if method == "GET" and path == "/users/@me":
            return _json(BOT_USER)
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(
                {
                    "id": APP_ID,
                    "name": "policybrief",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": {**BOT_USER, "id": "100000000000000003", "bot": False},
                    "verify_key": "0" * 64,
                    "flags": 0,
                }
            )
        if (m := _COMMANDS.match(path)) and method == "PUT":
            return _json(
                [
                    {
                        **cmd,
                        "id": str(next(self._ids)),
                        "application_id": m.group(1),
                        "guild_id": m.group(2),
                        "version": "1",
                    }
                    for cmd in body
                ]
            )
        if method == "POST" and path == "/users/@me/channels":
            return _json(
                {
                    "id": str(next(self._dm_ids)),
                    "type": 1,
                    "last_message_id": None,
                    "recipients": [{**BOT_USER, "id": body["recipient_id"], "bot": False}],
                }
            )
        if (m := _CHANNEL_MESSAGES.match(path)) and method == "POST":
            return _json(self._message(m.group(1), body))
        if _PIN.match(path) and method in ("PUT", "DELETE"):
            return web.Response(status=204)
        if (m := _CHANNEL.match(path)) and method == "GET":
            cid = m.group(1)
            return _json({"id": cid, "type": 0, "name": self.channel_names.get(cid, "general")})
        return _json({"code": 0, "message": "404: Not Found"}, status=404)

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": body.get("content") or "",
            "embeds": body.get("embeds", []),
            "nonce": body.get("nonce"),
            "timestamp": "2026-11-28T09:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {"id": str(next(self._ids)), "filename": a.get("filename", ""), "size": 0}
                for a in body.get("attachments", [])
            ],
            "pinned": False,
            "type": 0,
        }
