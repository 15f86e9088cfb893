"""/brief [topic | jurisdiction | words] [since:24h|7d] [public]: top stories, pinned first."""

from __future__ import annotations

from datetime import timedelta

from core.document import Document, Section
from digest.composition import compose
from digest.judgement.query import normalise_tokens
from handlers.base import Invocation, Reply, Visibility
from handlers.common import (
    jurisdiction_slugs,
    lookup,
    parse_since,
    provider_of,
    since_label,
    suggest,
    topic_slugs,
    words_of,
)
from handlers.context import Services
from handlers.registry import CommandSpec, Option
from storage.pins import pinned_story_ids

__all__ = ["SPEC", "run_brief"]


def run_brief(services: Services, inv: Invocation) -> Reply:
    """Parse the words into topics, jurisdictions, free words and a window; compose the brief."""
    topics: list[str] = []
    jurisdictions: list[str] = []
    words: list[str] = []
    span = timedelta(hours=services.brief_window_hours)
    visibility = Visibility.ONLY_YOU
    for word in words_of(inv.text):
        low = word.lower()
        if low.startswith("since:"):
            span = parse_since(word)
        elif low == "public":
            visibility = Visibility.CHANNEL
        elif (cat := lookup(services, word)) is not None:
            target = topics if cat.kind == "topic" else jurisdictions
            if cat.slug not in target:
                target.append(cat.slug)
        else:
            words.append(word)
    now = services.now()
    with services.db.session() as session:
        pinned = pinned_story_ids(
            session, platform=inv.platform, workspace=inv.workspace, channel=inv.channel, now=now
        )
    wanted = [*jurisdictions, *topics, *words]
    title = f"Brief: {' '.join(wanted)}" if wanted else "Top stories"
    doc = compose.compose_brief(
        services.db,
        services.taxonomy,
        provider_of(services),
        topics=set(topics),
        jurisdictions=set(jurisdictions),
        # the stored search text is lower-cased raw text: search by normalised tokens so that
        # "Coupang's" finds "coupang" and "age-verification" finds "age verification"
        words=list(dict.fromkeys(t for w in words for t in normalise_tokens(w))),
        since=now - span,
        now=now,
        pinned_ids=tuple(pinned),
        limit=services.limits.brief_stories,
        title=title,
    )
    if not doc.stories():
        what = " ".join(wanted) if wanted else "anything"
        lines = []
        if words:
            known = topic_slugs(services) + jurisdiction_slugs(services)
            hints = [h for w in words if (h := suggest(w, known)) is not None]
            if hints:
                lines.append("Did you mean " + " or ".join(dict.fromkeys(hints)) + "?")
            lines.append("Topics: " + ", ".join(topic_slugs(services)))
        doc = Document(
            kind="notice",
            title=f"nothing found for {what} in the last {since_label(span)}",
            sections=[Section(lines=lines)] if lines else [],
            footer=[
                "Try a topic or jurisdiction, or a longer window: since:7d"
                if span < timedelta(days=7)
                else "Try a topic or jurisdiction, or fewer words."
            ],
        )
        return Reply(doc, Visibility.ONLY_YOU)
    return Reply(doc, visibility)


SPEC = CommandSpec(
    name="brief",
    summary="Top stories, one per story, summarised, with links",
    usage="/brief [topic | jurisdiction | words] [since:24h|7d] [public]",
    handler=run_brief,
    options=(
        Option("topic", "A topic, e.g. child-safety", kind="topic"),
        Option("jurisdiction", "A jurisdiction, e.g. eu", kind="jurisdiction"),
        Option("words", "Free words to search for", kind="text", rest=True),
        Option("since", "How far back", kind="choice", choices=("24h", "48h", "3d", "7d")),
        Option("public", "Post it in the channel", kind="choice", choices=("public",)),
    ),
)
