"""Feeds as they are in the wild (issue 18): relative links against the response's base, JSON
Feed, markup titles, plain-text content, several contents; hostile inputs stay inert."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.ingest.clean import CleanEntry, clean_entry
from digest.ingest.fetch import Fetcher
from digest.ingest.parse import FeedError, ParsedFeed, parse_feed
from digest.ingest.parser_pool import ParserPool, parse_feed_limited
from digest.ingest.rawfeed import (
    DROP_RELATIVE,
    DROP_SCHEME,
    JSON_MALFORMED_REASON,
    JSON_NO_ITEMS_LIST_REASON,
    JSON_NOT_A_FEED_REASON,
    NO_ENTRIES_REASON,
    absolute_refs,
    base_url_of,
)
from tests.fetchkit import LocalServer, Request, respond

FEEDS = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
BASE = "https://reg.example.org/feeds/main.xml"


def read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def cleaned(feed: ParsedFeed) -> list[CleanEntry]:
    out = [clean_entry(r, now=NOW) for r in feed.entries]
    assert all(e is not None for e in out)
    return [e for e in out if e is not None]


@pytest.fixture
async def pool() -> AsyncIterator[ParserPool]:
    p = ParserPool(size=1)
    await p.start()
    yield p
    await p.aclose()


# -- base URLs and relative links -----------------------------------------------------------------


def test_rss_relative_links_resolve_against_the_final_url_and_the_rest_are_dropped_and_counted():
    feed = parse_feed(read("relative_links.rss"), base_url=BASE)
    assert [e.link for e in feed.entries] == [
        "https://reg.example.org/news/2026/fine.html",
        "https://reg.example.org/feeds/entries/consultation.html",
        None,  # javascript:
        None,  # mailto:
    ]
    assert feed.dropped_links == {DROP_SCHEME: 2}
    assert feed.link == "https://reg.example.org/"
    html = feed.entries[0].summary_html
    assert 'href="https://reg.example.org/docs/decision.pdf"' in html
    assert 'src="https://reg.example.org/feeds/img/chart.png"' in html


def test_without_a_base_relative_links_are_dropped_with_their_reason():
    feed = parse_feed(read("relative_links.rss"))
    assert [e.link for e in feed.entries] == [None, None, None, None]
    assert feed.dropped_links == {DROP_RELATIVE: 2, DROP_SCHEME: 2}


def test_content_location_is_the_base_when_given():
    feed = parse_feed(
        read("relative_links.rss"), base_url=BASE, content_location="/mirror/rss/feed.xml"
    )
    assert feed.entries[1].link == "https://reg.example.org/mirror/rss/entries/consultation.html"
    # a Content-Location that is not http(s) is ignored; the final URL still serves
    assert base_url_of(BASE, "javascript:x") == BASE
    assert base_url_of("ftp://x.example/f", None) is None


def test_atom_relative_links_follow_xml_base():
    feed = parse_feed(read("relative_links.atom"), base_url=BASE)
    first, second = feed.entries
    assert first.link == "https://reg.example.org/press/a1"
    assert 'href="https://reg.example.org/feeds/annex.html"' in first.content_html
    assert second.link == "https://reg.example.org/blog/2026/post.html"
    assert 'href="https://reg.example.org/blog/2026/notes/1"' in second.summary_html
    assert [e.url for e in cleaned(feed)] == [first.link, second.link]


def test_absolute_refs_leaves_absolute_fragment_and_unquoted_cases_right():
    base = "https://a.example/dir/page"
    assert absolute_refs("<a href=x>y</a>", base) == '<a href="https://a.example/dir/x">y</a>'
    kept = '<a href=\'https://b.example/\'>b</a><a href="#top">t</a><a href="mailto:x@y">m</a>'
    assert absolute_refs(kept, base) == kept
    assert absolute_refs("<img src='/i.png?a=1&amp;b=2'>", base) == (
        '<img src="https://a.example/i.png?a=1&amp;b=2">'
    )
    assert absolute_refs("<a href=x>", None) == "<a href=x>"


async def test_a_redirected_fetch_gives_the_base_its_relative_links_resolve_against(
    pool: ParserPool,
) -> None:
    async def moved(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 301, headers={"Location": "/new/place/feed.xml"})

    async def feed(req: Request, w: asyncio.StreamWriter) -> None:
        await respond(w, 200, read("relative_links.rss"), {"Content-Type": "application/rss+xml"})

    srv = await LocalServer({"/old": moved, "/new/place/feed.xml": feed}).start()
    try:
        async with Fetcher(allow=[srv.hostport]) as fetcher:
            result = await fetcher.fetch(srv.base + "/old")
    finally:
        await srv.stop()
    assert result.base_url == srv.base + "/new/place/feed.xml"
    assert result.content_type == "application/rss+xml" and result.content_location is None
    parsed = await parse_feed_limited(
        result.body,
        pool=pool,
        base_url=result.base_url,
        content_location=result.content_location,
        content_type=result.content_type,
    )
    assert parsed.entries[1].link == srv.base + "/new/place/entries/consultation.html"
    assert parsed == parse_feed(result.body, base_url=result.base_url)


# -- JSON Feed ------------------------------------------------------------------------------------


def test_json_feed_1_1_through_the_same_entries_and_cleaning():
    feed = parse_feed(read("relative_links.json"), base_url=BASE)
    assert (feed.title, feed.link, feed.language) == (
        "Relative JSON",
        "https://reg.example.org/",
        "en-GB",
    )
    assert feed.dropped_links == {DROP_SCHEME: 1}
    first, second, third = feed.entries
    assert (first.guid, first.link, first.author) == (
        "j1",
        "https://reg.example.org/news/j1",
        "Press Office",
    )
    assert first.published == datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    assert 'href="https://reg.example.org/docs/j1.pdf"' in first.content_html
    assert second.link == "https://elsewhere.example.net/story"  # external_url when no url
    assert second.updated == datetime(2026, 11, 27, 10, tzinfo=UTC)
    assert third.link is None
    entries = cleaned(feed)
    assert [e.text for e in entries] == ["See the paper.", "Plain words.", "An FTP file."]
    assert [e.language for e in entries] == ["en-gb"] * 3


def test_json_feed_1_0_keeps_plain_text_literal():
    feed = parse_feed(read("jsonfeed_1_0.json"), content_type="application/feed+json")
    [entry] = cleaned(feed)
    assert feed.entries[0].guid == "7" and feed.entries[0].author == "Ann"
    assert entry.text == "Tom &amp; Jerry <b>stay</b> literal."


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (read("malformed.json"), None, JSON_MALFORMED_REASON),
        (b'{"items": [', "application/feed+json", JSON_MALFORMED_REASON),
        (b'{"items": [', "application/json; charset=utf-8", JSON_MALFORMED_REASON),
        (b'{"version": "https://example.org/v9", "items": []}', None, JSON_NOT_A_FEED_REASON),
        (b"[1, 2, 3]", "application/json", JSON_NOT_A_FEED_REASON),
        (b'{"version": "https://jsonfeed.org/version/1"}', None, JSON_NO_ITEMS_LIST_REASON),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', None, NO_ENTRIES_REASON),
        (b"\xef\xbb\xbf{\xff\xfe}", "application/feed+json", JSON_MALFORMED_REASON),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", JSON_MALFORMED_REASON),
        (b"{ just braces", None, "not a feed: the content is neither RSS nor Atom"),
    ],
)
def test_unusable_json_has_plain_reasons(body: bytes, content_type: str | None, reason: str):
    with pytest.raises(FeedError) as info:
        parse_feed(body, content_type=content_type)
    assert info.value.reason == reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
json_items = st.dictionaries(
    st.sampled_from(
        ["id", "url", "external_url", "title", "content_html", "content_text", "summary"]
        + ["date_published", "date_modified", "author", "authors", "language"]
    ),
    json_values,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(json_items | json_values, max_size=5), json_values)
def test_any_json_feed_shape_gives_entries_or_a_feed_error(items, extra):
    doc = {"version": "https://jsonfeed.org/version/1.1", "items": items, "title": extra}
    try:
        feed = parse_feed(json.dumps(doc).encode(), base_url=BASE)
    except FeedError as exc:
        assert exc.reason
        return
    assert feed.entries
    for raw in feed.entries:
        assert raw.link is None or raw.link.startswith(("http://", "https://"))
        clean_entry(raw, now=NOW)


# -- titles and contents --------------------------------------------------------------------------


def test_markup_titles_become_plain_text():
    feed = parse_feed(read("html_title.atom"))
    assert feed.title == "Agency News"
    assert [e.title for e in cleaned(feed)] == [
        "EU fines Acme & partners",  # comment and script gone, entity decoded once
        "Ofcom opens a probe",  # xhtml
        "Why <meta> tags matter",  # a text title keeps its angle brackets
    ]


def test_plain_text_content_keeps_its_literal_characters():
    feed = parse_feed(read("plain_text_content.atom"))
    assert [e.text for e in cleaned(feed)] == [
        "<script>evil</script> content &amp; more",
        "Use <b> for bold.\n\nSecond paragraph.",
    ]


def test_several_contents_are_chosen_not_concatenated():
    feed = parse_feed(read("two_contents.atom"))
    first, second = feed.entries
    assert (first.content_type, second.content_type) == ("html", "text")
    assert [e.text for e in cleaned(feed)] == ["The HTML version.", "The longer plain text."]


# -- hostile input stays inert --------------------------------------------------------------------

# Nine levels of ten: a thousand million "lol"s if the entities were ever expanded.
_LEVELS = "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "lol">{_LEVELS}]>'
    '<rss version="2.0"><channel><title>t</title><item><title>&i;</title><guid>1</guid>'
    "</item></channel></rss>"
).encode()


async def test_billion_laughs_is_inert(pool: ParserPool) -> None:
    """expat refuses the amplification and the loose parser leaves "&i;" as it is (about 4 s of
    CPU, as before); whatever happens, the worker's limit bounds it."""
    started = time.monotonic()
    try:
        feed = await pool.parse(BILLION_LAUGHS, timeout=15)
    except FeedError as exc:
        assert exc.reason
    else:
        assert all(len(e.title) < 10_000 for e in feed.entries)
    assert time.monotonic() - started < 20


async def test_a_deep_json_bomb_is_a_feed_error_in_a_worker(pool: ParserPool) -> None:
    bomb = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 500_000
    with pytest.raises(FeedError) as info:
        await pool.parse(bomb, timeout=10, content_type="application/feed+json")
    assert info.value.reason == JSON_MALFORMED_REASON
