"""Embeddings as optional clustering evidence: compact vectors, an item's note that carries one,
and the affinity of an item and a story by meaning.

Only when an embeddings model is configured do items' notes carry vectors; the story index then
lets an item join a story whose words it shares only weakly when their meanings agree (see
digest.judgement.cluster `StoryIndex`). Without vectors nothing here is called, and clustering
decides exactly as it does offline. The client that fetches vectors lives in digest.writing; this
module is pure: it never calls a server.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from core.ingest import StoredItem

__all__ = [
    "EMBEDDED_SAME",
    "EMBED_TEXT_CHARS",
    "Embedded",
    "Embedder",
    "Vector",
    "affinity",
    "embed_text",
    "quantize",
    "reading",
    "same_meaning",
    "vector_of",
]

# The mean cosine (item against a story's members) at which two texts tell one event. Retellings
# of one event by different outlets score well above it with current embedding models; other
# events of one genre ("regulator fines bank") score below it. It only lowers the bar of shared
# words (cluster.JOIN_EMBEDDED): a join still needs shared rare terms to propose the story.
EMBEDDED_SAME = 0.85
EMBED_TEXT_CHARS = 2000  # the title and lead an item is embedded by (its later text drifts)
_SCALE = 127  # a unit vector's components, as signed bytes


@dataclass(frozen=True, slots=True)
class Vector:
    """A unit vector as signed bytes (1 byte per dimension), with its length."""

    values: array  # type: ignore[type-arg]  # array('b'): untracked by the garbage collector
    norm: float

    def cosine(self, other: Vector) -> float:
        """The cosine of two vectors; 0 when their dimensions differ (another model's)."""
        if len(self.values) != len(other.values) or not self.norm or not other.norm:
            return 0.0
        dot = sum(map(operator.mul, self.values, other.values))
        return dot / (self.norm * other.norm)


def quantize(values: Sequence[float]) -> bytes:
    """A vector as compact bytes: normalised, each component a signed byte. ValueError when it
    is empty, not finite, or all zeros (a server's garbage)."""
    floats = [float(v) for v in values]
    norm = math.sqrt(math.fsum(v * v for v in floats))
    if not floats or not math.isfinite(norm) or norm == 0.0:
        raise ValueError("not a usable vector")
    scaled = (max(-_SCALE, min(_SCALE, round(v / norm * _SCALE))) for v in floats)
    return array("b", scaled).tobytes()


def vector_of(blob: bytes) -> Vector:
    """The vector `quantize` stored."""
    values = array("b", blob)
    return Vector(values, math.sqrt(sum(map(operator.mul, values, values))))


class Embedded(NamedTuple):
    """An item's note (its relevance reading, see digest.ingest.judge) with its vector."""

    reading: object
    vector: Vector


def reading(note: object) -> object:
    """The relevance reading inside a note, with or without a vector."""
    return note.reading if isinstance(note, Embedded) else note


def affinity(note: object, notes: Sequence[object]) -> float | None:
    """The mean cosine of an item's vector and the vectors of a story's first members; None
    when the item or every member has none (then it is no evidence either way)."""
    if not isinstance(note, Embedded):
        return None
    cosines = [note.vector.cosine(n.vector) for n in notes if isinstance(n, Embedded)]
    return sum(cosines) / len(cosines) if cosines else None


def same_meaning(note: object, notes: tuple[object, ...]) -> bool:
    """Whether an item and a story tell one event by their embeddings (the story index's
    `meaning` hook)."""
    found = affinity(note, notes)
    return found is not None and found >= EMBEDDED_SAME


def embed_text(item: StoredItem) -> str:
    """What an item is embedded by: its title and the opening of its text."""
    return f"{item.title}\n\n{item.text}"[:EMBED_TEXT_CHARS]


class Embedder(Protocol):
    """Vectors of items by content hash: cached ones, and (with `fetch`) those the server makes
    now. Never raises: on any failure the items it could not embed are simply absent."""

    def vectors(self, items: Sequence[StoredItem], *, fetch: bool) -> Mapping[str, Vector]:
        """The vectors known for `items`, by content hash."""
        ...
