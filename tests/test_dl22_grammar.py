"""Deadline extraction read from grammar: who a start is for, a capability a firm offers, a
sitting named before its weekday, a past verb with its subject, "tomorrow", and "Mar-a-Lago".

Sentences are real feed text from the deadline set's dev split (ids in the comments)."""

from __future__ import annotations

import pytest

from tests.deadlinekit import labels


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # d2645: a start still to come for a class of people, told with a modal
            "Boris Johnson announced on Sunday that pupils in reception, year one and year six "
            "would begin a phased return to primary schools from 1 June, to be followed soon "
            "after by the rest of primary years.",
            "2020-05-11T12:42:16",
            ["1 June 2020 · takes effect"],
        ),
        (  # d4380: the government's own measure from a year
            "The UK will leave more than 30 EU criminal justice bodies from 2021 - but how will "
            "that affect everyday life?",
            "2020-12-17T09:45:17",
            ["2021 · takes effect"],
        ),
        (  # d4238: "tomorrow" is the day after publication
            "Government regulations come into force tomorrow that will allow groups of up to six "
            "people to meet up outside, including in back gardens.",
            "2020-05-31T06:43:05",
            ["1 June 2020 · takes effect"],
        ),
        (  # d532: a sitting named right before a weekday later in the week
            "Rishi Sunak was facing the prospect of defeat in a Commons vote on Tuesday after a "
            "rebel amendment to the online safety bill won opposition support.",
            "2023-01-16T23:36:41",
            ["17 January 2023 · hearing or vote"],
        ),
        (  # d4376: votes in two chambers on a weekday still to come
            "With MPs and experts still poring over the 1,246-page details of the agreement "
            "ahead of votes in the Commons and Lords on Wednesday, increasing focus has fallen on "
            "the relative lack of provision for the service sector, which makes up about 80% of "
            "the UK economy.",
            "2020-12-27T18:14:59",
            ["30 December 2020 · hearing or vote"],
        ),
    ],
)
def test_found(sentence: str, published: str, expected: list[str]) -> None:
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # d1154: what a firm's customers will be able to do is its offer
        ("FTX's Japanese users will be able to start withdrawing funds from February",
         "2022-12-30T14:09:39"),
        # d2613: one organisation's visitors who pre-book
        ("Those who pre-book will be able to visit some sites in England and Northern Ireland "
         "from 3 June.", "2020-05-29T07:14:26"),
        # d1532: "they extended it from March" tells what happened
        ("“While we understand the politics of what they are doing - I have said openly I am "
         "disappointed, particularly in the fact that they extended it from March,” Ngozi "
         "Okonjo-Iweala said at a WTO online event, saying export restrictions must be "
         "temporary.", "2021-03-23T15:37:36"),
        # d2732: "Mar-a-Lago" names a place, not March
        ("Judge REJECTS Trump's bid to have a special master look over documents seized from "
         "Mar-a-Lago", "2022-12-12T15:41:56"),
        # d2500: an exhibition's run is no measure's start
        ("Human Touch is at Sotheby’s, London W1, from 26 February to 3 March.",
         "2020-02-15T17:00:06"),
        # d2798: "lie in state" names no authority
        ("Former Pope Benedict will lie in state in St Peter's Basilica in the Vatican from "
         "Monday", "2022-12-31T11:20:05"),
    ],
)  # fmt: skip
def test_not_found(sentence: str, published: str) -> None:
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # d4264: a duty on a class of businesses that starts on a weekday still to come
            "'Non-essential' retailers have to shut for a month from Thursday and they are "
            "scrambling to adapt.",
            "2020-11-03T02:20:12",
            ["5 November 2020 · takes effect"],
        ),
    ],
)
def test_duty_from_a_date(sentence: str, published: str, expected: list[str]) -> None:
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # d2183: public support that will not be paid from a date stops then
            "Federal food aid will not go out starting Nov. 1 amid government shutdown, Trump "
            "administration says",
            "2025-10-26T22:48:00",
            ["1 November 2025 · expires"],
        ),
        # BBC article text (moodHappy/bbc-news-archive,
        # docs/2026/7/2026_7_28_0853_browser.html, 29 July 2026): on a Wednesday, "the hearing
        # on Monday" is the one gone by, not next week's
        (
            "During questioning at the hearing on Monday, Detective Corey Farrell of the Los "
            "Angeles Police Department said text messages indicated that the defendant and the "
            "girl had attended church with her family.",
            "2026-07-29T16:23:00",
            [],
        ),
        # the same article: a span counted from a date the text names is no date of its own
        ("The trial is to start within 90 days of that date.", "2026-07-29T16:23:00", []),
    ],
)
def test_support_stops_and_spans(sentence: str, published: str, expected: list[str]) -> None:
    assert labels(sentence, published) == expected
