"""Deadline extraction read from grammar: a capability a firm offers, a past verb with its
subject, a span counted from another date, a sitting gone by, and "Mar-a-Lago".

Sentences are real feed text from the deadline set's dev split (ids in the comments) or BBC
article text (moodHappy/bbc-news-archive, docs/2026/7/2026_7_28_0853_browser.html)."""

from __future__ import annotations

import pytest

from tests.deadlinekit import labels


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # d1154: what a firm's customers will be able to do is its offer
        ("FTX's Japanese users will be able to start withdrawing funds from February",
         "2022-12-30T14:09:39"),
        # d2613: one organisation's visitors who pre-book
        ("Those who pre-book will be able to visit some sites in England and Northern Ireland "
         "from 3 June.", "2020-05-29T07:14:26"),
        # d2358: what a firm's cars will be able to do
        ("German carmaker puts pressure on UK government over proposed ban on hybrids More than "
         "10,000 BMW plug-in hybrid cars on British roads will be able to automatically swap to "
         "battery power when entering low emissions zones in London or Birmingham city centres "
         "from Friday.", "2020-08-06T23:01:21"),
        # d1532: "they extended it from March" tells what happened
        ("“While we understand the politics of what they are doing - I have said openly I am "
         "disappointed, particularly in the fact that they extended it from March,” Ngozi "
         "Okonjo-Iweala said at a WTO online event, saying export restrictions must be "
         "temporary.", "2021-03-23T15:37:36"),
        # d2732: "Mar-a-Lago" names a place, not March
        ("Judge REJECTS Trump's bid to have a special master look over documents seized from "
         "Mar-a-Lago", "2022-12-12T15:41:56"),
        # BBC, 29 July 2026: a span counted from a date the text names is no date of its own
        ("The trial is to start within 90 days of that date.", "2026-07-29T16:23:00"),
        # BBC, 29 July 2026 (a Wednesday): "the hearing on Monday" is the one gone by
        ("During questioning at the hearing on Monday, Detective Corey Farrell of the Los "
         "Angeles Police Department said text messages indicated that the defendant and the "
         "girl had attended church with her family.", "2026-07-29T16:23:00"),
    ],
)  # fmt: skip
def test_not_found(sentence: str, published: str) -> None:
    assert labels(sentence, published) == []
