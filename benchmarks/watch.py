"""Watch matching at scale: 100,000 watches against 1,000 new stories, matcher vs a naive loop.

Run: .venv/bin/python benchmarks/watch.py [--watches N] [--stories N] [--naive-budget SECONDS]

The naive loop compiles each watch into regular expressions (word boundaries, plurals, phrases,
OR, exclusions) and tries every watch on every story. It is run on a random sample of watches
(as many as fit the time budget) and extrapolated to all of them; the output says so. The
sampled watches' results are also checked against the matcher's.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digest.judgement.query import (  # noqa: E402
    Filter,
    Query,
    StoryFacts,
    Term,
    WatchMatcher,
    parse_query,
)
from digest.text.plurals import plural_forms  # noqa: E402

COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "this",
    "be",
    "was",
    "it",
    "are",
    "or",
    "an",
    "has",
    "have",
    "said",
    "will",
    "its",
    "new",
    "but",
    "not",
    "which",
    "would",
    "also",
    "more",
    "than",
    "after",
    "over",
    "their",
    "they",
    "been",
    "were",
    "one",
    "two",
    "year",
    "years",
    "government",
    "minister",
    "law",
    "rules",
    "court",
    "data",
    "online",
    "said",
    "report",
    "plan",
]
TOPICS = ["child-safety", "data-protection", "competition", "ai-governance", "cybersecurity"]
JURIS = ["eu", "uk", "us", "kr", "au", "jp"]
SOURCES = ["reuters", "politico-europe", "korea-herald", "the-register", "euractiv"]


def pseudo_words(n: int, rng: random.Random) -> list[str]:
    """Distinct pronounceable words (company names, acts, people...)."""
    cons, vows = "bcdfghjklmnprstvwxz", "aeiou"
    seen: set[str] = set()
    while len(seen) < n:
        k = rng.randint(2, 4)
        seen.add("".join(rng.choice(cons) + rng.choice(vows) for _ in range(k)))
    return sorted(seen)


class Zipf:
    """Words by rank with P(rank r) proportional to 1/r: how often terms appear in news."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        total, cum = 0.0, []
        for rank in range(1, len(words) + 1):
            total += 1.0 / rank
            cum.append(total)
        self.cum = cum

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.words, cum_weights=self.cum)[0]


def make_watch(vocab: list[str], rng: random.Random) -> str:
    """Watches name specific things (companies, acts, people): terms spread over the vocabulary."""

    def zipf_pick(words: list[str], rng: random.Random) -> str:
        return rng.choice(words)

    parts: list[str] = []
    shape = rng.random()
    if shape < 0.45:
        parts = [zipf_pick(vocab, rng) for _ in range(rng.randint(1, 2))]
    elif shape < 0.6:
        parts = [f'"{zipf_pick(vocab, rng)} {zipf_pick(vocab, rng)}"']
    elif shape < 0.75:
        parts = [f"{zipf_pick(vocab, rng)} OR {zipf_pick(vocab, rng)}", zipf_pick(vocab, rng)]
    elif shape < 0.85:
        parts = [zipf_pick(vocab, rng), f"-{zipf_pick(vocab, rng)}"]
    elif shape < 0.95:
        parts = [zipf_pick(vocab, rng), f"jurisdiction:{rng.choice(JURIS)}"]
    else:
        parts = [
            f"topic:{rng.choice(TOPICS)}",
            zipf_pick(vocab, rng),
            f"source:{rng.choice(SOURCES)}",
        ]
    return " ".join(parts)


def make_story(i: int, vocab: Zipf, rng: random.Random) -> StoryFacts:
    words = []
    for _ in range(rng.randint(120, 260)):
        w = rng.choice(COMMON) if rng.random() < 0.7 else vocab.pick(rng)
        if rng.random() < 0.05:
            w = w.capitalize() + rng.choice(["'s", "s", "-based", ","])
        words.append(w)
    return StoryFacts(
        story_id=i,
        text=" ".join(words),
        topics=frozenset(rng.sample(TOPICS, rng.randint(0, 2))),
        jurisdictions=frozenset(rng.sample(JURIS, rng.randint(0, 2))),
        sources=frozenset(rng.sample(SOURCES, 1)),
    )


# --- the naive baseline: one regex per term, every watch against every story ---------------


