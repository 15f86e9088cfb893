"""Dated obligations in a story's text: what takes effect, closes, must be done, is heard or
voted, or expires, and when (with the precision the text gives: day, month, quarter, year).

Pure: text and the item's publication date in, `core.deadlines.Deadline`s out. Our rules find
date expressions next to a trigger ("takes effect", "must ... by", "until", "<date> deadline"),
name the kind, and keep only what is still to come; python-dateutil does the calendar work.

Why python-dateutil and not dateparser: we need the date of a span our own patterns already
found, plus calendar arithmetic ("within three weeks", "next month", the next Sunday), not a
search for dates in free text in 200 languages. dateutil's `parser.parse` turns a span into a
date in tens of microseconds and refuses impossible ones (30 February); its `relativedelta` adds
days, months and weekdays with month ends handled. dateparser costs about a millisecond per call
(language detection, hundreds of patterns) and would blow the 0.2 ms per item budget, and its
search mode also finds "today" and bare numbers that we must refuse anyway. The parser is called
only for spans our patterns matched, and its answers are cached.

The sentence splitter is private: digest/text/ has no sentence splitter yet.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dateutil import parser as date_parser
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta, weekday

from core.deadlines import Deadline, Kind, Precision, period_end

__all__ = ["extract_deadlines", "MAX_TEXT_CHARS"]

MAX_TEXT_CHARS = 20_000  # a story's text beyond this is not read (a feed summary is far shorter)

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty-five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUMBER = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
# An event that runs until a day is a show closing, not a measure ending
_EVENT = re.compile(
    r"\b(?:exhibitions?|auctions?|festivals?|retrospective|gallery|concerts?|screenings?"
    r"|on (?:show|display))\b",
    re.IGNORECASE,
)
# What a duty asks done within a span: "30 days to comply", "three weeks to secure"
_ACT = (
    r"comply|patch|fix|remove|change|secure|apply|mitigate|update|address|implement|respond"
    r"|disable|replace|divest|sell"
)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# One alternation, tried left to right at each position: the longest forms first.
_DATE = re.compile(
    rf"""
    (?P<iso>\b(?P<yi>20\d\d)-(?P<mi>[01]\d)-(?P<di>[0-3]\d)\b)
  | (?P<hol>\b(?i:new\s+year['’]s\s+(?:day|eve)|canada\s+day|christmas\s+(?:day|eve)|boxing\s+day
        |fourth\s+of\s+july)\b)
  | (?P<dmy>\b(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})\b\.?
        (?:,?\s+(?P<y1>(?:19|20)\d\d))?)
  | (?P<mdy>\b(?P<m2>{_MONTH})\.?\s+(?P<d2>[0-3]?\d)(?:\s?(?:st|nd|rd|th))?\b
        (?:\s?,?\s*(?P<y2>(?:19|20)\d\d))?)
  | (?P<qtr>\b(?:Q(?P<qn>[1-4])|(?P<qw>first|second|third|fourth)\s+quarter(?:\s+of)?)
        \s+(?P<y3>20\d\d)\b)
  | (?P<my>\b(?:(?P<part>early|mid|late)[\s-]+)?(?P<m3>{_MONTH})\b(?!-[a-z])\.?
        (?:\s+(?:of\s+)?(?P<y4>(?:19|20)\d\d))?)
  | (?P<within>\b(?i:within|in)\s+(?i:the\s+next\s+)?(?P<n1>(?i:{_NUMBER}))[\s-]
        (?P<u1>(?i:hour|day|week|fortnight|month|year|business\sday))(?i:s)?\b(?!-))
  | (?P<span>\b(?P<n2>(?i:{_NUMBER}))[\s-](?P<u2>(?i:hour|day|week|month))(?i:s)?(?:\s+|-)
        (?i:deadline|to\s+(?:{_ACT})))
  | (?P<ext>\b(?i:by|for)\s+(?i:another\s+|a\s+further\s+|an\s+(?:additional|extra)\s+)?
        (?P<n4>(?i:{_NUMBER}))[\s-](?P<u4>(?i:day|week|fortnight|month))(?i:s)?\b(?!-))
  | (?P<next>\b(?i:next|the\s+coming)\s+(?P<u3>(?i:month|year))\b)
  | (?P<thisyear>\b(?i:(?:by\s+)?the\s+end\s+of\s+(?:the|this)\s+year|later\s+this\s+year
        |by\s+year[\s-]end|end-of-(?:the-)?year|(?:at|by)\s+year['’]s\s+end|(?:the\s+end\s+of\s+(?:this|the)|this)\s+month(?!['’]s)|(?:early|later|late)\s+next\s+year)\b)
  | (?P<year>\b(?P<y5>20[2-9]\d)\b(?![-/]\d|\s*[-–]\s*\d))
  | (?P<tomorrow>\b(?i:tomorrow)\b)
  | (?P<wd>\b(?P<wday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)
    """,
    re.VERBOSE,
)
# Holidays on a fixed day of the year (month, day)
_HOLIDAYS = {
    "new year's day": (1, 1), "new year's eve": (12, 31), "canada day": (7, 1),
    "christmas eve": (12, 24), "christmas day": (12, 25), "boxing day": (12, 26),
    "fourth of july": (7, 4),
}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z0-9]+")
# The first words of the forms `_DATE` knows (besides numbers)
_ANCHORS = frozenset(
    [*_MONTHS, *_NUMBERS, *_DAYS, "new", "canada", "christmas", "boxing", "within", "in",
     "tomorrow", "after", "next", "the", "by", "at", "later", "this", "early", "mid", "late",
     "q1", "q2", "q3", "q4", "first", "second", "third", "fourth", "for", "end"]
)  # fmt: skip
# A bare month or year is a date only after one of these (or before "deadline"): "in June",
# "from 2027", "by the end of 2030"; otherwise "May" is a verb and "2026" a season's name.
_LEAD = re.compile(
    r"(?:\b(?:in|from|by|until|till|before|starting|beginning|through|after|effective|since"
    r"|of|end|as of|no later than|early|late|mid|spring|summer|autumn|fall|winter|this|next)\s*"
    r"|(?:\band|\bor)\s+|[–-])$",
    re.IGNORECASE,
)
# "a June 25 deadline", "the Monday afternoon vote": the noun the date modifies follows it, with
# at most a few modifiers between; a verb or a preposition between starts another phrase
# ("late on Friday asking followers to vote")
_DEADLINE_AFTER = re.compile(
    r"^\s*(?:(?!(?:to|and|or|on|in|at|for|of|by|the|a|an|is|was|will|asking|after|before)\b)"
    r"[\w.-]+\s+){0,3}?(?:deadlines?|trial|hearing|vote)\b",
    re.IGNORECASE,
)
# "the deadline (for ...) is now Dec. 18", "a deadline of 1 March": the noun before its date
_DEADLINE_BEFORE = re.compile(
    r"(?P<owner>\b[\w.]+['’]s\s+(?:[\w-]+\s+){0,2})?\b(?:deadlines?|due date|compliance date)\b"
    r"(?P<what>[^.;:]{0,90}?)\s+"
    r"(?:(?:is|was|are)\s+(?:now\s+)?(?:(?:fast\s+)?approaching\s+|set\s+(?:for|at)\s+"
    r"|extended\s+to\s+)?(?:on\s+)?|falls\s+on\s+|of\s+"
    r"|(?:to|until)\s+)$",
    re.IGNORECASE,
)
_TO_ACT = re.compile(
    r"\bto\s+(?:meet|comply|file|submit|register|pay|install|apply|complete|respond|provide"
    r"|implement|vet|report|notify|disclose|divest|sell)\b",
    re.IGNORECASE,
)
_CLAIMS = re.compile(
    r"\b(?:claims?|settlement|compensation|refunds?|payouts?)\b(?! (?:to|that)\b)",
    re.IGNORECASE,
)
_COURT = re.compile(r"\b(?:[Cc]ourts?|[Jj]udges?|[Tt]ribunal|[Jj]ustices?)\b")
# "April-May 2026": a month that opens a range of months is a date too
_RANGE_AFTER = re.compile(rf"^\s*[-–]\s*{_MONTH}\b")
_RANGE_TO = re.compile(
    rf"\s*(?:to|through|until|till|and|[-–])\s+(?:(?:early|mid|late)[\s-]+)?({_MONTH})\b\.?"
    r"(?:\s+(20\d\d))?",
    re.IGNORECASE,
)
_RANGE_YEAR = re.compile(rf"^\s*[-–]\s*{_MONTH}\.?\s+(20\d\d)\b")
# A limit before a date looks forward on its own; "from March" may be a past spell's start
_LIMIT_LEAD = re.compile(r"\b(?:by|until|till|before|no later than)\s*$", re.IGNORECASE)
# "Income tax to be cut by 1p from April": an infinitive speaks of what is still to come
_INFINITIVE = re.compile(r"\bto\s+(?:be\s+)?[a-z]+", re.IGNORECASE)
_FUTURE_LEAD = re.compile(
    r"\b(?:by|until|till|through|(?:from|starting|beginning)(?:\s+(?:in|on))?|before|effective"
    r"|no later than|(?:the )?end of|mid|early|late)[\s-]*$",
    re.IGNORECASE,
)
# A rule that "kicks in" starts; a "kick in the teeth" is a blow
_KICK_IN = r"kicks?\s+in(?!\s+the\s+(?:teeth|guts|stomach|face|pants|shins)\b)"
# Words that speak of what is still to come, just before a month written without its year
_WILL = re.compile(
    r"(?:['’]ll\b)|\b(?:will|takes effect|take effect|comes into force|come into force"
    r"|expires|is due|expire|lapses?|go(?:es)? into effect|" + _KICK_IN + r"|appl(?:y|ies) from"
    r"|runs? out|closes?|ends|starts|begins"
    r"|are due|set to|is to|are to|scheduled|slated|set for|is set|are set|due on|set a \w+ for)\b",
    re.IGNORECASE,
)
# A verb still to come before a bare "this month": "subsidies expire this month", "certificates
# expiring this month", "will be lifted this month"
_THIS_MONTH_AHEAD = re.compile(
    rf"(?:{_WILL.pattern})|\b(?:expiring|ending|lapsing|expected\s+to|to\s+be\s+\w+ed|due\s+to)\b"
    r"|\blater\s*$",
    re.IGNORECASE,
)
# A date that was once set and has been given up: "originally scheduled to run from 27 June"
_ORIGINALLY = re.compile(
    r"\b(?:originally|initially|previously)\s+(?:been\s+)?(?:scheduled|planned|set|due|slated"
    r"|expected|intended)\b[^.;]{0,40}$",
    re.IGNORECASE,
)
# A spell that runs through the next month or year names no date: "for the next month"
_SPELL_LEAD = re.compile(r"\b(?:for|over|during|throughout)\s+(?:the\s+)?$", re.IGNORECASE)
# A yearless date this far behind the publication day is next year's only when it lies further
_RECENT = relativedelta(months=3)
# A yearless month this far ahead is next year's only when the words look forward
_FAR = relativedelta(months=6)
_PAST_LEAD = re.compile(
    r"\b(?:since|between|last)(?:\s+the\s+[\w-]+(?:\s+on)?)?\s*$|\bafter\s+the\s+[\w-]+\s+on\s*$",
    re.IGNORECASE,
)
# "the first ... in 10 years", "its highest level in six months": a span that looks back
_RECORD = re.compile(
    r"\b(?:first|highest|lowest|biggest|largest|smallest|worst|best|most|least|fastest|slowest"
    r"|strongest|weakest|longest|shortest|deadliest|hottest|coldest|wettest|driest|sharpest"
    r"|steepest|record|ever"
    # a change over a span looks back: "has more than doubled in a year"
    r"|doubled|tripled|halved|rose|fell|grew|dropped|jumped|surged|soared|plunged|slumped"
    # "its third prime minister in two years": a count that looks back
    r"|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\b[^.;,]{0,60}$",
    re.IGNORECASE,
)
# A day used as the name of what happened on it: "the January 6 attack", "Jan. 6 panel"
_NAMED_DAY = re.compile(
    r",?\s+(?:(?:select|House|Senate)\s+)?(?:committee|panel|attack|attacks|riot|riots|rioters"
    r"|insurrection|anniversary|probe|investigation|massacre|bombing|bombings|uprising)\b",
    re.IGNORECASE,
)
# A time of day or a weekday between a governing word and its date says nothing of the kind:
# "come into force at 04:00 GMT Tuesday", "from Monday 12 April", "at midnight on Monday"
_CLOCK_TAIL = re.compile(
    r"(?:\s*\b(?:at\s+|until\s+|before\s+|after\s+)?(?:midnight|noon|sunset|sunrise|dawn|dusk|\d{1,2}[:.]\d\d\s*(?:am|pm)?"
    r"|\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.))(?:\s*(?:GMT|BST|UTC|CET|ET|EST|EDT|PT|local\s+time))?"
    r"(?:\s+on)?"
    r"|\s*\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?)\s*$",
    re.IGNORECASE,
)
_DATE_AFTER_DAY = re.compile(
    rf",?\s+(?:(?:the\s+)?[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|{_MONTH}\.?\s+[0-3]?\d\b)"
)
_NEXT_LEAD = re.compile(r"\bnext\s+$", re.IGNORECASE)
_LAST_YEAR = re.compile(r"\s+last\s+year\b", re.IGNORECASE)
_NEXT_YEAR = re.compile(r"\s+next\s+year\b", re.IGNORECASE)

# Triggers, by kind. Verbs in past forms are deliberately absent: "took effect in January".
_I = re.IGNORECASE
_T_CONSULTATION = re.compile(
    r"\b(?:(?<!in )consultations?(?! with)|consult(?:s|ing) on|public comments?|comment period"
    r"|comments? (?:are |is )?due|comments? (?:close|closes|must be (?:received|submitted))"
    r"|call for (?:evidence|input)|feedback (?:is |are )?due|submissions? (?:close|are due))\b",
    _I,
)
_T_HEARING = re.compile(
    r"\b(?:to rule(?! out)|will rule|rule on|ruling(?! party| coalition)|to decide|will decide"
    r"|decision(?! to)|verdict|judge?ments?|vote"
    r"|votes|voting|hearings?|trial(?! basis| period| run| version)|to pass|expected to pass"
    r"|(?:will|to) debate"
    r"|(?:will|to) hear (?:(?:the|a|an|oral|final|opening|closing)\s+)*(?:arguments|appeals?"
    r"|challenges?|cases?|testimony|evidence)|sentencing|(?:to\s+)?be\s+sentenced)\b",
    _I,
)
# A hearing or vote spoken of as still to come: "will vote next month", "to hear ... in January"
_SCHEDULED = re.compile(r"\b(?:will|to|set|scheduled|due|expected)\b", re.IGNORECASE)
_T_EXPIRY = re.compile(
    r"\b(?:expire|expires|expiring|expiry|expiration|(?<!until )(?<!at )(?<!before )sunsets?"
    r"|lapse|lapses|end date"
    r"|end of support"
    # what ends is a protection, a scheme or a pact, not a strike or a season
    r"|(?:status|protections?|exemptions?|waivers?|programs?|programmes?|schemes?|licen[cs]es?"
    r"|subsid\w+|benefits?|moratorium|derogations?|truce|ceasefire|funding|authori[sz]ation"
    r"|treaty|stopgap|mandate|emergency|deal|agreement|term|grace period)\s+(?:[\w-]+\s+){0,6}?"
    # (the verb, not the noun: "a trade deal by the end of the year" ends nothing)
    r"(?:(?<!the\s)ends?|will\s+end|set\s+to\s+end)"
    r"|runs? out(?!\s+of)"
    # a scheme closed or left ends then: "will close the furlough scheme at the end of next month"
    # (one that must end is a duty: "judge rules Rhode Island must end tolling program")
    r"|(?<!must\s)(?<!to\s)(?:clos(?:e|es|ing)|end(?:s|ing)?|scrap(?:s|ping)?"
    r"|wind(?:s|ing)?\s+down)\s+(?:[\w'’-]+\s+){0,5}?(?:schemes?|programmes?|programs?"
    r"|subsid\w+|benefits?|funding|(?:state\s+of\s+)?emergency|moratorium|exemptions?"
    r"|waivers?|protections?)"
    r"|(?:scrap|repeal|revoke|abolish|sunset)\w*\W+(?:[\w-]+\s+){0,4}?(?:laws?|rules?"
    r"|regulations?))\b",
    _I,
)
# An expiry verb that governs the date after it: "set to expire on", "expires at the end of"
_GOVERNS_EXPIRY = re.compile(
    r"\b(?:expire|expires|expiring|lapse|lapses|(?<!until )(?<!at )(?<!before )sunsets?)\s+"
    r"(?:(?:on|in|at|by)\s+)?"
    r"(?:the\s+end\s+of\s+)?$"
    # what ends on a date ends then only if it is a protection, a scheme or a pact: "protected
    # status ends Feb. 3" (a strike or a season that ends is news, not a calendar entry)
    r"|\b(?:status|protections?|exemptions?|waivers?|programs?|programmes?|schemes?|licen[cs]es?"
    r"|subsid\w+|benefits?|moratorium|derogations?|truce|ceasefire|funding|authori[sz]ation"
    r"|treaty|stopgap|grace period)\s+(?:[\w-]+\s+){0,6}?(?:ends?|will\s+end|set\s+to\s+end"
    r"|runs?\s+out)"
    r"\s+(?:(?:on|in|at)\s+)?(?:the\s+end\s+of\s+)?$",
    _I,
)
_GOVERNS_EFFECT = re.compile(
    r"\b(?:takes?|taking|go(?:es)?|going|comes?|coming|enters?|entering)\s+(?:into\s+)?"
    r"(?:effect|force|application)\s+(?:(?:on|in|from|at|by|as of)\s+)?$",
    _I,
)
# What lasts until a date, and so ends then: "extended until", "valid until", "runs until"
_T_EXTENSION = re.compile(
    r"\b(?:extends?|extended|extension|renewal|banned|suspended|valid|runs"
    # "measures ... will now continue until 2 November"
    r"|(?:will|to|would)\s+(?:now\s+|only\s+)?continue|(?:remains?|be|stays?)"
    r"\s+in\s+(?:force|place|effect)|fix(?:ed|ing)|frozen|freez\w+|capped|guaranteed|stopgap|interim)\b",
    _I,
)
_T_DUTY = re.compile(
    r"\b(?:comply|must|required to|requiring|require[sd]? .{0,60}? to|ordered"
    # a command names whom it binds and what they must do: "orders X to", "forces Y to"
    # (a past passive "had been forced to climb" tells what happened)
    r"|direct(?:s|ed|ing)|(?:orders|ordering"
    r"|(?<!into )(?<!been )(?<!was )(?<!were )forc(?:e|es|ed|ing))"
    r"\s+(?:[\w.'’-]+\s+){0,5}?to"
    # or what they must have done: "orders documents unsealed by Tuesday"
    r"|(?:orders|ordering)\s+(?:[\w.'’-]+\s+){1,6}?[a-z]+(?:ed|en)(?=\s+(?:by|before|within)\b)"
    # "will need to" binds; "emissions need to fall by 2030" is an exhortation
    r"|(?:will|['’]ll|would)\s+need\s+to|urging|given until|have until"
    # an instruction passed on: "surgeries have been told to be ready ... by 14 December"
    r"|(?:have|has|had)\s+been\s+told\s+to|(?:are|were|was|is)\s+(?:being\s+)?told\s+to"
    r"|has until|has to"
    r"|have to|remediate|(?:is|are) due (?:by|no later than)"
    r"|apply the fix(?:es)?|secure (?:their|its)|KEV)\b",
    _I,
)
# A span counted from an event, not from today: "within 24 hours of discovering", "after receipt"
_SPAN_ANCHOR = re.compile(
    r"\s*(?:of|after|from|following)\s+(?:(?:the|a|an|their|its|his|her|that|this|those"
    r"|these|such)\s+\w+"
    r"|\w+ing\b|receipt|request|notice|notification|incident|breach|detection|discovery"
    r"|enactment|publication|award)",
    re.IGNORECASE,
)
# A span being changed dates nothing: "shortening the 50-day deadline", "extends its 30-day window"
_SPAN_CHANGED = re.compile(
    r"\b(?:shorten\w*|extend\w*|lengthen\w*|cut\w*|scrap\w*|drop\w*|abandon\w*)\s+(?:the|its|his"
    r"|her|their|a)\s*$",
    _I,
)
_SPAN_WORDS = re.compile(r"(?:within|in|\d|[a-z]+[\s-](?:hour|day|week|month|year))", _I)
# A clause that sets the event a span counts from: "once someone has refugee status, ..."
_CONDITION = re.compile(r"\b(?:once|whenever)\b[^.;]*$", _I)
# Advice is no duty: "should patch within 24 hours", "recommends migrating by"
# and neither is a warning or a recommendation ("experts warn the country needs to ... by July 4")
_ADVICE = re.compile(
    r"\b(?:should|warns?|warned|warning|recommends?|recommended|advises?|advised|advice)\b",
    _I,
)
# A wish is no rule unless an authority voices it (then `_DEMAND` reads it as an ultimatum)
_WISH = re.compile(r"\b(?:wants?|would like|hoping|pray(?:s|ing)?)\b[^.;]*$", _I)
# Advice or a warning that lasts until a date is no measure ending: "extended its advice to
# nationals ... until", "extend a travel warning ... until mid-June"
_ADVICE_NOUN = re.compile(r"\b(?:advice|advis(?:es|ed|ing|ory)|recommend\w*|warnings?)\b", _I)
# Weaker: the act a duty asks for, a duty only where nothing says "plan" or "product"
_T_COMPLIANCE = re.compile(
    rf"{_T_DUTY.pattern}|\b(?:patch|patching|mitigat\w*|migrat\w*|transition|remove"
    r"|compliance|compliant)\b",
    _I,
)
_T_EFFECT = re.compile(
    r"\b(?:takes? effect|go(?:es)? into effect|going into effect|come(?:s)? into (?:force|effect)"
    r"|enters? into force|in force|into force|bring into force|effective|appl(?:y|ies) from"
    r"|will apply|ban|bans|banning|to ban|will require|to require|(?:will|would) be required"
    r"|will block"
    r"|(?:will|to) (?:disable"
    r"|deprecate)|mandatory|compulsory|" + _KICK_IN + r"|start(?:s)? (?:blocking"
    r"|enforcing)|enforc\w+|tariffs?|duties|levies|illegal|deprecate|mandate"
    r"|banned"
    r"|rules?|law|laws|act|regulation|directive"
    # an order of law, not a purchase or an idiom ("Order by December 8", "a military order",
    # "in order to")
    r"|(?<!in )(?<!pre-)(?<!military )(?<!purchase )(?<!your )\border"
    r"(?!\s+(?:by|now|today|online|before|of|yours|your|that includes)\b))\b",
    _I,
)
# What a government changes from a date besides its laws: taxes, requirements, borders, trade
# ("Income tax to be cut by 1p from April", "China will drop a quarantine requirement starting
# Jan. 8", "all air passengers ... will need a negative test"); only with "from <date>"
_MEASURE = re.compile(
    r"\b(?:tax|taxes|levy|levies|requirements?|borders?|border crossings?|quarantine|curfew"
    r"|lockdown|restrictions?|curbs?|price caps?|minimum wage|exports?|imports?|visas?"
    # a region moved into a level of restrictions
    r"|tier\s+(?:\d|one|two|three|four)|alert\s+level"
    r"|permits?|licen[cs]es?|(?:will|won['’]t|will not) (?:need|have to(?!\s+wait))"
    r"|(?:to|will)(?: only)? allow"
    r"|self-isolat\w*|isolation|legali[sz]\w*"
    # a class of venues ordered shut or opened: "nightclubs to close", "schools will be closed"
    r"|(?:schools|nightclubs|clubs|bars|pubs|restaurants|shops|gyms|venues|businesses"
    r"|hospitality)\b[^.;]{0,90}\b(?:to|will|must|can|ordered to)\s+(?:be\s+)?(?:\w+ly\s+)?"
    r"(?:close|closed|shut|reopen|open)\b"
    r"|decriminali[sz]\w*|criminali[sz]\w*|outlaw\w*)\b"
    # a platform's use of its users' data changes for all of them ("will use IP addresses from
    # UK users for ad measurement from August 3", "to train AI on E.U. user data from May 27")
    r"|\b(?:use|using|process\w*|shar(?:e|es|ing)|collect\w*|train\w*)\b[^.;]{0,40}"
    r"\b(?:data|posts|IP addresses|personal information|photos|messages)\b",
    _I,
)
# What an authority does to all from a date: "will reduce flights", "to halt deportations"
_GOV_ACT = re.compile(
    r"(?:['’]ll|\b(?:will|to|would))\s+(?:[\w-]+ly\s+)?(?:cut|reduce|raise|increase|halt|suspend"
    r"|resume|impose|cap|limit|restrict|stop|end|lower)\b",
    _I,
)
# Words after a past verb that turn to what is still to come
_AHEAD = re.compile(
    r"(?:['’]ll\b)|\b(?:must|will|would|shall|has until|have until|required to|due|set to|scheduled"
    r"|expected to"
    r"|ordered|orders|giving|gives|urging|until|through|till|to (?!the\b|a\b|an\b)\w+"
    r"|that,? (?:from|starting|by)"
    # a present verb of the date's own rule: "was signed on 3 November and takes effect on"
    r"|takes? effect|(?:comes?|enters?) into force|go(?:es)? into effect|"
    + _KICK_IN
    + r"|expires?)\b",
    _I,
)
# A demand that another party act: "US wants Russia and Ukraine to end war by June"
_DEMAND = re.compile(
    r"\b(?:wants?|demands?|demanded|calls? on|called on|presses|pressed|pushes|pushing)\s+"
    r"(?:[\w.-]+\s+){1,4}?to\s+\w+",
    _I,
)
# Only law starts this way; no product "takes effect" or "comes into force"
_IN_FORCE = re.compile(
    r"\b(?:takes? effect|take effect|go(?:es)? into effect|into force|appl(?:y|ies) from|"
    + _KICK_IN
    + r"|become (?:mandatory|compulsory|enforceable|law)|becomes (?:mandatory|compulsory"
    r"|enforceable|law)|will be (?:mandatory|compulsory)"
    # "caged eggs ban comes in by 2036": a measure that "comes in"
    r"|(?:ban|law|rules?|tax|levy|requirement|cap|curfew|mandate)s?\s+(?:comes?|coming)\s+in"
    # the EU's "enters into application", a measure "phased in from April"
    r"|enters?\s+into\s+application|(?:be|is|are)\s+phased\s+in)\b",
    _I,
)
_T_DEADLINE = re.compile(r"\bdeadlines?\b", _I)
# A vote or ruling that someone is still to hold: "will vote on Monday", "ruling is due"; not
# "a 6-to-5 vote on Monday" or "after a court ruling on Friday"
_WILL_HEAR = re.compile(
    r"(?<![-\w])(?:will|to|set to|due to|expected to|scheduled to)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:vote|rule|decide|hear|deliver|issue|sentence|testify|consider)\b"
    r"|\b(?:vote|hearing|ruling|verdict|decision)\s+(?:is\s+)?(?:due|set|scheduled|expected)\b"
    r"|\b(?:force|forces|forcing|hold|holds|holding|schedules?|scheduling|calls?|calling)\s+"
    # (a headline drops the article: "Committee to hold hearing Tuesday")
    r"(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}?(?:vote|hearing|ballot)\b",
    _I,
)
# A sitting one waits for or faces is still to come: "ahead of votes in the Commons on
# Wednesday", "facing the prospect of defeat in a Commons vote on Tuesday"
_AWAITED = re.compile(
    r"\b(?:ahead\s+of|facing|faces|awaiting|awaits)\s+(?:[\w'’-]+\s+){0,7}?"
    r"(?:votes?|hearings?|ruling|verdict|sentencing)\b",
    _I,
)
_REPORTED_ON = re.compile(
    r"\b(?:said|says|told|announced|reported|wrote|added|confirmed)\b(?:\s+[\w.'’-]+){0,3}\s+on\s*$",
    _I,
)
_TALLY = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)[\s-]+to[\s-]+"
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b",
    _I,
)
# A verb in the past right after a weekday makes it the day of the act: "on Monday marked"
_PAST_VERB_AFTER = re.compile(
    r",?\s+(?:[a-z]+ed|said|told|wrote|made|gave|took|held|met|won|lost|sent|began|came|went"
    r"|saw|sought|brought|spoke|struck|fell|rose|left|led|ran|did|had|was|were)\b"
)
# A past verb in the words before a weekday: "won a crunch vote on Wednesday"
_PAST_BEFORE = re.compile(
    r"\b(?:[a-z]+ed|said|told|made|gave|took|held|met|won|lost|sent|began|came|went|saw|sought"
    r"|brought|spoke|struck|fell|rose|left|led|ran)\b(?<!scheduled)(?<!expected)(?<!planned)"
)
_WILL_AFTER = re.compile(r"^,?\s+(?:will|is to|is set to|is due to|are to)\b", _I)
# Who holds a hearing or a vote: a court, a legislature, a regulator or voters; not a person
# making "his decision"
_BODY = re.compile(
    r"\b(?:[Cc]ourts?|[Jj]udges?|[Jj]ury|[Tt]ribunal|[Tt]rial|[Rr]egulators?|[Cc]ommission"
    r"|[Cc]ommittee|[Pp]anel|[Pp]arliament|Congress|Senate|(?<!White )House|[Ll]awmakers|MPs|MEPs"
    r"|[Ss]enators"
    r"|[Ll]egislat\w+|[Cc]ouncil|[Bb]oard|[Aa]uthorit\w+|[Aa]genc(?:y|ies)|[Mm]inistry"
    r"|[Gg]overnment|EU|European Union|UN|Commons|Lords|ITC|FTC|FCC|SEC|CMA|GOP|Republicans"
    r"|Democrats|[Vv]oters|[Rr]eferendum|will vote"
    # a hearing, a ruling or a verdict is a court's or a tribunal's by its nature
    r"|[Hh]earings?|[Rr]ulings?|[Vv]erdicts?|[Ss]entencing)\b"
)
# Voters' elections are no body's sitting (GUIDELINES.md): "ahead of February vote, polls show";
# a chamber, a court or a board named beside them makes the vote a sitting again
_ELECTION = re.compile(
    r"\b(?:elections?|electoral|runoffs?|primar(?:y|ies)|polls?|referendums?|frontrunner"
    r"|candidates?|presidential race|ballots?|voters|midterms?|mayoral|gubernatorial"
    r"|caucus(?:es)?)\b",
    _I,
)
_CHAMBER = re.compile(
    r"\b(?:Senate|(?<!White )House|Congress|[Pp]arliament|Commons|Lords|[Ll]awmakers|MPs|MEPs"
    r"|[Cc]ourts?|[Jj]udges?|[Cc]ommittee|[Cc]ouncil|[Bb]oard|[Cc]ommission)\b"
)
# A vote that is not scheduled: "unlikely to vote before elections in May"
_UNLIKELY = re.compile(r"\b(?:unlikely|not expected|will have to wait|won't|will not)\b", _I)
# A political target or pledge owns the date after it: "promise to end rough sleeping by 2024"
_PLEDGE = re.compile(
    r"\b(?:pledges?|pledged|promises?|promised|targets?|targeting|goals?|aims?|aimed|aiming"
    r"|ambitions?|vows?|vowed|commitments?"
    # an effort toward an outcome is an aim: "the government will work to get children ... back
    # to class by September"
    r"|(?:will|to|would)\s+work\s+(?:hard\s+)?(?:to|towards?)|striv(?:e|es|ing)\s+to)\b"
    r"(?![^.;]*\b(?:must|required|law|rules?)\b)",
    _I,
)
# A measure not yet adopted dates nothing: "If passed, term limits would go into effect on ..."
_HYPOTHETICAL = re.compile(
    r"\bif\s+(?:(?:it|they|the\s+[\w-]+)\s+)?(?:is\s+|are\s+|gets?\s+)?"
    r"(?:pass(?:es|ed)?|approv(?:es|ed)|adopt(?:s|ed)|enact(?:s|ed)|sign(?:s|ed)|ratif(?:y|ies|ied))\b"
    # a candidate's promise: "if he wins and becomes chief minister, he will make ... mandatory"
    r"|\bif\s+(?:he|she|they|[A-Z][\w-]+)\s+(?:wins?|is\s+elected|are\s+elected|takes?\s+office"
    r"|comes?\s+to\s+power)\b",
    _I,
)
# A condition of inaction right after a date makes what happens by then a projection: "jobs
# 'gone by May' if laws do not change" (a condition before the date is an ultimatum: `_IF_NOT`)
_IF_INACTION = re.compile(
    r"[^.;]{0,40}?\b(?:if|unless)\s+(?:nothing\s+(?:is|gets?)\s+done|(?:[\w.'’-]+\s+){1,4}?"
    r"(?:(?:does|do|did)\s+nothing|(?:does|do|did)\s*n(?:o|['’])t\s+(?:change|act)|fails?\s+to\s+act))\b",
    _I,
)
# A plan only others report is no decision (GUIDELINES.md): "has drawn up plans to require
# employers to ... from August, the Times newspaper has reported"
_PLANNED = re.compile(r"\b(?:plans?|planning|planned|considering|mulls?|weighs?)\b", _I)
_REPORTED = re.compile(
    r"\b(?:reportedly|(?:has|have|had)\s+reported|reported\s+(?:on\s+)?\w+day|according to"
    r"\s+(?:people|sources|reports|a\s+report|media)|(?:newspaper|paper|outlet|broadcaster)\s+"
    r"(?:has\s+)?reported|sources\s+(?:said|say))\b",
    _I,
)
# A measure not yet made known is no decision (GUIDELINES.md: a plan the government "is expected
# to announce", one only reported): "must self-isolate from next month, the government is
# expected to announce"; "will have to pay ... from August, it has been reported"
_UNANNOUNCED = re.compile(
    r"\b(?:(?:is|are)\s+(?:widely\s+)?expected\s+to\s+(?:announce|unveil|confirm|set\s+out"
    r"|publish|outline|reveal)|it\s+(?:has\s+been|was|is)\s+(?:reported|understood)"
    r"|(?:is|are|was|were)\s+reportedly|reports?\s+(?:says?|said|suggests?|claims?)"
    r"|(?:after|amid|following)\s+(?:media\s+)?reports|according\s+to\s+(?:[\w-]+\s+){0,2}?reports)\b",
    _I,
)
# A past verb that makes a measure known: the date after its object belongs to the measure
_ANNOUNCES = re.compile(r"announced|issued|signed", _I)
# Speculation is no duty: "by July 2023, the worry is that these areas may flood again"
_SPECULATION = re.compile(r"\b(?:may|might|could)\b|\bworr(?:y|ies|ied)\b|\bfears?\b")
# Sport is out of scope (GUIDELINES.md): a coach's contract "until 2026" is no expiry
_SPORT = re.compile(
    r"\b(?:coach|striker|midfielder|goalkeeper|on loan|transfer windows?|footballers?"
    r"|squad|F1|Formula One|Premier League|NFL|NBA|FIFA|UEFA|Wimbledon|tennis|golf|cricket"
    r"|rugby|racecourse|Olympics?|football|boxing|fixtures"
    # named competitions: "would no longer be on free-to-air television from 2022" is sport's
    r"|World Cup|Champions League|Six Nations|Super Bowl|Grand Prix|Ryder Cup|Tour de France"
    r"|Bundesliga|La Liga|Serie A|MLB|NHL|athletes?|tournaments?"
    r"|Premiership|Wembley|athletics|UCI|snooker|darts|jockeys?|horse racing"
    r"|Grand Slam|ATP|WTA|PGA|NASCAR|MLS|Paralympics?"
    # the words of any contest, whatever its sport: "the semi-final on Sunday"
    r"|playoffs?|semi-?finals?|quarter-?finals?|kick-?off|relegat\w+|medals?|innings)\b",
    _I,
)
# What changes for people from a date, besides the words of law: a permission, a removal, a
# scheme cut or raised, a requirement put on every member of a class ("all app developers")
_CHANGE = re.compile(
    r"\b(?:(?:will|would) be able|(?:will|would)(?:\s+not)? be (?:allowed|permitted)"
    r"|allowed|permitted|permissible"
    r"|(?:people|residents|visitors|families|travellers|pupils)\s+can(?:\s+now)?"
    # (a feature "no longer available" is a product switched off, not a rule)
    r"|no longer(?!\s+(?:be\s+)?(?:available|supported|offered|sold|work\w*)\b)"
    r"|(?:removing|removes?) the ability|to be (?:reduced|cut|scrapped|raised|increased|lowered"
    r"|abolished|replaced|withdrawn)|scrapping|scrapped|abolition|abolishing"
    r"|all (?:[\w-]+\s+){0,2}?(?:apps|users|developers|advertisers|accounts|companies|firms"
    r"|businesses|phones|devices|vehicles|employers|platforms))\b",
    _I,
)
# A measure that holds prices or rules as they are until a date: a government's, not a product's
_HOLDS = re.compile(
    r"\b(?:fix(?:ed|ing)|frozen|freez\w+|capped|price caps?|guaranteed|suspended"
    r"|(?:remains?|be|stays?)\s+in\s+(?:force|place|effect))\b",
    _I,
)
# Public support: a scheme cut or raised from a date starts then, one that lasts until it ends then
_SUPPORT = re.compile(
    r"\b(?:grants?|loans?|benefits?|allowances?|subsid\w+|tax credits?|pensions?|furlough\w*"
    r"|(?:child|welfare|benefit|support) payments?"
    r"|(?:government|state|public|financial|energy|bill) (?:support|help|aid)"
    r"|support (?:it gives |they give )?(?:to |for )(?:businesses|firms|households|families"
    r"|students|companies))\b",
    _I,
)
_CONSUMER_UNTIL = re.compile(
    r"\b(?:customers|subscribers|shoppers|buyers|players|gamers|fans|you)\b[^.;]{0,30}?"
    r"\b(?:have|has)\s+until\s*$",
    _I,
)
_DELAYED_UNTIL = re.compile(
    r"\b(?:delay\w*|postpon\w*|defer\w*|push\w* back|adjourn\w*|on hold|paused"
    r"|stay(?:s|ed)?\s+(?:the\s+)?(?:trial|case|proceedings|hearing|ruling|order|execution))\b"
    r"[^.;]{0,80}?\buntil\s*$",
    _I,
)
_DELAYED_UNTIL_ANY = re.compile(
    r"\b(?:delay\w*|postpon\w*|defer\w*|push\w* back)\b[^.;]{0,50}?\buntil\b", _I
)
# A date moved: the one it moved from no longer holds
_MOVED_FROM = re.compile(
    r"\b(?:push\w*\s+back|delay\w*|postpon\w*|mov(?:e|es|ed|ing)|brought\s+forward|bring\w*"
    r"\s+forward|extend\w*)\b[^.;]{0,80}\bfrom\s*$",
    _I,
)
_MOVED_TO = re.compile(r"\s+(?:to|until)\s+\S", _I)
# (a survey's answers are its respondents' expectations: "77% of venues saying they will be
# forced to permanently close within 12 months")
_FORECAST = re.compile(
    r"\b(?:predict\w*|forecasts?|projections?|projected|anticipated|surveys?|respondents)\b",
    _I,
)
_NOT_DONE_BY = re.compile(r"\bnot\s+\w+ed\b[^.;]{0,60}\bby\s*$", _I)
# Backing or weighing a measure is no rule yet: "US Backs Banning ... From 2024 Games"
_PROPOSAL = re.compile(
    r"\b(?:backs|proposes?|proposed|proposals?|considering|calls? for|suggest(?:s|ed)?"
    r"|(?:['’]s|is|are|was|were|seems?|appears?) open to"
    # a first step toward a measure, not the measure: "EU moves to ban Russian energy imports"
    r"|(?:moves?|moving|seeks?|seeking)\s+to\s+(?:ban|mandate|require|restrict|limit|cap|end"
    r"|scrap|block|outlaw|impose|tighten|curb|regulate|phase\s+out|make))\b",
    _I,
)
# "will not hike taxes from April" decides nothing; "will not be allowed from 9 April" and "won't
# have to self-isolate from 16 August" change what people may or must do
_NEGATED = re.compile(
    r"\b(?:will not|won['’]t|not to|no plans? to)\b"
    r"(?!\s+(?:be\s+(?:allowed|permitted|required)|have\s+to(?!\s+wait)|need\s+to))",
    _I,
)
# A deadline named with its day: "Deadline to meet ... obligations is Friday"
_DEADLINE_IS = re.compile(
    r"\b(?i:deadlines?)\b[^.;:]{0,90}?\s(?:is|are|falls)\s+(?:on\s+)?(?:[A-Z][a-z]+day|\d|"
    + _MONTH
    + ")"
)
_STARTING = re.compile(r"\b(?:from|starting|beginning|effective|as of)\b", _I)
# "sets a deadline for 5G safeguards": a measure someone must put in place by then
_MEASURE_DEADLINE = re.compile(
    r"^\s*(?:[\w.-]+\s+){0,3}?deadlines?\s+for\s+(?:[\w-]+\s+){0,3}?(?:safeguards?|upgrades?"
    r"|retrofits?|install\w*|replac\w*|filters?|compliance|implementation|registration"
    r"|reporting|disclosures?|removal|phase-?outs?)\b",
    _I,
)
# "deadline for workers to be fully vaccinated", "deadline to file": someone owes the act
_DEADLINE_FOR_ACT = re.compile(
    r"^\s*(?:[\w.-]+\s+){0,3}?deadlines?\s+for\s+(?:[\w'’-]+\s+){1,4}?to\s+(?!the\b|a\b)\w+",
    _I,
)
_OWNED = re.compile(r"\b[\w.]+['’]s\s*$")
_IN_FORCE_NOUN = re.compile(
    r"\b(?:restrictions|lockdown|curfew|ban|emergency|measures|mandate|moratorium)\b[^.;]{0,60}$",
    _I,
)
# Someone's expectation dates an outcome, not a rule ("restrictions to last until February, say
# experts")
_EXPECTATION = re.compile(r"\b(?:expect\w*|experts?|likely)\b", _I)
# A decision that binds its maker to an act by a date: "decision to withdraw troops by"
_DECIDED = re.compile(
    r"\b(?:decision|decided|decides|agreed|agrees?)\s+(?:[\w-]+\s+){0,2}?to\b", _I
)
# A government measure lifted or a border opened: what changes for people then
_LIFTING = re.compile(
    r"\b(?:lift\w*|eas(?:e|es|ing)|relax\w*|scrap\w*|end(?:s|ing)?)\s+(?:[\w'’-]+\s+){0,5}?"
    r"(?:restrictions|curbs|lockdown|ban|quarantine|mandate|rules|controls)\b"
    r"|\b(?:reopen\w*|open(?:s|ing)?)\s+(?:(?:up|its|their|again)\s+)?(?:to\s+|for\s+)?"
    r"(?:borders?|travel|tourists|visitors|international|foreign)",
    _I,
)
# Commerce sets deadlines too, none of them a policy team's
_COMMERCE = re.compile(
    # ("offer" and "bid" are also diplomacy's words: "offers compromise before deadline")
    r"\b(?:sales?|discounts?|promo\w*|coupons?|tickets?|pre-?orders?|shoppers?|auctions?"
    r"|shareholders?|tender offer)\b",
    _I,
)
# Who may set another's deadline: an ultimatum of a government is news, a firm's own target not.
_AUTHORITY = re.compile(
    r"\b(?:Trump|Biden|White House|[Gg]overnments?|U\.?S\.?|EU|European|Commission|Congress"
    r"|Senate|[Rr]egulators?|[Cc]ourts?|[Jj]udges?|[Aa]genc(?:y|ies)|[Mm]inistry|[Mm]inisters?"
    r"|[Ff]ederal|States?|state (?:government|legislature)s?|[Pp]arliament|[Aa]uthorities"
    # an office rather than a name: whoever holds it speaks for a government
    r"|[Aa]dministration|President|Prime Minister|Chancellor|[Ss]ecretary|Department|Governor"
    r"|Pentagon|Treasury|Attorney General|AG)\b"
)
# Words of products, prices, people's plans and forecasts: not obligations.
_NOT_OBLIGATION = re.compile(
    r"\b(?:launch\w*|release[sd]?|arriv\w+|available|availability|coming(?! into)|price|prices"
    r"|sale|save"
    r"|promo\w*|deliver\w*|step down|resign\w*|visit|predict\w*|forecast\w*|expected next"
    r"|webinar|register|award|awards|nominations?|entry(?! into)|pledge[sd]?|promise[sd]?"
    r"|target|goal"
    r"|plans? to introduce|roll(?:s|ing)? out|feature|free|subscribers"
    r"|paid users|up and running|will have|vision|study|researchers say|plans to|plans for"
    r"|wants to|aims to|hopes to|shipping|pre-orders?|guidance|tips|how to|offers?|episodes?"
    r"|to watch|to stream|players|gamers"
    # a product's first appearance or shipping date: "will ship in March", "debuts in June"
    r"|debut\w*|unveil\w*|(?:will|to)\s+ship|ships\s+(?:on|from|this|next)|in\s+stores"
    r"|on\s+shelves|beta)\b",
    _I,
)
_STRONG = (_T_CONSULTATION, _T_HEARING, _T_EXPIRY, _T_DUTY)
_STRONG_EFFECT = re.compile(
    r"\b(?:takes? effect|into (?:force|effect)|appl(?:y|ies) from|will apply|ban|bans|banned"
    r"|banning"
    r"|will be required"
    r"|will require|" + _KICK_IN + r"|mandatory|compulsory|(?:will|to) disable"
    r"|enforc\w+|block\w*|tariffs?)\b",
    _I,
)
_PAST = re.compile(
    r"\b(?:took effect|came into force|went into effect|was|were|had|did|expired|ended|began"
    r"|started|observed|detected|discovered|disclosed|published|released|launched|occurred"
    r"|happened|announced|reported|revealed|filed|signed|issued|patched|fixed|added|stolen"
    r"|levying|levied|fined)\b",
    _I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"\b(?:[A-Z]|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mr|Ms|Mrs|Dr|St|No|U\.S|U\.K"
    r"|e\.g|i\.e|vs|Inc|Ltd|Co|Corp|Gov|Sen|Rep|approx)\.$"
)
# Cheap gates before any regular expression: plain substring tests on lower-cased text run in
# C at a fraction of a microsecond each, where an alternation of 20 month names under re costs
# hundreds of microseconds per item. Both are supersets of what the patterns below can match.
_DATE_NEEDLES = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    "202", "203", "204", "205", "206", "207", "208", "209", "within", "next ", "this month",
    "this year", "the coming", "day", "week", "month", "year", "christmas", "tomorrow",
)  # fmt: skip
_TRIGGER_NEEDLES = (
    "effect", "force", "appl", "ban", "kick", "mandatory", "compulsory", "disabl", "requir",
    "cut", "rais", "increas", "lower", "replac", "withdraw", "tax", "levy", "border",
    "quarantine", "curfew", "lockdown", "restrict", "curb", "price cap", "wage", "export",
    "import", "visa", "permit", "licen", "need", "allow", "legali", "criminali", "outlaw",
    "data", "posts", "ip addresses", "personal information", "photos", "messages", "stopgap",
    "interim",
    "postpon", "delay", "defer", "adjourn", "direct", "rul", "want", "demand", "call on",
    "called on", "press", "push", "not ", "compliance", "compliant", "payout", "claim",
    "block", "enforc", "tariff", "illegal",
    "deprecat", "mandate", "all ", "rule", "law", "act",
    "regulation", "directive", "order", "consult", "comment", "evidence", "input", "feedback",
    "submission", "decid", "decision", "verdict", "vote", "voting", "hearing", "trial",
    "pass", "expir", "sunset", "lapse", "end date", "end of support",
    "extend", "extension", "renewal", "end", "hear", "sentenc", "suspended", "comply", "must",
    "urging", "until", "run", "valid", "duties", "levies", "days to", "weeks to", "months to",
    "has to", "have to", "patch", "remediat", "fix", "secure", "kev", "migrat", "transition",
    "remov", "deadline", "through", "reduc", "able to", "allowed", "permitted",
    "no longer", "ability", "fixed", "fixing", "scrap", "abolish", "repeal", "revoke", "sunset",
    "support", "grant", "loan", "benefit", "allowance", "payment",
    " aid", "subsid", "help with", "credit", "pension",
    "frozen", "freez", "capped", "guaranteed", "isolat", "close", "shut", "open", "lift", "ease",
    "easing",
    "relax", "decid", "decision", "agree", "due by", "due no later", "debat", "phased in",
    "n't", "n’t", "unless", "fail", "refuse", "tier", "alert level", "told to",
)  # fmt: skip


def _mentions(low: str, needles: tuple[str, ...]) -> bool:
    """Whether lower-cased text contains any of the needles."""
    return any(map(low.__contains__, needles))  # no generator frame per needle: 3x faster


@dataclass(frozen=True, slots=True)
class _When:
    """A resolved date expression: where it stands in the sentence and what it means."""

    start: date
    precision: Precision
    begin: int
    end: int
    relative: bool  # resolved from the publication date ("within 60 days", "next month")
    duty: bool = False  # it names a duty itself: "a 30-day deadline", "90 days to comply"
    extended: bool = False  # a deadline pushed back by a span: "extended the deadline by 90 days"


def extract_deadlines(text: str, published: datetime | date) -> list[Deadline]:
    """Upcoming dated obligations in `text`, as of the day it was published (UTC), in text order,
    one per (kind, date) however often the text repeats it."""
    if isinstance(published, datetime):
        # the publication day in UTC, as the labelled set reads it
        today = (published.astimezone(UTC) if published.tzinfo else published).date()
    else:
        today = published
    text = text[:MAX_TEXT_CHARS]
    low = text.lower()
    if not (_mentions(low, _DATE_NEEDLES) and _mentions(low, _TRIGGER_NEEDLES)):
        return []  # no date, or no word any kind needs: stop before splitting
    found: list[Deadline] = []
    seen: set[tuple[str, str]] = set()
    for sentence in _sentences(text):
        for deadline in _from_sentence(sentence, today):
            key = (deadline.kind, deadline.key)
            if key not in seen:
                seen.add(key)
                found.append(deadline)
    return found


# -- sentences -------------------------------------------------------------------------------


def _sentences(text: str) -> Iterator[str]:
    """Sentences of plain text: split after . ! ? before a capital, not after an abbreviation."""
    for paragraph in text.split("\n"):
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            head = paragraph[start : match.start()]
            if _ABBREVIATION.search(head[-8:]):
                continue
            if head.strip():
                yield " ".join(head.split())
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            yield " ".join(rest.split())


# -- dates -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _parse_day(day: str, month: str, year: int) -> date | None:
    """dateutil's reading of one day; None for an impossible date (30 February)."""
    try:
        return date_parser.parse(f"{day} {month} {year}", dayfirst=True).date()
    except (ValueError, OverflowError):
        return None


def _month_number(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _holiday(name: str, today: date) -> date:
    """The nearest day of a fixed-day holiday: "new laws ... on Canada Day" written on 30 June is
    1 July; "flared up on New Year's Day" written on 2 January is the day gone by."""
    month, day = _HOLIDAYS[re.sub(r"\s+", " ", name.lower().replace("’", "'"))]
    return min(
        (date(today.year + shift, month, day) for shift in (-1, 0, 1)),
        key=lambda named: abs((named - today).days),
    )


def _resolve(m: re.Match[str], sentence: str, today: date) -> _When | None:
    """The date a matched expression names, or None when it names none here."""
    g = m.groupdict()
    lead = sentence[max(0, m.start() - 16) : m.start()]
    if g["iso"]:
        try:
            written = date(int(g["yi"]), int(g["mi"]), int(g["di"]))
        except ValueError:
            return None  # 2026-02-30
        return _When(written, "day", m.start(), m.end(), False)
    if g["hol"]:
        return _When(_holiday(g["hol"], today), "day", m.start(), m.end(), False)
    if g["dmy"] or g["mdy"]:
        day, month, year = (g["d1"], g["m1"], g["y1"]) if g["dmy"] else (g["d2"], g["m2"], g["y2"])
        if month.lower() == "may" and not year and not _LEAD.search(lead) and not lead.strip():
            return None  # "May 5 people ..." opening a sentence; "expire May 11" is a date
        if not year and _NAMED_DAY.match(sentence, m.end()):
            return None  # "the Jan. 6 committee": a day that names an event of the past
        resolved = _parse_day(day, month.rstrip("."), int(year) if year else today.year)
        if resolved is None:
            return None
        if not year and resolved < today:
            # "on June 15" written on 22 June is the past, unless the words look forward; a
            # yearless day of the last few months is the past even then ("starting Nov. 30"
            # written on 5 December): people write the year when they mean next year's
            wide = sentence[max(0, m.start() - 40) : m.start()]
            after = sentence[m.end() : m.end() + 24]
            ahead = (
                _FUTURE_LEAD.search(lead)
                or _DEADLINE_AFTER.match(after)
                or _DEADLINE_BEFORE.search(sentence[: m.start()])
                or _WILL.search(wide)
            )
            if not ahead or resolved > today - _RECENT:
                return None
            resolved += relativedelta(years=1)
            if resolved > today + _FAR:
                # "testimony at Jan. 6 hearing" written in June: a day that far ahead is written
                # with its year; without it, it names a day gone by
                return None
        return _When(resolved, "day", m.start(), m.end(), False)
    if g["qtr"]:
        words = {"first": 1, "second": 2, "third": 3, "fourth": 4}
        quarter = int(g["qn"]) if g["qn"] else words[g["qw"].lower()]
        return _When(date(int(g["y3"]), 3 * quarter - 2, 1), "quarter", m.start(), m.end(), False)
    if g["my"]:
        year = g["y4"]
        after = sentence[m.end() : m.end() + 24]
        if _LAST_YEAR.match(after):
            return None  # "ruled in August last year"
        end = m.end()
        if not year and (next_year := _NEXT_YEAR.match(after)):
            year = str(today.year + 1)
            end += next_year.end()  # "July next year" is one date, not July and a year
        if not year and _NEXT_LEAD.search(lead):
            # "expires next July": the month's next coming, this year's only while still ahead
            month = _month_number(g["m3"])
            year = str(today.year if month > today.month else today.year + 1)
        ranged = _RANGE_AFTER.match(after)
        closes = _RANGE_TO.match(after)
        if not year and closes and not closes.group(2) and not _WILL.search(sentence):
            end_month = _month_number(closes.group(1))
            if date(today.year, end_month, 1) < today.replace(day=1):
                return None  # "from April to October this year" written in November: gone by
        if not year and not (
            g["part"] or _LEAD.search(lead) or _DEADLINE_AFTER.match(after) or ranged
        ):
            return None
        if not year and ranged:
            year = _RANGE_YEAR.match(after) and _RANGE_YEAR.match(after).group(1)  # type: ignore[union-attr]
        first = date(int(year) if year else today.year, _month_number(g["m3"]), 1)
        if not year and first > today + _FAR and not g["part"]:
            wide = sentence[max(0, m.start() - 40) : m.start()]
            if not (
                _FUTURE_LEAD.search(lead)
                # a noun the month names ("the November vote") looks forward only in a sentence
                # about what is still to come
                or (_DEADLINE_AFTER.match(after) and _WILL.search(sentence))
                or _WILL.search(wide)
                or ranged
                or closes
            ):
                return None  # "trade deficit in October" written in January: last October's
        if not year and first < today.replace(day=1):
            # "in April" written in May is April gone by, unless the words look forward
            wide = sentence[max(0, m.start() - 40) : m.start()]
            if first > today - _RECENT or not (
                _FUTURE_LEAD.search(lead) or _DEADLINE_AFTER.match(after) or _WILL.search(wide)
            ):
                return None
            first += relativedelta(years=1)
            if first > today + _FAR and not (
                _WILL.search(wide)
                or _INFINITIVE.search(wide)
                or _DEADLINE_AFTER.match(after)
                or _LIMIT_LEAD.search(lead)
            ):
                return None  # "unlike the national lockdown from March" written in August
        return _When(first, "month", m.start(), end, False)
    if g["within"] or g["span"]:
        number, unit = (g["n1"], g["u1"]) if g["within"] else (g["n2"], g["u2"])
        if g["within"] and _RECORD.search(sentence, 0, m.start()):
            return None  # "the first fare hike in 10 years": a span looking back
        if g["span"] and _SPAN_CHANGED.search(sentence, 0, m.start()):
            return None  # "shortening the 50-day deadline": the span no longer counts as given
        step = _span(number, unit)
        if step.years > 20:
            return None  # "in 400 years we've yet to find": no duty is counted in centuries
        return _When(today + step, "day", m.start(), m.end(), True, duty=bool(g["span"]))
    if g["ext"]:
        # "by 90 days" or "for another 3 months" dates something only as the span a deadline or
        # a truce was pushed back by; elsewhere it is an amount ("cut by 30 days") or a duration
        if not _EXTENDED.search(sentence, max(0, m.start() - 80), m.start()):
            return None
        step = _span(g["n4"], g["u4"])
        return _When(today + step, "day", m.start(), m.end(), True, extended=True)
    if g["next"]:
        if _SPELL_LEAD.search(lead):
            return None  # "ban all travel from Europe for the next month": a spell, not a date
        if g["u3"].lower() == "month":
            return _When(
                (today + relativedelta(months=1)).replace(day=1),
                "month",
                *m.span(),
                True,
            )
        return _When(date(today.year + 1, 1, 1), "year", m.start(), m.end(), True)
    if g["thisyear"]:
        phrase = g["thisyear"].lower()
        if phrase.endswith("month"):
            if phrase == "this month" and not _THIS_MONTH_AHEAD.search(
                sentence, max(0, m.start() - 80), m.start()
            ):
                # "Tesla recalled ... this month", "said this month that": a bare "this month"
                # dates what is done in it unless a verb still to come governs it
                return None
            return _When(today.replace(day=1), "month", m.start(), m.end(), True)
        year = today.year + 1 if "next year" in phrase else today.year
        return _When(date(year, 1, 1), "year", m.start(), m.end(), True)
    if g["year"]:
        after = sentence[m.end() : m.end() + 24]
        if not (_LEAD.search(lead) or _DEADLINE_AFTER.match(after)):
            return None
        year = int(g["y5"])
        if re.search(r"\bbefore\s*$", lead, re.IGNORECASE):
            year -= 1  # "maps drawn before 2026": by the end of 2025
        return _When(date(year, 1, 1), "year", m.start(), m.end(), False)
    if g["tomorrow"]:
        # a day, unlike "today" or "this week" (GUIDELINES.md): "regulations come into force
        # tomorrow" dates the day after publication
        return _When(today + relativedelta(days=1), "day", m.start(), m.end(), True)
    if g["wd"]:
        # wide enough for the noun a weekday modifies: "Friday tariff deadline"
        after = sentence[m.end() : m.end() + 40]
        day = _DAYS.index(g["wday"].lower())
        later = day != today.weekday()  # not the publication weekday
        named = _DEADLINE_AFTER.match(after)
        if _REPORTED_ON.search(lead):
            return None  # "Santos told Insider on Wednesday": the day of the report
        if not later and (_SAME_DAY_LEAD.search(lead) or named):
            # "orders benefits paid by Friday", "faces Monday deadline" written on that day: the
            # day itself, news of the moment; only "will vote on Monday" looks a week ahead
            return None
        if not later and (
            _GOVERNS_EFFECT.search(_core_lead(sentence[max(0, m.start() - 60) : m.start()]))
        ):
            return None  # "rules go into effect on Friday" written on a Friday: the news itself
        if not later and not _T_HEARING.search(sentence) and not _T_CONSULTATION.search(sentence):
            # "a spy tool is set to lapse on Friday" written on a Friday: the day itself; only a
            # sitting or a consultation's close "on" the weekday looks a week ahead
            return None
        if _DATE_AFTER_DAY.match(sentence, m.end()):
            return None  # "from Monday 12 April", "Tuesday, December 21": the date names the day
        if _PAST_VERB_AFTER.match(sentence, m.end()):
            return None  # "Chip Roy on Friday criticized": the day of a past act
        if (
            named
            and not named.group().lower().rstrip("s").endswith("deadline")
            and (past := _PAST_BEFORE.search(sentence, max(0, m.start() - 50), m.start()))
            and not _AHEAD.search(sentence, past.end(), m.start())
        ):
            return None  # "clashed during a Wednesday hearing": a sitting gone by
        voting = _T_HEARING.search(sentence) and (
            _WILL_HEAR.search(_TALLY.sub(" ", sentence))
            # (on the publication weekday a bare "vote Sunday" is that day's)
            or (_AWAITED.search(sentence) and later)
            # a sentence about what is still to come, with no past verb of its own
            or (
                _WILL.search(sentence)
                and later
                and not _PAST.search(sentence)
                and not _PAST_BEFORE.search(sentence, max(0, m.start() - 30), m.start())
            )
        )
        lead_wide = sentence[max(0, m.start() - 60) : m.start()]
        core = _core_lead(sentence[max(0, m.start() - 60) : m.start()])
        # "the ceasefire expires on Sunday": a day the words speak of as still to come
        wide_wd = sentence[max(0, m.start() - 40) : m.start()]
        if not (
            named
            or re.search(r"\b(?:by|until|before|next)\s*$", _core_lead(lead))
            or re.search(r"\b(?:ends?|closes?|expires?|runs? out)\s+on\s*$", lead)
            # the weekday as the object of a verb still to come: "take effect Monday" (on the
            # day itself, "takes effect Tuesday" is the news of the day)
            or later
            and re.search(
                r"\b(?:take|takes|go|goes|come|comes)\s+into\s+(?:effect|force)\s*$"
                r"|\b(?:take|takes)\s+effect\s*$|\b(?:expire|expires|due)\s*$",
                lead_wide,
                re.IGNORECASE,
            )
            or _DEADLINE_BEFORE.search(sentence[: m.start()])
            # a rule's start or end governs the day: "allowed from Friday", "come into force at
            # 04:00 GMT Tuesday" (on the day itself, "from Monday" is the news of the day)
            or later
            and not _PAST_AUX.search(sentence, max(0, m.start() - 120), m.start())
            and (
                _FROM_TAIL.search(core) is not None
                or _GOVERNS_EFFECT.search(core) is not None
                or _GOVERNS_EXPIRY.search(core) is not None
                # "tariffs start Monday", "trial begins Monday": a start still to come
                or _GOVERNS_START.search(core) is not None
            )
            # the day of the vote itself: "vote on Wednesday", not "discussed on Tuesday"
            or (
                voting
                and re.search(
                    r"\b(?:vote|votes|voting|ballot|hearings?|ruling|verdict|decision|decide|rule"
                    r"|rules|hear|trial|sentencing)\b(?:\s+[\w.'’-]+){0,8}?\s+on\s*$"
                    r"|\b(?:vote|votes|rule|rules|decide|hear)\s*$",
                    lead_wide,
                    re.IGNORECASE,
                )
            )
            or (re.search(r"\bon\s*$", lead) and _WILL.search(wide_wd))
            # a headline's bare day after a sitting still to come: "Senate will vote on the
            # bill Thursday" (a preposition before the day would name another relation)
            or (
                voting
                and later
                and _SITTING_BEFORE.search(lead_wide)
                and not re.search(r"\b(?:in|at|of|from|since|after|last|this|than)\s*$", lead)
            )
            or _WILL_AFTER.match(after)
            # "the committee's next public hearing on Monday": a sitting still to come
            or re.search(
                r"\b(?:next|upcoming|scheduled|planned)\b[^.;]{0,40}\b(?:hearings?|vote|ruling|trial"
                r"|sentencing|session)\s+on\s*$",
                lead_wide,
                re.IGNORECASE,
            )
        ):
            return None  # "on Tuesday the Commission fined ...": the reported event's own day
        target: weekday = (MO, TU, WE, TH, FR, SA, SU)[day]
        # the next such weekday after the publication day ("by Friday" written on a Friday)
        upcoming_day = today + relativedelta(days=1, weekday=target)
        return _When(upcoming_day, "day", m.start(), m.end(), True)
    return None


# The words that close a consultation or a comment period on the date after them
_CLOSES = re.compile(
    r"\b(?:until|till|through|by|before|ends?|ending|closes?|closing|runs?(?:\s+until)?|due"
    r"|open\s+(?:until|till)|to)\s+(?:(?:on|at|in)\s+)?(?:the\s+end\s+of\s+)?$|[–-]\s*$",
    _I,
)
# A measure's own end, set in advance: "lockdown ... is currently set to end on 2 December"
_SET_TO_END = re.compile(
    r"\b(?:set|due|scheduled|expected|planned)\s+to\s+(?:end|finish|be\s+lifted)\s+(?:(?:on|in|at)\s+)?$",
    _I,
)
# Public support that people must wait for starts then: "must wait until June to receive"
_WAIT_UNTIL = re.compile(r"\bwait\s+until\s*$", _I)
_TO_RECEIVE = re.compile(
    r"\s+to\s+(?:receive|get|access|claim|be\s+paid)\b[^.;]{0,80}"
    r"\b(?:state|government|programme|program|scheme|grants?|loans?|benefits?|payments?"
    r"|allowances?|support|aid)\b",
    _I,
)
_MEASURE_NOUN = re.compile(
    r"\b(?:restrictions|lockdown|curfew|ban|emergency|measures|mandate|moratorium|state of"
    r"\s+emergency)\b",
    _I,
)
# A rule spoken of as possible only: "could be introduced in England as early as next year"
_MAYBE = re.compile(r"\b(?:could|might|may)\b[^.;,]{0,50}$")
# The condition of a threat: "will try to expel them if they don't return by Friday"
_IF_NOT = re.compile(
    r"\b(?:if|unless)\s+(?:[\w.'’-]+\s+){1,4}?(?:(?:does|do|did)\s*n(?:o|['’])t|fails?\s+to"
    r"|refuses?\s+to)\b[^.;,]{0,60}$",
    _I,
)
# The duty a sanction hangs on: "if they don't apply for settled status by 30 June"
_IF_NOT_ACT = re.compile(
    r"\b(?:if|unless)\s+(?:[\w.'’-]+\s+){1,4}?(?:(?:does|do|did)\s*n(?:o|['’])t|fails?\s+to)\s+"
    r"(?:apply|register|file|submit|pay|comply|complete|respond|provide|notify|disclose|divest"
    r"|sell|report|install|implement)\b[^.;,]{0,60}$",
    _I,
)
# A deadline or a truce pushed back, right before the span it was pushed back by: "extended the
# tariff deadline for Mexico by 90 days", "extend tariff truce deadline for another 3 months"
_EXTENDED = re.compile(
    r"\bextend(?:s|ed|ing)?\s+(?:[\w'’.-]+\s+){0,4}?(?:deadlines?|truce|ceasefire|pause"
    r"|ultimatum)\b(?:\s+[\w'’.-]+){0,3}\s*$",
    _I,
)
# ("as of Thursday, 120 have been neutralised" is a count's date, not a rule's start)
# A past auxiliary owns a later weekday unless a verb of the future or of a rule stands between
_PAST_AUX = re.compile(
    r"\b(?:was|were|had been|has been|have been)\b(?![^.;]*\b(?:will|would|to be|must|comes?"
    r"|takes?|go(?:es)?|appl(?:y|ies)|(?:ordered|told|required|due|set|scheduled) to)\b)",
    _I,
)
# A start governs the date after it: "tariffs start Monday", "the trial begins on 12 January"
_GOVERNS_START = re.compile(
    r"\b(?:starts?|begins?|opens?|resumes?|start|begin|open|resume)\s+(?:(?:on|in)\s+)?$",
    _I,
)
# A hearing or vote word in the same clause before a bare weekday
_SITTING_BEFORE = re.compile(
    r"\b(?:vote|votes|voting|hearing|ruling|verdict|decide|rule|hear|trial|sentencing)\b"
    r"[^.;,—–]{0,60}$",
    _I,
)
# A weekday after these words is a limit or a start, not the day of a sitting still to come
_SAME_DAY_LEAD = re.compile(
    r"\b(?:by|until|till|before|from|starting|beginning|effective|as of)\s*$", _I
)
# A rule that does not start until a date starts then
_NOT_START = re.compile(
    r"\b(?:apply|take effect|come into (?:force|effect)|be (?:introduced|enforced|applied)|start"
    r"|begin|kick in)\b",
    _I,
)
_FROM_TAIL = re.compile(r"\b(?:from|starting|beginning|effective)(?:\s+(?:on|in))?\s*$", _I)


def _span(number: str, unit: str) -> relativedelta:
    """The span "<number> <unit>s" counts from publication ("60 days", "three weeks")."""
    count = int(number) if number.isdigit() else _NUMBERS[number.lower()]
    return {
        "hour": relativedelta(days=-(-count // 24)),  # "within 72 hours": the third day
        "day": relativedelta(days=count),
        "business day": relativedelta(days=count),
        "week": relativedelta(weeks=count),
        "fortnight": relativedelta(weeks=2 * count),
        "month": relativedelta(months=count),
        "year": relativedelta(years=count),
    }[unit.lower()]


def _core_lead(lead: str) -> str:
    """The words before a date without the clock time or weekday that stand between them."""
    for _ in range(2):  # "from midnight on Monday": a time, then a weekday
        cut = _CLOCK_TAIL.search(lead)
        if cut is None or cut.start() == len(lead):
            break
        lead = lead[: cut.start()] + " "
    # a hedge on a limit leaves the limit: "ban ... until at least July 13"
    return _HEDGE_TAIL.sub(" ", lead)


_HEDGE_TAIL = re.compile(r"\s+at\s+(?:the\s+)?(?:least|earliest|latest)\s*$", _I)


def _dates(sentence: str, today: date) -> list[_When]:
    """The dates a sentence names, in order. `_DATE` is tried only where one of its forms can
    start (a number, a month, "within", "next" ...): scanning every position with the whole
    alternation is a hundred times slower."""
    whens = []
    done = 0
    for token in _TOKEN.finditer(sentence):
        start = token.start()
        word = token.group().lower()
        if start < done or not (word.isdigit() or word in _ANCHORS):
            continue
        m = _DATE.match(sentence, start)
        if m is None:
            continue
        done = m.end()
        when = _resolve(m, sentence, today)
        if when is not None:
            whens.append(when)
            done = max(done, when.end)
    return whens


# -- rules on top ----------------------------------------------------------------------------


def _upcoming(when: _When, today: date, lead: str, after: str) -> bool:
    """Still to come on the publication day: a day after it, a longer period not yet over.

    A period that holds the publication day ("in 2026" written in 2026, "March Patch Tuesday"
    in March) is the present unless the words look forward ("by the end of 2026").
    """
    if when.precision == "day":
        return when.start > today
    if period_end(when.start, when.precision) < today:
        return False
    ahead = _FUTURE_LEAD.search(lead) or _DEADLINE_AFTER.match(after) or _RANGE_AFTER.match(after)
    return when.start > today or when.relative or ahead is not None


def _tail(lead: str, pattern: str) -> bool:
    """Whether the text just before a date ends with `pattern` (a preposition or phrase)."""
    return re.search(rf"\b(?:{pattern})\s*$", lead, re.IGNORECASE) is not None


def _deadline_noun_kind(
    sentence: str, lead: str, after: str, when_precision: Precision
) -> Kind | None:
    """'<date> deadline': for a verdict, a compliance duty, or another authority's deadline."""
    if _COMMERCE.search(sentence):
        return None  # a sale's, a bid's or a ticket's deadline is commerce (GUIDELINES.md)
    if _T_HEARING.search(after) or _T_HEARING.search(lead):
        return None if _election(sentence) else "hearing-vote"
    duty = r"\b(?:for|to)\b.{0,40}\b(?:migration|verification|patch\w*|fix\w*|comply)"
    if _T_COMPLIANCE.search(lead) or re.search(duty, after, re.IGNORECASE):
        return "compliance"
    if re.search(r"\bgets?\b[^.]{0,12}$", lead):
        return "compliance"
    if _MEASURE_DEADLINE.match(after):
        return "compliance"
    if _DEADLINE_FOR_ACT.match(after) and when_precision != "year":
        return "compliance"  # (a year's "deadline for firms to" is a fund's or a firm's target)
    if _AUTHORITY.search(sentence):
        return "other"
    # a deadline of a day or month in a sentence with no word of commerce or plans (those stop
    # before here) is an official one even when its owner is unnamed ("ahead of the August 31
    # deadline"); a bare year's deadline is a firm's own target ("races toward 2028 deadline"),
    # and a named owner who is no authority sets a private one ("Musk's Monday deadline")
    if when_precision == "year" or _SPORT.search(sentence) or _OWNED.search(lead):
        return None
    return "other"


def _deadline_before_kind(
    sentence: str, before: re.Match[str], when_precision: Precision
) -> Kind | None:
    """'the deadline for X is <date>': whose deadline it is names the kind."""
    what = before.group("what")
    if _COMMERCE.search(sentence):
        return None
    if _T_HEARING.search(what):
        return "hearing-vote"
    if _T_COMPLIANCE.search(what):
        return "compliance"
    if _CLAIMS.search(what):
        return "other"  # a legal settlement's claims deadline
    if _TO_ACT.search(what):
        return "compliance"  # "the deadline to meet its obligations is Friday"
    if before.group("owner") and not _AUTHORITY.search(before.group("owner")):
        return "compliance"  # "Google's new deadline": what Google must do by then
    if _T_COMPLIANCE.search(sentence):
        return "compliance"  # "added to KEV ... with a due date of 31 March"
    if _AUTHORITY.search(sentence):
        return "other"
    # as with "<date> deadline": an official deadline whose owner the sentence leaves unnamed
    return "other" if not _SPORT.search(sentence) and when_precision != "year" else None


# A deadline set for another side to yield is an ultimatum (GUIDELINES.md: kind other), not a
# duty of law: "has given Tigrayan forces a 72-hour deadline to surrender", "gives Anthropic CEO
# until Friday to back down"
_ULTIMATUM = re.compile(
    r"\b(?:gives?|gave|given|giving|sets?|setting|issues?|issued)\b[^.;]{0,80}?"
    r"\b(?:deadline|until|ultimatum)\b[^.;]{0,40}?\bto\s+(?:surrender|back\s+down|capitulate"
    r"|disarm|lay\s+down|stand\s+down|withdraw|pull\s+out|retreat)\b",
    _I,
)


def _kind(sentence: str, when: _When) -> Kind | None:
    """The kind of obligation a date carries in its sentence, or None when it is no obligation.

    The words right around the date decide first (its preposition, a "deadline" after it), then
    the sentence's strongest trigger.
    """
    lead = _core_lead(sentence[max(0, when.begin - 60) : when.begin])
    after = sentence[when.end : when.end + 60]
    if when.extended:
        # a government's deadline pushed back is its new ultimatum; another's is its own affair
        return "other" if _AUTHORITY.search(sentence) else None
    if _T_CONSULTATION.search(sentence) and (
        (_CLOSES.search(lead) and _consultation_governs(sentence, when))
        or _DEADLINE_AFTER.match(after)
        or _DEADLINE_BEFORE.search(sentence[: when.begin])
    ):
        return "consultation"
    if _ULTIMATUM.search(sentence, max(0, when.begin - 80), when.end + 40):
        return "other"  # a side told to yield by then: an ultimatum, no duty of law
    if _tail(lead, r"(?:gives?|gave|given|giving)\s+(?:[\w.-]+\s+){1,3}?until"):
        if (
            _T_COMPLIANCE.search(sentence[when.end :])
            or _COURT.search(sentence, 0, when.begin)
            or not _AUTHORITY.search(sentence)
        ):
            return "compliance"  # a court's order binds: "Judges gave ministers until March"
        return "other"  # a government's ultimatum
    if _CONSUMER_UNTIL.search(lead):
        return None  # "subscribers have until May to claim their free downloads": an offer
    if _tail(
        lead,
        r"(?:have|has|given|had)\s+(?:(?:[\w-]+\s+)?(?:days?|weeks?|months?),?\s+)?until",
    ) or (
        # a span owes the act after it ("60 days to comply"); a weekday dates a sitting ("is
        # expected to vote Wednesday morning to replace ...")
        when.relative
        and _SPAN_WORDS.match(sentence, when.begin)
        and re.search(rf"\bto (?:{_ACT})\b", after)
    ):
        # "have until Sept. 22 to get part of the payout": a settlement's claims window
        return "other" if _CLAIMS.search(sentence) else "compliance"
    # "delayed X until", "not until": the date is when X starts, not when something ends
    postponed = _DELAYED_UNTIL.search(sentence, 0, when.begin)
    not_until = re.search(r"\b(?:won't|will not|not)\b[^.;]{0,40}\buntil\s*$", lead)
    if postponed:
        if _T_HEARING.search(sentence, 0, when.begin) and _BODY.search(sentence):
            return "hearing-vote"  # "court has delayed the trial until September"
        if _T_EFFECT.search(sentence):
            return "takes-effect"  # "Treasury has delayed its final rules ... until March"
    if (
        not_until
        and _NOT_START.search(not_until.group())
        and (_T_EFFECT.search(sentence) or _MEASURE.search(sentence))
    ):
        return "takes-effect"  # "border controls will not apply until July next year"
    if (
        not (postponed or not_until)
        and not _ADVICE_NOUN.search(sentence, max(0, when.begin - 100), when.begin)
        and not _EVENT.search(sentence)
        and (
            _tail(lead, "(?:until|till|through)(?:(?: the)? end of)?")
            # "restrictions will be extended for two weeks to 28 September"
            or re.search(r"\bextend(?:s|ed|ing)?\b[^.;,]{0,40}\bto\s*$", lead, re.IGNORECASE)
        )
        and (
            _T_EXTENSION.search(sentence)
            or _T_EXPIRY.search(sentence)
            or _SUPPORT.search(lead)
            # a measure in force until a date ends then: "restrictions into effect until 3 April"
            or (
                _IN_FORCE_NOUN.search(lead)
                and not _SPECULATION.search(sentence)
                and not _EXPECTATION.search(sentence)
            )
        )
    ):
        return "expiry"
    if _DEADLINE_AFTER.match(after):
        return _deadline_noun_kind(sentence, lead, after, when.precision)
    before = _DEADLINE_BEFORE.search(sentence[: when.begin])
    if before is not None:
        return _deadline_before_kind(sentence, before, when.precision)
    if _SOURCE_FROM.search(lead):
        return None  # "analysis by the New York Times from May": the record's date, gone by
    if _tail(lead, r"(?:from|starting|beginning|effective|as of)(?:\s+(?:in|on))?"):
        # "from May 27" is a rule's start only in a sentence about a rule
        # (a duty that starts on a date is a rule taking effect: "Starting April, apps must")
        rule = (
            _T_EFFECT.search(sentence)
            or _MEASURE.search(sentence)
            or _T_DUTY.search(sentence[when.end :])
            or _CHANGE.search(sentence)
            or _SUPPORT.search(sentence)
            or _LIFTING.search(sentence)
            or _IN_FORCE.search(sentence)
            # an authority's own act on everyone from a date: "the administration will reduce
            # traffic at 40 airports starting Friday"
            or (_AUTHORITY.search(sentence) and _GOV_ACT.search(sentence, 0, when.begin))
        )
        if _NEGATED.search(sentence, max(0, when.begin - 60), when.begin):
            return None  # "will not hike taxes ... from April"
        return "takes-effect" if rule else None
    if _GOVERNS_EXPIRY.search(lead):
        return "expiry"  # "funding set to expire on Friday" in a sentence about a vote
    if _SET_TO_END.search(lead) and (
        _MEASURE_NOUN.search(sentence, 0, when.begin) or _SUPPORT.search(sentence, 0, when.begin)
    ):
        return "expiry"  # "a lockdown which ... is currently set to end on Wednesday 2 December"
    if _WAIT_UNTIL.search(lead) and _TO_RECEIVE.match(sentence, when.end):
        return "takes-effect"  # "will have to wait until November to access the programme"
    if _GOVERNS_EFFECT.search(lead) and not _NOT_OBLIGATION.search(sentence):
        return "takes-effect"  # "gun laws that go into effect on Thursday" beside a court ruling
    if (
        _GOVERNS_START.search(lead)
        and _STRONG_EFFECT.search(_clause(sentence, when))
        and not _NOT_OBLIGATION.search(sentence)
    ):
        return "takes-effect"  # "tariffs on Canadian goods start Monday"
    if (
        _T_HEARING.search(sentence)
        and (not_until or not _UNLIKELY.search(sentence))
        and _BODY.search(sentence)
        and not _election(sentence)
        and (
            # "will vote on the proposal at its April 22 meeting": the body's sitting
            _tail(
                lead,
                "by|on|for|set for|scheduled for|(?:by )?(?:the )?end of|at (?:its|their|the)",
            )
            # "trial set to begin Jan. 12", "jury selection begins Monday"
            or _GOVERNS_START.search(lead)
            or not_until
            or (
                (when.relative or (_tail(lead, "in(?: the)?") and when.precision != "year"))
                and _SCHEDULED.search(sentence)
            )
        )
    ):
        return "hearing-vote"
    if _near(_T_EXPIRY, sentence, when):
        return "expiry"
    if _NOT_DONE_BY.search(lead):
        return "compliance"  # "businesses not registered by January 31 will have ..."
    # a relative date counts from the duty that precedes it: "must be patched" after "exploits
    # surface within a day" does not make the day a deadline
    scope = (
        sentence[max(0, when.begin - 120) : when.begin]
        if when.relative and not when.duty
        else _coordinate(sentence, when)
    )
    duty = (
        _binding(scope)
        # "needs to file accounts by the end of May"; "by 2030" after "need to" is a target
        or (
            when.precision != "year"
            and re.search(r"\bneeds? to\b", scope, re.IGNORECASE)
            and not _ADVICE.search(sentence)
        )
    ) or (
        _T_COMPLIANCE.search(scope)
        and not _NOT_OBLIGATION.search(sentence)
        and not _ADVICE.search(sentence)
        and not _SPECULATION.search(sentence)
    )
    # "in 2026" says when, not by when: a year or month is a duty's deadline after "by"
    by = r"by|before|no later than|(?:by )?(?:the )?end of" + (
        "|in" if when.precision == "day" else ""
    )
    # "until the end of" ends a state, it sets no limit (unless someone "has until" then): a
    # duty to stay so ends then ("ordered to shield at home until the end of June"); a duty
    # in another clause dates nothing ("holds the presidency until the end of December and
    # will have to oversee")
    if duty and _tail(
        lead, r"(?<!has )(?<!have )(?<!had )(?<!given )(?<!wait )until (?:the )?end of"
    ):
        return "expiry" if _binding(sentence[max(0, when.begin - 100) : when.begin]) else None
    if duty and (when.duty or when.relative or _tail(lead, by)):
        return "compliance"
    if (
        when.precision != "year"  # "wants you to ... by 2050": a target, no ultimatum
        and (demand := _DEMAND.search(sentence, 0, when.begin))
        and _AUTHORITY.search(sentence, max(0, demand.start() - 30), demand.start())
        and _tail(lead, r"by|before|no later than|(?:by )?(?:the )?end of")
    ):
        return "other"  # a government's demand of another party: an ultimatum
    if (
        (ultimatum := _IF_NOT.search(sentence, max(0, when.begin - 100), when.begin))
        and _AUTHORITY.search(sentence, 0, ultimatum.start())
        and (when.relative or _tail(lead, r"by|before|no later than|(?:by )?(?:the )?end of"))
    ):
        return "other"  # a threat unless another party acts by then: an ultimatum
    if _IF_NOT_ACT.search(sentence, max(0, when.begin - 100), when.begin) and _tail(
        lead, r"by|before|no later than"
    ):
        return "compliance"  # "if they don't apply for settled status by 30 June": a duty
    # "by the end of the year" carries its own "by"
    by_lead = (
        _tail(lead, r"by|before|no later than|(?:by )?(?:the )?end of")
        or sentence[when.begin : when.begin + 3].lower() == "by "
    )
    if (
        when.precision != "year"  # "agreed to cut emissions by 2030": an outcome's target
        and by_lead
        and (decided := _DECIDED.search(sentence, 0, when.begin))
        and _AUTHORITY.search(sentence, 0, decided.start())
    ):
        return "other"  # a government's decided act: "Biden's decision to withdraw ... by"
    if by_lead and _LIFTING.search(sentence, 0, when.begin) and not _PROPOSAL.search(sentence):
        return "takes-effect"  # a measure lifted or a border opened by then
    if when.duty:
        # "Meta has 60 days to change": whoever has the span owes the act
        owed = _tail(lead, r"(?:has|have|had|given|gives?|gave)(?:\s+[\w.-]+){0,3}?")
        return "compliance" if owed or _AUTHORITY.search(sentence) else None
    if _IN_FORCE.search(_coordinate(sentence, when)):
        return "takes-effect"  # the words of law in force outweigh a "free" or "available"
    clause = _clause(sentence, when)
    if _T_EFFECT.search(clause) and not _NOT_OBLIGATION.search(sentence):
        # a sentence that merely names a rule or a law ("drive crypto rules forward in 2026")
        # dates its start only with a word of starting or a "by" before the date
        if _STRONG_EFFECT.search(clause) or _tail(lead, r"by|after|on|as of"):
            return "takes-effect"
        return None
    # a deadline word far from the date dates something else ("stares down a deadline ...
    # members are scheduled to have a key meeting on Friday")
    near = _T_DEADLINE.search(sentence, max(0, when.begin - 50), when.end + 30)
    # "extended the deadline ..., moving the date from May 2023 to May 2025": the new date
    moved = _tail(lead, "to|until") and _T_DEADLINE.search(sentence, 0, when.begin)
    if (near or moved) and _AUTHORITY.search(sentence):
        return "other"
    return None


# A record dated "from" a day is the day it was made, not a start: "according to analysis by
# the New York Times from May", "minutes from December meeting", "footage from Wednesday"
_SOURCE_FROM = re.compile(
    r"\b(?:analys[ie]s|figures|statistics|minutes|reports?|surveys?|polls?|videos?|footage"
    r"|photos?|pictures|images|records|documents?|emails?|letters?|memos?|transcripts?|stud(?:y|ies)"
    r"|research|recordings?|notes|files|testimony|evidence)\b(?:\s+[\w.'’-]+){0,5}?\s+from\s*$",
    _I,
)

_CLAUSE_BREAK = re.compile(r"\s*(?:[—–;:|]|\s-\s)\s*")

# A verb of its own between a consultation and a date owns the date: "consultations on a
# strategy to double grid capacity by 2050" dates the doubling, not the consultation's close
_OWN_VERB = re.compile(r"\bto\s+(?!the\b|end\b|its\b|their\b)(?:be\s+)?[a-z]+\b", _I)


def _consultation_governs(sentence: str, when: _When) -> bool:
    """Whether the consultation named before the date is what the date closes."""
    words = [*_T_CONSULTATION.finditer(sentence, 0, when.begin)]
    if not words:
        return True  # the consultation is named after its date: "By 30 June, comments ..."
    # the "to" of "runs to 30 June" closes the consultation itself
    between = _CLOSING_TO.sub("", sentence[words[-1].end() : when.begin])
    return _OWN_VERB.search(between) is None


_CLOSING_TO = re.compile(r"\bto\s*$", _I)


_MODAL_BEFORE = re.compile(r"\b(?:may|might|could)\s+(?:(?:also|still|even|yet)\s+)?$")


def _binding(scope: str) -> bool:
    """Whether a word of duty in `scope` binds: "may also have to reintroduce lockdown measures
    if ..." speaks of a duty that might come, not of one in force."""
    return any(
        _MODAL_BEFORE.search(scope, max(0, duty.start() - 30), duty.start()) is None
        for duty in _T_DUTY.finditer(scope)
    )


def _election(sentence: str) -> bool:
    """Whether the vote the sentence speaks of is voters' election, not a chamber's sitting."""
    return _ELECTION.search(sentence) is not None and _CHAMBER.search(sentence) is None


def _bounds(sentence: str, when: _When, breaks: re.Pattern[str]) -> tuple[int, int]:
    """Where the date's stretch of the sentence begins and ends: after the last break before the
    date, at the first after it."""
    begin = 0
    for cut in breaks.finditer(sentence, 0, when.begin):
        begin = cut.end()
    close = breaks.search(sentence, when.end)
    return begin, close.start() if close else len(sentence)


def _clause(sentence: str, when: _When) -> str:
    """The stretch between the dashes, semicolons or colons around the date: "debt spiraling by
    2035 — and the tariff defeat" puts the tariff in another clause."""
    begin, end = _bounds(sentence, when, _CLAUSE_BREAK)
    return sentence[begin:end]


# Where one clause ends and a coordinate one begins: "can still be repaired by 2024, says
# general, but decisions must be made fast" puts the duty in a clause of its own. (Not a dash
# or a semicolon: "must move by 2030; digital signatures by 2031" shares its verb across it.)
_COORDINATE_BREAK = re.compile(
    r"\s*(?:,?\s+(?:but|while|whereas|although|though)\b|,\s+(?:says?|said)\b"
    # ", and" before a new subject: "Apple will ship it in September, and the EU rules ..."
    r"|,\s+and\s+(?=(?:the|a|an|its|their|(?-i:[A-Z])\w*)\s))\s*",
    _I,
)


def _coordinate(sentence: str, when: _When) -> str:
    """The date's own clause, cut at coordinating conjunctions: a duty in another clause owes
    nothing by this date."""
    begin, end = _bounds(sentence, when, _COORDINATE_BREAK)
    return sentence[begin:end]


# An outcome measured in amounts: what a year's "by 2030" closes is a target unless a duty binds it
_OUTCOME = re.compile(
    r"\b(?:cut|cuts|cutting|reduc\w+|halv\w+|halve|doubl\w+|tripl\w+|increas\w+|rais\w+"
    r"|reach\w*|achiev\w+|net[\s-]zero|(?:carbon|climate)[\s-]neutral\w*|per\s?cent"
    r"|percentage)\b|%",
    _I,
)
_YEAR_LIMIT = re.compile(r"\b(?:by|before|(?:by\s+)?(?:the\s+)?end\s+of)\s*$", _I)


def _outcome_target(sentence: str, when: _When) -> bool:
    """Whether a year limit closes an outcome ("halve emissions by 2030") with no duty binding
    it in its clause: a long-range goal, not a calendar entry."""
    if when.precision != "year" or when.relative:
        return False
    if not _YEAR_LIMIT.search(sentence, max(0, when.begin - 20), when.begin):
        return False
    stretch = sentence[max(0, when.begin - 80) : when.begin]
    stretch = stretch[stretch.rfind(",") + 1 :]
    return _OUTCOME.search(stretch) is not None and not _binding(_coordinate(sentence, when))


_NEXT_WORD = re.compile(r"\s*[\w-]*")
# A product's own dates: it launches, ships, goes on sale or rolls out then
_PRODUCT_VERB = re.compile(
    r"\b(?:launch\w*|release[sd]?|ship(?:s|ping|ped)?|debut\w*|unveil\w*|on\s+sale"
    r"|hits?\s+(?:stores|shelves)|roll(?:s|ing|ed)?\s+out|pre-?orders?)\b",
    _I,
)
# Words of a rule that take the date back from a product verb before them
_RULE_WORD = re.compile(
    rf"{_STRONG_EFFECT.pattern}|{_IN_FORCE.pattern}|{_T_DUTY.pattern}|{_T_EXPIRY.pattern}", _I
)


def _product_governs(sentence: str, when: _When) -> bool:
    """Whether the verb the date attaches to is a product's ("will launch the Galaxy in
    February"): such a verb in the date's clause just before it, and no word of a rule around
    ("has to ship it ... by 1 August", "before June expiration" name duties)."""
    begin, _ = _bounds(sentence, when, _COORDINATE_BREAK)
    lead = sentence[begin : when.begin]
    # the noun a date may modify: "June expiration"
    after = _NEXT_WORD.match(sentence, when.end).group()  # type: ignore[union-attr]
    return (
        _PRODUCT_VERB.search(lead, max(begin, when.begin - 60) - begin) is not None
        and _RULE_WORD.search(lead) is None
        and _RULE_WORD.search(after) is None
    )


def _near(trigger: re.Pattern[str], sentence: str, when: _When) -> bool:
    """Whether `trigger` stands in the date's own stretch of the sentence (100 characters before
    it, 60 after): a long sentence's far clause speaks of another date."""
    return trigger.search(sentence, max(0, when.begin - 100), when.end + 60) is not None


# Private agreements between firms or people: their end is no policy team's calendar entry
_CONTRACT = re.compile(
    r"\b(?:contracts?|leases?|sponsorships?|partnerships?|franchises?|tenanc(?:y|ies))\b", _I
)
# A capability held by a firm's customers or its products is its offer, not a rule: "FTX's
# Japanese users will be able to", "those who pre-book will be able to", "BMW cars will be able"
_OFFER = re.compile(
    r"\b(?:users|customers|subscribers|members|owners|passengers|shoppers|those\s+who\s+[\w-]+"
    r"|cars|vehicles|devices|phones|apps?)\b(?:\s+[\w'’-]+){0,12}?\s+(?:will|would)\s+"
    r"(?:now\s+|also\s+)?be\s+able\s+to\b",
    _I,
)
# The words of law that make a capability a right granted, not an offer: "EU users will be able
# to ... under the Digital Markets Act"
_LAW = re.compile(
    r"\b(?:laws?|rules?|regulations?|act|directive|legislation|regulators?)\b|\bDMA\b|\bGDPR\b",
    _I,
)
# A verb in the simple past right after its subject pronoun: "they extended it from March"
_SUBJECT_PAST = re.compile(r"\b(?:I|we|they|he|she|it)\s+(?:\w+ly\s+)?[a-z]+ed\b", _I)


def _past_governs(sentence: str, when: _When) -> bool:
    """Whether a verb in the past just before the date is what the date belongs to: "took
    effect in January", not "was disclosed last week and must be patched by 3 March"."""
    # a past verb across a semicolon or a dash is another clause's: "Arguments were heard
    # Tuesday; a ruling is expected next month"
    begin, _ = _bounds(sentence, when, _CLAUSE_BREAK)
    lead = sentence[max(begin, when.begin - 50) : when.begin]
    pasts = sorted([*_PAST.finditer(lead), *_SUBJECT_PAST.finditer(lead)], key=lambda m: m.start())
    if not pasts:
        return False
    last = pasts[-1]
    if _AHEAD.search(lead, pasts[0].end()):
        return False  # a duty or a future after the past verb owns the date
    if _ANNOUNCES.fullmatch(last.group()) and _MEASURE_NOUN.search(lead, last.end()):
        return False  # "announced a ban from next year": the date is the measure's, not the news'
    if last.group().lower() not in ("was", "were", "had", "did"):
        # "added to KEV with a due date of 9 January": the verb set the deadline
        named = _DEADLINE_BEFORE.search(sentence[: when.begin]) or _DEADLINE_AFTER.match(
            sentence[when.end : when.end + 40]
        )
        return named is None
    return True


def _standing_limit(sentence: str, when: _When) -> bool:
    """A rule's standing time limit, not a date: "within 72 hours of discovering a breach",
    "once someone has refugee status, they must leave within 30 days": the span counts from an
    event the sentence names, not from the day of publication."""
    if not when.relative or not _SPAN_WORDS.match(sentence, when.begin):
        return False
    return (
        _SPAN_ANCHOR.match(sentence, when.end) is not None
        or _CONDITION.search(sentence, 0, when.begin) is not None
    )


def _strong(sentence: str) -> bool:
    """Whether a trigger in the sentence outweighs its words of products, prices and plans."""
    return bool(
        any(t.search(sentence) for t in _STRONG)
        or _STRONG_EFFECT.search(sentence)
        or (_HOLDS.search(sentence) and re.search(r"\b(?:until|till)\b", sentence))
        or ((_CHANGE.search(sentence) or _SUPPORT.search(sentence)) and _STARTING.search(sentence))
        # a measure that starts on a date outweighs words of travel and products ("travellers
        # arriving from France from Saturday face 14-day quarantine"); an expected one is a forecast
        or (
            _MEASURE.search(sentence)
            and _STARTING.search(sentence)
            and not _EXPECTATION.search(sentence)
        )
        or (_SUPPORT.search(sentence) and re.search(r"\b(?:until|till)\b", sentence))
        # a programme extended to a date ends then, free or not: "extends free Windows 10 ESU
        # support to October 2027"
        or _PROGRAMME_EXTENDED.search(sentence)
        or _NOT_DONE_BY.search(sentence[: sentence.rfind(" by ") + 4])
        or _DEADLINE_IS.search(sentence)
        or (_DELAYED_UNTIL_ANY.search(sentence) and _T_EFFECT.search(sentence))
    )


_PROGRAMME_EXTENDED = re.compile(
    r"\bextend(?:s|ed|ing)?\b[^.;]{0,60}?\b(?:programs?|programmes?|schemes?|support"
    r"|protections?|waivers?|exemptions?)\b[^.;]{0,100}?\b(?:until|till|to)\s+(?:the\s+end\s+of\s+)?"
    rf"(?:{_MONTH}|20\d\d)",
    _I,
)


def _from_sentence(sentence: str, today: date) -> Iterator[Deadline]:
    """The sentence's deadlines; a date that only restates a finer one of the same kind ("9
    December deadline ... before next month's deadline") is left out."""
    found = list(_candidates(sentence, today))
    for deadline in found:
        if not any(
            other.kind == deadline.kind
            and _RANK[other.precision] < _RANK[deadline.precision]
            and deadline.start <= other.start <= period_end(deadline.start, deadline.precision)
            for other in found
        ):
            yield deadline


_RANK: dict[Precision, int] = {"day": 0, "month": 1, "quarter": 2, "year": 3}


def _candidates(sentence: str, today: date) -> Iterator[Deadline]:
    # cheapest first: most sentences name no date, many dated ones carry no trigger
    low = sentence.lower()
    if not (_mentions(low, _DATE_NEEDLES) and _mentions(low, _TRIGGER_NEEDLES)):
        return
    whens = _dates(sentence, today)
    if not whens:
        return
    if _NOT_OBLIGATION.search(sentence) and not _strong(sentence):
        return  # a launch, a price, a plan or a forecast
    if _SPORT.search(sentence) or _FORECAST.search(sentence):
        return  # sport is out of scope; a forecast dates an outcome, not a duty
    for when in whens:
        lead = sentence[max(0, when.begin - 60) : when.begin]
        if not _upcoming(when, today, lead, sentence[when.end : when.end + 40]):
            continue
        if _PAST_LEAD.search(lead[-30:]) or _past_governs(sentence, when):
            continue  # "since mid-2024", "took effect in January": history, not a deadline
        if _standing_limit(sentence, when):
            continue
        if _MOVED_FROM.search(sentence, 0, when.begin) and _MOVED_TO.match(sentence, when.end):
            continue  # "push back a deadline ... from 2030 to 2035": 2030 is no longer the date
        if _PLEDGE.search(sentence[max(0, when.begin - 100) : when.begin]):
            continue  # a target or a pledge, not an obligation
        if _outcome_target(sentence, when):
            continue  # "to cut emissions by 40% by 2030": an outcome aimed at, no one's duty
        if _ORIGINALLY.search(sentence, max(0, when.begin - 60), when.begin):
            continue  # "the Tour, originally scheduled to run from 27 June": a date given up
        if _IF_INACTION.match(sentence, when.end):
            continue  # "will have to cut benefits by 2034 if Congress does nothing": a projection
        wish = _WISH.search(sentence, max(0, when.begin - 80), when.begin)
        if wish and not _AUTHORITY.search(sentence, max(0, wish.start() - 40), wish.start()):
            continue  # a firm's or a campaign's wish: "Philip Morris wants cigarettes banned by"
        kind = _kind(sentence, when)
        if kind is not None and _product_governs(sentence, when):
            continue  # "will launch the phone in February": a product's date, not a rule's
        if kind == "takes-effect" and _OFFER.search(sentence) and not _LAW.search(sentence):
            continue  # what a firm's customers or products will be able to do: an offer
        if kind == "expiry" and _COMMERCE.search(sentence) and not _LAW.search(sentence):
            continue  # a discount or a sale that ends is commerce (GUIDELINES.md)
        if (
            kind == "expiry"
            and _CONTRACT.search(sentence)
            and not (_LAW.search(sentence) or _AUTHORITY.search(sentence))
        ):
            continue  # a firm's contract or lease that runs out is commerce, not policy
        if kind in ("takes-effect", "expiry") and (
            _HYPOTHETICAL.search(sentence)
            # a proposal in another part of a long sentence ("industry calls for clarity")
            # weighs nothing on this date
            or _PROPOSAL.search(sentence, max(0, when.begin - 120), when.end + 60)
            or _MAYBE.search(sentence, max(0, when.begin - 60), when.begin)
            or (_PLANNED.search(sentence) and _REPORTED.search(sentence))
        ):
            continue  # a measure not yet adopted neither starts nor ends on its dates
        if kind not in (None, "hearing-vote") and _UNANNOUNCED.search(sentence):
            continue  # a measure not yet made known, or known only from reports
        if kind == "consultation" and when is not whens[-1]:
            continue  # a comment period "from December to 30 January" closes at its end
        if kind is not None:
            yield Deadline(kind, when.start, when.precision, sentence)
