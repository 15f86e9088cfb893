"""Every chat command through the fake chat: the real registry, real storage, both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.document import story_ref
from digest.ingest.fetch import FetchError
from digest.ingest.probe import ProbeResult
from handlers.base import Invocation, Role, Typed, Visibility
from handlers.roles import resolve_role
from storage.models import Pin, Source, Subscription, Watch
from tests.fakechat import NOW, FakeChat, error_of, own_pg_schema, refused, seed_story

ADMIN, MOD, MEMBER = Role.ADMIN, Role.MODERATOR, Role.MEMBER

_pg_worker_db = own_pg_schema("handlers")


@pytest.fixture
def chat(db):
    return FakeChat(db)


def headlines(reply):
    return [c.headline for c in reply.document.stories()]


def rows(db, model):
    with db.session() as session:
        return list(session.exec(select(model)).all())


# --- dispatch-level bad input ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["brief", "watch", "digest", "pin", "sources"])
def test_5000_characters_are_refused(chat, command):
    refused(
        chat,
        f"/{command} " + "a" * 5000,
        "that command is 5,000 characters long; the limit is 1,000.",
        as_=ADMIN,
    )


@pytest.mark.parametrize(("char", "code"), [("\x07", "0007"), ("\x1b", "001B"), ("\x00", "0000")])
def test_control_characters_are_refused(chat, char, code):
    refused(
        chat,
        f"/watch coupang{char}fine",
        f"the command contains a control character (U+{code}); please retype it.",
    )


def test_unknown_command(chat):
    refused(chat, "/frobnicate now", "/frobnicate: unknown command. Try /help.")


# --- /brief -----------------------------------------------------------------------------------


@pytest.fixture
def news(db):
    return {
        "eu_kids": seed_story(
            db,
            "EU adopts child safety rules",
            "The EU adopted rules on age verification.",
            topics=("child-safety",),
            jurisdictions=("eu",),
            source="EU Observer",
        ),
        "eu_data": seed_story(
            db,
            "EDPB fines Meta",
            "The board fined Meta for transfers.",
            topics=("data-protection",),
            jurisdictions=("eu",),
        ),
        "uk_kids": seed_story(
            db,
            "Ofcom publishes children's code",
            "Online safety act codes.",
            topics=("child-safety",),
            jurisdictions=("uk",),
        ),
        "coupang": seed_story(
            db,
            "Coupang fined over data breach",
            "Korea's regulator fined Coupang.",
            topics=("data-protection",),
            jurisdictions=("kr",),
            source="Korea Herald",
            url="https://www.koreaherald.com/coupang",
        ),
        "old": seed_story(
            db,
            "Old EU story about coupang",
            "Three days old.",
            jurisdictions=("eu",),
            when=NOW - timedelta(days=3),
        ),
    }


def test_brief_empty_is_top_stories_across_everything(chat, news):
    reply = chat.say("/brief")
    assert reply.document.kind == "brief"
    assert reply.document.title == "Top stories"
    assert set(headlines(reply)) == {
        "EU adopts child safety rules",
        "EDPB fines Meta",
        "Ofcom publishes children's code",
        "Coupang fined over data breach",
    }
    assert reply.visibility is Visibility.ONLY_YOU


def test_brief_combines_jurisdiction_and_topic(chat, news):
    reply = chat.say("/brief eu child-safety")
    assert headlines(reply) == ["EU adopts child safety rules"]
    assert reply.document.title == "Brief: eu child-safety"


def test_brief_jurisdiction_alone(chat, news):
    assert set(headlines(chat.say("/brief EU"))) == {
        "EU adopts child safety rules",
        "EDPB fines Meta",
    }


def test_brief_free_words_and_since(chat, news):
    assert headlines(chat.say("/brief coupang")) == ["Coupang fined over data breach"]
    assert headlines(chat.say("/brief Coupang's")) == ["Coupang fined over data breach"]
    assert headlines(chat.say("/brief age-verification")) == ["EU adopts child safety rules"]
    assert set(headlines(chat.say("/brief coupang since:7d"))) == {
        "Coupang fined over data breach",
        "Old EU story about coupang",
    }
    assert set(headlines(chat.say("/brief coupang since:72h"))) == {
        "Coupang fined over data breach",
        "Old EU story about coupang",
    }


@pytest.mark.parametrize("bad", ["since:2x", "since:", "since:0h", "since:7w", "since:36500h"])
def test_brief_bad_since(chat, news, bad):
    refused(
        chat,
        f"/brief eu {bad}",
        f"{bad} at column 4: expected since:24h, since:7d, since:365d or since:YYYY-MM-DD",
    )


def test_brief_public_posts_in_channel(chat, news):
    reply = chat.say("/brief eu public")
    assert reply.visibility is Visibility.CHANNEL
    assert reply.document.title == "Brief: eu"


def test_brief_unknown_word_lists_topics(chat, news):
    reply = chat.say("/brief zyxwv")
    assert reply.document.title == "nothing found for zyxwv in the last 24 h"
    lines = reply.document.sections[0].lines
    assert lines[0].startswith("Topics: ai-governance, child-safety, ")
    assert reply.visibility is Visibility.ONLY_YOU
    typo = chat.say("/brief eu child-safty").document
    assert typo.title == "nothing found for eu child-safty in the last 24 h"
    assert typo.sections[0].lines[0] == "Did you mean child-safety?"
    week = chat.say("/brief zyxwv since:7d")
    assert week.document.title == "nothing found for zyxwv in the last 7 days"


def test_pinned_story_leads_brief_in_its_channel_only(chat, news):
    chat.say(f"/pin {story_ref(news['old'])}", as_=MOD, channel="C1")
    first = chat.say("/brief", channel="C1").document.stories()[0]
    assert first.id == news["old"] and first.pinned
    other = chat.say("/brief", channel="C2").document.stories()
    assert news["old"] not in [c.id for c in other]


# --- /watch -----------------------------------------------------------------------------------


def test_watch_add_list_remove(chat):
    reply = chat.say("/watch Coupang's fine")
    assert reply.document.title == "Watching coupang fine (#1, instant)"
    assert reply.visibility is Visibility.ONLY_YOU
    reply = chat.say('/watch add "age verification" OR kosa daily')
    assert reply.document.title == 'Watching "age verification" OR kosa (#2, daily 08:00 UTC)'
    listed = chat.say("/watch list")
    assert listed.document.title == "Your watches (2 of 25)"
    quiet = "▁" * 30  # 30 days of matches per day: none here
    assert listed.document.sections[0].lines == [
        f"#1  coupang fine  (instant)  {quiet}",
        f'#2  "age verification" OR kosa  (daily 08:00 UTC)  {quiet}',
    ]
    assert chat.say("/watch remove #1").document.title == "Removed watch #1"
    assert [w.id for w in rows(chat.db, Watch)] == [2]


def test_watches_are_per_user(chat):
    chat.say("/watch coupang", user="U1")
    assert chat.say("/watch list", user="U2").document.title == "You have no watches"


def test_removing_someone_elses_watch_changes_nothing(chat):
    chat.say("/watch coupang", user="U1")
    refused(chat, "/watch remove 1", "no watch #1 of yours", user="U2")
    refused(chat, "/watch remove 99", "no watch #99 of yours", user="U1")
    assert len(rows(chat.db, Watch)) == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/watch",
            "/watch needs a query, e.g. /watch coupang fine; see also /watch list, "
            "/watch remove <id>, /watch test <query>",
        ),
        ('/watch coupang "age ver', "unbalanced quote at column 9"),
        ("/watch OR coupang", "OR needs a word on both sides at column 1"),
        (
            "/watch topic:child-safty",
            "topic:child-safty at column 1: unknown topic; did you mean topic:child-safety?",
        ),
        ("/watch -coupon", "a query needs at least one word, phrase or filter besides exclusions"),
        (
            "/watch remove abc",
            "abc at column 8: /watch remove needs a watch number, like /watch remove 12 "
            "(see /watch list)",
        ),
        ("/watch test", "/watch test needs a query, e.g. /watch test coupang fine"),
        (
            "/watch list all",
            "all at column 6: /watch list takes no words; to watch the word, use /watch add list",
        ),
        ("/watch " + "a " * 100 + "b", "that query is 201 characters long; the limit is 200."),
    ],
)
def test_watch_bad_input(chat, line, message):
    refused(chat, line, message)


def test_watch_filters_accept_taxonomy_labels(chat):
    reply = chat.say("/watch jurisdiction:EU topic:child-safety fine")
    assert reply.document.title == "Watching jurisdiction:eu topic:child-safety fine (#1, instant)"


def test_watch_limit_per_user(chat):
    for i in range(25):
        assert chat.say(f"/watch word{i}").document.kind == "notice"
    refused(
        chat,
        "/watch one more",
        "you have 25 watches, the limit is 25; remove one with /watch remove <id>.",
    )
    assert chat.say("/watch other", user="U2").document.kind == "notice"


def test_watch_test_counts_per_day_and_top_five(chat, db):
    for day in range(6):
        for n in range(day + 1):
            seed_story(
                db,
                f"Coupang news {day}-{n}",
                "Coupang's fines",
                when=NOW - timedelta(days=day, hours=n + 1),
            )
    seed_story(db, "Coupon offers", "coupon codes", when=NOW - timedelta(hours=2))
    seed_story(db, "Coupang ancient", "coupang", when=NOW - timedelta(days=40))
    reply = chat.say("/watch test coupang fine")
    doc = reply.document
    assert doc.title == "/watch test coupang fine: 21 matches in the last 30 days"
    top, per_day = doc.sections
    assert len(top.lines) == 5
    assert top.lines[0].endswith("Coupang news 0-0")
    # one block per day, oldest first: 6 matches five days ago, down to 1 today
    assert per_day.lines == [f"{'▁' * 24}█▇▆▅▄▃  most: 6 on {(NOW - timedelta(days=5)).date()}"]
    assert rows(db, Watch) == []  # testing saves nothing


# --- /digest ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sub", ["on", "off", "status", "preview"])
@pytest.mark.parametrize("role", [MEMBER, MOD])
def test_digest_needs_admin(chat, sub, role):
    refused(
        chat,
        f"/digest {sub}",
        f"/digest {sub} needs the admin role; you are a {role.label}.",
        as_=role,
    )


def test_digest_on_defaults(chat):
    reply = chat.say("/digest on", as_=ADMIN)
    assert reply.document.title == "Digest on: daily at 08:00 UTC, all topics, 5 stories"
    (sub,) = rows(chat.db, Subscription)
    assert (sub.local_time, sub.timezone, sub.topics, sub.enabled) == ("08:00", "UTC", "", True)
    assert (sub.cadence, sub.weekday, sub.size, sub.query) == ("daily", None, 5, "")
    assert sub.next_due_at == datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def test_digest_on_time_zone_topics(chat):
    reply = chat.say("/digest on 7:30 europe/brussels EU OR child-safety", as_=ADMIN)
    assert reply.document.title == (
        "Digest on: daily at 07:30 Europe/Brussels, eu OR child-safety, 5 stories"
    )
    (sub,) = rows(chat.db, Subscription)
    assert sub.query == "jurisdiction:eu OR topic:child-safety"
    assert sub.next_due_at == datetime(2026, 11, 29, 6, 30, tzinfo=UTC)  # CET = UTC+1
    status = chat.say("/digest status", as_=ADMIN).document.sections[0].lines
    assert status[:5] == [
        "State: on",
        "Schedule: daily at 07:30 Europe/Brussels",
        "Filters: jurisdiction:eu OR topic:child-safety",
        "Size: 5 stories",
        "Next digest: Sun 29 Nov 2026 07:30 CET",
    ]
    assert status[5] == "Last digest: never"
    # a second /digest on updates the same row
    chat.say("/digest on 09:00", as_=ADMIN)
    (sub,) = rows(chat.db, Subscription)
    assert (sub.local_time, sub.timezone) == ("09:00", "UTC")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/digest on Europe/Brusels",
            "Europe/Brusels at column 4: unknown time zone; did you mean Europe/Brussels?",
        ),
        (
            "/digest on 08:00 Mars/Olympus",
            "Mars/Olympus at column 10: unknown time zone; use an IANA name like Europe/Brussels",
        ),
        (
            "/digest on child-safty",
            "child-safty at column 4: not a topic or jurisdiction; did you mean child-safety? "
            'To search for the words, quote them: "child-safty"',
        ),
        ("/digest on 25:00", "25:00 at column 4: not a time of day (00:00 to 23:59)"),
        (
            "/digest",
            "/digest needs on, off, status or preview, e.g. /digest on 08:00 Europe/Brussels eu",
        ),
        ("/digest off", "this channel has no daily digest; turn one on with /digest on"),
    ],
)
def test_digest_bad_input(chat, line, message):
    refused(chat, line, message, as_=ADMIN)


def test_digest_off_and_status(chat):
    chat.say("/digest on", as_=ADMIN)
    assert chat.say("/digest off", as_=ADMIN).document.title == "Daily digest off for this channel"
    (sub,) = rows(chat.db, Subscription)
    assert not sub.enabled and sub.next_due_at is None
    lines = chat.say("/digest status", as_=ADMIN).document.sections[0].lines
    assert lines[0] == "State: off (turned off by U1)"
    with chat.db.session() as session:
        sub = session.get(Subscription, sub.id)
        sub.last_note = "skipped 28 Nov: nothing new"
        session.add(sub)
    assert chat.say("/digest status", as_=ADMIN).document.sections[0].lines[-1] == (
        "Note: skipped 28 Nov: nothing new"
    )


def test_digest_preview(chat, news):
    assert chat.say("/digest preview", as_=ADMIN).document.kind == "digest"
    chat.say("/digest on child-safety", as_=ADMIN)
    doc = chat.say("/digest preview", as_=ADMIN).document
    assert {c.headline for c in doc.stories()} == {
        "EU adopts child safety rules",
        "Ofcom publishes children's code",
    }
    chat.clock.advance(days=3)
    quiet = chat.say("/digest preview", as_=ADMIN).document
    assert quiet.title == "Nothing to post: no new stories since the last digest"


# --- /pin /unpin /pinned -----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["pin s1", "unpin s1", "pinned"])
def test_pins_need_moderator(chat, news, command):
    name = command.split()[0]
    refused(chat, f"/{command}", f"/{name} needs the moderator role; you are a member.")


def test_pin_by_ref_and_url_unpin_and_expiry(chat, news):
    ref = story_ref(news["coupang"])
    reply = chat.say(f"/pin {ref}", as_=MOD)
    assert reply.document.title == f"Pinned {ref}: Coupang fined over data breach"
    again = chat.say("/pin https://www.koreaherald.com/coupang", as_=ADMIN)
    assert again.document.title == f"Re-pinned {ref}: Coupang fined over data breach"
    (pin,) = rows(chat.db, Pin)
    assert pin.expires_at == NOW + timedelta(days=7)
    pinned = chat.say("/pinned", as_=MOD)
    assert [c.id for c in pinned.document.stories()] == [news["coupang"]]
    assert chat.say("/pinned", as_=MOD, channel="C2").document.title == (
        "Nothing is pinned in this channel"
    )
    chat.clock.advance(days=7, minutes=1)
    assert chat.say("/pinned", as_=MOD).document.title == "Nothing is pinned in this channel"
    refused(chat, f"/unpin {ref}", f"{ref} is not pinned in this channel", as_=MOD)
    chat.say(f"/pin {ref}", as_=MOD)
    assert chat.say(f"/unpin {ref}", as_=MOD).document.title.startswith(f"Unpinned {ref}")
    assert chat.say("/pinned", as_=MOD).document.title == "Nothing is pinned in this channel"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/pin s9999", "no story s9999; story ids are on each story card"),
        (
            "/pin xyz",
            "xyz at column 1: not a story id; story ids look like s4k2 and are on each story card",
        ),
        ("/pin https://nowhere.example/x", "no stored story has the URL https://nowhere.example/x"),
        ("/pin", "/pin needs one story: its short id from a story card (like s4k2) or its URL"),
        (
            "/pin s1 s2",
            "s2 at column 4: /pin needs one story: its short id from a story card (like s4k2) "
            "or its URL",
        ),
        ("/unpin s9999", "no story s9999; story ids are on each story card"),
        ("/pinned now", "now at column 1: /pinned takes no words; it lists this channel's pins"),
    ],
)
def test_pin_bad_input(chat, news, line, message):
    refused(chat, line, message, as_=MOD)


# --- /sources ---------------------------------------------------------------------------------


class Probe:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.urls: list[str] = []

    async def __call__(self, url):
        self.urls.append(url)
        if self.error:
            raise self.error
        return ProbeResult(title="Regulator news", item_count=3, url=url, avg_text_chars=800.0)


@pytest.mark.parametrize("sub", ["list", "add https://x.example/feed", "remove 1", "health"])
@pytest.mark.parametrize("role", [MEMBER, MOD])
def test_sources_need_admin(chat, sub, role):
    name = sub.split()[0]
    refused(
        chat,
        f"/sources {sub}",
        f"/sources {name} needs the admin role; you are a {role.label}.",
        as_=role,
    )


def test_sources_add_list_remove_health(chat):
    probe = Probe()
    chat.services.probe = probe
    reply = chat.say("/sources add https://reg.example/feed.xml", as_=ADMIN)
    assert reply.document.title == "Added source #1: Regulator news"
    assert reply.document.sections[0].lines == [
        "https://reg.example/feed.xml",
        "Private to this workspace: no other workspace sees it or its stories.",
        "Fetched once: 3 entries.",
    ]
    assert probe.urls == ["https://reg.example/feed.xml"]
    chat.say("/sources add https://b.example/rss EU Board", as_=ADMIN)
    listed = chat.say("/sources list", as_=ADMIN).document
    assert listed.title == "Sources (2: 0 in the catalogue, 2 own)"
    assert listed.sections[0].lines == [
        "#1  Regulator news  https://reg.example/feed.xml  (this workspace's own)",
        "#2  EU Board  https://b.example/rss  (this workspace's own)",
    ]
    health = chat.say("/sources health", as_=ADMIN).document.sections[0].lines
    assert health[0].startswith("… EU Board — not polled yet")
    assert chat.say("/sources remove 2", as_=ADMIN).document.title == "Remove source #2 EU Board?"
    assert len(rows(chat.db, Source)) == 2  # asked, not removed
    assert chat.say("/sources remove 2 confirm", as_=ADMIN).document.title == (
        "Removed source #2 EU Board"
    )
    assert [s.id for s in rows(chat.db, Source)] == [1]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/sources add",
            "/sources add needs a feed URL, e.g. /sources add https://example.org/feed",
        ),
        ("/sources add ftp://x.example/feed", "ftp://x.example/feed: expected an http(s) feed URL"),
        (
            "/sources remove x",
            "x at column 8: /sources remove needs a source number, like /sources remove 3",
        ),
        ("/sources remove 42", "no source #42; see /sources list"),
        (
            "/sources frobnicate",
            "frobnicate at column 1: /sources needs list, add <url>, remove <id>, hide <id>, "
            "show <id>, health or log",
        ),
        ("/sources hide", "/sources hide needs a source number, like /sources hide 3"),
        ("/sources show 42", "no source #42; see /sources list"),
    ],
)
def test_sources_bad_input(chat, line, message):
    refused(chat, line, message, as_=ADMIN)


def test_sources_add_failing_probe_and_duplicate(chat):
    chat.services.probe = Probe(FetchError("HTTP 404 Not Found", kind="http"))
    refused(
        chat,
        "/sources add https://gone.example/feed",
        "https://gone.example/feed: not added — HTTP 404 Not Found",
        as_=ADMIN,
    )
    chat.services.probe = Probe()
    chat.say("/sources add https://a.example/feed", as_=ADMIN)
    refused(
        chat,
        "/sources add https://a.example/feed",
        "that feed is already a source: #1 Regulator news",
        as_=ADMIN,
    )


# --- /help and roles ---------------------------------------------------------------------------


def test_help_lists_only_what_the_caller_may_use(chat):
    def titles(role):
        return [s.title for s in chat.say("/help", as_=role).document.sections]

    readers = ["/brief", "/watch", "/deadlines", "/trend"]
    assert titles(MEMBER) == [*readers, "/help"]
    assert titles(MOD) == [*readers, "/pin", "/unpin", "/pinned", "/help"]
    assert titles(ADMIN) == [
        *readers,
        "/digest",
        "/pin",
        "/unpin",
        "/pinned",
        "/sources",
        "/help",
    ]
    watch = chat.say("/help").document.sections[1].lines
    assert "/watch remove <id> — Remove one of your watches" in watch


def test_resolve_role(chat):
    services = chat.services
    services.admins = frozenset({"UADMIN", "discord:42"})
    services.moderators = frozenset({"UMOD"})
    # POLICYBRIEF_ADMINS are the operators, above any workspace's admins
    assert resolve_role(services, "slack", "UADMIN", MEMBER) is Role.OPERATOR
    assert resolve_role(services, "discord", "42", MEMBER) is Role.OPERATOR
    assert resolve_role(services, "slack", "42", MEMBER) is MEMBER
    assert resolve_role(services, "slack", "UMOD", MEMBER) is MOD
    assert resolve_role(services, "slack", "UMOD", ADMIN) is ADMIN  # the platform may say more
    assert resolve_role(services, "slack", "U9", MEMBER) is MEMBER
    # a moderator of one workspace only
    services.moderators = frozenset({"slack:T1:UWS"})
    assert resolve_role(services, "slack", "UWS", MEMBER, "T1") is MOD
    assert resolve_role(services, "slack", "UWS", MEMBER, "T2") is MEMBER


def test_dispatch_applies_the_configured_lists(chat):
    chat.services.moderators = frozenset({"slack:UMOD"})
    chat.services.admins = frozenset({"UADMIN"})
    assert chat.say("/digest status", user="UADMIN").document.title == (
        "No daily digest in this channel"
    )
    assert chat.say("/pinned", user="UMOD").document.title == "Nothing is pinned in this channel"
    refused(
        chat,
        "/digest status",
        "/digest status needs the admin role; you are a moderator.",
        user="UMOD",
    )


def test_registry_metadata_for_adapters(chat):
    reg = chat.registry
    digest = reg.get("digest")
    assert [s.name for s in digest.subcommands] == ["on", "off", "status", "preview"]
    kinds = {o.kind for o in digest.subcommands[0].options}
    assert kinds == {"time", "timezone", "topic", "text"}
    assert reg.get("watch").otherwise == "add"
    assert reg.get("sources").when_empty == "list"
    assert {o.kind for o in reg.get("pin").options} == {"story"}


def test_sources_add_awaits_the_probe_on_the_dispatching_loop(chat):
    loops: list[asyncio.AbstractEventLoop] = []

    async def probe(url):
        loops.append(asyncio.get_running_loop())
        if "slow" in url:
            await asyncio.sleep(5)
        return ProbeResult(title="Async feed", item_count=2, url=url)

    async def scenario():
        chat.services.probe = probe
        chat.services.probe_timeout = 0.2
        reply = await chat.ask("/sources add https://async.example/feed", as_=ADMIN)
        assert reply.document.title == "Added source #1: Async feed"
        assert loops == [asyncio.get_running_loop()]  # no hop to another loop or thread
        slow = await chat.ask("/sources add https://slow.example/feed", as_=ADMIN)
        assert error_of(slow) == "https://slow.example/feed: not added — no answer within 0.2 s"

    asyncio.run(scenario())
    assert [s.url for s in rows(chat.db, Source)] == ["https://async.example/feed"]


def test_every_option_has_a_known_kind_and_every_command_a_summary(chat):
    kinds = {"text", "topic", "jurisdiction", "timezone", "time", "watch_id", "story", "url"}
    kinds |= {"choice", "number"}
    for spec in chat.registry.specs():
        assert spec.summary and spec.usage.startswith(f"/{spec.name}")
        options = list(spec.options) + [o for s in spec.subcommands for o in s.options]
        for option in options:
            assert option.kind in kinds, (spec.name, option)
            assert option.kind != "choice" or option.choices, (spec.name, option)
        for sub in spec.subcommands:
            assert sub.min_role >= spec.min_role, (spec.name, sub.name)


# --- words a command does not understand, named where they stand --------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/digest off now", "now at column 5: /digest off takes no words"),
        ("/digest status please", "please at column 8: /digest status takes no words"),
        ("/digest preview eu", "eu at column 9: /digest preview takes no words"),
        ("/digest on 08:00 09:00", "09:00 at column 10: /digest on takes one time"),
        (
            "/digest on UTC Europe/Brussels",
            "Europe/Brussels at column 8: /digest on takes one time zone",
        ),
        ("/brief eu since:7d since:24h", "since:24h at column 13: /brief takes one since:"),
        ("/help watch", "watch at column 1: /help takes no words"),
    ],
)
def test_a_stray_word_is_refused_with_its_column(chat, line, message):
    chat.say("/digest on 07:00", as_=ADMIN)
    refused(chat, line, message, as_=ADMIN)


# --- /watch similar and the story command (what the card buttons run) ---------------------------


def test_watch_similar_proposes_privately_and_the_person_decides(chat, db):
    sid = seed_story(
        db,
        "Coupang fined by KFTC over data breach",
        "The Korea Fair Trade Commission fined Coupang on Tuesday.",
        topics=("data-protection",),
    )
    ref = story_ref(sid)
    reply = chat.say(f"/watch similar {ref}")
    assert reply.visibility is Visibility.ONLY_YOU
    doc = reply.document
    assert doc.title == f"Watch stories like {ref}?"
    assert doc.sections[0].lines[0] == "Proposed watch: kftc coupang topic:data-protection"
    assert [(c.label, c.command) for c in doc.choices] == [
        ("Save", f"/watch save-similar {ref}"),
        ("Edit", f"/watch edit-similar {ref}"),
    ]
    assert rows(db, Watch) == []  # nothing saved until the person says so
    edit = chat.say(f"/watch edit-similar {ref}").document
    assert edit.sections[0].lines[0] == "/watch kftc coupang topic:data-protection"
    assert rows(db, Watch) == []
    saved = chat.say(f"/watch save-similar {ref}").document
    assert saved.title == "Watching kftc coupang topic:data-protection (#1, instant)"
    (watch,) = rows(db, Watch)
    assert (watch.user_id, watch.query) == ("U1", "kftc coupang topic:data-protection")
    # a query that starts with a subcommand's name is still a query when added explicitly
    assert chat.say("/watch add similar rulings").document.title.startswith(
        "Watching similar rulings (#2"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/watch similar",
            "/watch similar needs one story: its short id from a story card (like s4k2) or its URL",
        ),
        ("/watch similar s9999", "no story s9999; story ids are on each story card"),
    ],
)
def test_watch_similar_bad_input(chat, news, line, message):
    refused(chat, line, message)


def test_the_story_command_shows_one_card_and_is_not_in_help(chat, news):
    ref = story_ref(news["coupang"])
    doc = chat.say(f"/story {ref}").document
    assert doc.title == f"Story {ref}"
    assert [c.headline for c in doc.stories()] == ["Coupang fined over data breach"]
    assert "/story" not in [s.title for s in chat.say("/help", as_=ADMIN).document.sections]


def test_typed_options_reach_the_handler_without_text(chat, news):
    """Discord's path: options typed by the platform fill the same argument dataclasses."""
    chat.say("/watch coupang")

    def typed(command, sub, options):
        inv = Invocation("discord", "T1", "C1", "U1", MEMBER, command, Typed(sub, options))
        return asyncio.run(chat.registry.dispatch(chat.services, inv))

    week = typed("brief", None, {"words": "coupang", "since": "7d"}).document
    assert week.title == "Brief: coupang" and len(week.stories()) == 2  # one is three days old
    inv = Invocation("slack", "T1", "C1", "U1", MEMBER, "watch", Typed("remove", {"id": 1}))
    assert asyncio.run(chat.registry.dispatch(chat.services, inv)).document.title == (
        "Removed watch #1"
    )
    denied = typed("digest", "off", {})
    assert error_of(denied) == "/digest off needs the admin role; you are a member."
