"""The one query language: what users type is read as typed (issue 15's silent misreads), the
database and the in-memory matcher agree, and the parser fails only with a QueryError."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.query import Filter, Term
from core.stories import StoryFind
from core.summaries import SummaryLookup
from digest.judgement.query import (
    QueryError,
    StoryFacts,
    WatchMatcher,
    parse_query,
    query_matches,
    vocabulary_of,
)
from storage.store import Storage
from tests.fakechat import NOW, FakeChat, error_of, own_pg_schema, seed_story, snapshot, taxonomy

_pg_worker_db = own_pg_schema("query_language")
VOCAB = vocabulary_of(taxonomy())


@pytest.fixture
def chat(db):
    return FakeChat(db)


@pytest.fixture
def news(db):
    return {
        "mica": seed_story(
            db,
            "ESMA guidance on MiCA stablecoins",
            "Crypto-asset service providers get new rules.",
            topics=("crypto-assets",),
            jurisdictions=("eu",),
        ),
        "kids": seed_story(
            db,
            "Ofcom publishes its codes for under-16s",
            "The regulator set out duties for platforms.",
            topics=("child-safety",),
            jurisdictions=("uk",),
        ),
        "coupang": seed_story(
            db,
            "Coupang's fine upheld",
            "The regulator's decision stands.",
            jurisdictions=("kr",),
            url="https://www.koreaherald.com/a/1",
        ),
        "roblox": seed_story(
            db,
            "Roblox sued by state",
            "A lawsuit over age checks.",
            jurisdictions=("us",),
            url="https://news.example/roblox",
        ),
        "dsa": seed_story(
            db,
            "Commission fines X under the DSA",
            "The first non-compliance decision.",
            topics=("online-platforms",),
            jurisdictions=("eu",),
            url="https://ec.europa.eu/commission/presscorner/detail/en/ip_25_1",
        ),
        "platforms": seed_story(
            db,
            "Platforms face new moderation rules",
            "No acronym here.",
            topics=("online-platforms",),
            jurisdictions=("eu",),
        ),
    }


def headlines(reply):
    return {c.headline for c in reply.document.stories()}


# --- issue 15's silent misreads, one test each -------------------------------------------------


def test_brief_minus_crypto_excludes_the_topic(chat, news):
    reply = chat.say("/brief -crypto")
    assert reply.document.title == "Brief: -crypto-assets"
    shown = headlines(reply)
    assert "ESMA guidance on MiCA stablecoins" not in shown
    assert "Ofcom publishes its codes for under-16s" in shown


def test_brief_child_safety_is_the_topic_not_two_words(chat, news):
    reply = chat.say("/brief child safety")
    assert reply.document.title == "Brief: child-safety"
    # the story says neither "child" nor "safety": only its tag can find it
    assert headlines(reply) == {"Ofcom publishes its codes for under-16s"}


def test_brief_or_finds_either(chat, news):
    reply = chat.say("/brief coupang OR roblox")
    assert headlines(reply) == {"Coupang's fine upheld", "Roblox sued by state"}


def test_brief_dsa_searches_the_acronym_not_the_topic(chat, news):
    reply = chat.say("/brief dsa")
    assert headlines(reply) == {"Commission fines X under the DSA"}
    whole = chat.say("/brief topic:online-platforms")
    assert headlines(whole) == {
        "Commission fines X under the DSA",
        "Platforms face new moderation rules",
    }


def test_watch_site_is_a_host_filter(chat, news):
    reply = chat.say("/watch site:ec.europa.eu")
    assert reply.document.title == "Watching site:ec.europa.eu (#1, instant)"
    tested = chat.say("/watch test site:europa.eu")
    assert tested.document.title == "/watch test site:europa.eu: 1 matches in the last 30 days"
    assert tested.document.sections[0].lines[0].endswith("Commission fines X under the DSA")


def test_brief_site_finds_the_hosts_articles(chat, news):
    assert headlines(chat.say("/brief site:koreaherald.com")) == {"Coupang's fine upheld"}
    assert headlines(chat.say("/brief site:ec.europa.eu")) == {"Commission fines X under the DSA"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/brief coupang NOT fine", "NOT at column 9: exclude with a minus instead: -word"),
        (
            "/brief intitle:coupang",
            "intitle:coupang at column 1: words match headlines and text alike; drop intitle:",
        ),
        (
            "/brief coupang*",
            "* at column 8: wildcards are not supported; plurals match already (fine finds fines)",
        ),
        (
            "/watch /coup.ng/",
            "/coup.ng/ at column 1: regular expressions are not supported; use words",
        ),
        (
            "/watch (coupang OR temu) fine",
            "( at column 1: brackets are not supported; OR joins the atoms either side: a OR b",
        ),
        (
            "/brief eu since:7d cat:x",
            "cat:x at column 13: cat: is not a filter; use topic:, jurisdiction:, source: or site:",
        ),
        (
            "/brief site:https://x.org",
            "site:https://x.org at column 1: site: takes a host name, e.g. site:ec.europa.eu",
        ),
        ("/brief limit:51", "limit:51 at column 1: limit must be 1 to 50"),
        ("/brief page:0", "page:0 at column 1: page must be 1 to 20"),
        (
            "/brief since:400d",
            "since:400d at column 1: at most since:365d (or a date: since:YYYY-MM-DD)",
        ),
        ("/brief since:2099-01-01", "since:2099-01-01 at column 1: that date is in the future"),
    ],
)
def test_what_the_language_does_not_know_is_refused_with_its_column(chat, news, line, message):
    before = snapshot(chat.db)
    assert error_of(chat.say(line)) == message
    assert snapshot(chat.db) == before


def test_brief_since_a_year_and_since_a_date(chat, db, news):
    seed_story(db, "Archive coupang ruling", "Old.", when=NOW - timedelta(days=300))
    assert "Archive coupang ruling" not in headlines(chat.say("/brief coupang since:30d"))
    assert "Archive coupang ruling" in headlines(chat.say("/brief coupang since:365d"))
    day = (NOW - timedelta(days=301)).date().isoformat()
    assert "Archive coupang ruling" in headlines(chat.say(f"/brief coupang since:{day}"))


def test_brief_limit_and_pages(chat, db):
    for n in range(7):
        seed_story(db, f"Coupang story {n}", "x", when=NOW - timedelta(hours=1 + n))
    first = chat.say("/brief coupang limit:3")
    assert len(first.document.stories()) == 3
    assert "More: /brief coupang limit:3 page:2" in first.document.footer
    second = chat.say("/brief coupang limit:3 page:2")
    third = chat.say("/brief coupang limit:3 page:3")
    seen = [c.id for r in (first, second, third) for c in r.document.stories()]
    assert len(seen) == 7 == len(set(seen))
    assert not any(f.startswith("More:") for f in third.document.footer)


# --- one meaning in SQL and in memory ---------------------------------------------------------

AGREEMENT_QUERIES = [
    "coupang",
    "coupangs",
    "fine",
    "fines OR roblox",
    '"coupang fine"',
    '"regulator decision"',
    "regulator -coupang",
    "topic:online-platforms -dsa",
    "jurisdiction:eu OR jurisdiction:kr",
    "site:europa.eu",
    "site:koreaherald.com regulator",
    "source:koreaherald coupang",
    "source:example-news",
    "-topic:crypto-assets",
    "age checks",
    "under 16s",
    "policy",
    "coup",
]


def test_the_database_and_the_matcher_agree(db, news):
    store = Storage(db)
    ids = list(news.values())
    facts = [StoryFacts.of(t) for t in store.stories.match_texts(ids)]
    for text in AGREEMENT_QUERIES:
        query = parse_query(text, vocabulary=VOCAB, require_positive=False)
        in_memory = {f.story_id for f in facts if query_matches(query, f)}
        find = StoryFind(since=NOW - timedelta(days=1), until=NOW, limit=50, query=query)
        in_sql = {s for s in store.stories.brief(find, SummaryLookup()).found}
        assert in_sql == in_memory, text
        if query.clauses:
            matcher = WatchMatcher.build([(1, query)])
            assert {f.story_id for f in facts if matcher.match(f)} == in_memory, text


def test_texts_are_matched_one_by_one_so_no_phrase_spans_two():
    facts = StoryFacts(1, texts=("Regulator fines Coupang", "Fine upheld"))
    assert not query_matches(parse_query('"coupang fine"'), facts)
    assert query_matches(parse_query("coupang fine"), facts)


# --- the parser fails only as QueryError --------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list('abc -":*()/OR NOT eu child safety site topic: ')),
        max_size=40,
    )
    | st.text(max_size=40)
)
def test_the_parser_raises_nothing_but_query_error(text):
    try:
        query = parse_query(text, vocabulary=VOCAB, allow_empty=True, require_positive=False)
    except QueryError as exc:
        assert exc.message
        return
    # what it reads it can write back, and reading that again gives the same query
    assert parse_query(query.to_text(), allow_empty=True, require_positive=False) == query


def test_names_and_terms():
    q = parse_query("eu -crypto-assets", vocabulary=VOCAB)
    assert q.clauses[0].alternatives == (Filter("jurisdiction", "eu"),)
    assert q.exclusions == (Filter("topic", "crypto-assets"),)
    assert parse_query("dsa", vocabulary=VOCAB).clauses[0].alternatives == (Term(("dsa",)),)
    q = parse_query('"child safety"', vocabulary=VOCAB)  # quotes always mean words
    assert q.clauses[0].alternatives == (Term(("child", "safety")),)


def test_deadlines_and_trend_read_the_same_language(chat, news):
    assert chat.say("/trend child safety").document.kind != "error"
    assert chat.say("/deadlines eu OR uk").document.kind != "error"
    assert error_of(chat.say("/trend eu -crypto")) == (
        "-crypto at column 4: exclusions work in /brief, /watch and /digest; here, leave it out"
    )
    assert error_of(chat.say("/trend eu uk")) == (
        "jurisdiction:uk: one jurisdiction filter here; for any of several, join them with OR "
        "(eu OR uk)"
    )
    assert error_of(chat.say("/deadlines intitle:x")) == (
        "intitle:x at column 1: words match headlines and text alike; drop intitle:"
    )
