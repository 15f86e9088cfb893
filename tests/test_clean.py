"""Cleaning: HTML to text, canonical links, entry keys, clean entries, boilerplate removal."""

from __future__ import annotations

import tomllib
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from url_normalize import url_normalize

from digest.ingest import clean as clean_mod
from digest.ingest.clean import (
    CleanEntry,
    canonical_url,
    clean_entry,
    entry_key,
    html_to_text,
    normalise_text,
    plain_to_text,
    strip_boilerplate,
    title_to_text,
)
from digest.ingest.parse import RawEntry, parse_feed
from tests.realnews import title_and_summary

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def raw(**kw) -> RawEntry:
    base = {"guid": None, "link": None, "title": ""}
    base.update(kw)
    return RawEntry(**base)


def has_invisible(s: str) -> bool:
    return any(unicodedata.category(c) in INVISIBLE_CATEGORIES and c != "\n" for c in s)


# -- html_to_text ---------------------------------------------------------------------------------


def test_html_to_text_drops_scripts_styles_and_comments():
    html = (
        "<p>Ofcom fines site</p><script>alert('x'); var a = '<p>no</p>';</script>"
        "<style>p { color: red }</style><!-- tracking comment --><p>Second paragraph</p>"
        "<noscript>enable JS</noscript>"
    )
    assert html_to_text(html) == "Ofcom fines site\n\nSecond paragraph"


def test_html_to_text_decodes_entities_and_keeps_inline_words_together():
    html = (
        "<p>Apple&#8217;s &amp; Google&rsquo;s <b>app</b><i>stores</i>&nbsp;"
        "face &lt;DMA&gt; rules</p>"
    )
    assert html_to_text(html) == "Apple’s & Google’s appstores face <DMA> rules"


def test_html_to_text_block_tags_become_paragraphs_and_whitespace_collapses():
    html = "<div>One\n   line</div><ul><li>first</li><li>second</li></ul>Tail<br>after break"
    assert html_to_text(html) == "One line\n\nfirst\n\nsecond\n\nTail\n\nafter break"


def test_html_to_text_removes_invisible_characters():
    html = "<p>Cou\u200bpang\u200d data\u00a0breach\u202e reversed\ufeff</p><p>\x00ctrl\x07</p>"
    text = html_to_text(html)
    assert text == "Coupang data breach reversed\n\nctrl"
    assert not has_invisible(text)


def test_html_to_text_on_plain_text_keeps_paragraphs():
    assert html_to_text("First para\nsame para\n\n\nSecond &amp; last") == (
        "First para same para\n\nSecond & last"
    )


def test_html_to_text_survives_markup_html_parser_rejects():
    # html.parser raises on Word's conditional markers; they go, the words stay.
    html = "<p><![if !supportLists]>1.<![endif]>hello</p><p>world<![junk</p>"
    assert html_to_text(html).startswith("1.hello\n\nworld")


def test_html_to_text_unclosed_void_or_head_elements_do_not_swallow_the_text():
    html = "<html><head><meta charset=utf-8><body><p>Kept <embed src=x> too</p><p>and this</p>"
    assert html_to_text(html) == "Kept too\n\nand this"


def test_plain_text_is_kept_literally():
    text = "Use <b> for bold &amp; <script>x</script>\n\n\n second\u200b para "
    assert plain_to_text(text) == "Use <b> for bold &amp; <script>x</script>\n\nsecond para"
    assert plain_to_text("") == ""


def test_markup_titles_are_reduced_to_one_line_of_text():
    title = "<div>EU <b>fines</b><!-- c --><script>x()</script><p>Acme &amp; co</p></div>"
    assert title_to_text(title, "html") == "EU fines Acme & co"
    assert title_to_text("AT&amp;T fined <10%", "html") == "AT&T fined <10%"
    assert title_to_text("Why <meta> tags matter") == "Why <meta> tags matter"


