"""The query language's typed tree, as every layer reads it: /brief, /watch, /digest filters,
/deadlines and /trend. `digest.judgement.query` parses text into it and matches it in memory;
`storage.search` turns the same tree into SQL. Both read the words through `core.words`.

A query is clauses that must all hold and exclusions that must not. A clause is one atom or
several joined by OR; an atom is a term (a word or a "phrase", as normalised tokens) or a filter
(`topic:`, `jurisdiction:`, `source:`, `site:`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from core.words import plural_forms, word_tokens

__all__ = [
    "FILTER_KINDS",
    "FilterKind",
    "Term",
    "Filter",
    "Atom",
    "Clause",
    "Query",
    "EMPTY_QUERY",
    "source_keys",
    "url_host",
    "host_in_site",
]

FilterKind = Literal["topic", "jurisdiction", "source", "site"]
FILTER_KINDS: tuple[FilterKind, ...] = ("topic", "jurisdiction", "source", "site")


@dataclass(frozen=True)
class Term:
    """A word or phrase, as normalised tokens; `phrase` keeps the quotes on the way back to text.

    It matches where its tokens stand next to each other, the last one also in a regular plural.
    """

    tokens: tuple[str, ...]
    phrase: bool = field(default=False, compare=False)

    def last_forms(self) -> list[str]:
        """The last token and its regular plurals (`fine` -> `fine`, `fines`)."""
        return plural_forms(self.tokens[-1])

    def patterns(self) -> list[str]:
        """Space-delimited patterns for a token stream: the phrase as is, and pluralised."""
        head = self.tokens[:-1]
        return [" " + " ".join((*head, last)) + " " for last in self.last_forms()]

    def to_text(self) -> str:
        joined = " ".join(self.tokens)
        return f'"{joined}"' if self.phrase or len(self.tokens) > 1 else joined


@dataclass(frozen=True)
class Filter:
    """A tag, source or site the story must carry; `value` is a slug, a source key or a host."""

    kind: FilterKind
    value: str

    def to_text(self) -> str:
        if any(ch.isspace() for ch in self.value):
            return f'{self.kind}:"{self.value}"'
        return f"{self.kind}:{self.value}"


Atom = Term | Filter


@dataclass(frozen=True)
class Clause:
    """Alternatives joined by OR (one alternative for a plain word)."""

    alternatives: tuple[Atom, ...]

    def to_text(self) -> str:
        return " OR ".join(a.to_text() for a in self.alternatives)


@dataclass(frozen=True)
class Query:
    """Clauses that must all hold, and exclusions (terms or filters) that must not."""

    clauses: tuple[Clause, ...] = ()
    exclusions: tuple[Atom, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clauses or self.exclusions)

    def filters(self, kind: FilterKind) -> list[str]:
        """Values of the `kind` filters the query requires (alone in their clause)."""
        return [
            c.alternatives[0].value
            for c in self.clauses
            if len(c.alternatives) == 1
            and isinstance(c.alternatives[0], Filter)
            and c.alternatives[0].kind == kind
        ]

    def has_terms(self) -> bool:
        """True when some clause asks for words (then stories that are not policy news count)."""
        return any(isinstance(a, Term) for c in self.clauses for a in c.alternatives)

    def uses(self, kind: FilterKind) -> bool:
        atoms = [a for c in self.clauses for a in c.alternatives] + list(self.exclusions)
        return any(isinstance(a, Filter) and a.kind == kind for a in atoms)

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
                needles.append(stem_needle(word))
            else:
                if best is None or min(map(len, needles)) > min(map(len, best)):
                    best = needles
        return best

    def to_text(self) -> str:
        parts = [c.to_text() for c in self.clauses]
        parts += ["-" + a.to_text() for a in self.exclusions]
        return " ".join(parts)


EMPTY_QUERY = Query()


def stem_needle(word: str) -> str:
    """A substring every form of `word` contains: "policy" must still find "policies"."""
    return word[:-1] if word.endswith("y") and len(word) > 2 else word


def url_host(url: str | None) -> str | None:
    """The lower-case host of an http(s) URL without `www.`; None when there is none."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def host_in_site(host: str, site: str) -> bool:
    """`site:europa.eu` holds for europa.eu and every host under it (ec.europa.eu)."""
    return host == site or host.endswith("." + site)


def source_keys(name: str, url: str | None = None) -> set[str]:
    """Keys a `source:` filter can equal: the name's tokens joined by '-', the item's host and
    the host's first label."""
    keys = set()
    tokens = word_tokens(name)
    if tokens:
        keys.add("-".join(tokens))
    host = url_host(url)
    if host:
        keys.add(host)
        keys.add(host.split(".")[0])
    return keys
