"""/pin <story>, /unpin <story>, /pinned (moderators): per-channel pins that lead briefs.

The Pin button on story cards dispatches this same /pin: one path, one permission check.
"""

from __future__ import annotations

from core.document import Document, Section, story_ref
from digest.composition.alerts import plain_cards
from handlers.base import Caller, NotFound, Reply, Role, UsageError
from handlers.context import Services
from handlers.registry import CommandSpec, NoArgs, no_args_action
from handlers.story import STORY_OPTION, StoryPick, resolve_story, story_action
from storage.pins import active_pins, pin_story, unpin_story

__all__ = ["PIN", "UNPIN", "PINNED"]


def run_pin(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    story = resolve_story(services, pick)
    assert story.id is not None
    days = services.limits.pin_days
    with services.db.session() as session:
        pin, new = pin_story(
            session,
            platform=caller.platform,
            workspace=caller.workspace,
            channel=caller.channel,
            story_id=story.id,
            by=caller.user,
            now=services.now(),
            days=days,
        )
        expires = pin.expires_at
    verb = "Pinned" if new else "Re-pinned"
    return Reply(
        Document.notice(
            f"{verb} {story_ref(story.id)}: {story.headline}",
            f"It leads /brief and the next digest in this channel until "
            f"{expires.strftime('%d %b %H:%M UTC')} ({days} days).",
        )
    )


def run_unpin(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    story = resolve_story(services, pick)
    assert story.id is not None
    with services.db.session() as session:
        removed = unpin_story(
            session,
            platform=caller.platform,
            workspace=caller.workspace,
            channel=caller.channel,
            story_id=story.id,
            now=services.now(),
        )
    if not removed:
        raise NotFound(f"{story_ref(story.id)} is not pinned in this channel")
    return Reply(Document.notice(f"Unpinned {story_ref(story.id)}: {story.headline}"))


def run_pinned(services: Services, caller: Caller, args: NoArgs) -> Reply:
    with services.db.session() as session:
        pins = active_pins(
            session,
            platform=caller.platform,
            workspace=caller.workspace,
            channel=caller.channel,
            now=services.now(),
        )
        cards = plain_cards(session, [p.story_id for p in pins])
    if not pins:
        return Reply(Document.notice("Nothing is pinned in this channel", "Pin one: /pin s4k2"))
    shown = []
    for pin in pins:
        card = cards.get(pin.story_id)
        if card is not None:
            card.pinned = True
            shown.append(card)
    footer = [
        f"{story_ref(p.story_id)} pinned by {p.pinned_by}, until "
        f"{p.expires_at.strftime('%d %b %H:%M UTC')}"
        for p in pins
    ]
    return Reply(
        Document(
            kind="list",
            title=f"Pinned in this channel ({len(pins)})",
            sections=[Section(stories=shown)],
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
        run_pinned, lambda word: UsageError("/pinned takes no words; it lists this channel's pins")
    ),
    min_role=Role.MODERATOR,
)
