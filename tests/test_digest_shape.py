"""The digest as people see it: a 20-story digest is one Slack message and one Discord message,
headlines link to the articles, Discord shows times in its own markup, and the extractive note
appears once, in the footer. Golden files (reviewed by eye): tests/data/digest20_slack.json and
tests/data/digest20_discord.json; delete one to write it again from the current renderer."""

from __future__ import annotations

import json
from pathlib import Path

from bot.discord.render import LIMITS
from bot.discord.render import render as render_discord
from bot.slack.render import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT
from bot.slack.render import render as render_slack
from core.document import Document, Section, SourceLink, StoryCard
from digest.writing.llm_summaries import EXTRACTIVE_NOTE

DATA = Path(__file__).parent / "data"
SLACK_GOLDEN = DATA / "digest20_slack.json"
DISCORD_GOLDEN = DATA / "digest20_discord.json"

_SUBJECTS = [
    ("Coupang", "Korea Fair Trade Commission", "kr", "data-protection"),
    ("Temu", "European Commission", "eu", "online-platforms"),
    ("TikTok", "Ofcom", "uk", "child-safety"),
    ("Meta", "Irish Data Protection Commission", "eu", "data-protection"),
    ("X", "eSafety Commissioner", "au", "online-platforms"),
    ("OpenAI", "Italian Garante", "eu", "ai-governance"),
    ("Binance", "SEC", "us", "crypto-assets"),
    ("Google", "Japan Fair Trade Commission", "jp", "competition"),
    ("Roblox", "FTC", "us", "child-safety"),
    ("Shein", "CNIL", "eu", "data-protection"),
]


def _card(n: int) -> StoryCard:
    company, body, place, topic = _SUBJECTS[n % len(_SUBJECTS)]
    headline = (
        f"{body} opens proceedings against {company} over alleged breaches of its "
        f"obligations, case {n + 1}"
    )
    summary = (
        f"The {body} said on Tuesday it had opened formal proceedings against {company}, "
        "citing failures to assess and mitigate systemic risks, to give researchers access to "
        "data and to protect minors. The company has 30 days to respond and faces a fine of up "
        "to 6% of its global turnover if the findings are confirmed. A decision is expected "
        "before the end of the year, the regulator said in a statement."
    )
    slug = company.lower()
    return StoryCard(
        id=1000 + n,
        headline=headline,
        summary=summary,
        sources=[
            SourceLink("Reuters", headline, f"https://www.reuters.com/technology/{slug}-{n}-2026"),
            SourceLink("Politico Europe", headline, f"https://www.politico.eu/article/{slug}-{n}"),
            SourceLink("Korea Herald", headline, f"https://www.koreaherald.com/view.php?ud={n}"),
        ][: 1 + n % 3],
        topics=[topic],
        jurisdictions=[place],
        published_at=f"2026-11-27T{6 + n % 12:02d}:15:00+00:00",
    )


def twenty_story_digest() -> Document:
    """What compose_digest makes of a busy day: a lead, five cards, fifteen one-liners."""
    cards = [_card(n) for n in range(20)]
    cards[0].pinned = True
    return Document(
        kind="digest",
        title="Policy digest, Fri 27 Nov 2026, 08:00 CET",
        intro=(
            "20 new stories from 3 sources, most on data protection (6) and online platforms "
            f"(4). Leading: {cards[0].headline} (Reuters). Also: {cards[1].headline}."
        ),
        sections=[
            Section(title="Top stories", stories=cards[:5]),
            Section(title="Also noted", stories=cards[5:], style="list"),
        ],
        footer=[EXTRACTIVE_NOTE],
        at="2026-11-27T07:00:00+00:00",
    )


def _golden(path: Path, data: object) -> object:
    if not path.exists():  # first run writes it; review by eye, then it is the fixture
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))


def _texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [e["text"] for e in block.get("elements", []) if "text" in e and e.get("type")]
    return out


def test_a_20_story_digest_is_one_slack_message_within_the_limits():
    (message,) = render_slack(twenty_story_digest())
    blocks = message.blocks
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[0]["type"] == "header"
    assert len(blocks[0]["text"]["text"]) <= MAX_HEADER_TEXT
    assert "08:00 CET" in blocks[0]["text"]["text"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= MAX_SECTION_TEXT for t in sections)
    flat = json.dumps(blocks, ensure_ascii=False)
    # every headline is the link to its article: five cards and fifteen one-liners
    for n in range(20):
        assert f"-{n}-2026|" in flat and f"case {n + 1}>" in flat, n
    assert flat.count(EXTRACTIVE_NOTE) == 1
    assert "pb_pin" not in flat  # no Pin button for members to see
    assert message.payload() == _golden(SLACK_GOLDEN, message.payload())


def test_a_20_story_digest_is_one_discord_message_within_the_limits():
    (message,) = render_discord(twenty_story_digest())
    assert len(message.embeds) <= LIMITS.embeds
    assert message.size() <= LIMITS.total
    embeds = [e.to_dict() for e in message.embeds]
    head = embeds[0]
    assert head["title"].endswith("08:00 CET")
    assert head["description"].startswith("<t:1795762800:F>")  # each reader's own local time
    cards = [e for e in embeds if e.get("url")]
    assert len(cards) == 5
    assert all(e["url"].startswith("https://") for e in cards)  # the headline is the link
    assert all("<t:" in e["description"] for e in cards)
    flat = json.dumps(embeds, ensure_ascii=False)
    noted = embeds[-1]["description"].splitlines()
    assert embeds[-1]["title"] == "Also noted" and len(noted) == 15
    assert all(line.startswith("• [") and "](https://www.reuters.com/" in line for line in noted)
    assert flat.count(EXTRACTIVE_NOTE) == 1
    assert embeds == _golden(DISCORD_GOLDEN, embeds)
    assert message.story_refs == [c.ref for c in twenty_story_digest().sections[0].stories]
