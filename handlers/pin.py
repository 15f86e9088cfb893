"""/pin <story>, /unpin <story>, /pinned (moderators): per-channel pins that lead briefs.

The Pin button on story cards dispatches this same /pin: one path, one permission check.
"""

from __future__ import annotations

from core.document import Document, Section, story_ref
from handlers.base import Caller, NotFound, Reply, Role
from handlers.common import cards_of
from handlers.context import Services
from handlers.parsing import unexpected
from handlers.registry import CommandSpec, NoArgs, no_args_action
from handlers.story import STORY_OPTION, StoryPick, not_found, story_action

__all__ = ["PIN", "UNPIN", "PINNED"]


def run_pin(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    days = services.limits.pin_days
    pinned = services.store.pins.pin(
        caller.where, pick, by=caller.user, now=services.now(), days=days
    )
    if pinned is None:
        raise not_found(pick)
    verb = "Pinned" if pinned.new else "Re-pinned"
    story = pinned.story
    return Reply(
        Document.notice(
            f"{verb} {story_ref(story.id)}: {story.headline}",
            f"It leads /brief and the next digest in this channel until "
            f"{pinned.expires_at.strftime('%d %b %H:%M UTC')} ({days} days).",
        )
    )


def run_unpin(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    unpinned = services.store.pins.unpin(caller.where, pick, services.now())
    if unpinned is None:
        raise not_found(pick)
    story = unpinned.story
    if not unpinned.removed:
        raise NotFound(f"{story_ref(story.id)} is not pinned in this channel")
    return Reply(Document.notice(f"Unpinned {story_ref(story.id)}: {story.headline}"))


def run_pinned(services: Services, caller: Caller, args: NoArgs) -> Reply:
    pins, cards = cards_of(services).pinned(caller.where, services.now())
    if not pins:
        return Reply(Document.notice("Nothing is pinned in this channel", "Pin one: /pin s4k2"))
    footer = [
        f"{story_ref(p.story_id)} pinned by {p.pinned_by}, until "
        f"{p.expires_at.strftime('%d %b %H:%M UTC')}"
        for p in pins
    ]
    return Reply(
        Document(
            kind="list",
            title=f"Pinned in this channel ({len(pins)})",
            sections=[Section(stories=cards)],
            footer=footer,
        )
    )


PIN = CommandSpec(
    name="pin",
    summary="Pin a story: it leads /brief and the next digest here for 7 days",
    usage="/pin <story id or URL>",
    action=story_action("pin", run_pin),
    min_role=Role.MODERATOR,
    options=(STORY_OPTION,),
)
UNPIN = CommandSpec(
    name="unpin",
    summary="Unpin a story in this channel",
    usage="/unpin <story id or URL>",
    action=story_action("unpin", run_unpin),
    min_role=Role.MODERATOR,
    options=(STORY_OPTION,),
)
PINNED = CommandSpec(
    name="pinned",
    summary="This channel's pinned stories",
    usage="/pinned",
    action=no_args_action(
        run_pinned,
        lambda word: unexpected(word, "/pinned takes no words; it lists this channel's pins"),
    ),
    min_role=Role.MODERATOR,
)
