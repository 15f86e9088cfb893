"""Train the learned second opinion on policy relevance (digest/data/relevance_model.json).

Reads ONLY the dev items of the hand-labelled real-news corpus (benchmarks/data/realnews), each
as the judge reads it (title and summary split into words, its outlet's kind and standing, whether
the taxonomy finds a topic), and the rules' own reading of it (without the model). Features are
digest/judgement/relevance_model.py's: the rules' evidence and score, and the headline's and
lead's words and word pairs weighted by rarity. No outlet name, address or id is a feature.

The model is a second opinion: its features hold no rules' score or verdict. Its L2 strength
is chosen by k-fold cross-validation over dev (folds by day; an event's items all go with its
first day, so no event is on both sides of a fold), by least log loss. It is asked only where
the rules' score is within BAND of the threshold and the item has a lead (on a headline alone it
loses to the rules in cross-validation). How it joins the rules (score + blend * log-odds +
offset) is chosen from a small grid by its verdicts, from the model's out-of-fold log-odds, on
the dev items of batch 7 alone: the rules were tuned on the older dev items, so only on batch
7's is their score evidence as it will be on new news (a join chosen where the rules are
in-sample learns to trust them too much; a logistic stacker on batch 7's ~130 items the model
is asked about swung from fold to fold). Every figure printed is cross-validated (the model's
log-odds out of fold), never the training fit. The final
model is fitted on all dev items and written with rounded weights in a fixed order, so a rebuild
on the same machine is byte-identical (on another CPU the maths library's last bit may move a
weight by one in its last decimal; tests/test_relevance_model.py allows that much).

Run: .venv/bin/python benchmarks/train_relevance_model.py [--out PATH] [--no-cv]
     (--no-cv: only the final fit, with the shipped file's L2 strength and join)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.judgement.classify import Taxonomy  # noqa: E402
from digest.judgement.relevance_model import asked, evidence, joined, word_features  # noqa: E402
from digest.text.words import split_words  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "realnews"
OUT = ROOT / "digest" / "data" / "relevance_model.json"
FOLDS = 5
MIN_DF = 3  # a word or pair in fewer dev items than this is no feature (it would name one event)
LAMBDAS = (3e-3, 1e-2, 3e-2, 0.1)
STACKED_BATCH = 7  # the dev items labelled after the rules were last tuned
BLENDS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
OFFSETS = (-0.5, -0.25, 0.0, 0.25, 0.5)
ITERATIONS = 1500
STEP = 0.05
BAND = 4.0  # the model is consulted where the rules' score is this near the threshold
DIGITS = 4  # weights are rounded to this many decimals: a rebuild writes the same file


@dataclass(frozen=True)
class Example:
    """One dev item as the model sees it, with its label and where it falls in time."""

    facts: tuple[str, ...]
    words: tuple[str, ...]
    margin: float  # the rules' score less the threshold
    lead: int  # the lead's words
    relevant: bool
    day: str
    event: str
    batch: int | None


def examples() -> list[Example]:
    """The dev items, read by the rules without the model (never the held-out ones)."""
    taxonomy = Taxonomy.load()
    rules = replace(taxonomy.relevance, model=None)
    outlets = {o["name"]: o for o in json.loads((DATA / "outlets.json").read_text())["outlets"]}
    out = []
    for line in (DATA / "items.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["split"] != "dev":
            continue
        outlet = outlets.get(row["outlet"], {})
        kind, official = outlet.get("kind"), bool(outlet.get("official"))
        title, text = split_words(row["title"]), split_words(row.get("summary") or "")
        has_topic = True
        if rules.needs_topic(kind, official):
            has_topic = bool(taxonomy.classify_words(title, text, None, official=official).topics)
        found = rules.assess(
            title, text, kind=kind, official=official, has_topic=has_topic, link=row["link"]
        )
        facts = evidence(found.reasons, title, found.event_type, kind, official, has_topic)
        out.append(
            Example(
                facts=tuple(sorted({f.decode() for f in facts})),
                words=tuple(sorted({f.decode() for f in word_features(title, text)})),
                margin=found.score - rules.threshold,
                lead=len(text.words),
                relevant=bool(row["relevant"]),
                day=row["day"],
                event=row["event"],
                batch=row.get("batch"),
            )
        )
    return out


def folds(items: Sequence[Example], k: int = FOLDS) -> list[int]:
    """Each item's fold: the days, in time order, cut into k runs of about equal size; an
    event's items all go with its first day, so no event is on both sides of a fold."""
    days: dict[str, int] = defaultdict(int)
    first: dict[str, str] = {}
    for it in items:
        days[it.day] += 1
        first[it.event] = min(first.get(it.event, it.day), it.day)
    fold_of: dict[str, int] = {}
    done = 0
    for day in sorted(days):
        fold_of[day] = min(done * k // len(items), k - 1)
        done += days[day]
    return [fold_of[first[it.event]] for it in items]


@dataclass(frozen=True)
class Design:
    """A sparse design: the features kept and the matrix as (row, column, value) arrays."""

    names: list[str]
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    n: int


def design(items: Sequence[Example], names: list[str], values: np.ndarray) -> Design:
    """The design of `items` over the features `names`, each of value `values`."""
    index = {f: j for j, f in enumerate(names)}
    rows, cols = [], []
    for i, it in enumerate(items):
        for f in (*it.facts, *it.words):
            j = index.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
    r, c = np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)
    return Design(names, r, c, values[c], len(items))


