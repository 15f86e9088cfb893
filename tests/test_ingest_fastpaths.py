"""The ingest fast paths (issue 2's benchmark) give exactly what the general paths give.

Each fast path is checked against the general code it short-cuts: html.parser for simple markup,
the Unicode route for ASCII text, and row-by-row
RETURNING for the batched story insert.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from core.ingest import JudgePlan, NewStory, StaleJudgement
from core.tags import Tags
from digest.ingest import clean as clean_mod
from storage.models import Story, StoryTag
from storage.store import Storage

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


def test_batched_story_insert_keeps_ids_in_plan_order_even_with_equal_content(db):
    """New stories' ids come back matched to the plan (by content hash, or row by row when two
    stories share one), so each story gets its own headline and tags."""
    store = Storage(db)
    for hashes in ("abcd", "aaca"):
        generation = store.ingest.generation()
        stories = tuple(
            NewStory(
                key=-(n + 1),
                headline=f"Headline {k}",
                first_seen_at=NOW,
                last_seen_at=NOW,
                item_count=1,
                source_count=1,
                official=False,
                content_hash=h,
                tags=Tags(frozenset({f"topic-{k}"}), frozenset()),
            )
            for n, (k, h) in enumerate(zip("abcd", hashes, strict=True))
        )
        result = store.ingest.apply(JudgePlan(generation=generation, new_stories=stories))
        ids = [result.ids[n.key] for n in stories]
        with db.session() as session:
            found = {s.id: s for s in session.exec(select(Story).where(Story.id.in_(ids)))}  # type: ignore[union-attr]
            story_tags = {t.story_id: t.slug for t in session.exec(select(StoryTag))}
        assert [found[i].headline for i in ids] == [f"Headline {k}" for k in "abcd"]
        assert [story_tags[i] for i in ids] == [f"topic-{k}" for k in "abcd"]


def test_a_plan_read_before_another_judgement_is_refused_and_writes_nothing(db):
    store = Storage(db)
    generation = store.ingest.generation()
    store.ingest.apply(JudgePlan(generation=generation))
    late = NewStory(-1, "Late", NOW, NOW, 1, 1, False, "late", Tags(frozenset(), frozenset()))
    with pytest.raises(StaleJudgement):
        store.ingest.apply(JudgePlan(generation=generation, new_stories=(late,)))
    assert store.ingest.generation() == generation + 1
    with db.session() as session:
        assert session.exec(select(Story)).all() == []


def test_a_large_story_is_refreshed_from_a_bounded_sample_with_true_totals(db):
    """Counts and times are aggregates over every member; the headline is still the official
    source's first item; the content hash changes when a member is added in the middle."""
    from storage.models import Item, Source

    store = Storage(db)
    with db.session() as session:
        wire = Source(url="https://wire.example.org/rss", name="Wire")
        agency = Source(url="https://agency.example.org/rss", name="Agency", official=True)
        story = Story(headline="?", first_seen_at=NOW, last_seen_at=NOW)
        session.add_all([wire, agency, story])
        session.flush()
        ids = (wire.id, agency.id, story.id)
    wire_id, agency_id, story_id = ids
    assert wire_id and agency_id and story_id

    def item(n: int, source_id: int, title: str) -> Item:
        return Item(
            source_id=source_id,
            entry_key=f"k{n}",
            title=title,
            text="t",
            published_at=NOW + timedelta(minutes=n),
            content_hash=f"h{n:04d}",
            story_id=story_id,
            pending=False,
        )

    with db.session() as session:
        session.add_all(item(n, wire_id, f"Report {n}") for n in range(0, 120, 2))
        session.add(item(61, agency_id, "The agency's own notice"))
    store.ingest.refresh([story_id])
    with db.session() as session:
        got = session.get(Story, story_id)
        assert got is not None
        before = got.content_hash
        assert (got.item_count, got.source_count, got.official) == (61, 2, True)
        assert got.headline == "The agency's own notice"
        assert (got.first_seen_at, got.last_seen_at) == (NOW, NOW + timedelta(minutes=118))
        session.add(item(59, wire_id, "Report 59"))  # in the middle, outside the sample
    store.ingest.refresh([story_id])
    with db.session() as session:
        got = session.get(Story, story_id)
        assert got is not None and got.item_count == 62 and got.content_hash != before