def test_clean_entry_reads_each_part_by_its_type():
    entry = clean_entry(
        raw(
            guid="g",
            title="<i>Markup</i> title",
            title_type="html",
            summary_html="<p>summary</p>",
            content_html="&lt;b&gt; is literal",
            content_type="text",
        ),
        now=NOW,
    )
    assert entry is not None
    assert (entry.title, entry.text) == ("Markup title", "&lt;b&gt; is literal")
    only_summary = clean_entry(raw(title="t", summary_html="a <b>", summary_type="text"), now=NOW)
    assert only_summary is not None and only_summary.text == "a <b>"


def test_keyless_markup_titles_hash_their_words_not_their_markup():
    when = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    a = entry_key(raw(title="Q&amp;A <b>session</b>", title_type="html", published=when))
    b = entry_key(raw(title="Q&A <strong>session</strong>", title_type="html", published=when))
    assert a == b


def test_object_fallback_text_is_kept_but_iframe_content_is_not():
    assert html_to_text("safe<object classid='x'> <b>description</b>") == "safe description"
    assert html_to_text("safe<iframe src='x'> description</iframe>") == "safe"


def test_normalise_text_for_titles():
    assert normalise_text("  EU\u200b  fines\tApple\n\u2066now\u2069 ") == "EU fines Apple now"
    assert normalise_text("ﬁnal ＤＳＡ") == "final DSA"  # NFKC


# -- canonical_url --------------------------------------------------------------------------------


def test_canonical_url_removes_tracking_keeps_other_params_in_order():
    url = (
        "HTTPS://News.Example.COM:443/story/1?b=2&utm_source=rss&a=1&fbclid=XYZ&gclid=1"
        "&mc_cid=9&mc_eid=8&igshid=7&ref_src=twsrc&_hsenc=p2&_hsmi=3&mkt_tok=t&yclid=5#comments"
    )
    assert canonical_url(url) == "https://news.example.com/story/1?b=2&a=1"


def test_canonical_url_rejects_non_http_and_relative():
    for bad in [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://example.com/file",
        "/relative/path",
        "//example.com/x",
        "mailto:a@b.c",
        "",
        None,
        "http://",
        "http://exa mple.com/",
        "http://[::1",
    ]:
        assert canonical_url(bad) is None, bad


def test_canonical_url_normalises_host_port_and_userinfo():
    assert canonical_url("http://user:pw@Example.com:80") == "http://example.com/"
    assert canonical_url("https://example.com:8443/a b") == "https://example.com:8443/a%20b"
    assert canonical_url(" https://example.com/x?utm_medium=feed ") == "https://example.com/x"


def test_canonical_url_normalises_encoding_dot_segments_and_international_hosts():
    assert canonical_url("https://ex.org/%7euser/a/../b/./c?q=%c3%a4") == (
        "https://ex.org/~user/b/c?q=%C3%A4"
    )
    assert canonical_url("http://Bücher.example/straße?q=ä") == (
        "http://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4"
    )
    # IDNA 2008: "ß" is a letter of its own, not "ss"
    assert canonical_url("https://straße.example/") == "https://xn--strae-oqa.example/"
    assert canonical_url("https://ex.org/a?utm%5Fsource=x&id=1") == "https://ex.org/a?id=1"
    assert canonical_url("https://ex.org/a?srsltid=abc&itm_source=s&gad_source=1&p=2") == (
        "https://ex.org/a?p=2"
    )


plain_parts = st.text(alphabet=st.sampled_from(list("aZ09-._~/:@!$&'()*+,;=?")), max_size=24)


@settings(max_examples=400, deadline=None)
@given(plain_parts, plain_parts)
def test_plain_links_skip_the_library_because_it_would_not_change_them(path, query):
    path = "/" + path.replace("?", "")
    query = query.replace("?", "")
    url = f"https://ex.example{path}" + (f"?{query}" if query else "")
    if clean_mod._is_plain(url, path, query):
        kept = "&".join(p for p in query.split("&") if p)
        expected = f"https://ex.example{path}" + (f"?{kept}" if kept else "")
        assert url_normalize(expected) == expected


