"""Topics and jurisdictions from taxonomy.toml: word, phrase and acronym evidence, scored.

Matching works on tokens rather than one regex per term, so its cost does not grow with the size
of the taxonomy: the text is tokenised once, and set intersections (done in C) find the terms.
Words and phrases match case-insensitively, with plural, possessive and hyphen variants;
acronyms (AI, EU, US, DSA...) match case-sensitively as whole words, so "us" is not the US.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from core.tags import Tags
from core.words import plural_forms
from digest.judgement.relevance import RelevanceRules
from digest.text.sentences import split_sentences
from digest.text.words import SEPARATORS, Words, fold, split_words, utf8

__all__ = ["Category", "Taxonomy", "TaxonomyError", "Scores"]

KINDS = ("topic", "jurisdiction")
_V = TypeVar("_V")
_TABLES = {"topic": "topics", "jurisdiction": "jurisdictions"}
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
_LIST_FIELDS = (
    "aliases",
    "keywords",
    "phrases",
    "acronyms",
    "title_only",
    "context",
    "exclude",
    "framing",
    "unframed_by",
    "frames",
    "yields_to",
    "tool_of",
    "fallback",
)
# fields that hold pairs of word lists
_PAIR_FIELDS = ("together", "answered")

# A `together` pair found weighs like a phrase.
TOGETHER_WEIGHT = 2.0
# Scoring: a title hit outweighs body mentions; repeated body mentions count up to a cap.
TITLE_WEIGHT = 3.0
BODY_CAP = 3
# `exclude` terms cancel what their look-alike words score ("North Korea" is no evidence for kr).
WEIGHTS = {"keywords": 1.0, "phrases": 2.0, "acronyms": 1.0, "title_only": 1.0, "context": 1.0}
# A category whose score is far below the item's strongest one (of the same kind) is a passing
# mention. Places are named in passing more often than topics, hence the higher floor.
# A framing word ("arrested", "pleaded guilty") weighs like a keyword where it counts.
FRAME_WEIGHT = 1.0
TOPIC_FLOOR = 0.2
PLACE_FLOOR = 0.3
# An item that names one place, once, and no other is about that place ("in Japan").
SOLE_PLACE = 1.0
# A place's `fallback` words decide for an item that names no place and whose source has none:
# one mention is enough, and places with much less of it than the strongest are dropped.
FALLBACK_MIN = 1.0
# Nouns that name a business: a place's word up to this many words before one (its noun
# phrase: "Chinese fast-fashion giant", "Dutch chip company") is the firm's home.
_FIRM_NOUNS = frozenset(
    b"firm firms company companies giant giants maker makers retailer retailers brand brands "
    b"startup startups conglomerate carmaker automaker chipmaker manufacturer vendor vendors "
    b"provider providers insurer lender bank banks telco carrier platform marketplace".split()
)
_FIRM_REACH = 4
# A place's word joined to one of these names where a thing is ("Netherlands-hosted"), not where
# a body acts.
_LOCATED = re.compile(r"([A-Za-z]+)-(?:based|hosted|headquartered|registered)\b")
# A sentence that names this many places besides the international one lists a group's members
# ("the G7 partners: Germany, Canada, France, Italy, Japan, the United Kingdom and the EU").
LISTED_PLACES = 3
INTL = "intl"
# The gazetteer's places outside the taxonomy's jurisdictions ("Mexico", "Taiwan"): no tag of
# their own, but an item told of one names another place, so neither its source's default
# jurisdiction nor a place's fallback words decide for it. A headline mention, or two in the
# text, is enough.
ELSEWHERE = "elsewhere"
ELSEWHERE_MIN = 2.0
# The lead (the text up to the first sentence end past LEAD_CHARS characters) tells what the
# item is about; mentions further on are more often in passing and weigh this share.
LEAD_CHARS = 400
LATER_WEIGHT = 0.5


class TaxonomyError(ValueError):
    """The taxonomy file is unusable; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Category:
    slug: str
    label: str
    kind: str  # "topic" | "jurisdiction"
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    title_only: tuple[str, ...] = ()
    # ordinary English that is evidence only in policy context ("competition", "children"): it
    # counts when the item also names an authority or legal action (the relevance rules' actor
    # and action cues)
    context: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # words that say an item is told from this category's angle ("arrested", "pleaded guilty"
    # for cybercrime): they score nothing, but a category that `yields_to` this one is dropped
    # when both are found and one of these words is present
    framing: tuple[str, ...] = ()
    # words that tell the act policed as another kind of act (espionage for a state): where they
    # are found, this category's framing words frame nothing ("spy arrested" is no cybercrime)
    unframed_by: tuple[str, ...] = ()
    # topics whose items this category's framing words claim, besides those that yield to it
    # (an arrest over online child abuse is cybercrime too); the framing words then score
    frames: tuple[str, ...] = ()
    yields_to: tuple[str, ...] = ()
    # topics whose acts make this category's subject a tool: in a headline or sentence that holds
    # their evidence, its terms (but the names of laws and bodies) score nothing ("AI phishing",
    # "accounts hacked via an AI chatbot" are no AI policy)
    tool_of: tuple[str, ...] = ()
    # pairs of word lists: a word of each in one sentence (or the headline) is evidence
    # weighing like a phrase, in whatever words the act is told ("hackers stole the personal
    # information of ...", "accounts hijacked")
    together: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    # pairs of word lists: the category's terms that hold a word of the first ("breach", "data
    # breach") score nothing in a headline or sentence that holds a word of the second, which
    # tells an authority's answer to the act ("fined over a data breach" is data protection's
    # enforcement, no security incident)
    answered: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    # ambiguous words that place an item only when nothing else does: neither the text nor its
    # source names a place ("federal court" with no country named is American news)
    fallback: tuple[str, ...] = ()
    min_score: float = 2.0


@dataclass(frozen=True)
class Scores:
    """Evidence per category slug (for tuning and explanations)."""

    topics: dict[str, float] = field(default_factory=dict)
    jurisdictions: dict[str, float] = field(default_factory=dict)


def _alias_key(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.casefold())


def _plurals(word: bytes) -> set[bytes]:
    return {form.encode() for form in plural_forms(word.decode())}


# One compiled entry: which category, how much it weighs, and whether it only counts in titles.
# The term itself is part of the key so that body mentions are capped per term, not per category.
_Hit = tuple[str, str, float, bool, str]  # (kind, slug, weight, title_only, term)
# A phrase as it appears in the space-joined tokens (b" data breach "), and its hit.
_Phrase = tuple[bytes, _Hit]


