"""The grounding check: model sentences state only numbers, dates and acronyms the source has."""

from __future__ import annotations

import json

import pytest

from core.texts import ItemText, StoryText
from digest.text.sentences import split_sentences
from digest.writing.grounding import StatedFacts, ground_sentences, unsupported
from tests.fake_openai import Reply, article_ids, fake_openai
from tests.llmkit import make_llm

SOURCE = (
    "The European Commission fined Coupang €33,700,000 on 12 March 2026 under the Digital "
    "Services Act. Revenue in Korea rose 4.5% to KRW 1.2 trillion, the FTC said on Tuesday. "
    "The GDPR complaint by noyb is pending."
)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Commission fined Coupang €33.7 million.",  # same amount, other notation
        "The fine of 33,700,000 euros came in March 2026.",
        "The decision is dated 12 March.",
        "It acted under the DSA.",  # the initials of "Digital Services Act"
        "The EU acted against Coupang.",  # "European Commission"/"European Union" expansion
        "Revenue rose 4.5 percent.",
        "The FTC spoke on Tuesday.",
        "The GDPR complaint is pending.",
        "Coupang may appeal the decision.",  # the verb "may" is not a month
        "KRW 1,200 billion is at stake.",
    ],
)
def test_sentence_with_facts_in_the_source_is_kept(sentence):
    assert unsupported(sentence, StatedFacts.of(SOURCE)) == []
    assert ground_sentences(sentence, SOURCE).kept == (sentence,)


@pytest.mark.parametrize(
    ("sentence", "culprit"),
    [
        ("The Commission fined Coupang €40 million.", "40 million"),
        ("The fine came in April.", "April"),
        ("The decision is dated 14 March 2026.", "14"),
        ("Revenue rose 45% last year.", "45%"),
        ("The FCC also objected.", "FCC"),
        ("The CNIL opened a parallel case.", "CNIL"),
        ("A hearing follows on Friday.", "Friday"),
        ("The fine was announced in 2025.", "2025"),
        ("The board met on 3 September.", "3"),
        ("Fines reach 6 per cent of turnover.", "6 per cent"),
    ],
)
def test_sentence_with_a_fact_absent_from_the_source_is_dropped(sentence, culprit):
    assert culprit in unsupported(sentence, StatedFacts.of(SOURCE))
    result = ground_sentences(f"Coupang was fined. {sentence} Regulators acted.", SOURCE)
    assert result.dropped == (sentence,)
    assert result.text == "Coupang was fined. Regulators acted."


def test_sentences_split_without_breaking_abbreviations():
    text = "The U.S. Senate will act. Then Art. 5 applies! Why? Mr. Smith said so."
    assert split_sentences(text) == [
        "The U.S. Senate will act.",
        "Then Art. 5 applies!",
        "Why?",
        "Mr. Smith said so.",
    ]


STORY = StoryText(
    story_id=41,
    headline="Commission fines Coupang",
    content_hash="h41",
    items=(ItemText(item_id=1, source="EC Press Corner", title="Commission fines Coupang",
                    text=SOURCE, url="https://ec.europa.eu/x"),),
)  # fmt: skip


def _model(headline: str, summary: str):
    def responder(body):
        sid = article_ids(body)[0]
        return Reply(
            content=json.dumps({"story_id": sid, "headline": headline, "summary": summary})
        )

    return responder


def test_llm_summary_drops_the_invented_sentence_and_keeps_the_rest():
    summary = (
        "The Commission fined Coupang €33.7 million under the Digital Services Act. "
        "The fine is the largest since 2019. "
        "It signals tougher DSA enforcement."
    )
    with fake_openai(_model("Coupang was fined €33.7 million.", summary)) as srv:
        outcome = make_llm(srv.base_url).summarize_story(STORY)
    assert outcome.summary is not None
    assert outcome.summary.text == (
        "The Commission fined Coupang €33.7 million under the Digital Services Act. "
        "It signals tougher DSA enforcement."
    )
    assert outcome.summary.headline == "Coupang was fined €33.7 million."


def test_llm_headline_with_an_invented_fact_is_replaced_by_a_grounded_sentence():
    summary = "The Commission fined Coupang under the Digital Services Act."
    with fake_openai(_model("Coupang fined €99 million by the CNIL.", summary)) as srv:
        outcome = make_llm(srv.base_url).summarize_story(STORY)
    assert outcome.summary is not None
    assert outcome.summary.headline == summary
    assert "99" not in outcome.summary.headline + outcome.summary.text


def test_too_little_grounded_text_falls_back():
    summary = "The fine was €99 million. The CNIL joined in April."
    with fake_openai(_model("Coupang fined.", summary)) as srv:
        outcome = make_llm(srv.base_url).summarize_story(STORY)
    assert outcome.summary is None and outcome.status == "ungrounded"