plain_links = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}{path}{query}",
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["ex.example", "a-b.example.org", "Ex.example", "ex.example.", "x:8080"]),
    st.one_of(st.just(""), plain_parts.map(lambda p: "/" + p.replace("?", ""))),
    st.one_of(
        st.just(""),
        st.lists(
            st.sampled_from(["utm_source=rss", "id=1", "a==b", "", "q=x?y", "gclid=z", "p=%41"]),
            max_size=4,
        ).map(lambda pairs: "?" + "&".join(pairs)),
    ),
)


@settings(max_examples=400, deadline=None)
@given(plain_links)
def test_plain_links_take_the_short_path_to_the_same_address(url):
    assert canonical_url(url) == clean_mod._canonical(url)


# -- entry_key ------------------------------------------------------------------------------------


def test_entry_key_prefers_guid():
    assert entry_key(raw(guid="  tag:x,2026:1 ", link="https://a.example/1")) == "tag:x,2026:1"


def test_entry_key_falls_back_to_canonical_link():
    a = entry_key(raw(link="https://a.example/1?utm_source=rss"))
    b = entry_key(raw(link="https://A.example/1?utm_source=newsletter#top"))
    assert a == b == "https://a.example/1"


def test_entry_key_falls_back_to_hash_of_title_and_date():
    when = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    a = entry_key(raw(title="Coupang breach", published=when))
    assert a.startswith("sha256:") and len(a) == len("sha256:") + 64
    assert entry_key(raw(title="Coupang  breach", published=when)) == a  # whitespace only
    assert entry_key(raw(title="Coupang breach", published=when + timedelta(days=1))) != a
    assert entry_key(raw(title="Coupang breach", updated=when)) == a


def test_entry_key_hashes_overlong_guids():
    key = entry_key(raw(guid="x" * 1000))
    assert key.startswith("sha256:") and len(key) < 100


# -- clean_entry ----------------------------------------------------------------------------------


def test_clean_entry_builds_a_clean_entry():
    entry = clean_entry(
        raw(
            guid="g1",
            link="https://ex.example/a?utm_campaign=x&id=3",
            title="Korea &amp; the\u200b <b>Coupang</b> breach",
            summary_html="<p>short</p>",
            content_html="<p>Full text.</p><script>x()</script><p>More.</p>",
            published=datetime(2026, 11, 3, 17, 0, tzinfo=timezone(timedelta(hours=9))),
            language="en-US",
        ),
        now=NOW,
    )
    assert entry == CleanEntry(
        entry_key="g1",
        url="https://ex.example/a?id=3",
        title="Korea & the Coupang breach",
        text="Full text.\n\nMore.",
        published_at=datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
        language="en-us",
        content_hash=entry.content_hash,
    )
    assert len(entry.content_hash) == 64


def test_clean_entry_titles_lose_formatting_but_keep_literal_angle_brackets():
    def title(t: str) -> str:
        entry = clean_entry(raw(guid="g", title=t), now=NOW)
        assert entry is not None
        return entry.title

    assert title("A <b>bold</b> <a href='x'>move</a>") == "A bold move"
    assert title("Why <title> and <meta> tags matter") == "Why <title> and <meta> tags matter"
    assert title("AT&T &amp; R&D fined <10%") == "AT&T & R&D fined <10%"


def test_clean_entry_none_when_nothing_usable():
    assert clean_entry(raw(title="  \u200b ", summary_html="<script>x</script>"), now=NOW) is None


def test_clean_entry_title_from_text_when_missing():
    entry = clean_entry(raw(summary_html="<p>" + "word " * 40 + "</p>"), now=NOW)
    assert entry is not None
    assert entry.title.endswith("…") and len(entry.title) <= 91


