"""Is it policy news, what kind of event is it, and how much does it matter: cues, scored.

Each item is read for cues in groups (built-in lists in `digest/judgement/cues.py`, and the taxonomy
file's `[relevance]` table, which operators tune): who acts (a regulator, a court, the police), what
they do (fine, ban, rule, charge), what happened (a breach, an exploited flaw: harm told as done,
never as a what-if, denied, warded off, a tool's capability or a defence against it, what a flaw
exposes things to or a flaw's scope; an attacker or a tool named counts only with a victim, and
attackers acting on a flaw the headline names tell it exploited: "Attackers Hit Cisco SD-WAN Flaw",
never "Flaw Lets Attackers ...", and so does a flaw told as their target: "Ubiquiti Vulnerabilities
in Attackers' Crosshairs"), and what marks other news (a deal, a product launch, a malware
write-up with no victim, a routine advisory, sport, an accident, street crime, an event listing or
a vendor's own voice, general politics, trade politics). A headline led by the attacker ("Chinese
hackers breach ...", never "Acme says hackers stole ...", a victim telling) is a
threat-intelligence write-up unless it tells an act, a flaw
exploited, a named victim's hack, a mass of people harmed (counted in the headline or the lead's
first sentence) or a sum of millions: its harm does not count; nor does the harm a feature's
headline names as its theme ("Why password audits miss ...", and a feature's text counts only when
its headline names the authority or the act) or a round-up bundles (named so, or a headline listing
three subjects after its label). Compounds in which a cue word is no act ("law firm", "detection
rules") are read as no cue. Who acts is read from the sentence: a public body as the subject of a
governing verb (or heading a phrase that ends in one's infinitive: "Ireland leads charge to force")
wherever its clause starts in the headline (a body named by a common noun acts lowercase there too:
"A federal judge finds"), or in the lead's first sentence (a dateline or an attribution is no act),
a body the headline's closing clause credits with it (", says Ofcom", ": privacy commissioner"), and
a prison term passed is a court's act. A body acting, a rule told or a harm done on technology
the headline names, or minors on an online service, is digital policy in general news even where
no topic's own words are found. A cue in the
headline counts more than one in the text; the source's kind (regulator, general news, vendor ...)
and the section its outlet files the item in (sport, entertainment, video, sponsored ...: read from
its address) are priors that weigh the evidence, never evidence alone (a kind's doubt weighs half
against a headline that tells an act, a rule or a harm done). A story is policy news when
its median member is; its event type is the weightiest type its members show, and its significance
adds the size of what happened (a fine of hundreds of millions, millions of people affected, many
countries acting, a giant harmed) and how far the act has gone (done and binding or a harm
confirmed, or a proposal, a claim, an allegation, a question), less a level for one person's case
and for policy news on thin evidence.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise
from typing import Any, NamedTuple

from core.ingest import StoryFacts
from digest.judgement.cues import (
    ATTACKERS,
    BINDING,
    BODIES,
    BUILTIN_CUES,
    CAMPAIGN_VERBS,
    CAREER_VERBS,
    CLAIMED,
    COMMON_BODIES,
    FEATURES,
    FLAW_NOUNS,
    FLAW_TARGETED,
    FLAWS,
    GOVERNING_VERBS,
    INDIVIDUALS,
    LISTED,
    NOT_ACTS,
    REPORTING_VERBS,
    ROUNDUPS,
    SAYING,
    SCALE_TERMS,
    SECTIONS,
    TENTATIVE,
    TOOLS,
    BuiltinCues,
)
from digest.judgement.relevance_model import RelevanceModel, evidence, load_model
from digest.text.sentences import ABBREVIATIONS
from digest.text.stopwords import STOP_WORDS
from digest.text.words import SEPARATORS, Words, split_words

__all__ = ["EVENT_TYPES", "Assessment", "RelevanceRules", "story_facts", "magnitude"]

# Event types, weightiest first, with their base significance.
EVENT_TYPES: dict[str, float] = {
    "enforcement": 3.0,
    "law": 3.0,
    "court": 2.5,
    "investigation": 2.0,
    "incident": 2.0,
    "guidance": 1.5,
    "deadline": 1.5,
    "analysis": 1.0,
    "commentary": 0.5,
    "other": 0.0,
}
_LEAD_WORDS = 120  # words of the text read for cues
_SUBJECT_SPAN = 3  # a headline's subject is among its first words
_REACH = 4  # "Ireland leads charge to force": the infinitive of the subject's act this close
# a prison term passed: "gets seven years", "handed 7+ years", "five years in prison"
_TERM = (
    r"(?:\d+\+?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty)[ -](?:years?|months?)"
)
_PRISON = re.compile(
    rf"\b(?:(?:gets?|got|given|handed|serve|spend|sentenced\sto)\s(?:up\sto\s)?{_TERM}\b"
    rf"|{_TERM}\s(?:in\s(?:prison|jail)|behind\sbars))",
    re.IGNORECASE,
)
_SAYING = frozenset(w.encode() for w in SAYING)
_TERM_UNITS = frozenset((b"year", b"years", b"month", b"months"))
_PARTY_SPAN = 5  # a headline names its party (subject, or object of an arrest) this early
_INDIVIDUALS = frozenset(w.encode() for w in INDIVIDUALS)
_CASES = ("court", "enforcement")  # event types whose party's size is the case's size
_OPENING_CHARS = 400  # the lead's first sentence is read for who acts
_OPENING_WORDS = 80  # more words than _OPENING_CHARS can hold
_STOP = re.compile(r"[.!?…][\"'”’)\]]*\s+")  # a possible end of a sentence
# a wire dateline: a place in capitals or title case, then a date and/or the agency, then a dash
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'’ -]{3,40}|[A-Z][\w.'’ -]{1,40}(?=,?\s+(?:[A-Z][a-z]{2,8}\.?\s+\d|\()))"
    r",?\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*)?(?:\([^)]{2,40}\)\s*)?[-–—]+\s+"
)
# a cue of harm within a few words after these is a what-if ("can be exploited to", "if
# successfully exploited", "successful exploitation of this flaw could", "lets attackers
# hijack"; a verb of letting in any tense: "Flaw Enabled Cloud Credential Theft" tells what a
# flaw allowed, not a theft), or denied ("no exploitation", "not been exploited"): risk, not
# harm done. "Possibly" and "potentially" alone hedge how sure or how wide a harm is, not
# whether it is told as done ("possibly exploited in attacks", "potentially affecting 65% of
# the population"); a what-if with them has its modal ("could potentially be exploited")
_MODALS = frozenset((b"can", b"could", b"may", b"might", b"would"))
_HEDGES = _MODALS | frozenset(
    (b"if", b"allow", b"allows", b"allowing", b"allowed", b"let", b"lets", b"letting", b"enable",
     b"enables", b"enabling", b"enabled", b"permit", b"permits", b"permitting", b"permitted",
     b"risk", b"successful", b"successfully")
)  # fmt: skip
_DENIALS = frozenset((b"no", b"not", b"never", b"without"))
# a denied subject governs its whole clause, as a modal does: "none of the flaws have been
# exploited in the wild"
_NONE = frozenset((b"none", b"neither"))
# anywhere before a flaw's attack in a headline, these make it a what-if or deny it
_UNTOLD = _HEDGES | _DENIALS | _NONE
# what is warded off is no harm done: "to stop supply chain attacks", "protects against ..."
_PREVENTING = frozenset(
    (b"stop", b"prevent", b"prevents", b"limit", b"block", b"blocks", b"protect", b"protects",
     b"defend", b"mitigate", b"combat", b"curb", b"thwart", b"avoid", b"against")
)  # fmt: skip
# a harm noun modifying one of these names a capability, a risk or a defence against it, not a
# harm done ("1-click data theft tool", "breach risk", "fraud fears", "intrusion logging",
# "ransomware protection", "breach detection")
_CAPABILITY = frozenset(
    (b"tool", b"tools", b"machine", b"machines", b"kit", b"kits", b"technique", b"techniques",
     b"capability", b"capabilities", b"risk", b"risks", b"fears", b"threat", b"threats",
     b"detection", b"prevention", b"protection", b"logging", b"monitoring", b"defense",
     b"defence", b"defenses", b"defences", b"insurance", b"simulation", b"simulations",
     b"training", b"awareness", b"readiness", b"resilience")
)  # fmt: skip
# "affected" before one of these names a flaw's scope, not people or systems harmed ("in
# affected environments", "affected versions")
_SCOPE = frozenset(
    (b"version", b"versions", b"product", b"products", b"environment", b"environments",
     b"release", b"releases", b"build", b"builds", b"configuration", b"configurations",
     b"firmware", b"component", b"components")
)  # fmt: skip
_SCOPED = frozenset((b"affected", b"impacted", b"vulnerable"))
# what a harm is the object of after one of these and "to" is a risk the thing is open to, not
# harm done ("Flaws Expose 300+ Repositories to Supply-Chain Attacks", "leaves users vulnerable
# to data theft")
_EXPOSING = frozenset(
    (b"expose", b"exposes", b"exposed", b"exposing", b"vulnerable", b"susceptible", b"prone",
     b"open", b"leaves", b"leave", b"leaving")
)  # fmt: skip
# a flaw "affects" products and versions, an attack people: these verbs after a flaw's noun tell
# a flaw's scope, not harm done ("the workflow weakness affects Microsoft's Azure Sentinel")
_SCOPE_VERBS = frozenset(
    (b"affects", b"affected", b"affecting", b"impacts", b"impacted", b"impacting")
)
# a flaw noun naming a defender's practice with one of these after it ("vulnerability program",
# "vulnerability management", "CVE feed", "bug bounty"): no flaw attackers act on
_PRACTICES = frozenset(
    (b"program", b"programs", b"programme", b"programmes", b"management", b"scanner",
     b"scanners", b"scanning", b"disclosure", b"research", b"assessment", b"assessments",
     b"feed", b"feeds", b"database", b"databases", b"hunting", b"bounty", b"bounties",
     b"backlog", b"backlogs", b"triage", b"remediation", b"prioritization", b"prioritisation")
)  # fmt: skip
_FLAW_SUBJECTS = frozenset(
    (b"flaw", b"flaws", b"vulnerability", b"vulnerabilities", b"bug", b"bugs", b"weakness",
     b"weaknesses", b"issue", b"issues", b"defect", b"defects")
)  # fmt: skip
_FLAW_SPAN = 2  # "the flaw affects", "the weakness reportedly affects"
_FLAW_KINDS = _CAPABILITY | _FLAW_SUBJECTS
_HEDGE_SPAN = 4  # "allows 1-click data theft"
_MODAL_SPAN = 12
_DENIAL_SPAN = 3  # "no evidence of exploitation", never "no patch planned for exploited"
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}
# a count of people or their records: "33.7 million customers", "220,000 people", "34 million
# customer records" (the noun as a modifier), "22 million affected", "110 million-credential"
# (a credential or a password is one person's account)
# (A number is read from its first digit: `(?<!\d\d)` after that digit says so without a
# leading look-behind, which would keep the regex engine from skipping ahead to digits.)
# (Its runs of digits and its word are possessive (`*+`, `++`): what follows either can
# never match what they gave back, so trying to is wasted work.)
_PEOPLE = re.compile(
    r"(\d(?<!\d\d)[\d,.]*+)\s?(thousand|million|billion|k|m|bn)?[\s-]"
    r"(?:\w++\s)?(?:people|persons?|users?|customers?|accounts?|records?|victims?|patients?|"
    r"students?|employees?|citizens?|residents?|subscribers?|individuals?|children|devices?|"
    r"households?|members?|credentials?|passwords?|affected|impacted)\b",
    re.IGNORECASE,
)
# the same, for an ASCII text lowercased: a case-blind match of each character costs more
_PEOPLE_LOWER = re.compile(_PEOPLE.pattern)
# a headline led by an attacker names it among its first words ("China-linked JDY botnet ...")
_ATTACKER_SPAN = 4
_CLAIMS = frozenset((b"claim", b"claims", b"claimed", b"claiming"))
# before the attacker, a verb of telling makes the headline's subject the one telling what was
# done to it ("West Pharmaceutical says hackers stole data", "Instructure confirms hackers used
# ..."): a victim's disclosure, not a write-up; a preposition makes the attacker no subject at all
# ("Deal reached with hackers to delete data")
_DISCLOSING = frozenset(
    (b"says", b"said", b"confirms", b"confirmed", b"discloses", b"disclosed", b"admits",
     b"admitted")
)  # fmt: skip
_PREPOSITIONS = frozenset((b"with", b"by", b"from", b"against", b"of", b"for"))
_NAMES = ("actor", "authority")  # cue groups that name a body, not what it does
_NAMED_ONLY = ("measure",)  # a cue group that is evidence only where a body is named
_EXPLOITS = ("exploited", "exploiting")  # cue groups of a flaw exploited
_NAMED_ACTS = ("actor", "authority", "action")  # cue groups of an authority or its act
_TECHNOLOGY = ("technology",)  # the cue group that names technology (weight 0)
# cue groups of a governing act or instrument: on technology the headline names, digital policy
_GOVERNING = frozenset(("action", "oversight", "law"))
_MINORS = "minors"  # the cue group of minors on an online service: trust and safety
# a headline's closing attribution (", says Ofcom", ", auditor finds"): a verb of telling or
# finding, and a body of at most a few words
_ATTRIBUTING = frozenset(
    (b"says", b"said", b"warns", b"warned", b"finds", b"found", b"concludes", b"concluded")
)
_ATTRIBUTION_WORDS = 4
# what a public body does when it speaks rather than acts: its statements, findings, warnings and
# advisories ("CISA adds ... to catalog", "FBI warns", "watchdog finds", "FBI: ...") are guidance
# whatever harm they speak of (guidelines §6: advisory, report by an authority)
_SPEAKING = (
    b"say", b"warn", b"find", b"urge", b"flag", b"tell", b"add", b"alert", b"advise",
    b"recommend", b"issue", b"release", b"publish", b"report", b"conclude",
)  # fmt: skip
_SPOKE = frozenset((b"found", b"told", b"said"))  # their past forms no rule makes
_SPEAKER_WORDS = 3  # "U.S. CISA:", "Privacy watchdog:": a body's name before its colon
# an op-ed's byline closing its headline ("...: Peter Menzies in The Line", "...: Paul W. Bennett
# for Inside Policy") and a headline that argues what ought to be ("Europe should be realistic"):
# commentary, unless a public body is the one saying it
_BYLINE = re.compile(
    r":\s+(?:[A-Z][\w'’-]+\s+(?:[A-Z]\.\s+)?[A-Z][\w'’-]+(?:,\s+|\s+and\s+)?)+"
    r"\s*(?:in|for)\s+(?:the\s+)?[A-Z]"
)
_ARGUES = re.compile(r"\b(?:should|ought\s+to)\b", re.IGNORECASE)
# what an attack does as often as what police do ("Cyberattack disrupts postal service", "Police
# disrupt botnet"): the attack's doing when the attack is its subject
_HARM_OR_ACT = (b"disrupt",)
# a headline framed as an explainer, whatever act it explains: "How ...", "What to know about ...",
# "Inside the fight over ...", "Meet the admin of ...", or labelled as such ("Analysis: ...")
_EXPLAINER = re.compile(
    r"^\s*(?:(?:How|Why|What|What's|What’s|Who|Inside|Meet|Here's|Here’s|All\s+the)\s"
    r"|(?:Analysis|Explainer|Explained|Q&A|FAQ)\s*[:|–—-])"
)
_ATTRIBUTION_CHARS = 48  # four words of a body's name, with a verb
# a headline's clauses, at a colon or a dash: "The AI arms race – why ..."
_CLAUSES = re.compile(r"\s*(?:[:|–—]|\s-\s)\s*")
_SEPARATORS = frozenset(":|–—")
# a company's funding told in a headline: "raises $22 million", "secures €10m", "lands $5M"
_FUNDING = re.compile(
    r"\b(?:raises|raised|secures|secured|lands|closes|bags|nabs)\s+(?:a\s)?[$€£]\s?\d", re.I
)
_LISTED_COMMAS = 2  # "A, B, and C": three subjects listed
_LISTING = re.compile(r",\s*(?:and\s+)?")  # the parts of "A, B, and C"
_STORY_WORDS = 3  # a listed part this long tells a story of its own, not a name
_DIGITS = frozenset("0123456789")
_FLAW_REACH = 6  # "Attackers Weaponize Cisco CUCM Flaw": the flaw this many words on
# before the attacker, a what-if or a preposition makes it no subject ("lets attackers", "by
# hackers"); after it, these are no verb it heads ("attackers to", "hackers and")
_NO_SUBJECT = _HEDGES | _PREPOSITIONS
_NO_VERB = _HEDGES | frozenset((b"to", b"of", b"for", b"with", b"and"))
_MASS = 1e4  # people or accounts harmed, counted in a headline: a mass compromise, not a write-up
# machines, sites or organisations taken over, counted in a headline ("Over 116,000 Minecraft
# systems infected", "Hackers hijack thousands of sites"): each is an owner harmed, so a
# thousand of them is a mass compromise (guidelines), not one campaign's write-up
_MACHINES = re.compile(
    r"(?:(\d(?<!\d\d)[\d,.]*+)\s?(thousand|million|k|m)?|(thousands|millions)\s+of)[\s-]"
    r"(?:\w++\s)?(?:systems?|computers?|machines?|servers?|devices?|endpoints?|routers?|"
    r"sites?|websites?|repositories|repos|hosts?|instances?|organi[sz]ations?|companies|"
    r"networks?)\b",
    re.IGNORECASE,
)
_MASS_MACHINES = 1e3
_MANY = {"thousands": 2e3, "millions": 2e6}  # "thousands of sites": at least two thousand
# the verbs of a compromise done to what is counted (never a gerund: "exposed to hijacking" is
# a risk, and a headline with a flaw's noun or an exposing word tells one, "Flaws Expose Millions
# of Repositories to Hijacking": the flaw's own cues judge it)
_TAKEN_OVER = frozenset(
    (b"infected", b"infects", b"infect", b"hijacked", b"hijacks", b"hijack", b"compromised",
     b"compromises", b"compromise", b"hacked", b"breached", b"backdoored")
)  # fmt: skip
_AT_RISK = _UNTOLD | _EXPOSING | _FLAW_SUBJECTS
# the verbs that press a place or body to act ("urges Canada to", "calls on the EU to")
_URGING = frozenset(
    (b"urge", b"urges", b"urged", b"urging", b"call", b"calls", b"called", b"calling", b"ask",
     b"asks", b"asked", b"press", b"presses", b"pressed", b"pressing", b"push", b"pushes",
     b"pushed", b"lobby", b"lobbies", b"lobbied", b"petition", b"petitions", b"petitioned")
)  # fmt: skip
_COUNTERFACTUAL = frozenset((b"could", b"might", b"would"))  # before "have": what did not happen
_INCIDENT = "incident"  # the cue group of harm done to a named victim or to many
_FUNCTION_WORDS = frozenset(w.encode() for w in STOP_WORDS)
# the values an item's size and stage take (never -0.0: both are sums of non-negative steps or
# a step times a whole number), and how many distinct scores are kept shared
_STEPS = {v: v for v in (-0.5, 0.0, 0.5, 1.0, 1.5, 2.0)}
_SHARED_SCORES = 4096


# a listicle counts its entries in digits or in words ("10 hacks", "Four Ways AI Is Being Used")
_NUMBER_WORDS = frozenset(
    (b"two", b"three", b"four", b"five", b"six", b"seven", b"eight", b"nine", b"ten", b"eleven",
     b"twelve", b"fifteen", b"twenty")
)  # fmt: skip


def _counting(word: bytes) -> bool:
    """Whether `word` is a count: a number in digits or in words."""
    return word.isdigit() or word in _NUMBER_WORDS


def _words_of(terms: Iterable[str]) -> frozenset[bytes]:
    """Each term's first word and its plural (or -s form): "use" finds "uses"."""
    return frozenset(f for t in terms for w in _tokens(t)[:1] for f in _forms(w))


