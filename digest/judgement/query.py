"""The query language, parsed once for every command, and a matcher that scales to many watches.

Language: words are ANDed; "quoted phrases"; `a OR b` (binds the atoms either side); `-word`,
`-"phrase"` and `-topic:x` exclude; filters `topic:`, `jurisdiction:`, `source:` and `site:`
(the article's host and the hosts under it); topic and jurisdiction names, labels and aliases
stand for their filter, multi-word ones included ("child safety"). An acronym that is one of a
category's terms (DSA) is searched as a word; its topic is `topic:online-platforms`. Anything else
that looks like an operator (NOT, AND, intitle:, *, brackets, a regex) is refused with its
column and what to write instead, never read as words.

The parser is written by hand rather than with a grammar library: the language is a flat list of
atoms with one infix operator, and what matters is the refusal (which token, which column, what
to write instead) and the name lookup across several words, both of which sit outside a grammar.

Matching works on normalised tokens (`core.words`): case-folded, possessives dropped, hyphens and
other punctuation as spaces, a word also matching its plural, never inside another word. Each of
a story's texts (headline, item titles, item texts) is matched on its own, as the database does.

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

from core.query import (
    FILTER_KINDS,
    Atom,
    Clause,
    Filter,
    FilterKind,
    Query,
    Term,
    host_in_site,
    source_keys,
    url_host,
)
from core.stories import StoryMatchText
from core.words import token_stream, word_tokens
from digest.judgement.classify import Taxonomy

__all__ = [
    "QueryError",
    "Term",
    "Filter",
    "Clause",
    "Query",
    "StoryFacts",
    "Vocabulary",
    "WatchMatcher",
    "parse_query",
    "query_matches",
    "LANGUAGE_HELP",
    "vocabulary_of",
]

LANGUAGE_HELP = (
    "Queries (/brief, /watch, /digest on, /deadlines, /trend), one language everywhere:",
    '  words must all appear: coupang fine · "exact phrase": "age verification"',
    "either: coupang OR temu · exclude: -crypto · -topic:crypto-assets",
    "topics and places by name: eu, child safety, korea · or topic:online-platforms,"
    " jurisdiction:uk",
    "source:politico · site:ec.europa.eu (the article's address, and the hosts under it)",
    "acronyms such as DSA are searched as words; the whole topic is topic:online-platforms",
    "not supported (refused, with what to write instead): NOT, AND, intitle:, *, brackets,"
    " regular expressions",
    "/brief also takes since:7d (up to since:365d, or since:2026-01-31), limit:20 (1 to 50)"
    " and page:2",
    "/digest on 8am Brussels weekdays size:10 eu -crypto: a time (08:00, 8:30pm), a zone or"
    " city, daily | weekdays | weekly mon, size:3 to 15, then filters; quote a word to"
    ' search for it ("Paris")',
)
"""The language as /help shows it: one line each."""
_BREAK = " \x00 "  # between a story's texts in a token stream: no phrase spans two texts
_MAX_NAME_WORDS = 4  # the longest multi-word topic or jurisdiction name looked up
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z_-]*):")
_REFUSED_CHARS = {
    "*": "wildcards are not supported; plurals match already (fine finds fines)",
    "(": "brackets are not supported; OR joins the atoms either side: a OR b",
    ")": "brackets are not supported; OR joins the atoms either side: a OR b",
    "|": "write OR between alternatives: a OR b",
    "&": "words are all required already; drop the &",
    "[": 'regular expressions are not supported; use words or "phrases"',
    "]": 'regular expressions are not supported; use words or "phrases"',
    "{": 'regular expressions are not supported; use words or "phrases"',
    "}": 'regular expressions are not supported; use words or "phrases"',
    "\\": 'regular expressions are not supported; use words or "phrases"',
    "~": "there are no synonyms; list alternatives with OR: a OR b",
}
_REFUSED_WORDS = {
    "NOT": "exclude with a minus instead: -word",
    "AND": "words are all required already; drop AND",
    "NEAR": 'use a "quoted phrase" for words that stand together',
}
_PREFIX_HINTS = {
    "intitle": "words match headlines and text alike; drop intitle:",
    "allintitle": "words match headlines and text alike; drop allintitle:",
    "intext": "words match headlines and text alike; drop intext:",
    "inurl": "to match the article's address use site:ec.europa.eu",
    "http": "a link is not a query; to match the article's address use site:ec.europa.eu",
    "https": "a link is not a query; to match the article's address use site:ec.europa.eu",
    "tag": "use topic: or jurisdiction:",
    "country": "use jurisdiction:",
    "domain": "use site:",
}


class QueryError(ValueError):
    """A malformed query; `message` says what and where (1-based column)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def _refuse(token: str, column: int, why: str) -> QueryError:
    return QueryError(f"{token[:40]} at column {column}: {why}", column)


