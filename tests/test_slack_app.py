"""The Bolt app end to end: signed requests over a real socket to the HTTP mode, the Web API and
response_url pointed at a local fake Slack that records calls."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from sqlmodel import select

from bot.delivery import DeliveryConfig, Outbox
from bot.settings import load_settings
from bot.slack.app import SlackRuntime, build_slack
from core.document import Document, story_ref
from digest.composition.alerts import queue_alerts
from handlers.all import build_registry
from handlers.base import Reply
from handlers.context import Services
from handlers.registry import CommandSpec, Registry, sync_action
from storage.db import Database
from storage.models import Delivery, Pin, Source, Subscription, TenantSource, Watch
from storage.outbox import enqueue
from storage.store import Storage
from tests.fake_slack import FakeSlack
from tests.fakechat import (
    NOW,
    FixedClock,
    StubSummarizer,
    card_source,
    seed_story,
    taxonomy,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0001"
MOD, MEMBER, OWNER = "UMOD", "UMEM", "UOWNER"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Rig:
    fake: FakeSlack
    runtime: SlackRuntime
    db: Database
    services: Services
    time: FakeTime
    http: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.runtime.bound_port}/slack/events"

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str = SECRET,
    ) -> tuple[int, str, float]:
        """POST a signed body; (status, response text, seconds until the response)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        base = f"v0:{ts}:{body}".encode()
        sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
        }
        start = time.perf_counter()
        async with self.http.post(self.url, data=body.encode(), headers=headers) as resp:
            text = await resp.text()
            return resp.status, text, time.perf_counter() - start

    async def command(
        self, line: str, *, user: str = MEMBER, channel: str = "C1", name="r1", team=TEAM
    ):
        command, _, text = line.partition(" ")
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "policy",
            "channel_id": channel,
            "channel_name": "policy",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "response_url": self.fake.response_url(name),
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
        return await self.post(urlencode(form))

    async def action(self, payload: dict[str, Any]):
        return await self.post(urlencode({"payload": json.dumps(payload)}))

    async def responses(self, name: str = "r1", count: int = 1) -> list[dict[str, Any]]:
        calls = await self.fake.wait_for(f"respond:{name}", count)
        return [c.args for c in calls]


def button_click(rig: Rig, *, user: str, value: str, name: str = "pin") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "policy"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": "t1",
        "channel": {"id": "C1", "name": "policy"},
        "container": {
            "type": "message",
            "message_ts": "1700000100.000200",
            "channel_id": "C1",
            "is_ephemeral": False,
        },
        "message": {"ts": "1700000100.000200", "type": "message"},
        "response_url": rig.fake.response_url(name),
        "actions": [
            {
                "type": "button",
                "action_id": "pb_pin",
                "block_id": "act:s1",
                "value": value,
                "action_ts": "1700000200.1",
            }
        ],
    }


def overflow_click(rig: Rig, *, user: str, value: str, name: str = "menu") -> dict[str, Any]:
    payload = button_click(rig, user=user, value="", name=name)
    payload["actions"] = [
        {
            "type": "overflow",
            "action_id": "pb_story_menu",
            "block_id": "act:s1",
            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
            "action_ts": "1700000200.1",
        }
    ]
    return payload


def texts(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


async def make_rig(db: Database, registry: Registry | None = None, **settings: Any) -> Rig:
    fake = await FakeSlack(team_id=TEAM).start()
    fake.set_user(MOD)
    fake.set_user(MEMBER)
    fake.set_user(OWNER, is_owner=True)
    services = Services(
        store=Storage(db),
        taxonomy=taxonomy(),
        summarizer=StubSummarizer(),
        clock=FixedClock(),
        moderators=frozenset({MOD}),
    )
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.api_url,
        "slack_app_token": None,
        "slack_client_id": None,
    }
    cfg = load_settings(**{**values, **settings})
    t = FakeTime()
    runtime = build_slack(
        cfg,
        services,
        registry or build_registry(),
        clock=t.clock,
        sleep=t.sleep,
        host="127.0.0.1",
        port=0,
    )
    if runtime.mode == "http":
        await runtime.start()
    return Rig(fake, runtime, db, services, t, aiohttp.ClientSession())


