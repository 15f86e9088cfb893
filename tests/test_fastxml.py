"""The lxml fast path reads every document it accepts exactly as the feedparser path does.

Generated RSS 2.0 and Atom 1.0 documents, with the awkward parts feeds have (entities, CDATA,
relative and odd links, permalink guids, content before description, nested titles, unknown
elements, mis-decoded UTF-8), go through parse_feed twice: once as it is, once with the fast path
switched off. Whatever the fast path accepts must come out the same (authors aside: nothing
reads them, and feedparser's author parsing is the regex the fast path exists to avoid).
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.ingest import parse as parse_mod
from digest.ingest.parse import FeedError, ParsedFeed, parse_feed, read_common_feed

BASE = "https://news.example.org/feeds/rss.xml"
FEEDS = Path(__file__).parent / "data" / "feeds"

_TEXTS = [
    "Ofcom fines Acme",
    "AT&amp;T &amp; R&amp;D",
    "Q&amp;amp;A",
    "&lt;b&gt;bold&lt;/b&gt; move",
    "&lt;p&gt;para&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;",
    "<![CDATA[<p>In <a href='/rel'>CDATA</a></p>]]>",
    "caf\u00e9 \u00c3\u00a9t\u00c3\u00a9",  # mis-decoded UTF-8, which feedparser repairs
    "euro \u0080 and \u0093quotes\u0094",  # C1 controls, which feedparser reads as cp1252
    "Why &lt;meta&gt; tags matter",
    "",
    "  spaced  ",
    "&#8217;quoted&#x2019;",
]
_LINKS = [
    "https://a.example/1",
    "/relative/2",
    "entries/3.html",
    "http:///a.example/4",
    "https://a.example/?a=1&amp;amp;b=2",
    "javascript:alert(1)",
    "",
    "urn:uuid:5",
]
_DATES = ["Thu, 26 Nov 2026 10:00:00 +0100", "2026-11-27T10:00:00Z", "not a date", ""]

texts = st.sampled_from(_TEXTS)
links = st.sampled_from(_LINKS)
dates = st.sampled_from(_DATES)


def _el(name: str, body: str, attrs: str = "") -> str:
    return f"<{name}{attrs}>{body}</{name}>"


def _tag(part: str) -> str:
    """The element's name, to draw each part of an entry once (a spaced <link  is another)."""
    return part[1:].split(">")[0].split(" ")[0].rstrip("/") + ("2" if "<link  " in part else "")


rss_item_parts = st.one_of(
    texts.map(lambda t: _el("title", t)),
    links.map(lambda u: _el("link", u)),
    st.tuples(links, st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="True"'])).map(
        lambda p: _el("guid", p[0], p[1])
    ),
    texts.map(lambda t: _el("description", t)),
    texts.map(lambda t: _el("content:encoded", t)),
    dates.map(lambda d: _el("pubDate", d)),
    dates.map(lambda d: _el("dc:date", d)),
    texts.map(lambda t: _el("author", t)),
    st.sampled_from(
        [
            "<category>policy</category>",
            '<enclosure url="https://a.example/a.mp3" type="audio/mpeg" length="1"/>',
            "<comments>https://a.example/c</comments>",
            '<source url="https://b.example/rss">Other</source>',
            '<atom:link href="https://a.example/alt" rel="alternate" type="text/html"/>',
            '<atom:link href="https://a.example/self" rel="self"/>',
            "<wfw:commentRss>https://a.example/c/rss</wfw:commentRss>",
            "<slash:comments>3</slash:comments>",
            "<!-- a comment -->",
        ]
    ),
)
# Parts the fast path leaves to feedparser; at most one per entry, so most entries stay common.
RSS_SPICE = [
    '<title type="html">&lt;b&gt;x&lt;/b&gt;</title>',
    "<category>x<image><title>Nested</title></image></category>",
    "<media:title>Media</media:title>",
    "<summary>An RSS summary</summary>",
    "<id>https://a.example/id</id>",
    "<dc:creator>Dee</dc:creator>",
]