def _phrases_by_first(terms: Iterable[str]) -> dict[bytes, tuple[bytes, ...]]:
    """Phrases as `_Seen.joined` holds them (" law firm "), by their first word."""
    by_first: dict[bytes, list[bytes]] = {}
    for term in terms:
        tokens = _tokens(term)
        by_first.setdefault(tokens[0], []).append(b" " + b" ".join(tokens) + b" ")
    return {first: tuple(found) for first, found in by_first.items()}


# a sum of millions: "$5 million", "€2.3bn" (the number not part of a word or a longer
# number; a currency sign before it changes nothing of what is read)
_AMOUNT = re.compile(r"(\d(?<![\w.]\d)\d*+(?:[.,]\d+)?)\s?(million|billion|m|bn)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CueGroup:
    """Terms that are evidence of one thing, and how much (negative: evidence against)."""

    name: str
    weight: float
    words: frozenset[bytes]
    phrases: tuple[bytes, ...]  # " w1 w2 ", lowercased
    # groups whose presence in the headline cancels this one: "launches" is a product launch
    # unless an authority is the one launching ("EU launches investigation")
    unless: tuple[str, ...] = ()
    # the phrases' first words: most texts have none of them, and then no phrase is searched
    starts: frozenset[bytes] = frozenset()
    leads: tuple[bytes, ...] = ()  # each phrase's first word: only those are searched
    # the phrases (with their place in the list, and their other words) by first word: only a
    # present word's are tried, and only those whose other words are all present are searched
    by_lead: Mapping[bytes, tuple[tuple[int, bytes, frozenset[bytes]], ...]] = field(
        default_factory=dict, compare=False, hash=False
    )
    # groups of which one must be found too, anywhere, for this one to count: "hackers" is harm
    # only with a victim or a harm done ("hackers ... 4 million users"), never a threat alone
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Acting:
    """A place or body acting in the headline: a capitalised subject ("EU", "India", "Ofcom")
    directly followed by a governing verb ("fines", "ordered", "to ban"). A singular subject
    takes the verb's -s or -ed form ("EU fines"; never "French Open"), a plural or compound one
    may take the bare verb ("Regulators fine", "Amazon and FBI warn")."""

    weight: float = 1.5
    subjects: frozenset[bytes] = frozenset()  # lowercased
    verbs: frozenset[bytes] = frozenset()  # lowercased -s, -ed forms and auxiliaries ("to")
    bare: frozenset[bytes] = frozenset()  # lowercased bare verbs, after a plural subject
    # public bodies among the subjects (not places): a body acts wherever its clause starts
    # ("Shoppers targeted as FBI warns"), a place only as the headline's subject
    bodies: frozenset[bytes] = frozenset()
    # nouns of an act that a possessive gives to its subject ("Canada's plan", "CFPB's move")
    nouns: frozenset[bytes] = frozenset()
    # subjects that are common nouns, acting when written lowercase too ("A federal judge finds")
    common: frozenset[bytes] = field(
        default_factory=lambda: frozenset(w.encode() for w in COMMON_BODIES)
    )

    def owned(self, title: Words) -> str:
        """ "subject's act" for the first place or body whose act a possessive names anywhere in
        `title`, at most one modifier between ("How would Canada's plan to ... work?", "Canada's
        AI strategy"), or ""."""
        if not self.nouns or self.subjects.isdisjoint(title.words):
            return ""
        words = title.words
        for n in range(len(words) - 2):
            if words[n + 1] != b"s" or words[n] not in self.subjects:
                continue
            noun = next((w for w in words[n + 2 : n + 4] if w in self.nouns), b"")
            if noun and (words[n] in self.common or self._cased(title, n)):
                return (words[n] + b"'s " + noun).decode("utf-8", "replace")
        return ""

    @staticmethod
    def _cased(title: Words, n: int) -> bool:
        """Whether the headline's `n`th word is written capitalised (a proper name, not "us")."""
        cased = title.encoded.translate(SEPARATORS).split()
        return len(cased) == len(title.words) and cased[n][:1].isupper()

    def find(
        self, title: Words, skip: frozenset[bytes] = frozenset(), *, headline: bool = True
    ) -> str:
        """ "subject verb" for the first place or body acting in `title`, or "" (`skip`: verbs
        that are no act here; `headline`: a sentence-case headline may write a common noun's
        body lowercase, while prose writes every common noun so: "targets government targets")."""
        common = self.common if headline else frozenset()
        if not self.subjects or not self.verbs:
            return ""
        if self.subjects.isdisjoint(title.words):  # most texts: no subject at all
            return ""
        words = [w for w in title.words if w != b"s"] if b"s" in title.words else title.words
        if len(words) < 2:
            return ""
        cased: list[bytes] | None = None
        subjects = self.subjects
        # the headline's subject comes first, after at most two modifiers ("German police
        # raid"): a place later on is an object or a setting ("moves from London to ..."),
        # while a public body later on is the subject of its own clause (only a subject's
        # place, followed by a word, can tell an act)
        for n in [n for n, word in enumerate(words[:-1]) if word in subjects]:
            word, verb = words[n], words[n + 1]
            # "in Paris to": an infinitive follows any noun; only a headline's subject is
            # an authority "to" act
            if n >= _SUBJECT_SPAN and (word not in self.bodies or not self._acts_later(words, n)):
                continue
            if verb in self.verbs or verb in self.bare:
                # a proper name or acronym: "EU warns", never "us warns" or "china plates sold"
                if cased is None:
                    cased = [w for w in title.encoded.translate(SEPARATORS).split() if w != b"s"]
                aligned = len(cased) == len(words)
                if word not in common and (not aligned or not cased[n][:1].isupper()):
                    continue
                # "Regulators fine", and a compound subject: "Amazon and FBI warn"
                plural = word.endswith(b"s") and not (aligned and cased[n].isupper())
                compound = n >= 2 and words[n - 1] == b"and"
                if verb in skip:
                    continue
                if verb in self.verbs or plural or compound:
                    return (word + b" " + verb).decode("utf-8", "replace")
        return self._reaching(title, words, skip, common) or self._urged(title, words, skip, common)

    def _urged(
        self, title: Words, words: Sequence[bytes], skip: frozenset[bytes], common: frozenset[bytes]
    ) -> str:
        """ "urged: subject to verb" when the headline presses a place or body to act, wherever
        it stands ("Cross-party group calls on Canada to block ...", "Groups urge the EU to
        ban ..."): the act a public debate demands of a government; or ""."""
        if b"to" not in words or _URGING.isdisjoint(words):
            return ""
        for n in range(1, len(words) - 2):
            word = words[n]
            if word not in self.subjects or words[n + 1] != b"to":
                continue
            verb = words[n + 2]
            if verb not in self.bare or verb in skip:
                continue
            before = words[max(n - 3, 0) : n]
            if before[-1:] == [b"the"]:
                before = before[:-1]
            if before[-1:] == [b"on"]:
                before = before[:-1]  # "calls on"
            if not before or before[-1] not in _URGING:
                continue
            if word not in common and not self._cased(title, n):
                continue
            return (b"urged: " + word + b" to " + verb).decode("utf-8", "replace")
        return ""

    def _reaching(
        self, title: Words, words: Sequence[bytes], skip: frozenset[bytes], common: frozenset[bytes]
    ) -> str:
        """ "subject to verb" when the headline's subject heads a phrase that ends in a
        governing verb's infinitive ("Ireland leads charge to force", "EU set to fine"); or
        ""."""
        if b"to" not in words:
            return ""
        for n, word in enumerate(words[:_SUBJECT_SPAN]):
            if word not in self.subjects:
                continue
            if word not in common and not self._cased(title, n):
                continue
            reach = words[n + 2 : n + 2 + _REACH]
            for m, to in enumerate(reach[:-1]):
                verb = reach[m + 1]
                if to == b"to" and verb in self.bare and verb not in skip:
                    return (word + b" to " + verb).decode("utf-8", "replace")
            return ""
        return ""

    def _acts_later(self, words: Sequence[bytes], n: int) -> bool:
        """Whether the body at `n`, past the headline's subject, heads its own act: a governing
        verb ("as FBI warns"), or an infinitive of one ("urge Commission to crack down"); a bare
        "to" follows any noun ("moves from London to Paris to ...")."""
        if words[n + 1] != b"to":
            return True
        return n + 2 < len(words) and words[n + 2] in self.bare


@dataclass(frozen=True, slots=True)
class Assessment:
    """One item read for relevance and event type (slotted: a story index keeps one per member
    for days)."""

    score: float
    reasons: tuple[str, ...]
    event_type: str
    magnitude: float  # 0 (nothing measured) to 2 (billions, tens of millions of people)
    # the act's stage as the headline tells it: +0.5 done and binding, -0.5 a step towards it
    stage: float = 0.0
    # the headline's party is one person ("Australian man jailed"), not a firm or a network
    individual: bool = False


@dataclass(frozen=True)
class RelevanceRules:
    """The cue groups, event-type cues, source-kind priors and the decision threshold."""

    groups: tuple[CueGroup, ...] = ()
    types: tuple[CueGroup, ...] = ()
    priors: Mapping[str, float] = field(default_factory=dict)
    official_prior: float = 1.0
    threshold: float = 1.0
    # a story whose median member is less than this above the threshold ranks a level lower
    thin_evidence: float = 1.0
    title_weight: float = 2.0
    acting: Acting = field(default_factory=Acting)
    # the cue groups whose terms make policy context for a taxonomy's `context` terms
    context: tuple[str, ...] = ("actor", "action")
    # the cue groups of harm done: their terms count only when told as done, not as a what-if
    factual: frozenset[str] = frozenset()
    # source kinds whose items are policy news only with a taxonomy topic: general news covers
    # all of politics (visas, wars, budgets), and only its digital policy is ours
    topic_required: frozenset[str] = frozenset()
    # of those, the kinds whose official sources need a topic too: a government's press office
    # tells all of its policy (farms fined, care homes opened), and only its digital policy is ours
    official_topic_required: frozenset[str] = frozenset()
    binding: CueGroup = field(default_factory=lambda: _group("binding", {"terms": [*BINDING]}, ""))
    tentative: CueGroup = field(
        default_factory=lambda: _group("tentative", {"terms": [*TENTATIVE]}, "")
    )
    broad: CueGroup = field(default_factory=lambda: _group("broad", {"terms": [*SCALE_TERMS]}, ""))
    # a headline led by one of these ("Chinese hackers breach ...") is a threat-intelligence
    # write-up unless it tells an act, an authority, a flaw exploited or a named victim's hack:
    # the harm it tells does not count, and it weighs `writeup` (0 turns the check off)
    attackers: frozenset[bytes] = field(default_factory=lambda: _words_of(ATTACKERS))
    campaign_verbs: frozenset[bytes] = field(default_factory=lambda: _words_of(CAMPAIGN_VERBS))
    career_verbs: frozenset[bytes] = field(default_factory=lambda: _words_of(CAREER_VERBS))
    reporting_verbs: frozenset[bytes] = field(default_factory=lambda: _words_of(REPORTING_VERBS))
    tools: frozenset[bytes] = field(default_factory=lambda: _words_of(TOOLS))
    claimed: frozenset[bytes] = field(default_factory=lambda: _words_of(CLAIMED))
    flaws: frozenset[bytes] = field(default_factory=lambda: _words_of(FLAWS))
    # flaws attackers act on in a headline ("Attackers Hit Cisco SD-WAN Flaw"): exploited
    flaw_nouns: frozenset[bytes] = field(default_factory=lambda: _words_of(FLAW_NOUNS))
    # words that tell a flaw the headline leads with as attacked ("Flaw Targeted", "in
    # Attackers' Crosshairs")
    flaw_targeted: frozenset[bytes] = field(
        default_factory=lambda: frozenset(w.encode() for w in FLAW_TARGETED)
    )
    writeup: float = -1.0
    funding: float = -1.5  # a company's funding round told in the headline (weighs as a cue there)
    # an item its outlet files in a section outside the news (its address's path names one of
    # `sections`: "/sport/", "/video/", "/sponsored/") weighs this
    section: float = -1.0
    sections: frozenset[str] = frozenset(SECTIONS)
    # the cue groups whose presence in the headline makes an attacker-led one no write-up
    writeup_unless: tuple[str, ...] = ("action", "actor", "authority", "exploited", "exploiting")
    # a feature's headline ("Why password audits miss ...") tells harm as a theme: the harm cues
    # of such an item do not count, unless the headline names an authority or an act (then it
    # is analysis of policy); a round-up's ("Weekly recap: ...") is no policy news at all
    features: tuple[tuple[bytes, ...], ...] = field(
        default_factory=lambda: tuple(tuple(_tokens(t)) for t in FEATURES)
    )
    listed: frozenset[bytes] = field(default_factory=lambda: _words_of(LISTED))
    roundups: CueGroup = field(
        default_factory=lambda: _group("roundup", {"terms": [*ROUNDUPS]}, "")
    )
    # compounds whose words are no cue ("law firm"), by their first word
    not_acts: Mapping[bytes, tuple[bytes, ...]] = field(
        default_factory=lambda: _phrases_by_first(NOT_ACTS), compare=False, hash=False
    )
    # a learned second opinion (digest/judgement/relevance_model.py) where the score is near
    # the threshold; None: the rules alone
    model: RelevanceModel | None = field(default=None, compare=False, hash=False)

    @cached_property
    def _vocabulary(self) -> frozenset[bytes]:
        """Every word a cue lookup can hit (terms, and phrases' words): an item's words are
        narrowed to these once, so each group's lookup is on a handful of words (and a phrase
        is searched for only when all its words are among them)."""
        every = (*self.groups, *self.types, self.binding, self.tentative, self.broad, self.roundups)
        rests = (rest for g in every for found in g.by_lead.values() for _, _, rest in found)
        return frozenset(self.not_acts).union(*(g.words | g.starts for g in every), *rests)

    @cached_property
    def _mask_nexts(self) -> dict[bytes, tuple[bytes, frozenset[bytes]]]:
        """The compounds that are no cue, by their first word: b" first " and their second
        words (none for a first word that is a whole compound). A text without such a pair has
        none of them."""
        nexts: dict[bytes, tuple[bytes, frozenset[bytes]]] = {}
        for first, phrases in self.not_acts.items():
            seconds = [p.split()[1:2] for p in phrases]
            after = frozenset(w for ws in seconds for w in ws) if all(seconds) else frozenset()
            nexts[first] = (b" " + first + b" ", after)
        return nexts

    @cached_property
    def _read(self) -> tuple[frozenset[bytes], frozenset[bytes]]:
        """The words an item's texts are narrowed to (the vocabulary, and the second words of
        the compounds that are no cue), and those of them outside the vocabulary: read only
        to tell whether a compound may be there (most texts with "act" have no "act as")."""
        seconds = frozenset().union(*(after for _, after in self._mask_nexts.values()))
        return self._vocabulary | seconds, seconds - self._vocabulary

    @cached_property
    def _weighted(self) -> _Lookup:
        """The weighted cue groups (those of weight 0 are read only when another asks)."""
        return _lookup([g if g.weight else None for g in self.groups])

    @cached_property
    def _context_groups(self) -> tuple[tuple[CueGroup, ...], frozenset[bytes], frozenset[bytes]]:
        """The `context` cue groups, their words, and their phrases' first words."""
        groups = tuple(g for g in self.groups if g.name in self.context)
        words = frozenset().union(*(g.words for g in groups))
        return groups, words, frozenset().union(*(g.starts for g in groups))

    @cached_property
    def _types_by_name(self) -> dict[str, CueGroup]:
        """The event types' cue groups by name (an operator's table may leave one out)."""
        return {g.name: g for g in self.types}

    @cached_property
    def _speaking(self) -> frozenset[bytes]:
        """Every form of the verbs a public body speaks with ("adds", "warned", "found")."""
        return frozenset(f for verb in _SPEAKING for f in _verb_forms(verb)) | _SPOKE

    @cached_property
    def _harm_or_act(self) -> frozenset[bytes]:
        """Every tense of the acts an attack does as often as police do ("disrupts")."""
        return frozenset(f for verb in _HARM_OR_ACT for f in _act_forms(verb))

    @cached_property
    def _type_words(self) -> frozenset[bytes]:
        """Every word that can start an event type's term."""
        return frozenset().union(*(g.words | g.starts for g in self.types))

    @cached_property
    def _scores(self) -> dict[float, float]:
        """Scores read so far, each as one object (see `_shared_score`)."""
        return {}

    @cached_property
    def _told(self) -> frozenset[str]:
        """The cue groups of an act, a rule or a harm told as done."""
        return _GOVERNING | self.factual

    @cached_property
    def _silent(self) -> dict[str, CueGroup]:
        """The cue groups of weight 0, by name: read only when another group asks for them."""
        return {g.name: g for g in self.groups if not g.weight}

    @cached_property
    def _features(self) -> dict[bytes, tuple[tuple[bytes, ...], ...]]:
        """The features' openings by their first word."""
        by_first: dict[bytes, list[tuple[bytes, ...]]] = {}
        for opening in self.features:
            by_first.setdefault(opening[0], []).append(opening)
        return {first: tuple(found) for first, found in by_first.items()}

    @cached_property
    def _opening_cues(self) -> frozenset[bytes]:
        """Words without which a lead's first sentence tells no act: subjects, prison terms."""
        return self.acting.subjects | _TERM_UNITS

    def needs_topic(self, kind: str | None, official: bool) -> bool:
        """Whether the taxonomy's topics weigh in an item from a source of this kind (the judge
        asks the taxonomy only then): always for `topic_required` kinds, and for a doubted
        kind's when all it shows is a body named."""
        return self._topic_required(kind, official) or (
            not official and self.priors.get(kind or "", 0.0) < 0
        )

    def _topic_required(self, kind: str | None, official: bool) -> bool:
        """Whether an item from a source of this kind is policy news only with a topic."""
        if kind not in self.topic_required:
            return False
        return not official or kind in self.official_topic_required

    def in_context(self, title: Words, text: Words) -> bool:
        """Whether the item names an authority or a legal action (a `context` cue group's term),
        or has a place acting in its headline."""
        groups, cue_words, cue_starts = self._context_groups
        for words in (title, text):
            listed = words.words
            if not cue_words.isdisjoint(listed):
                return True
            if not cue_starts.isdisjoint(listed):
                seen = _Seen(listed)
                if any(seen.first(g) for g in groups):
                    return True
        return bool(self.acting.find(title) or self.acting.owned(title))

    def with_subjects(self, subjects: Iterable[str]) -> RelevanceRules:
        """These rules with more acting subjects (the taxonomy's place names and bodies)."""
        extra = {w for term in subjects for w in _tokens(term)[-1:]}
        acting = replace(self.acting, subjects=self.acting.subjects | extra)
        return replace(self, acting=acting)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "taxonomy") -> RelevanceRules:
        """Build from a parsed `[relevance]` table (see digest/taxonomy.toml)."""
        where = f"{source}: [relevance]"
        # the built-in cue lists first; a group of the same name in the table replaces one
        cues = {
            **{c.name: _builtin_spec(c) for c in BUILTIN_CUES},
            **_table(data.get("cues", {}), f"{where}.cues"),
        }
        groups = tuple(_group(name, spec, f"{where}.cues.{name}") for name, spec in cues.items())
        order = list(EVENT_TYPES)
        types = tuple(
            sorted(
                (
                    _group(
                        name,
                        {"weight": EVENT_TYPES[name], **spec},
                        f"{where}.types.{name}",
                        verbs=True,
                    )
                    for name, spec in _table(data.get("types", {}), f"{where}.types").items()
                    if _known_type(name, f"{where}.types")
                ),
                key=lambda g: order.index(g.name),
            )
        )
        priors = {
            str(k): _number(v, f"{where}.priors.{k}")
            for k, v in _table(data.get("priors", {}), f"{where}.priors").items()
        }
        acting_spec = _table(data.get("acting", {}), f"{where}.acting")
        bodies = frozenset(
            w
            for t in _terms(acting_spec.get("subjects", []), f"{where}.acting.subjects")
            for w in _tokens(t)[-1:]
        )
        # the built-in bodies known by one name ("Garante fines"); a longer name's last
        # word is a common noun ("authority", "court") that acts only as the table says
        bodies |= frozenset(w for t in BODIES if len(words := _tokens(t)) == 1 for w in words)
        # the table's governing verbs, and the built-in verbs of making and judging law
        verb_terms = [
            *_terms(acting_spec.get("verbs", []), f"{where}.acting.verbs"),
            *GOVERNING_VERBS,
        ]
        acting = Acting(
            weight=_number(acting_spec.get("weight", 1.5), f"{where}.acting.weight"),
            subjects=bodies,
            bodies=bodies,
            verbs=frozenset(
                f for t in verb_terms for w in _tokens(t)[:1] for f in _verb_forms(w) - {w}
            )
            | frozenset(
                w
                for t in _terms(acting_spec.get("auxiliaries", []), f"{where}.acting.auxiliaries")
                for w in _tokens(t)[:1]
            ),
            bare=frozenset(w for t in verb_terms for w in _tokens(t)[:1]),
            nouns=frozenset(
                w
                for t in _terms(acting_spec.get("nouns", []), f"{where}.acting.nouns")
                for w in _tokens(t)[:1]
            ),
        )
        context = tuple(_terms(data.get("context", ["actor", "action"]), f"{where}.context"))
        required = _terms(data.get("topic_required", []), f"{where}.topic_required")
        factual = _terms(data.get("factual", []), f"{where}.factual")
        official_required = _terms(
            data.get("official_topic_required", []), f"{where}.official_topic_required"
        )
        return cls(
            factual=frozenset(factual),
            official_topic_required=frozenset(official_required) & frozenset(required),
            topic_required=frozenset(required),
            context=context,
            acting=acting,
            groups=groups,
            types=types,
            priors=priors,
            official_prior=_number(data.get("official_prior", 1.0), f"{where}.official_prior"),
            threshold=_number(data.get("threshold", 1.0), f"{where}.threshold"),
            thin_evidence=_number(data.get("thin_evidence", 1.0), f"{where}.thin_evidence"),
            title_weight=_number(data.get("title_weight", 2.0), f"{where}.title_weight"),
            writeup=_number(data.get("writeup", -1.0), f"{where}.writeup"),
            funding=_number(data.get("funding", -1.5), f"{where}.funding"),
            section=_number(data.get("section", -1.0), f"{where}.section"),
            sections=frozenset(
                t.lower() for t in _terms(data.get("sections", [*SECTIONS]), f"{where}.sections")
            ),
            model=load_model() if _switch(data.get("model", True), f"{where}.model") else None,
        )

    def assess(
        self,
        title: Words,
        text: Words,
        *,
        kind: str | None = None,
        official: bool = False,
        has_topic: bool = True,
        link: str = "",
    ) -> Assessment:
        """Read one item: its relevance score with reasons, its event type and magnitude
        (`has_topic`: whether the taxonomy found a topic in it; `link`: its address)."""
        masks, nexts = self.not_acts, self._mask_nexts
        read, plain = self._read
        heading = _Seen(title.words, read, masks, nexts, plain)
        lead = _Seen(text.words[:_LEAD_WORDS], read, masks, nexts, plain)
        score = 0.0
        reasons: list[str] = []
        acting = self.acting.find(title) or _prison_term(title) or self.acting.owned(title)
        acting = acting or self._attributed(title)
        lead_acting = ""
        if acting:
            score += self.acting.weight
            reasons.append(f"acting: {acting}")
        elif not self._opening_cues.isdisjoint(text.words[:_OPENING_WORDS]):
            opening = _opening(text)  # only when a subject or a term may be there
            # "Police said ...": a lead's attribution is how news is sourced, not an act
            lead_acting = self.acting.find(opening, _SAYING, headline=False)
            if lead_acting := lead_acting or _prison_term(opening):
                # the lead's first sentence names who acts when the headline names what was
                # done ("Shein fined" / "The Commission has fined ..."): a text cue
                score += self.acting.weight / self.title_weight
                reasons.append(f"acting in lead: {lead_acting}")
        # a count of machines or people taken over is the harm the headline tells, whoever
        # leads it: never a write-up
        mass = "" if acting else _mass_compromise(title)
        attacker = (
            "" if acting or lead_acting or mass else self._attacker_led(heading, lead, title, text)
        )
        if attacker:
            score += self.writeup
            reasons.append(f"write-up: {attacker}")
        if not acting and _has_money(title.text) and _FUNDING.search(title.text):
            # money a company raised ("raises $22 million for ..."): business news
            score += self.funding * self.title_weight
            reasons.append("funding: raised")
        # a theme, not a harm told: a feature's that names no act
        theme = "" if acting else self._feature(heading, title)
        if theme:
            reasons.append(f"theme: {theme}")
        # harm the lead tells as what could have happened is a flaw demonstrated: its harm
        # words, in the headline too ("Assistant Hijacked via Notifications"), tell none done
        demonstrated = not (acting or lead_acting) and _counterfactual(text)
        found: list[tuple[CueGroup, str, bool]] = []
        in_heading = {"acting"} if acting else set()
        anywhere = {"acting"} if acting or lead_acting else set()
        # only the groups one of whose words, or all of one of whose phrases' words, are here
        # can be found (those of weight 0 are evidence only through another group's
        # `unless`/`requires`: read when one asks); a text is asked only for those it has
        groups = self.groups
        in_title, in_lead = heading.asked(self._weighted), lead.asked(self._weighted)
        for index in sorted(in_title | in_lead):
            group = groups[index]
            factual = group.name in self.factual
            if attacker and factual and group.name not in self.writeup_unless:
                continue  # the attacker's doing, to victims it does not name
            if (theme or demonstrated) and factual and group.name not in _EXPLOITS:
                continue
            term = ""
            if index in in_title:
                term = heading.told(group) if factual else heading.first(group)
            if term:
                in_heading.add(group.name)
            elif index not in in_lead or not (
                term := lead.told(group) if factual else lead.first(group)
            ):
                continue
            anywhere.add(group.name)
            found.append((group, term, group.name in in_heading))
        attacked = (
            ""
            if theme
            else self._attacked_flaw(heading, in_heading)
            or self._targeted_flaw(heading, in_heading)
        )
        if attacked:
            # attackers acting on a flaw: a flaw exploited, told in the headline
            found += [(g, attacked, True) for g in self.groups if g.name == _EXPLOITS[0]]
            in_heading.add(_EXPLOITS[0])
            anywhere.add(_EXPLOITS[0])
        if mass and not theme and _INCIDENT not in in_heading:
            found += [(g, mass, True) for g in self.groups if g.name == _INCIDENT]
            in_heading.add(_INCIDENT)
            anywhere.add(_INCIDENT)
        shown = bool(acting or lead_acting)  # some positive evidence, whatever the source
        silent: dict[tuple[str, bool], bool] = {}

        def present(names: tuple[str, ...], headline: bool) -> bool:
            """Whether a group of `names` is found (in the headline, or anywhere)."""
            if (in_heading if headline else anywhere).intersection(names):
                return True
            for name in names:
                group = self._silent.get(name)
                if group is not None and (name, headline) not in silent:
                    seen = heading.first(group) or (not headline and lead.first(group))
                    silent[(name, headline)] = bool(seen)
                if silent.get((name, headline)):
                    return True
            return False

        told, telling = bool(acting), self._told  # the headline tells an act, a rule or a harm
        counted: set[str] = set()  # the groups whose evidence is counted for policy news
        for group, term, headline in found:
            if theme and not headline and group.weight > 0:
                # a feature is analysis of policy only when its headline names the authority
                # or the act: what its text mentions on the way is no evidence
                continue
            # a cue is cancelled by its `unless` groups found at least as prominently
            if group.unless and present(group.unless, headline):
                continue
            if group.requires and not present(group.requires, False):
                continue
            score += group.weight * self.title_weight if headline else group.weight
            reasons.append(f"{group.name}: {term}")
            if group.weight > 0:
                counted.add(group.name)
            told = told or (headline and group.name in telling)
            # an official source's text names itself and its peers on the way: a body named
            # there is no evidence of an act ("the Director of NICE at NIST ... federal
            # government service"); its headline names what it is about
            named = not headline and group.name in _NAMES + _NAMED_ONLY
            shown |= group.weight > 0 and not (official and named)
        prior = self.priors.get(kind or "", 0.0)
        if prior < 0 and told:
            # a kind's negative prior weighs what it mostly publishes (a vendor's marketing, a
            # tech site's reviews); a headline telling an act or a harm done is reporting,
            # whoever publishes it (a vendor's blog: "... alert system outage and data
            # breach"), and the kind's doubt weighs half
            prior /= 2
        if prior:
            score += prior
            reasons.append(f"source: {kind}")
        if official:
            score += self.official_prior
            reasons.append("source: official")
        if link and self.section and (section := _section(link, self.sections)):
            # the outlet's own filing: what it puts under sport or video it tells as no news
            score += self.section
            reasons.append(f"section: {section}")
        if (
            not has_topic
            and self._topic_required(kind, official)
            and score >= self.threshold
            # (a government's press office telling of its own apps and portals is no such act)
            and not (not official and self._governs_technology(acting, in_heading, present))
        ):
            score = min(score, self.threshold - 1.0)
            reasons.append(f"no policy topic in {kind}")
        if (
            not has_topic
            and prior < 0
            and score >= self.threshold
            and not (acting or lead_acting)
            and counted
            and counted.issubset(_NAMES)
        ):
            # a doubted kind's item that only names a body, telling no act, rule or harm, is
            # policy news only on a policy topic: tech and politics sites name the White House
            # in gossip and in wind-farm news alike
            score = min(score, self.threshold - 1.0)
            reasons.append(f"only a body named, no policy topic in {kind}")
        if score >= self.threshold and (
            roundup := heading.first(self.roundups) or _bundled(title.text)
        ):
            # a round-up bundles many stories: whatever one of them tells, it is none of them
            score = min(score, self.threshold - 1.0)
            reasons.append(f"round-up: {roundup}")
        if not shown and score >= self.threshold:
            # a source's standing weighs the evidence an item shows; an item that shows none
            # (no authority, no act, no harm) is a body's own news about itself, not policy
            # news by its source alone (an agency's new software, a grant scheme)
            score = min(score, self.threshold - 1.0)
            reasons.append("no act, authority or harm told")
        kind_of_event = self._event_type(
            heading,
            lead,
            title,
            sentenced=_sentenced(acting or lead_acting),
            body_acts=bool(acting),
        )
        if attacked and kind_of_event == "other":
            kind_of_event = "incident"  # a flaw exploited, in other words than the type's
        if self.model is not None and self.model.consulted(score - self.threshold, text):
            facts = evidence(reasons, title, kind_of_event, kind, official, has_topic)
            odds = self.model.log_odds(title, text, facts)
            if adjusted := self.model.shift(odds):
                score += adjusted
                reasons.append(f"model: {adjusted:+.1f}")
        size = min(magnitude(f"{title.text} {text.text[:800]}") + self._breadth(heading, lead), 2.0)
        stage = self._stage(heading, title.text)
        return Assessment(
            score=self._shared_score(round(score, 3)),
            # a story keeps its first members' readings for days, and their reasons are a few
            # hundred phrases ("actor: commission") made anew for each item: one copy serves all
            reasons=tuple(map(sys.intern, reasons)),
            event_type=kind_of_event,
            # a story index keeps its members' readings for days: their few distinct sizes
            # and stages are one object each, not one per reading
            magnitude=_STEPS.get(size, size),
            stage=_STEPS.get(stage, stage),
            individual=not _INDIVIDUALS.isdisjoint(_party(title)),
        )

    def _shared_score(self, score: float) -> float:
        """`score` as the one object kept for its value (zero as it is: "-0.0" prints apart)."""
        shared = self._scores
        if not score or len(shared) >= _SHARED_SCORES:
            return score
        return shared.setdefault(score, score)

    def _governs_technology(
        self, acting: str, in_heading: set[str], present: Callable[[tuple[str, ...], bool], bool]
    ) -> bool:
        """Whether the headline tells a body acting, a rule or oversight, or a harm done, on
        technology it names ("A federal judge finds a Trump data system unlawful", "a data
        centre moratorium", "Dating safety app Tea breached"), or minors on an online service
        (the `minors` cue group requires one): digital policy in general news whether or not a
        topic's own words are there."""
        if _MINORS in in_heading:
            return True
        told = (
            bool(acting)
            or not in_heading.isdisjoint(_GOVERNING)
            or not in_heading.isdisjoint(self.factual)
        )
        return told and present(_TECHNOLOGY, True)

    def _attributed(self, title: Words) -> str:
        """ "says body" when the headline's last clause names a public body as the one telling
        or finding what the headline says (", says Ofcom", ": privacy commissioner"): the
        body's own statement or finding, as "Ofcom says ..." would be; or ""."""
        text = title.text.rstrip(" .")
        if "," not in text and ":" not in text:
            return ""
        last = max(text.rfind(","), text.rfind(":"))
        if len(text) - last > _ATTRIBUTION_CHARS:
            return ""  # most headlines: a long closing clause tells, it attributes nothing
        words = [w for w in split_words(text[last + 1 :]).words if w != b"s"]
        if not words or len(words) > _ATTRIBUTION_WORDS:
            return ""
        if text[last] == ",":
            # ", says Ofcom" (the verb first), ", auditor finds" (the verb last)
            if words[0] in _ATTRIBUTING:
                body = words[1:]
            elif words[-1] in _ATTRIBUTING:
                body = words[:-1]
            else:
                return ""
        else:
            body = words  # "...: privacy commissioner"
        if not body or not self._body(body):
            return ""
        return b" ".join(words).decode("utf-8", "replace")

    def _body(self, words: list[bytes]) -> bool:
        """Whether `words` end in a public body's name ("the privacy commissioner", "Ofcom")."""
        if words[-1] in self.acting.subjects:
            return True
        seen = _Seen(words[-2:])
        return any(seen.first(g) for g in self.groups if g.name in _NAMES)

    def _attacker_led(self, heading: _Seen, lead: _Seen, headline: Words, text: Words) -> str:
        """The attacker leading the headline ("chinese hackers"), or the subject of a campaign's
        verb with its tools named ("romcom uses ... malware"), when it tells a campaign: no act,
        authority or flaw exploited in it, no hack claimed on a named victim, no mass of people
        harmed counted, no sum of millions; or ""."""
        if not self.writeup:
            return ""
        title = headline.text
        opening = heading.listed[:_ATTACKER_SPAN]
        subject = self._campaign_subject(opening, heading)
        if not subject:
            return ""
        if not self.flaws.isdisjoint(heading.listed):
            return ""
        if not _CLAIMS.isdisjoint(heading.listed) and not self.claimed.isdisjoint(heading.listed):
            return ""
        # a public body named in the headline is the one acting or telling ("FBI: fraudsters
        # use ...") or a named victim ("hackers breach FBI director's email"): news either way
        unless = [g for g in self.groups if g.name in self.writeup_unless]
        if any(heading.first(g) for g in unless):
            return ""
        # in the lead, an exploitation is news of its own, and so is a court's act ("pleaded
        # guilty") or an act where an authority is named; a company's act ("Google disrupted
        # the campaign") is none, and an authority alone is as often the victim ("targets
        # government networks")
        if any(lead.first(g) for g in self.types if g.name == "court"):
            return ""
        named = any(lead.first(g) for g in unless if g.name in _NAMES)
        acts = [g for g in unless if g.name in _EXPLOITS or (named and g.name not in _NAMES)]
        if any(lead.first(g) for g in acts):
            return ""
        if _counted(title) >= _MASS:
            return ""
        # a mass compromise counted in the lead's first sentence ("identified 110 million
        # credentials in the ongoing global campaign") is news of its own, as in the headline
        if not _DIGITS.isdisjoint(text.text[:_OPENING_CHARS]) and (
            _counted(_opening(text).text) >= _MASS
        ):
            return ""
        if _has_money(title) and _AMOUNT.search(title):
            return ""  # a sum of millions told: a heist of a named size, not a campaign
        return b" ".join(subject).decode("utf-8", "replace")

    def _attacked_flaw(self, heading: _Seen, told: set[str]) -> str:
        """ "attackers <verb> ... flaw" when the headline's attackers act on a flaw it names
        ("Attackers Hit Cisco SD-WAN Flaw"), and no exploitation is told in it already; or ""
        (never after "lets" or a preposition, or before a modal: "Flaw Lets Attackers ...")."""
        words = heading.listed
        if told.intersection(_EXPLOITS) or self.flaw_nouns.isdisjoint(words):
            return ""
        for n, word in enumerate(words[:-2]):
            if word in self.flaw_nouns:
                return ""  # the flaw is the subject: what it lets attackers do is a what-if
            if word not in self.attackers:
                continue
            before, verb = words[max(n - 2, 0) : n], words[n + 1]
            if not _NO_SUBJECT.isdisjoint(before) or verb in _NO_VERB:
                return ""
            for m in range(n + 2, min(n + 2 + _FLAW_REACH, len(words))):
                if words[m] in self.flaw_nouns:
                    if words[m + 1 : m + 2] and words[m + 1] in _PRACTICES:
                        return ""  # "the gaps in your vulnerability program": no flaw
                    return b" ".join(words[n : m + 1]).decode("utf-8", "replace")
            return ""
        return ""

    def _targeted_flaw(self, heading: _Seen, told: set[str]) -> str:
        """ "flaw ... targeted" when a flaw the headline names is told as the attackers'
        target a few words on ("PraisonAI CVE ... Targeted Within Hours", "Ubiquiti
        Vulnerabilities in Attackers' Crosshairs"), with no what-if or denial before it ("Flaw
        Could Be Targeted", "No Evidence the Bug Was Targeted"), and no exploitation told
        already; or ""."""
        words = heading.listed
        if told.intersection(_EXPLOITS) or self.flaw_targeted.isdisjoint(words):
            return ""
        for n, word in enumerate(words):
            if word not in self.flaw_nouns:
                continue
            for m in range(n + 1, min(n + 1 + _FLAW_REACH, len(words))):
                if words[m] in self.flaw_targeted:
                    if not _UNTOLD.isdisjoint(words[:m]):
                        return ""
                    return b" ".join(words[n : m + 1]).decode("utf-8", "replace")
        return ""

    def _campaign_subject(self, opening: list[bytes], heading: _Seen) -> list[bytes]:
        """The headline's words up to the attacker it opens with, or up to a campaign's verb
        when its tools are named, or up to the verb of a company telling of a campaign it found;
        its first word when it tells a campaign by what it is for; or []."""
        led = not self.attackers.isdisjoint(opening)
        verbs = opening[1:]
        tooled = not self.tools.isdisjoint(heading.listed)
        if not led and tooled and self._purposed(heading.listed):
            # a campaign told by what its act is for ("ScarCruft Hacks Gaming Platform to
            # Deploy BirdCall Malware"): the headline's subject is the campaign's
            return opening[:1]
        if not led and tooled:
            # a company telling of a campaign it found ("Microsoft Details ... Malware
            # Campaign"): its researchers' write-up (a public body telling it is acting, and
            # no write-up is looked for then)
            for n in (1, 2):
                if n < len(opening) and opening[n] in self.reporting_verbs:
                    return opening[: n + 1]
        if not led and (
            (self.campaign_verbs.isdisjoint(verbs) and self.career_verbs.isdisjoint(verbs))
            or not tooled
        ):
            return []
        for n, word in enumerate(opening):
            if word in self.attackers:
                before = opening[:n]
                if not _DISCLOSING.isdisjoint(before) or not _PREPOSITIONS.isdisjoint(before):
                    return []
                return opening[: n + 1]
            if n and not led and word in self.campaign_verbs:
                return opening[:n]
            if n and not led and word in self.career_verbs:
                # the strain itself as the subject: "INC Ransomware Emerges"
                return opening[:n] if not self.tools.isdisjoint(opening[:n]) else []
        return []

    def _purposed(self, words: Sequence[bytes]) -> bool:
        """Whether the headline's subject acts, in its own words, in order to do a campaign's
        deed: "<subject> <verb> ... to deploy|deliver|spread ..." (an infinitive of a campaign's
        verb past the subject's own verb, with no telling before it: "Acme says hackers used
        ... to deploy" is a victim's disclosure; nor a participle: "400 packages hijacked to
        deploy ..." tells what was done to the subject, a mass compromise)."""
        for n in range(2, len(words) - 1):
            if words[n] == b"to" and words[n + 1] in self.campaign_verbs:
                before = words[1:n]
                return (
                    _DISCLOSING.isdisjoint(before)
                    and _PREPOSITIONS.isdisjoint(before[:1])
                    and not any(w.endswith(b"ed") for w in before)
                )
        return False

    def _feature(self, heading: _Seen, title: Words) -> str:
        """The words a feature's headline opens with ("why", "the importance of", a listicle's
        number), at its start or after a colon or a dash, when it names no authority or act;
        or ""."""
        # the headline's opening, and the clauses after a colon or a dash when it has one
        text = title.text
        clauses = [heading.listed[:4]]
        if not _SEPARATORS.isdisjoint(text) or " - " in text:
            clauses += [split_words(c).words[:4] for c in _CLAUSES.split(text)[1:]]
        for words in clauses:
            if not words:
                continue
            listicle = len(words) > 1 and _counting(words[0]) and words[1] in self.listed
            for opening in self._features.get(words[0], ()) if not listicle else ((words[0],),):
                if tuple(words[: len(opening)]) == opening:
                    names = [g for g in self.groups if g.name in _NAMED_ACTS]
                    if any(heading.first(g) for g in names):
                        return ""
                    return b" ".join(opening).decode("utf-8", "replace")
        return ""

    def _breadth(self, heading: _Seen, lead: _Seen) -> float:
        """0.5 when the item tells of breadth: many countries, the highest courts, a landmark."""
        return 0.5 if heading.first(self.broad) or lead.first(self.broad) else 0.0

    def _stage(self, heading: _Seen, title: str) -> float:
        """+0.5 when the headline tells a binding act done, -0.5 a step towards one (a proposal,
        a claim, a question); both or neither: 0."""
        done = bool(heading.first(self.binding))
        towards = "?" in title or bool(heading.first(self.tentative))
        return 0.5 * (done - towards)

    def _event_type(
        self, heading: _Seen, lead: _Seen, title: Words, *, sentenced: bool, body_acts: bool
    ) -> str:
        """The weightiest type the headline shows, else the weightiest the lead shows; a
        prison term told in other words is a court's act. A headline's voice comes before the
        acts it speaks of (an opinion, an op-ed's byline or an argued "should" is commentary, a
        question or an explainer analysis), and a public body's own act or statement before the
        harm it speaks of ("CISA adds exploited flaws to its catalog", "...: FBI")."""
        opinion, told = self._types_by_name.get("commentary"), self._types_by_name.get("guidance")
        text = title.text
        if opinion is not None and heading.first(opinion) or _BYLINE.search(text):
            return "commentary"
        speaks = self._speaks(heading, title)
        if _ARGUES.search(text) and not (body_acts or speaks):
            return "commentary"
        if text.rstrip().endswith("?") or _EXPLAINER.match(text):
            return "analysis"
        for seen in (heading, lead):
            if seen is lead and sentenced:
                return "court"  # the term passed is the news, not the harm it punished
            if self._type_words.isdisjoint(seen.words):
                continue
            for group in self.types:  # weightiest first
                if seen.first(group):
                    if group.name == "enforcement" and self._attack_acts(seen, group, body_acts):
                        continue
                    if group.name == "incident" and (
                        body_acts
                        and told
                        and seen.first(told)
                        # a body speaking of a harm its headline does not name: its statement
                        or seen is lead
                        and speaks
                    ):
                        return "guidance"
                    return group.name
        if sentenced:
            return "court"
        return "guidance" if speaks else "other"

    def _attack_acts(self, seen: _Seen, enforcement: CueGroup, body_acts: bool) -> bool:
        """Whether the enforcement a text tells is an attack's doing: its only acts are ones an
        attack does too, with the attack as their subject ("Ransomware attack disrupts ..."),
        and no body acts ("Police disrupt botnet")."""
        incident = self._types_by_name.get("incident")
        found = enforcement.words.intersection(seen.words)
        harms = self._harm_or_act
        if body_acts or incident is None or not found or not found <= harms:
            return False
        words = seen.listed
        return any(
            verb in harms and subject in incident.words
            for subject, verb in zip(words, words[1:], strict=False)
        )

    def _speaks(self, heading: _Seen, title: Words) -> bool:
        """Whether a public body speaks in the headline: its name before the headline's colon
        ("FBI: ..."), followed by a verb of telling, finding or listing ("CISA adds"), or in
        the headline's closing attribution (", says Ofcom")."""
        words, bodies = heading.listed, self.acting.bodies
        if bodies.isdisjoint(words):
            return False
        head, colon, _ = title.text.partition(":")
        named = split_words(head).words if colon else []
        if named and len(named) <= _SPEAKER_WORDS and named[-1] in bodies:
            return True
        speaking = self._speaking
        if any(w in bodies and v in speaking for w, v in zip(words, words[1:], strict=False)):
            return True
        return bool(self._attributed(title))


