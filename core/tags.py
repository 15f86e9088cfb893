"""Tags: the topic and jurisdiction slugs on an item or a story."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Tags", "NO_TAGS", "STORY_SHARE"]

# A story carries a topic (or place) when at least this share of its tagged members carry it:
# one report's stray word, or one item clustered in by mistake, does not tag the whole story.
# A place is named by fewer of the reports that are about it than a topic is (a report may not
# say where), so it needs fewer of them.
STORY_SHARE = {"topic": 0.5, "jurisdiction": 0.34}


class Tags(NamedTuple):
    """A topic and jurisdiction pair of slug sets (a tuple: cheap to share between items)."""

    topics: frozenset[str]
    jurisdictions: frozenset[str]

    def union(self, other: Tags) -> Tags:
        """Both sets of tags together."""
        return Tags(self.topics | other.topics, self.jurisdictions | other.jurisdictions)


NO_TAGS = Tags(frozenset(), frozenset())
