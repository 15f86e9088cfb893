"""What the deadline tests read off a sentence: the labels a user sees."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.judgement.deadlines import extract_deadlines


def labels(text: str, published: str) -> list[str]:
    """The labels ("3 April 2026 · compliance deadline") of the deadlines in `text`, published
    at `published` (ISO, UTC)."""
    when = datetime.fromisoformat(published).replace(tzinfo=UTC)
    return [d.label for d in extract_deadlines(text, when)]