def _with_spice(
    parts: st.SearchStrategy[str], spice: list[str], name: str
) -> st.SearchStrategy[str]:
    """An element of distinct `parts` (repeats go to feedparser), now and then with one spice."""
    return st.tuples(
        st.lists(parts, max_size=8, unique_by=_tag),
        st.sampled_from([""] * 4 + spice),
        st.integers(0, 8),
    ).map(lambda p: _el(name, "".join([*p[0][: p[2]], p[1], *p[0][p[2] :]])))


rss_channel_parts = st.one_of(
    texts.map(lambda t: _el("title", t)),
    links.map(lambda u: _el("link", u)),
    st.sampled_from(
        [
            "<language>en-GB</language>",
            "<dc:language>fr</dc:language>",
            "<description>About</description>",
            '<atom:link href="https://a.example/rss" rel="self" type="application/rss+xml"/>',
            '<atom:link href="https://a.example/home" rel="alternate" type="text/html"/>',
            "<image><url>https://a.example/i.png</url><title>Logo</title><link>/</link></image>",
            "<sy:updatePeriod>hourly</sy:updatePeriod>",
            "<managingEditor>ed@a.example (Ed)</managingEditor>",
            "<lastBuildDate>Thu, 26 Nov 2026 10:00:00 +0100</lastBuildDate>",
        ]
    ),
)

rss_items = _with_spice(rss_item_parts, RSS_SPICE, "item")


def _children(
    parts: st.SearchStrategy[str], entries: st.SearchStrategy[str]
) -> st.SearchStrategy[list[str]]:
    """Distinct feed-level parts with the entries somewhere among them."""
    return st.tuples(
        st.lists(parts, max_size=5, unique_by=_tag),
        st.lists(entries, max_size=4),
        st.integers(0, 5),
    ).map(lambda p: [*p[0][: p[2]], *p[1], *p[0][p[2] :]])


rss_docs = st.tuples(
    st.sampled_from(["", '<?xml version="1.0" encoding="utf-8"?>', "\ufeff<?xml version='1.0'?>"]),
    st.sampled_from(["", ' xml:lang="de_DE"']),
    _children(rss_channel_parts, rss_items),
).map(
    lambda p: (
        f'{p[0]}<rss version="2.0"{p[1]} xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
        ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
        ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
        ' xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel>{''.join(p[2])}</channel></rss>"
    )
)

atom_types = st.sampled_from(["", ' type="text"', ' type="html"'])
atom_link = st.tuples(
    links,
    st.sampled_from(["", ' rel="alternate"', ' rel="self"', ' rel="enclosure"', ' rel="related"']),
    st.sampled_from(["", ' type="text/html"', ' type="html"', ' type="application/pdf"']),
).map(lambda p: f'<link href="{p[0]}"{p[1]}{p[2]}/>')
atom_entry_parts = st.one_of(
    st.tuples(texts, atom_types).map(lambda p: _el("title", p[0], p[1])),
    st.tuples(texts, atom_types).map(lambda p: _el("summary", p[0], p[1])),
    st.tuples(texts, atom_types).map(lambda p: _el("content", p[0], p[1])),
    atom_link,
    atom_link.map(lambda link: link.replace("<link", "<link ")),  # a second link, drawn apart
    links.map(lambda u: _el("id", u)),
    dates.map(lambda d: _el("updated", d)),
    dates.map(lambda d: _el("published", d)),
    st.sampled_from(
        [
            "<author><name>Ann</name><email>ann@a.example</email></author>",
            '<category term="policy"/>',
            "<contributor><name>Cy</name></contributor>",
            "<rights>CC</rights>",
        ]
    ),
)
ATOM_SPICE = [
    '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X <b>y</b></div></title>',
    '<content type="TEXT">upper</content>',
    '<content src="https://a.example/body" type="text/html"/>',
    "<link>https://a.example/text-link</link>",
    "<dc:subject>x</dc:subject>",
]
atom_entries = _with_spice(atom_entry_parts, ATOM_SPICE, "entry")
atom_feed_parts = st.one_of(
    st.tuples(texts, atom_types).map(lambda p: _el("title", p[0], p[1])),
    atom_link,
    links.map(lambda u: _el("id", u)),
    st.sampled_from(["<updated>2026-11-27T10:00:00Z</updated>", "<subtitle>Sub</subtitle>"]),
)
# a root xml:base: feedparser joins links and ids to it and gives it as every text's base
atom_bases = st.sampled_from(
    [
        "",
        ' xml:base="https://outlet.example/news/"',
        ' xml:base="http://outlet.example"',
        ' xml:base="/relative/"',
        ' xml:base="javascript:alert(1)"',
        ' xml:base="http:///outlet.example/"',
    ]
)
atom_docs = st.tuples(
    st.sampled_from(["", ' xml:lang="en"']),
    _children(atom_feed_parts, atom_entries),
    atom_bases,
).map(
    lambda p: (
        f'<feed xmlns="http://www.w3.org/2005/Atom"{p[0]}{p[2]}'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"{''.join(p[1])}</feed>"
    )
)


