"""The ingest fast paths (issue 2's benchmark) give exactly what the general paths give.

Each fast path is checked against the general code it short-cuts: html.parser for simple markup,
the Unicode route for ASCII text, the original regexes for the reordered ones, and row-by-row
RETURNING for the batched story and item inserts.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from digest import classify as classify_mod
from digest import clean as clean_mod
from digest import cluster as cluster_mod
from storage.items import NewItem, store_entries
from storage.models import Item, Source, Story
from storage.stories import insert_stories, refresh_stories

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

_PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "<br />", "<P class='x'>", '<div id="a>b">', "</div>",
    '<a href="https://x.example/?a=1&amp;b=2">', "</a>", "<b>", "</b>", "<li>", "</ul>",
    "<span style='color:red'>", "</span>", "<script>x</script>", "<style>p{}</style>",
    "<!-- c -->", "<![if !x]>", "<![endif]>", "<title>T</title>", "<o:p>", "</o:p>", "<img src=x>",
    "<h2 >", "</h2 >", "< p>", "<embed>", "&amp;", "&lt;", "&#8217;", "&nbsp;", "&", "&amp",
    "<", ">", "x < y", "a>b", " ", "\n", "\n\n", "\t", "\x00", "\x0b", "\x1c", "\x7f", "\u200b",
    "\u00e9", "\ufb01", "\uff24", "\u2028", "word", "Ofcom fines", "3.5 million", "'", '"', "=",
]  # fmt: skip


def _via_html_parser(html: str) -> list[str]:
    """What clean's general path (html.parser) makes of `html`."""
    parser = clean_mod._TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.paragraphs