def story_facts(members: Sequence[Assessment], rules: RelevanceRules) -> StoryFacts:
    """A story's decision from its members' assessments (its first members, canonical order):
    its median member decides relevance; significance grows with the event's type, its size,
    and the furthest stage told."""
    if not members:
        return StoryFacts(False, ("no items",), "other", 0.0)
    # The median member decides: one report's policy angle (or one item clustered in by
    # mistake) does not make a story of general news policy news, nor the reverse.
    ranked = sorted(members, key=lambda a: -a.score)  # stable: the first of equals is canonical
    middle = ranked[(len(ranked) - 1) // 2]
    relevant = middle.score >= rules.threshold
    reasons = (f"{'policy' if relevant else 'not policy'} ({middle.score:+.1f})", *middle.reasons)
    kind = min((a.event_type for a in members), key=lambda t: -EVENT_TYPES.get(t, 0.0))
    size = max(a.magnitude for a in members)
    # the story has reached the furthest stage any of its reports tells
    weight = EVENT_TYPES.get(kind, 0.0) + size + max(a.stage for a in members)
    if kind in _CASES and 2 * sum(a.individual for a in members) > len(members):
        # one person's case (a hacker jailed, a suspect arrested) is a small case
        weight -= 1.0
        reasons = (*reasons, "one person's case")
    if relevant and middle.score < rules.threshold + rules.thin_evidence:
        # policy news on thin evidence (one weak cue's worth above the threshold) ranks a
        # level lower: a non-policy story at the top of a brief costs its reader more than a
        # policy story a few places down
        weight -= 1.0
        reasons = (*reasons, "thin evidence: ranked lower")
    significance = max(weight, 0.0) if relevant else 0.0
    return StoryFacts(relevant, reasons, kind, round(significance, 2))


def _bundled(title: str) -> str:
    """ "a list of stories" when a headline's clause after its label (a colon or a dash) lists
    three or more subjects ("Bulletin: PAN-OS RCE, cURL Bug, Tokenizer Attacks, and 10+
    Stories"): a round-up, one headline for many stories; or ""."""
    if "," not in title:
        return ""
    clauses = _CLAUSES.split(title)[1:]
    listed = any(c.count(",") >= _LISTED_COMMAS for c in clauses) or _listed_stories(title)
    return "a list of stories" if listed else ""


def _listed_stories(title: str) -> bool:
    """Whether the headline is itself a list of three or more stories, each told in words of
    its own ("The AI IPO Race Heats Up, DOGE Whistleblower Sues Elon Musk, and Instagram Gets
    Hacked": a podcast's or newsletter's episode); a list of names sharing one verb ("Google,
    Meta, and TikTok fined") is one story."""
    if title.count(",") < _LISTED_COMMAS or ", and " not in title:
        return False
    parts = _LISTING.split(title)
    return all(len(part.split()) >= _STORY_WORDS for part in parts)


def _section(link: str, sections: frozenset[str]) -> str:
    """The first folder of `link`'s path that is one of `sections` ("sport" in
    "https://www.bbc.com/sport/tennis/articles/..."), or ""."""
    start = link.find("/", link.find("//") + 2)
    if start < 0:
        return ""
    path = link[start + 1 :].partition("?")[0].partition("#")[0]
    folders = path.lower().split("/")[:-1]  # the last part names the page, not a section
    if sections.isdisjoint(folders):  # most addresses
        return ""
    return next(f for f in folders if f in sections)


def _prison_term(text: Words) -> str:
    """ "court <term>" when `text` tells a prison term passed ("gets seven years", "spend 7
    years behind bars"): a court has acted, whether or not it is named."""
    if _TERM_UNITS.isdisjoint(text.words):  # most texts: no regex search
        return ""
    found = _PRISON.search(text.text)
    return f"court {found.group(0).lower()}" if found else ""


def _has_money(text: str) -> bool:
    """Whether `text` holds a currency sign: "$", "€" or "£" (three searches in C, no set of
    its characters made)."""
    return "$" in text or "€" in text or "£" in text


def _sentenced(acting: str) -> bool:
    return acting.startswith("court ")


def _party(title: Words) -> list[bytes]:
    """The headline's first words, where it names its party (possessives' "s" left out)."""
    first = title.words[:_PARTY_SPAN]
    return [w for w in title.words if w != b"s"][:_PARTY_SPAN] if b"s" in first else first


def _counterfactual(text: Words) -> bool:
    """Whether the lead's first sentence tells what "could have" (or "might have", "would
    have") happened: a flaw demonstrated ("a poisoned notification could have hijacked ..."),
    not harm done."""
    words = text.words[:_OPENING_WORDS]
    if b"have" not in words or _COUNTERFACTUAL.isdisjoint(words):
        return False
    opening = _opening(text).words
    return any(w in _COUNTERFACTUAL and after == b"have" for w, after in pairwise(opening))


def _opening(text: Words) -> Words:
    """The first sentence of `text` (within its first few hundred characters), split, without
    a wire dateline ("BRUSSELS, May 27 (Reuters) -": a place, and a month, never an act)."""
    head = _DATELINE.sub("", text.text[:_OPENING_CHARS].split("\n", 1)[0], count=1)
    # the sentence splitter's rule (a stop ends a sentence unless it ends an abbreviation or
    # an initial), on the first stops only: the rest of the text is never read
    for stop in _STOP.finditer(head):
        last = head[: stop.start() + 1].rsplit(None, 1)[-1]
        token = last.rstrip(".!?\"'”’)]").lower()
        if last.endswith(".") and (token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())):
            continue
        return split_words(head[: stop.start() + 1])
    return split_words(head)


