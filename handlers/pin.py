"""/pin <story>, /unpin <story>, /pinned (moderators): per-channel pins that lead briefs."""

from __future__ import annotations

from core.document import Document, Section, parse_story_ref, story_ref
from digest.composition.alerts import plain_cards
from handlers.base import Invocation, NotFound, Reply, Role, UsageError
from handlers.context import Services
from handlers.registry import CommandSpec, Option
from storage import stories
from storage.models import Story
from storage.pins import active_pins, pin_story, unpin_story

__all__ = ["PIN", "UNPIN", "PINNED", "resolve_story"]


def resolve_story(services: Services, ref: str, command: str) -> Story:
    """A story by short id (s4k2) or one of its item URLs; NotFound otherwise."""
    ref = ref.strip()
    if not ref or len(ref.split()) > 1:
        raise UsageError(
            f"/{command} needs one story: its short id from a story card (like s4k2) or its URL"
        )
    with services.db.session() as session:
        if ref.lower().startswith(("http://", "https://")):
            story = stories.story_by_url(session, ref)
            if story is None:
                raise NotFound(f"no stored story has the URL {ref[:200]}")
            return story
        story_id = parse_story_ref(ref)
        if story_id is None:
            raise UsageError(
                f"{ref[:40]}: not a story id; story ids look like s4k2 and are on each story card"
            )
        story = stories.get_story(session, story_id)
        if story is None:
            raise NotFound(f"no story {ref.lower()}; story ids are on each story card")
        return story


def run_pin(services: Services, inv: Invocation) -> Reply:
    story = resolve_story(services, inv.text, "pin")
    assert story.id is not None
    days = services.limits.pin_days
    with services.db.session() as session:
        pin, new = pin_story(
            session,
            platform=inv.platform,
            workspace=inv.workspace,
            channel=inv.channel,
            story_id=story.id,
            by=inv.user,
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


def run_unpin(services: Services, inv: Invocation) -> Reply:
    story = resolve_story(services, inv.text, "unpin")
    assert story.id is not None
    with services.db.session() as session:
        removed = unpin_story(
            session,
            platform=inv.platform,
            workspace=inv.workspace,
            channel=inv.channel,
            story_id=story.id,
            now=services.now(),
        )
    if not removed:
        raise NotFound(f"{story_ref(story.id)} is not pinned in this channel")
    return Reply(Document.notice(f"Unpinned {story_ref(story.id)}: {story.headline}"))


def run_pinned(services: Services, inv: Invocation) -> Reply:
    if inv.text.strip():
        raise UsageError("/pinned takes no words; it lists this channel's pins")
    with services.db.session() as session:
        pins = active_pins(
            session,
            platform=inv.platform,
            workspace=inv.workspace,
            channel=inv.channel,
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


_STORY = (
    Option("story", "Short id from a story card (s4k2) or a URL", kind="story", required=True),
)

PIN = CommandSpec(
    name="pin",
    summary="Pin a story: it leads /brief and the next digest here for 7 days",
    usage="/pin <story id or URL>",
    handler=run_pin,
    min_role=Role.MODERATOR,
    options=_STORY,
)
UNPIN = CommandSpec(
    name="unpin",
    summary="Unpin a story in this channel",
    usage="/unpin <story id or URL>",
    handler=run_unpin,
    min_role=Role.MODERATOR,
    options=_STORY,
)
PINNED = CommandSpec(
    name="pinned",
    summary="This channel's pinned stories",
    usage="/pinned",
    handler=run_pinned,
    min_role=Role.MODERATOR,
)
