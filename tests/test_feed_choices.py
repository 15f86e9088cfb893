"""Several feeds found from one web page: the reply's buttons add the one picked, as the person
who clicks (rights checked as for a typed command), on Slack and Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.slack.render import render
from core.document import Choice, Document
from digest.ingest.fetch import Fetcher
from digest.ingest.probe import ProbeResult, probe_source
from storage.store import Storage
from tests.sitekit import Site
from tests.test_discovery import CONSULT, NEWS, TWO_FEEDS
from tests.test_slack_app import MEMBER, OWNER, Rig, button_click, make_rig, texts


@pytest.fixture
async def rig(sqlite_db) -> AsyncIterator[tuple[Rig, Site]]:
    site = Site({"/": TWO_FEEDS, "/news.xml": NEWS, "/feeds/consult.xml": CONSULT})
    r = await make_rig(sqlite_db)
    fetcher = Fetcher(allow=site.allow)
    r.services.fetch_policy = fetcher.policy

    async def probe(url: str) -> ProbeResult:
        return await probe_source(fetcher, url)

    r.services.probe = probe
    yield r, site
    await fetcher.aclose()
    await r.http.close()
    await r.runtime.stop()
    await r.fake.stop()
    site.close()


def choice_click(rig: Rig, *, user: str, value: str, n: int, name: str) -> dict:
    payload = button_click(rig, user=user, value=value, name=name)
    payload["actions"][0]["action_id"] = f"pb_run:{n}"
    return payload


async def test_slack_buttons_add_the_feed_picked_by_an_admin_only(rig):
    slack, site = rig
    await slack.command(f"/sources add {site.url('/')}", user=OWNER, name="listed")
    (listed,) = await slack.responses("listed")
    (actions,) = [b for b in listed["blocks"] if b["type"] == "actions"]
    values = [e["value"] for e in actions["elements"]]
    assert values == [
        f"/sources add {site.url('/news.xml')}",
        f"/sources add {site.url('/feeds/consult.xml')}",
    ]
    assert [e["text"]["text"] for e in actions["elements"]] == [
        "Add News releases",
        "Add Consultations",
    ]
    store = Storage(slack.db)
    assert store.sources.all() == []

    await slack.action(choice_click(slack, user=MEMBER, value=values[1], n=1, name="member"))
    (refused,) = await slack.responses("member")
    assert "/sources add needs the admin role; you are a member." in texts(refused["blocks"])
    assert store.sources.all() == []

    await slack.action(choice_click(slack, user=OWNER, value=values[1], n=1, name="owner"))
    (added,) = await slack.responses("owner")
    assert added["response_type"] == "ephemeral"
    assert "Added source #1: Consultations" in texts(added["blocks"])
    assert [s.url for s in store.sources.all()] == [site.url("/feeds/consult.xml")]


async def test_a_button_for_a_command_we_do_not_have_is_refused(rig):
    slack, _ = rig
    await slack.action(choice_click(slack, user=OWNER, value="/nonsense x", n=0, name="odd"))
    (reply,) = await slack.responses("odd")
    assert "That button is out of date." in texts(reply["blocks"])


def test_choices_render_as_slack_buttons_only_where_actions_are_allowed():
    doc = Document(kind="list", title="2 feeds", choices=[Choice("Add A", "/sources add a")])
    (with_actions,) = render(doc)
    (without,) = render(doc, actions=False)
    assert [b["type"] for b in with_actions.blocks][-1] == "actions"
    assert all(b["type"] != "actions" for b in without.blocks)


# --- Discord -----------------------------------------------------------------------------------


async def test_discord_buttons_add_the_feed_picked_by_an_admin_only(sqlite_db):
    from bot.discord.views import CommandButton
    from tests.test_discord_translate import ADMIN, MEMBER, FakeInteraction, _callback, _runner

    site = Site({"/": TWO_FEEDS, "/news.xml": NEWS, "/feeds/consult.xml": CONSULT})
    runner, chat = _runner(sqlite_db)
    fetcher = Fetcher(allow=site.allow)
    assert chat.services is not None
    chat.services.fetch_policy = fetcher.policy

    async def probe(url: str) -> ProbeResult:
        return await probe_source(fetcher, url)

    chat.services.probe = probe
    try:
        typed = FakeInteraction(permissions=ADMIN)
        await _callback(runner, "sources", "add")(typed, url=site.url("/"))
        (sent,) = typed.sends()
        buttons = list(sent["view"].children)
        assert [b.custom_id for b in buttons] == [
            f"pb:run:/sources add {site.url('/news.xml')}",
            f"pb:run:/sources add {site.url('/feeds/consult.xml')}",
        ]
        assert all(isinstance(b, CommandButton) for b in buttons)
        store = Storage(sqlite_db)
        member = FakeInteraction(permissions=MEMBER)
        await runner.handle_button(member, "run", buttons[0].line)
        assert [e.title for s in member.sends() for e in s["embeds"]] == [
            "/sources add needs the admin role; you are a member."
        ]
        assert store.sources.all() == []
        admin = FakeInteraction(permissions=ADMIN)
        await runner.handle_button(admin, "run", buttons[0].line)
        assert [s.url for s in store.sources.all()] == [site.url("/news.xml")]
    finally:
        await fetcher.aclose()
        site.close()


def test_a_command_too_long_for_a_discord_button_gets_none():
    from bot.discord.views import story_view

    long = Choice("Add", "/sources add https://example.org/" + "x" * 100)
    assert story_view([], choices=[long]) is None
    view = story_view([], choices=[long, Choice("Add B", "/sources add https://b.example/feed")])
    assert view is not None and len(view.children) == 1
