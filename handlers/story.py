"""A story named in a command (`s4k2` or an item URL), and the button-only story command (More)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.document import Document, Section, StoryCard, parse_story_ref
from digest.composition.alerts import plain_cards
from handlers.base import Caller, NotFound, Options, Reply, Typed, UsageError
from handlers.context import Services
from handlers.parsing import Text, option_text
from handlers.registry import Action, CommandSpec, Option, sync_action
from storage import stories
from storage.models import Story

__all__ = [
    "CARD_ACTIONS",
    "CardAction",
    "STORY_OPTION",
    "StoryPick",
    "pick_story",
    "story_action",
    "resolve_story",
    "story_card",
    "STORY",
]

STORY_OPTION = Option(
    "story", "Short id from a story card (s4k2) or a URL", kind="story", required=True
)


@dataclass(frozen=True)
class StoryPick:
    """One story as the user named it: a short id (then `story_id` is set) or an item URL."""

    ref: str
    story_id: int | None


@dataclass(frozen=True)
class CardAction:
    """What a story card's button or menu entry runs: a command (and subcommand) on the story."""

    command: str
    subcommand: str | None = None

    def request(self, ref: str) -> Typed:
        return Typed(self.subcommand, {"story": ref})


# Keyed by the word both platforms put in a button's value (`pin:s4k2`, `pb:watch:s4k2`).
CARD_ACTIONS = {
    "pin": CardAction("pin"),
    "watch": CardAction("watch", "similar"),
    "more": CardAction("story"),
}


def pick_story(value: str, command: str) -> StoryPick:
    """The story `value` names, checked for shape only (the handler looks it up)."""
    value = value.strip()
    if not value or len(value.split()) > 1:
        raise UsageError(
            f"/{command} needs one story: its short id from a story card (like s4k2) or its URL"
        )
    if value.lower().startswith(("http://", "https://")):
        return StoryPick(value, None)
    story_id = parse_story_ref(value)
    if story_id is None:
        raise UsageError(
            f"{value[:40]}: not a story id; story ids look like s4k2 and are on each story card"
        )
    return StoryPick(value, story_id)


def story_action(command: str, handler: Callable[[Services, Caller, StoryPick], Reply]) -> Action:
    """An action whose one argument is a story (from a word, or the `story` option)."""

    def from_text(services: Services, text: Text) -> StoryPick:
        return pick_story(text.raw, command)

    def from_options(services: Services, options: Options) -> StoryPick:
        return pick_story(option_text(options, "story"), command)

    return sync_action(StoryPick, handler, text=from_text, options=from_options)


def resolve_story(services: Services, pick: StoryPick) -> Story:
    """The stored story the pick names; NotFound otherwise."""
    with services.db.session() as session:
        if pick.story_id is None:
            story = stories.story_by_url(session, pick.ref)
            if story is None:
                raise NotFound(f"no stored story has the URL {pick.ref[:200]}")
            return story
        story = stories.get_story(session, pick.story_id)
        if story is None:
            raise NotFound(f"no story {pick.ref.lower()}; story ids are on each story card")
        return story


def story_card(services: Services, pick: StoryPick) -> StoryCard:
    """The card of the story the pick names, as /pinned shows it."""
    story = resolve_story(services, pick)
    assert story.id is not None
    with services.db.session() as session:
        return plain_cards(session, [story.id])[story.id]


def run_story(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    """One story in full: its summary and every source (the card menu's More)."""
    card = story_card(services, pick)
    return Reply(
        Document(kind="list", title=f"Story {card.ref}", sections=[Section(stories=[card])])
    )


STORY = CommandSpec(
    name="story",
    summary="One story in full: its summary and every source",
    usage="/story <story id or URL>",
    action=story_action("story", run_story),
    options=(STORY_OPTION,),
    listed=False,
)