@dataclass(frozen=True)
class Vocabulary:
    """The names a query may use for tags: topic and jurisdiction slugs, and a lookup of a
    slug, label or alias to (kind, slug). `acronyms` (lower case) are searched as words even
    when they are also an alias (DSA), unless they are the slug itself."""

    topics: frozenset[str]
    jurisdictions: frozenset[str]
    lookup: Callable[[str], tuple[str, str] | None]
    acronyms: frozenset[str] = frozenset()

    def name(self, words: str) -> tuple[FilterKind, str] | None:
        """The (kind, slug) these words name, or None when they are words to search."""
        found = self.lookup(words)
        if found is None:
            return None
        kind, slug = found
        low = words.casefold()
        if low in self.acronyms and low != slug:
            return None
        return ("topic", slug) if kind == "topic" else ("jurisdiction", slug)

    def known(self, kind: str) -> frozenset[str]:
        return self.topics if kind == "topic" else self.jurisdictions


@dataclass(frozen=True)
class StoryFacts:
    """What a query is matched against: the texts (matched one by one), the story's tags, its
    sources' keys and its articles' hosts."""

    story_id: int
    text: str = ""
    topics: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()  # normalised source keys, see `source_keys`
    hosts: frozenset[str] = frozenset()  # the items' hosts, without www.
    texts: tuple[str, ...] = ()  # when given, matched instead of `text`, each on its own

    source_keys = staticmethod(source_keys)

    def stream(self) -> str:
        """The token stream of every text, with a break no pattern crosses between texts."""
        parts = self.texts or (self.text,)
        return _BREAK.join(token_stream(t) for t in parts if t) or " "

    @classmethod
    def of(cls, story: StoryMatchText, max_chars: int | None = None) -> StoryFacts:
        """The facts of a stored story (each text cut at `max_chars` when given)."""
        texts = tuple(t[:max_chars] if max_chars else t for t in story.texts if t)
        hosts = {h for _name, url in story.sources if (h := url_host(url))}
        return cls(
            story_id=story.story_id,
            topics=story.topics,
            jurisdictions=story.jurisdictions,
            sources=frozenset(k for name, url in story.sources for k in source_keys(name, url)),
            hosts=frozenset(hosts),
            texts=texts,
        )


# --- parsing -------------------------------------------------------------------------------


@dataclass
class _Tok:
    kind: str  # word | phrase | or | filter
    text: str
    column: int  # 1-based
    negated: bool = False
    filter_kind: str = ""
    value_column: int = 0
    end: int = 0  # 0-based index just past the token


def _check_chars(text: str, start: int, column_of: Callable[[int], int]) -> None:
    for k, ch in enumerate(text):
        why = _REFUSED_CHARS.get(ch)
        if why is not None:
            raise _refuse(ch, column_of(start + k), why)


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
        elif ch == "+":
            raise _refuse(
                text[start : start + 40].split()[0],
                start + 1,
                "+ is not needed: every word is required; quote a phrase to keep words together",
            )
        if i < n and text[i] in '"“”':
            end = _closing_quote(text, i + 1)
            if end < 0:
                raise QueryError(f"unbalanced quote at column {i + 1}", i + 1)
            _check_chars(text[i + 1 : end], i + 1, lambda k: k + 1)
            toks.append(_Tok("phrase", text[i + 1 : end], start + 1, negated, end=end + 1))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in '"“”':
            j += 1
        word = text[i:j]
        if len(word) > 2 and word.startswith("/") and word.endswith("/"):
            raise _refuse(word, start + 1, "regular expressions are not supported; use words")
        if word in _REFUSED_WORDS:
            raise _refuse(word, start + 1, _REFUSED_WORDS[word])
        if j < n and text[j] in '"“”' and word.endswith(":"):
            # filter:"quoted value"
            end = _closing_quote(text, j + 1)
            if end < 0:
                raise QueryError(f"unbalanced quote at column {j + 1}", j + 1)
            word = word + text[j + 1 : end]
            j = end + 1
        prefix = _PREFIX.match(word)
        if prefix and prefix.group(1).lower() in FILTER_KINDS:
            kind = prefix.group(1).lower()
            toks.append(
                _Tok(
                    "filter",
                    word[len(kind) + 1 :],
                    start + 1,
                    negated,
                    filter_kind=kind,
                    value_column=i + len(kind) + 2,
                    end=j,
                )
            )
        elif prefix:
            name = prefix.group(1).lower()
            why = _PREFIX_HINTS.get(
                name, f"{name}: is not a filter; use topic:, jurisdiction:, source: or site:"
            )
            raise _refuse(text[start:j], start + 1, why)
        else:
            _check_chars(word, i, lambda k: k + 1)
            if word == "OR" and not negated:
                toks.append(_Tok("or", word, start + 1, end=j))
            else:
                toks.append(_Tok("word", word, start + 1, negated, end=j))
        i = j
    return toks


