"""The after-ingest hook that keeps each story's deadlines: new and changed stories are read
again, their deadlines extracted and stored in place of the old ones (an edit that drops a date
drops its deadline; a story emptied by a merge keeps none)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.deadlines import DatedItem, FoundDeadline
from digest.ingest.pipeline import AfterIngest, PollReport

if TYPE_CHECKING:
    from storage.store import Storage

__all__ = ["deadlines_hook", "update_deadlines", "story_deadlines"]

log = logging.getLogger(__name__)

# stories whose texts are read at once: a cold start changes thousands of stories, and holding
# all their texts together made this hook the poll's peak of memory
TEXTS_AT_ONCE = 500


def story_deadlines(items: Sequence[DatedItem]) -> list[FoundDeadline]:
    """A story's deadlines over its items, oldest item first; a date every outlet repeats is
    kept once, with the first item that told it."""
    from digest.judgement.deadlines import extract_deadlines  # dateutil: only when stories change

    found: list[FoundDeadline] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        for deadline in extract_deadlines(f"{item.title}\n\n{item.text}", item.published_at):
            key = (deadline.kind, deadline.key)
            if key not in seen:
                seen.add(key)
                found.append(FoundDeadline(item.item_id, item.published_at, deadline))
    return found


def update_deadlines(store: Storage, story_ids: Sequence[int]) -> int:
    """Re-extract the deadlines of these stories and store them in place of the old ones;
    returns how many were stored."""
    if not story_ids:
        return 0
    found: dict[int, list[FoundDeadline]] = {}
    for start in range(0, len(story_ids), TEXTS_AT_ONCE):
        texts = store.deadlines.story_texts(story_ids[start : start + TEXTS_AT_ONCE])
        found.update((story_id, story_deadlines(items)) for story_id, items in texts.items())
    return store.deadlines.replace(found)  # one transaction, as if read at once


def deadlines_hook(store: Storage) -> AfterIngest:
    """`AfterIngest("deadlines", ...)`: new and changed stories get their deadlines again."""

    def run(report: PollReport) -> int:
        ids = list(dict.fromkeys(report.new_story_ids + report.changed_story_ids))
        stored = update_deadlines(store, ids)
        log.debug("deadlines: %d stored for %d stories", stored, len(ids))
        return stored

    return AfterIngest("deadlines", run)
