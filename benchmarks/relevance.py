"""Relevance benchmark: CPU microseconds per item of `RelevanceRules.assess` and `in_context`.

Reads the real-news corpus's dev items and 4,000 items made as benchmarks/ingest.py makes them,
each as its own source's kind, as general news without a topic and as an official government
source. With `--against ROOT` (another checkout, e.g. a worktree of main) its relevance module is
loaded into this process too: each item's assessment must be the same in both, and the two are
timed in turn, round after round (the ratio holds on a machine whose speed drifts).

Run: .venv/bin/python benchmarks/relevance.py [--against /tmp/base] [--rounds 3] [--reps 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
import tomllib
from dataclasses import astuple
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ingest  # noqa: E402

from digest.judgement.classify import Taxonomy  # noqa: E402
from digest.text.words import Words, split_words  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "realnews"


class Item(NamedTuple):
    title: Words
    text: Words
    kind: str | None
    official: bool
    has_topic: bool
    link: str


def corpus_items(taxonomy: Taxonomy) -> list[Item]:
    """The real-news corpus's dev items (never the held-out ones)."""
    outlets = {o["name"]: o for o in json.loads((DATA / "outlets.json").read_text())["outlets"]}
    items = []
    for line in (DATA / "items.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["split"] != "dev":
            continue
        outlet = outlets.get(row["outlet"], {})
        official = bool(outlet.get("official"))
        title, text = split_words(row["title"]), split_words(row.get("summary") or "")
        tags = taxonomy.classify_words(title, text, None, official=official)
        link = row.get("link") or ""
        items.append(Item(title, text, outlet.get("kind"), official, bool(tags.topics), link))
    return items


def generated_items(n: int = 4000, seed: int = 7) -> list[Item]:
    """Items as benchmarks/ingest.py makes them: half of them retell another's story."""
    rng = random.Random(seed)
    pool = [ingest.make_story(rng) for _ in range(n // 3)]
    items = []
    for i in range(n):
        story = (
            ingest.retell(rng, rng.choice(pool)) if rng.random() < 0.5 else ingest.make_story(rng)
        )
        title, text = split_words(story.title), split_words(" ".join(story.sentences))
        items.append(Item(title, text, None, False, True, f"https://feed{i}.example.org/news/{i}"))
    return items


def variants(items: list[Item]) -> list[Item]:
    """Each item as given, as general news without a topic, and from an official government."""
    out = []
    for item in items:
        out += [
            item,
            item._replace(kind="general-news", official=False, has_topic=False),
            item._replace(kind="government", official=True),
        ]
    return out


def load_relevance(root: Path) -> ModuleType:
    """`root`'s digest/judgement/relevance.py (with its cues.py), as a module of its own."""

    def load(name: str, path: Path) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    ours = sys.modules["digest.judgement.cues"]
    sys.modules["digest.judgement.cues"] = load("other_cues", root / "digest/judgement/cues.py")
    try:
        return load("other_relevance", root / "digest/judgement/relevance.py")
    finally:
        sys.modules["digest.judgement.cues"] = ours


def assess_all(rules: Any, items: list[Item]) -> float:
    start = time.process_time()
    for title, text, kind, official, has_topic, link in items:
        rules.assess(title, text, kind=kind, official=official, has_topic=has_topic, link=link)
    return time.process_time() - start


def in_context_all(rules: Any, items: list[Item]) -> float:
    start = time.process_time()
    for item in items:
        rules.in_context(item.title, item.text)
    return time.process_time() - start


def differences(ours: Any, other: Any, items: list[Item]) -> int:
    """Items whose assessment or policy context differs between the two rule sets."""
    found = 0
    for title, text, kind, official, has_topic, link in items:
        options = {"kind": kind, "official": official, "has_topic": has_topic, "link": link}
        a, b = ours.assess(title, text, **options), other.assess(title, text, **options)
        if astuple(a) != astuple(b) or ours.in_context(title, text) != other.in_context(
            title, text
        ):
            found += 1
            if found <= 3:
                print(f"  differs: {title.text!r}\n    here:  {a}\n    there: {b}")
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", type=Path, help="another checkout to compare with")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=2, help="passes over the items per timing")
    args = ap.parse_args()
    taxonomy = Taxonomy.load()
    ours = taxonomy.relevance
    other = None
    if args.against:
        module = load_relevance(args.against.resolve())
        data = tomllib.loads((args.against / "digest" / "taxonomy.toml").read_text("utf-8"))
        subjects = [t for c in taxonomy.jurisdictions.values() for t in (*c.keywords, *c.acronyms)]
        other = module.RelevanceRules.from_dict(data.get("relevance", {})).with_subjects(subjects)
    sets = {
        "real news (dev)": variants(corpus_items(taxonomy)),
        "generated": variants(generated_items()),
    }
    failed = False
    for name, items in sets.items():
        if other is not None:
            found = differences(ours, other, items)
            print(f"{name}: {len(items)} readings, {found} differ from {args.against}")
            failed |= found > 0
        ratios = []
        for n in range(args.rounds):
            per_item = 1e6 / (len(items) * args.reps)
            ours_s = sum(assess_all(ours, items) for _ in range(args.reps))
            context_s = sum(in_context_all(ours, items) for _ in range(args.reps))
            line = (
                f"{name} round {n + 1}: assess {ours_s * per_item:6.1f} us/item, "
                f"in_context {context_s * per_item:5.1f} us/item"
            )
            if other is not None:
                other_s = sum(assess_all(other, items) for _ in range(args.reps))
                other_context = sum(in_context_all(other, items) for _ in range(args.reps))
                ratios.append(ours_s / other_s)
                line += (
                    f"; against: assess {other_s * per_item:6.1f}, in_context "
                    f"{other_context * per_item:5.1f} us/item; assess ratio {ratios[-1]:.3f}"
                )
            print(line)
        if ratios:
            print(
                f"{name}: assess here / against, by round: {', '.join(f'{r:.3f}' for r in ratios)}"
            )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
