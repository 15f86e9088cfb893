"""Document -> embeds: every Discord limit holds and no hostile text can ping or spoof a link."""

from __future__ import annotations

import re

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord.render import LIMITS, escape_text, render, safe_url
from core.document import Document, Section, SourceLink, StoryCard

HOSTILE = [
    "@everyone",
    "@here",
    "@EVERYONE",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "</brief:123>",
    "[click me](https://evil.example/steal)",
    "[x] (https://evil.example)",
    "[a]\n(https://evil.example)",
    "**bold** __u__ ~~s~~ ||spoiler|| `code` ```block```",
    "> quote",
    "# heading",
    "\\",
    "]( ",
    "<",
    "@",
    "\u200b",
    "https://evil.example/a_b",
]

hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)), max_size=8).map(
    "".join
)
long_text = st.one_of(hostile_text, st.builds(lambda s, n: s * n, hostile_text, st.integers(1, 80)))
urls = st.one_of(
    st.sampled_from(
        [
            "https://news.example/a",
            "http://news.example/b?q=1&r=(2)",
            "https://news.example/@everyone",
            "https://news.example/a b",
            "javascript:alert(1)",
            "https://trusted.example@evil.example/",
            "ftp://files.example/x",
            "",
        ]
    ),
    st.text(max_size=30),
)
links = st.builds(SourceLink, name=hostile_text, title=hostile_text, url=urls)
cards = st.builds(
    StoryCard,
    id=st.integers(0, 10**9),
    headline=long_text,
    summary=long_text,
    sources=st.lists(links, max_size=7),
    topics=st.lists(hostile_text, max_size=3),
    jurisdictions=st.lists(hostile_text, max_size=2),
    published_at=st.sampled_from(["", "2026-11-28T09:00:00+00:00"]),
    pinned=st.booleans(),
)
sections = st.builds(
    Section,
    title=hostile_text,
    stories=st.lists(cards, max_size=5),
    lines=st.lists(long_text, max_size=5),
)
documents = st.builds(
    Document,
    kind=st.sampled_from(["brief", "digest", "alert", "notice", "list", "error", "help"]),
    title=long_text,
    intro=long_text,
    sections=st.lists(sections, max_size=4),
    footer=st.lists(hostile_text, max_size=3),
)

_LINK_TARGET = re.compile(r"\]\(([^)]*)\)")


def _texts(embed: discord.Embed) -> list[str]:
    out = [embed.title or "", embed.description or "", embed.footer.text or ""]
    out.append(embed.author.name or "")
    out += [f"{f.name}\n{f.value}" for f in embed.fields]
    return out


def _check(doc: Document) -> None:
    messages = render(doc)
    assert messages
    allowed = {safe_url(s.url) for card in doc.stories() for s in card.sources} - {None}
    for message in messages:
        assert 1 <= len(message.embeds) <= LIMITS.embeds
        assert sum(len(e) for e in message.embeds) <= LIMITS.total
        assert len(message.content or "") <= LIMITS.content
        assert len(message.story_refs) <= 12
        for embed in message.embeds:
            assert len(embed.title or "") <= LIMITS.title
            assert len(embed.description or "") <= LIMITS.description
            assert len(embed.fields) <= LIMITS.fields
            assert len(embed.footer.text or "") <= LIMITS.footer
            assert len(embed.author.name or "") <= LIMITS.author
            assert embed.url is None or embed.url in allowed
            assert len(embed) > 0  # Discord rejects an empty embed
            for text in _texts(embed):
                low = text.lower()
                assert "@everyone" not in low and "@here" not in low
                for mark in ("<@", "<#", "</", "<@&"):
                    assert mark not in text
                # Every masked link points at a stored source URL, never at one from the text.
                for target in _LINK_TARGET.findall(text):
                    assert target in allowed, (target, text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_renders_within_limits_with_nothing_hostile(doc):
    _check(doc)


def test_a_long_briefing_is_split_over_several_messages():
    stories = [
        StoryCard(
            id=i,
            headline=f"Story {i}",
            summary="word " * 500,
            sources=[SourceLink("Agency", "t", f"https://news.example/{i}")],
        )
        for i in range(30)
    ]
    doc = Document(kind="digest", title="Daily digest", sections=[Section("EU", stories)])
    messages = render(doc)
    assert len(messages) >= 3
    _check(doc)
    titles = [e.title for m in messages for e in m.embeds]
    assert titles[0] == "Daily digest"
    assert [t for t in titles if t and t.startswith("Story ")] == [f"Story {i}" for i in range(30)]


def test_a_story_card_links_only_to_its_source_and_shows_ref_and_tags():
    card = StoryCard(
        id=40,
        headline="EU fines platform [read more](https://evil.example)",
        summary="The Commission acted. @here",
        sources=[
            SourceLink("Reuters", "EU fines", "https://reuters.example/x"),
            SourceLink("Evil", "x", "javascript:alert(1)"),
        ],
        topics=["online-platforms"],
        jurisdictions=["eu"],
    )
    [message] = render(Document(kind="brief", title="Brief: eu", sections=[Section("", [card])]))
    embed = message.embeds[1]
    assert embed.url == "https://reuters.example/x"
    assert "[Reuters](https://reuters.example/x)" in embed.description
    assert "Evil" in embed.description and "javascript" not in embed.description
    assert embed.footer.text == "s16 · online-platforms · eu"
    assert "](https://evil.example" not in embed.title
    assert "@here" not in embed.description
    assert message.story_refs == ["s16"]


def test_escape_text_keeps_the_words_readable():
    # escape_mentions puts a zero-width space after the @; our own pass covers other spellings.
    assert escape_text("@everyone look") == "@\u200beveryone look"
    assert escape_text("@EVERYONE0") == "@\u200dEVERYONE0"
    assert escape_text("<@&123456789012345678>").startswith("<\u200d@")
    assert escape_text("**bold**") == "\\*\\*bold\\*\\*"


def test_safe_url_refuses_what_is_not_a_plain_web_link():
    assert safe_url("https://a.example/x") == "https://a.example/x"
    assert safe_url("https://a.example/a b)") == "https://a.example/a%20b%29"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://trusted.example@evil.example/") is None
    assert safe_url("https:///nohost") is None
