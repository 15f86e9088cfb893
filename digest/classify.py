"""Topics and jurisdictions from taxonomy.toml: word, phrase and acronym evidence, scored.

Matching works on tokens rather than one regex per term, so its cost does not grow with the size
of the taxonomy: the text is tokenised once, and set intersections (done in C) find the terms.
Words and phrases match case-insensitively, with plural, possessive and hyphen variants;
acronyms (AI, EU, US, DSA...) match case-sensitively as whole words, so "us" is not the US.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Category", "Tags", "Taxonomy", "TaxonomyError", "Scores"]

KINDS = ("topic", "jurisdiction")
_TABLES = {"topic": "topics", "jurisdiction": "jurisdictions"}
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
# Tokenising: UTF-8 bytes through bytes.translate + split is several times faster than a regex or
# str.translate (whose fast path ends at the first non-ASCII character). Common Unicode
# punctuation is replaced first; rarer symbols stay inside tokens, which only costs recall.
_ASCII_SEPARATORS = (
    bytes(range(33, 48)) + bytes(range(58, 65)) + bytes(range(91, 97)) + bytes(range(123, 127))
)
_SEPARATORS = bytes.maketrans(_ASCII_SEPARATORS, b" " * len(_ASCII_SEPARATORS))
_UNICODE_SEPARATORS = (
    "\u2019", "\u2018", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026", "\u00a0", "\u00ab",
    "\u00bb", "\u2022", "\u00b7", "\u2010", "\u2011", "\u2212", "\u201e", "\u3001", "\u3002",
)  # fmt: skip
_LIST_FIELDS = ("aliases", "keywords", "phrases", "acronyms", "title_only", "exclude")

# Scoring: a title hit outweighs body mentions; repeated body mentions count up to a cap.
TITLE_WEIGHT = 3.0
BODY_CAP = 3
# `exclude` terms cancel what their look-alike words score ("North Korea" is no evidence for kr).
WEIGHTS = {"keywords": 1.0, "phrases": 2.0, "acronyms": 1.0, "title_only": 1.0}
# A category whose score is far below the item's strongest one (of the same kind) is a passing
# mention. Places are named in passing more often than topics, hence the higher floor.
TOPIC_FLOOR = 0.2
PLACE_FLOOR = 0.3


class TaxonomyError(ValueError):
    """The taxonomy file is unusable; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Tags:
    topics: frozenset[str]
    jurisdictions: frozenset[str]


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
    exclude: tuple[str, ...] = ()
    min_score: float = 2.0


@dataclass(frozen=True)
class Scores:
    """Evidence per category slug (for tuning and explanations)."""

    topics: dict[str, float] = field(default_factory=dict)
    jurisdictions: dict[str, float] = field(default_factory=dict)


def _alias_key(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.casefold())


def _plurals(word: bytes) -> set[bytes]:
    forms = {word}
    if not word or not word[-1:].isalpha():
        return forms
    if word.endswith((b"s", b"x", b"z", b"ch", b"sh")):
        forms.add(word + b"es")
    elif word.endswith(b"y") and len(word) > 2 and word[-2:-1] not in b"aeiou":
        forms.add(word[:-1] + b"ies")
        forms.add(word + b"s")
    else:
        forms.add(word + b"s")
    return forms


# One compiled entry: which category, how much it weighs, and whether it only counts in titles.
# The term itself is part of the key so that body mentions are capped per term, not per category.
_Hit = tuple[str, str, float, bool, str]  # (kind, slug, weight, title_only, term)


