"""Deadline extraction on general forms: which word governs a date, hedges, holidays, conditions.

Sentences are real feed text (the deadline set's dev split and dev-side archive entries)."""

from __future__ import annotations

import pytest

from tests.deadlinekit import labels


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # a holiday on a fixed day is that day; "coming into effect" is a rule, not a launch
            "A slew of new laws are coming into effect in Ontario on Canada Day. Here's what you "
            "should know",
            "2026-06-30T21:47:00",
            ["1 July 2026 · takes effect"],
        ),
        (
            "Non-essential shops will have to close from Christmas Eve, with a lockdown starting "
            "on 28 December.",
            "2020-12-16T13:16:03",
            ["24 December 2020 · takes effect", "28 December 2020 · takes effect"],
        ),
        (  # a hedge on a limit leaves the limit: the ban ends then
            "N.L. government declares fire ban for all Labrador, until at least July 13",
            "2026-07-01T20:49:00",
            ["13 July 2026 · expires"],
        ),
        (  # "end of" a month without "the"; a court's judgment is its ruling
            "Judgment on Quebec secularism law may land by end of November, Supreme Court chief "
            "justice says",
            "2026-06-10T00:58:00",
            ["November 2026 · hearing or vote"],
        ),
        (  # a measure's start outweighs words of travel ("arriving")
            "Late-night change means travellers arriving from France, Netherlands, Malta, Turks "
            "and Caicos, and Aruba from Saturday face 14-day quarantine UK adds France to 14-day "
            "quarantine list What should I do if I have a holiday booked to France?",
            "2020-08-14T08:51:00",
            ["15 August 2020 · takes effect"],
        ),
        (  # "hearings", plural, on a weekday still to come
            "Lawyers for a consortium led by Friends of the Earth Netherlands will argue on the "
            "first of four days of public hearings on Tuesday that Shell has been aware for "
            "decades of the damage it has inflicted and is acting unlawfully by expanding its "
            "fossil fuel operations.",
            "2020-11-30T11:12:00",
            ["1 December 2020 · hearing or vote"],
        ),
        (  # the date after an announced measure is the measure's, not the announcement's
            "In Germany, the federal government is offering subsidies to hospitality businesses "
            "wishing to buy them, even though they had been banned in some cities, while the "
            "French ecology minister has called them an “ecological aberration” and announced a "
            "ban from next year .",
            "2020-10-27T14:00:00",
            ["2021 · takes effect"],
        ),
        (  # "this April"
            "This April the final phase of the tax changes on buy-to-let income comes into force, "
            "and the good news is that landlords are giving up on the game.",
            "2020-02-08T09:00:00",
            ["April 2020 · takes effect"],
        ),
        (  # a duty to stay so "until the end of" a month ends then
            "They were ordered to shield at home until the end of June, although their employers "
            "did not have to furlough them.",
            "2020-05-29T12:00:00",
            ["June 2020 · expires"],
        ),
    ],
)
def test_general_forms_date_their_deadline(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # an end "on" the publication weekday is the day itself (GUIDELINES.md)
        ("A key U.S. spy tool is set to lapse on Friday — now what?", "2026-06-12T12:00:00"),
        # the date belongs to the verb between it and the consultation: a target
        (
            "Ottawa begins consultations on strategy to double Canada’s grid capacity by 2050",
            "2026-05-14T16:21:00",
        ),
        # a condition of inaction after the date: a projection
        (
            "Social Security will have to cut benefits by 2034 if Congress does nothing to "
            "address the program's long-term funding shortfall, according to an annual report "
            "released Tuesday by the Social Security and Medicare trustees.",
            "2021-08-31T12:00:00",
        ),
        # a warning is advice, whatever it lasts until
        (
            "Spain has ruled out any early reopening of its tourism sector and Germany is set to "
            "extend a travel warning for all leisure trips outside the country until mid-June, "
            "casting further doubt on when would-be holidaymakers will be able to venture abroad "
            "again.",
            "2020-04-29T12:00:00",
        ),
        # a plan only a newspaper reports is no decision
        (
            "The United Kingdom has drawn up plans to require employers to cover 20% to 30% of "
            "furloughed employees’ wages from August to reduce the burden of the coronavirus "
            "crisis on government finances, the Times newspaper has reported .",
            "2020-05-23T06:12:00",
        ),
        # a holiday just gone by is not next year's
        (
            "The news, which leaves a sizeable hole at the top of England’s batting order, came "
            "soon after it emerged Jofra Archer is all but certain to miss this Cape Town Test "
            "with an elbow injury that flared up on New Year’s Day.",
            "2020-01-02T19:14:21",
        ),
        # sport is out of scope
        (
            "English Football League chairman Rick Parry says the season needs to be concluded "
            'before 31 July and that clubs face a "£200m hole".',
            "2020-05-05T10:36:27",
        ),
        # "until the end of" ends a state; the duty in the next clause is not limited by it
        (
            "Germany holds the EU presidency until the end of December and will have to oversee "
            "negotiations on the next EU budget, which will involve juggling increasingly "
            "difficult demands.",
            "2020-02-05T07:00:00",
        ),
        # a wish is no rule
        (
            "I’m just praying that further travel bans have been put in place by September and "
            "that Tottenham are forced out of the competition by the Foreign Office.",
            "2020-08-07T11:02:00",
        ),
        (
            "These included the recommendation that players’ expiring contracts can be extended "
            "beyond the end of June and confirmation that it would permit transfer windows to be "
            "put back beyond the end of August and inserted into the gap between this season and "
            "its delayed successor.",
            "2020-04-07T18:44:00",
        ),
    ],
)
def test_targets_projections_advice_and_past_days_are_no_deadline(sentence: str, published: str):
    assert labels(sentence, published) == []
