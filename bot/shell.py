"""The console's line editor (prompt-toolkit): editing, a history kept across runs, and
completion of command, subcommand, topic and jurisdiction names. Imported only for a terminal."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, ThreadedCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from bot.console import complete_line

__all__ = ["CommandCompleter", "prompt_session"]


class CommandCompleter(Completer):
    """Completes the word at the cursor from `complete_line`."""

    def __init__(self, words: dict[str, list[str]]) -> None:
        self.words = words

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        stem, choices = complete_line(document.text_before_cursor, self.words)
        for choice in choices:
            yield Completion(choice, start_position=-len(stem))


def prompt_session(history: Path | None, words: dict[str, list[str]]) -> PromptSession[str]:
    """A prompt with its history in `history` (kept in memory only when that cannot be
    written)."""
    kept: History = InMemoryHistory()
    if history is not None:
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            history.touch(exist_ok=True)
            kept = FileHistory(str(history))
        except OSError:
            pass  # a console without a history beats no console
    return PromptSession(
        history=kept,
        completer=ThreadedCompleter(CommandCompleter(words)),
        complete_while_typing=False,
    )
