"""How a model's reading of a story (core.readings) combines with what the words decided.

The model reads the whole story, so where it gave a usable answer it decides: its relevance
replaces the words' (a story it calls policy news enters briefs; one it calls general news
leaves them), its event type replaces theirs (significance keeps the words' size of the event and
takes the model's type's weight), and its topics are added to the words' topics, never removing
one. Every reason says so. Only taxonomy slugs and known types ever get here (the LLM client
refuses the rest), so a reading cannot invent a brief.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.ingest import StoryFacts
from core.readings import ModelReading
from digest.judgement.relevance import EVENT_TYPES

__all__ = ["combine", "MODEL_REASON"]

MODEL_REASON = "model"  # the first word of the reason a reading adds


def combine(
    facts: StoryFacts, reading: ModelReading | None, weights: Mapping[str, float] = EVENT_TYPES
) -> StoryFacts:
    """The story's facts once the model's reading is applied (unchanged without one). Applying
    it to facts it already shaped gives the same facts."""
    if reading is None or reading.empty:
        return facts
    kept = tuple(r for r in facts.reasons if not r.startswith(f"{MODEL_REASON} "))
    # the event's size: what the words' significance holds beyond their type's weight
    size = (
        max(0.0, facts.significance - weights.get(facts.event_type, 0.0)) if facts.relevant else 0.0
    )
    relevant = facts.relevant if reading.relevant is None else reading.relevant
    known = reading.event_type is not None and reading.event_type in weights
    kind = reading.event_type if known and reading.event_type else facts.event_type
    said = []
    if reading.relevant is not None:
        said.append("policy news" if reading.relevant else "not policy news")
    if known:
        said.append(kind)
    if reading.topics:
        said.append("topics " + " ".join(reading.topics))
    reason = f"{MODEL_REASON} {reading.model}: {', '.join(said)}"
    return StoryFacts(
        relevant=relevant,
        reasons=(reason, *kept),
        event_type=kind,
        significance=round(weights.get(kind, 0.0) + size, 2) if relevant else 0.0,
        model_topics=reading.topics if relevant else (),
    )
