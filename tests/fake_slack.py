"""A local fake of the Slack Web API (and of response_url endpoints) that records every call.

Start it inside the test's event loop (`await FakeSlack().start()`); point slack_sdk's clients at
`fake.api_url`. `fake.fail("chat.postMessage", error="channel_not_found")` or
`fake.fail(..., status=429, retry_after=0)` scripts the next answers of one method.

Posts are kept per channel (`fake.posted()`) and served back by `conversations.history`, metadata
included when asked for, as Slack does. A slow or dying Slack: `fake.slow(method, 17)` carries the
call out, then answers 17 s later; `fake.drop(method)` carries it out and closes the connection
without answering (`accepted=False`: closes it before carrying anything out). `fake.accepted` is
set whenever a post is carried out. `python -m tests.fake_slack --port-file F` serves one in its own
process (benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
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


@dataclass
class _Fault:
    """A slow or dying answer: carried out or not, then delayed or dropped."""

    delay: float = 0.0
    drop: bool = False
    accepted: bool = True


class FakeSlack:
    """Records Web API calls; answers with plausible successes unless told to fail."""

    def __init__(self, team_id: str = "T0001", *, clock: Callable[[], float] | None = None) -> None:
        """`clock`: message timestamps from this clock (seconds since the epoch, as Slack's ts
        are) instead of a counter from 1700000001."""
        self.team_id = team_id
        self._clock = clock
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[_Failure | None]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes posted to its upload URL
        self.shared: dict[str, list[str]] = {}  # channel -> file ids completed into it
        self.accepted = asyncio.Event()
        self.calls_limit: int | None = None  # 0: keep no call log (a long-running fake)
        self._ts = 1_700_000_000
        self._last_ts = 0.0
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

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` are carried out, then answered `seconds` later."""
        self._faults.setdefault(method, []).extend(_Fault(delay=seconds) for _ in range(times))

    def drop(self, method: str, *, times: int = 1, accepted: bool = True) -> None:
        """The next `times` calls of `method` are carried out (unless `accepted` is False), then
        their connection is closed without an answer."""
        fault = _Fault(drop=True, accepted=accepted)
        self._faults.setdefault(method, []).extend(fault for _ in range(times))

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages carried out, oldest first (in one channel, or everywhere)."""
        if channel is not None:
            return list(self.messages.get(channel, []))
        return [m for msgs in self.messages.values() for m in msgs]

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
        app.router.add_post("/upload/{file_id}", self._upload)
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
        for key in ("blocks", "view", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _record(self, method: str, args: dict[str, Any], request: web.Request) -> None:
        if self.calls_limit == 0:
            return
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.calls.append(Call(method, args, headers))
        self.changed.set()

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the file's bytes, posted."""
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads[request.match_info['file_id']])}")

    async def _respond(self, request: web.Request) -> web.Response:
        self._record(f"respond:{request.match_info['name']}", await self._args(request), request)
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.StreamResponse:
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
        faults = self._faults.get(method)
        fault = faults.pop(0) if faults else _Fault()
        if fault.drop and not fault.accepted:
            return self._hang_up(request)
        answer = self._success(method, args)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            return self._hang_up(request)
        return web.json_response(answer)

    def _hang_up(self, request: web.Request) -> web.StreamResponse:
        """Close the connection without a word, as a dying server or proxy would."""
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=204)  # written to a closed connection: never seen

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        self._ts += 1
        channel = str(args.get("channel"))
        ts = f"{self._ts}.000100"
        if self._clock is not None:
            self._last_ts = max(self._last_ts + 1e-4, self._clock())
            ts = f"{self._last_ts:.6f}"
        message = {"type": "message", "ts": ts, "text": args.get("text", ""), "user": "UBOT"}
        for key in ("metadata", "thread_ts"):
            if args.get(key):
                message[key] = args[key]
        if self.calls_limit != 0:
            self.messages.setdefault(channel, []).append(message)
        self.accepted.set()
        return {"ok": True, "channel": channel, "ts": ts}

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first between `oldest` and `latest`, `limit` a page, metadata on request."""
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or 1e12)
        found = [
            m
            for m in reversed(self.messages.get(str(args.get("channel")), []))
            if oldest <= float(m["ts"]) <= latest and "thread_ts" not in m
        ]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = found[start : start + limit]
        if str(args.get("include_all_metadata")).lower() not in ("true", "1"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

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
            return self._post(args)
        if method == "conversations.history":
            return self._history(args)
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 1:04d}"
            self.uploads.setdefault(file_id, b"")
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            listed = json.loads(files) if isinstance(files, str) else list(files or [])
            ids = [str(f["id"]) for f in listed]
            self.shared.setdefault(str(args.get("channel_id")), []).extend(ids)
            return {
                "ok": True,
                "files": [
                    {"id": i, "title": f.get("title")} for i, f in zip(ids, listed, strict=True)
                ],
            }
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


async def _serve(port_file: str) -> None:
    """Serve a FakeSlack until killed; its port is written to `port_file` once it listens."""
    import pathlib
    import signal

    fake = await FakeSlack().start()
    fake.calls_limit = 0  # a long-running fake keeps no call log: memory stays flat
    pathlib.Path(port_file).write_text(str(fake.port))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await fake.stop()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="a fake Slack Web API in its own process")
    parser.add_argument("--port-file", required=True)
    asyncio.run(_serve(parser.parse_args().port_file))