def _happened(
    words: Sequence[bytes], start: int, end: int, capability: frozenset[bytes] = _CAPABILITY
) -> bool:
    """Whether the cue at words[start:end] is told as done: no what-if, denial or warding off
    just before it, no modal just after ("exploitation could allow"), not a modifier of a tool
    or a risk ("data theft tool", or a noun of `capability`), no "exposed to" a threat."""
    before = words[max(start - _HEDGE_SPAN, 0) : start]
    if not _HEDGES.isdisjoint(before) or not _DENIALS.isdisjoint(before[-_DENIAL_SPAN:]):
        return False
    # a modal governs the list it heads: "could lead to the disclosure of ..., and disruption"
    clause = words[max(start - _MODAL_SPAN, 0) : start]
    if not _MODALS.isdisjoint(clause) or not _NONE.isdisjoint(clause):
        return False
    if not _PREVENTING.isdisjoint(before):
        return False
    if before[-1:] == [b"to"] and not _EXPOSING.isdisjoint(clause):
        return False  # "exposes repositories to supply-chain attacks": a risk
    if words[start] in _SCOPE_VERBS and not _FLAW_SUBJECTS.isdisjoint(before[-_FLAW_SPAN:]):
        return False  # "the flaw affects": a flaw's scope
    if end < len(words):
        after = words[end]
        if after in _MODALS or after in capability:
            return False
        if after in _SCOPE and words[end - 1] in _SCOPED:
            return False
    return not (words[start].startswith(b"expos") and b"to" in words[end : end + 2])


