"""The watch query language (Google-Alerts-like) and a matcher that scales to many watches.

Grammar: clauses are ANDed; a clause is a word, a "quoted phrase", a filter (`topic:`,
`jurisdiction:`, `source:`) or several of those joined by OR; `-word` and `-"phrase"` exclude.
Matching works on normalised tokens: case-folded, possessives dropped (`Coupang's`), hyphens and
other punctuation taken as spaces (`age-verification` == `age verification`), and a watched word
also matches its plural (`fine` -> `fines`), never inside another word (`coupon` is not `coupang`).

`WatchMatcher` compiles every active watch into one Aho-Corasick automaton over the space-delimited
token stream, so the cost of matching a story grows with its text, not with the number of watches;
only watches with an anchor term present in the text (or a filter the story has) are evaluated.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import ahocorasick

from digest.text.plurals import plural_forms
from digest.text.words import token_stream, word_tokens

__all__ = [
    "QueryError",
    "Term",
    "Filter",
    "Clause",
    "Query",
    "StoryFacts",
    "WatchMatcher",
    "parse_query",
    "query_matches",
]

FILTER_KINDS = ("topic", "jurisdiction", "source")


class QueryError(ValueError):
    """A malformed query; `message` says what and where (1-based column)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Term:
    """A word or phrase, as normalised tokens; `phrase` keeps the quotes on the way back to text."""

    tokens: tuple[str, ...]
    phrase: bool = field(default=False, compare=False)

    def patterns(self) -> list[str]:
        """Space-delimited patterns: the phrase as is, and with its last word pluralised."""
        head = self.tokens[:-1]
        return [" " + " ".join((*head, last)) + " " for last in plural_forms(self.tokens[-1])]

    def to_text(self) -> str:
        joined = " ".join(self.tokens)
        return f'"{joined}"' if self.phrase or len(self.tokens) > 1 else joined


@dataclass(frozen=True)
class Filter:
    kind: str  # topic | jurisdiction | source
    value: str

    def to_text(self) -> str:
        if any(ch.isspace() for ch in self.value):
            return f'{self.kind}:"{self.value}"'
        return f"{self.kind}:{self.value}"


Atom = Term | Filter
Alias = Callable[[str, str], str | None]


@dataclass(frozen=True)
class Clause:
    """Alternatives joined by OR (one alternative for a plain word)."""

    alternatives: tuple[Atom, ...]

    def to_text(self) -> str:
        return " OR ".join(a.to_text() for a in self.alternatives)


@dataclass(frozen=True)
class Query:
    """Clauses that must all match, and exclusions that must not."""

    clauses: tuple[Clause, ...]
    exclusions: tuple[Term, ...] = ()

    def required_substrings(self) -> list[str] | None:
        """Lower-case ASCII strings, one of which every matching story's text must contain.

        For a cheap database prefilter (LIKE) before the exact match; None when the query has
        no clause made only of words (e.g. a filter-only query) or a word is not plain ASCII.
        """
        best: list[str] | None = None
        for clause in self.clauses:
            if not all(isinstance(a, Term) for a in clause.alternatives):
                continue
            needles = []
            for atom in clause.alternatives:
                assert isinstance(atom, Term)
                word = max(atom.tokens, key=len)
                if not word.isascii():
                    break
                # "policy" must still find "policies": drop the y that the plural replaces
                needles.append(word[:-1] if word.endswith("y") and len(word) > 2 else word)
            else:
                if best is None or min(map(len, needles)) > min(map(len, best)):
                    best = needles
        return best

    def to_text(self) -> str:
        parts = [c.to_text() for c in self.clauses]
        parts += ["-" + t.to_text() for t in self.exclusions]
        return " ".join(parts)


@dataclass(frozen=True)
class StoryFacts:
    """What a query is matched against: the text and the story's tags and sources."""

    story_id: int
    text: str
    topics: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()  # normalised source keys, see `source_keys`

    @staticmethod
    def source_keys(name: str, url: str | None = None) -> set[str]:
        """Keys a `source:` filter can equal: the name's tokens joined by '-', and the host."""
        keys = set()
        tokens = word_tokens(name)
        if tokens:
            keys.add("-".join(tokens))
        if url:
            host = re.sub(r"^[a-z]+://", "", url.lower()).split("/")[0].split(":")[0]
            host = host.removeprefix("www.")
            if host:
                keys.add(host)
                keys.add(host.split(".")[0])
        return keys


# --- parsing -------------------------------------------------------------------------------