def _closing_quote(text: str, start: int) -> int:
    for k in range(start, len(text)):
        if text[k] in '"“”':
            return k
    return -1


def _filter_atom(
    tok: _Tok,
    topics: Collection[str] | None,
    jurisdictions: Collection[str] | None,
    vocabulary: Vocabulary | None,
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
        return Filter("source", value)
    if kind == "site":
        host = raw.lower().removeprefix("www.")
        if not _HOST.match(host) or len(host) > 253:
            raise _refuse(
                f"site:{raw}", tok.column, "site: takes a host name, e.g. site:ec.europa.eu"
            )
        return Filter("site", host)
    value = raw.lower()
    known = topics if kind == "topic" else jurisdictions
    if vocabulary is not None:
        known = vocabulary.known(kind)
        found = vocabulary.lookup(raw) if value not in known else None
        if found is not None and found[0] == kind:
            value = found[1]  # a label or alias: topic:"child safety", jurisdiction:europe
    if known is not None and value not in known:
        close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
        hint = f"; did you mean {kind}:{close[0]}?" if close else ""
        raise _refuse(f"{kind}:{raw}", tok.column, f"unknown {kind}{hint}")
    return Filter("topic" if kind == "topic" else "jurisdiction", value)


def _term(tok: _Tok) -> Term:
    tokens = tuple(word_tokens(tok.text))
    if not tokens:
        what = "empty phrase" if tok.kind == "phrase" else f"nothing to match in '{tok.text}'"
        raise QueryError(f"{what} at column {tok.column}", tok.column)
    return Term(tokens, phrase=tok.kind == "phrase")


def _adjacent_words(toks: list[_Tok], pos: int) -> int:
    """How many plain words from `pos` on (at most _MAX_NAME_WORDS) could form one name."""
    count = 0
    while (
        pos + count < len(toks)
        and count < _MAX_NAME_WORDS
        and toks[pos + count].kind == "word"
        and (count == 0 or not toks[pos + count].negated)
    ):
        count += 1
    return count if not toks[pos].negated else 1


def _near_name(tok: _Tok, vocabulary: Vocabulary) -> QueryError | None:
    """A plain word one typo away from a slug (child-safty): the refusal, for settings that
    are saved, where a misspelt topic would silently become a word to search for."""
    word = tok.text.lower()
    if tok.kind != "word" or len(word) < 5:
        return None
    slugs = sorted(vocabulary.topics | vocabulary.jurisdictions)
    close = difflib.get_close_matches(word, slugs, n=1, cutoff=0.85)
    if not close or close[0] == word:
        return None
    return _refuse(
        tok.text,
        tok.column,
        f"not a topic or jurisdiction; did you mean {close[0]}? "
        f'To search for the words, quote them: "{tok.text}"',
    )


def _atoms(
    toks: list[_Tok],
    topics: Collection[str] | None,
    jurisdictions: Collection[str] | None,
    vocabulary: Vocabulary | None,
    strict: bool = False,
) -> list[tuple[_Tok, Atom]]:
    """Each token (or run of words forming one name) as its atom, led by its first token."""
    out: list[tuple[_Tok, Atom]] = []
    pos = 0
    while pos < len(toks):
        tok = toks[pos]
        if tok.kind == "or":
            out.append((tok, Term(("or",))))  # a placeholder; parse_query reads the kind
            pos += 1
            continue
        if tok.kind == "filter":
            out.append((tok, _filter_atom(tok, topics, jurisdictions, vocabulary)))
            pos += 1
            continue
        if tok.kind == "word" and vocabulary is not None:
            named = None
            for size in range(_adjacent_words(toks, pos), 0, -1):
                words = " ".join(t.text for t in toks[pos : pos + size])
                found = vocabulary.name(words)
                if found is not None:
                    named = (size, found)
                    break
            if named is not None:
                size, (kind, slug) = named
                out.append((tok, Filter(kind, slug)))
                pos += size
                continue
            if strict and (near := _near_name(tok, vocabulary)) is not None:
                raise near
        out.append((tok, _term(tok)))
        pos += 1
    return out


def parse_query(
    text: str,
    *,
    topics: Collection[str] | None = None,
    jurisdictions: Collection[str] | None = None,
    vocabulary: Vocabulary | None = None,
    allow_empty: bool = False,
    require_positive: bool = True,
    strict_names: bool = False,
) -> Query:
    """Parse a query; raise QueryError (only) with the column of the problem.

    With a `vocabulary`, topic and jurisdiction names stand for their filters and filters are
    checked against it; `topics`/`jurisdictions` alone only check filters. A stored query is
    parsed without either: its filters are written out (`topic:eu`), so it reads the same.
    `strict_names` refuses a plain word one typo away from a slug (for saved settings).
    """
    if not text or not text.strip():
        if allow_empty:
            return Query()
        raise QueryError("empty query: give words to watch, e.g. /watch coupang fine")
    toks = _lex(text)
    clauses: list[list[Atom]] = []
    exclusions: list[Atom] = []
    pending_or: _Tok | None = None
    atoms = _atoms(toks, topics, jurisdictions, vocabulary, strict_names)
    for pos, (tok, atom) in enumerate(atoms):
        if tok.kind == "or":
            prev = atoms[pos - 1][0] if pos > 0 else None
            nxt = atoms[pos + 1][0] if pos + 1 < len(atoms) else None
            if (
                prev is None
                or prev.negated
                or prev.kind == "or"
                or nxt is None
                or nxt.negated
                or nxt.kind == "or"
                or not clauses
            ):
                raise QueryError(
                    f"OR needs a word on both sides at column {tok.column}", tok.column
                )
            pending_or = tok
            continue
        if tok.negated:
            exclusions.append(atom)
            continue
        if pending_or is not None:
            clauses[-1].append(atom)
            pending_or = None
        else:
            clauses.append([atom])
    if not clauses and require_positive:
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
        if atom.kind == "site":
            return any(host_in_site(h, atom.value) for h in facts.hosts)
        return atom.value in facts.sources
    return any(p in text for p in atom.patterns())


def query_matches(query: Query, facts: StoryFacts) -> bool:
    """One query against one story, without an automaton (for tests and one-off checks)."""
    text = facts.stream()
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
    exclusions: tuple[_Key, ...]

    def holds(self, present: set[_Key]) -> bool:
        for key in self.exclusions:
            if key in present:
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
                tuple(key_of(t) for t in query.exclusions),
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
            for _end, ids in self._automaton.iter(facts.stream()):
                present.update(ids)
        present.update(("topic", t) for t in facts.topics)
        present.update(("jurisdiction", j) for j in facts.jurisdictions)
        present.update(("source", s) for s in facts.sources)
        for host in facts.hosts:
            # every site the host lies under: ec.europa.eu is in europa.eu and eu
            labels = host.split(".")
            present.update(("site", ".".join(labels[k:])) for k in range(len(labels)))
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


def vocabulary_of(taxonomy: Taxonomy) -> Vocabulary:
    """The taxonomy's names as a query reads them."""

    def lookup(words: str) -> tuple[str, str] | None:
        cat = taxonomy.lookup(words)
        return None if cat is None else (cat.kind, cat.slug)

    cats = [*taxonomy.topics.values(), *taxonomy.jurisdictions.values()]
    return Vocabulary(
        topics=frozenset(taxonomy.topics),
        jurisdictions=frozenset(taxonomy.jurisdictions),
        lookup=lookup,
        acronyms=frozenset(a.casefold() for cat in cats for a in cat.acronyms),
    )