@pytest.fixture
async def rig(sqlite_db) -> AsyncIterator[Rig]:
    r = await make_rig(sqlite_db)
    yield r
    await r.http.close()
    await r.runtime.stop()
    await r.fake.stop()


# --- request verification ---------------------------------------------------------------------


async def test_bad_signature_and_stale_timestamp_are_refused(rig):
    body = urlencode({"command": "/brief", "text": "eu", "team_id": TEAM, "user_id": MEMBER})
    status, _, _ = await rig.post(body, secret="not-the-secret")
    assert status == 401
    status, _, _ = await rig.post(body, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    await asyncio.sleep(0.05)
    assert [c.method for c in rig.fake.calls if c.method.startswith("respond")] == []


# --- slash commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    text: str


async def test_ack_arrives_at_once_even_when_the_handler_is_slow(sqlite_db):
    def slow(services: Services, caller, args: Said) -> Reply:
        time.sleep(2.0)  # a slow summarizer, in the worker thread
        return Reply(Document.notice("Done", f"you asked for {args.text}"))

    action = sync_action(
        Said,
        slow,
        text=lambda services, text: Said(text.raw),
        options=lambda services, options: Said(""),
    )
    registry = Registry()
    registry.register(CommandSpec("brief", "slow", "/brief", action=action))
    rig = await make_rig(sqlite_db, registry)
    try:
        start = time.perf_counter()
        status, body, elapsed = await rig.command("/brief eu")
        assert status == 200 and body == ""
        assert elapsed < 0.5, f"ack took {elapsed:.2f}s"
        print(f"slash command ack over HTTP: {elapsed * 1000:.0f} ms (handler sleeps 2 s)")
        (reply,) = await rig.responses(count=1)
        assert time.perf_counter() - start >= 1.9  # the answer came later, via response_url
        assert reply["response_type"] == "ephemeral"
        assert "you asked for eu" in texts(reply["blocks"])
    finally:
        await rig.http.close()
        await rig.runtime.stop()
        await rig.fake.stop()


async def test_brief_eu_names_the_eu_stories(rig):
    seed_story(
        rig.db, "Commission fines Platform X under the DSA", "Brussels.", jurisdictions=("eu",)
    )
    seed_story(rig.db, "EU AI Act codes of practice published", "Brussels.", jurisdictions=("eu",))
    seed_story(rig.db, "Ofcom publishes age checks guidance", "London.", jurisdictions=("uk",))
    status, _, _ = await rig.command("/brief eu")
    assert status == 200
    (reply,) = await rig.responses()
    assert reply["response_type"] == "ephemeral"
    assert reply["unfurl_links"] is False and reply["unfurl_media"] is False
    headlines = [
        b["text"]["text"].split("\n")[0].split("|", 1)[-1]  # the headline links to the article
        for b in reply["blocks"]
        if b.get("block_id", "").startswith("story:")
    ]
    assert sorted(headlines) == [
        "Commission fines Platform X under the DSA>*",
        "EU AI Act codes of practice published>*",
    ]
    assert "Ofcom" not in texts(reply)


async def test_brief_public_answers_in_channel(rig):
    seed_story(rig.db, "Commission fines Platform X under the DSA", "x", jurisdictions=("eu",))
    await rig.command("/brief eu public")
    (reply,) = await rig.responses()
    assert reply["response_type"] == "in_channel"


async def test_trend_uploads_its_chart_to_the_askers_direct_messages(rig):
    seed_story(rig.db, "Coupang breach: regulator opens a probe", "Seoul.", jurisdictions=("kr",))
    await rig.command("/trend coupang", name="r1")
    (reply,) = await rig.responses()
    assert reply["response_type"] == "ephemeral"
    assert "The chart is in your direct messages with policybrief." in texts(reply)
    (completed,) = rig.fake.of("files.completeUploadExternal")
    assert completed.args["channel_id"] == "D" + MEMBER  # the asker's DM, never the channel
    (file_id,) = rig.fake.shared["D" + MEMBER]
    assert rig.fake.uploads[file_id].startswith(b"\x89PNG")


async def test_a_chart_that_cannot_be_uploaded_says_how_to_fix_it(rig):
    seed_story(rig.db, "Coupang breach: regulator opens a probe", "Seoul.", jurisdictions=("kr",))
    rig.fake.fail("files.getUploadURLExternal", error="missing_scope")
    await rig.command("/trend coupang")
    (reply,) = await rig.responses()
    assert "reinstall policybrief to grant it files:write" in texts(reply)
    assert rig.fake.shared == {}


async def test_help_is_policybrief_and_an_error_stays_private(rig):
    await rig.command("/policybrief", name="help")
    (reply,) = await rig.responses("help")
    assert "/brief" in texts(reply["blocks"]) and reply["response_type"] == "ephemeral"
    assert "*/policybrief*" in texts(reply["blocks"]) and "/help" not in texts(reply)
    await rig.command("/sources add https://x.example/feed", name="denied")
    (denied,) = await rig.responses("denied")
    assert denied["response_type"] == "ephemeral"
    assert "needs the admin role; you are a member" in texts(denied["blocks"])


async def test_workspace_owner_is_admin_and_users_info_is_cached(rig):
    await rig.command("/sources list", user=OWNER, name="a")
    (reply,) = await rig.responses("a")
    assert "needs the admin role" not in texts(reply)
    await rig.command("/sources list", user=OWNER, name="b")
    await rig.responses("b")
    assert len([c for c in rig.fake.of("users.info") if c.args["user"] == OWNER]) == 1
    rig.time.now += 301  # the cache holds for five minutes
    await rig.command("/sources list", user=OWNER, name="c")
    await rig.responses("c")
    assert len([c for c in rig.fake.of("users.info") if c.args["user"] == OWNER]) == 2


async def test_each_workspace_sees_only_its_own_private_sources(rig):
    """Two workspaces on one app: the owner of one never learns of the other's private feed."""
    with rig.db.session() as session:
        secret = Source(url="https://secret.example/feed", name="Secret feed", shared=False)
        session.add(secret)
        session.flush()
        session.add(
            TenantSource(
                source_id=secret.id,
                platform="slack",
                workspace="T0002",
                relation="own",
                name="Ours",
            )
        )
    await rig.command("/sources list", user=OWNER, name="mine", team="T0002")
    (mine,) = await rig.responses("mine")
    assert "https://secret.example/feed" in texts(mine["blocks"])
    await rig.command("/sources list", user=OWNER, name="theirs")
    (theirs,) = await rig.responses("theirs")
    assert "secret.example" not in texts(theirs) and "Ours" not in texts(theirs)
    await rig.command(f"/sources remove {secret.id} confirm", user=OWNER, name="rm")
    (refused,) = await rig.responses("rm")
    assert f"no source #{secret.id}" in texts(refused["blocks"])


# --- watch -> one DM ---------------------------------------------------------------------------


async def test_watch_then_new_story_sends_exactly_one_dm(db):
    rig = await make_rig(db)
    try:
        await rig.command("/watch coupang", user=MEMBER, name="w")
        (reply,) = await rig.responses("w")
        assert reply["response_type"] == "ephemeral"
        with db.session() as s:
            (watch,) = s.exec(select(Watch)).all()
        assert (watch.user_id, watch.workspace, watch.query) == (MEMBER, TEAM, "coupang")

        # published after the watch was saved (older stories never alert)
        coupang = seed_story(db, "Coupang's data breach draws a fine", "Seoul.", when=NOW)
        coupon = seed_story(db, "Coupon fraud ring dismantled", "Not a match.", when=NOW)
        outbox = Outbox(
            rig.services.store,
            {"slack": rig.runtime.publisher},
            clock=rig.services.clock,
            config=DeliveryConfig(channel_interval=0),
        )
        for _ in range(2):  # a second poll of the same stories changes nothing
            queue_alerts(Storage(db), card_source(db), None, [coupang, coupon], NOW)
            await outbox.drain()
        opens = rig.fake.of("conversations.open")
        posts = rig.fake.of("chat.postMessage")
        assert [c.args["users"] for c in opens] == [MEMBER]
        assert len(posts) == 1 and posts[0].args["channel"] == f"D{MEMBER}"
        assert "Coupang&#x27;s" not in texts(posts[0].args)
        assert "Coupang's data breach draws a fine" in texts(posts[0].args["blocks"])
        assert "Coupon fraud" not in texts(posts[0].args)
    finally:
        await rig.http.close()
        await rig.runtime.stop()
        await rig.fake.stop()


async def test_channel_not_found_disables_the_digest(db):
    rig = await make_rig(db)
    try:
        with db.session() as s:
            sub = Subscription(platform="slack", workspace=TEAM, channel="CGONE", created_by=MOD)
            s.add(sub)
            s.flush()
            enqueue(
                s,
                Delivery(
                    idempotency_key=f"digest:{sub.id}:2026-11-28",
                    kind="digest",
                    platform="slack",
                    workspace=TEAM,
                    target="CGONE",
                    payload=Document.notice("Policy digest", "a story").to_json(),
                    subscription_id=sub.id,
                    next_attempt_at=NOW - timedelta(minutes=1),
                ),
            )
        rig.fake.fail("chat.postMessage", error="channel_not_found")
        outbox = Outbox(
            rig.services.store,
            {"slack": rig.runtime.publisher},
            clock=rig.services.clock,
            config=DeliveryConfig(channel_interval=0),
        )
        report = await outbox.drain()
        assert report.claimed >= 1
        with db.session() as s:
            sub = s.exec(select(Subscription)).one()
            row = s.exec(select(Delivery).where(Delivery.kind == "digest")).one()
        assert sub.enabled is False
        assert "channel_not_found" in (sub.disabled_reason or "")
        assert row.status == "gone"
    finally:
        await rig.http.close()
        await rig.runtime.stop()
        await rig.fake.stop()


# --- buttons ----------------------------------------------------------------------------------


@pytest.mark.parametrize("click", [overflow_click, button_click], ids=["menu", "old-button"])
async def test_moderator_pin_click_pins_and_a_member_is_refused(rig, click):
    """Pin lives in the card's menu (older messages have a Pin button): the role is checked on
    the click, either way."""
    sid = seed_story(rig.db, "Coupang fined over data breach", "Seoul.", jurisdictions=("kr",))
    ref = story_ref(sid)

    status, _, elapsed = await rig.action(click(rig, user=MEMBER, value=f"pin:{ref}", name="m"))
    assert status == 200 and elapsed < 0.5
    (refusal,) = await rig.responses("m")
    assert refusal["response_type"] == "ephemeral"
    await rig.command(f"/pin {ref}", user=MEMBER, name="typed")
    (typed,) = await rig.responses("typed")
    refused = "/pin needs the moderator role; you are a member."
    assert refused in texts(refusal["blocks"]) and refused in texts(typed["blocks"])
    assert rig.fake.of("pins.add") == []
    with rig.db.session() as s:
        assert s.exec(select(Pin)).all() == []

    await rig.action(click(rig, user=MOD, value=f"pin:{ref}", name="ok"))
    (done,) = await rig.responses("ok")
    assert done["response_type"] == "ephemeral"
    (pin_call,) = await rig.fake.wait_for("pins.add")
    assert (pin_call.args["channel"], pin_call.args["timestamp"]) == ("C1", "1700000100.000200")
    with rig.db.session() as s:
        (pin,) = s.exec(select(Pin)).all()
    assert (pin.channel, pin.story_id, pin.pinned_by) == ("C1", sid, MOD)


async def test_forged_button_value_is_refused(rig):
    await rig.action(button_click(rig, user=MOD, value="pin:../../etc", name="f"))
    (reply,) = await rig.responses("f")
    assert "That button is out of date" in texts(reply["blocks"])
    assert rig.fake.of("pins.add") == []


async def test_watch_similar_and_more(rig):
    sid = seed_story(
        rig.db,
        "Coupang fined by KFTC over data breach",
        "The Korea Fair Trade Commission fined Coupang. " * 30,
        url="https://news.example/coupang",
    )
    ref = story_ref(sid)
    await rig.action(overflow_click(rig, user=MEMBER, value=f"watch:{ref}", name="w"))
    (reply,) = await rig.responses("w")
    assert reply["response_type"] == "ephemeral"
    assert "Proposed watch: kftc coupang" in texts(reply["blocks"])
    (buttons,) = [b for b in reply["blocks"] if b["type"] == "actions"]
    save, edit = buttons["elements"]
    assert (save["value"], edit["value"]) == (
        f"/watch save-similar {ref}",
        f"/watch edit-similar {ref}",
    )
    with rig.db.session() as s:
        assert s.exec(select(Watch)).all() == []  # proposed, not saved
    click = button_click(rig, user=MEMBER, value=save["value"], name="save")
    click["actions"][0]["action_id"] = save["action_id"]
    await rig.action(click)
    (saved,) = await rig.responses("save")
    assert "Watching kftc coupang" in texts(saved["blocks"])
    with rig.db.session() as s:
        (watch,) = s.exec(select(Watch)).all()
    assert watch.query == "kftc coupang" and watch.user_id == MEMBER

    await rig.action(overflow_click(rig, user=MEMBER, value=f"more:{ref}", name="more"))
    (more,) = await rig.responses("more")
    body = more["blocks"][0]["text"]["text"]
    assert body.startswith(
        "*<https://news.example/coupang|Coupang fined by KFTC over data breach>*"
    )
    assert "<https://news.example/coupang|" in more["blocks"][1]["elements"][0]["text"]


async def test_watch_similar_on_a_story_headlined_remove_creates_a_watch(rig):
    """The menu runs /watch similar: the headline's first word is never read as a subcommand."""
    sid = seed_story(
        rig.db, "Remove posts fast, court says", "A court ruled.", topics=("online-platforms",)
    )
    await rig.action(overflow_click(rig, user=MEMBER, value=f"watch:{story_ref(sid)}", name="r"))
    (proposal,) = await rig.responses("r")
    assert "Proposed watch: remove posts topic:online-platforms" in texts(proposal["blocks"])
    click = button_click(rig, user=MEMBER, value=f"/watch save-similar {story_ref(sid)}", name="s")
    click["actions"][0]["action_id"] = "pb_run:0"
    await rig.action(click)
    (reply,) = await rig.responses("s")
    assert "Watching remove posts topic:online-platforms (#1, instant)" in texts(reply["blocks"])
    with rig.db.session() as s:
        (watch,) = s.exec(select(Watch)).all()
    assert (watch.user_id, watch.query) == (MEMBER, "remove posts topic:online-platforms")


async def test_a_menu_on_a_story_that_is_gone_says_so(rig):
    await rig.action(overflow_click(rig, user=MEMBER, value="more:s9999", name="gone"))
    (reply,) = await rig.responses("gone")
    assert "no story s9999; story ids are on each story card" in texts(reply["blocks"])


# --- App Home ---------------------------------------------------------------------------------


async def test_app_home_lists_watches_and_digests(rig):
    with rig.db.session() as s:
        s.add(Subscription(platform="slack", workspace=TEAM, channel="C777", created_by=MEMBER))
        s.add(Watch(platform="slack", workspace=TEAM, user_id=MEMBER, query="coupang"))
    event = {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        "event": {"type": "app_home_opened", "user": MEMBER, "channel": "D1", "tab": "home"},
    }
    status, _, _ = await rig.post(json.dumps(event), content_type="application/json")
    assert status == 200
    (call,) = await rig.fake.wait_for("views.publish")
    view = call.args["view"]
    dumped = texts(view)
    assert call.args["user_id"] == MEMBER and view["type"] == "home"
    assert "coupang" in dumped and "<#C777>" in dumped
    assert "Source health" not in dumped  # members do not see it


# --- Socket Mode -------------------------------------------------------------------------------


class FakeSocketClient:
    """Stands in for the websocket client: records the envelope acks."""

    def __init__(self) -> None:
        import logging

        self.logger = logging.getLogger("fake-socket")
        self.acks: list[Any] = []

    async def send_socket_mode_response(self, response: Any) -> None:
        self.acks.append(response)


async def test_socket_mode_slash_command_goes_through_bolt(sqlite_db):
    rig = await make_rig(sqlite_db, slack_app_token="xapp-1-test", slack_signing_secret=None)
    try:
        assert rig.runtime.mode == "socket"
        assert rig.runtime.routes() == []  # no unsigned HTTP door in Socket Mode
        seed_story(rig.db, "Commission fines Platform X under the DSA", "x", jurisdictions=("eu",))
        handler = AsyncSocketModeHandler(rig.runtime.app, "xapp-1-test")
        client = FakeSocketClient()
        payload = {
            "team_id": TEAM,
            "channel_id": "C1",
            "user_id": MEMBER,
            "user_name": "member",
            "command": "/brief",
            "text": "eu",
            "api_app_id": "A0001",
            "response_url": rig.fake.response_url("sock"),
            "trigger_id": "t",
        }
        req = SocketModeRequest(type="slash_commands", envelope_id="env-1", payload=payload)
        start = time.perf_counter()
        await handler.handle(client, req)  # type: ignore[arg-type]
        assert time.perf_counter() - start < 0.5
        assert [a.envelope_id for a in client.acks] == ["env-1"]
        (reply,) = await rig.responses("sock")
        assert "Commission fines Platform X under the DSA" in texts(reply["blocks"])
        await handler.client.close()
    finally:
        await rig.http.close()
        await rig.fake.stop()


async def test_admin_home_shows_every_digest_and_source_health(rig):
    with rig.db.session() as s:
        s.add(Subscription(platform="slack", workspace=TEAM, channel="C777", created_by=MEMBER))
        s.add(Subscription(platform="slack", workspace="TOTHER", channel="C888", created_by=OWNER))
    event = {
        "team_id": TEAM,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "Ev2",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": OWNER, "channel": "D2", "tab": "home"},
    }
    await rig.post(json.dumps(event), content_type="application/json")
    (call,) = await rig.fake.wait_for("views.publish")
    dumped = texts(call.args["view"])
    assert "Source health" in dumped
    assert "<#C777>" in dumped  # an admin sees the digests others set up in this workspace
    assert "C888" not in dumped  # but not another workspace's


async def test_users_info_failure_grants_nothing(rig):
    rig.fake.fail("users.info", error="user_not_found")
    await rig.command("/sources add https://x.example/feed", user=OWNER, name="x")
    (reply,) = await rig.responses("x")
    assert "needs the admin role; you are a member" in texts(reply["blocks"])


async def test_a_briefs_more_button_fetches_the_next_page(rig):
    for n in range(5):
        seed_story(rig.db, f"Coupang story {n}", "x", when=NOW - timedelta(hours=1 + n))
    await rig.command("/brief coupang limit:3", user=MEMBER)
    (first,) = await rig.responses()
    buttons = [
        e
        for b in first["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id", "").startswith("pb_run:")
    ]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("More", "/brief coupang limit:3 page:2")
    ]
    click = button_click(rig, user=MEMBER, value="/brief coupang limit:3 page:2", name="next")
    click["actions"][0]["action_id"] = buttons[0]["action_id"]
    await rig.action(click)
    (second,) = await rig.responses("next")
    assert second["response_type"] == "ephemeral"
    shown = texts(second["blocks"])
    assert "Coupang story 3" in shown and "Coupang story 4" in shown
    assert "Coupang story 0" not in shown
    assert "pb_run" not in json.dumps(second["blocks"])  # the last page has no More
