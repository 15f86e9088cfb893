"""Small helpers the command modules share: words, the taxonomy, time windows."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers.base import UsageError
from handlers.context import Services

__all__ = [
    "Category",
    "lookup",
    "topic_slugs",
    "jurisdiction_slugs",
    "parse_since",
    "since_label",
    "suggest",
    "words_of",
    "provider_of",
]

_SINCE = re.compile(r"^(\d{1,3})([hd])$")
_MAX_SINCE = timedelta(days=30)


@dataclass(frozen=True)
class Category:
    slug: str
    kind: str  # "topic" | "jurisdiction"


def words_of(text: str) -> list[str]:
    """The command's words, split on any whitespace."""
    return text.split()


def topic_slugs(services: Services) -> list[str]:
    return list(getattr(services.taxonomy, "topics", {}) or {})


def jurisdiction_slugs(services: Services) -> list[str]:
    return list(getattr(services.taxonomy, "jurisdictions", {}) or {})


def lookup(services: Services, word: str) -> Category | None:
    """A topic or jurisdiction for the word (slug, label or alias), else None."""
    finder = getattr(services.taxonomy, "lookup", None)
    found: Any = finder(word) if finder is not None else None
    if found is not None:
        return Category(slug=found.slug, kind=found.kind)
    low = word.lower()
    if low in topic_slugs(services):
        return Category(low, "topic")
    if low in jurisdiction_slugs(services):
        return Category(low, "jurisdiction")
    return None


def suggest(word: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    return close[0] if close else None


def parse_since(word: str) -> timedelta:
    """'since:24h' / 'since:7d' (any hours or days up to 30 days) -> a timedelta."""
    value = word.split(":", 1)[1].lower()
    match = _SINCE.match(value)
    if not match or int(match.group(1)) == 0:
        raise UsageError(f"{word}: expected since:24h or since:7d")
    n, unit = int(match.group(1)), match.group(2)
    span = timedelta(hours=n) if unit == "h" else timedelta(days=n)
    if span > _MAX_SINCE:
        raise UsageError(f"{word}: at most since:30d")
    return span


def since_label(span: timedelta) -> str:
    """'24 h', '48 h', '7 days' as users read it."""
    hours = int(span.total_seconds() // 3600)
    if hours <= 48 or hours % 24:
        return f"{hours} h"
    days = hours // 24
    return f"{days} day" if days == 1 else f"{days} days"


def provider_of(services: Services) -> Any:
    """The summary provider compose uses: the injected one, or cached offline summaries."""
    if services.provider is not None:
        return services.provider
    from digest.composition.compose import SummaryProvider

    return SummaryProvider(services.summarizer)
