"""A story named in a command (`s4k2` or an item URL), and the button-only story command (More)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.document import Document, Section, StoryCard, parse_story_ref
from core.stories import StoryPick
from handlers.base import Caller, NotFound, Options, Reply, Typed, UsageError
from handlers.common import cards_of
from handlers.context import Services
from handlers.parsing import Text, option_text, unexpected
from handlers.registry import Action, CommandSpec, Option, sync_action

__all__ = [
    "CARD_ACTIONS",
    "CardAction",
    "STORY_OPTION",
    "StoryPick",
    "pick_story",
    "story_action",
    "not_found",
    "story_card",
    "STORY",
]

STORY_OPTION = Option(
    "story", "Short id from a story card (s4k2) or a URL", kind="story", required=True
)


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
    "watchsave": CardAction("watch", "save-similar"),
    "watchedit": CardAction("watch", "edit-similar"),
    "more": CardAction("story"),
}


_NOT_A_STORY = "not a story id; story ids look like s4k2 and are on each story card"


def _one_story(command: str) -> str:
    return f"/{command} needs one story: its short id from a story card (like s4k2) or its URL"


def pick_story(value: str, command: str) -> StoryPick:
    """The story `value` names, checked for shape only (the handler looks it up)."""
    value = value.strip()
    if not value or len(value.split()) > 1:
        raise UsageError(_one_story(command))
    if value.lower().startswith(("http://", "https://")):
        return StoryPick(value, None)
    story_id = parse_story_ref(value)
    if story_id is None:
        raise UsageError(f"{value[:40]}: {_NOT_A_STORY}")
    return StoryPick(value, story_id)


def _story_in(text: Text, command: str) -> StoryPick:
    """The one story a typed text names; a second word or a word that is no story id is refused
    where it stands."""
    words = text.words()
    if len(words) > 1:
        raise unexpected(words[1], _one_story(command))
    try:
        return pick_story(text.raw, command)
    except UsageError:
        if not words:
            raise
        raise unexpected(words[0], _NOT_A_STORY) from None


def story_action(command: str, handler: Callable[[Services, Caller, StoryPick], Reply]) -> Action:
    """An action whose one argument is a story (from a word, or the `story` option)."""

    def from_text(services: Services, text: Text) -> StoryPick:
        return _story_in(text, command)

    def from_options(services: Services, options: Options) -> StoryPick:
        return pick_story(option_text(options, "story"), command)

    return sync_action(StoryPick, handler, text=from_text, options=from_options)


def not_found(pick: StoryPick) -> NotFound:
    """The refusal for a story that is not stored."""
    if pick.story_id is None:
        return NotFound(f"no stored story has the URL {pick.ref[:200]}")
    return NotFound(f"no story {pick.ref.lower()}; story ids are on each story card")


def story_card(services: Services, pick: StoryPick) -> StoryCard:
    """The card of the story the pick names, as /brief shows it."""
    card = cards_of(services).read_pick(pick)
    if card is None:
        raise not_found(pick)
    return card


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
