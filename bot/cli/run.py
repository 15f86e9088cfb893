"""`policybrief run`: the bot, and an exit that does not wait long for worker threads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING

import typer

from bot.cli.apps import app
from bot.cli.common import read_settings

if TYPE_CHECKING:
    pass


@app.command()
def run() -> None:
    """Run the scheduler and every configured platform (the console chat when none is)."""
    from bot.app import StartupError
    from bot.app import run as run_bot

    settings = read_settings()
    stopped = True
    try:
        with contextlib.suppress(KeyboardInterrupt):
            stopped = _run_without_waiting_for_threads(run_bot(settings))
    except StartupError:
        raise typer.Exit(2) from None  # the reason is logged already, in the log's format
    _leave_when_threads_end(THREAD_GRACE if stopped else 0.0)


THREAD_GRACE = 1.0  # seconds worker threads get after the bot stopped, within its 10 s


def _run_without_waiting_for_threads(main: Coroutine[object, object, bool]) -> bool:
    """`asyncio.run(main)`, except that closing the loop does not wait for worker threads
    (asyncio.run would wait up to 5 minutes for a unit of work still running)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()  # its default executor is shut down without waiting


def _leave_when_threads_end(grace: float) -> None:
    """Give worker threads `grace` seconds; past that, exit without them: the process must end
    within its shutdown budget, and the leases of their work expire on their own."""
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if busy:
        logging.getLogger("policybrief.app").warning(
            "exiting with %d worker thread(s) still busy; the leases of their work expire",
            len(busy),
        )
        logging.shutdown()
        os._exit(0)
