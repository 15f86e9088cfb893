"""The simple-markup path tells a stray "<" in the text by counting: each tag it reads holds
exactly one "<", so any other "<" is text, and html.parser must read the markup instead."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.ingest import clean as clean_mod

_PIECES = [
    "<p>", "</p>", "<br/>", "<P class='x'>", '<div id="a>b">', '<a title="1<2">', "</a>",
    "<a href=x<y>", "< p>", "<", ">", "x < y", "a>b", "<<p>", "<p<", "&lt;", "word", " ", "'", '"',
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_counting_tags_finds_exactly_the_texts_with_a_stray_bracket(pieces):
    html = "".join(pieces)
    parts = clean_mod._SIMPLE_TAG.split(html)
    stray = any("<" in text for text in parts[::3])
    assert (html.count("<") != len(parts) // 3) == stray
    if stray:
        assert clean_mod._simple_paragraphs(html) is None


def test_a_bracket_in_the_text_goes_to_html_parser():
    assert clean_mod._simple_paragraphs("<p>1 < 2</p>") is None
    assert clean_mod._simple_paragraphs("<p>1 &lt; 2</p>") == ["1 < 2"]
    assert clean_mod.html_to_text("<p>1 < 2</p><p>three</p>") == "1 < 2\n\nthree"
