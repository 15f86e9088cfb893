"""The Slack publisher against a local fake Web API: posting, threads, DMs, pins, errors, pacing."""

from __future__ import annotations

import pytest

from bot.publisher import Forbidden, OutcomeUnknown, Recipient, RecipientGone, Sent, Transient
from bot.slack.installation import SingleTokenClients
from bot.slack.publisher import ChannelPacer, SlackPublisher, make_client
from core.document import Document, Section, SourceLink, StoryCard
from tests.fake_slack import FakeSlack


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
async def fake():
    server = await FakeSlack().start()
    yield server
    await server.stop()


def publisher_for(fake: FakeSlack, t: FakeTime) -> SlackPublisher:
    client = make_client("xoxb-test", base_url=fake.api_url, sleep=t.sleep)
    return SlackPublisher(
        SingleTokenClients(client), pacer=ChannelPacer(clock=t.clock, sleep=t.sleep)
    )


def small_doc(kind: str = "digest", n: int = 2) -> Document:
    cards = [
        StoryCard(
            id=i,
            headline=f"Story {i}",
            summary="Summary.",
            sources=[SourceLink("S", "t", f"https://n.example/{i}")],
        )
        for i in range(1, n + 1)
    ]
    return Document(kind=kind, title="Policy digest", sections=[Section(stories=cards)])


CHANNEL = Recipient(platform="slack", workspace="T0001", id="C123")


async def test_digest_posts_to_channel_with_unfurls_off(fake):
    t = FakeTime()
    sent = await publisher_for(fake, t).send(CHANNEL, small_doc(), key="digest:1:2026-11-28")
    posts = fake.of("chat.postMessage")
    assert len(posts) == 1
    args = posts[0].args
    assert args["channel"] == "C123"
    assert args["unfurl_links"] is False and args["unfurl_media"] is False
    assert args["text"].startswith("Policy digest\n• Story 1")
    assert args["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Policy digest", "emoji": False},
    }
    assert posts[0].headers["authorization"] == "Bearer xoxb-test"
    assert sent == Sent(message_id="1700000001.000100", channel_id="C123")


async def test_long_digest_continues_in_a_thread_paced_one_per_second(fake):
    t = FakeTime()
    sent = await publisher_for(fake, t).send(CHANNEL, small_doc(n=40), key="k")
    posts = fake.of("chat.postMessage")
    assert len(posts) == 3
    assert "thread_ts" not in posts[0].args
    assert [p.args["thread_ts"] for p in posts[1:]] == [sent.message_id, sent.message_id]
    assert t.sleeps == [1.0, 1.0]  # the pacer held each follow-up for a second


async def test_pacer_is_per_channel(fake):
    t = FakeTime()
    pub = publisher_for(fake, t)
    await pub.send(CHANNEL, small_doc(), key="a")
    await pub.send(Recipient("slack", "T0001", "C999"), small_doc(), key="b")
    assert t.sleeps == []  # a different channel does not wait
    await pub.send(CHANNEL, small_doc(), key="c")
    assert t.sleeps == [1.0]


async def test_alert_opens_a_dm_without_pin_buttons(fake):
    t = FakeTime()
    target = Recipient(platform="slack", workspace="T0001", id="U42", direct=True)
    sent = await publisher_for(fake, t).send(target, small_doc("alert", 1), key="alert:x")
    assert [c.method for c in fake.calls] == ["conversations.open", "chat.postMessage"]
    assert fake.of("conversations.open")[0].args["users"] == "U42"
    post = fake.of("chat.postMessage")[0].args
    assert post["channel"] == "DU42" and sent.channel_id == "DU42"
    kinds = [e["type"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert kinds == ["overflow"]


async def test_pin_calls_pins_add_and_tolerates_already_pinned(fake):
    pub = publisher_for(fake, FakeTime())
    await pub.pin("C123", "1700000001.000100")
    assert fake.of("pins.add")[0].args == {"channel": "C123", "timestamp": "1700000001.000100"}
    fake.fail("pins.add", error="already_pinned")
    await pub.pin("C123", "1700000001.000100")  # no exception


async def test_429_with_retry_after_is_retried(fake):
    t = FakeTime()
    fake.fail("chat.postMessage", status=429, retry_after=3)
    sent = await publisher_for(fake, t).send(CHANNEL, small_doc(), key="k")
    assert len(fake.of("chat.postMessage")) == 2  # the 429, then the retry that succeeded
    assert 3.0 in t.sleeps  # waited what Slack asked, through the injected sleep
    assert sent.message_id


async def test_persistent_429_becomes_transient_with_retry_after(fake):
    t = FakeTime()
    fake.fail("chat.postMessage", status=429, retry_after=120)  # too long to sleep through here
    with pytest.raises(Transient) as info:
        await publisher_for(fake, t).send(CHANNEL, small_doc(), key="k")
    assert info.value.retry_after == 120
    assert len(fake.of("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("channel_not_found", RecipientGone),
        ("is_archived", RecipientGone),
        ("not_in_channel", RecipientGone),
        ("account_inactive", RecipientGone),
        ("user_not_found", RecipientGone),
        ("token_revoked", Forbidden),
        ("missing_scope", Forbidden),
        ("not_authed", Forbidden),
        ("invalid_auth", Forbidden),
        ("restricted_action", Forbidden),
    ],
)
async def test_permanent_errors_map_to_publisher_exceptions(fake, error, kind):
    fake.fail("chat.postMessage", error=error)
    with pytest.raises(kind) as info:
        await publisher_for(fake, FakeTime()).send(CHANNEL, small_doc(), key="k")
    assert str(info.value) == f"posting to C123: Slack says {error}"


async def test_dm_to_a_deactivated_user_is_target_gone(fake):
    fake.fail("conversations.open", error="user_not_found")
    target = Recipient(platform="slack", workspace="T0001", id="U404", direct=True)
    with pytest.raises(RecipientGone, match="opening a DM with U404: Slack says user_not_found"):
        await publisher_for(fake, FakeTime()).send(target, small_doc("alert", 1), key="k")
    assert fake.of("chat.postMessage") == []


async def test_server_error_and_network_error_are_transient(fake):
    fake.fail("chat.postMessage", status=502)
    # a gateway error may hide a post Slack made: retried only after looking for it
    with pytest.raises(OutcomeUnknown, match="Slack answered HTTP 502"):
        await publisher_for(fake, FakeTime()).send(CHANNEL, small_doc(), key="k")
    await fake.stop()  # nothing listens any more
    with pytest.raises(Transient, match="could not connect to Slack") as refused:
        await publisher_for(fake, FakeTime()).send(CHANNEL, small_doc(), key="k")
    assert not isinstance(refused.value, OutcomeUnknown)  # nothing was sent: safe to resend


async def test_a_failed_thread_continuation_does_not_repost_the_digest(fake):
    fake.fail("chat.postMessage", status=502, times=5, after=1)  # the digest posts, then 502s
    sent = await publisher_for(fake, FakeTime()).send(CHANNEL, small_doc(n=40), key="digest")
    posts = fake.of("chat.postMessage")
    assert len(posts) == 2  # the digest, then one failed continuation that stopped the thread
    assert "thread_ts" not in posts[0].args
    assert posts[1].args["thread_ts"] == sent.message_id
    assert sent == Sent(message_id="1700000001.000100", channel_id="C123")
