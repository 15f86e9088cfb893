"""Document -> plain text: never raises, never lets control or escape characters through."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from core.document import Document, Section, SourceLink, StoryCard, story_ref
from digest.composition.textrender import render_text

_text = st.text(max_size=80)
_card = st.builds(
    StoryCard,
    id=st.integers(min_value=1, max_value=10**9),
    headline=_text,
    summary=_text,
    sources=st.lists(st.builds(SourceLink, name=_text, title=_text, url=_text), max_size=3),
    topics=st.lists(_text, max_size=2),
    pinned=st.booleans(),
)
_doc = st.builds(
    Document,
    kind=st.sampled_from(["brief", "digest", "alert", "notice", "error", "list", "help"]),
    title=_text,
    intro=_text,
    sections=st.lists(
        st.builds(Section, title=_text, stories=st.lists(_card, max_size=3), lines=st.lists(_text)),
        max_size=3,
    ),
    footer=st.lists(_text, max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(_doc)
def test_render_is_safe_for_a_terminal(doc):
    out = render_text(doc)
    for ch in out:
        assert ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"), repr(ch)
    for card in doc.stories():
        assert f"[{story_ref(card.id)}]" in out


def test_only_http_links_are_printed():
    card = StoryCard(
        id=5,
        headline="Headline\x1b[31m red",
        summary="Line one\nline two",
        sources=[
            SourceLink("Good", "t", "https://ok.example/a"),
            SourceLink("Bad", "t", "javascript:alert(1)"),
        ],
        pinned=True,
    )
    doc = Document(kind="brief", title="Brief: eu", sections=[Section(stories=[card])])
    assert render_text(doc).splitlines() == [
        "Brief: eu",
        "=========",
        "",
        "[pinned] [s5] Headline[31m red",
        "    Line one line two",
        "    - Good: https://ok.example/a",
        "    - Bad",
    ]
