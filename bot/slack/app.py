"""The Bolt app: slash commands, story-card buttons, App Home, and the Socket Mode / HTTP runtime.

Nothing happens at import time. `build_slack(...)` makes a SlackRuntime; `register(app, bot)`
attaches the listeners explicitly. Every listener acks first and then does the work (role
lookup, database, summarizer) off the request path: handlers run in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ops import LogThrottle
from bot.settings import Settings
from bot.slack.door import Checked, ReplayGuard, WorkQueue, check_request, refusal_logger
from bot.slack.installation import (
    InstalledClients,
    SingleTokenClients,
    build_oauth_settings,
)
from bot.slack.publisher import ChannelPacer, SlackPublisher, make_client
from bot.slack.render import (
    ACTION_MENU,
    ACTION_PIN,
    ACTION_RUN_PATTERN,
    MAX_SECTION_TEXT,
    SlackMessage,
    escape,
    render,
    render_card,
    safe_truncate,
)
from bot.slack.roles import SlackRoles
from core.document import Document, parse_story_ref
from digest.composition.schedule import cadence_label
from handlers.base import Invocation, Reply, Role, Typed, Visibility
from handlers.context import Services
from handlers.registry import Registry
from handlers.roles import resolve_role
from handlers.story import CARD_ACTIONS, CardAction

__all__ = [
    "SLASH_COMMANDS",
    "EVENTS_PATH",
    "SlackConfigError",
    "SlackBot",
    "SlackRuntime",
    "register",
    "build_slack",
    "card_action",
    "slack_names",
]

log = logging.getLogger(__name__)

# Slack command -> registry command. Help is /policybrief on Slack (/help is Slack's own).
SLASH_COMMANDS: dict[str, str] = {
    "/brief": "brief",
    "/watch": "watch",
    "/digest": "digest",
    "/pin": "pin",
    "/unpin": "unpin",
    "/pinned": "pinned",
    "/sources": "sources",
    "/deadlines": "deadlines",
    "/trend": "trend",
    "/policybrief": "help",
}
EVENTS_PATH = "/slack/events"
MAX_RESPONSES = 5  # a response_url takes at most five posts
MAX_HOME_BLOCKS = 100
_VALUE = re.compile(r"^([a-z]+):(s[0-9a-z]{1,11})$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
_OOPS = "Something went wrong on our side and it has been logged. Please try again in a minute."
_BUSY = "policybrief is very busy right now and could not take that; please try again in a minute."

Respond = Callable[..., Awaitable[Any]]


class SlackConfigError(Exception):
    """Slack is configured halfway; the message names the missing variable."""


def card_action(value: object) -> tuple[CardAction, str] | None:
    """A story card's button or menu value (`pin:s4k2`) as the action it runs and the story."""
    m = _VALUE.match(str(value or ""))
    if m is None or parse_story_ref(m.group(2)) is None:
        return None
    action = CARD_ACTIONS.get(m.group(1))
    return (action, m.group(2)) if action is not None else None


_HELP = re.compile(r"(?<![\w/])/help\b")


def slack_names(doc: Document) -> Document:
    """Say /policybrief where the handlers say /help (Slack keeps /help for itself).

    Only our own text is touched (titles, lines, notes); story cards are left as they are.
    """

    def fix(text: str) -> str:
        return _HELP.sub("/policybrief", text)

    return replace(
        doc,
        title=fix(doc.title),
        intro=fix(doc.intro),
        footer=[fix(f) for f in doc.footer],
        sections=[
            replace(sec, title=fix(sec.title), lines=[fix(x) for x in sec.lines])
            for sec in doc.sections
        ],
    )