@dataclass
class _Tok:
    kind: str  # word | phrase | or | filter
    text: str
    column: int  # 1-based
    negated: bool = False
    filter_kind: str = ""
    value_column: int = 0


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        elif ch == "-":
            raise QueryError(f"- needs a word after it at column {start + 1}", start + 1)
        if i < n and text[i] in '"“”':
            end = _closing_quote(text, i + 1)
            if end < 0:
                raise QueryError(f"unbalanced quote at column {i + 1}", i + 1)
            toks.append(_Tok("phrase", text[i + 1 : end], start + 1, negated))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in '"“”':
            j += 1
        word = text[i:j]
        if j < n and text[j] in '"“”' and word.endswith(":"):
            # filter:"quoted value"
            end = _closing_quote(text, j + 1)
            if end < 0:
                raise QueryError(f"unbalanced quote at column {j + 1}", j + 1)
            word = word + text[j + 1 : end]
            j = end + 1
        prefix, sep, value = word.partition(":")
        if sep and prefix.lower() in FILTER_KINDS:
            if negated:
                raise QueryError(
                    f"filters cannot be excluded at column {start + 1}; "
                    f"use {prefix.lower()}: without the minus",
                    start + 1,
                )
            toks.append(
                _Tok(
                    "filter",
                    value,
                    start + 1,
                    filter_kind=prefix.lower(),
                    value_column=i + len(prefix) + 2,
                )
            )
        elif word == "OR" and not negated:
            toks.append(_Tok("or", word, start + 1))
        else:
            toks.append(_Tok("word", word, start + 1, negated))
        i = j
    return toks


def _closing_quote(text: str, start: int) -> int:
    for k in range(start, len(text)):
        if text[k] in '"“”':
            return k
    return -1