def vocabulary(items: Sequence[Example]) -> tuple[list[str], np.ndarray]:
    """The features in at least MIN_DF items, sorted, and each's value: a word's or pair's
    rarity (1 + log((n + 1) / (df + 1))), 1 for the rules' evidence."""
    n = len(items)
    df: dict[str, int] = defaultdict(int)
    for it in items:
        for f in (*it.facts, *it.words):
            df[f] += 1
    names = sorted(f for f, c in df.items() if c >= MIN_DF)
    rarity = [
        1.0 + math.log((n + 1) / (df[f] + 1)) if f.startswith(("h ", "l ")) else 1.0 for f in names
    ]
    return names, np.array(rarity)


def fit(d: Design, y: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by full-batch Adam (deterministic): the weights per
    column and the bias."""
    w = np.zeros(len(d.names))
    b = 0.0
    m, v = np.zeros_like(w), np.zeros_like(w)
    mb = vb = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, ITERATIONS + 1):
        z = np.bincount(d.rows, weights=d.vals * w[d.cols], minlength=d.n) + b
        p = 1.0 / (1.0 + np.exp(-z))
        g = (p - y) / d.n
        gw = np.bincount(d.cols, weights=d.vals * g[d.rows], minlength=len(w)) + lam * w
        gb = float(g.sum())
        m = beta1 * m + (1 - beta1) * gw
        v = beta2 * v + (1 - beta2) * gw * gw
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb * gb
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        w -= STEP * (m / c1) / (np.sqrt(v / c2) + eps)
        b -= STEP * (mb / c1) / (math.sqrt(vb / c2) + eps)
    return w, b


def train(items: Sequence[Example], lam: float) -> tuple[list[str], np.ndarray, float]:
    """Fit on `items`: feature names, effective weights (rarity folded in), bias."""
    names, values = vocabulary(items)
    d = design(items, names, values)
    w, b = fit(d, np.array([float(it.relevant) for it in items]), lam)
    return names, w * values, b


def predict(
    names: list[str], weights: np.ndarray, b: float, items: Sequence[Example]
) -> np.ndarray:
    """The log-odds of `items` under effective weights (as the package's model computes them)."""
    d = design(items, names, np.ones(len(names)))
    return np.bincount(d.rows, weights=weights[d.cols], minlength=d.n) + b


def out_of_fold(items: Sequence[Example], fold: list[int], lam: float) -> np.ndarray:
    """Each item's log-odds from the model fitted on the other folds."""
    result = np.zeros(len(items))
    for k in range(FOLDS):
        train_set = [it for it, f in zip(items, fold, strict=True) if f != k]
        test_idx = [i for i, f in enumerate(fold) if f == k]
        names, weights, b = train(train_set, lam)
        result[test_idx] = predict(names, weights, b, [items[i] for i in test_idx])
    return result


def decided(items: Sequence[Example], lo: np.ndarray, blend: float, offset: float) -> list[bool]:
    """Each item's verdict with the model joined to the rules (as RelevanceRules.assess)."""
    out = []
    for it, z in zip(items, lo, strict=True):
        score = it.margin
        if asked(it.margin, it.lead, BAND):
            score += joined(float(z), blend, offset)
        out.append(score >= 0)
    return out


def choose_join(items: Sequence[Example], lo: np.ndarray) -> tuple[float, float]:
    """The join (blend, offset) whose verdicts, from the model's out-of-fold log-odds, are
    best on `items` (F1 of items plus F1 of their events' median verdicts); of equals, the
    smaller blend."""
    best = (-1.0, 0.0, 0.0)
    for blend in BLENDS:
        for offset in OFFSETS:
            said = decided(items, lo, blend, offset)
            f1 = round(pr(items, said).f1 + pr(items, said, True).f1, 6)
            if f1 > best[0]:
                best = (f1, blend, offset)
    return best[1], best[2]


@dataclass(frozen=True)
class PR:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return f"P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f}"


def pr(items: Sequence[Example], said: Sequence[bool], by_event: bool = False) -> PR:
    """Item precision and recall; `by_event`: each item takes its labelled event's median
    verdict, as a story's median member decides it."""
    if by_event:
        votes: dict[str, list[bool]] = defaultdict(list)
        for it, s in zip(items, said, strict=True):
            votes[it.event].append(s)
        said = [sorted(votes[it.event])[(len(votes[it.event]) - 1) // 2] for it in items]
    tp = sum(s and it.relevant for it, s in zip(items, said, strict=True))
    fp = sum(s and not it.relevant for it, s in zip(items, said, strict=True))
    fn = sum(not s and it.relevant for it, s in zip(items, said, strict=True))
    return PR(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def log_loss(items: Sequence[Example], lo: np.ndarray) -> float:
    y = np.array([float(it.relevant) for it in items])
    return float(np.mean(np.logaddexp(0.0, lo) - y * lo))


def cross_validate(items: Sequence[Example]) -> tuple[float, float, float]:
    """Print cross-validated figures; return the L2 strength (least CV log loss) and the join
    (blend, offset) fitted on batch 7's dev items."""
    fold = folds(items)
    print(f"{len(items)} dev items, {FOLDS} folds by day: sizes", np.bincount(fold).tolist())
    recent = [i for i, it in enumerate(items) if it.batch == STACKED_BATCH]
    older = [i for i, it in enumerate(items) if it.batch != STACKED_BATCH]
    parts = {"all dev": list(range(len(items))), "older dev": older, "dev7": recent}
    rules = [it.margin >= 0 for it in items]
    best_lam, best_loss, lo = LAMBDAS[0], math.inf, np.zeros(0)
    for lam in LAMBDAS:
        found = out_of_fold(items, fold, lam)
        loss = log_loss(items, found)
        model = [bool(z >= 0) for z in found]
        print(f"lambda {lam:g}: CV log loss {loss:.4f}; the model alone, items {pr(items, model)}")
        if loss < best_loss:
            best_lam, best_loss, lo = lam, loss, found
    print(f"chosen lambda {best_lam:g}")
    blend, offset = choose_join([items[i] for i in recent], lo[recent])
    print(f"chosen join on dev7's out-of-fold log-odds: blend {blend:g} offset {offset:+g}")
    joined = decided(items, lo, blend, offset)
    for name, idx in parts.items():
        sub = [items[i] for i in idx]
        r, j = [rules[i] for i in idx], [joined[i] for i in idx]
        print(f"{name} ({len(idx)}): rules items {pr(sub, r)}; events {pr(sub, r, True)}")
        print(f"{' ' * len(name)}   joined items {pr(sub, j)}; events {pr(sub, j, True)}")
    return best_lam, blend, offset


def write(path: Path, items: Sequence[Example], lam: float, blend: float, offset: float) -> None:
    """Fit on every dev item and write the model file (rounded weights, sorted, one a line)."""
    names, weights, b = train(items, lam)
    kept = {
        f: round(float(w), DIGITS)
        for f, w in zip(names, weights, strict=True)
        if round(float(w), DIGITS)
    }
    data = {
        "about": "benchmarks/train_relevance_model.py: dev items only; do not edit by hand",
        "lambda": lam,
        "blend": round(blend, DIGITS),
        "offset": round(offset, DIGITS),
        "band": BAND,
        "bias": round(b, DIGITS),
        "weights": dict(sorted(kept.items())),
    }
    text = json.dumps(data, indent=0, ensure_ascii=False, sort_keys=False) + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}: {len(kept)} weights, {len(text.encode()) / 1024:.0f} KiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--no-cv", action="store_true", help="only the final fit, as shipped")
    args = ap.parse_args()
    items = examples()
    if args.no_cv:
        shipped = json.loads(OUT.read_text(encoding="utf-8"))
        lam, blend, offset = shipped["lambda"], shipped["blend"], shipped["offset"]
    else:
        lam, blend, offset = cross_validate(items)
    write(args.out, items, lam, blend, offset)


if __name__ == "__main__":
    main()