@dataclass
class _Index:
    """Every form of every term, as the taxonomy defines them; `_Matcher` arranges it for lookup."""

    words: dict[bytes, list[_Hit]] = field(default_factory=lambda: defaultdict(list))
    # (first word, second word) -> the phrases that start with them
    phrases: dict[tuple[bytes, bytes], list[_Phrase]] = field(
        default_factory=lambda: defaultdict(list)
    )
    acronyms: dict[bytes, list[_Hit]] = field(default_factory=lambda: defaultdict(list))
    acronym_phrases: dict[tuple[bytes, bytes], list[_Phrase]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add_text_term(self, term: str, hit: _Hit) -> None:
        tokens = _tokens(term.lower())
        if not tokens:
            return
        if len(tokens) == 1:
            for form in _plurals(tokens[0]):
                self._add_word(form, hit)
            return
        for last in _plurals(tokens[-1]):
            seq = (*tokens[:-1], last)
            _keep_strongest(self.phrases[seq[0], seq[1]], b" " + b" ".join(seq) + b" ", hit)
        if len(tokens) == 2 and not term[:1].isupper():
            # "cyber security" also matches "cybersecurity"; "child-safety" also "childsafety".
            # A name keeps its space: "Whitehouse" is a surname, not the "White House".
            for form in _plurals(tokens[0] + tokens[1]):
                self._add_word(form, hit)

    def _add_word(self, form: bytes, hit: _Hit) -> None:
        _keep_strongest(self.words[form], None, hit)

    def add_acronym(self, term: str, hit: _Hit) -> None:
        tokens = _tokens(term)
        if not tokens:
            return
        if len(tokens) == 1:
            forms = {tokens[0]}
            if tokens[0][-1:].isupper() or tokens[0][-1:].isdigit():
                forms.add(tokens[0] + b"s")  # NGOs, VPNs
            for form in forms:
                _keep_strongest(self.acronyms[form], None, hit)
            return
        needle = b" " + b" ".join(tokens) + b" "
        _keep_strongest(self.acronym_phrases[tokens[0], tokens[1]], needle, hit)


# the prefixes that set context, framing and fallback terms apart from a category's evidence
_PREFIXES = ("context:", "framing:", "fallback:", "unframing:")


def _family(hit: _Hit) -> tuple[str, str, bool, str, bool]:
    """What a hit is evidence of: the category, whether it counts only in titles, whether it is
    a context, framing or fallback term, and whether it counts for or (an exclude) against."""
    kind, slug, weight, title_only, term = hit
    prefix = term.partition(":")[0] if term.startswith(_PREFIXES) else ""
    return kind, slug, title_only, prefix, weight < 0


def _keep_strongest(entries: list[Any], needle: bytes | None, hit: _Hit) -> None:
    """File `hit` under a word form (`needle` None: `entries` are hits) or a phrase's `needle`
    (`entries` are (needle, hit) pairs), unless the same form is already evidence of the same
    kind for its category: "hackers" (a keyword, and the plural of the keyword "hacker") or
    "cybersecurity" (a keyword, and the joined form of "cyber security") is one word, and one
    mention counts once, at the stronger weight."""
    family = _family(hit)
    for i, entry in enumerate(entries):
        other = entry if needle is None else entry[1]
        if (needle is None or entry[0] == needle) and _family(other) == family:
            if abs(hit[2]) > abs(other[2]):
                entries[i] = hit if needle is None else (needle, hit)
            return
    entries.append(hit if needle is None else (needle, hit))


def _separated(text: str) -> bytes:
    """`text` as UTF-8 bytes with every separator turned into a space (tabs and newlines too, so
    that b" EU " finds a whole token)."""
    return utf8(text).translate(SEPARATORS)


def _tokens(text: str) -> list[bytes]:
    """Words of `text` as UTF-8 bytes: split on punctuation and spaces; possessive "s" dropped."""
    tokens = _separated(text).split()
    if b"s" in tokens:
        tokens = [t for t in tokens if t != b"s"]
    return tokens


def _token_count(padded: bytes, token: bytes, within: int) -> int:
    """How often `token` (not b"s") is a whole word of `padded`, `_separated` text between
    spaces, given how often it occurs at all (`padded.count(token)`)."""
    # Searching the bytes is much faster than splitting or counting a list of words. There are
    # at least as many occurrences of b"EU" (some may be inside other words) as of the word;
    # b" EU " finds only the word, but two with a single space between them share it and count
    # once, so there are at most as many of those. When the two counts agree, that is the count.
    if within < 2:
        # 0, or 1 that is either the word or inside another (then b" EU " does not occur)
        return within and padded.count(b" " + token + b" ")
    whole = padded.count(b" " + token + b" ")
    return whole if whole == within else padded.split().count(token)


def _joined(padded: bytes) -> bytes:
    """The words of `padded` (`_separated` text) between single spaces, and at either end."""
    return b" " + b" ".join(padded.split()) + b" "


def _drop_possessives(joined: bytes) -> bytes:
    """`joined` (as made by `_joined`) without its words "s": possessives ("EU's" is "EU s")."""
    while b" s " in joined:
        joined = joined.replace(b" s ", b" ")
    return joined


# A phrase as found in joined words (b" data breach "), with its hit's number.
_Needle = tuple[bytes, int]
# The phrases that share their first two words, by those words (b" data breach ").
_Candidate = tuple[bytes, tuple[_Needle, ...]]
# Such phrases filed under one of their two first words (the anchor): (the other word, their
# third words if they all have one, else empty, the phrases).
_PhraseGroup = tuple[bytes, frozenset[bytes], _Candidate]
# What a lowercased word found in a text leads to: its hits' numbers as a word, the phrase groups
# it anchors, the acronyms (as written, with their hits' numbers) and the first words of acronym
# phrases that are written like it in another case.
_Role = tuple[
    tuple[int, ...],
    tuple[_PhraseGroup, ...],
    tuple[tuple[bytes, tuple[int, ...]], ...],
    tuple[bytes, ...],
]


# (one empty set for the many phrase groups that have no third word to check)
_NO_THIRDS: frozenset[bytes] = frozenset()


def _phrase_groups(
    phrases: dict[tuple[bytes, bytes], list[_Needle]],
) -> dict[bytes, list[_PhraseGroup]]:
    """Phrases by their first two words, filed under one of them."""
    # A group is filed under whichever of its two words is in fewer groups, so that a common
    # word ("data", "ai") does not bring dozens of groups to check whenever it occurs.
    groups_of = Counter(word for pair in phrases for word in set(pair))
    table: dict[bytes, list[_PhraseGroup]] = defaultdict(list)
    for (first, second), needles in phrases.items():
        words = [needle.split() for needle, _ in needles]
        thirds = frozenset(w[2] for w in words) if all(len(w) > 2 for w in words) else _NO_THIRDS
        candidate = (b" " + first + b" " + second + b" ", tuple(needles))
        if groups_of[first] <= groups_of[second]:
            table[first].append((second, thirds, candidate))
        else:
            table[second].append((first, thirds, candidate))
    return table


def _count_phrases(
    found: dict[int, int], joined: bytes, candidates: list[_Candidate]
) -> list[_Needle]:
    """Add the occurrences of `candidates`' phrases in `joined` (as made by `_joined`); the
    phrases found."""
    matched = []
    for start, needles in candidates:
        # Most candidates' words are not adjacent: one search rules out all their phrases.
        if start in joined:
            for needle, hit in needles:
                n = joined.count(needle)
                if n:
                    found[hit] = found.get(hit, 0) + n
                    matched.append((needle, hit))
    return matched


class _Shared:
    """Equal values as one object: the first one seen."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: _V) -> _V:
        return self._seen.setdefault(value, value)  # type: ignore[no-any-return]


class _Matcher:
    """An `_Index` arranged so that finding terms in a text costs little more than tokenising it.

    The text's lowercased words meet the set of all words that can take part in a match in one
    set intersection, done in C; the rest looks only at the few words found, and mostly searches
    the text's bytes. Hits are numbered, so that counting them does not hash tuples.
    """

    def __init__(self, index: _Index, also: frozenset[bytes] = frozenset()) -> None:
        """`also`: words that lead to no term, but whose presence a caller reads from `present`."""
        self.hits: list[_Hit] = []
        numbers: dict[_Hit, int] = {}

        def number(hit: _Hit) -> int:
            if hit not in numbers:
                numbers[hit] = len(self.hits)
                self.hits.append(hit)
            return numbers[hit]

        def needles(phrases: list[_Phrase]) -> list[_Needle]:
            return [(needle, number(hit)) for needle, hit in phrases]

        # Equal tuples are kept once: the words a term's forms lead to ("fine", "fines") have the
        # same hits, and many words the same role.
        one = _Shared()
        words = {word: one(tuple(map(number, hits))) for word, hits in index.words.items()}
        groups = _phrase_groups({pair: needles(p) for pair, p in index.phrases.items()})
        # An acronym can only occur where its lowercase form is among the lowercased words.
        acronyms: dict[bytes, list[tuple[bytes, tuple[int, ...]]]] = defaultdict(list)
        for form, hits in index.acronyms.items():
            acronyms[form.lower()].append((form, tuple(map(number, hits))))
        # first word -> its acronym phrases (few: "E U", "CERT EU"); checked word by word
        self.acronym_phrases: dict[bytes, list[_Candidate]] = defaultdict(list)
        for (first, second), phrases in index.acronym_phrases.items():
            start = b" " + first + b" " + second + b" "
            self.acronym_phrases[first].append((start, tuple(needles(phrases))))
        acronym_firsts: dict[bytes, list[bytes]] = defaultdict(list)
        for first in self.acronym_phrases:
            acronym_firsts[first.lower()].append(first)
        self.roles: dict[bytes, _Role] = {
            word: one(
                (
                    words.get(word, ()),
                    tuple(groups.get(word, ())),
                    tuple(acronyms.get(word, ())),
                    tuple(acronym_firsts.get(word, ())),
                )
            )
            for word in {*words, *groups, *acronyms, *acronym_firsts}
        }
        # Words that only need to be known present: the other of a phrase's first two words,
        # its third word, and b"s", which tells at no extra cost whether there may be a
        # possessive to drop.
        others = {b"s", *also}
        for filed in groups.values():
            for other, thirds, _ in filed:
                others.update((other, *thirds))
        self.vocabulary = frozenset([*self.roles, *others])

    def only(self, keep: frozenset[int]) -> _Matcher:
        """This matcher for the hits `keep` alone, under the same numbers: their counts are
        those `evidence` finds, but a text's words meet a small vocabulary and few roles."""

        def kept(candidate: _Candidate) -> _Candidate | None:
            needles = tuple((needle, n) for needle, n in candidate[1] if n in keep)
            return (candidate[0], needles) if needles else None

        sub = copy.copy(self)
        sub.acronym_phrases = defaultdict(list)
        for first, candidates in self.acronym_phrases.items():
            for candidate in candidates:
                if found := kept(candidate):
                    sub.acronym_phrases[first].append(found)
        sub.roles = {}
        others = {b"s"}
        one = _Shared()
        for word, whole in self.roles.items():
            hits, groups, acronyms, firsts = whole
            role = (
                one(tuple(n for n in hits if n in keep)),
                tuple((o, t, found) for o, t, c in groups if (found := kept(c))),
                tuple((a, k) for a, ns in acronyms if (k := tuple(n for n in ns if n in keep))),
                tuple(f for f in firsts if f in sub.acronym_phrases),
            )
            if any(role):
                # (a word whose hits are all kept keeps its role: no copy)
                sub.roles[word] = whole if role == whole else one(role)
                for other, thirds, _ in role[1]:
                    others.update((other, *thirds))
        sub.vocabulary = frozenset([*sub.roles, *others])
        return sub

    def present(self, split: Words) -> frozenset[bytes]:
        """The words of a text that can take part in a match (or are among `also`)."""
        return self.vocabulary.intersection(split.words)

    def evidence(
        self,
        split: Words,
        lead: int = 0,
        in_lead: dict[int, int] | None = None,
        present: frozenset[bytes] | None = None,
    ) -> dict[int, int]:
        """How often each compiled term occurs in a text (occurrence counts per hit number); with
        `lead` (the bytes of `split.encoded` the text's lead takes, as `_lead_bytes` gives them),
        those of the lead too, into `in_lead`. `present`: the text's `present` words, if known."""
        found: dict[int, int] = {}
        if in_lead is None:
            lead, in_lead = 0, {}
        # (split_words puts spaces around the text: b" word " finds a word at either end)
        encoded, folded, words = split.encoded, split.folded, split.words
        if present is None:
            present = self.vocabulary.intersection(words)
        if not present:
            return found
        # The lead's words are the text's first ones, counted in the same pass: its bytes are a
        # prefix of the text's, as split_words would give them for the lead alone (spaced).
        lead_folded = folded[:lead] + b" " if lead else b""
        lead_cased = b""
        cased = b""  # `folded` with its case kept, made when acronyms or possessives need it
        get = found.get
        roles = self.roles
        candidates: list[_Candidate] = []
        acronym_firsts: list[bytes] = []
        for word in present:
            role = roles.get(word)
            if role is None:
                continue  # only needed to be known present
            hits, groups, acronyms, firsts = role
            if hits:
                within = folded.count(word)
                # The word is present, so a single occurrence in the bytes can only be it.
                n = 1 if within == 1 else _token_count(folded, word, within)
                for hit in hits:
                    found[hit] = get(hit, 0) + n
                within = lead_folded.count(word) if lead else 0
                if within:  # (most of a long text's words are past its lead)
                    n = _token_count(lead_folded, word, within)
                    for hit in hits if n else ():
                        in_lead[hit] = in_lead.get(hit, 0) + n
            if groups:
                # Candidates: phrases whose first (two or three) words all occur.
                for other, thirds, candidate in groups:
                    if other in present and (not thirds or not thirds.isdisjoint(present)):
                        candidates.append(candidate)
            if acronyms:
                for acronym, acronym_hits in acronyms:
                    # Case-sensitive, so often absent ("us" but no "US"): then no `cased`. (It
                    # has no separators, so it occurs as often in `encoded` as in `cased`.)
                    within = encoded.count(acronym)
                    if within:
                        cased = cased or encoded.translate(SEPARATORS)
                        n = _token_count(cased, acronym, within)
                        if n:
                            for hit in acronym_hits:
                                found[hit] = get(hit, 0) + n
                        if lead and n:
                            lead_cased = lead_cased or cased[:lead] + b" "
                            n = _token_count(lead_cased, acronym, encoded.count(acronym, 0, lead))
                            for hit in acronym_hits if n else ():
                                in_lead[hit] = in_lead.get(hit, 0) + n
            if firsts:  # first words of acronym phrases ("E" of "E U"), in this case
                cased = cased or encoded.translate(SEPARATORS)
                acronym_firsts += [f for f in firsts if b" " + f + b" " in cased]
        phrases: list[_Needle] = []
        acronym_phrases: list[_Needle] = []
        if candidates:
            joined = b" " + b" ".join(words) + b" "
            if b"s" in present:
                # A word "s" is a possessive, dropped so that "data's breach" is a data breach;
                # "S" is a word, and only the case tells them apart ("U.S.'s" is "U S s").
                cased = cased or encoded.translate(SEPARATORS)
                if b" S " in cased:
                    joined = _drop_possessives(_joined(cased)).lower()
                else:
                    joined = _drop_possessives(joined)
            phrases = _count_phrases(found, joined, candidates)
        if acronym_firsts:
            joined = _drop_possessives(_joined(cased))
            for first in acronym_firsts:
                acronym_phrases += _count_phrases(found, joined, self.acronym_phrases[first])
        if lead and (phrases or acronym_phrases):
            _lead_phrases(in_lead, encoded[:lead], lead_folded, phrases, acronym_phrases)
        return found


def _lead_phrases(
    in_lead: dict[int, int],
    lead_encoded: bytes,
    lead_folded: bytes,
    phrases: list[_Needle],
    acronym_phrases: list[_Needle],
) -> None:
    """Add to `in_lead` the occurrences in a text's lead (`lead_encoded`, unspaced at its end) of
    the phrases the whole text holds, its words joined as `_Matcher.evidence` joins a
    text's (a phrase the text lacks is not in its lead either)."""
    lead_cased = lead_encoded.translate(SEPARATORS) + b" "
    for needles, joined in (
        (phrases, _phrases_joined(lead_folded, lead_cased) if phrases else b""),
        (acronym_phrases, _drop_possessives(_joined(lead_cased)) if acronym_phrases else b""),
    ):
        for needle, hit in needles:
            n = joined.count(needle)
            if n:
                in_lead[hit] = in_lead.get(hit, 0) + n


def _phrases_joined(folded: bytes, cased: bytes) -> bytes:
    """A text's words between single spaces, lowercased, without possessives (`evidence`
    joins them so: see there), from its `folded` and its `cased` bytes."""
    if b" s " not in folded:
        return _joined(folded)
    if b" S " in cased:
        return _drop_possessives(_joined(cased)).lower()
    return _drop_possessives(_joined(folded))


def _hits_of(
    hits: Sequence[_Hit], slugs: set[str], *, evidence_only: bool, but: frozenset[str] = frozenset()
) -> frozenset[int]:
    """The numbers of the topic hits that count for `slugs`, except those of the terms `but`;
    with `evidence_only`, not those of their context or framing words."""
    return frozenset(
        n
        for n, (kind, slug, weight, _, term) in enumerate(hits)
        if kind == "topic"
        and slug in slugs
        and weight > 0
        and term not in but
        and not (evidence_only and term.startswith(("context:", "framing:")))
    )


def _hits_holding(hits: Sequence[_Hit], cat: Category, forms: frozenset[bytes]) -> frozenset[int]:
    """The numbers of `cat`'s own evidence hits (no context, framing or fallback words) whose
    term holds one of these word forms."""
    return frozenset(
        n
        for n, (kind, slug, weight, _, term) in enumerate(hits)
        if kind == cat.kind
        and slug == cat.slug
        and weight > 0
        and not term.startswith(_PREFIXES)
        and not forms.isdisjoint(_tokens(term.lower()))
    )


def _forms(words: frozenset[str]) -> frozenset[bytes]:
    """The lowercased word forms (plurals, possessives) of `words`, as split text holds them."""
    return frozenset(
        form for word in words for token in _tokens(word.lower()) for form in _plurals(token)
    )


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{where}: must be a list of strings, got {value!r:.60}")
    return tuple(v.strip() for v in value if v.strip())


_NONE: frozenset[str] = frozenset()
_NO_WORDS = split_words("")


class _Terms:
    """Every term of the categories in an `_Index`, and which of its hits are context, framing
    and fallback terms."""

    def __init__(self) -> None:
        self.index = _Index()
        self.context: set[_Hit] = set()
        self.frames: set[_Hit] = set()
        self.unframes: set[_Hit] = set()
        self.fallback: set[_Hit] = set()

    @classmethod
    def of(cls, categories: Sequence[Category]) -> _Terms:
        """The terms of `categories`, their excludes included."""
        terms = cls()
        for cat in categories:
            terms._add(cat)
        # An exclude is weighed against the terms (never other excludes), so one matcher of the
        # terms serves every exclude.
        positive = _Matcher(terms.index)
        for cat in categories:
            terms._add_excludes(cat, positive)
        return terms

    def _add(self, cat: Category) -> None:
        for field_name in ("keywords", "phrases", "title_only"):
            weight = WEIGHTS[field_name]
            title_only = field_name == "title_only"
            for term in getattr(cat, field_name):
                hit = (cat.kind, cat.slug, weight, title_only, term)
                self.index.add_text_term(term, hit)
        for term in cat.acronyms:
            self.index.add_acronym(term, (cat.kind, cat.slug, WEIGHTS["acronyms"], False, term))
        for term in cat.context:
            hit = (cat.kind, cat.slug, WEIGHTS["context"], False, f"context:{term}")
            self.context.add(hit)
            self.index.add_text_term(term, hit)
        for term in cat.framing:
            hit = (cat.kind, cat.slug, 0.0, False, f"framing:{term}")
            self.frames.add(hit)
            self.index.add_text_term(term, hit)
        for term in cat.unframed_by:
            hit = (cat.kind, cat.slug, 0.0, False, f"unframing:{term}")
            self.unframes.add(hit)
            self.index.add_text_term(term, hit)
        for term in cat.fallback:
            hit = (cat.kind, cat.slug, 1.0, False, f"fallback:{term}")
            self.fallback.add(hit)
            self.index.add_text_term(term, hit)

    def _add_excludes(self, cat: Category, positive: _Matcher) -> None:
        # An exclude cancels exactly what its words would have scored for this category:
        # "Kids Online Safety Act" cancels uk's phrase "Online Safety Act" (2), "North Korea"
        # cancels kr's keyword "korea" (1).
        for term in cat.exclude:
            own = 0.0
            for hit, n in positive.evidence(split_words(term)).items():
                kind, slug, weight, _, word = positive.hits[hit]
                if kind == cat.kind and slug == cat.slug and not word.startswith("fallback:"):
                    own += weight * n
            if own:
                self.index.add_text_term(term, (cat.kind, cat.slug, -own, False, term))


class _Compiled:
    """The taxonomy's terms arranged for matching, and what each hit adds to a score."""

    def __init__(self, categories: Sequence[Category], topics: dict[str, Category]) -> None:
        bodies = {
            term
            for cat in categories
            if cat.kind == "jurisdiction"
            for term in (*cat.acronyms, *cat.phrases)
        }
        # (0 for a topic or 1 for a jurisdiction, slug, its min_score, one list's word forms,
        # the other's)
        self.pairs = [
            (int(cat.kind != "topic"), cat.slug, cat.min_score, _forms(first), _forms(second))
            for cat in categories
            for first, second in cat.together
        ]
        # every word of them: an item with none of them holds no pair
        self.paired_words = frozenset().union(*(a | b for *_, a, b in self.pairs))
        answered = [(cat, first, second) for cat in categories for first, second in cat.answered]
        self.answer_words = frozenset().union(*(_forms(second) for _, _, second in answered))
        # (the index is let go once arranged: the matchers hold all that matching reads)
        terms = _Terms.of(categories)
        # (the pairs' words are known present from the words the matcher narrows a text to)
        self.matcher = _Matcher(terms.index, also=self.paired_words | self.answer_words)
        hits = self.matcher.hits
        # (the hits of a category's terms that hold a word of the first list, the second list's
        # word forms): what an authority's answer takes from the category
        self.answers = [
            (_hits_holding(hits, cat, _forms(first)), _forms(second))
            for cat, first, second in answered
        ]
        self.answered_hits = frozenset().union(*(weak for weak, _ in self.answers))
        self.context_hits = frozenset(n for n, hit in enumerate(hits) if hit in terms.context)
        self.fallback_hits = frozenset(n for n, hit in enumerate(hits) if hit in terms.fallback)
        # hit number -> the slug whose framing it is
        self.frame_hits = {n: hit[1] for n, hit in enumerate(hits) if hit in terms.frames}
        # hit number -> the slug whose framing it cancels
        self.unframe_hits = {n: hit[1] for n, hit in enumerate(hits) if hit in terms.unframes}
        self.yielding = {cat.slug: cat.yields_to for cat in topics.values() if cat.yields_to}
        # slug -> the numbers of its hits but those of laws and bodies ("AI Act" is never a
        # tool), and of the evidence (not context or framing words) of the topics it is a tool of
        self.tools = {
            cat.slug: (
                _hits_of(hits, {cat.slug}, evidence_only=False, but=frozenset(bodies)),
                _hits_of(hits, set(cat.tool_of), evidence_only=True),
            )
            for cat in topics.values()
            if cat.tool_of
        }
        # the excludes of the topics whose acts make a tool: an act they cancel ("breach" in "a
        # breach of the law") is none
        self.act_excludes = frozenset(
            n
            for n, (kind, slug, weight, _, _) in enumerate(hits)
            if kind == "topic" and weight < 0 and any(slug in t.tool_of for t in topics.values())
        )
        self.weights = [hit[2] for hit in hits]
        # every topic's hits that may be a tool, and those and the acts' terms alone: what a
        # sentence is searched for
        self.tool_hits = frozenset().union(*(weak for weak, _ in self.tools.values()))
        self.tool_matcher = self.matcher.only(
            frozenset().union(*(weak | acts for weak, acts in self.tools.values()))
            | self.act_excludes
        )
        # the words that lead to those hits: a sentence with none of them holds none
        self.tool_words = self._words_leading_to(
            frozenset().union(*(weak for weak, _ in self.tools.values()))
        )
        # framed slug -> the topics whose evidence lets its framing words score
        self.framed_topics = {
            cat.slug: frozenset(
                (*cat.frames, *(o.slug for o in topics.values() if cat.slug in o.yields_to))
            )
            for cat in topics.values()
            if cat.framing
        }
        # the words whose presence a context term's match needs (a word, or the word a phrase
        # is filed under): a sentence with none of them holds no context term
        self.context_words = self._words_leading_to(self.context_hits)
        self.context_matcher = self.matcher.only(self.context_hits)
        # a place's own word (its keywords: "chinese", "dutch") -> the jurisdictions it names
        place_forms: dict[bytes, set[str]] = defaultdict(set)
        for word, word_hits in self.matcher.roles.items():
            for n in word_hits[0]:
                kind, slug, weight, _, term = hits[n]
                # (a fallback word is no place's own: "federal bank" names no home)
                own = " " not in term and not term.startswith(_PREFIXES)
                if kind == "jurisdiction" and weight > 0 and own:
                    place_forms[word].add(slug)
        self.place_forms = {word: frozenset(slugs) for word, slugs in place_forms.items()}
        # the jurisdictions' bodies and laws (acronyms and phrases, not the places' keywords): a
        # sentence that names one is in policy context
        self.authority_words = frozenset(
            tokens[0].lower() for term in bodies if (tokens := _tokens(term))
        )
        self.authority_hits = frozenset(
            n
            for n, (kind, _, weight, _, term) in enumerate(hits)
            if kind == "jurisdiction" and weight > 0 and term in bodies
        )
        self.authority_matcher = self.matcher.only(self.authority_hits)
        # of those, the agencies and laws known by their acronyms ("Europol", "CISA", "NCA"):
        # bodies by name, where a phrase may be a law or a word for many ("member states")
        acronyms = {
            term for cat in categories if cat.kind == "jurisdiction" for term in cat.acronyms
        }
        self.agency_hits = frozenset(n for n in self.authority_hits if hits[n][4] in acronyms)
        # the hits of the jurisdictions' own names ("United Kingdom", "EU"), which name a place
        # and no body: the names a place is looked up by
        names: dict[str, set[str]] = defaultdict(set)
        for cat in categories:
            if cat.kind == "jurisdiction" and cat.aliases:
                names[cat.slug].update(map(_alias_key, (*cat.aliases, cat.label, cat.slug)))
        self.place_name_hits = frozenset(
            n
            for n, (kind, slug, _, _, term) in enumerate(hits)
            if kind == "jurisdiction" and _alias_key(term) in names.get(slug, ())
        )
        # the bodies known by their acronyms, not the places' names ("G7", "FTC", not "EU")
        self.title_bodies = self.agency_hits - self.place_name_hits
        # the places' names written as acronyms ("U.S.", "UK"), as a firm's home in its noun
        # phrase ("U.S. tech companies"); their case tells them from words ("us"). A bloc or
        # the UN is no firm's home: "EU" before "platform" is its act.
        self.acronym_homes = {
            hits[n][4]: hits[n][1]
            for n in self.place_name_hits & self.agency_hits
            if hits[n][1] not in (INTL, "eu")
        }
        self.acronym_home = _acronym_homes(self.acronym_homes)
        # hit number -> (0 for a topic or 1 for a jurisdiction, slug, points): what the hit adds
        # to the slug's score when found in a title; in a text, points per occurrence (up to the
        # cap), or None for a title-only term
        self.title_points = [
            (int(kind != "topic"), slug, weight * TITLE_WEIGHT) for kind, slug, weight, _, _ in hits
        ]
        self.text_points = [
            None if title_only else (int(kind != "topic"), slug, weight)
            for kind, slug, weight, title_only, _ in hits
        ]

    def _words_leading_to(self, numbers: frozenset[int]) -> frozenset[bytes]:
        """The lowercased words whose presence a match of one of these hits needs (the word, the
        word a phrase is filed under, an acronym's lowercase form)."""
        return frozenset(
            word
            for word, (word_hits, groups, acronyms, _) in self.matcher.roles.items()
            if not numbers.isdisjoint(word_hits)
            or any(n in numbers for _, _, (_, needles) in groups for _, n in needles)
            or any(not numbers.isdisjoint(found) for _, found in acronyms)
        )


def _acronym_homes(acronyms: Mapping[str, str]) -> re.Pattern[str] | None:
    """A pattern that finds `acronyms` (the places' names) up to _FIRM_REACH words before a
    noun that names a business, the acronym in its first group."""
    if not acronyms:
        return None
    names = "|".join(re.escape(t) for t in sorted(acronyms, key=len, reverse=True))
    nouns = "|".join(w.decode() for w in sorted(_FIRM_NOUNS))
    reach = _FIRM_REACH - 1
    return re.compile(
        rf"(?<![\w.])({names})(?!\w)(?=(?:[\s,-]+[\w-]+){{0,{reach}}}?[\s-]+(?:{nouns})\b)"
    )


class _Tally(NamedTuple):
    topics: dict[str, float]
    places: dict[str, float]
    framed: frozenset[str]  # the topics whose framing the item uses
    acting: frozenset[str]  # the jurisdictions whose bodies or laws it names
    fallback: dict[str, float]  # the places' fallback evidence, scored like their own terms
    bodies: frozenset[str]  # the jurisdictions whose bodies or laws it names, not by their names
    # the jurisdictions whose bodies or laws it names, but their names ("U.S.", "United Kingdom")
    offices: frozenset[str]


class Taxonomy:
    """The categories, and a classifier compiled from their terms.

    Loading reads and checks the categories; their terms are compiled for matching on the first
    classification, so a command that only looks slugs up does not pay for it."""

    topics: dict[str, Category]
    jurisdictions: dict[str, Category]

    def __init__(
        self,
        topics: dict[str, Category],
        jurisdictions: dict[str, Category],
        relevance: RelevanceRules | None = None,
        gazetteer: Sequence[Category] = (),
    ) -> None:
        self.topics = dict(topics)
        self.jurisdictions = dict(jurisdictions)
        # more evidence for the jurisdictions (digest/data/gazetteer.toml): scored like their
        # own terms, but no acting subjects for relevance, and only for slugs still defined
        extra = [
            cat
            for cat in gazetteer
            if cat.slug in (self.topics if cat.kind == "topic" else self.jurisdictions)
            or (cat.kind == "jurisdiction" and cat.slug == ELSEWHERE)
        ]
        # (a user's own jurisdiction of that slug is a jurisdiction like any other)
        self._elsewhere = ELSEWHERE not in self.jurisdictions
        self._categories = [*self.topics.values(), *self.jurisdictions.values(), *extra]
        # a place named in the headline as the one acting ("India orders ...") is policy evidence
        self.relevance = (relevance or RelevanceRules()).with_subjects(
            term for cat in self.jurisdictions.values() for term in (*cat.keywords, *cat.acronyms)
        )
        self._aliases: dict[str, Category] = {}
        for cat in self._categories:
            for alias in cat.aliases:
                self._aliases.setdefault(_alias_key(alias), cat)
        # Register slugs and labels after aliases so that a slug always wins over an alias.
        for cat in [*self.topics.values(), *self.jurisdictions.values()]:
            self._aliases.setdefault(_alias_key(cat.label), cat)
        for cat in [*self.topics.values(), *self.jurisdictions.values()]:
            self._aliases[_alias_key(cat.slug)] = cat

    def places(self) -> list[Category]:
        """Every jurisdiction's evidence: the taxonomy's own and the gazetteer's entries."""
        return [
            cat
            for cat in self._categories
            if cat.kind == "jurisdiction" and (cat.slug != ELSEWHERE or not self._elsewhere)
        ]

    @cached_property
    def _compiled(self) -> _Compiled:
        """The terms compiled for matching (on first use: about 0.05 s)."""
        return _Compiled(self._categories, self.topics)

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        *,
        source: str = "taxonomy",
        gazetteer: Sequence[Category] = (),
    ) -> Taxonomy:
        """Build from a parsed TOML table with `topics` and `jurisdictions` sub-tables."""
        tables: dict[str, dict[str, Category]] = {}
        for kind in KINDS:
            table_name = _TABLES[kind]
            table = data.get(table_name, {})
            if not isinstance(table, dict):
                raise TaxonomyError(f"{source}: [{table_name}] must be a table of categories")
            cats: dict[str, Category] = {}
            for slug, spec in table.items():
                cats[slug] = _category(kind, slug, spec, source)
            tables[kind] = cats
        if not tables["topic"] and not tables["jurisdiction"]:
            raise TaxonomyError(f"{source}: no [topics.*] or [jurisdictions.*] tables found")
        try:
            relevance = RelevanceRules.from_dict(data.get("relevance", {}), source=source)
        except ValueError as exc:
            raise TaxonomyError(str(exc)) from None
        return cls(tables["topic"], tables["jurisdiction"], relevance, gazetteer)

    @classmethod
    def load(cls, path: Path | str | None = None) -> Taxonomy:
        """The shipped taxonomy, overridden by `path` (a taxonomy file or a config with [taxonomy]).

        In the override, a category with a shipped slug replaces it (or, with `extend = true`,
        adds its terms to it); new slugs are added; `replace = true` at the top drops the shipped
        categories altogether.
        """
        shipped_text = resources.files("digest").joinpath("taxonomy.toml").read_text("utf-8")
        shipped = _parse_toml(shipped_text, "digest/taxonomy.toml")
        gazetteer = _gazetteer()
        if path is None:
            return cls.from_dict(shipped, source="digest/taxonomy.toml", gazetteer=gazetteer)
        path = Path(path)
        try:
            user_text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TaxonomyError(f"{path}: file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TaxonomyError(f"{path}: cannot read: {exc}") from None
        user = _parse_toml(user_text, str(path))
        if "taxonomy" in user:
            override = user["taxonomy"]
            if not isinstance(override, dict):
                raise TaxonomyError(f"{path}: [taxonomy] must be a table")
        elif "topics" in user or "jurisdictions" in user:
            override = user
        else:
            return cls.from_dict(shipped, source="digest/taxonomy.toml", gazetteer=gazetteer)
        merged = _merge(shipped, override, str(path))
        try:
            return cls.from_dict(merged, source=str(path), gazetteer=gazetteer)
        except TaxonomyError as exc:
            raise TaxonomyError(_with_line(str(exc), user_text)) from None

    # -- queries ------------------------------------------------------------------------------

    def all_slugs(self) -> list[str]:
        """Every topic slug, then every jurisdiction slug, in file order."""
        return [*self.topics, *self.jurisdictions]

    def lookup(self, word: str) -> Category | None:
        """The category a slug, label or alias names (case, spaces and hyphens ignored)."""
        key = _alias_key(word or "")
        return self._aliases.get(key) if key else None

    def scores(self, title: str, text: str) -> Scores:
        """Raw evidence per category, before thresholds."""
        tally = self._tally(*_without_furniture(split_words(title), split_words(text)))
        if self._elsewhere:
            tally.places.pop(ELSEWHERE, None)
        return Scores(tally.topics, tally.places)

    def _tally(self, title: Words, text: Words) -> _Tally:
        """Evidence per topic slug and per jurisdiction slug, the slugs whose framing the item
        uses, and the jurisdictions whose bodies or laws it names."""
        tallies: tuple[dict[str, float], dict[str, float]] = ({}, {})
        compiled = self._compiled
        sentences = _without_captions(text)
        text = sentences.text
        # A text's words are narrowed once to those the compiled terms read (in C): each later
        # lookup then meets a few words, not every word of the text.
        matcher = compiled.matcher
        title_words, text_words = matcher.present(title), matcher.present(text)
        in_title = matcher.evidence(title, present=title_words)
        lead = _lead_bytes(text)
        in_lead: dict[int, int] = {}
        in_text = matcher.evidence(text, lead, in_lead, text_words)
        contextual = compiled.context_hits
        # A headline's words are what the item is about, in whatever context the item gives
        # (or a body it names: "G7 leaders agree on AI code", "Garante blocks DeepSeek"); the
        # text's are passing mentions unless their own sentence gives it.
        if (
            contextual
            and not contextual.isdisjoint(in_title)
            and compiled.title_bodies.isdisjoint(in_title)
            and not self.relevance.in_context(title, text)
        ):
            in_title = {h: n for h, n in in_title.items() if h not in contextual}
        if contextual and not contextual.isdisjoint(in_text):
            in_text = self._in_policy_sentences(text, sentences, in_text, text_words)
        if compiled.tools:
            in_title, in_text = self._without_tools(sentences, in_title, in_text)
        if compiled.answers:
            in_title, in_text = self._unanswered(title_words, in_title, in_text)
        fallback: dict[str, float] = {}
        held = compiled.fallback_hits
        if not held.isdisjoint(in_title) or not held.isdisjoint(in_text):
            in_title, in_text, fallback = self._fallback(in_title, in_text)
        # Every hit found occurs at least once, and in a title once is enough.
        title_points = compiled.title_points
        for hit in in_title:
            side, slug, points = title_points[hit]
            tally = tallies[side]
            tally[slug] = tally.get(slug, 0.0) + points
        text_points = compiled.text_points
        hits = compiled.matcher.hits
        counts: Mapping[int, float] = in_text
        if in_text and lead:
            counts = _lead_weighted(in_text, in_lead)
        for hit, n in counts.items():
            entry = text_points[hit]
            if entry is not None:
                side, slug, weight = entry
                tally = tallies[side]
                tally[slug] = tally.get(slug, 0.0) + weight * min(n, BODY_CAP)
        if compiled.pairs:
            _add_pairs(
                tallies,
                compiled.pairs,
                compiled.paired_words,
                hits,
                (title_words, in_title),
                (text_words, in_text),
                sentences,
            )
        authorities = compiled.authority_hits
        named = authorities.intersection(in_title).union(authorities.intersection(in_text))
        acting = bodies = offices = _NONE
        if named:
            acting = frozenset(hits[h][1] for h in named)
            offices = frozenset(hits[h][1] for h in named - compiled.place_name_hits)
            bodies = frozenset(
                hits[h][1] for h in named & compiled.agency_hits - compiled.place_name_hits
            )
        frames = compiled.frame_hits
        found = frames.keys() & in_title.keys() | frames.keys() & in_text.keys()
        if found and compiled.unframe_hits:
            unframes = compiled.unframe_hits
            cancelled = {unframes[h] for h in unframes.keys() & (in_title.keys() | in_text.keys())}
            found = {h for h in found if frames[h] not in cancelled}
        if not found:
            return _Tally(*tallies, _NONE, acting, fallback, bodies, offices)
        framed = frozenset(frames[hit] for hit in found)
        # An item about a topic that yields to a framed one, told from the framed angle, is
        # evidence for it: an arrest over ransomware is cybercrime; an arrest alone is not.
        topics = tallies[0]
        # Its own words told from its angle are evidence too: a cybercriminal's database seized.
        for slug in framed:
            if topics.get(slug, 0.0) > 0 or any(
                topics.get(other, 0.0) >= self.topics[other].min_score
                for other in compiled.framed_topics.get(slug, ())
                if other in self.topics
            ):
                points = sum(FRAME_WEIGHT * TITLE_WEIGHT for h in in_title if frames.get(h) == slug)
                points += sum(
                    FRAME_WEIGHT * min(n, BODY_CAP)
                    for h, n in in_text.items()
                    if frames.get(h) == slug
                )
                topics[slug] = topics.get(slug, 0.0) + points
        return _Tally(*tallies, framed, acting, fallback, bodies, offices)

    def _fallback(
        self, in_title: dict[int, int], in_text: dict[int, int]
    ) -> tuple[dict[int, int], dict[int, int], dict[str, float]]:
        """The headline's and the text's hits without the places' fallback words, and those
        words' evidence per place (scored like other terms: a headline's weigh more)."""
        compiled = self._compiled
        held, hits = compiled.fallback_hits, compiled.matcher.hits
        scores: dict[str, float] = {}
        for found, points in ((in_title, TITLE_WEIGHT), (in_text, 1.0)):
            for h in held.intersection(found):
                slug = hits[h][1]
                scores[slug] = scores.get(slug, 0.0) + points * min(found[h], BODY_CAP)
        title = {h: n for h, n in in_title.items() if h not in held}
        text = {h: n for h, n in in_text.items() if h not in held}
        return title, text, scores

    def _without_tools(
        self, sentences: _Sentences, in_title: dict[int, int], in_text: dict[int, int]
    ) -> tuple[dict[int, int], dict[int, int]]:
        """The headline's and the text's hits without a topic's ordinary words where they are
        the tool of another topic's act: in a headline, or a sentence, that holds its evidence."""
        compiled = self._compiled
        if compiled.tool_hits.isdisjoint(in_title) and compiled.tool_hits.isdisjoint(in_text):
            return in_title, in_text  # (no topic's words that may be a tool)
        for weak, acts in compiled.tools.values():
            if not weak.isdisjoint(in_title) and self._acts(in_title, acts):
                in_title = {h: n for h, n in in_title.items() if h not in weak}
            if not weak.isdisjoint(in_text) and self._acts(in_text, acts):
                in_text = self._outside_acts(sentences, in_text, weak, acts)
        return in_title, in_text

    def _unanswered(
        self, title: frozenset[bytes], in_title: dict[int, int], in_text: dict[int, int]
    ) -> tuple[dict[int, int], dict[int, int]]:
        """The headline's and the text's hits without the `answered` hits of a headline that
        tells an authority's answer to them (`title`: the headline's words the matcher reads):
        the item is about the answer, and its text's mentions of the act are its background."""
        compiled = self._compiled
        if compiled.answered_hits.isdisjoint(in_title) or compiled.answer_words.isdisjoint(title):
            return in_title, in_text  # (most items: no breach in the headline, or no answer)
        for weak, answer in compiled.answers:
            if not weak.isdisjoint(in_title) and not answer.isdisjoint(title):
                in_title = {h: n for h, n in in_title.items() if h not in weak}
                in_text = {h: n for h, n in in_text.items() if h not in weak}
        return in_title, in_text

    def _acts(self, found: dict[int, int], acts: frozenset[int]) -> bool:
        """Whether `found` holds evidence of an act that its excludes do not cancel."""
        if acts.isdisjoint(found):
            return False
        compiled = self._compiled
        against = compiled.act_excludes.intersection(found)
        if not against:
            return True
        weights = compiled.weights
        net = sum(weights[h] * found[h] for h in acts.intersection(found))
        return net + sum(weights[h] * found[h] for h in against) > 0

    def _outside_acts(
        self,
        sentences: _Sentences,
        found: dict[int, int],
        weak: frozenset[int],
        acts: frozenset[int],
    ) -> dict[int, int]:
        """`found` with the `weak` hits counted only in sentences without `acts` hits."""
        outside: dict[int, int] = {}
        compiled = self._compiled
        for words in sentences.split:
            if compiled.tool_words.isdisjoint(words.words):
                continue
            hits = compiled.tool_matcher.evidence(words)
            if not self._acts(hits, acts):
                for h in weak.intersection(hits):
                    outside[h] = outside.get(h, 0) + hits[h]
        kept = {h: n for h, n in found.items() if h not in weak}
        for h in weak.intersection(found):
            if outside.get(h):
                kept[h] = min(found[h], outside[h])
        return kept

    def _members(self, title: Words, text: Words, candidates: set[str]) -> set[str]:
        """Those of `candidates` named only among a group's members: by their names alone, in
        sentences that list LISTED_PLACES places or more, and not in the headline. Where the
        group acts (the item is international), its members are not each the place acting."""
        compiled = self._compiled
        hits, names = compiled.matcher.hits, compiled.place_name_hits
        listed = set(candidates)
        for h in compiled.matcher.evidence(title):
            if hits[h][0] == "jurisdiction" and hits[h][2] > 0:
                listed.discard(hits[h][1])
        for sentence in split_sentences(text.text):
            found = [
                h
                for h in compiled.matcher.evidence(split_words(sentence))
                if hits[h][0] == "jurisdiction" and hits[h][2] > 0 and hits[h][1] != ELSEWHERE
            ]
            named = {hits[h][1] for h in found}
            if len(named - {INTL}) < LISTED_PLACES:
                listed -= named
            else:
                # a body named in the list acts itself ("Europol, with police in ...")
                listed -= {hits[h][1] for h in found if h in compiled.authority_hits - names}
        return listed

    def _firms_homes(
        self, title: Words, text: Words, candidates: set[str], scores: dict[str, float]
    ) -> set[str]:
        """Those of `candidates` named only as a firm's home ("Chinese fast-fashion giant Shein",
        "a Dutch company"): where another place's body acts, a firm's nationality is not the
        place acting."""
        compiled = self._compiled
        forms, pattern, homes = compiled.place_forms, compiled.acronym_home, compiled.acronym_homes
        named: dict[str, float] = {}
        for split, points in ((title, TITLE_WEIGHT), (text, 1.0)):
            words = split.words
            for i, word in enumerate(words):
                slugs = forms.get(word)
                if slugs and not _FIRM_NOUNS.isdisjoint(words[i + 1 : i + 1 + _FIRM_REACH]):
                    for slug in slugs & candidates:
                        named[slug] = named.get(slug, 0.0) + points
            for m in pattern.finditer(split.text) if pattern is not None else ():
                slug = homes[m.group(1)]
                if slug in candidates:
                    named[slug] = named.get(slug, 0.0) + points
        return {slug for slug, points in named.items() if points >= scores.get(slug, 0.0)}

    def _located_only(
        self, title: Words, text: Words, places: set[str], scores: dict[str, float]
    ) -> bool:
        """Whether `places` (the one place an item names) is named only as where a thing is
        ("a Netherlands-hosted server", "a Texas-based firm"): a location, no place acting."""
        forms = self._compiled.place_forms
        named = 0.0
        for split, points in ((title, TITLE_WEIGHT), (text, 1.0)):
            if "-" not in split.text:
                continue
            for m in _LOCATED.finditer(split.text):
                slugs = forms.get(m.group(1).lower().encode())
                if slugs and not slugs.isdisjoint(places):
                    named += points
        return named > 0 and all(named >= scores.get(slug, 0.0) for slug in places)

    def _in_policy_sentences(
        self, text: Words, sentences: _Sentences, found: dict[int, int], present: frozenset[bytes]
    ) -> dict[int, int]:
        """`found` (a text's hits) with its context terms counted only in the sentences that
        name an authority, a legal action or a jurisdiction's body or law: "competition" next to
        "probe", not in a sentence about a hacking contest of an item that mentions the police
        further on."""
        compiled = self._compiled
        contextual, authorities = compiled.context_hits, compiled.authority_hits
        if authorities.isdisjoint(found) and not self.relevance.in_context(_NO_WORDS, text):
            # no sentence of it gives a policy context
            return {h: n for h, n in found.items() if h not in contextual}
        if len(sentences.texts) < 2:
            return found  # the one sentence gives it
        # the sentences that may hold a context term (one of their words leads to one) and give
        # a policy context; their terms found in one pass over them
        in_policy = []
        holders = 0
        for words in sentences.holding(compiled.context_words, present):
            holders += 1
            if self._policy_sentence(words):
                in_policy.append(words.text)
        if len(in_policy) == holders:
            return found  # every sentence that may hold one gives a policy context
        kept = {h: n for h, n in found.items() if h not in contextual}
        if in_policy:
            # (the context terms alone: their counts are all that is read)
            kept.update(compiled.context_matcher.evidence(split_words("\n".join(in_policy))))
        return kept

    @cached_property
    def _cue_words(self) -> frozenset[bytes]:
        """The words that can start an authority or a legal action (the relevance rules' context
        cue groups): a sentence with none of them is not asked."""
        rules = self.relevance
        groups = [g for g in rules.groups if g.name in rules.context]
        return frozenset().union(*(g.words | g.starts for g in groups))

    def _policy_sentence(self, words: Words) -> bool:
        """Whether a sentence names an authority, a legal action or a jurisdiction's body."""
        if not self._cue_words.isdisjoint(words.words) and self.relevance.in_context(
            _NO_WORDS, words
        ):
            return True
        compiled = self._compiled
        return not compiled.authority_words.isdisjoint(words.words) and not (
            compiled.authority_hits.isdisjoint(compiled.authority_matcher.evidence(words))
        )

    def classify(
        self,
        title: str,
        text: str,
        default_jurisdiction: str | None = None,
        *,
        official: bool = False,
    ) -> Tags:
        """Topics and jurisdictions with enough evidence. The source's default jurisdiction is
        added when the text names no other, or mentions it too (beyond a passing mention); an
        official source's always (its own items are its authority's acts)."""
        return self.classify_words(
            split_words(title), split_words(text), default_jurisdiction, official=official
        )

    def classify_words(
        self,
        title: Words,
        text: Words,
        default_jurisdiction: str | None = None,
        *,
        official: bool = False,
    ) -> Tags:
        """`classify` for a title and a text already split (digest.text.words)."""
        title, text = _without_furniture(title, text)
        tally = self._tally(title, text)
        topic_scores, place_scores, framed, acting, fallback, bodies, _ = tally
        # (a place outside the taxonomy is never a tag, nor the strongest place named)
        named_elsewhere = self._elsewhere and place_scores.pop(ELSEWHERE, 0.0) >= ELSEWHERE_MIN
        topics = _select(topic_scores, self.topics, TOPIC_FLOOR)
        if framed:
            # "hacker pleads guilty" is told as cybercrime, not as a security incident
            yielding = self._compiled.yielding
            topics = [
                slug
                for slug in topics
                if not any(o in framed and o in topics for o in yielding.get(slug, ()))
            ]
        places = set(_select(place_scores, self.jurisdictions, PLACE_FLOOR))
        if len(places) > 1:
            # a place named only by its name may be a firm's home ("U.S. tech companies"), where
            # another place acts or is told of
            homes = self._firms_homes(title, text, places - tally.offices, place_scores)
            if places - homes:
                places -= homes
        if INTL in places:
            if len(places) > 1 and _named_places(place_scores) > LISTED_PLACES:
                places -= self._members(title, text, places - {INTL})
            # a body named in an international act takes part in it, however briefly named
            # ("co-ordinated by Europol"): its place is not a passing mention
            places |= bodies & self.jurisdictions.keys()
        if not places:
            places = set(_sole_place(place_scores, self.jurisdictions))
            if places and self._located_only(title, text, places, place_scores):
                places = set()
        if default_jurisdiction in self.jurisdictions:
            own = place_scores.get(default_jurisdiction, 0.0)
            top = max(place_scores.values(), default=0.0)
            if (
                official
                or (not places and not named_elsewhere)
                or (own > 0 and own >= PLACE_FLOOR * top)
            ):
                places.add(default_jurisdiction)
        if not places and fallback and not named_elsewhere:
            bar = max(FALLBACK_MIN, PLACE_FLOOR * max(fallback.values()))
            places = {s for s, n in fallback.items() if n >= bar and s in self.jurisdictions}
        return Tags(frozenset(topics), frozenset(places))


# A photo caption says where and when a picture was taken ("TikTok logo is pictured on the U.S.
# headquarters ... in Culver City, California, U.S. January 18, 2025."): a venue, no evidence of
# the place acting or of the topic. It speaks of a picture and ends with the picture's date.
_PICTURE_WORDS = (
    "pictured", " seen ", " shows ", "illustration", "arranged", " photo ", "reuters/",
    "getty images",
)  # fmt: skip
_DATED = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}\W*$"
)


