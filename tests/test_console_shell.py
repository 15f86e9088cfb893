"""The console as a shell (issue 15): completion, a history kept across runs, Ctrl-C that ends
`run`'s console and the process, and readable output (logs at WARNING unless asked)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.console import complete_line
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
WORDS = {
    "": ["eu", "uk", "child-safety", "since:24h"],
    "brief": [],
    "watch": ["list", "remove", "test"],
    "digest": ["on", "off", "status", "preview"],
}


@pytest.mark.parametrize(
    ("line", "stem", "choices"),
    [
        ("/br", "/br", ["/brief"]),
        ("d", "d", ["/digest"]),
        ("", "", ["/brief", "/watch", "/digest"]),
        ("/digest o", "o", ["on", "off"]),
        ("/watch l", "l", ["list"]),
        ("/brief chi", "chi", ["child-safety"]),
        ("/brief eu si", "si", ["since:24h"]),
        ("/brief eu", "eu", []),  # already whole
    ],
)
def test_completion_of_commands_subcommands_and_topics(line, stem, choices):
    assert complete_line(line, WORDS) == (stem, choices)


def test_console_logs_at_warning_unless_the_level_is_set(monkeypatch):
    monkeypatch.delenv("POLICYBRIEF_LOG_LEVEL", raising=False)
    settings = load_settings()
    assert settings.console_log_level(console=True) == "WARNING"
    assert settings.console_log_level(console=False) == "INFO"
    monkeypatch.setenv("POLICYBRIEF_LOG_LEVEL", "debug")
    assert load_settings().console_log_level(console=True) == "DEBUG"


class Terminal:
    """A command on a pseudo-terminal: type into it, read what it shows."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, text: str, timeout: float = 60.0, after: str = "") -> str:
        """Read until `text` shows (after the last `after`, when given)."""

        def shown() -> bool:
            start = self.seen.rfind(after) if after else 0
            return start >= 0 and text in self.seen[start + len(after) :]

        deadline = time.monotonic() + timeout
        while not shown() and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        assert shown(), f"{text!r} never showed; the screen had:\n{self.seen[-2000:]}"
        return self.seen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def shell_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "OPENAI_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'shell.db'}",
        POLICYBRIEF_SEED_SOURCES="false",
        POLICYBRIEF_DATA_DIR=str(tmp_path / "data"),
        TERM="xterm",
        PROMPT_TOOLKIT_NO_CPR="1",
        PYTHONPATH=str(ROOT),
    )
    env.pop("POLICYBRIEF_LOG_LEVEL", None)
    return env


GREETING = "/quit leaves."  # the REPL is reading once the prompt shows after this
HELP_END = "quote a word to search for it"  # the end of /help
PROMPT = "policybrief>"  # the editor draws the space after it as a cursor move
CLI = [sys.executable, "-c", "from bot.cli import main; main()"]


def test_chat_keeps_its_history_across_runs_and_ctrl_d_leaves(tmp_path):
    env = shell_env(tmp_path)
    first = Terminal([*CLI, "chat"], env, tmp_path)
    try:
        first.read_until(PROMPT, after=GREETING)
        first.type("/help\r")
        first.read_until(PROMPT, after=HELP_END)  # the prompt is back after the reply
        first.type("\x04")  # Ctrl-D
        assert first.proc.wait(timeout=30) == 0
    finally:
        first.close()
    assert "/help" in (tmp_path / "data" / "console_history").read_text()

    second = Terminal([*CLI, "chat"], env, tmp_path)
    try:
        second.read_until(PROMPT, after=GREETING)
        second.type("\x1b[A")  # up arrow: the last line of the previous run
        second.read_until("/help")
        second.type("\x03")  # Ctrl-C leaves too
        assert second.proc.wait(timeout=30) == 0
    finally:
        second.close()


def test_ctrl_c_in_runs_console_stops_the_process(tmp_path):
    env = shell_env(tmp_path)
    term = Terminal([*CLI, "run"], env, tmp_path)
    try:
        term.read_until(PROMPT, after=GREETING)
        term.type("/help\r")
        term.read_until(PROMPT, after=HELP_END)
        started = time.monotonic()
        term.type("\x03")
        assert term.proc.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
    finally:
        term.close()
    assert " INFO " not in term.seen  # the console stays readable: logs at WARNING


def test_sigint_while_run_waits_at_the_prompt_also_ends_it(tmp_path):
    env = shell_env(tmp_path)
    term = Terminal([*CLI, "run"], env, tmp_path)
    try:
        term.read_until(PROMPT, after=GREETING)
        term.proc.send_signal(signal.SIGINT)
        assert term.proc.wait(timeout=15) == 0
    finally:
        term.close()
