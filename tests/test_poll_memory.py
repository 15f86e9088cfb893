"""A cold poll's peak memory (issue 19): what a phase frees goes back to the system before the
next phase allocates, and parser processes start without `site`'s start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest.ingest.parser_pool import _worker_path
from digest.ingest.pipeline import _malloc_trim

ROOT = Path(__file__).resolve().parents[1]

# Frees 60 MB of 1 kB strings (malloc's, not pymalloc's: over 512 bytes) below one that stays,
# so free() alone cannot shrink the heap from its top; prints RSS before and after the release.
SCRIPT = """
from digest.ingest.pipeline import release_freed_memory

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

chunks = [b"%06d" % i * 170 for i in range(60_000)]
pin = b"p" * 5000  # after them, from the heap's top
del chunks
before = rss()
release_freed_memory()
print(before, rss())
"""


@pytest.mark.skipif(_malloc_trim() is None, reason="glibc's malloc_trim only")
def test_memory_a_phase_freed_goes_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
    )
    before, after = map(int, out.stdout.split())
    assert before - after > 40_000_000  # most of the 60 MB freed is no longer resident


def test_parser_processes_import_our_code_first_then_what_the_poller_imports_from() -> None:
    path = _worker_path().split(os.pathsep)
    assert path[0] == str(ROOT)
    assert len(path) == len(set(path))
    site_packages = [p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)]
    assert site_packages and set(site_packages) <= set(path)  # lxml and feedparser live there
    assert all(os.path.isdir(p) for p in path)


# Runs 150 distinct multi-row INSERTs (as ingest's pages of new items are) on one connection and
# prints how much RSS grew meanwhile: about 6 MB when the driver keeps 16 prepared statements,
# 23 MB with its default of 128.
STATEMENTS = """
import tempfile
from storage.db import Database

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

row = "(" + ",".join("?" * 10) + ")"
with tempfile.TemporaryDirectory() as tmp:
    db = Database(f"sqlite:///{tmp}/t.db")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (a, b, c, d, e, f, g, h, i, j)")
        conn.exec_driver_sql("INSERT INTO t VALUES " + ",".join([row] * 100), tuple(range(1000)))
        before = rss()
        for n in range(100, 250):
            conn.exec_driver_sql(
                "INSERT INTO t VALUES " + ",".join([row] * n), tuple(range(10 * n))
            )
        print(rss() - before)
    db.engine.dispose()
"""


def test_sqlite_keeps_few_prepared_statements_in_memory() -> None:
    """A prepared multi-row statement is a large program in C memory: the driver keeps only a
    few, so a cold ingest's many page lengths do not stay resident (about 8 MB at 10k items)."""
    out = subprocess.run(
        [sys.executable, "-c", STATEMENTS], cwd=ROOT, capture_output=True, text=True, check=True
    )
    grown = int(out.stdout.split()[-1])
    assert grown < 12_000_000, f"RSS grew {grown / 1e6:.1f} MB over 150 statements"