def _caption(sentence: str) -> bool:
    """Whether a sentence is a photo caption: it speaks of a picture and ends with a date."""
    if not _DATED.search(sentence[-30:]):
        return False
    lowered = f" {sentence.lower()} "
    return any(word in lowered for word in _PICTURE_WORDS)


# Page furniture a feed's summary may carry after the item's own words: a list of related
# headlines ("Our readers read next") or of the outlets that covered it ("More: CNBC, Decrypt,
# The Crypto Times ..."). Their names and topics are other items', no evidence of this one's.
_RELATED = re.compile(r"Our readers read next|(?<![\w-])More:(?=\s)")
# A headline's trailing outlet name ("... porn websites - UPI.com") names the outlet (and UPI
# is also India's payments interface), no place or topic.
_OUTLET_SUFFIX = re.compile(r"\s[-\u2013|]\s*[\w.' -]{1,40}\.(?:com|org|net|co\.uk)\s*$")


_OUTLET_ENDS = (b".com", b".org", b".net", b".co.uk")


def _without_furniture(title: Words, text: Words) -> tuple[Words, Words]:
    """`title` and `text` without the outlet's own names and a summary's related links (the
    same `Words` when they have none)."""
    # (each check is one search of the bytes: most items have none of them)
    if title.encoded.rstrip().endswith(_OUTLET_ENDS):
        kept = _OUTLET_SUFFIX.sub("", title.text)
        if kept != title.text and kept.strip():
            title = split_words(kept)
    body = text.text
    if b"More" in text.encoded:  # "More:", and "Our readers read next" before "More from"
        cut = _RELATED.search(body)
        if cut:
            body = body[: cut.start()]
    return title, (text if body is text.text else split_words(body))