def _term_regex(term: Term) -> re.Pattern[str]:
    head = r"[\W_]+".join(re.escape(t) + "(?:['’]s)?" for t in term.tokens[:-1])
    last = "(?:" + "|".join(re.escape(f) for f in plural_forms(term.tokens[-1])) + ")"
    body = (head + r"[\W_]+" + last) if head else last
    return re.compile(r"(?<![^\W_])" + body + r"(?:['’]s)?(?![^\W_])", re.IGNORECASE)


def naive_compile(query: Query) -> tuple[list[list[object]], list[re.Pattern[str]]]:
    clauses = [
        [_term_regex(a) if isinstance(a, Term) else a for a in c.alternatives]
        for c in query.clauses
    ]
    return clauses, [_term_regex(t) for t in query.exclusions]


def naive_match(compiled: tuple[list[list[object]], list[re.Pattern[str]]], s: StoryFacts) -> bool:
    clauses, exclusions = compiled
    if any(rx.search(s.text) for rx in exclusions):
        return False
    for clause in clauses:
        ok = False
        for alt in clause:
            if isinstance(alt, Filter):
                pool = {"topic": s.topics, "jurisdiction": s.jurisdictions}.get(alt.kind, s.sources)
                ok = alt.value in pool
            else:
                ok = alt.search(s.text) is not None  # type: ignore[attr-defined]
            if ok:
                break
        if not ok:
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--watches", type=int, default=100_000)
    ap.add_argument("--stories", type=int, default=1_000)
    ap.add_argument("--vocab", type=int, default=30_000)
    ap.add_argument("--naive-budget", type=float, default=20.0, help="seconds for the naive loop")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    vocab = pseudo_words(args.vocab, rng)
    texts = [make_watch(vocab, rng) for _ in range(args.watches)]
    zipf = Zipf(vocab)
    stories = [make_story(i, zipf, rng) for i in range(args.stories)]

    t0 = time.perf_counter()
    queries = [(i, parse_query(q)) for i, q in enumerate(texts)]
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher = WatchMatcher.build(queries)
    t_build = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = [matcher.match(s) for s in stories]
    t_match = time.perf_counter() - t0
    hits = sum(len(r) for r in results)

    # naive, on a sample of watches that fits the budget, extrapolated to all watches
    order = list(range(args.watches))
    rng.shuffle(order)
    naive_hits: dict[int, set[int]] = {}
    done, t_naive = 0, 0.0
    calibrate = 50
    while done < args.watches:
        batch = order[done : done + calibrate]
        t0 = time.perf_counter()
        for wid in batch:
            compiled = naive_compile(queries[wid][1])
            naive_hits[wid] = {s.story_id for s in stories if naive_match(compiled, s)}
        t_naive += time.perf_counter() - t0
        done += len(batch)
        if t_naive >= args.naive_budget:
            break
        calibrate = min(calibrate * 2, 5000)
    naive_total = t_naive * args.watches / done
    sampled = "" if done == args.watches else f" (sampled {done:,} watches, extrapolated)"

    # agreement on the sampled watches
    got: dict[int, set[int]] = {wid: set() for wid in naive_hits}
    for s, ids in zip(stories, results, strict=True):
        for wid in ids:
            if wid in got:
                got[wid].add(s.story_id)
    disagree = sum(1 for wid in naive_hits if naive_hits[wid] != got[wid])

    print(f"watches: {args.watches:,}   stories: {args.stories:,}   vocabulary: {args.vocab:,}")
    print("workload: stories of 120-260 words (70% common words, 30% terms with Zipf frequency);")
    print(
        "          watches of 1-3 terms, phrases, OR, exclusions and filters, terms spread evenly"
    )
    print(f"parse all queries:      {t_parse:8.3f} s")
    print(f"matcher build:          {t_build:8.3f} s   ({len(matcher):,} watches compiled)")
    print(
        f"matcher, all stories:   {t_match:8.3f} s   ({hits:,} matches; "
        f"{1000 * t_match / args.stories:.2f} ms per story)"
    )
    print(f"naive loop:             {naive_total:8.3f} s{sampled}")
    print(f"speed-up:               {naive_total / t_match:8.1f}x")
    print(f"agreement on sampled watches: {len(naive_hits) - disagree:,}/{len(naive_hits):,}")
    ok = t_match < 1.0 and naive_total / t_match >= 50 and disagree == 0
    print("targets (<1 s matching, >=50x naive, same results):", "MET" if ok else "NOT MET")


if __name__ == "__main__":
    main()
