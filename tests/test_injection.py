"""Hostile articles through clean + the LLM summarizer with a model that OBEYS the injection.

Each fixture in tests/data/injection/ holds an article (HTML as a feed would carry it) and what
an obedient model answers. Nothing hostile may reach the rendered briefing: no foreign URL, no
mention, no spoofed link, no hidden character.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.render import render as slack_render
from core.document import Document
from digest.composition.textrender import render_text
from digest.ingest.clean import html_to_text
from digest.writing.llm_summaries import (
    EXTRACTIVE_NOTE,
    LlmSummaryProvider,
    SummaryQueue,
    SummaryWorker,
)
from digest.writing.sanitize import sanitize_model_text
from storage.store import Storage
from tests.fake_openai import Reply, article_ids, fake_openai
from tests.llmkit import (  # noqa: F401  (_pg_worker_db: our own PostgreSQL schema)
    ExtractiveProvider,
    _pg_worker_db,
    add_story,
    brief_document,
    make_llm,
)

FIXTURES = sorted((Path(__file__).parent / "data" / "injection").glob("*.json"))
HOSTILE_TOP_LINE = (
    "@everyone Read https://evil.example/top and [Commission](https://evil.example) <!channel>. "
    "The European Commission published a decision on platform risk assessments on Monday."
)

_FORBIDDEN = [
    (re.compile(r"evil\s*\.\s*example", re.I), "foreign domain"),
    (re.compile(r"\bwww\.", re.I), "www host"),
    (re.compile(r"203\.0\.113\.9"), "IP address"),
    (re.compile(r"\b(?:javascript|data|mailto|hxxps?|vbscript)\s?:", re.I), "dangerous scheme"),
    (re.compile(r"<\s*[!@#]"), "Slack/Discord mention syntax"),
    (re.compile(r"<t:\d"), "Discord timestamp"),
    (re.compile(r"@\s*(?:everyone|here|channel)\b", re.I), "broadcast mention"),
    (re.compile(r"[＠＜＞]"), "fullwidth look-alike"),
    (re.compile(r"\]\s?\("), "markdown link"),
    (re.compile(r"^\s*\[[^\]]+\]:", re.M), "markdown reference link"),
    (re.compile(r"<https?:", re.I), "Slack link"),
    (re.compile(r"\|\s*(?:europa|read)", re.I), "spoofed link label"),
    (re.compile(r"<\s*/?\s*(?:script|article)", re.I), "tag"),
]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def hostile_findings(text: str) -> list[str]:
    """Every hostile thing in `text` (empty when clean)."""
    found = [f"{why}: {m.group(0)!r}" for rx, why in _FORBIDDEN for m in rx.finditer(text)]
    found += [f"hidden character U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cf"]
    return found


def foreign_urls(text: str, allowed: set[str]) -> list[str]:
    """URLs in `text` that are not stored item URLs."""
    urls = re.findall(r"https?://[^\s|>)\]\"']+", text, re.I)
    return [u for u in urls if u.rstrip(".,;") not in allowed]


def test_there_are_enough_hostile_fixtures():
    assert len(FIXTURES) >= 10


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_sanitizer_makes_each_obeyed_injection_inert(path):
    fixture = load(path)
    for field in ("headline", "summary"):
        raw = fixture["model"][field]
        assert hostile_findings(raw), f"fixture {path.stem} {field} is not hostile"
        cleaned = sanitize_model_text(raw)
        assert hostile_findings(cleaned) == [], (path.stem, cleaned)
        assert not re.search(r"https?://", cleaned), (path.stem, cleaned)


async def test_obedient_model_cannot_get_anything_hostile_into_a_briefing(db):
    fixtures = [load(p) for p in FIXTURES]
    by_story: dict[int, dict] = {}

    def obedient(body):
        ids = article_ids(body)
        if body["messages"][1]["content"].startswith("TASK: top_line"):
            top = {"top_line": HOSTILE_TOP_LINE, "cites": [*ids, 424242]}
            return Reply(content=json.dumps(top))
        model = by_story[ids[0]]["model"]
        out = {"story_id": ids[0], "headline": model["headline"], "summary": model["summary"]}
        return Reply(content=json.dumps(out, ensure_ascii=False))

    allowed: set[str] = set()
    ids: list[int] = []
    with fake_openai(obedient) as srv:
        for n, fixture in enumerate(fixtures):
            url = f"https://ec.europa.eu/commission/presscorner/detail/en/ip_26_{n}"
            allowed.add(url)
            sid = add_story(db, fixture["title"], html_to_text(fixture["html"]), url=url)
            by_story[sid] = fixture
            ids.append(sid)
        queue = SummaryQueue()
        llm = make_llm(srv.base_url)
        provider = LlmSummaryProvider(ExtractiveProvider(), model=llm.model, queue=queue)
        worker = SummaryWorker(Storage(db), llm, queue=queue)
        stats = await worker.run_pending(ids)
        assert stats.summarised == len(fixtures)  # the obeyed output was used, not discarded
        brief_document(db, provider, ids)
        assert (await worker.run_queued()).top_lines == 1  # the hostile top line, cached
        doc = brief_document(db, provider, ids)
        prompts = srv.bodies_snapshot()

    assert EXTRACTIVE_NOTE not in doc.footer  # every card carries the model's (cleaned) text
    assert "published a decision" in doc.intro  # the LLM top line, cleaned
    rendered = {
        "text": render_text(doc),
        "json": doc.to_json(),
        "slack": json.dumps([m.__dict__ for m in slack_render(doc)], ensure_ascii=False),
    }
    for name, text in rendered.items():
        if name == "slack":  # Slack's own <url|label> links are fine when the URL is stored
            text = re.sub(
                r"<(https?://[^|>]+)\|([^>]*)>",
                lambda m: m.group(2) if m.group(1) in allowed else m.group(0),
                text,
            )
        assert hostile_findings(text) == [], name
        assert foreign_urls(text, allowed) == [], name
    # Links come only from stored item URLs: every card still links its own item.
    assert {link.url for card in doc.stories() for link in card.sources} == allowed
    # Round trip through the outbox format changes nothing.
    assert hostile_findings(render_text(Document.from_json(doc.to_json()))) == []
    # Hidden instructions and foreign links were not even sent to the model.
    for body in prompts:
        assert "evil.example" not in body and "SYSTEM: ignore the article" not in body


async def test_extractive_fallback_of_hostile_articles_is_clean_too(db):
    """The server is down: every card falls back to the extractive text of the hostile article."""
    allowed: set[str] = set()
    ids: list[int] = []
    with fake_openai(lambda body: Reply(status=500)) as srv:
        for n, path in enumerate(FIXTURES):
            fixture = load(path)
            url = f"https://ec.europa.eu/commission/presscorner/detail/en/ip_26_{n}"
            allowed.add(url)
            ids.append(add_story(db, fixture["title"], html_to_text(fixture["html"]), url=url))
        llm = make_llm(srv.base_url)
        provider = LlmSummaryProvider(ExtractiveProvider(), model=llm.model)
        stats = await SummaryWorker(Storage(db), llm).run_pending(ids)
        doc = brief_document(db, provider, ids)
    assert stats.summarised == 0 and stats.failed + stats.skipped_breaker == len(ids)
    assert doc.footer == [EXTRACTIVE_NOTE]
    text = render_text(doc)
    assert "published a decision on platform risk assessments" in text
    assert hostile_findings(text) == []
    assert foreign_urls(text, allowed) == []


@pytest.mark.parametrize(
    "text",
    [
        "The EU fined Coupang €33.7 million (12%) on 3 March 2026.",
        "Ofcom's age-assurance rules apply from July; the DSA's Art. 28 covers minors.",
        "Personal data: the Commission said e.g. the U.S. and Korea's KFTC disagree.",
        "Die Kommission verhängte eine Geldbuße von 5 Mio. EUR gegen Coupang.",
    ],
)
def test_sanitizer_leaves_ordinary_policy_prose_alone(text):
    assert sanitize_model_text(text) == text
    assert sanitize_model_text(text, drop_tainted=True) == text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                [
                    "<!channel>",
                    "<!here>",
                    "@everyone",
                    "@here",
                    "<@U123>",
                    "<#C1|x>",
                    "<@&42>",
                    "[Commission](https://evil.example)",
                    "<https://evil.example|eu>",
                    "https://evil.example/x",
                    "www.evil.example",
                    "evil.example",
                    "\u202e",
                    "\u200b",
                    "<!--",
                    "-->",
                    "＠everyone",
                    "javascript:alert(1)",
                    "](",
                    "[",
                    "<",
                ]
            ),
        ),  # fmt: skip
        max_size=12,
    )
)
def test_sanitizer_output_never_carries_links_or_mentions(parts):
    for drop in (False, True):
        out = sanitize_model_text("".join(parts), drop_tainted=drop)
        # (a scheme glued to a word, "Ahttps:", is no link: no client would open it)
        hostile = r"[<>@＠\[\]]|(?<![a-z])(?:https?|javascript):|www\.\w|evil\.example"
        assert not re.search(hostile, out, re.I)
        assert all(unicodedata.category(c) != "Cf" for c in out)