def _without_captions(text: Words) -> _Sentences:
    """`text` without its photo captions (the same `text` when it has none), to be read by
    sentence."""
    # a caption's date: ", 2025." (the bytes are searched before any sentence is split)
    encoded = text.encoded
    if b", 20" not in encoded and b", 19" not in encoded:
        return _Sentences(text)
    sentences = split_sentences(text.text)
    kept = [s for s in sentences if not _caption(s)]
    if len(kept) == len(sentences):
        return _Sentences(text, sentences)  # (split once)
    return _Sentences(split_words("\n".join(kept)))


class _Sentences:
    """A text's sentences, each split into words on first use: the policy-context, tool and
    `together` checks of one classification all read them."""

    def __init__(self, text: Words, texts: list[str] | None = None) -> None:
        self.text = text
        self._texts = texts  # the sentences, when the caller has split them already

    @cached_property
    def texts(self) -> list[str]:
        """The sentences, in order, as written."""
        return self._texts if self._texts is not None else split_sentences(self.text.text)

    @cached_property
    def split(self) -> list[Words]:
        """The sentences, in order."""
        return [split_words(s) for s in self.texts]

    def holding(self, words: frozenset[bytes], present: frozenset[bytes]) -> list[Words]:
        """The sentences, in order, that have one of `words` (lowercased) among theirs
        (`present`: the text's words, or those of them that `words` may hold)."""
        if "split" in self.__dict__:  # already split for another check
            return [s for s in self.split if not words.isdisjoint(s.words)]
        # A sentence's words are the text's: only those the text has are searched for, as
        # b" word " in each sentence's folded bytes (where every separator is a space), and only
        # the sentences that have one are split.
        needles = [b" " + w + b" " for w in words.intersection(present)]
        texts = self.texts
        if not needles:
            return []
        if _MARK in self.text.text:  # (no feed text has one)
            return [split_words(s) for s in texts if any(n in fold(s) for n in needles)]
        # All the sentences folded in one pass, a marker between each two (fold is the same
        # character by character): a needle found is in the sentence of as many markers before it.
        folded = fold(f" {_MARK} ".join(texts))
        mark = _MARK.encode()
        held = set()
        for needle in needles:
            at = folded.find(needle)
            while at >= 0:
                held.add(folded.count(mark, 0, at))
                end = folded.find(mark, at)  # (found in this sentence: on to the next)
                at = folded.find(needle, end) if end >= 0 else -1
        return [split_words(texts[i]) for i in sorted(held)]