def test_clean_entry_dates_fall_back_and_are_aware_utc():
    updated = datetime(2026, 11, 2, 10, 0)  # naive: taken as UTC
    e1 = clean_entry(raw(title="t", updated=updated), now=NOW)
    assert e1 is not None and e1.published_at == updated.replace(tzinfo=UTC)
    e2 = clean_entry(raw(title="t"), now=NOW)
    assert e2 is not None and e2.published_at == NOW
    future = clean_entry(raw(title="t", published=NOW + timedelta(days=30)), now=NOW)
    assert future is not None and future.published_at == NOW


def test_clean_entry_content_hash_changes_on_edit_only():
    a = clean_entry(raw(guid="g", title="T", summary_html="<p>one</p>"), now=NOW)
    b = clean_entry(raw(guid="g", title="T", summary_html="<p>one</p>"), now=NOW + timedelta(1))
    c = clean_entry(raw(guid="g", title="T", summary_html="<p>one, edited</p>"), now=NOW)
    assert a and b and c
    assert a.content_hash == b.content_hash != c.content_hash
    assert a.entry_key == c.entry_key


def test_clean_entry_drops_headline_repeated_as_first_paragraph():
    entry = clean_entry(
        raw(title="EU fines Apple", content_html="<h1>EU fines Apple!</h1><p>Body.</p>"), now=NOW
    )
    assert entry is not None and entry.text == "Body."


# -- strip_boilerplate ----------------------------------------------------------------------------


def newsletter_entries() -> list[CleanEntry]:
    """The real sample newsletter, one entry per story, each with its footer still attached."""
    paragraphs = [
        p.strip()
        for p in (DATA / "policy-newsletter-sample.txt").read_text("utf-8").split("\n\n")
        if p.strip()
    ]
    stories: list[list[str]] = [[]]
    for p in paragraphs:
        stories[-1].append(p)
        if p.startswith("Would you like to learn more"):
            stories.append([])
    entries = []
    for n, story in enumerate(s for s in stories if s):
        html = "".join(f"<p>{p}</p>" for p in story[1:])
        entry = clean_entry(raw(guid=f"n{n}", title=story[0], summary_html=html), now=NOW)
        assert entry is not None
        entries.append(entry)
    return entries


def test_newsletter_footer_removed_from_every_story():
    entries = newsletter_entries()
    assert len(entries) == 10
    assert all("Diplo chatbot" in e.text for e in entries)  # the footer is there to begin with
    stripped = strip_boilerplate(entries)
    assert len(stripped) == len(entries)
    for before, after in zip(entries, stripped, strict=True):
        assert "Diplo chatbot" not in after.text
        assert "digital diplomacy" not in after.text
        assert after.text, "the story itself must survive"
        assert after.content_hash != before.content_hash
        assert after.entry_key == before.entry_key and after.title == before.title
    # A paragraph told in one story only survives.
    coupang = next(e for e in stripped if "Coupang" in e.title)
    assert "33.67 million user accounts were exposed" in coupang.text


def test_boilerplate_needs_recurrence_and_a_big_enough_batch():
    def entry(key: str, text: str) -> CleanEntry:
        e = clean_entry(raw(guid=key, title=key, summary_html=text), now=NOW)
        assert e is not None
        return e

    shared = "Subscribe to our weekly digest for more."
    two = [entry("a", f"Story A.\n\n{shared}"), entry("b", f"Story B.\n\n{shared}")]
    assert strip_boilerplate(two) == two  # below min_entries: nothing to compare against
    batch = [*two, entry("c", "Story C."), entry("d", "Story D."), entry("e", "Story E.")]
    assert strip_boilerplate(batch) == batch  # 2 of 5 is below the 50% share
    batch = [*two, entry("c", f"Story C.\n\n{shared}!"), entry("d", "Story D.")]
    texts = [e.text for e in strip_boilerplate(batch)]
    assert texts == ["Story A.", "Story B.", "Story C.", "Story D."]


def test_duplicate_entries_in_a_batch_are_not_stripped_bare():
    e = clean_entry(raw(guid="x", title="t", summary_html="Only paragraph."), now=NOW)
    f = clean_entry(raw(guid="y", title="u", summary_html="Other paragraph."), now=NOW)
    assert e and f
    assert [x.text for x in strip_boilerplate([e, e, e, f])] == [e.text] * 3 + [f.text]


