"""/brief [topic | jurisdiction | words] [since:24h|7d] [public]: top stories, pinned first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from core.document import Document, Section
from digest.composition import compose
from digest.text.words import word_tokens
from handlers.base import Caller, Options, Reply, Visibility
from handlers.common import (
    jurisdiction_slugs,
    parse_since,
    provider_of,
    since_label,
    suggest,
    topic_slugs,
)
from handlers.context import Services
from handlers.parsing import Text, option_text, unexpected
from handlers.registry import CommandSpec, Option, sync_action

__all__ = ["SPEC", "BriefArgs", "run_brief"]


@dataclass(frozen=True)
class BriefArgs:
    """What to brief on: taxonomy slugs, free words, a window (None: the default) and where."""

    topics: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    since: timedelta | None = None
    public: bool = False


def _sorted_words(
    services: Services, words: Iterable[str], since: timedelta | None, public: bool
) -> BriefArgs:
    """Topics and jurisdictions (by slug, label or alias) apart from the free words."""
    topics: list[str] = []
    jurisdictions: list[str] = []
    free: list[str] = []
    for word in words:
        cat = services.taxonomy.lookup(word)
        if cat is None:
            free.append(word)
            continue
        target = topics if cat.kind == "topic" else jurisdictions
        if cat.slug not in target:
            target.append(cat.slug)
    return BriefArgs(tuple(topics), tuple(jurisdictions), tuple(free), since, public)


def parse_brief(services: Services, text: Text) -> BriefArgs:
    """Words in any order; `since:` once, `public` anywhere."""
    since: timedelta | None = None
    public = False
    plain: list[str] = []
    for word in text.words():
        low = word.text.lower()
        if low.startswith("since:"):
            if since is not None:
                raise unexpected(word, "/brief takes one since: window")
            since = parse_since(word.text)
        elif low == "public":
            public = True
        else:
            plain.append(word.text)
    return _sorted_words(services, plain, since, public)


def brief_from_options(services: Services, options: Options) -> BriefArgs:
    """Discord's options; a topic box holding a jurisdiction (or free words) still works."""
    words = [option_text(options, "topic"), option_text(options, "jurisdiction")]
    words += option_text(options, "words").split()
    window = option_text(options, "since")
    since = parse_since(f"since:{window}") if window else None
    public = option_text(options, "public") == "public"
    return _sorted_words(services, [w for w in words if w], since, public)


def run_brief(services: Services, caller: Caller, args: BriefArgs) -> Reply:
    """Compose the brief: the channel's pinned stories first, then the best of the window."""
    span = args.since or timedelta(hours=services.brief_window_hours)
    now = services.now()
    wanted = [*args.jurisdictions, *args.topics, *args.words]
    title = f"Brief: {' '.join(wanted)}" if wanted else "Top stories"
    doc = compose.compose_brief(
        services.store,
        services.taxonomy,
        provider_of(services),
        topics=set(args.topics),
        jurisdictions=set(args.jurisdictions),
        # the stored search text is lower-cased raw text: search by normalised tokens so that
        # "Coupang's" finds "coupang" and "age-verification" finds "age verification"
        words=list(dict.fromkeys(t for w in args.words for t in word_tokens(w))),
        since=now - span,
        now=now,
        channel=caller.where,
        limit=services.limits.brief_stories,
        title=title,
    )
    if doc.stories():
        return Reply(doc, Visibility.CHANNEL if args.public else Visibility.ONLY_YOU)
    return Reply(_nothing_found(services, args, wanted, span), Visibility.ONLY_YOU)


def _nothing_found(
    services: Services, args: BriefArgs, wanted: list[str], span: timedelta
) -> Document:
    what = " ".join(wanted) if wanted else "anything"
    lines = []
    if args.words:
        known = topic_slugs(services) + jurisdiction_slugs(services)
        hints = [h for w in args.words if (h := suggest(w, known)) is not None]
        if hints:
            lines.append("Did you mean " + " or ".join(dict.fromkeys(hints)) + "?")
        lines.append("Topics: " + ", ".join(topic_slugs(services)))
    return Document(
        kind="notice",
        title=f"nothing found for {what} in the last {since_label(span)}",
        sections=[Section(lines=lines)] if lines else [],
        footer=[
            "Try a topic or jurisdiction, or a longer window: since:7d"
            if span < timedelta(days=7)
            else "Try a topic or jurisdiction, or fewer words."
        ],
    )


SPEC = CommandSpec(
    name="brief",
    summary="Top stories, one per story, summarised, with links",
    usage="/brief [topic | jurisdiction | words] [since:24h|7d] [public]",
    action=sync_action(BriefArgs, run_brief, text=parse_brief, options=brief_from_options),
    options=(
        Option("topic", "A topic, e.g. child-safety", kind="topic"),
        Option("jurisdiction", "A jurisdiction, e.g. eu", kind="jurisdiction"),
        Option("words", "Free words to search for", kind="text", rest=True),
        Option("since", "How far back", kind="choice", choices=("24h", "48h", "3d", "7d")),
        Option("public", "Post it in the channel", kind="choice", choices=("public",)),
    ),
)