# A character no feed text holds, kept as it is by fold: it marks where a sentence ends.
_MARK = "\x00"


def _lead_bytes(text: Words) -> int:
    """How many bytes of `text.encoded` its lead takes (0: the text is all lead): up to the first
    sentence end past LEAD_CHARS characters, the leading space included."""
    if len(text.text) <= LEAD_CHARS:
        return 0
    end = min(
        (i for mark in (". ", "\n") if (i := text.text.find(mark, LEAD_CHARS)) >= 0),
        default=-1,
    )
    if end < 0:
        return 0
    # (text.encoded is " text " as utf8 gives it, one character at a time)
    return end + 2 if text.text.isascii() else 1 + len(utf8(text.text[: end + 1]))


def _lead_weighted(found: dict[int, int], in_lead: dict[int, int]) -> dict[int, float]:
    """`found` (a long text's hits) with the mentions past the text's lead (whose hits are
    `in_lead`) counted at LATER_WEIGHT."""
    weighted: dict[int, float] = {}
    for hit, n in found.items():
        first = min(in_lead.get(hit, 0), n)
        weighted[hit] = first + LATER_WEIGHT * (n - first)
    return weighted


_Pair = tuple[int, str, float, frozenset[bytes], frozenset[bytes]]


def _add_pairs(
    tallies: tuple[dict[str, float], dict[str, float]],
    pairs: list[_Pair],
    paired: frozenset[bytes],
    hits: Sequence[_Hit],
    title: tuple[frozenset[bytes], Mapping[int, int]],
    text: tuple[frozenset[bytes], Mapping[int, int]],
    sentences: _Sentences,
) -> None:
    """Add the `together` pairs found: in the headline, or in one sentence of the text (`title`
    and `text`: the words of each the matcher reads, as `_Matcher.present` gives them, and the
    hits found in each). Where the slug's own terms are found there already, they tell the same
    act ("data theft"): the pair adds only while the slug is short of its `min_score` (a
    passing "antitrust" beside "the review of the deal")."""
    # only the words that take part in some pair: the checks below then meet small sets
    in_title, in_text = paired.intersection(title[0]), paired.intersection(text[0])
    if not in_title and not in_text:
        return
    title_slugs = {hits[h][1] for h in title[1]}
    text_slugs = {hits[h][1] for h in text[1]}
    in_sentences: list[frozenset[bytes]] | None = None
    for side, slug, bar, first, second in pairs:
        tally = tallies[side]
        short = tally.get(slug, 0.0) < bar
        points = 0.0
        if (
            (short or slug not in title_slugs)
            and not first.isdisjoint(in_title)
            and not second.isdisjoint(in_title)
        ):
            points += TOGETHER_WEIGHT * TITLE_WEIGHT
        if (
            (short or slug not in text_slugs)
            and not first.isdisjoint(in_text)
            and not second.isdisjoint(in_text)
        ):
            if in_sentences is None:
                in_sentences = [paired.intersection(words.words) for words in sentences.split]
            if any(not first.isdisjoint(w) and not second.isdisjoint(w) for w in in_sentences):
                points += TOGETHER_WEIGHT
        if points:
            tally[slug] = tally.get(slug, 0.0) + points


