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

from digest.ingest import clean as clean_mod
from digest.judgement import cluster as cluster_mod
from storage.items import NewItem, store_entries
from storage.models import Item, Source, Story, StoryTag
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


def _source(db) -> Source:
    with db.session() as session:
        source = Source(url="https://fast.example.org/rss", name="Fast", jurisdiction="eu")
        session.add(source)
        session.flush()
        session.expunge(source)
    return source


def _new_item(source_id: int, key: str, title: str, digest: str = "") -> NewItem:
    return NewItem(
        source_id, key, None, title, "text", None, NOW, NOW, NOW, digest or f"hash-{key}", None
    )


def test_batched_story_insert_keeps_ids_in_group_order_even_with_equal_content(db):
    """Ids come back matched to their groups (by content hash, or row by row when two groups
    share one), so each story gets its own items' headline and tags."""
    source = _source(db)
    assert source.id is not None

    def tags(item, _source):
        return frozenset({f"topic-{item.title[-1]}"}), frozenset()

    for hashes in ("abcd", "aaca"):
        groups = [
            [_new_item(source.id, k, f"Headline {k}", h)]
            for k, h in zip("abcd", hashes, strict=True)
        ]
        with db.session() as session:
            ids = insert_stories(session, groups, {source.id: source}, tags)
        with db.session() as session:
            stories = {s.id: s for s in session.exec(select(Story).where(Story.id.in_(ids)))}  # type: ignore[union-attr]
            story_tags = {t.story_id: t.slug for t in session.exec(select(StoryTag))}
        assert [stories[i].headline for i in ids] == [f"Headline {k}" for k in "abcd"]
        assert [story_tags[i] for i in ids] == [f"topic-{k}" for k in "abcd"]


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
        assert held.item_count == 2 and held.headline == "First"


def _long_text(seed: int) -> str:
    words = [f"w{(seed * 7919 + i * 104729) % 5003}" for i in range(400)]
    return " ".join(words) + ". Ofcom fined Acme 3.5 million in Brussels on Tuesday."


def test_a_started_story_is_found_under_its_database_id_once_rekeyed():
    """A story started under a temporary id answers to the database's id after `rekey`, joins
    and pruning included; temporary ids are never handed out twice."""
    clusterer = cluster_mod.Clusterer()
    title = "Ofcom fines Acme over child safety"

    def item(title: str, seed: int) -> SimpleNamespace:
        return SimpleNamespace(title=title, text=_long_text(seed), published_at=NOW)

    clusterer.add(5, item("Unrelated", 2))
    first = clusterer.start(item(title, 1))
    assert first < 0 and clusterer.assign(item(title, 1)) == first  # same batch: the temp id
    clusterer.rekey(first, 42)
    assert clusterer.assign(item(title, 1)) == 42 and clusterer.max_id == 42
    clusterer.add(42, item(title + " again", 1))  # a join, by database id
    second = clusterer.start(item("Another story entirely", 3))
    assert second not in (first, 5, 42)
    assert clusterer.assign(item("Another story entirely", 3)) == second
    clusterer.forget(42)
    assert clusterer.assign(item(title, 1)) is None and len(clusterer) == 2


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
