"""What a model read in a story besides its summary: topics, policy relevance and event type,
already checked against the taxonomy and the known event types."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelReading"]


@dataclass(frozen=True)
class ModelReading:
    """A model's reading of one story; None or () where it said nothing usable."""

    model: str
    topics: tuple[str, ...] = ()  # taxonomy topic slugs only
    relevant: bool | None = None  # policy news?
    event_type: str | None = None  # one of the known event types

    @property
    def empty(self) -> bool:
        return not self.topics and self.relevant is None and self.event_type is None
