"""Deadline extraction: a date near a verb is no deadline; what the guidelines count is.

Sentences are real: the dev split of benchmarks/data/deadlines (ids given) or entries of the
dev side of the rumca-js RSS-Link-Database archives (2020-2022) that no labelled part holds.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from digest.judgement.deadlines import extract_deadlines


def labels(text: str, published: str) -> list[str]:
    return [d.label for d in extract_deadlines(text, datetime.fromisoformat(published))]


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # a weekday that is the publication day, as a start: the news of the day (d2727)
        (
            "The truce with government forces will take effect when the Muslim festival of Eid "
            "begins on Sunday.",
            "2020-05-24T12:00:00+00:00",
        ),
        # a body sits on a date, not within a span; a ballot called by judges is voters' day
        (
            "Judges in Malawi have annulled last year’s elections and called for a new ballot "
            "within 150 days.",
            "2020-02-03T19:43:07+00:00",
        ),
        # an election named at the date, whatever chamber it fills
        (
            "More than 1.8 million Georgians have voted early in the state’s Senate runoff "
            "election scheduled for December 6, including a record-high 353,000 voters on Friday, "
            "the final day of early voting.",
            "2022-12-05T13:24:03+00:00",
        ),
        # a vaccine's trial is no court's
        (
            "Moderna also plans to start its late-stage trial this month.",
            "2020-07-07T02:47:59+00:00",
        ),
        # "next year" after a duty's word, with no limit: when, not by when
        ("Any change in style will have to wait till next year.", "2020-12-30T19:00:57+00:00"),
        # a rule's noun beside an "on" date that no verb of starting governs
        (
            "A physical return to parliament on 2 June is not only undemocratic but an effective "
            "way to spread coronavirus",
            "2020-05-23T20:00:02+00:00",
        ),
        # the part of the month gone by
        (
            "Earlier this month, a bipartisan bill sought to effectively ban TikTok from US "
            "consumer devices, along with other social apps that have ties to China, Russia, Cuba, "
            "Iran, North Korea and Venezuela.",
            "2022-12-22T21:03:39+00:00",
        ),
        # sport, and a forecast or a product that "will continue" (d2753)
        (
            "Whyte v Povetkin called off as boxing events suspended until end of May",
            "2020-03-30T12:09:35+00:00",
        ),
        (
            "Decline in PC and tablet shipments will continue through 2023, says IDC",
            "2022-09-02T11:51:00+00:00",
        ),
        (
            "Windows 10 will continue until 2025, Microsoft confirms again",
            "2022-09-20T12:00:00+00:00",
        ),
        # a hearing named by a day gone by is that day's, not next year's
        ("5 key takeaways from the third Jan. 6 hearing", "2022-06-16T19:46:34+00:00"),
        # a weekday naming a sitting after a past verb is the sitting gone by
        (
            "Disgraced FTX founder Sam Bankman-Fried appeared to doze off in a Bahamas courtroom "
            "during a Monday hearing in which he agreed to be extradited to the United States.",
            "2022-12-21T02:42:39+00:00",
        ),
        # voters' midterm is no sitting
        (
            "Misleading and divisive posts about the Nov. 8 midterm vote have flooded social "
            "media.",
            "2022-09-23T09:00:32+00:00",
        ),
        # a name is no month; a person's plans; a firm's offer to its customers
        (
            "Judge grants Trump's request for a 'special master' to review materials seized from "
            "Mar-a-Lago",
            "2022-09-05T16:34:03+00:00",
        ),
        (
            "West Virginia's health officer is stepping down effective Oct. 1.",
            "2022-09-07T15:55:43+00:00",
        ),
        (
            "Amazon Prime subscribers will be able to claim 10 free games starting December 27.",
            "2022-12-12T15:12:00+00:00",
        ),
        # a span counted from another event than publication
        (
            "This purchase grants you a single license for a single PC, and it must be redeemed "
            "within 30 days of purchase.",
            "2022-12-19T21:23:00+00:00",
        ),
        # an idiom (d2609)
        (
            "Morgan insisted that this would be his last term of office, and that he will “sail "
            "off into the sunset” in 2022.",
            "2020-02-02T12:00:00+00:00",
        ),
    ],
)
def test_a_date_near_a_verb_is_no_deadline(sentence: str, published: str) -> None:
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        # "<weekday> next week" is that weekday of the next calendar week, whatever past verb
        # stands before it (d2704, published on a Monday)
        (
            "The trial was scheduled to begin on Monday, but after pleading guilty they were "
            "taken away ahead of a sentencing hearing on Wednesday next week, where they face a "
            "penalty of up to five years in prison.",
            "2020-11-23T12:00:00+00:00",
            ["2 December 2020 · hearing or vote"],
        ),
        # a government measure that ends on a date expires then
        (
            "Covid in Scotland: 'Stay at home' rule to end on Friday",
            "2021-03-30T11:49:43+00:00",
            ["2 April 2021 · expires"],
        ),
        (
            "Lockdown will end on 2 December – but there will still be strict regional "
            "restrictions.",
            "2020-11-24T06:30:13+00:00",
            ["2 December 2020 · expires"],
        ),
        (
            "Washington will end its COVID-19 state of emergency at the end of October.",
            "2022-09-09T16:40:04+00:00",
            ["October 2022 · expires"],
        ),
        # support lasting "until end of" a month ends then (the noun "end of" is no verb)
        (
            "UK furlough scheme extended until end of October",
            "2020-05-12T12:05:38+00:00",
            ["October 2020 · expires"],
        ),
        # a rule's start "on" a date after a verb of starting
        (
            "Stricter rules to start on Thursday will need to bring the R rate \"below 1\", the "
            "cabinet minister says.",
            "2020-11-01T16:37:07+00:00",
            ["5 November 2020 · takes effect"],
        ),
        # a trial beside words of law is a court's
        (
            "PC Jonathon Cobban, PC William Neville and ex-officer Joel Borders will stand trial "
            "in July.",
            "2022-03-16T11:39:09+00:00",
            ["July 2022 · hearing or vote"],
        ),
        # a class of venues reopening (d2622), an authority's passive act from a date
        ("Coronavirus: Dental practices to reopen from 8 June", "2020-05-29T12:00:00+00:00",
         ["8 June 2020 · takes effect"]),
        (
            "Warning signs will be reinstated before and after mobile speed cameras on NSW roads "
            "from January 1, two years after the state government's controversial decision to "
            "remove them sparked public backlash.",
            "2022-10-11T00:02:06+00:00",
            ["1 January 2023 · takes effect"],
        ),
    ],
)  # fmt: skip
def test_a_dated_obligation_is_found(sentence: str, published: str, expected: list[str]) -> None:
    assert labels(sentence, published) == expected
