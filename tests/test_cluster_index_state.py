"""The story index's own bookkeeping: a story that gains an item is updated in place exactly as
if it had been taken out and put back, and a story costs the index little memory."""

from __future__ import annotations

import gc
import math
import tracemalloc

import pytest

from digest.judgement.cluster import Draft, StoryIndex, _Entry, _logs
from digest.judgement.signature import signature
from tests.test_cluster import REAL_NEWS, Entry


def _placed(entries: list[Entry], index: StoryIndex | None = None) -> tuple[list[int], Draft]:
    draft = (StoryIndex() if index is None else index).draft()
    return [draft.place(e.published_at, signature(e.title, e.text)) for e in entries], draft


def _taken_out_and_put_back(self: Draft, key: int, entry: _Entry) -> None:
    self._remove_entry(key)
    self._put(key, entry)


def test_a_story_gaining_an_item_leaves_the_draft_as_removing_and_re_adding_it_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries = sorted(REAL_NEWS, key=lambda e: (e.published_at, e.title))
    keys, draft = _placed(entries)
    monkeypatch.setattr(Draft, "_replace", _taken_out_and_put_back)
    plain_keys, plain = _placed(entries)
    assert len(set(keys)) < len(keys)  # some stories gained items
    assert keys == plain_keys
    assert list(draft.entries.items()) == list(plain.entries.items())
    # each bucket's order included: it decides which of two equal candidates is compared first
    assert draft._index == plain._index
    assert draft._dfs == plain._dfs
    assert draft._slots == plain._slots and draft._slot_of == plain._slot_of


def test_a_committed_story_costs_the_index_under_2200_bytes() -> None:
    """A poller holds days of stories (issue 19: the whole poller under 100 MB)."""
    entries = sorted(REAL_NEWS, key=lambda e: (e.published_at, e.title))
    for e in entries:  # the token caches are warm in a running poller
        signature(e.title, e.text)
    gc.collect()
    tracemalloc.start()
    try:
        index = StoryIndex()
        keys, draft = _placed(entries, index)
        index.commit(draft, {k: 10_000 - k for k in keys if k < 0}, generation=1)
        del draft, keys
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    per_story = held / len(index)
    print(f"\n{len(index)} stories, {per_story:.0f} bytes each")
    assert per_story < 2200  # 2,340 before its entries shared their common parts


def test_the_window_counts_a_draft_keeps_are_those_it_would_count_afresh() -> None:
    entries = sorted(REAL_NEWS, key=lambda e: (e.published_at, e.title))
    _, draft = _placed(entries)
    kept = dict(draft._dfs)
    assert kept
    draft._dfs = {}
    assert {term: draft._df(term, draft._window) for term in kept} == kept


def test_the_table_of_logarithms_covers_a_window_of_any_size() -> None:
    table = _logs(10_000)
    assert len(table) > 10_000
    assert table[10_000] == math.log(10_000.5) and table[3] == math.log(3.5)
