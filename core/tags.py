"""Tags: the topic and jurisdiction slugs on an item or a story."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Tags", "NO_TAGS"]


class Tags(NamedTuple):
    """A topic and jurisdiction pair of slug sets (a tuple: cheap to share between items)."""

    topics: frozenset[str]
    jurisdictions: frozenset[str]

    def union(self, other: Tags) -> Tags:
        """Both sets of tags together."""
        return Tags(self.topics | other.topics, self.jurisdictions | other.jurisdictions)


NO_TAGS = Tags(frozenset(), frozenset())
