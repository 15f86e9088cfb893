"""Multi-workspace: OAuth installs kept in our database, a token per workspace, config errors."""

from __future__ import annotations

import re

import aiohttp
import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.publisher import Forbidden, Recipient
from bot.settings import load_settings
from bot.slack.app import SlackConfigError, build_slack
from bot.slack.installation import InstalledClients, ThreadedInstallationStore
from bot.slack.publisher import make_client
from core.document import Document
from handlers.all import build_registry
from handlers.context import Services
from storage.store import Storage
from tests.fake_slack import FakeSlack
from tests.fakechat import FixedClock, StubSummarizer, taxonomy


@pytest.fixture
async def fake():
    server = await FakeSlack(team_id="T1").start()
    yield server
    await server.stop()


def services_for(db) -> Services:
    return Services(
        store=Storage(db), taxonomy=taxonomy(), summarizer=StubSummarizer(), clock=FixedClock()
    )


def install(team: str, token: str) -> Installation:
    return Installation(
        app_id="A0001",
        team_id=team,
        team_name=team,
        bot_token=token,
        bot_id="B" + team,
        bot_user_id="UB" + team,
        bot_scopes="commands,chat:write",
        user_id="UINSTALLER",
    )


async def test_installation_store_on_our_database_hands_out_per_workspace_clients(db, fake):
    store = ThreadedInstallationStore(SQLAlchemyInstallationStore("cid", db.engine))
    store.create_tables()
    store.create_tables()  # idempotent: a restart finds the tables there
    await store.async_save(install("T1", "xoxb-one"))
    await store.async_save(install("T2", "xoxb-two"))
    clients = InstalledClients(store, lambda tok: make_client(tok, base_url=fake.api_url))
    assert (await clients.client_for("T1")).token == "xoxb-one"
    assert (await clients.client_for("T2")).token == "xoxb-two"
    assert await clients.client_for("T2") is await clients.client_for("T2")  # cached
    with pytest.raises(Forbidden, match="not installed in Slack workspace T3"):
        await clients.client_for("T3")
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-one"


async def test_oauth_mode_installs_then_serves_each_workspace_with_its_token(sqlite_db, fake):
    cfg = load_settings(
        slack_client_id="1111.2222",
        slack_client_secret="shh",
        slack_signing_secret="sig",
        slack_api_url=fake.api_url,
        slack_bot_token=None,
        slack_app_token=None,
    )
    runtime = build_slack(cfg, services_for(sqlite_db), build_registry(), host="127.0.0.1", port=0)
    await runtime.start()
    base = f"http://127.0.0.1:{runtime.bound_port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/slack/install") as resp:
                assert resp.status == 200
                page = await resp.text()
                cookie = resp.cookies["slack-app-oauth-state"].value
            assert "client_id=1111.2222" in page
            assert "scope=commands,chat:write" in page.replace("%2C", ",")
            state = re.search(r"state=([0-9a-f-]+)", page).group(1)
            # the browser would send back the (Secure) state cookie; plain http here, so by hand
            headers = {"Cookie": f"slack-app-oauth-state={cookie}"}
            redirect = f"{base}/slack/oauth_redirect?code=c0de&state={state}"
            async with http.get(redirect, headers=headers) as resp:
                assert resp.status == 200, await resp.text()
        (exchange,) = fake.of("oauth.v2.access")
        assert exchange.args["code"] == "c0de"
        # the new workspace's token now posts there; an unknown workspace is refused
        sent = await runtime.publisher.send(
            Recipient("slack", "T9", "C9"), Document.notice("Hello"), key="k"
        )
        assert sent.channel_id == "C9"
        assert fake.of("chat.postMessage")[0].headers["authorization"] == "Bearer xoxb-installed-T9"
        with pytest.raises(Forbidden, match="not installed"):
            await runtime.publisher.send(
                Recipient("slack", "TX", "C1"), Document.notice("x"), key="y"
            )
    finally:
        await runtime.stop()


def test_half_configured_slack_is_a_clear_error(sqlite_db):
    services = services_for(sqlite_db)
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN .* or SLACK_SIGNING_SECRET"):
        build_slack(
            load_settings(
                slack_bot_token="xoxb-1", slack_signing_secret=None, slack_app_token=None
            ),
            services,
            build_registry(),
        )
    with pytest.raises(SlackConfigError, match="SLACK_CLIENT_SECRET is missing"):
        build_slack(
            load_settings(
                slack_client_id="1.2", slack_client_secret=None, slack_signing_secret="s"
            ),
            services,
            build_registry(),
        )
    with pytest.raises(SlackConfigError, match="SLACK_BOT_TOKEN"):
        build_slack(
            load_settings(slack_signing_secret="s", slack_bot_token=None, slack_client_id=None),
            services,
            build_registry(),
        )


def test_manifest_lists_every_command_and_scope():
    from pathlib import Path

    from bot.slack.app import SLASH_COMMANDS
    from bot.slack.installation import BOT_SCOPES

    text = (Path(__file__).parents[1] / "bot" / "slack" / "manifest.yaml").read_text()
    commands = re.findall(r"^\s+- command: (\S+)$", text, flags=re.M)
    assert commands == list(SLASH_COMMANDS)
    scopes = re.search(r"^    bot:\n((?:      - .*\n)+)", text, flags=re.M).group(1)
    assert tuple(re.findall(r"- (\S+)", scopes)) == BOT_SCOPES
    assert "app_home_opened" in text and "/slack/events" in text