def _named_places(scores: dict[str, float]) -> int:
    """How many places an item names at all (its positive place scores)."""
    return sum(1 for score in scores.values() if score > 0)


def _sole_place(scores: dict[str, float], cats: dict[str, Category]) -> list[str]:
    """The one place named, when it is named once and no other place is named at all."""
    named = [slug for slug, score in scores.items() if score >= SOLE_PLACE and slug in cats]
    return named if len(named) == 1 and len([s for s in scores.values() if s > 0]) == 1 else []


def _select(scores: dict[str, float], cats: dict[str, Category], floor: float) -> list[str]:
    if not scores:
        return []
    bar = floor * max(scores.values())
    return [
        slug
        for slug, score in scores.items()
        if score >= bar and slug in cats and score >= cats[slug].min_score
    ]


def _category(kind: str, slug: Any, spec: Any, source: str) -> Category:
    where = f"{source}: [{_TABLES[kind]}.{slug}]"
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise TaxonomyError(
            f"{where}: slug must be lowercase letters, digits and hyphens (like 'child-safety')"
        )
    if not isinstance(spec, dict):
        raise TaxonomyError(f"{where}: must be a table with label, keywords, phrases...")
    unknown = set(spec) - {*_LIST_FIELDS, *_PAIR_FIELDS, "label", "min_score", "extend"}
    if unknown:
        raise TaxonomyError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    label = spec.get("label", slug)
    if not isinstance(label, str) or not label.strip():
        raise TaxonomyError(f"{where}: label must be a non-empty string")
    min_score = spec.get("min_score", 2.0)
    if isinstance(min_score, bool) or not isinstance(min_score, int | float) or min_score <= 0:
        raise TaxonomyError(f"{where}: min_score must be a positive number")
    lists = {name: _str_list(spec.get(name, []), f"{where}.{name}") for name in _LIST_FIELDS}
    together = _pairs(spec.get("together", []), f"{where}.together")
    answered = _pairs(spec.get("answered", []), f"{where}.answered")
    return Category(
        slug=slug,
        label=label.strip(),
        kind=kind,
        min_score=float(min_score),
        together=together,
        answered=answered,
        **lists,
    )


