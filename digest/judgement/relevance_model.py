"""A learned second opinion on policy relevance: a logistic model over the rules' own evidence.

Its features generalise across outlets: the cue groups the rules found (and whether in the
headline), who acts, the event type, the source's kind (operators configure it), and the
headline's and lead's words and word pairs; never the rules' score or verdict, so it is a second
opinion. No outlet, address or item id is a
feature. The weights (digest/data/relevance_model.json) are built from the dev items of the
hand-labelled corpus by benchmarks/train_relevance_model.py; rarity weighting is folded into
each word's weight, so inference is a dictionary look-up per feature and a sum (pure Python).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import NamedTuple

from digest.text.words import Words

__all__ = [
    "LEAD_WORDS",
    "MIN_LEAD",
    "RelevanceModel",
    "asked",
    "evidence",
    "joined",
    "load_model",
    "word_features",
]

LEAD_WORDS = 40  # the lead's words read: its first sentence or two tell what the item is
# the model speaks only on an item with a lead this long: on a headline alone its few words
# are no match for the rules' reading of the headline (cross-validated on dev, it loses there)
MIN_LEAD = 10
_ODDS = 6.0  # the model's log-odds are bounded by this
_DATA = ("data", "relevance_model.json")
_MARKS = (b"h ", b"l ")  # a word's or pair's feature names where it stands: headline, lead


class _Table(NamedTuple):
    words: dict[bytes, float]
    pairs: dict[bytes, dict[bytes, float]]  # by the first word, then the second


def word_features(title: Words, text: Words) -> Iterator[bytes]:
    """The headline's and lead's words and adjacent pairs, each marked with where it stands
    (b"h w", b"h w1 w2", b"l w", b"l w1 w2"); a word repeated is one feature."""
    for mark, words in zip(_MARKS, (title.words, text.words[:LEAD_WORDS]), strict=True):
        previous = b""
        for word in words:
            yield mark + word
            if previous:
                yield mark + previous + b" " + word
            previous = word


def evidence(
    reasons: Sequence[str],
    title: Words,
    event_type: str,
    kind: str | None,
    official: bool,
    has_topic: bool,
) -> Iterator[bytes]:
    """The rules' evidence as features: each reason's kind (b"r actor"), again when its term
    is in the headline (b"r actor h"), the event type, the source's kind and standing (never
    the rules' score or verdict: the model is a second opinion, joined to them afterwards)."""
    for reason in reasons:
        name, _, term = reason.partition(": ")
        if not term and reason.startswith("no policy topic in"):
            name = "no policy topic"
        feature = b"r " + name.encode()
        yield feature
        if term and f" {term} ".encode() in title.folded:
            yield feature + b" h"
    yield b"t " + event_type.encode()
    yield b"k " + (kind or "none").encode()
    if official:
        yield b"official"
    if not has_topic:
        yield b"no topic"


@dataclass(frozen=True)
class RelevanceModel:
    """The weights of the features (rarity folded in) and the bias; and how the model's
    log-odds join the rules' score within `band` of the threshold: `blend` score units per
    unit of log-odds, plus `offset`."""

    weights: Mapping[bytes, float]
    bias: float
    blend: float
    offset: float
    band: float

    def consulted(self, margin: float, text: Words) -> bool:
        """Whether the model is asked about an item (`margin`: the rules' score less the
        threshold); see `asked`."""
        return asked(margin, len(text.words), self.band)

    def log_odds(self, title: Words, text: Words, facts: Iterator[bytes]) -> float:
        """The model's log-odds that the item is policy news (each feature counted once, added
        in the order `evidence` and `word_features` give them)."""
        weights = self.weights
        total = self.bias
        for fact in dict.fromkeys(facts):
            total += weights.get(fact, 0.0)
        read = (title.words, text.words[:LEAD_WORDS])
        for (words_of, pairs), words in zip(self._tables, read, strict=True):
            seen: set[bytes] = set()
            seen_pairs: set[tuple[bytes, bytes]] = set()
            previous = b""
            for word in words:
                if word not in seen:
                    seen.add(word)
                    total += words_of.get(word, 0.0)
                # a pair is looked up only when its first word starts one the model knows
                if (after := pairs.get(previous)) is not None and (
                    pair := (previous, word)
                ) not in seen_pairs:
                    seen_pairs.add(pair)
                    total += after.get(word, 0.0)
                previous = word
        return total

    @cached_property
    def _tables(self) -> tuple[_Table, _Table]:
        """The word and pair weights of the headline and of the lead, by word: an item's words
        are looked up as they are, never joined into a feature's name first."""
        tables = {mark: _Table({}, {}) for mark in _MARKS}
        for feature, weight in self.weights.items():
            table = tables.get(feature[:2])
            if table is None:
                continue
            first, _, second = feature[2:].partition(b" ")
            if second:
                table.pairs.setdefault(first, {})[second] = weight
            else:
                table.words[first] = weight
        return tables[_MARKS[0]], tables[_MARKS[1]]

    def shift(self, log_odds: float) -> float:
        """What the model's opinion adds to the rules' score; see `joined`."""
        return joined(log_odds, self.blend, self.offset)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RelevanceModel:
        """Build from the parsed data file."""
        weights = data["weights"]
        if not isinstance(weights, dict):
            raise ValueError("relevance model: weights is not a table")
        return cls(
            weights={str(k).encode(): _float(v) for k, v in weights.items()},
            bias=_float(data["bias"]),
            blend=_float(data["blend"]),
            offset=_float(data["offset"]),
            band=_float(data["band"]),
        )


def asked(margin: float, lead_words: int, band: float) -> bool:
    """Whether the model is asked: the rules' score is within `band` of the threshold (`margin`:
    score less threshold) and the item has a lead of `MIN_LEAD` words or more to read."""
    return abs(margin) < band and lead_words >= MIN_LEAD


def joined(log_odds: float, blend: float, offset: float) -> float:
    """What the model's log-odds add to the rules' score: bounded, so no one word decides,
    `blend` score units per unit, plus `offset`."""
    return blend * min(max(log_odds, -_ODDS), _ODDS) + offset


def _float(value: object) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"relevance model: {value!r} is not a number")
    return float(value)


@cache
def load_model() -> RelevanceModel:
    """The shipped model (read once)."""
    text = resources.files("digest").joinpath(*_DATA).read_text("utf-8")
    return RelevanceModel.from_dict(json.loads(text))