def _suggest(value: str, options: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f" — did you mean {close[0]}?" if close else ""


def _filter_atom(
    tok: _Tok,
    topics: Collection[str] | None,
    jurisdictions: Collection[str] | None,
    aliases: Alias | None = None,
) -> Filter:
    kind, raw = tok.filter_kind, tok.text.strip()
    col = tok.value_column
    if not raw:
        raise QueryError(f"{kind}: needs a value at column {tok.column}", tok.column)
    if kind == "source":
        tokens = word_tokens(raw)
        if not tokens:
            raise QueryError(f"source: needs a name at column {col}", col)
        dotted = "." in raw and not any(ch.isspace() for ch in raw)
        value = raw.lower().removeprefix("www.") if dotted else "-".join(tokens)
        return Filter(kind, value)
    value = raw.lower()
    known = topics if kind == "topic" else jurisdictions
    if known is not None and value not in known and aliases is not None:
        value = aliases(kind, raw) or value  # a label or alias: topic:"child safety", europe
    if known is not None and value not in known:
        raise QueryError(f"unknown {kind} '{raw}' at column {col}{_suggest(value, known)}", col)
    return Filter(kind, value)


def _term(tok: _Tok) -> Term:
    tokens = tuple(word_tokens(tok.text))
    if not tokens:
        what = "empty phrase" if tok.kind == "phrase" else f"nothing to match in '{tok.text}'"
        raise QueryError(f"{what} at column {tok.column}", tok.column)
    return Term(tokens, phrase=tok.kind == "phrase")


def parse_query(
    text: str,
    *,
    topics: Collection[str] | None = None,
    jurisdictions: Collection[str] | None = None,
    aliases: Alias | None = None,
) -> Query:
    """Parse a watch query; raise QueryError (only) with the column of the problem.

    `topics`/`jurisdictions` validate filters when given; `aliases(kind, word)` may map a label
    or alias to its slug (the taxonomy's lookup).
    """
    if not text or not text.strip():
        raise QueryError("empty query: give words to watch, e.g. /watch coupang fine")
    toks = _lex(text)
    clauses: list[list[Atom]] = []
    exclusions: list[Term] = []
    pending_or: _Tok | None = None
    for pos, tok in enumerate(toks):
        if tok.kind == "or":
            prev_ok = pos > 0 and not toks[pos - 1].negated and toks[pos - 1].kind != "or"
            nxt = toks[pos + 1] if pos + 1 < len(toks) else None
            if not prev_ok or nxt is None or nxt.negated or nxt.kind == "or" or not clauses:
                raise QueryError(
                    f"OR needs a word on both sides at column {tok.column}", tok.column
                )
            pending_or = tok
            continue
        if tok.negated:
            exclusions.append(_term(tok))
            continue
        atom: Atom = (
            _filter_atom(tok, topics, jurisdictions, aliases)
            if tok.kind == "filter"
            else _term(tok)
        )
        if pending_or is not None:
            clauses[-1].append(atom)
            pending_or = None
        else:
            clauses.append([atom])
    if not clauses:
        raise QueryError(
            "a query needs at least one word, phrase or filter besides exclusions",
            toks[0].column if toks else None,
        )
    return Query(
        tuple(Clause(tuple(dict.fromkeys(c))) for c in clauses),
        tuple(dict.fromkeys(exclusions)),
    )


# --- matching ------------------------------------------------------------------------------


def _atom_holds(atom: Atom, facts: StoryFacts, text: str) -> bool:
    if isinstance(atom, Filter):
        if atom.kind == "topic":
            return atom.value in facts.topics
        if atom.kind == "jurisdiction":
            return atom.value in facts.jurisdictions
        return atom.value in facts.sources
    return any(p in text for p in atom.patterns())


def query_matches(query: Query, facts: StoryFacts) -> bool:
    """One query against one story, without an automaton (for tests and one-off checks)."""
    text = token_stream(facts.text)
    if any(_atom_holds(t, facts, text) for t in query.exclusions):
        return False
    return all(
        any(_atom_holds(a, facts, text) for a in clause.alternatives) for clause in query.clauses
    )


# A compiled key is an int (a term id, present when one of its patterns is in the text) or a
# (kind, value) tuple for a filter (present when the story carries that tag or source).
_Key = int | tuple[str, str]


@dataclass(frozen=True)
class _Compiled:
    watch_id: int
    clauses: tuple[tuple[_Key, ...], ...]
    exclusions: tuple[int, ...]

    def holds(self, present: set[_Key]) -> bool:
        for term_id in self.exclusions:
            if term_id in present:
                return False
        for clause in self.clauses:
            for key in clause:
                if key in present:
                    break
            else:
                return False
        return True


@dataclass
class WatchMatcher:
    """All active watches in one automaton; `match(facts)` returns the ids of matching watches.

    Every distinct term gets an id; the automaton maps each space-delimited pattern (a term and
    its plurals) to the ids of the terms it stands for. A story's text is scanned once; the
    watches indexed under a present term or tag are the only ones evaluated, by set lookups.
    """

    _automaton: ahocorasick.Automaton = field(default_factory=ahocorasick.Automaton)
    _watches: list[_Compiled] = field(default_factory=list)
    _anchors: dict[_Key, list[int]] = field(default_factory=dict)
    _built: bool = False

    @classmethod
    def build(cls, watches: Iterable[tuple[int, Query]]) -> WatchMatcher:
        """Compile (watch id, parsed query) pairs."""
        matcher = cls()
        term_ids: dict[tuple[str, ...], int] = {}

        def key_of(atom: Atom) -> _Key:
            if isinstance(atom, Filter):
                return (atom.kind, atom.value)
            return term_ids.setdefault(atom.tokens, len(term_ids))

        for watch_id, query in watches:
            index = len(matcher._watches)
            compiled = _Compiled(
                watch_id,
                tuple(tuple(key_of(a) for a in c.alternatives) for c in query.clauses),
                tuple(key_of(t) for t in query.exclusions),  # type: ignore[misc]
            )
            matcher._watches.append(compiled)
            for key in _anchor_keys(query, compiled):
                matcher._anchors.setdefault(key, []).append(index)
        patterns: dict[str, list[int]] = {}
        for tokens, term_id in term_ids.items():
            for pattern in Term(tokens).patterns():
                patterns.setdefault(pattern, []).append(term_id)
        for pattern, ids in patterns.items():
            matcher._automaton.add_word(pattern, tuple(ids))
        if patterns:
            matcher._automaton.make_automaton()
            matcher._built = True
        return matcher

    def __len__(self) -> int:
        return len(self._watches)

    def present_keys(self, facts: StoryFacts) -> set[_Key]:
        """Term ids found in the story's text, plus its topic, jurisdiction and source keys."""
        present: set[_Key] = set()
        if self._built:
            for _end, ids in self._automaton.iter(token_stream(facts.text)):
                present.update(ids)
        present.update(("topic", t) for t in facts.topics)
        present.update(("jurisdiction", j) for j in facts.jurisdictions)
        present.update(("source", s) for s in facts.sources)
        return present

    def match(self, facts: StoryFacts) -> list[int]:
        """Ids of the watches whose query holds for this story, in watch order."""
        present = self.present_keys(facts)
        anchors = self._anchors
        candidates: set[int] = set()
        for key in present:
            hit = anchors.get(key)
            if hit is not None:
                candidates.update(hit)
        watches = self._watches
        return [watches[i].watch_id for i in sorted(candidates) if watches[i].holds(present)]


def _anchor_keys(query: Query, compiled: _Compiled) -> tuple[_Key, ...]:
    """Keys under which a watch is indexed: all alternatives of its most selective clause.

    Every clause must hold, so indexing one clause is enough; longer terms are rarer, and a
    tag filter is broad, so a clause of words is preferred over one of filters.
    """

    def weight(pair: tuple[Clause, tuple[_Key, ...]]) -> tuple[int, int]:
        clause = pair[0]
        shortest = min(
            (len(" ".join(a.tokens)) if isinstance(a, Term) else 3) for a in clause.alternatives
        )
        return (shortest, -len(clause.alternatives))

    return max(zip(query.clauses, compiled.clauses, strict=True), key=weight)[1]
