"""CPU time of a benchmark's work, which a loaded machine does not stretch as it does wall time."""

from __future__ import annotations

import os
import time

from storage.db import Database

__all__ = ["CpuClock"]

# the server processes of this database's connections: the benchmark's own (a benchmark has
# its database to itself)
_BACKENDS = (
    "SELECT pid FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_type = 'client backend'"
)


class CpuClock:
    """CPU seconds spent on a benchmark's work: this process's, plus its PostgreSQL server
    processes' when the server runs on this machine (read from /proc)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def seconds(self) -> float:
        """CPU seconds so far (a server process that has gone no longer counts)."""
        return time.process_time() + sum(_cpu_of(pid) for pid in self._backends())

    def _backends(self) -> list[int]:
        if self._db.is_sqlite:
            return []
        with self._db.engine.connect() as conn:
            return [int(pid) for (pid,) in conn.exec_driver_sql(_BACKENDS)]


def _cpu_of(pid: int) -> float:
    """User and system CPU seconds of a process of this machine; 0 when there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:  # a server on another machine, or a connection since closed
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