@dataclass
class SlackBot:
    """The listeners' shared state: handlers, services, the role cache."""

    services: Services
    registry: Registry
    roles: SlackRoles = field(default_factory=SlackRoles)

    # --- translation -------------------------------------------------------------------------

    async def invocation(
        self,
        client: AsyncWebClient,
        *,
        team: str,
        channel: str,
        user: str,
        command: str,
        request: str | Typed,
    ) -> Invocation:
        """Who, where, what: the Slack request as an Invocation, with Slack's own role of now."""
        return Invocation(
            platform="slack",
            workspace=team,
            channel=channel,
            user=user,
            platform_role=await self.roles.platform_role(client, team, user),
            command=command,
            request=request,
        )

    async def dispatch(self, inv: Invocation) -> Reply:
        """The shared dispatch; an unexpected error becomes a polite reply."""
        try:
            return await self.registry.dispatch(self.services, inv)
        except Exception:
            log.exception("slack: /%s failed", inv.command)
            return Reply(Document(kind="error", title=_OOPS))

    async def send_reply(self, respond: Respond, reply: Reply, *, ephemeral: bool = False) -> None:
        """Answer through response_url: in the channel when the reply says so, else only-you."""
        public = _public(reply) and not ephemeral
        messages: list[SlackMessage] = []
        for doc in (reply.document, *reply.extras):
            messages.extend(render(slack_names(doc)))
        if len(messages) > MAX_RESPONSES:
            messages = messages[:MAX_RESPONSES]
            messages[-1].blocks = messages[-1].blocks[:49] + [
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": "(cut short: ask a narrower /brief)"}],
                }
            ]
        for msg in messages:
            payload = msg.payload()
            payload["response_type"] = "in_channel" if public else "ephemeral"
            payload["replace_original"] = False
            await respond(payload)

    async def say_only_you(self, respond: Respond, text: str) -> None:
        await self.send_reply(respond, Reply(Document.notice(text)), ephemeral=True)

    # --- listeners ---------------------------------------------------------------------------

    async def on_command(
        self, ack: Callable[..., Awaitable[Any]], body: dict, respond: Respond, client: Any
    ) -> None:
        """Every slash command: ack at once, then dispatch and answer through respond()."""
        await ack()
        name = SLASH_COMMANDS.get(str(body.get("command", "")), "")
        inv = await self.invocation(
            client,
            team=str(body.get("team_id", "")),
            channel=str(body.get("channel_id", "")),
            user=str(body.get("user_id", "")),
            command=name or str(body.get("command", "")).lstrip("/"),
            request=str(body.get("text", "")).strip(),
        )
        reply = await self.dispatch(inv)
        if reply.document.images:
            reply.document.footer.append(await self.share_images(client, reply, inv))
        await self.send_reply(respond, reply)

    async def share_images(self, client: Any, reply: Reply, inv: Invocation) -> str:
        """Upload a reply's charts with the files API (a response_url carries no files): into
        the channel when the reply is public, else into the person's direct messages. Returns a
        line saying where they went, or why they could not."""
        try:
            channel = inv.channel
            if not _public(reply):
                opened = await client.conversations_open(users=inv.user)
                channel = str(opened["channel"]["id"])
            for image in reply.document.images:
                await client.files_upload_v2(
                    channel=channel,
                    file=image.data,
                    filename=image.name,
                    title=reply.document.title,
                    alt_txt=image.alt or reply.document.title,
                )
        except (SlackApiError, SlackClientError, KeyError, TypeError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else "no answer"
            log.warning("slack: a chart upload failed (%s)", error)
            if error == "missing_scope":
                return "The chart was not uploaded: reinstall policybrief to grant it files:write."
            return f"The chart could not be uploaded (Slack: {error}); please try again later."
        if _public(reply):
            return "The chart is posted in this channel."
        return "The chart is in your direct messages with policybrief."

    async def on_pin(
        self, ack: Callable[..., Awaitable[Any]], body: dict, respond: Respond, client: Any
    ) -> None:
        """The Pin button of older messages: /pin on the story, as the menu's Pin does."""
        await ack()
        action = (body.get("actions") or [{}])[0]
        await self._pin(body, respond, client, card_action(action.get("value")))

    async def _pin(
        self, body: dict, respond: Respond, client: Any, picked: tuple[CardAction, str] | None
    ) -> None:
        """/pin on the story (its role checked in dispatch), then Slack's own pin."""
        channel = str((body.get("channel") or {}).get("id", ""))
        if picked is None or picked[0] is not CARD_ACTIONS["pin"] or not channel:
            await self.say_only_you(respond, "That button is out of date; try /pin <story id>.")
            return
        reply = await self.dispatch(await self._card_inv(client, body, channel, *picked))
        await self.send_reply(respond, reply, ephemeral=True)
        container = body.get("container") or {}
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        if reply.document.kind != "error" and ts and not container.get("is_ephemeral"):
            try:
                await client.pins_add(channel=channel, timestamp=ts)
            except Exception as exc:  # already pinned, not in channel...: our pin still holds
                log.info("slack: pins.add in %s failed: %s", channel, exc)

    async def on_menu(
        self, ack: Callable[..., Awaitable[Any]], body: dict, respond: Respond, client: Any
    ) -> None:
        """The card's overflow menu: "Watch similar" (/watch similar), "More" (the story) and
        "Pin" (/pin, moderators: checked on click)."""
        await ack()
        action = (body.get("actions") or [{}])[0]
        picked = card_action((action.get("selected_option") or {}).get("value"))
        if picked is not None and picked[0] is CARD_ACTIONS["pin"]:
            await self._pin(body, respond, client, picked)
            return
        if picked is None:
            await self.say_only_you(respond, "That menu is out of date; run /brief again.")
            return
        channel = str((body.get("channel") or {}).get("id", ""))
        reply = await self.dispatch(await self._card_inv(client, body, channel, *picked))
        stories = reply.document.stories()
        if picked[0] is not CARD_ACTIONS["more"] or reply.document.kind == "error" or not stories:
            await self.send_reply(respond, reply, ephemeral=True)
            return
        # More shows the one card in full, without buttons
        card = stories[0]
        await respond(
            {
                "text": escape(card.headline[:300]),
                "blocks": render_card(card, expanded=True, actions=False),
                "response_type": "ephemeral",
                "replace_original": False,
                "unfurl_links": False,
                "unfurl_media": False,
            }
        )

    async def on_departure(self, event: dict, body: dict) -> None:
        """The workspace uninstalled policybrief (or revoked its bot token): nothing is sent
        there from now on, and its data is purged after the grace period."""
        revoked = event.get("tokens") or {}
        if event.get("type") == "tokens_revoked" and not revoked.get("bot"):
            return  # only a person's token: the bot still works there
        team = str(body.get("team_id", ""))
        if not team:
            return
        services = self.services
        keep = timedelta(days=services.tenant_retention_days)
        gone = await asyncio.to_thread(
            services.store.tenants.leave, "slack", team, services.now(), keep
        )
        log.info("slack: workspace %s removed policybrief; its data goes %s", team, gone.purge_at)

    async def on_choice(
        self, ack: Callable[..., Awaitable[Any]], body: dict, respond: Respond, client: Any
    ) -> None:
        """A reply's choice button (e.g. one of several feeds found): the command it carries,
        run as the person who clicked, rights checked in dispatch as for a typed command."""
        await ack()
        action = (body.get("actions") or [{}])[0]
        line = str(action.get("value") or "").strip()
        name, _, request = line.removeprefix("/").partition(" ")
        if not line.startswith("/") or name not in SLASH_COMMANDS.values():
            await self.say_only_you(respond, "That button is out of date.")
            return
        user = body.get("user") or {}
        inv = await self.invocation(
            client,
            team=str((body.get("team") or {}).get("id") or user.get("team_id") or ""),
            channel=str((body.get("channel") or {}).get("id", "")),
            user=str(user.get("id", "")),
            command=name,
            request=request.strip(),
        )
        await self.send_reply(respond, await self.dispatch(inv), ephemeral=True)

    async def on_home(self, event: dict, client: Any, context: Any) -> None:
        """App Home: your watches, the digests you set up (admins: all), source health."""
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user", ""))
        team = str(context.get("team_id") or event.get("view", {}).get("team_id") or "")
        inv = await self.invocation(
            client, team=team, channel="", user=user, command="watch", request="list"
        )
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": "policybrief"}},
            _home_title("Your watches"),
        ]
        blocks += _blocks(await self.dispatch(inv))
        blocks.append({"type": "divider"})
        admin = resolve_role(self.services, "slack", user, inv.platform_role, team) >= Role.ADMIN
        blocks.append(_home_title("Channel digests" + ("" if admin else " you set up")))
        lines = await asyncio.to_thread(self._digest_lines, team, user, admin)
        blocks.append(_home_text("\n".join(lines) or "None yet: run /digest on in a channel."))
        if admin:
            blocks.append({"type": "divider"})
            blocks.append(_home_title("Source health"))
            health = replace(inv, command="sources", request="health")
            blocks += _blocks(await self.dispatch(health))
        view = {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
        await client.views_publish(user_id=user, view=view)

    # --- helpers -----------------------------------------------------------------------------

    async def _card_inv(
        self, client: Any, body: dict, channel: str, action: CardAction, ref: str
    ) -> Invocation:
        """The command a card's button or menu entry runs, as the user who clicked."""
        user = body.get("user") or {}
        team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        return await self.invocation(
            client,
            team=team,
            channel=channel,
            user=str(user.get("id", "")),
            command=action.command,
            request=action.request(ref),
        )

    def _digest_lines(self, team: str, user: str, admin: bool) -> list[str]:
        subs = self.services.store.subscriptions.in_workspace(
            "slack", team, created_by=None if admin else user
        )
        lines = []
        for sub in subs:
            where = f"<#{sub.channel}>" if _CHANNEL_ID.match(sub.channel) else escape(sub.channel)
            state = "on" if sub.enabled else f"off ({escape(sub.disabled_reason or 'paused')})"
            filters = sub.query or " OR ".join(sub.topics)
            topics = escape(filters) if filters else "all topics"
            when = escape(
                f"{cadence_label(sub.cadence, sub.weekday)} {sub.local_time} {sub.timezone}"
            )
            lines.append(f"{where} \u00b7 {when} \u00b7 {topics} \u00b7 {state}")
        return lines


def _public(reply: Reply) -> bool:
    return reply.visibility == Visibility.CHANNEL and reply.document.kind != "error"


def _home_title(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}}


