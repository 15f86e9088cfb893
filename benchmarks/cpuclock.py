"""CPU time of a benchmark's work, which a loaded machine does not stretch as it does wall time."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import event

from storage.db import Database

__all__ = ["CpuClock"]


class CpuClock:
    """CPU seconds spent on this benchmark's work: this process's, plus its PostgreSQL server
    processes' when the server runs on this machine (read from /proc). A shared, loaded
    machine stretches wall time; CPU time stays put."""

    def __init__(self, db: Database) -> None:
        self._backends: set[int] = set()
        if not db.is_sqlite:
            event.listen(db.engine, "connect", self._note_backend)

    def _note_backend(self, dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT pg_backend_pid()")
        self._backends.add(int(cur.fetchone()[0]))
        cur.close()

    def seconds(self) -> float:
        """CPU seconds so far (a server process that has gone no longer counts)."""
        server = 0
        for pid in self._backends:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:  # another machine's server, or a closed connection
                continue
            server += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        return time.process_time() + server / os.sysconf("SC_CLK_TCK")
