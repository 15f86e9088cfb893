"""The structured part of a story call: topics, relevance and event type, checked before use.

When the summarizer is given a `ReadingVocabulary`, the story task also asks for these three
fields; `check_reading` keeps only taxonomy topic slugs and known event types (what else the
model wrote is refused and counted, never stored), so a reading can only move a story between
briefs that exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.readings import ModelReading

__all__ = ["MAX_TOPICS", "ReadingVocabulary", "check_reading", "reading_task"]

MAX_TOPICS = 3  # a story is about a few topics; a model listing every slug is not reading it
_POLICY = {"policy", "policy news", "true", "yes", "relevant"}
_NOT_POLICY = {"not policy", "not policy news", "false", "no", "not relevant", "general news"}


@dataclass(frozen=True)
class ReadingVocabulary:
    """The values a reading may use: the taxonomy's topic slugs and the known event types."""

    topics: tuple[str, ...]
    event_types: tuple[str, ...]


def reading_task(vocabulary: ReadingVocabulary) -> str:
    """The lines the system prompt adds to the story task."""
    topics = ", ".join(vocabulary.topics)
    types = ", ".join(vocabulary.event_types)
    return (
        "\n\nIn the story reply, also give these keys in the same JSON object:\n"
        f'"topics": [<at most {MAX_TOPICS} of: {topics}>], '
        '"relevance": "policy" or "not policy" (is this news about laws, regulation, '
        "enforcement, courts, government or public authorities?), "
        f'"event_type": "<one of: {types}>".\n'
        "Use only the listed values, spelled exactly as listed."
    )


def _word(value: object) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


def check_reading(
    model: str,
    topics: object,
    relevance: object,
    event_type: object,
    vocabulary: ReadingVocabulary,
) -> tuple[ModelReading, tuple[str, ...]]:
    """The usable reading in a reply's fields, and what was refused (as the model wrote it)."""
    refused: list[str] = []
    kept: list[str] = []
    listed: Sequence[object] = (
        topics if isinstance(topics, list) else ([] if topics is None else [topics])
    )
    for value in listed:
        slug = _word(value)
        if slug in vocabulary.topics and slug not in kept and len(kept) < MAX_TOPICS:
            kept.append(slug)
        elif slug not in kept:
            refused.append(str(value)[:40])
    relevant: bool | None = None
    if isinstance(relevance, bool):
        relevant = relevance
    elif (said := _word(relevance)) in _POLICY:
        relevant = True
    elif said in _NOT_POLICY:
        relevant = False
    elif relevance is not None:
        refused.append(str(relevance)[:40])
    kind = _word(event_type)
    if kind not in vocabulary.event_types:
        if event_type is not None:
            refused.append(str(event_type)[:40])
        kind = None
    reading = ModelReading(model, tuple(kept), relevant, kind)
    return reading, tuple(refused)
