"""Block Kit rendering: limits, escaping of hostile text, links only from source URLs, the look."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.render import (
    MAX_BLOCKS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    SlackMessage,
    escape,
    link,
    render,
    safe_truncate,
)
from core.document import Document, Section, SourceLink, StoryCard

GOLDEN = Path(__file__).parent / "data" / "slack_digest_golden.json"
_LINK = re.compile(r"<(https?://[^|<>\s]+)\|([^<>]*)>")
HOSTILE = [
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<@U024BE7LH>",
    "<#C024BE7LR|general>",
    "<https://evil.example|Your bank>",
    "<http://x>",
    "&lt;!channel&gt;",
    "&amp;",
    "@channel",
    "*bold* _it_ ~s~ `code`",
    "a|b>c",
    "\u202eevil",
    "\x00\x1b[31m",
]


def sample_digest() -> Document:
    """A digest as compose would make it: two sections, a pinned story, several sources."""
    coupang = StoryCard(
        id=1234,
        headline="Coupang fined ₩1.6bn by KFTC over data breach",
        summary=(
            "South Korea's Fair Trade Commission fined Coupang for failing to protect the "
            "personal data of 33.7 million users & ordered fixes within 90 days."
        ),
        sources=[
            SourceLink("Korea Herald", "Coupang fined", "https://www.koreaherald.com/a/1?x=1&y=2"),
            SourceLink("Yonhap", "KFTC fines Coupang", "https://en.yna.co.kr/view/AEN1"),
        ],
        topics=["data-protection"],
        jurisdictions=["kr"],
        published_at="2026-11-27T09:30:00Z",
        pinned=True,
    )
    dsa = StoryCard(
        id=77,
        headline="Commission opens DSA proceedings against <Platform X>",
        summary="The European Commission opened formal proceedings under the Digital Services Act.",
        sources=[SourceLink("EC Press", "DSA proceedings", "https://ec.europa.eu/commission/p/1")],
        topics=["online-platforms"],
        jurisdictions=["eu"],
        published_at="2026-11-27T14:00:00Z",
    )
    ofcom = StoryCard(
        id=78,
        headline="Ofcom publishes age-assurance guidance",
        summary="Guidance for services likely to be accessed by children.",
        sources=[SourceLink("Ofcom", "Guidance", "https://www.ofcom.org.uk/news/1")],
        topics=["child-safety"],
        jurisdictions=["uk"],
        published_at="2026-11-27T11:00:00Z",
    )
    return Document(
        kind="digest",
        title="Policy digest — Fri 28 Nov",
        intro="3 stories since yesterday 08:00 (Europe/Brussels).",
        sections=[
            Section(title="Pinned", stories=[coupang]),
            Section(title="Online platforms", stories=[dsa, ofcom]),
        ],
        footer=["Change this digest with /digest. Stories are grouped by topic."],
    )


def _texts(obj: object) -> list[str]:
    """Every string value under a "text" key (mrkdwn and plain_text) in a block tree."""
    out: list[str] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "text" and isinstance(value, str):
                out.append(value)
            else:
                out.extend(_texts(value))
    elif isinstance(obj, list):
        for value in obj:
            out.extend(_texts(value))
    return out


def _text_objects(obj: object) -> list[dict]:
    out: list[dict] = []
    if isinstance(obj, dict):
        if obj.get("type") in {"mrkdwn", "plain_text"} and "text" in obj:
            out.append(obj)
        for value in obj.values():
            out.extend(_text_objects(value))
    elif isinstance(obj, list):
        for value in obj:
            out.extend(_text_objects(value))
    return out


def assert_within_limits(messages: list[SlackMessage]) -> None:
    assert messages
    for msg in messages:
        assert 0 < len(msg.blocks) <= MAX_BLOCKS
        assert msg.text and len(msg.text) <= 4000
        payload = msg.payload()
        assert payload["unfurl_links"] is False and payload["unfurl_media"] is False
        ids = [b["block_id"] for b in msg.blocks if "block_id" in b]
        assert len(ids) == len(set(ids)), "Slack rejects repeated block ids"
        for block in msg.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
            if block["type"] == "context":
                assert 1 <= len(block["elements"]) <= 10
        for obj in _text_objects(msg.blocks):
            if obj["type"] == "mrkdwn":
                assert obj.get("verbatim") is True, obj


def assert_no_injected_markup(messages: list[SlackMessage], doc: Document) -> None:
    """Every `<` in the output opens a link we built from an http(s) SourceLink.url."""
    allowed = {link(s)[1:].split("|", 1)[0] for card in doc.stories() for s in card.sources}
    for msg in messages:
        for text in [msg.text, *_texts(msg.blocks)]:
            stripped = text
            for m in _LINK.finditer(text):
                assert m.group(1) in allowed, f"link not from a source URL: {m.group(0)}"
                stripped = stripped.replace(m.group(0), "")
            for bad in ("<!", "<@", "<#", "<http", "<"):
                assert bad not in stripped, f"{bad!r} reached Slack in {text!r}"


# --- unit ------------------------------------------------------------------------------------


def test_escape_and_links():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert link(SourceLink("A|B>C", "", "https://x.example/a?b=1&c=2")) == (
        "<https://x.example/a?b=1&amp;c=2|A¦B&gt;C>"
    )
    # a URL with a pipe or brackets cannot end the link early or open a new one
    assert link(SourceLink("n", "", "https://x.example/a|<!channel>")) == (
        "<https://x.example/a%7C%3C!channel%3E|n>"
    )
    # only http(s): anything else is shown as its name, without a link
    for url in ("javascript:alert(1)", "slack://open", "ftp://x", "https:///nohost", ""):
        assert link(SourceLink("Name", "", url)) == "Name"


def test_safe_truncate_never_splits_an_entity_or_a_link():
    text = "x" * 2990 + "&amp;&lt;" + "<https://a.example/very/long|label>"
    for limit in range(2985, 3040):
        out = safe_truncate(text, limit)
        assert len(out) <= limit
        body = out.removesuffix("…")
        assert not re.search(r"&[a-z]{0,3}$", body), out[-12:]
        assert body.count("<") == body.count(">")


def test_long_briefing_splits_into_messages_within_limits():
    cards = [
        StoryCard(id=i, headline=f"Story {i}", summary="word " * 400, sources=[])
        for i in range(1, 41)
    ]
    doc = Document(kind="brief", title="Brief: eu", sections=[Section(stories=cards)])
    messages = render(doc)
    assert len(messages) == 3  # 40 cards x 3 blocks + header > 50 per message
    assert_within_limits(messages)
    refs = [
        b["block_id"] for m in messages for b in m.blocks if b.get("block_id", "")[:6] == "story:"
    ]
    assert len(refs) == 40  # nothing lost across the split, no card cut in half
    assert messages[1].text == "Brief: eu (2/3)"
    for msg in messages:  # a card's three blocks stay in one message
        ids = [b.get("block_id", "") for b in msg.blocks]
        for bid in ids:
            if bid.startswith("story:"):
                assert "act:" + bid[6:] in ids


def test_card_look():
    msg = render(sample_digest())[0]
    section = next(b for b in msg.blocks if b.get("block_id") == "story:s12a")
    # the headline is the link to the article
    assert section["text"]["text"].startswith(
        ":pushpin: *<https://www.koreaherald.com/a/1?x=1&amp;y=2|"
        "Coupang fined ₩1.6bn by KFTC over data breach>*\n"
    )
    assert "33.7 million users &amp; ordered" in section["text"]["text"]
    context = msg.blocks[msg.blocks.index(section) + 1]["elements"][0]["text"]
    assert context == (
        "<https://www.koreaherald.com/a/1?x=1&amp;y=2|Korea Herald>, "
        "<https://en.yna.co.kr/view/AEN1|Yonhap> · #kr #data-protection · 2026-11-27 · `s12a`"
    )
    # no card shows a Pin button (members would see it); Pin is in the menu of unpinned cards
    actions = [b for b in msg.blocks if b["type"] == "actions"]
    assert all([e["type"] for e in a["elements"]] == ["overflow"] for a in actions)
    menus = [[o["value"] for o in a["elements"][0]["options"]] for a in actions[:2]]
    assert menus == [["watch:s12a", "more:s12a"], ["watch:s29", "more:s29", "pin:s29"]]
    # a hostile headline is escaped inside its link: the brackets cannot end it early
    assert (
        "*<https://ec.europa.eu/commission/p/1|"
        "Commission opens DSA proceedings against &lt;Platform X&gt;>*"
    ) in json.dumps(msg.blocks, ensure_ascii=False)


def test_golden_digest():
    messages = render(sample_digest())
    data = [m.payload() for m in messages]
    if not GOLDEN.exists():  # first run writes it; review by eye, then it is the fixture
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert data == json.loads(GOLDEN.read_text(encoding="utf-8"))


# --- properties ------------------------------------------------------------------------------

_hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=0, max_size=60),
    st.lists(st.sampled_from(HOSTILE + ["x", " ", "&", "<", ">", "|", "*"]), max_size=30).map(
        "".join
    ),
    st.text(alphabet="<>&|!@#*_ amp;lt", min_size=700, max_size=4000),
)
_urls = st.one_of(
    st.sampled_from(
        [
            "https://ok.example/a",
            "http://ok.example/b?x=1&y=<2>",
            "javascript:alert(1)",
            "https://x.example/|<!channel>",
            "<!channel>",
            "",
        ]
    ),
    st.text(max_size=40).map(lambda s: "https://h.example/" + s),
)
_sources = st.builds(SourceLink, name=_hostile_text, title=_hostile_text, url=_urls)
_cards = st.builds(
    StoryCard,
    id=st.integers(min_value=1, max_value=10**9),
    headline=_hostile_text,
    summary=_hostile_text,
    sources=st.lists(_sources, max_size=6),
    topics=st.lists(_hostile_text, max_size=3),
    jurisdictions=st.lists(_hostile_text, max_size=2),
    published_at=_hostile_text,
    pinned=st.booleans(),
)
_sections = st.builds(
    Section,
    title=_hostile_text,
    stories=st.lists(_cards, max_size=8),
    lines=st.lists(_hostile_text, max_size=5),
)
_documents = st.builds(
    Document,
    kind=st.sampled_from(["brief", "digest", "alert", "notice", "help", "list", "error"]),
    title=_hostile_text,
    intro=_hostile_text,
    sections=st.lists(_sections, max_size=4),
    footer=st.lists(_hostile_text, max_size=12),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_any_document_renders_within_limits_without_injected_markup(doc):
    messages = render(doc)
    assert_within_limits(messages)
    assert_no_injected_markup(messages, doc)
    json.dumps([m.payload() for m in messages])  # serialisable as is


def test_hostile_strings_everywhere_render_inert():
    card = StoryCard(
        id=5,
        headline="<!channel> <@U1> <#C1> <https://evil.example|bank>",
        summary="<!here> & more",
        sources=[SourceLink("<!channel>", "t", "https://ok.example/x")],
        topics=["<@U1>"],
    )
    doc = Document(
        kind="digest",
        title="<!everyone>",
        intro="<@U2>",
        sections=[Section(title="<#C2>", stories=[card], lines=["<!channel>"])],
        footer=["<https://evil.example>"],
    )
    messages = render(doc)
    assert_no_injected_markup(messages, doc)
    dumped = json.dumps([m.payload() for m in messages])
    assert "&lt;!channel&gt;" in dumped and "&lt;@U1&gt;" in dumped
    assert messages[0].blocks[0]["text"]["text"] == "‹!everyone›"


def test_a_story_shown_twice_keeps_block_ids_unique():
    card = sample_digest().sections[0].stories[0]
    doc = Document(
        kind="digest", title="t", sections=[Section(stories=[card]), Section(stories=[card])]
    )
    messages = render(doc)
    assert_within_limits(messages)
    ids = [b.get("block_id") for b in messages[0].blocks if b.get("block_id")]
    assert ids == ["story:s12a", "act:s12a", "story:s12a~2", "act:s12a~2"]


def test_bidi_overrides_are_dropped():
    assert escape("abc\u202egnp.exe") == "abcgnp.exe"