def test_known_promo_lines_go_even_in_small_batches():
    e = clean_entry(
        raw(
            guid="x",
            title="t",
            summary_html="<p>Real news.</p><p>The post Real news appeared first on Some Blog.</p>",
        ),
        now=NOW,
    )
    assert e is not None
    assert strip_boilerplate([e])[0].text == "Real news."


@pytest.mark.parametrize("item_id", ["r1117", "r1138", "r1207", "r1228"])
def test_an_aggregators_list_of_outlets_is_not_the_storys_text(item_id: str):
    # real Techmeme items: below the headline, a time stamp and "More: CNBC, Reuters, ..."; the
    # outlets' names would tag the story with their countries and fill its card
    title, summary = title_and_summary(item_id, dev_only=True)
    e = clean_entry(raw(guid=item_id, title=title, summary_html=summary), now=NOW)
    assert e is not None and "More:" in e.text
    text = strip_boilerplate([e])[0].text
    assert "More:" not in text and "Cryptopolitan" not in text and ", 20" not in text
    assert not any(name in text for name in ("CNBC", "Ars Technica", "@openai", "Hacker News"))


def test_a_list_of_outlets_is_recognised_with_the_longest_label_and_not_past_it():
    names = ": Reuters, Politico, Euractiv, Le Monde, Der Spiegel"
    longest = "A" + "b" * 24  # the colon as far in as a label may put it
    entries = [
        clean_entry(
            raw(guid="g", title="Fine", summary_html=f"<p>Real news.</p><p>{label}{names}</p>"),
            now=NOW,
        )
        for label in (longest, longest + "c")
    ]
    kept, longer = strip_boilerplate([e for e in entries if e is not None])
    assert kept.text == "Real news."
    assert longer.text == f"Real news.\n\n{longest}c{names}"


@pytest.mark.parametrize(
    "paragraph",
    [
        "Update: The Commission fined Apple, Google, Meta, Amazon and X, the five gatekeepers.",
        "Background: The DSA, the DMA, the AI Act, the Data Act and the GDPR all apply.",
        "The bill covers Meta, Google, Apple, Amazon, TikTok and Snap.",
        "May 2025 was the month the rules took effect.",
    ],
)
def test_prose_with_names_and_dates_stays(paragraph: str):
    e = clean_entry(
        raw(guid="x", title="t", summary_html=f"<p>Lead.</p><p>{paragraph}</p>"), now=NOW
    )
    assert e is not None
    assert strip_boilerplate([e])[0].text == f"Lead.\n\n{paragraph}"


# -- the bundled sample feeds ---------------------------------------------------------------------


def sample_batches() -> dict[str, list[CleanEntry]]:
    samples = resources.files("digest").joinpath("data", "samples")
    index = tomllib.loads(samples.joinpath("index.toml").read_text("utf-8"))
    out = {}
    for feed in index["feed"]:
        parsed = parse_feed(samples.joinpath(feed["file"]).read_bytes())
        entries = [e for e in (clean_entry(r, now=NOW) for r in parsed.entries) if e]
        assert len(entries) == len(parsed.entries) == feed["items"]
        out[feed["name"]] = strip_boilerplate(entries)
    return out


def test_sample_feeds_clean_up():
    batches = sample_batches()
    assert len(batches) == 5
    entries = [e for batch in batches.values() for e in batch]
    assert len(entries) >= 45
    assert len({(name, e.entry_key) for name, b in batches.items() for e in b}) == len(entries)
    for e in entries:
        assert "PolicyBot" not in e.text and "learn more about digital policy" not in e.text
        assert "<" not in e.text and "document.write" not in e.text and "&amp;" not in e.text
        assert not has_invisible(e.title + e.text)
        assert e.url and e.url.startswith("https://") and "utm_" not in e.url
        assert "fbclid" not in e.url and "#" not in e.url
        assert e.published_at.year == 2026 and e.published_at.tzinfo is UTC


