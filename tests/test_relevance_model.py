"""The learned second opinion on policy relevance: the shipped weights are what the training
script builds from the corpus, and its opinion is what a reader would expect of clear cases."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from digest.judgement.classify import Taxonomy
from digest.judgement.relevance import RelevanceRules
from digest.judgement.relevance_model import evidence, load_model, word_features
from digest.text.words import split_words

ROOT = Path(__file__).resolve().parent.parent

# made up for these tests, not real news
FINE = (
    "Data protection authority fines retailer 5 million euros over unlawful tracking",
    "The national data protection authority said on Tuesday it had fined the retailer for "
    "tracking shoppers without consent, in breach of the GDPR, and ordered it to delete the data "
    "within three months.",
)
PROMO = (
    "Introducing the new Acme dashboard: faster insights for your team",
    "Today we are excited to announce the new Acme dashboard, with faster search, customisable "
    "widgets and a refreshed design. Try it free for 30 days and see how your team can save time.",
)


@pytest.fixture(scope="module")
def rules() -> RelevanceRules:
    return Taxonomy.load().relevance


def opinion(rules: RelevanceRules, title: str, text: str, kind: str) -> float:
    """The model's log-odds for an item, from the rules' own reading of it."""
    words, lead = split_words(title), split_words(text)
    bare = replace(rules, model=None).assess(words, lead, kind=kind)
    facts = evidence(bare.reasons, words, bare.event_type, kind, False, True)
    return load_model().log_odds(words, lead, facts)


def test_the_shipped_model_is_what_the_training_script_builds(tmp_path):
    built = tmp_path / "relevance_model.json"
    script = ROOT / "benchmarks" / "train_relevance_model.py"
    subprocess.run(
        [sys.executable, str(script), "--no-cv", "--out", str(built)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    shipped = json.loads((ROOT / "digest" / "data" / "relevance_model.json").read_text())
    rebuilt = json.loads(built.read_text())
    # the same words, settings and weights; a weight may differ in its last printed decimal,
    # since the maths library's last bit of exp and log differs between CPUs and a fit of
    # thousands of steps carries it that far
    assert {k: v for k, v in rebuilt.items() if k not in ("weights", "bias")} == {
        k: v for k, v in shipped.items() if k not in ("weights", "bias")
    }
    assert rebuilt["weights"].keys() == shipped["weights"].keys()
    assert rebuilt["bias"] == pytest.approx(shipped["bias"], abs=1e-3)
    drift = max(abs(w - shipped["weights"][k]) for k, w in rebuilt["weights"].items())
    assert drift <= 1e-3


def test_the_model_reads_a_regulator_fine_as_policy_news_and_a_vendor_promo_as_not(rules):
    assert opinion(rules, *FINE, kind="general-news") > 1.0
    assert opinion(rules, *PROMO, kind="vendor") < -1.0
    fine = rules.assess(*map(split_words, FINE), kind="general-news")
    assert fine.score >= rules.threshold
    assert any(r.startswith("model: +") for r in fine.reasons)  # the reader sees its say
    promo = rules.assess(*map(split_words, PROMO), kind="vendor")
    assert promo.score < rules.threshold


def test_a_headline_alone_is_judged_by_the_rules_alone(rules):
    # with no lead to read, the model's few words lose to the rules' reading of the headline
    title, empty = split_words("Regulator weighs new rules for app stores"), split_words("")
    bare = replace(rules, model=None)
    for kind in ("tech-press", "general-news", "vendor"):
        assert rules.assess(title, empty, kind=kind) == bare.assess(title, empty, kind=kind)


def test_the_fast_lookup_adds_the_weights_of_the_features_the_training_script_reads():
    # the judge looks words up as they stand; the training script names each feature: the two
    # must agree, or the shipped weights would be read as something other than what was learned
    model = load_model()
    for title, text in (FINE, PROMO, ("EU EU fines fines", "the the EU fines fines again")):
        words, lead = split_words(title), split_words(text)
        named = sum(model.weights.get(f, 0.0) for f in set(word_features(words, lead)))
        assert model.log_odds(words, lead, iter(())) == pytest.approx(model.bias + named)


def test_the_model_can_be_switched_off_and_a_bad_switch_is_refused():
    assert RelevanceRules.from_dict({"model": False}).model is None
    assert RelevanceRules.from_dict({}).model is not None
    with pytest.raises(ValueError, match=r"\[relevance\]\.model: must be true or false"):
        RelevanceRules.from_dict({"model": "no"})
