"""Clustering: labelled same/different-story pairs, the time window, persistence, scaling."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.judgement.cluster import Clusterer

DATA = Path(__file__).parent / "data" / "cluster_pairs.json"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Entry:
    title: str
    text: str
    published_at: datetime


def _entry(spec: dict) -> Entry:
    return Entry(spec["title"], spec["text"], T0 + timedelta(hours=spec["hours"]))


def _same_story(a: Entry, b: Entry) -> bool:
    """What the clusterer decides when `b` arrives after `a` started a story."""
    clusterer = Clusterer()
    clusterer.add(1, a)
    return clusterer.assign(b) == 1


def test_labelled_pairs_reach_the_accuracy_floor(capsys):
    data = json.loads(DATA.read_text())
    items = {k: _entry(v) for k, v in data["items"].items()}
    pairs = data["pairs"]
    assert len(pairs) >= 30
    assert sum(1 for p in pairs if not p[2]) >= 15  # hard negatives included
    tp = fp = tn = fn = 0
    wrong = []
    for a, b, same in pairs:
        # the order of arrival must not matter
        for first, second in ((a, b), (b, a)):
            said = _same_story(items[first], items[second])
            tp += said and same
            fp += said and not same
            tn += not said and not same
            fn += not said and same
            if said != same:
                wrong.append(f"{first}->{second} labelled {'same' if same else 'different'}")
    total = tp + fp + tn + fn
    accuracy = (tp + tn) / total
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    with capsys.disabled():  # shown in every test run, not only with -s
        print(
            f"\nclustering on {len(pairs)} labelled pairs (both orders, {total} decisions): "
            f"accuracy {accuracy:.3f}, precision {precision:.3f}, recall {recall:.3f}"
            + (f"; wrong: {', '.join(wrong)}" if wrong else "")
        )
    assert accuracy >= 0.9
    assert precision >= 0.9  # merging two different events hides one from readers


def test_hard_negatives_stay_apart_in_one_index():
    """Different Coupang and DSA stories in the same index each keep their own story."""
    data = json.loads(DATA.read_text())
    items = {k: _entry(v) for k, v in data["items"].items()}
    clusterer = Clusterer()
    story_of: dict[str, int] = {}
    for n, key in enumerate(["c1", "c4", "c5", "c6", "d1", "d3", "d4", "c2", "d2", "d5", "c3"]):
        sid = clusterer.assign(items[key])
        if sid is None:
            sid = n + 100
        clusterer.add(sid, items[key])
        story_of[key] = sid
    assert story_of["c1"] == story_of["c2"] == story_of["c3"]
    assert story_of["d1"] == story_of["d2"]
    assert story_of["d3"] == story_of["d5"]
    distinct = {story_of[k] for k in ("c1", "c4", "c5", "c6", "d1", "d3", "d4")}
    assert len(distinct) == 7


def test_a_regulator_and_an_outlet_with_different_headlines_make_one_story():
    """The Commission's press release and a news site's report of the same MiCA standards:
    headlines share almost nothing, the texts share their wording and the law's name."""
    data = json.loads(DATA.read_text())
    items = {k: _entry(v) for k, v in data["items"].items()}
    assert _same_story(items["m1"], items["m2"])
    assert _same_story(items["m2"], items["m1"])


def test_the_same_text_outside_the_window_is_a_new_story():
    text = "The regulator published its weekly threat report on phishing and ransomware today."
    first = Entry("Weekly threat report", text, T0)
    clusterer = Clusterer(window=timedelta(hours=72))
    clusterer.add(1, first)
    assert clusterer.assign(Entry("Weekly threat report", text, T0 + timedelta(hours=71))) == 1
    assert clusterer.assign(Entry("Weekly threat report", text, T0 + timedelta(hours=73))) is None


def test_rekey_and_prune():
    data = json.loads(DATA.read_text())
    c1, c2 = _entry(data["items"]["c1"]), _entry(data["items"]["c2"])
    clusterer = Clusterer()
    clusterer.add(-1, c1)
    clusterer.rekey(-1, 42)
    assert clusterer.assign(c2) == 42
    assert clusterer.prune(before=T0 + timedelta(days=30)) == 1
    assert clusterer.assign(c2) is None and len(clusterer) == 0


def _synthetic(n: int) -> list[Entry]:
    words = [f"w{i}x" for i in range(5000)]
    out = []
    for i in range(n):
        body = " ".join(words[(i * 37 + j * 101) % 5000] for j in range(120))
        out.append(Entry(f"Title {i} about {words[i % 5000]}", body, T0))
    return out


def test_work_per_item_does_not_grow_with_the_index():
    """Candidates come from bounded buckets: comparisons per item stay flat as the index grows
    (an all-pairs method would compare each item with every story)."""
    small, large = _synthetic(1000), _synthetic(3000)

    def per_item(entries: list[Entry]) -> float:
        clusterer = Clusterer()
        for n, e in enumerate(entries):
            clusterer.add(clusterer.assign(e) or n + 1, e)
        return clusterer.comparisons / len(entries)

    small_rate, large_rate = per_item(small), per_item(large)
    print(f"\nfull comparisons per item: {small_rate:.2f} at 1000 items, {large_rate:.2f} at 3000")
    assert large_rate <= 16  # _CANDIDATES
    assert large_rate <= 1.5 * small_rate + 1
