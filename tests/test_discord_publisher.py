"""The Discord publisher through discord.py's real HTTP client against a local fake REST API."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.discord.api import ApiHTTPClient
from bot.discord.publisher import DiscordPublisher, delivery_nonce
from bot.publisher import Forbidden, PublishError, Recipient, RecipientGone, Transient
from core.document import Document, Section, SourceLink, StoryCard, story_ref
from tests.fake_discord import FakeDiscord

CHANNEL = "500000000000000001"
USER = "600000000000000001"


def digest(stories: int = 3) -> Document:
    cards = [
        StoryCard(
            id=40 + i,
            headline=f"Story {i} @everyone <@&123456789012345678>",
            summary=f"Summary {i}: regulators act. [click](https://evil.example/x)",
            sources=[SourceLink("Agency", "t", f"https://news.example/{i}")],
            topics=["ai-governance"],
            jurisdictions=["eu"],
        )
        for i in range(stories)
    ]
    return Document(kind="digest", title="Daily digest", sections=[Section("EU", cards)])


@pytest.fixture
async def fake():
    server = await FakeDiscord().start()
    yield server
    await server.stop()


@pytest.fixture
async def publisher(fake):
    http = ApiHTTPClient(asyncio.get_running_loop(), api_base=fake.api_base)
    await http.static_login("test-token")
    yield DiscordPublisher(http)
    await http.close()


async def test_digest_posts_embeds_with_no_mentions_and_a_nonce(fake, publisher):
    sent = await publisher.send(
        Recipient("discord", "g1", CHANNEL), digest(), key="digest:sub7:2026-11-28"
    )

    posts = fake.calls("POST", f"/channels/{CHANNEL}/messages")
    assert len(posts) == 1
    body = posts[0].json
    assert sent.channel_id == CHANNEL and sent.message_id.isdigit()
    assert body["allowed_mentions"] == {"parse": []}
    assert body["nonce"] == delivery_nonce("digest:sub7:2026-11-28", 0)
    assert body["enforce_nonce"] is True
    assert len(body["nonce"]) <= 25
    titles = [e.get("title", "") for e in body["embeds"]]
    assert titles[0] == "Daily digest"
    assert any(t.startswith("Story 0") for t in titles)
    flat = repr(body["embeds"])
    assert "@everyone" not in flat and "<@&" not in flat
    assert "](https://evil.example" not in flat
    assert "https://news.example/0" in flat
    # Pin and Watch buttons carry the story ref in their custom_id.
    ids = [c["custom_id"] for row in body["components"] for c in row["components"]]
    # a channel post has Watch similar buttons but no Pin: every member would see it
    assert f"pb:watch:{story_ref(42)}" in ids and not any(i.startswith("pb:pin:") for i in ids)
    assert posts[0].headers["Authorization"] == "Bot test-token"


async def test_the_same_key_gives_the_same_nonce_so_a_retry_is_not_doubled(fake, publisher):
    target = Recipient("discord", "g1", CHANNEL)
    await publisher.send(target, digest(1), key="k1")
    await publisher.send(target, digest(1), key="k1")
    await publisher.send(target, digest(1), key="k2")
    nonces = [r.json["nonce"] for r in fake.calls("POST", f"/channels/{CHANNEL}/messages")]
    assert nonces[0] == nonces[1] != nonces[2]


async def test_long_digest_is_split_and_every_part_has_its_own_nonce(fake, publisher):
    doc = digest(25)
    for card in doc.stories():
        card.summary = "word " * 400
    await publisher.send(Recipient("discord", "g1", CHANNEL), doc, key="big")
    posts = fake.calls("POST", f"/channels/{CHANNEL}/messages")
    assert len(posts) > 1
    assert len({p.json["nonce"] for p in posts}) == len(posts)
    for post in posts:
        assert len(post.json["embeds"]) <= 10
        assert post.json["allowed_mentions"] == {"parse": []}


async def test_dm_alert_opens_the_dm_channel_and_posts_once(fake, publisher):
    alert = Document(kind="alert", title="Watch match: coupang", sections=[digest(1).sections[0]])
    sent = await publisher.send(Recipient("discord", "g1", USER, direct=True), alert, key="alert:1")

    opens = fake.calls("POST", "/users/@me/channels")
    assert [r.json for r in opens] == [{"recipient_id": int(USER)}]
    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 1
    assert posts[0].path == f"/channels/{sent.channel_id}/messages"
    assert posts[0].json["allowed_mentions"] == {"parse": []}
    # No Pin button in a DM: there is no channel to pin to.
    ids = [c["custom_id"] for row in posts[0].json["components"] for c in row["components"]]
    assert ids == [f"pb:watch:{story_ref(40)}"]


async def test_pin_calls_the_pin_endpoint(fake, publisher):
    await publisher.pin(CHANNEL, "700000000000000001")
    assert [(r.method, r.path) for r in fake.requests[-1:]] == [
        ("PUT", f"/channels/{CHANNEL}/messages/pins/700000000000000001")
    ]


async def test_pin_without_permission_says_which_permission_is_missing(fake, publisher):
    fake.channel_names[CHANNEL] = "policy-news"
    fake.fail(
        "PUT", f"/channels/{CHANNEL}/messages/pins/1", status=403, code=50013, message="Missing"
    )
    with pytest.raises(Forbidden) as err:
        await publisher.pin(CHANNEL, "1")
    assert str(err.value) == "the bot lacks the Pin Messages permission in #policy-news"


async def test_429_with_retry_after_is_waited_out(fake, publisher):
    fake.fail("POST", f"/channels/{CHANNEL}/messages", status=429, retry_after=0.1)
    started = time.monotonic()
    sent = await publisher.send(Recipient("discord", "g1", CHANNEL), digest(1), key="k")
    assert time.monotonic() - started >= 0.1
    posts = fake.calls("POST", f"/channels/{CHANNEL}/messages")
    assert len(posts) == 2  # the rate-limited try and the one that went through
    assert posts[0].json["nonce"] == posts[1].json["nonce"]
    assert sent.message_id.isdigit()


async def test_a_long_rate_limit_is_transient_with_its_retry_after(fake):
    http = ApiHTTPClient(
        asyncio.get_running_loop(), api_base=fake.api_base, max_ratelimit_timeout=60
    )
    await http.static_login("test-token")
    try:
        fake.fail("POST", f"/channels/{CHANNEL}/messages", status=429, retry_after=120)
        started = time.monotonic()
        with pytest.raises(Transient, match="rate limited") as err:
            await DiscordPublisher(http).send(
                Recipient("discord", "g1", CHANNEL), digest(1), key="k"
            )
        assert err.value.retry_after == 120
        assert time.monotonic() - started < 5  # not waited out: the outbox retries later
    finally:
        await http.close()


async def test_403_is_forbidden(fake, publisher):
    fake.fail("POST", f"/channels/{CHANNEL}/messages", status=403, code=50013, message="Missing")
    with pytest.raises(Forbidden, match=f"post to channel {CHANNEL}: the bot lacks a permission"):
        await publisher.send(Recipient("discord", "g1", CHANNEL), digest(1), key="k")


async def test_closed_dms_are_forbidden_with_a_reason(fake, publisher):
    fake.fail("POST", "/channels/300000000000000001/messages", status=403, code=50007)
    with pytest.raises(Forbidden, match="closed direct messages"):
        await publisher.send(Recipient("discord", "g1", USER, direct=True), digest(1), key="k")


async def test_404_is_target_gone(fake, publisher):
    fake.fail(
        "POST", f"/channels/{CHANNEL}/messages", status=404, code=10003, message="Unknown Channel"
    )
    with pytest.raises(RecipientGone, match="no longer exists"):
        await publisher.send(Recipient("discord", "g1", CHANNEL), digest(1), key="k")


async def test_5xx_is_transient(fake, publisher):
    # 503 is not among the statuses discord.py retries itself (500, 502, 504, 524).
    fake.fail("POST", f"/channels/{CHANNEL}/messages", status=503)
    with pytest.raises(Transient):
        await publisher.send(Recipient("discord", "g1", CHANNEL), digest(1), key="k")


async def test_other_4xx_is_a_permanent_error_naming_discords_answer(fake, publisher):
    fake.fail(
        "POST", f"/channels/{CHANNEL}/messages", status=400, code=50035, message="Invalid Form"
    )
    with pytest.raises(PublishError, match="Invalid Form") as err:
        await publisher.send(Recipient("discord", "g1", CHANNEL), digest(1), key="k")
    assert not isinstance(err.value, Transient | Forbidden | RecipientGone)


async def test_a_server_that_is_down_is_transient(publisher, fake):
    await fake.stop()
    with pytest.raises(Transient, match="network error"):
        await publisher.send(Recipient("discord", "g1", CHANNEL), digest(1), key="k")


def test_nonce_is_stable_and_short():
    assert delivery_nonce("a", 0) == delivery_nonce("a", 0)
    assert delivery_nonce("a", 0) != delivery_nonce("a", 1)
    assert len(delivery_nonce("x" * 500)) == 25