def _mass_compromise(title: Words) -> str:
    """ "<count> <noun>" when the headline tells machines, sites or organisations (a thousand or
    more) or people and their accounts (ten thousand or more) taken over, with no what-if,
    denial or flaw: a mass compromise; or ""."""
    words = title.words
    if _TAKEN_OVER.isdisjoint(words) or not _AT_RISK.isdisjoint(words):
        return ""
    text = title.text
    if _DIGITS.isdisjoint(text) and b"thousands" not in words and b"millions" not in words:
        return ""
    for found in _MACHINES.finditer(text):
        number, scale, many = found.groups()
        value = _MANY[many.lower()] if many else _count(number, scale or "")
        if value >= _MASS_MACHINES:
            return found.group(0)
    return "people counted" if _counted(text) >= _MASS else ""


def _counted(text: str) -> float:
    """The largest count of people or their records in `text` ("20,000 accounts"), or 0."""
    return max((_count(number, scale) for number, scale in _PEOPLE.findall(text)), default=0.0)


def _count(number: str, scale: str) -> float:
    """A count as written ("20,000", "1.2" with "million"); 0 for what is no count ("1.2.3": a
    version)."""
    try:
        value = float(number.rstrip(".,").replace(",", ""))
    except ValueError:
        return 0.0
    return value * _SCALES.get(scale.lower(), 1.0)


