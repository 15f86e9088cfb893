"""The `policybrief` command line (Typer): the commands the README lists under Commands.

One module per command or command group; `apps.py` holds the application and its groups,
`common.py` what the commands share. Importing a module registers its commands, so the order
below is the order `--help` lists them in.

Exit codes, for scripts: 0 success; 1 some sources failed or a command was refused; 2 a usage or
configuration error (a bad option value, an unreadable setting, a database that cannot be used).
"""

from __future__ import annotations

import importlib

from bot.cli.apps import app

# in the order --help lists them; a loop, so that sorting imports cannot reorder them
COMMAND_MODULES = (
    "demo",
    "run",
    "chat",
    "poll",
    "sources",
    "stories",
    "deadlines",
    "digests",
    "operators",
    "database",
)
for _module in COMMAND_MODULES:
    importlib.import_module(f"bot.cli.{_module}")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="policybrief")
