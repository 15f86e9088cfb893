"""The offline extractive summarizer: sentence splitting, choice of sentences, speed, cache."""

from __future__ import annotations

import time

from core.summaries import NewSummary, SummaryKey
from core.texts import ItemText, StoryText
from digest.text.sentences import split_sentences
from digest.writing.summarize import ExtractiveSummarizer
from storage.store import Storage

FOOTER = "Would you like to learn more about digital policy? If so, ask our PolicyBot assistant!"
COUPANG = StoryText(
    story_id=1,
    headline="South Korea confirms scale of Coupang data breach",
    content_hash="h1",
    items=(
        ItemText(
            1,
            "Policy Wire",
            "South Korea confirms scale of Coupang data breach",
            "The South Korean government has confirmed that 33.67 million user accounts were "
            "exposed in a major data breach at Coupang. The findings were released by the "
            "Ministry of Science and ICT in Seoul.\n\nInvestigators said names and email "
            "addresses were leaked. The U.S. listing of Coupang Inc. was not affected, "
            "Dr. Kim said.\n\n" + FOOTER,
        ),
        ItemText(
            2,
            "Korea Tech Policy",
            "Coupang breach hit 33.7 million accounts",
            "Personal data of 33.7 million Coupang customers was exposed, the ministry said. "
            "A former employee used stolen signing keys.",
        ),
    ),
)


def test_sentences_respect_abbreviations_and_numbers():
    text = (
        "The U.S. Department said 33.7 million accounts leaked. Dr. Smith agreed, e.g. with "
        'the Commission. "It is serious." Next, Art. 5 applies.'
    )
    assert split_sentences(text) == [
        "The U.S. Department said 33.7 million accounts leaked.",
        "Dr. Smith agreed, e.g. with the Commission.",
        '"It is serious."',
        "Next, Art. 5 applies.",
    ]
    assert split_sentences("One paragraph.\n\nAnother one here.") == [
        "One paragraph.",
        "Another one here.",
    ]
    assert split_sentences("") == []


def test_summary_is_one_or_two_sentences_from_the_story_without_promotion():
    summary = ExtractiveSummarizer().summarize(COUPANG)
    assert summary.summarizer == "extractive" and summary.model == ""
    assert summary.headline.startswith("The South Korean government has confirmed that 33.67")
    assert len(summary.headline) <= 200
    assert "33.67 million" in summary.text
    assert 1 <= len(split_sentences(summary.text)) <= 2
    assert "PolicyBot" not in summary.text and "PolicyBot" not in summary.headline
    every_sentence = {s for item in COUPANG.items for s in split_sentences(item.text)}
    assert all(s in every_sentence for s in split_sentences(summary.text))


def test_a_story_without_usable_text_falls_back_to_its_headline():
    story = StoryText(3, "Regulator fines platform", "h3", (ItemText(5, "X", "t", "Short."),))
    summary = ExtractiveSummarizer().summarize(story)
    assert summary.headline == summary.text == "Regulator fines platform"
    long_headline = StoryText(4, "word " * 80, "h4", ())
    assert len(ExtractiveSummarizer().summarize(long_headline).headline) <= 200


def test_summarizer_is_fast():
    body = " ".join(
        f"Sentence {i} says the regulator fined company number {i} for breaching the rules."
        for i in range(12)
    )
    stories = [
        StoryText(i, f"Regulator fines company {i}", f"h{i}", (ItemText(i, "S", "t", body),) * 2)
        for i in range(400)
    ]
    summarizer = ExtractiveSummarizer()
    start = time.perf_counter()
    for story in stories:
        summarizer.summarize(story)
    rate = len(stories) / (time.perf_counter() - start)
    print(f"\nextractive summarizer: {rate:.0f} stories/s")
    assert rate > 200


def test_summary_cache_is_insert_or_ignore(db):
    key = SummaryKey("hash-1", "extractive", "")
    summaries = Storage(db).summaries
    assert summaries.put([NewSummary(key, "H", "T")]) == 1
    assert summaries.put([NewSummary(key, "other", "other")]) == 0
    found = summaries.get([key, SummaryKey("hash-2", "extractive", "")])
    assert list(found) == [key]
    assert (found[key].headline, found[key].text) == ("H", "T")


def test_policy_words_that_look_promotional_do_not_hide_the_lead_sentence():
    lead = (
        "The PIPC fined SK Telecom 134.8 billion won for failing to protect subscriber data "
        "after hackers stole USIM authentication data of 23 million customers."
    )
    text = lead + "\n\nThe operator said it would strengthen its security investment."
    story = StoryText(
        1,
        "SK Telecom fined over USIM hacking incident",
        "h",
        (ItemText(1, "Korea Tech Policy", "SK Telecom fined over USIM hacking incident", text),),
    )
    summary = ExtractiveSummarizer().summarize(story)
    assert summary.headline == lead
    assert summary.text.startswith(lead)