@dataclass
class _Index:
    words: dict[bytes, list[_Hit]] = field(default_factory=lambda: defaultdict(list))
    # first two words (b"data breach") -> [(b" the words of the phrase ", hit)], counted in the
    # space-joined tokens
    phrases: dict[bytes, list[tuple[bytes, _Hit]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    acronyms: dict[bytes, list[_Hit]] = field(default_factory=lambda: defaultdict(list))
    acronym_phrases: dict[bytes, list[tuple[bytes, _Hit]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    acronym_firsts: set[bytes] = field(default_factory=set)
    # first word -> second words of the phrases above, to find candidate phrases from the set
    # of words present (cheaper than forming every bigram of the text)
    phrase_heads: dict[bytes, set[bytes]] = field(default_factory=lambda: defaultdict(set))
    acronym_heads: dict[bytes, set[bytes]] = field(default_factory=lambda: defaultdict(set))
    # lowercased acronym -> its forms: an acronym can only occur where its lowercase form is
    # among the (lowercased) words, so presence is checked there before counting
    acronym_folds: dict[bytes, set[bytes]] = field(default_factory=lambda: defaultdict(set))
    acronym_first_folds: set[bytes] = field(default_factory=set)

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
            self.phrases[seq[0] + b" " + seq[1]].append((b" " + b" ".join(seq) + b" ", hit))
            self.phrase_heads[seq[0]].add(seq[1])
        if len(tokens) == 2:
            # "cyber security" also matches "cybersecurity"; "child-safety" also "childsafety".
            for form in _plurals(tokens[0] + tokens[1]):
                self._add_word(form, hit)

    def _add_word(self, form: bytes, hit: _Hit) -> None:
        if hit not in self.words[form]:
            self.words[form].append(hit)

    def add_acronym(self, term: str, hit: _Hit) -> None:
        tokens = _tokens(term)
        if not tokens:
            return
        if len(tokens) == 1:
            forms = {tokens[0]}
            if tokens[0][-1:].isupper() or tokens[0][-1:].isdigit():
                forms.add(tokens[0] + b"s")  # NGOs, VPNs
            for form in forms:
                if hit not in self.acronyms[form]:
                    self.acronyms[form].append(hit)
                self.acronym_folds[form.lower()].add(form)
            return
        key = tokens[0] + b" " + tokens[1]
        self.acronym_firsts.add(tokens[0])
        self.acronym_first_folds.add(tokens[0].lower())
        self.acronym_heads[tokens[0]].add(tokens[1])
        self.acronym_phrases[key].append((b" " + b" ".join(tokens) + b" ", hit))


def _separated(text: str) -> bytes:
    """`text` as UTF-8 bytes with every separator turned into a space."""
    if not text.isascii():
        for sep in _UNICODE_SEPARATORS:
            if sep in text:
                text = text.replace(sep, " ")
    return text.encode("utf-8", "replace").translate(_SEPARATORS)


def _tokens(text: str) -> list[bytes]:
    """Words of `text` as UTF-8 bytes: split on punctuation and spaces; possessive "s" dropped."""
    tokens = _separated(text).split()
    if b"s" in tokens:
        tokens = [t for t in tokens if t != b"s"]
    return tokens


def _tokens_and_folded(text: str) -> tuple[list[bytes], list[bytes]]:
    """`_tokens(text)` and the same tokens lowercased (ASCII only: enough for the taxonomy's
    terms, and much faster)."""
    raw = _separated(text)
    tokens = raw.split()
    if b"s" not in tokens:
        return tokens, raw.lower().split()
    tokens = [t for t in tokens if t != b"s"]  # "S" stays a token: fold after filtering
    return tokens, (b"\n".join(tokens).lower().split(b"\n") if tokens else [])


def _add_phrases(
    found: dict[_Hit, int],
    tokens: list[bytes],
    present: AbstractSet[bytes],
    table: dict[bytes, list[tuple[bytes, _Hit]]],
    heads: dict[bytes, set[bytes]],
) -> None:
    # Only phrases whose first two words both occur (`present` is the set of `tokens`) are
    # counted, each with one bytes.count over the joined text; a phrase whose words are not
    # adjacent counts 0 there.
    keys = [
        first + b" " + second
        for first in heads.keys() & present
        for second in heads[first]
        if second in present
    ]
    if not keys:
        return
    joined = b" " + b" ".join(tokens) + b" "
    for key in keys:
        for needle, hit in table[key]:
            n = joined.count(needle)
            if n:
                found[hit] = found.get(hit, 0) + n


def _evidence(index: _Index, text: str) -> dict[_Hit, int]:
    """How often each compiled term occurs in `text` (occurrence counts per hit)."""
    found: dict[_Hit, int] = {}
    if not text:
        return found
    orig_tokens, low_tokens = _tokens_and_folded(text)
    words = Counter(low_tokens)
    present = words.keys()
    get = found.get
    for w in present & index.words.keys():
        n = words[w]
        for hit in index.words[w]:
            found[hit] = get(hit, 0) + n
    _add_phrases(found, low_tokens, present, index.phrases, index.phrase_heads)
    for fold in present & index.acronym_folds.keys():
        for a in index.acronym_folds[fold]:
            n = orig_tokens.count(a)  # case-sensitive; 0 when only other casings occur
            if n:
                for hit in index.acronyms[a]:
                    found[hit] = get(hit, 0) + n
    if not present.isdisjoint(index.acronym_first_folds):
        exact = set(orig_tokens)
        if not exact.isdisjoint(index.acronym_firsts):
            _add_phrases(found, orig_tokens, exact, index.acronym_phrases, index.acronym_heads)
    return found


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{where}: must be a list of strings, got {value!r:.60}")
    return tuple(v.strip() for v in value if v.strip())


class Taxonomy:
    """The categories, and a classifier compiled from their terms."""

    topics: dict[str, Category]
    jurisdictions: dict[str, Category]

    def __init__(self, topics: dict[str, Category], jurisdictions: dict[str, Category]) -> None:
        self.topics = dict(topics)
        self.jurisdictions = dict(jurisdictions)
        self._index = _Index()
        self._aliases: dict[str, Category] = {}
        for cat in [*self.topics.values(), *self.jurisdictions.values()]:
            self._compile(cat)
        for cat in [*self.topics.values(), *self.jurisdictions.values()]:
            self._compile_excludes(cat)
        # Register slugs and labels after aliases so that a slug always wins over an alias.
        for cat in [*self.topics.values(), *self.jurisdictions.values()]:
            self._aliases.setdefault(_alias_key(cat.label), cat)
        for cat in [*self.topics.values(), *self.jurisdictions.values()]:
            self._aliases[_alias_key(cat.slug)] = cat

    def _compile(self, cat: Category) -> None:
        for alias in cat.aliases:
            self._aliases.setdefault(_alias_key(alias), cat)
        for field_name in ("keywords", "phrases", "title_only"):
            weight = WEIGHTS[field_name]
            title_only = field_name == "title_only"
            for term in getattr(cat, field_name):
                hit = (cat.kind, cat.slug, weight, title_only, term)
                self._index.add_text_term(term, hit)
        for term in cat.acronyms:
            self._index.add_acronym(term, (cat.kind, cat.slug, WEIGHTS["acronyms"], False, term))

    def _compile_excludes(self, cat: Category) -> None:
        # An exclude cancels exactly what its words would have scored for this category:
        # "Kids Online Safety Act" cancels uk's phrase "Online Safety Act" (2), "North Korea"
        # cancels kr's keyword "korea" (1).
        for term in cat.exclude:
            own = sum(
                weight * n
                for (kind, slug, weight, _, _), n in _evidence(self._index, term).items()
                if kind == cat.kind and slug == cat.slug and weight > 0
            )
            if own:
                self._index.add_text_term(term, (cat.kind, cat.slug, -own, False, term))

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "taxonomy") -> Taxonomy:
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
        return cls(tables["topic"], tables["jurisdiction"])

    @classmethod
    def load(cls, path: Path | str | None = None) -> Taxonomy:
        """The shipped taxonomy, overridden by `path` (a taxonomy file or a config with [taxonomy]).

        In the override, a category with a shipped slug replaces it (or, with `extend = true`,
        adds its terms to it); new slugs are added; `replace = true` at the top drops the shipped
        categories altogether.
        """
        shipped_text = resources.files("digest").joinpath("taxonomy.toml").read_text("utf-8")
        shipped = _parse_toml(shipped_text, "digest/taxonomy.toml")
        if path is None:
            return cls.from_dict(shipped, source="digest/taxonomy.toml")
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
            return cls.from_dict(shipped, source="digest/taxonomy.toml")
        merged = _merge(shipped, override, str(path))
        try:
            return cls.from_dict(merged, source=str(path))
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
        topics: dict[str, float] = defaultdict(float)
        places: dict[str, float] = defaultdict(float)
        for (kind, slug, weight, _, _), n in _evidence(self._index, title).items():
            (topics if kind == "topic" else places)[slug] += weight * TITLE_WEIGHT * min(n, 1)
        for (kind, slug, weight, title_only, _), n in _evidence(self._index, text).items():
            if not title_only:
                (topics if kind == "topic" else places)[slug] += weight * min(n, BODY_CAP)
        return Scores(dict(topics), dict(places))

    def classify(self, title: str, text: str, default_jurisdiction: str | None = None) -> Tags:
        """Topics and jurisdictions with enough evidence. The source's default jurisdiction is
        added when the text names no other, or mentions it too (beyond a passing mention)."""
        s = self.scores(title, text)
        topics = _select(s.topics, self.topics, TOPIC_FLOOR)
        places = set(_select(s.jurisdictions, self.jurisdictions, PLACE_FLOOR))
        if default_jurisdiction in self.jurisdictions:
            own = s.jurisdictions.get(default_jurisdiction, 0.0)
            top = max(s.jurisdictions.values(), default=0.0)
            if not places or (own > 0 and own >= PLACE_FLOOR * top):
                places.add(default_jurisdiction)
        return Tags(frozenset(topics), frozenset(places))


def _select(scores: dict[str, float], cats: dict[str, Category], floor: float) -> list[str]:
    if not scores:
        return []
    top = max(scores.values())
    return [
        slug
        for slug, score in scores.items()
        if slug in cats and score >= cats[slug].min_score and score >= floor * top
    ]


def _category(kind: str, slug: Any, spec: Any, source: str) -> Category:
    where = f"{source}: [{_TABLES[kind]}.{slug}]"
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise TaxonomyError(
            f"{where}: slug must be lowercase letters, digits and hyphens (like 'child-safety')"
        )
    if not isinstance(spec, dict):
        raise TaxonomyError(f"{where}: must be a table with label, keywords, phrases...")
    unknown = set(spec) - {*_LIST_FIELDS, "label", "min_score", "extend"}
    if unknown:
        raise TaxonomyError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    label = spec.get("label", slug)
    if not isinstance(label, str) or not label.strip():
        raise TaxonomyError(f"{where}: label must be a non-empty string")
    min_score = spec.get("min_score", 2.0)
    if isinstance(min_score, bool) or not isinstance(min_score, int | float) or min_score <= 0:
        raise TaxonomyError(f"{where}: min_score must be a positive number")
    lists = {name: _str_list(spec.get(name, []), f"{where}.{name}") for name in _LIST_FIELDS}
    return Category(slug=slug, label=label.strip(), kind=kind, min_score=float(min_score), **lists)


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already says "(at line N, column M)".
        raise TaxonomyError(f"{source}: invalid TOML: {exc}") from None


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
                    if key in _LIST_FIELDS and isinstance(value, list):
                        combined[key] = [*combined.get(key, []), *value]
                    elif key != "extend":
                        combined[key] = value
                base[slug] = combined
            else:
                base[slug] = spec
        merged[name] = base
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