# an ASCII text's digits as b"0", every other character as a space (a bytes.translate table)
_DIGIT_MARKS = b" " * 48 + b"0" * 10 + b" " * 198
_DIGIT_RUN = re.compile(r"\d(?<!\d\d)")  # the first digit of a number


def _number_starts(text: str) -> list[int]:
    """Where each run of digits in `text` starts."""
    if not text.isascii():  # a digit may be another script's
        return [m.start() for m in _DIGIT_RUN.finditer(text)]
    # a regex scan of every character costs more than two byte searches per number
    marked = text.encode("ascii").translate(_DIGIT_MARKS)
    starts = []
    at = marked.find(b"0")
    while at >= 0:
        starts.append(at)
        end = marked.find(b" ", at)
        at = marked.find(b"0", end) if end >= 0 else -1
    return starts


def _numbers(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[tuple[str, ...]]:
    """`pattern.findall(text)`, for a pattern that matches only from the first digit of a
    number (`_AMOUNT`, `_PEOPLE`), tried at those (`starts`) alone."""
    found = []
    end = 0
    for at in starts:
        if at >= end and (match := pattern.match(text, at)) is not None:
            found.append(match.groups(""))
            end = match.end()
    return found


def magnitude(text: str) -> float:
    """How large the amounts in `text` are: 1 from a hundred million (money or people), 2 from
    a billion; 0.5 from ten million. People counted weigh tenfold: a breach of ten million
    people is as large as a fine of a hundred million."""
    largest = 0.0
    starts = _number_starts(text)
    for number, scale in _numbers(_AMOUNT, text, starts):
        value = float(number.replace(",", "."))
        value *= 1e9 if scale.lower() in ("billion", "bn") else 1e6
        largest = max(largest, value)
    people = (_PEOPLE_LOWER, text.lower()) if text.isascii() else (_PEOPLE, text)
    for number, scale in _numbers(*people, starts):
        largest = max(largest, _count(number, scale) * 10)
    return 2.0 if largest >= 1e9 else 1.0 if largest >= 1e8 else 0.5 if largest >= 1e7 else 0.0


def _followed(
    joined: bytes,
    firsts: Iterable[bytes],
    nexts: Mapping[bytes, tuple[bytes, frozenset[bytes]]],
    present: frozenset[bytes] | None = None,
) -> bool:
    """Whether one of `firsts` is directly followed in `joined` (" w1 w2 ... ") by one of its
    `nexts` words (a first word that is a whole compound is followed by anything; `present`,
    when given, holds every `nexts` word that `joined` holds: a first none of whose next words
    is there is not searched for)."""
    for first in firsts:
        key, after = nexts[first]
        if not after:
            return True
        if present is not None and after.isdisjoint(present):
            continue
        at = joined.find(key)
        while at >= 0:
            start = at + len(key)
            if joined[start : joined.find(b" ", start)] in after:
                return True
            at = joined.find(key, start - 1)
    return False


class _Lookup(NamedTuple):
    """Which of some cue groups (by place) each word is a term of, and which each word starts a
    phrase of (with the phrase's other words): an item's few cue words pick the groups to ask."""

    by_word: dict[bytes, tuple[int, ...]]
    by_lead: dict[bytes, tuple[tuple[frozenset[bytes], int], ...]]
    # their keys: a text's words are met with them in C, and only the shared ones looked up
    words: frozenset[bytes]
    leads: frozenset[bytes]


def _lookup(groups: Sequence[CueGroup | None]) -> _Lookup:
    """The lookup of `groups` (None: a place never asked)."""
    by_word: dict[bytes, list[int]] = {}
    by_lead: dict[bytes, list[tuple[frozenset[bytes], int]]] = {}
    for index, group in enumerate(groups):
        if group is None:
            continue
        for word in group.words:
            by_word.setdefault(word, []).append(index)
        for lead, phrases in group.by_lead.items():
            found = by_lead.setdefault(lead, [])
            found += [(r, index) for _, _, r in phrases if (r, index) not in found]
    return _Lookup(
        {word: tuple(found) for word, found in by_word.items()},
        {lead: tuple(found) for lead, found in by_lead.items()},
        frozenset(by_word),
        frozenset(by_lead),
    )


class _Seen:
    """The words of one text, for cue lookups."""

    __slots__ = ("words", "joined", "listed")

    def __init__(
        self,
        words: Iterable[bytes],
        vocabulary: frozenset[bytes] | None = None,
        masks: Mapping[bytes, tuple[bytes, ...]] | None = None,
        nexts: Mapping[bytes, tuple[bytes, frozenset[bytes]]] | None = None,
        plain: frozenset[bytes] = frozenset(),
    ) -> None:
        """`vocabulary`: the words read (with every `nexts` word, when `nexts` is given);
        `plain`: those of them read only to tell whether a compound may be here, then dropped."""
        # (a list given is kept, not copied: nothing changes it)
        listed = words if isinstance(words, list) else list(words)
        joined = b" " + b" ".join(listed) + b" "
        if b" s " in joined:  # possessives: "EU's" is "EU s"
            listed = [w for w in listed if w != b"s"]
            joined = b" " + b" ".join(listed) + b" "
        found = frozenset(listed) if vocabulary is None else vocabulary.intersection(listed)
        masks = masks or {}
        firsts = found.intersection(masks) if not found.isdisjoint(masks) else ()
        # (a first word without any of its next words is no compound: no search for it)
        if firsts and (nexts is None or _followed(joined, firsts, nexts, found)):
            # the compounds whose words are no cue ("law firm") are read as absent (their first
            # words are in the vocabulary, so this is one lookup for most texts; most texts
            # with a first word have none of its compounds: a search, and no copy)
            masked = joined
            for first in firsts:
                for phrase in masks[first]:
                    if phrase in masked:
                        masked = masked.replace(phrase, b" ")
            if masked is not joined:
                listed = masked.split()
                found = frozenset(listed) if vocabulary is None else vocabulary.intersection(listed)
                joined = b" " + b" ".join(listed) + b" "
        if plain and not found.isdisjoint(plain):
            found = found - plain
        self.words = found
        self.joined = joined
        self.listed = listed

    def told(self, group: CueGroup) -> str:
        """The first term of `group` told as having happened: not as a what-if ("could be
        exploited", "if successfully exploited"), not denied ("no exploitation"), and not an
        exposure to something that may come ("exposes servers to attacks"); or ""."""
        term = self.first(group)
        if not term:
            return ""
        found = [*group.words.intersection(self.words)]
        for lead in group.starts.intersection(self.words):
            found += [
                p for _, p, rest in group.by_lead[lead] if rest <= self.words and p in self.joined
            ]
        listed, joined = self.listed, self.joined
        # a harm naming a kind of flaw is what the flaw allows ("Data Exposure Flaws Threaten
        # ..."); a flaw told exploited is one exploited ("known exploited vulnerabilities")
        capability = _CAPABILITY if group.name in _EXPLOITS else _FLAW_KINDS
        for cue in sorted(found):
            tokens = cue.split()
            size = len(tokens)
            # each place the cue's words stand together, in order: a search of the joined
            # words, and the words before it counted (in C, not a loop over a lead's words)
            key = b" " + b" ".join(tokens) + b" "
            at = joined.find(key)
            while at >= 0:
                n = joined.count(b" ", 0, at + 1) - 1
                if _happened(listed, n, n + size, capability):
                    return b" ".join(tokens).decode("utf-8", "replace")
                at = joined.find(key, at + 1)
        return ""

    def asked(self, lookup: _Lookup) -> set[int]:
        """The places of `lookup`'s groups that can find a term here: one of their words is
        here, or all the words of one of their phrases."""
        words, by_word, by_lead = self.words, lookup.by_word, lookup.by_lead
        return {i for w in lookup.words.intersection(words) for i in by_word[w]} | {
            i for w in lookup.leads.intersection(words) for rest, i in by_lead[w] if rest <= words
        }

    def first(self, group: CueGroup) -> str:
        """The first term of `group` found here (words before phrases), or ""."""
        words = self.words
        # most lookups find nothing: a disjointness test allocates no set
        if not group.words.isdisjoint(words):
            return min(group.words.intersection(words)).decode("utf-8", "replace")
        if group.starts.isdisjoint(words):
            return ""
        present = group.starts.intersection(words)
        best: tuple[int, bytes] | None = None  # the group's first phrase found, as listed
        for lead in present:
            for index, phrase, rest in group.by_lead[lead]:
                # a search only when the phrase's other words are all here
                if rest <= words and phrase in self.joined:
                    if best is None or index < best[0]:
                        best = (index, phrase)
                    break
        return best[1].strip().decode("utf-8", "replace") if best else ""


def _builtin_spec(cues: BuiltinCues) -> dict[str, Any]:
    return {"weight": cues.weight, "terms": list(cues.terms), "unless": list(cues.unless)}


def _terms(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"{where}: must be a list of strings")
    return value


def _verb_forms(word: bytes) -> set[bytes]:
    """A verb as a headline writes it: "fine" -> fines, fined; "probe" -> probes, probed."""
    forms = _forms(word)
    if word.endswith(b"e"):
        forms.add(word + b"d")
    elif word.endswith(b"y") and len(word) > 2 and word[-2:-1] not in b"aeiou":
        forms.add(word[:-1] + b"ied")
    else:
        forms.add(word + b"ed")
    return forms


def _act_forms(word: bytes) -> set[bytes]:
    """An act in every tense a headline tells it in: "seize" -> seizes, seized, seizing."""
    ing = word[:-1] if word.endswith(b"e") and not word.endswith(b"ee") else word
    return _verb_forms(word) | {ing + b"ing"}


def _group(name: str, spec: Any, where: str, *, verbs: bool = False) -> CueGroup:
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: must be a table with weight and terms")
    weight = _number(spec.get("weight", 1.0), f"{where}.weight")
    terms = _terms(spec.get("terms", []), f"{where}.terms")
    unless = tuple(_terms(spec.get("unless", []), f"{where}.unless"))
    requires = tuple(_terms(spec.get("requires", []), f"{where}.requires"))
    words: set[bytes] = set()
    phrases: list[bytes] = []
    for term in terms:
        tokens = [t for t in _tokens(term) if t != b"s"]
        if len(tokens) == 1:
            words.update(_act_forms(tokens[0]) if verbs else _forms(tokens[0]))
        elif tokens:
            # and its plural: "zero-day" finds "Three Zero-Days", "data breach" "data breaches"
            phrases.extend(
                b" " + b" ".join([*tokens[:-1], form]) + b" " for form in sorted(_forms(tokens[-1]))
            )
    leads = tuple(p.split()[0] for p in phrases)
    by_lead: dict[bytes, list[tuple[int, bytes, frozenset[bytes]]]] = {}
    for index, phrase in enumerate(phrases):
        # (function words are in most texts: they would only make every item's word set larger)
        rest = frozenset(phrase.split()[1:]) - _FUNCTION_WORDS
        by_lead.setdefault(leads[index], []).append((index, phrase, rest))
    return CueGroup(
        name,
        weight,
        frozenset(words),
        tuple(phrases),
        unless,
        frozenset(leads),
        leads,
        {lead: tuple(found) for lead, found in by_lead.items()},
        requires,
    )


def _tokens(term: str) -> list[bytes]:
    return split_words(term.lower()).words


def _forms(word: bytes) -> set[bytes]:
    """A cue word and its plural: "fine" finds "fines", "breach" "breaches"."""
    if word.endswith((b"s", b"x", b"ch", b"sh")):
        return {word, word + b"es"}
    if word.endswith(b"y") and len(word) > 2 and word[-2:-1] not in b"aeiou":
        return {word, word[:-1] + b"ies"}
    return {word, word + b"s"}


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: must be a table")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: must be a number")
    return float(value)


def _switch(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: must be true or false")
    return value


def _known_type(name: str, where: str) -> bool:
    if name not in EVENT_TYPES:
        raise ValueError(f"{where}.{name}: unknown event type (one of {', '.join(EVENT_TYPES)})")
    return True
