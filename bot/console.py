"""The local chat: a Publisher that prints Documents, and a REPL over the same dispatch.

The console user is an admin. Alerts and other deliveries queued for the console platform are
printed in the REPL after each command (and by `ConsolePublisher` when the delivery loop runs).
On a terminal the REPL is prompt-toolkit's: line editing, a history kept across runs, and
completion of command, subcommand, topic and jurisdiction names; Ctrl-C or Ctrl-D leaves it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.publisher import Recipient, Sent
from core.document import Document
from digest.composition.textrender import render_text
from handlers.base import Invocation, Reply, Role
from handlers.context import Services
from handlers.registry import Registry

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

__all__ = [
    "CONSOLE",
    "ConsolePublisher",
    "parse_command",
    "ask",
    "run_command",
    "print_pending",
    "repl",
    "run_repl",
    "save_images",
]

CONSOLE = {"platform": "console", "workspace": "local", "channel": "console", "user": "console"}
PROMPT = "policybrief> "
REPL_OWNER = "console-repl"


class ConsolePublisher:
    """Prints each document as readable text; message ids are a simple counter."""

    platform = "console"

    def __init__(self, output: TextIO | None = None, *, images: Path | None = None) -> None:
        self._output = output
        self._ids = itertools.count(1)
        self._images = images  # where charts are written; None: a new temporary folder each

    @property
    def output(self) -> TextIO:
        # standard output as it is now: under the line editor, prints go above the prompt
        return self._output if self._output is not None else sys.stdout

    async def send(self, target: Recipient, document: Document, *, key: str) -> Sent:
        return self.show(target, document, key=key)

    def show(self, target: Recipient, document: Document, *, key: str = "") -> Sent:
        """Print at once; `print_pending` calls it from a worker thread. Charts are written to
        files whose paths are printed (one folder per delivery key: a resend overwrites)."""
        where = f"@{target.id} (direct)" if target.direct else f"#{target.id}"
        text = render_text(document)
        if document.images:
            folder = None
            if self._images is not None:
                folder = self._images / (re.sub(r"[^A-Za-z0-9._-]", "_", key) or "chart")
                folder.mkdir(parents=True, exist_ok=True)
            paths = save_images(document, folder)
            text += "".join(f"\nChart saved to {path}" for path in paths)
        self.output.write(f"\n--- to {where} ---\n{text}\n")
        self.output.flush()
        return Sent(message_id=str(next(self._ids)), channel_id=target.id)

    async def pin(self, channel_id: str, message_id: str) -> None:
        self.output.write(f"(pinned message {message_id} in #{channel_id})\n")


def save_images(document: Document, directory: Path | None = None) -> list[Path]:
    """Write a document's images (charts) to files, in a new temporary folder unless one is
    given; returns their paths, for the console to print."""
    if not document.images:
        return []
    folder = directory or Path(tempfile.mkdtemp(prefix="policybrief-"))
    paths = []
    for n, image in enumerate(document.images):
        # the name is ours, but keep it a plain file name whatever it says
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", image.name).lstrip(".") or "image"
        path = folder / (safe if n == 0 else f"{n}-{safe}")
        path.write_bytes(image.data)
        paths.append(path)
    return paths


def parse_command(text: str, role: Role = Role.OPERATOR) -> Invocation:
    """'/brief eu' -> an Invocation of the console user (the machine's operator by default: its
    sources are the shared catalogue)."""
    command, _, rest = text.strip().removeprefix("/").partition(" ")
    return Invocation(
        platform=CONSOLE["platform"],
        workspace=CONSOLE["workspace"],
        channel=CONSOLE["channel"],
        user=CONSOLE["user"],
        platform_role=role,
        command=command.lower(),
        request=rest.strip(),
    )


async def ask(services: Services, registry: Registry, text: str) -> Reply:
    """Run one console command line through the shared dispatch; an empty line is /help."""
    line = text if text.strip().lstrip("/") else "/help"
    return await registry.dispatch(services, parse_command(line))


def run_command(services: Services, registry: Registry, text: str) -> Reply:
    """`ask` for callers without an event loop (`policybrief chat "/brief eu"`)."""
    return asyncio.run(ask(services, registry, text))


def print_pending(services: Services, output: TextIO, publisher: ConsolePublisher) -> int:
    """Print console deliveries that are due (alerts show up in the REPL); returns how many.

    Each row is claimed with a lease first, so a delivery loop running beside the REPL
    (policybrief run) and this function never print the same delivery twice.
    """
    store, now = services.store, services.now()
    printed = 0
    while rows := store.claims.claim_deliveries(
        REPL_OWNER, now, platforms=[CONSOLE["platform"]], lease=timedelta(minutes=1)
    ):
        for row in rows:
            target = Recipient(row.platform, row.workspace, row.target, row.direct)
            sent = publisher.show(target, Document.from_json(row.payload), key=row.key)
            store.outbox.mark_sent(row.id, sent.message_id, now)
            printed += 1
    return printed


QUIT = ("/quit", "/exit", "quit", "exit")
EXTRA_WORDS = ("since:24h", "since:7d", "since:30d", "/quit")


def completion_words(services: Services, registry: Registry) -> dict[str, list[str]]:
    """What the console completes: each command's subcommands, and under "" the words any
    command may take (topic and jurisdiction names, windows)."""
    words: dict[str, list[str]] = {"": [*services.taxonomy.all_slugs(), *EXTRA_WORDS]}
    for spec in registry.listed():
        words[spec.name] = [sub.name for sub in spec.subcommands]
    return words


def complete_line(line: str, words: dict[str, list[str]]) -> tuple[str, list[str]]:
    """The word being typed at the end of `line`, and what it may become (in order)."""
    stem = line.split(" ")[-1]
    if " " not in line.lstrip():  # the command itself
        wanted = stem.lower() if stem.startswith("/") else "/" + stem.lower()
        return stem, [f"/{name}" for name in words if name and f"/{name}".startswith(wanted)]
    command = line.split()[0].lstrip("/").lower()
    choices = [*words.get(command, []), *words[""]]
    return stem, [c for c in choices if c.lower().startswith(stem.lower()) and c != stem]


class _LineReader:
    """Where the REPL's lines come from: prompt-toolkit on a terminal, else plain lines."""

    def __init__(
        self,
        inp: TextIO,
        out: TextIO,
        history: Path | None,
        words: dict[str, list[str]],
        *,
        interactive: bool,
    ) -> None:
        self._inp, self._out = inp, out
        self._session: PromptSession[str] | None = None
        if interactive:
            from bot.shell import prompt_session  # prompt-toolkit: loaded for a terminal only

            self._session = prompt_session(history, words)

    async def read(self) -> str | None:
        """The next line, or None at the end (EOF, Ctrl-D, Ctrl-C)."""
        if self._session is None:
            line = await asyncio.to_thread(self._inp.readline)  # the loop serves meanwhile
            return line or None
        try:
            text: str = await self._session.prompt_async(PROMPT)
            return text + "\n"
        except (EOFError, KeyboardInterrupt):
            return None