# -- properties -----------------------------------------------------------------------------------

html_fragments = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            ["<p>", "</p>", "<script>", "</script>", "<br/>", "<!--", "-->", "&amp;", "&#0;"]
            + ["&#x200b;", "<![", "<div>", "</div>", "<style>", "\u202e", "\x00", "&"]
        ),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(html_fragments)
def test_html_to_text_never_raises_and_never_emits_invisible_chars(html):
    text = html_to_text(html)
    assert not has_invisible(text)
    assert "\n\n\n" not in text and text == text.strip()
    for paragraph in text.split("\n\n") if text else []:
        assert paragraph and "\n" not in paragraph and "  " not in paragraph


url_parts = st.text(
    alphabet=st.sampled_from(list("aZ09-._~:/?#[]@!$&'()*+,;=% \u200bé")), max_size=20
)
urls = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, path, query: f"{scheme}://{host}/{path}?{query}",
        st.sampled_from(["http", "https", "HTTP", "javascript", "ftp", "data", ""]),
        url_parts,
        url_parts,
        st.lists(
            st.tuples(
                st.sampled_from(
                    ["utm_source", "UTM_Medium", "utm%5Fcampaign", "id", "q", "fbclid"]
                ),
                url_parts,
            ),
            max_size=4,
        ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
    ),
)


@settings(max_examples=400, deadline=None)
@given(urls)
def test_canonical_url_returns_none_or_a_clean_http_url(url):
    out = canonical_url(url)
    if out is None:
        return
    parts = urlsplit(out)
    assert parts.scheme in ("http", "https") and parts.netloc
    assert not parts.fragment
    assert not any(ch.isspace() for ch in out) and not has_invisible(out)
    keys = [k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
    assert not any(k.startswith("utm_") or k == "fbclid" for k in keys)
    assert canonical_url(out) == out  # idempotent


raw_entries = st.builds(
    RawEntry,
    guid=st.one_of(st.none(), st.text(max_size=20)),
    link=st.one_of(st.none(), urls),
    title=st.one_of(st.text(max_size=40), html_fragments),
    summary_html=html_fragments,
    content_html=st.one_of(st.just(""), html_fragments),
    published=st.one_of(st.none(), st.datetimes(timezones=st.sampled_from([None, UTC]))),
    updated=st.none(),
    language=st.one_of(st.none(), st.sampled_from(["en", "EN_us", "x" * 40, "", "fr-CA"])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(raw_entries, max_size=6))
def test_clean_entry_and_boilerplate_never_raise(raws):
    entries = [e for e in (clean_entry(r, now=NOW) for r in raws) if e is not None]
    for e in strip_boilerplate(entries):
        assert e.title and e.entry_key
        assert e.published_at.tzinfo is UTC and e.published_at <= NOW + timedelta(minutes=5)
        assert not has_invisible(e.title) and not has_invisible(e.text)
        assert e.url is None or e.url.startswith(("http://", "https://"))
        assert e.language is None or e.language == e.language.lower()


def test_entries_sharing_a_key_get_keys_of_their_own_in_any_order():
    from dataclasses import replace as _replace

    from core.ingest import CleanEntry
    from digest.ingest.clean import distinct_keys

    when = datetime(2026, 11, 20, tzinfo=UTC)
    a = CleanEntry("g", "https://x.example/a", "A", "a", when, None, "ha")
    b = CleanEntry("g", "https://x.example/b", "B", "b", when, None, "hb")
    twin = _replace(a)
    forward = {e.url: e.entry_key for e in distinct_keys([a, b, twin])}
    backward = {e.url: e.entry_key for e in distinct_keys([b, twin, a])}
    assert forward == backward
    assert forward["https://x.example/a"] == "g"  # the smallest link keeps the feed's key
    assert forward["https://x.example/b"].startswith("g#")
    assert [e.entry_key for e in distinct_keys([a, twin])] == ["g", "g"]  # true duplicates
