"""Small helpers the command modules share: the taxonomy's slugs, time windows, the provider."""

from __future__ import annotations

import difflib
import re
from datetime import timedelta

from digest.composition.cards import Cards
from digest.writing.provider import Provider, SummaryProvider
from handlers.base import UsageError
from handlers.context import Services

__all__ = [
    "topic_slugs",
    "jurisdiction_slugs",
    "parse_since",
    "since_label",
    "suggest",
    "provider_of",
    "cards_of",
]

_SINCE = re.compile(r"^(\d{1,3})([hd])$")
_MAX_SINCE = timedelta(days=30)


def topic_slugs(services: Services) -> list[str]:
    return list(services.taxonomy.topics)


def jurisdiction_slugs(services: Services) -> list[str]:
    return list(services.taxonomy.jurisdictions)


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


def provider_of(services: Services) -> Provider:
    """The summary provider compose uses: the injected one, or cached offline summaries."""
    if services.provider is not None:
        return services.provider
    return SummaryProvider(services.summarizer)


def cards_of(services: Services) -> Cards:
    """Story cards as every command shows them."""
    return Cards(services.store, services.taxonomy, provider_of(services))