def _pairs(value: Any, where: str) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """`together`, `answered`: a list of pairs of word lists ([["stole"], ["data", "records"]])."""
    if not isinstance(value, list):
        raise TaxonomyError(f"{where}: must be a list of pairs of word lists")
    pairs = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise TaxonomyError(f"{where}: each entry must be two word lists, got {pair!r:.60}")
        first, second = (_str_list(words, where) for words in pair)
        if not first or not second or any(" " in w for w in (*first, *second)):
            raise TaxonomyError(f"{where}: each word list must hold single words")
        pairs.append((frozenset(first), frozenset(second)))
    return tuple(pairs)


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already says "(at line N, column M)".
        raise TaxonomyError(f"{source}: invalid TOML: {exc}") from None


def _gazetteer() -> list[Category]:
    """The bodies, places and firms of digest/data/gazetteer.toml, as categories per slug."""
    source = "digest/data/gazetteer.toml"
    text = resources.files("digest").joinpath("data", "gazetteer.toml").read_text("utf-8")
    data = _parse_toml(text, source)
    cats = []
    for kind in KINDS:
        table = data.get(_TABLES[kind], {})
        if not isinstance(table, dict):
            raise TaxonomyError(f"{source}: [{_TABLES[kind]}] must be a table of categories")
        cats += [_category(kind, slug, spec, source) for slug, spec in table.items()]
    return cats


