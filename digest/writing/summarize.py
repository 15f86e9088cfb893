"""Summarizer protocol and the offline extractive summarizer (the LLM one lives in llm.py)."""

from __future__ import annotations

import re
from typing import Protocol

from core.texts import StorySummary, StoryText
from digest.text.sentences import split_sentences
from digest.text.stopwords import STOP_WORDS
from digest.text.words import word_tokens

__all__ = ["Summarizer", "ExtractiveSummarizer"]


class Summarizer(Protocol):
    """Turns a story into a summary. Implementations must not raise on bad text."""

    name: str
    model: str

    def summarize(self, story: StoryText) -> StorySummary: ...


# -- the offline extractive summarizer ----------------------------------------------------------

# Calls to action, not news. Word-bounded, and no policy vocabulary: "subscriber data",
# "cookie banners", "chatbot" and "advertising" are what stories are about.
_PROMO = re.compile(
    r"\b(subscribe|sign up|click here|read more|learn more|follow us|share this|"
    r"all rights reserved|sponsored|download the app)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 6
_HEADLINE_CHARS = 200
_TEXT_CHARS = 420


def _terms(text: str) -> set[str]:
    return {w for w in word_tokens(text) if w not in STOP_WORDS}


def _truncate(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return cut + "…"


class ExtractiveSummarizer:
    """One or two sentences picked from the story's own text; no model, no downloads."""

    name = "extractive"
    model = "v3"  # part of the summary cache key: bump it when the algorithm changes

    def __init__(self, max_sentences: int = 2) -> None:
        self.max_sentences = max_sentences

    def _candidates(self, story: StoryText) -> list[tuple[float, int, str, int]]:
        headline_terms = _terms(story.headline)
        centroid: dict[str, int] = {}
        item_sentences: list[list[str]] = []
        for item in story.items:
            sents = split_sentences(item.text or "")
            item_sentences.append(sents)
            for term in _terms(item.text or "") | _terms(item.title):
                centroid[term] = centroid.get(term, 0) + 1
        n_items = max(len(story.items), 1)
        scored: list[tuple[float, int, str, int]] = []
        order = 0
        for item_no, sents in enumerate(item_sentences):
            for pos, sent in enumerate(sents):
                order += 1
                words = word_tokens(sent)
                if len(words) < _MIN_WORDS or _PROMO.search(sent) or sent.endswith("?"):
                    continue
                terms = _terms(sent)
                if not terms:
                    continue
                head = len(terms & headline_terms) / max(len(headline_terms), 1)
                shared = sum(centroid.get(t, 0) - 1 for t in terms) / (len(terms) * n_items)
                position = 1.0 / (1 + pos)
                length = 0.0 if len(words) <= 45 else -0.3  # long sentences read badly
                score = 1.2 * position + 1.0 * head + 0.8 * shared + length
                scored.append((score, order, sent, item_no))
        return scored

    def summarize(self, story: StoryText) -> StorySummary:
        """The best one or two sentences, in reading order; the headline when nothing is usable."""
        try:
            scored = self._candidates(story)
        except Exception:  # never raise on bad text: fall back to the headline
            scored = []
        if not scored:
            fallback = _truncate(story.headline.strip(), _HEADLINE_CHARS)
            return StorySummary(headline=fallback, text=fallback, summarizer=self.name)
        best = sorted(scored, key=lambda s: (-s[0], s[1]))
        chosen = [best[0]]
        seen_terms = _terms(best[0][2])
        for cand in best[1:]:
            if len(chosen) >= self.max_sentences:
                break
            # the second sentence continues the first one's article: another source's sentence
            # mostly retells the same fact in other words
            if cand[3] != best[0][3]:
                continue
            terms = _terms(cand[2])
            if terms and len(terms & seen_terms) / len(terms) > 0.5:
                continue
            if len(chosen[0][2]) + len(cand[2]) > _TEXT_CHARS:
                continue
            chosen.append(cand)
            seen_terms |= terms
        chosen.sort(key=lambda s: s[1])
        first_good = min(scored, key=lambda s: s[1])[2]
        return StorySummary(
            headline=_truncate(first_good, _HEADLINE_CHARS),
            text=_truncate(" ".join(s[2] for s in chosen), _TEXT_CHARS + 40),
            summarizer=self.name,
        )