def _both(body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def outcome() -> object:
        try:
            feed = parse_feed(body, base_url=BASE)
        except FeedError as exc:
            return exc.reason
        return replace(feed, entries=[replace(e, author="") for e in feed.entries])

    fast = outcome()
    with monkeypatch.context() as m:
        m.setattr(parse_mod, "read_common_feed", lambda _body: None)
        slow = outcome()
    return fast, slow


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(rss_docs, atom_docs))
def test_the_fast_path_reads_what_it_accepts_as_feedparser_does(doc: str) -> None:
    body = doc.encode("utf-8")
    if read_common_feed(body) is None:
        return
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = _both(body, monkeypatch)
    assert fast == slow


def _bundled() -> list[tuple[str, bytes]]:
    samples = resources.files("digest").joinpath("data", "samples")
    index = tomllib.loads(samples.joinpath("index.toml").read_text("utf-8"))
    found = [(f["file"], samples.joinpath(f["file"]).read_bytes()) for f in index["feed"]]
    return found + [(p.name, p.read_bytes()) for p in sorted(FEEDS.iterdir())]


@pytest.mark.parametrize(("name", "body"), _bundled())
def test_bundled_feeds_read_the_same_either_way(
    name: str, body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = _both(body, monkeypatch)
    assert fast == slow, name


def test_the_common_feeds_take_the_fast_path() -> None:
    taken = {name for name, body in _bundled() if read_common_feed(body) is not None}
    assert {"ec-press-sample.xml", "eu-digital-watch.xml", "plain_text_content.atom"} <= taken


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel/></rss>',
        b'<!DOCTYPE rss [<!ENTITY x "y">]><rss version="2.0"><channel/></rss>',
        b'<rss version="0.91"><channel/></rss>',
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/x/"/>',
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry xml:base="https://a.example/">'
        b"<title>t</title></entry></feed>",
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/">'
        b'<entry xml:base="https://b.example/"><title>t</title></entry></feed>',
        b'<rss version="2.0"><channel><item><title>a<b>b</b></title></item></channel></rss>',
        b'<rss version="2.0"><channel><item><title>x</title><title>y</title></item></channel>'
        b"</rss>",
        b"<rss version='2.0'><channel><item><title>unclosed</channel></rss>",
        b"\xff\xfe<\x00r\x00s\x00s\x00",
    ],
)
def test_what_the_fast_path_leaves_to_feedparser(body: bytes) -> None:
    assert read_common_feed(body) is None


def test_an_atom_feed_with_an_absolute_root_base_takes_the_fast_path() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://outlet.example/news/">'
        b'<title>Outlet</title><entry><title>Fine</title><link href="17"/><id>tag:o,1</id>'
        b'<content type="html">&lt;a href="/about"&gt;x&lt;/a&gt;</content></entry></feed>'
    )
    assert read_common_feed(body) is not None
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = _both(body, monkeypatch)
    assert fast == slow
    assert isinstance(fast, ParsedFeed)
    assert fast.entries[0].link == "https://outlet.example/news/17"
    assert 'href="https://outlet.example/about"' in fast.entries[0].content_html


def test_fast_path_result_is_a_parsed_feed() -> None:
    feed = parse_feed((FEEDS / "plain_text_content.atom").read_bytes())
    assert isinstance(feed, ParsedFeed) and feed.bozo_reason is None
