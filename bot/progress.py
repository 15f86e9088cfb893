"""One line per source as a poll goes: a Rich progress bar on a terminal, plain lines otherwise
(a log file, a pipe, a script)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from digest.ingest.pipeline import RefreshResult

__all__ = ["PollProgress", "ProgressRelay", "describe_result"]


def describe_result(result: RefreshResult) -> str:
    """'3 new, 0 updated items' / 'not modified' / 'failed: HTTP 404'."""
    if result.status == "ok":
        return f"{result.new_items} new, {result.updated_items} updated items"
    if result.status == "not_modified":
        return "not modified"
    if result.status == "stopped":
        return "stopped before its turn"
    return f"failed: {result.error or result.status}"


class ProgressRelay:
    """A poll's `progress` callback that passes results on while `target` is set (the first
    poll of `policybrief run`) and drops them otherwise."""

    def __init__(self) -> None:
        self.target: Callable[[RefreshResult], None] | None = None

    def __call__(self, result: RefreshResult) -> None:
        target = self.target
        if target is not None:
            target(result)


class PollProgress:
    """The `progress` callback of a poll: prints each source's outcome and keeps the results.

    `live` None: a progress bar when `stream` is a terminal."""

    def __init__(
        self, names: Mapping[int, str], stream: TextIO, *, live: bool | None = None
    ) -> None:
        self.names = dict(names)
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self.results: list[RefreshResult] = []
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._done = 0

    def __enter__(self) -> PollProgress:
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(
                TextColumn("polling"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("poll", total=len(self.names))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, result: RefreshResult) -> None:
        with self._lock:
            self.results.append(result)
        name = self.names.get(result.source_id, f"#{result.source_id}")
        self.note(name, describe_result(result))

    def note(self, name: str, what: str) -> None:
        """One more done: print `[n/total] name: what` and move the bar."""
        with self._lock:
            self._done += 1
            line = f"[{self._done}/{len(self.names)}] {name}: {what}"
            if self._bar is not None and self._task is not None:
                self._bar.console.print(line, markup=False, highlight=False)
                self._bar.advance(self._task)
            else:
                self.stream.write(line + "\n")
                self.stream.flush()

    @property
    def failed(self) -> list[RefreshResult]:
        """The sources whose poll failed, in the order they finished."""
        return [r for r in self.results if r.status == "failed"]