async def repl(
    services: Services,
    registry: Registry,
    input: TextIO | None = None,  # noqa: A002 - the brief's name
    output: TextIO | None = None,
    *,
    history: Path | None = None,
) -> None:
    """Read commands until EOF, Ctrl-C or /quit; print each reply and any alerts that came due.
    On a terminal, lines are edited with prompt-toolkit and kept in `history`."""
    inp = input if input is not None else sys.stdin
    out = output if output is not None else sys.stdout
    words = completion_words(services, registry)
    interactive = inp.isatty() and out.isatty()
    reader = _LineReader(inp, out, history, words, interactive=interactive)
    with contextlib.ExitStack() as stack:
        if interactive and output is None:
            from prompt_toolkit.patch_stdout import patch_stdout

            stack.enter_context(patch_stdout(raw=True))  # other prints go above the prompt
            out = sys.stdout
        await _converse(services, registry, reader, out)


async def _converse(
    services: Services, registry: Registry, reader: _LineReader, out: TextIO
) -> None:
    publisher = ConsolePublisher(out)
    out.write("policybrief console chat — /help lists commands, /quit leaves.\n")
    while True:
        line = await reader.read()
        if line is None:
            break
        line = line.strip()
        if not line:
            continue
        if line in QUIT:
            break
        reply = await ask(services, registry, line)
        out.write(render_text(reply.document) + "\n")
        for path in save_images(reply.document):
            out.write(f"chart written to {path}\n")
        for extra in reply.extras:
            out.write("\n" + render_text(extra) + "\n")
        out.write("\n")
        await asyncio.to_thread(print_pending, services, out, publisher)
        out.flush()


def run_repl(
    services: Services,
    registry: Registry,
    input: TextIO | None = None,  # noqa: A002 - the brief's name
    output: TextIO | None = None,
    *,
    history: Path | None = None,
) -> None:
    """`repl` for callers without an event loop (`policybrief chat`)."""
    asyncio.run(repl(services, registry, input, output, history=history))
