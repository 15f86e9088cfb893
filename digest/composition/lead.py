"""The lead of a digest: two or three sentences on the day, made from the stories themselves
(the LLM's top line replaces it when a model is configured and has written one)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from core.document import StoryCard

__all__ = ["extractive_lead"]

_HEADLINE_CHARS = 160


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut).rstrip(" ,;:") + "…"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def extractive_lead(cards: Sequence[StoryCard], labels: Mapping[str, str]) -> str:
    """What the day held (how many stories, on what), the leading story and its source, and
    the next one when there is one; `labels` names topic slugs."""
    if not cards:
        return ""
    sources = {s.name for card in cards for s in card.sources}
    count = (
        f"{_plural(len(cards), 'new story', 'new stories')} "
        f"from {_plural(len(sources), 'source', 'sources')}"
    )
    topics = Counter(t for card in cards for t in card.topics[:1])
    common = [f"{labels.get(t, t).lower()} ({n})" for t, n in topics.most_common(2) if n > 1]
    first = f"{count}, most on {' and '.join(common)}" if common else count
    parts = [_sentence(first)]
    lead = cards[0]
    by = f" ({lead.sources[0].name})" if lead.sources else ""
    parts.append(_sentence(f"Leading: {_clip(lead.headline, _HEADLINE_CHARS)}{by}"))
    if len(cards) > 1:
        parts.append(_sentence(f"Also: {_clip(cards[1].headline, _HEADLINE_CHARS)}"))
    return " ".join(parts)
