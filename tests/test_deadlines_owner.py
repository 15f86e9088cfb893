"""Deadline extraction: whose date it is and whether it is still to come (a sitting awaited, a
record's date, "the end of" as a noun, a bare "this month", elections, commerce, spells).

Sentences are real feed text: the deadline set's dev split and dev-side archive entries
(rumca-js/RSS-Link-Database-2020, -2021, -2022; links whose SHA-1 is not divisible by 3)."""

from __future__ import annotations

import pytest

from tests.deadlinekit import labels


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # a sitting one faces is still to come (d532)
            "Rishi Sunak was facing the prospect of defeat in a Commons vote on Tuesday after a "
            "rebel amendment to the online safety bill won opposition support.",
            "2023-01-16T23:36:41",
            ["17 January 2023 · hearing or vote"],
        ),
        (  # ... and so is one "ahead of" which something happens (d4376)
            "With MPs and experts still poring over the 1,246-page details of the agreement ahead "
            "of votes in the Commons and Lords on Wednesday, increasing focus has fallen on the "
            "relative lack of provision for the service sector, which makes up about 80% of the "
            "UK economy.",
            "2020-12-27T18:14:59",
            ["30 December 2020 · hearing or vote"],
        ),
        (  # a government ending its own state of emergency: the verb, not the noun "the end"
            "Washington will end its COVID-19 state of emergency at the end of October.",
            "2022-09-09T16:40:04",
            ["October 2022 · expires"],
        ),
        (
            "Rishi Sunak has insisted that he will close the furlough scheme at the end of next "
            "month – but this week hinted that he could announce new measures to protect "
            "employment, telling MPs he would use “creative” ways to help keep people in jobs.",
            "2020-09-16T17:54:30",
            ["October 2020 · expires"],
        ),
        (  # a sentencing is a court's sitting
            "Elizabeth Holmes, the founder of failed blood testing startup Theranos who was "
            "convicted of fraud earlier this year, is scheduled to be sentenced on Friday morning "
            "by a judge in court in San Jose, California.",
            "2022-11-18T11:04:45",
            ["25 November 2022 · hearing or vote"],
        ),
        (  # a weekday's sitting owes no act: "to replace" is what the vote decides
            "The House Republican Conference is expected to vote Wednesday morning to replace "
            "Wyoming Rep. Liz Cheney as GOP conference chair.",
            "2021-05-11T13:36:43",
            ["12 May 2021 · hearing or vote"],
        ),
    ],
)
def test_dates_still_to_come_keep_their_kind(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # on the publication weekday a bare "vote Sunday" is that day's
        (
            "Nancy Pelosi must count carefully ahead of House speakership vote Sunday",
            "2021-01-03T17:44:13",
        ),
        # "the end of" is a noun: a product's giveaway ends nothing a policy team tracks
        (
            "Epic has confirmed that the free games program will continue through at least the "
            "end of 2022.",
            "2022-09-08T15:09:00",
        ),
        # a bare "this month" after a past verb is the month of the act
        (
            "Tesla recalled 129,960 vehicles this month to fix infotainment systems that may "
            "overheat before and during fast charging.",
            "2022-05-10T17:00:26",
        ),
        # a yearless day far ahead is written with its year: without it, a day gone by
        (
            "Cassidy Hutchinson stands by testimony at Jan. 6 hearing amid pushback",
            "2022-06-29T22:00:40",
        ),
        # a midterm vote is voters' election
        (
            "Misleading and divisive posts about the Nov. 8 midterm vote have flooded social "
            "media.",
            "2022-09-23T09:00:32",
        ),
        # a span of centuries and a spell "for the next month" name no date
        (
            "‘In 400 years we’ve yet to find a vaccine,’ writes actor in attack on Donald Trump’s "
            "response to demonstrations as ‘a racial dog whistle’ George Clooney has called for a "
            "“systematic change” of law enforcement, criminal justice and political leadership in "
            "the US, in an essay reacting to the crisis triggered by the killing of George Floyd "
            "by Minneapolis police officers last week.",
            "2020-06-02T09:38:15",
        ),
        (
            "US stocks lost 5% on Wednesday and futures point to another 5% plunge when Wall "
            "Street opens today, after President Trump announced overnight that he will ban all "
            "travel from Europe for the next month to slow the spread of the virus.",
            "2020-03-12T10:22:32",
        ),
        # a sitting after a past verb is gone by
        (
            "Sen. Elizabeth Warren (D-MA) and celebrity investor Kevin O’Leary clashed during a "
            "Wednesday hearing of the Senate Banking Committee discussing new federal regulations "
            "on cryptocurrency following the collapse of digital asset exchange FTX.",
            "2022-12-16T08:43:00",
        ),
        # a change over a span looks back
        (
            "A D.C.-area county in Maryland is enforcing a curfew against children under the age "
            "of 17 amid a rise in juvenile crime that has more than doubled in a year.",
            "2022-09-06T15:04:19",
        ),
    ],
)
def test_past_spells_elections_and_products_are_no_deadline(sentence: str, published: str):
    assert labels(sentence, published) == []


def test_a_record_dated_from_a_month_is_no_start():
    # d724: "analysis ... from May" is when the analysis was made, not a rule's start
    sentence = (
        "The latter, in Kentucky, seemed an even harder bet: Kentucky is one of the 16 US states "
        "that, before the November vote, seemed to have more support for banning abortion than "
        "protecting it, according to analysis by the New York Times from May."
    )
    assert "May 2023 · takes effect" not in labels(sentence, "2023-01-01T07:00:40")


def test_a_month_of_its_year_keeps_the_year():
    sentence = (
        "Incidentally, the $119 Chromebook’s support expires in June of 2026, so you’ll have "
        "three and a half years of service."
    )
    assert labels(sentence, "2022-11-28T12:00:00") == ["June 2026 · expires"]