def _home_text(mrkdwn: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": safe_truncate(mrkdwn, MAX_SECTION_TEXT),
            "verbatim": True,
        },
    }


def _blocks(reply: Reply) -> list[dict[str, Any]]:
    return [b for msg in render(reply.document, actions=False) for b in msg.blocks][:40]


def register(app: AsyncApp, bot: SlackBot) -> None:
    """Attach every listener to the Bolt app (explicitly; nothing registers at import)."""
    for slash in SLASH_COMMANDS:
        app.command(slash)(bot.on_command)
    app.action(ACTION_PIN)(bot.on_pin)
    app.action(ACTION_MENU)(bot.on_menu)
    app.action(ACTION_RUN_PATTERN)(bot.on_choice)
    app.event("app_home_opened")(bot.on_home)
    app.event("app_uninstalled")(bot.on_departure)
    app.event("tokens_revoked")(bot.on_departure)


# --- runtime -----------------------------------------------------------------------------------


@dataclass
class SlackRuntime:
    """The Bolt app plus how it is reached: Socket Mode, or HTTP at /slack/events.

    HTTP mode: call `mount(web_app)` to serve /slack/events (and the OAuth pages) from an
    aiohttp Application you already run (next to /healthz and /metrics); otherwise `start()`
    serves them itself on POLICYBRIEF_HTTP_PORT. Requests pass the front door (bot/slack/door.py)
    and are acknowledged before Bolt runs them on a bounded set of workers.
    """

    app: AsyncApp
    bot: SlackBot
    publisher: SlackPublisher
    mode: str  # "socket" | "http"
    app_token: str | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    bound_port: int | None = None
    signing_secret: str = ""
    clock: Callable[[], float] = time.time
    work: WorkQueue = field(default_factory=WorkQueue)
    replays: ReplayGuard = field(default_factory=ReplayGuard)
    throttle: LogThrottle = field(default_factory=LogThrottle)
    _mounted: bool = False
    _runner: web.AppRunner | None = None
    _socket: AsyncSocketModeHandler | None = None

    @property
    def needs_http(self) -> bool:
        """True when Slack must reach us over HTTP: HTTP mode, or the OAuth install pages."""
        return self.mode == "http" or self.app.oauth_flow is not None

    async def handle_events(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/events: checked and acknowledged here, run by Bolt on a worker."""
        body = await request.read()
        checked = check_request(self.signing_secret.encode(), request.headers, body, self.clock())
        if not isinstance(checked, Checked):
            refusal_logger(self.throttle)(request.remote or "?", checked)
            return web.Response(status=checked.status, text=checked.reason)
        if not self.replays.first_time(checked.identity):
            return web.Response(status=200)  # answered, not run again
        bolt_request = _bolt_request(request, checked)
        if checked.kind == "other":  # url_verification, ssl_check...: Bolt writes the answer
            return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))
        if not self.work.offer(functools.partial(self.app.async_dispatch, bolt_request)):
            if checked.kind == "command":
                return web.json_response({"response_type": "ephemeral", "text": _BUSY})
            return web.Response(status=503, text="busy")  # Slack retries events later
        return web.Response(status=200)

    async def handle_oauth(self, request: web.Request) -> web.Response:
        flow = self.app.oauth_flow
        if flow is None:
            return web.Response(status=404)
        bolt_req = await to_bolt_request(request)
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_req))
        return await to_aiohttp_response(await flow.handle_callback(bolt_req))

    def routes(self) -> list[web.RouteDef]:
        """The HTTP routes Slack needs (events, commands, actions; OAuth when configured)."""
        # In Socket Mode there is no signing secret to check HTTP requests with: no events route.
        out = [web.post(EVENTS_PATH, self.handle_events)] if self.mode == "http" else []
        flow = self.app.oauth_flow
        if flow is not None:
            out += [
                web.get(flow.install_path, self.handle_oauth),
                web.get(flow.redirect_uri_path, self.handle_oauth),
            ]
        return out

    def mount(self, web_app: web.Application) -> None:
        """Serve Slack's routes from the caller's aiohttp app; start() then opens no port."""
        web_app.add_routes(self.routes())
        self._mounted = True

    async def start(self) -> None:
        """Connect Socket Mode, or serve HTTP unless mounted elsewhere. Returns once listening."""
        if self.mode == "socket":
            self._socket = AsyncSocketModeHandler(self.app, self.app_token)
            await self._socket.connect_async()
            if self.app.oauth_flow is not None and not self._mounted:
                await self._serve()  # the install pages still need HTTP
            return
        if not self._mounted:
            await self._serve()

    async def _serve(self) -> None:
        web_app = web.Application()
        web_app.add_routes(self.routes())
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # noqa: SLF001 (port 0 in tests)
        self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
        log.info("slack: HTTP mode on %s:%s%s", self.host, self.bound_port, EVENTS_PATH)

    async def stop(self) -> None:
        await self.work.close()
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _bolt_request(request: web.Request, checked: Checked) -> AsyncBoltRequest:
    """Bolt's view of a request the door checked (Bolt parses the body again on a worker)."""
    headers: dict[str, str | Sequence[str]] = {}
    for name in request.headers:
        headers[name.lower()] = request.headers.getall(name)
    return AsyncBoltRequest(body=checked.body, query=request.query_string, headers=headers)


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_slack(
    settings: Settings,
    services: Services,
    registry: Registry,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    host: str = "0.0.0.0",
    port: int | None = None,
) -> SlackRuntime:
    """Build the Bolt app, its listeners and the publisher from settings (nothing connects yet).

    One workspace with SLACK_BOT_TOKEN, or OAuth installs kept in our database when
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set. Socket Mode when SLACK_APP_TOKEN is set,
    else HTTP with SLACK_SIGNING_SECRET. `clock`/`sleep` drive pacing and retries (tests).
    """
    base_url = settings.slack_api_url
    bot_token = _secret(settings.slack_bot_token)
    app_token = _secret(settings.slack_app_token)
    signing_secret = _secret(settings.slack_signing_secret) or ""
    client_secret = _secret(settings.slack_client_secret)
    if app_token is None and not signing_secret:
        raise SlackConfigError(
            "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
        )
    if settings.slack_client_id and not client_secret:
        raise SlackConfigError("SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is missing")

    def factory(token: str | None) -> AsyncWebClient:
        return make_client(token, base_url=base_url, sleep=sleep)

    def posting(token: str | None) -> AsyncWebClient:
        # the publisher's own clients: a post's timeout, and no retry once it may have been made
        return make_client(token, base_url=base_url, sleep=sleep, posting=True)

    app_client = factory(None if settings.slack_client_id else bot_token)
    http = app_token is None
    # Over HTTP the front door (bot/slack/door.py) has checked the signature and acknowledged
    # the request already; Bolt then runs each listener to its end on one of the door's workers,
    # which is what bounds the work a burst of requests can start.
    common: dict[str, Any] = {
        "name": "policybrief",
        "signing_secret": signing_secret,
        "client": app_client,
        "process_before_response": http,
        "request_verification_enabled": False,
    }
    if settings.slack_client_id and client_secret:
        oauth = build_oauth_settings(settings.slack_client_id, client_secret, services)
        app = AsyncApp(**common, oauth_settings=oauth)
        assert oauth.installation_store is not None
        clients: Any = InstalledClients(oauth.installation_store, posting)
    elif bot_token:
        app = AsyncApp(**common)
        clients = SingleTokenClients(posting(bot_token))
    else:
        raise SlackConfigError(
            "Slack needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (installable in many workspaces)"
        )
    bot = SlackBot(services=services, registry=registry, roles=SlackRoles(clock=clock))
    register(app, bot)
    publisher = SlackPublisher(clients, pacer=ChannelPacer(clock=clock, sleep=sleep))
    return SlackRuntime(
        app=app,
        bot=bot,
        publisher=publisher,
        mode="socket" if app_token else "http",
        app_token=app_token,
        signing_secret=signing_secret,
        host=host,
        port=port if port is not None else (settings.http_port or 3000),
    )