def _tidy_general(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = clean_mod._SPACELIKE.sub(" ", s)
    s = clean_mod._INVISIBLE.sub("", s)
    return clean_mod._WS.sub(" ", s).strip()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_simple_markup_fast_path_matches_html_parser(pieces):
    html = "".join(pieces)
    fast = clean_mod._simple_paragraphs(html)
    if fast is not None:  # None: the markup is not simple, html.parser reads it
        tidy = [p for p in map(_tidy_general, fast) if p]
        assert tidy == [p for p in map(_tidy_general, _via_html_parser(html)) if p]


def test_simple_markup_fast_path_takes_feed_markup_and_declines_the_rest():
    html = "<p>Ofcom fines <a href='https://x.example/'>Site</a> &amp; co</p><p>Second<br/>line</p>"
    assert clean_mod._simple_paragraphs(html) == ["Ofcom fines Site & co", "Second", "line"]
    for tricky in ("<p>a</p><!-- c -->", "<script>1<2</script>", "a < b", "<o:p>x</o:p>"):
        assert clean_mod._simple_paragraphs(tricky) is None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09 _.,-'\t\n\r\x00\x0b\x0c\x1c\x1f\x7f"), max_size=40))
def test_ascii_fast_paths_match_the_unicode_paths(text):
    assert clean_mod.normalise_text(text) == _tidy_general(text)
    general_key = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())
    assert clean_mod.paragraph_key(text) == general_key


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("Ab9 .,!?:;'\"”’)]Éx\n"), max_size=60))
def test_reordered_cluster_regexes_match_the_originals(text):
    name = re.compile(r"(?<=[^\s.!?:;\"'”’)\]] )[A-ZÀ-ÖØ-Þ]\w*")
    number = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?")
    assert cluster_mod._NAME.findall(text) == name.findall(text)
    assert cluster_mod._NUMBER.findall(text) == number.findall(text)
    assert cluster_mod._NUMBER_ASCII.findall(text) == number.findall(text) or not text.isascii()
    assert cluster_mod._tokens(text) == cluster_mod._TOKEN.findall(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aSs' .-EUus\u2019\u00e9"), max_size=40))
def test_classify_folded_tokens_match_lowercasing_each_token(text):
    tokens, folded = classify_mod._tokens_and_folded(text)
    assert tokens == classify_mod._tokens(text)
    assert folded == [t.lower() for t in tokens]


def _source(db) -> Source:
    with db.session() as session:
        source = Source(url="https://fast.example.org/rss", name="Fast", jurisdiction="eu")
        session.add(source)
        session.flush()
        session.expunge(source)
    return source


def _new_item(source_id: int, key: str, title: str) -> NewItem:
    return NewItem(source_id, key, None, title, "text", None, NOW, NOW, NOW, f"hash-{key}", None)


def test_batched_story_insert_keeps_ids_in_group_order_even_with_equal_fingerprints(db):
    """Ids come back matched to their groups (by fingerprint, or row by row when two groups
    share one), so each story gets its own items' headline and tags."""
    source = _source(db)
    assert source.id is not None
    groups = [[_new_item(source.id, k, f"Headline {k}")] for k in "abcd"]

    def tags(item, _source):
        return frozenset({f"topic-{item.title[-1]}"}), frozenset()

    for fingerprints in (["f1", "f2", "f3", "f4"], ["same", "same", "f3", "same"]):
        with db.session() as session:
            ids = insert_stories(session, groups, {source.id: source}, tags, fingerprints)
        with db.session() as session:
            stories = {s.id: s for s in session.exec(select(Story).where(Story.id.in_(ids)))}  # type: ignore[union-attr]
        assert [stories[i].headline for i in ids] == [f"Headline {k}" for k in "abcd"]
        assert [stories[i].fingerprint for i in ids] == fingerprints


def test_refresh_updates_stories_held_by_the_session_and_reports_them(db):
    source = _source(db)
    assert source.id is not None
    with db.session() as session:
        result = store_entries(
            session,
            source.id,
            [
                clean_mod.CleanEntry("k1", None, "First", "one", NOW, None, "h1"),
                clean_mod.CleanEntry("k2", None, "Second", "two", NOW + timedelta(1), None, "h2"),
            ],
            NOW,
        )
        assert [i.entry_key for i in result.new] == ["k1", "k2"]
        [story_id] = insert_stories(
            session,
            [result.new[:1]],
            {source.id: source},
            lambda _i, _s: (frozenset(), frozenset()),
            ["fp"],
        )
        held = session.get(Story, story_id)
        assert held is not None and held.item_count == 1
        for new in result.new:  # (the pipeline sets story_id before the insert)
            row = session.get(Item, new.id)
            assert row is not None
            row.story_id = story_id
        assert refresh_stories(
            session, [story_id, 999_999], lambda _i, _s: (frozenset(), frozenset())
        ) == [story_id]
        # the Story object this session holds shows the new values
        assert held.item_count == 2 and held.headline == "First" and "two" in held.search_text


def _long_text(seed: int) -> str:
    words = [f"w{(seed * 7919 + i * 104729) % 5003}" for i in range(400)]
    return " ".join(words) + ". Ofcom fined Acme 3.5 million in Brussels on Tuesday."


def test_fingerprint_is_compact_and_round_trips_exactly():
    """A story's stored signature stays under 1 KB however long its text (two 64-value sketches
    of four bytes each, base64) and reads back to the very same signature."""
    sig = cluster_mod.signature("Ofcom fines Acme over child safety", _long_text(1))
    assert len(sig.shingles) == len(sig.words[0]) == 64
    stored = sig.to_json()
    assert len(stored) < 1000
    assert cluster_mod.Signature.from_json(stored) == sig
    # values outside 32 bits are not a valid stored sketch, and garbage is refused, not guessed
    assert cluster_mod.Signature.from_json(stored.replace('"h":"', '"h":"!')) is None


def test_rekey_moves_a_story_in_shared_and_single_buckets():
    """A temporary story id replaced by the database's is found under the new id only, both
    where it shared an index key with another story and where it was alone."""
    clusterer = cluster_mod.Clusterer()
    title = "Ofcom fines Acme over child safety"
    first = SimpleNamespace(title=title, text=_long_text(1), published_at=NOW)
    again = SimpleNamespace(title=title, text=_long_text(1), published_at=NOW)
    other = SimpleNamespace(title="Unrelated", text=_long_text(2), published_at=NOW)
    clusterer.add(5, other)
    clusterer.add(-1, first)
    clusterer.rekey(-1, 42)
    assert clusterer.assign(again) == 42
    assert all(b != -1 if isinstance(b, int) else -1 not in b for b in clusterer._index.values())
    assert clusterer.fingerprint(42) and clusterer.fingerprint(-1) == ""


def test_index_entries_are_not_tracked_by_the_garbage_collector():
    """The clusterer keeps thousands of stories for days: once the collector has seen them,
    their entries cost nothing on each full collection."""
    clusterer = cluster_mod.Clusterer()
    for n in range(1, 4):
        item = SimpleNamespace(title=f"Story {n}", text=_long_text(n), published_at=NOW)
        clusterer.add(n, item)
    for _ in range(5):  # a tuple is untracked once its items are: a level or so per collection
        gc.collect()
    assert not any(gc.is_tracked(entry) for entry in clusterer._stories.values())