def _merge(shipped: dict[str, Any], override: dict[str, Any], source: str) -> dict[str, Any]:
    replace_all = override.get("replace", False)
    if not isinstance(replace_all, bool):
        raise TaxonomyError(f"{source}: [taxonomy] replace must be true or false")
    merged: dict[str, Any] = {}
    for kind in KINDS:
        name = _TABLES[kind]
        base = {} if replace_all else dict(shipped.get(name, {}))
        extra = override.get(name, {})
        if not isinstance(extra, dict):
            raise TaxonomyError(f"{source}: [{name}] must be a table of categories")
        for slug, spec in extra.items():
            if isinstance(spec, dict) and spec.get("extend") and slug in base:
                combined = dict(base[slug])
                for key, value in spec.items():
                    if (key in _LIST_FIELDS or key in _PAIR_FIELDS) and isinstance(value, list):
                        combined[key] = [*combined.get(key, []), *value]
                    elif key != "extend":
                        combined[key] = value
                base[slug] = combined
            else:
                base[slug] = spec
        merged[name] = base
    # [relevance]: the override's values replace the shipped ones, a cue group or type at a time
    relevance = {} if replace_all else dict(shipped.get("relevance", {}))
    extra = override.get("relevance", {})
    if not isinstance(extra, dict):
        raise TaxonomyError(f"{source}: [relevance] must be a table")
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(relevance.get(key), dict):
            relevance[key] = {**relevance[key], **value}
        else:
            relevance[key] = value
    merged["relevance"] = relevance
    return merged


def _with_line(message: str, text: str) -> str:
    """Add the line of the table a message names ("[topics.x]"), when it can be found."""
    m = re.search(r"\[(topics|jurisdictions)\.([^\]\s.]+)\]", message)
    if not m:
        return message
    kind, slug = m.groups()
    pattern = re.compile(
        rf"^[ \t]*\[[ \t]*(taxonomy\.)?{kind}\.\"?{re.escape(slug)}\"?[ \t]*\]", re.MULTILINE
    )
    hit = pattern.search(text)
    if not hit:
        return message
    line = text.count("\n", 0, hit.start()) + 1
    source, _, rest = message.partition(": ")
    return f"{source}:{line}: {rest}"
